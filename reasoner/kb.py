"""The reference knowledge base: ontology and kb/ files, loaded once, with lookup tables.

The Turtle files are parsed by Oxigraph (fast) into named graphs; the tables the reasoner needs
per enterprise (regions, industry codes, GB 18218 rows, accident grades, regulation items) are
read from them with SPARQL once, so a check costs dictionary look-ups, not graph queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from .resources import kb_dir, ontology_dir, turtle_files
from .vocab import GRAPH_KB, GRAPH_ONTOLOGY, PREFIXES

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@dataclass(frozen=True)
class Region:
    code: str
    iri: str
    name: str
    level: str  # "province", "city" or "county"
    parent: str | None
    ancestors: tuple[str, ...] = ()  # codes, nearest first


@dataclass(frozen=True)
class IndustryClass:
    code: str
    iri: str
    label: str
    chain: tuple[str, ...]  # this code and every broader one, nearest first (codes)
    sector: str | None  # IRI of the skc:sector-* concept
    types: tuple[str, ...]  # rdf:types of this class and its broader classes (IRIs)


@dataclass(frozen=True)
class Substance:
    row: int
    iri: str
    label: str
    names: frozenset[str]
    cas: frozenset[str]
    q_critical: Decimal
    beta: Decimal | None


@dataclass(frozen=True)
class HazardCategory:
    symbol: str
    iri: str
    q_critical: Decimal
    beta: Decimal


@dataclass(frozen=True)
class AccidentGrade:
    iri: str
    rank: int
    zh: str
    en: str
    min_deaths: int
    min_serious_injuries: int
    min_direct_loss_10k_cny: Decimal


@dataclass(frozen=True)
class Item:
    rule_id: str
    iri: str
    label_zh: str
    label_en: str
    confidence: str
    article: int | None


@dataclass
class KnowledgeBase:
    """Reference facts as a store (for SPARQL) and as tables (for derivation)."""

    store: ox.Store
    files: list[Path]
    regions: dict[str, Region] = field(default_factory=dict)
    industries: dict[str, IndustryClass] = field(default_factory=dict)
    substances: list[Substance] = field(default_factory=list)
    categories: dict[str, HazardCategory] = field(default_factory=dict)
    alpha_bands: list[tuple[int, Decimal]] = field(default_factory=list)
    grade_bands: list[tuple[Decimal, int]] = field(default_factory=list)
    fallback_beta: Decimal = Decimal(1)
    accident_grades: list[AccidentGrade] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)
    listing_term_years: int = 0
    clause_labels: dict[str, str] = field(default_factory=dict)  # in Chinese
    clause_labels_en: dict[str, str] = field(default_factory=dict)
    # what derivation computes from reference facts alone, kept per key (reasoner/derive.py)
    derived_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, extra_files: list[Path] | None = None) -> KnowledgeBase:
        store = ox.Store()
        files: list[Path] = []
        for graph, paths in (
            (GRAPH_ONTOLOGY, turtle_files(ontology_dir())),
            (GRAPH_KB, turtle_files(kb_dir()) + list(extra_files or [])),
        ):
            for path in paths:
                store.bulk_load(
                    path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph)
                )
                files.append(path)
        kb = cls(store=store, files=files)
        kb._read_tables()
        return kb

    def select(self, query: str) -> list[dict[str, str]]:
        """Run a SELECT over the union of the ontology and kb graphs; values as strings."""
        result = self.store.query(SPARQL_PREFIXES + query, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return [{n: sol[n].value for n in names if sol[n] is not None} for sol in result]

    # -- tables -------------------------------------------------------------------------------

    def _read_tables(self) -> None:
        self._read_regions()
        self._read_industries()
        self._read_gb18218()
        self._read_accident_grades()
        self._read_items()
        self._read_clause_labels()
        self.listing_term_years = int(
            self.select("SELECT ?y WHERE { ?r sk:listingTermYears ?y } LIMIT 1")[0]["y"]
        )

    def _read_regions(self) -> None:
        rows = self.select(
            """SELECT ?r ?code ?name ?level ?parent WHERE {
                 ?r skos:notation ?code ; a ?cls .
                 VALUES (?cls ?level) { (sk:Province "province") (sk:City "city") (sk:County "county") }
                 OPTIONAL { ?r rdfs:label ?name }
                 OPTIONAL { ?r sk:partOf/skos:notation ?parent } }"""
        )
        parents = {row["code"]: row.get("parent") for row in rows}
        for row in rows:
            chain, code = [], parents.get(row["code"])
            while code and code not in chain:
                chain.append(code)
                code = parents.get(code)
            self.regions[row["code"]] = Region(
                row["code"],
                row["r"],
                row.get("name", ""),
                row["level"],
                row.get("parent"),
                tuple(chain),
            )

    def is_known_region(self, code: str) -> bool:
        """A county-level code, or a prefecture-level city that has no counties (e.g. 东莞 441900)."""
        region = self.regions.get(code)
        if region is None:
            return False
        if region.level == "county":
            return True
        return region.level == "city" and not any(r.parent == code for r in self.regions.values())

    def _read_industries(self) -> None:
        rows = self.select(
            """SELECT ?c ?code ?label ?broader ?sector WHERE {
                 ?c a sk:IndustryClass ; skos:notation ?code .
                 OPTIONAL { ?c skos:prefLabel ?label }
                 OPTIONAL { ?c skos:broader/skos:notation ?broader }
                 OPTIONAL { ?c sk:sectorGroup ?sector } }"""
        )
        types: dict[str, set[str]] = {}
        for row in self.select(
            "SELECT ?code ?t WHERE { ?c a sk:IndustryClass ; skos:notation ?code ; a ?t }"
        ):
            types.setdefault(row["code"], set()).add(row["t"])
        info = {row["code"]: row for row in rows}
        for code, row in info.items():
            chain, cur = [], code
            while cur and cur not in chain:
                chain.append(cur)
                cur = info.get(cur, {}).get("broader")
            decider = next((c for c in chain if info.get(c, {}).get("sector")), None)
            self.industries[code] = IndustryClass(
                code=code,
                iri=row["c"],
                label=row.get("label", ""),
                chain=tuple(chain),
                sector=info[decider]["sector"] if decider else None,
                types=tuple(sorted({t for c in chain for t in types.get(c, ())})),
            )

    def is_known_industry(self, code: str) -> bool:
        return code.isdigit() and code in self.industries

    def _read_gb18218(self) -> None:
        names: dict[str, set[str]] = {}
        cas: dict[str, set[str]] = {}
        for row in self.select(
            """SELECT ?s ?name ?cas WHERE { ?s a sk:NamedHazardousChemical .
                 { ?s rdfs:label ?name } UNION { ?s skos:altLabel ?name } UNION { ?s sk:casNumber ?cas } }"""
        ):
            if "name" in row:
                names.setdefault(row["s"], set()).add(normalise_name(row["name"]))
            if "cas" in row:
                cas.setdefault(row["s"], set()).add(row["cas"].strip())
        for row in self.select(
            """SELECT ?s ?n ?label ?q ?beta WHERE { ?s a sk:NamedHazardousChemical ;
                 skos:notation ?n ; sk:criticalQuantityTonnes ?q .
                 OPTIONAL { ?s rdfs:label ?label FILTER(lang(?label) = "zh") }
                 OPTIONAL { ?s sk:beta ?beta } } ORDER BY xsd:integer(?n)"""
        ):
            self.substances.append(
                Substance(
                    row=int(row["n"]),
                    iri=row["s"],
                    label=row.get("label", ""),
                    names=frozenset(names.get(row["s"], ())),
                    cas=frozenset(cas.get(row["s"], ())),
                    q_critical=Decimal(row["q"]),
                    beta=Decimal(row["beta"]) if "beta" in row else None,
                )
            )
        for row in self.select(
            """SELECT ?c ?sym ?q ?beta WHERE { ?c a sk:HazardCategory ; skos:notation ?sym ;
                 sk:criticalQuantityTonnes ?q ; sk:beta ?beta }"""
        ):
            self.categories[row["sym"]] = HazardCategory(
                row["sym"], row["c"], Decimal(row["q"]), Decimal(row["beta"])
            )
        self.alpha_bands = sorted(
            (
                (int(r["p"]), Decimal(r["a"]))
                for r in self.select(
                    "SELECT ?p ?a WHERE { ?b a sk:AlphaBand ; sk:minPopulation ?p ; sk:alpha ?a }"
                )
            ),
            reverse=True,
        )
        self.grade_bands = sorted(
            (
                (Decimal(r["r"]), int(r["g"]))
                for r in self.select(
                    "SELECT ?r ?g WHERE { ?b a sk:GradeBand ; sk:minR ?r ; sk:majorHazardGrade ?g }"
                )
            ),
            reverse=True,
        )
        fallback = self.select("SELECT ?b WHERE { ?s sk:fallbackBeta ?b } LIMIT 1")
        if fallback:
            self.fallback_beta = Decimal(fallback[0]["b"])

    def _read_accident_grades(self) -> None:
        rows = self.select(
            """SELECT ?g ?rank ?zh ?en ?d ?i ?l WHERE { ?g a sk:AccidentGrade ; sk:rank ?rank ;
                 sk:minDeaths ?d ; sk:minSeriousInjuries ?i ; sk:minDirectLoss10kCny ?l ;
                 skos:altLabel ?zh ; skos:notation ?en . FILTER(lang(?zh) = "zh") }"""
        )
        self.accident_grades = sorted(
            (
                AccidentGrade(
                    r["g"],
                    int(r["rank"]),
                    r.get("zh", ""),
                    r.get("en", ""),
                    int(r["d"]),
                    int(r["i"]),
                    Decimal(r["l"]),
                )
                for r in rows
            ),
            key=lambda g: g.rank,
            reverse=True,
        )

    def _read_items(self) -> None:
        rows = self.select(
            """SELECT ?i ?id ?zh ?en ?conf ?art WHERE { ?i a sk:RegulationItem ; skos:notation ?id .
                 OPTIONAL { ?i rdfs:label ?zh FILTER(lang(?zh) = "zh") }
                 OPTIONAL { ?i rdfs:label ?en FILTER(lang(?en) = "en") }
                 OPTIONAL { ?i sk:confidence ?conf }
                 OPTIONAL { ?i dcterms:isPartOf/sk:articleNumber ?art } }"""
        )
        for r in rows:
            self.items[r["id"]] = Item(
                r["id"],
                r["i"],
                r.get("zh", ""),
                r.get("en", ""),
                r.get("conf", "verified"),
                int(r["art"]) if "art" in r else None,
            )

    def _read_clause_labels(self) -> None:
        """How a report names a clause, in Chinese and in English: its label, else its number
        and title (a clause without English falls back to Chinese, see ``clause_label``)."""
        for lang, labels in (("zh", self.clause_labels), ("en", self.clause_labels_en)):
            rows = self.select(
                f"""SELECT ?r ?label ?id ?title WHERE {{
                     VALUES ?t {{ sk:Article sk:RegulationItem sk:Law sk:AdministrativeRegulation
                                 sk:DepartmentalRule sk:NationalStandard sk:NormativeDocument }}
                     ?r a ?t .
                     OPTIONAL {{ ?r rdfs:label ?label FILTER(lang(?label) = "{lang}") }}
                     OPTIONAL {{ ?r dcterms:identifier ?id }}
                     OPTIONAL {{ ?r dcterms:title ?title FILTER(lang(?title) = "{lang}") }} }}"""
            )
            for r in rows:
                titled = TITLED[lang].format(r.get("id", ""), r["title"]) if "title" in r else None
                label = r.get("label") or titled
                if label is None and lang == "zh":  # Chinese names every clause, by its id
                    label = r.get("id", r["r"])
                if label is not None:
                    labels[r["r"]] = label

    def clause_label(self, clause: object, lang: str = "zh") -> str:
        """The name of a clause (an IRI) in ``lang``, in Chinese when it has no English one;
        the IRI itself when the KB does not know it; "" for none."""
        if not clause:
            return ""
        iri = str(clause)
        if lang == "en" and iri in self.clause_labels_en:
            return self.clause_labels_en[iri]
        return self.clause_labels.get(iri, iri)

    def is_known_item(self, rule_id: str) -> bool:
        return rule_id in self.items


TITLED = {"zh": "{}《{}》", "en": "{} ({})"}  # a clause named by its id and its title


def normalise_name(name: str) -> str:
    """Substance names compared without spaces, brackets or case."""
    table = str.maketrans("", "", " \t（）()[]【】,，;；")
    return name.translate(table).lower()
