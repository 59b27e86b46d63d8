"""Checks of the OWL 2 RL ontology (ontology/safetykg.ttl) and its SKOS concepts
(ontology/concepts.ttl).

- every sk: class and property is labelled and defined in Chinese and English;
- every concept has zh and en preferred labels;
- the JSON-LD context and the ontology agree (every property and skc: term is declared);
- the TBox stays inside the OWL 2 RL profile for the constructs we use;
- owlrl derives the classes the rules depend on from a small hand-written enterprise graph.
"""

from __future__ import annotations

import json
from pathlib import Path

import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
TBOX = ONTOLOGY_DIR / "safetykg.ttl"
CONCEPTS = ONTOLOGY_DIR / "concepts.ttl"
CONTEXT = ONTOLOGY_DIR / "context.jsonld"

SK = Namespace("https://w3id.org/safetykg/def#")
SKC = Namespace("https://w3id.org/safetykg/concept/")
ENT = Namespace("https://w3id.org/safetykg/id/enterprise/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
ONTOLOGY_IRI = URIRef("https://w3id.org/safetykg/def")

DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tbox() -> Graph:
    return Graph().parse(TBOX, format="turtle")


@pytest.fixture(scope="module")
def concepts() -> Graph:
    return Graph().parse(CONCEPTS, format="turtle")


@pytest.fixture(scope="module")
def ontology(tbox: Graph, concepts: Graph) -> Graph:
    g = Graph()
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def context() -> dict:
    return json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]


def _expand(ctx: dict, curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    base = ctx.get(prefix)
    assert isinstance(base, str), f"unknown prefix in context: {curie}"
    return URIRef(base + local)


def _context_properties(ctx: dict) -> dict[str, dict]:
    """JSON key -> term definition, for every key mapped to a property."""
    return {k: v for k, v in ctx.items() if isinstance(v, dict) and "@id" in v}


def _context_enum_terms(ctx: dict) -> dict[str, str]:
    """JSON value -> CURIE for every enumeration term (plain string mapping to a prefixed name)."""
    prefixes = {k for k, v in ctx.items() if isinstance(v, str) and v.startswith("http")}
    return {
        k: v
        for k, v in ctx.items()
        if isinstance(v, str) and not k.startswith("@") and k not in prefixes
    }


def _langs(g: Graph, s, p) -> set[str]:
    return {o.language for o in g.objects(s, p) if isinstance(o, Literal) and o.language}


# ----------------------------------------------------------------------------- header


def test_ontology_header(tbox: Graph):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in tbox
    titles = _langs(tbox, ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/title"))
    assert {"zh", "en"} <= titles
    assert tbox.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert tbox.value(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/license")) is not None


# ----------------------------------------------------------------------------- labels


def test_every_sk_term_has_bilingual_label_and_definition(ontology: Graph):
    offenders = []
    count = 0
    for kind in DECLARATION_TYPES:
        for term in set(ontology.subjects(RDF.type, kind)):
            if not isinstance(term, URIRef) or not str(term).startswith(str(SK)):
                continue
            count += 1
            for prop in (RDFS.label, SKOS.definition):
                missing = {"zh", "en"} - _langs(ontology, term, prop)
                if missing:
                    offenders.append(
                        f"{term.n3(ontology.namespace_manager)} {prop.fragment or prop}: "
                        f"missing {sorted(missing)}"
                    )
    assert count > 150, f"suspiciously few sk: terms declared ({count})"
    assert not offenders, "terms without zh+en label/definition:\n" + "\n".join(sorted(offenders))


def test_no_term_declared_with_two_property_kinds(ontology: Graph):
    clashes = []
    for term in {s for k in PROPERTY_TYPES for s in ontology.subjects(RDF.type, k)}:
        kinds = [k for k in PROPERTY_TYPES if (term, RDF.type, k) in ontology]
        if len(kinds) > 1:
            clashes.append(f"{term}: {kinds}")
    assert not clashes, "\n".join(clashes)


def test_every_concept_has_bilingual_pref_label(concepts: Graph):
    offenders = []
    all_concepts = set(concepts.subjects(RDF.type, SKOS.Concept))
    assert all_concepts
    for c in all_concepts:
        for prop in (SKOS.prefLabel, SKOS.definition):
            missing = {"zh", "en"} - _langs(concepts, c, prop)
            if missing:
                offenders.append(f"{c} {prop}: missing {sorted(missing)}")
        if concepts.value(c, SKOS.notation) is None:
            offenders.append(f"{c}: no skos:notation")
        if concepts.value(c, SKOS.inScheme) is None:
            offenders.append(f"{c}: no skos:inScheme")
    assert not offenders, "\n".join(sorted(offenders))


def test_concepts_are_not_in_the_tbox_file(tbox: Graph):
    assert not set(tbox.subjects(RDF.type, SKOS.Concept))


def test_risk_levels_and_inspection_classes(concepts: Graph):
    expected = {
        "risk-red": ("red", 4),
        "risk-orange": ("orange", 3),
        "risk-yellow": ("yellow", 2),
        "risk-blue": ("blue", 1),
    }
    for local, (notation, rank) in expected.items():
        c = SKC[local]
        assert (c, RDF.type, SKOS.Concept) in concepts, local
        assert str(concepts.value(c, SKOS.notation)) == notation
        assert concepts.value(c, SK.rank).toPython() == rank
    labels = {
        lbl for lbl in concepts.objects(SKC["risk-orange"], SKOS.prefLabel) if lbl.language == "zh"
    }
    assert Literal("较大风险", lang="zh") in labels
    for local, notation in {"class-key": "key", "class-general": "general"}.items():
        assert (SKC[local], RDF.type, SKOS.Concept) in concepts
        assert str(concepts.value(SKC[local], SKOS.notation)) == notation


# ----------------------------------------------------------------------------- context


def test_every_context_property_is_declared(ontology: Graph, context: dict):
    missing = []
    for key, term in _context_properties(context).items():
        iri = _expand(context, term["@id"])
        if not any((iri, RDF.type, k) in ontology for k in PROPERTY_TYPES):
            missing.append(f"{key} -> {term['@id']}")
    assert not missing, "context properties not declared in the ontology:\n" + "\n".join(missing)


def test_context_property_kinds_and_ranges_agree(ontology: Graph, context: dict):
    problems = []
    for key, term in _context_properties(context).items():
        iri = _expand(context, term["@id"])
        typ = term.get("@type")
        if typ == "@vocab":
            if (iri, RDF.type, OWL.ObjectProperty) not in ontology:
                problems.append(
                    f"{key}: enumeration but {term['@id']} is not an owl:ObjectProperty"
                )
            if ontology.value(iri, RDFS.range) != SKOS.Concept:
                problems.append(f"{key}: enumeration property range is not skos:Concept")
        elif typ is not None:
            expected = _expand(context, typ)
            if ontology.value(iri, RDFS.range) != expected:
                problems.append(
                    f"{key}: context says {typ}, range is {ontology.value(iri, RDFS.range)}"
                )
    assert not problems, "\n".join(problems)


def test_every_skc_enumeration_term_is_a_concept(concepts: Graph, context: dict):
    missing = []
    checked = 0
    for value, curie in _context_enum_terms(context).items():
        if not curie.startswith("skc:"):
            continue
        checked += 1
        iri = _expand(context, curie)
        if (iri, RDF.type, SKOS.Concept) not in concepts:
            missing.append(f"{value} -> {curie}")
        elif value != "none" and str(concepts.value(iri, SKOS.notation)) != value:
            missing.append(f"{value} -> {curie}: notation {concepts.value(iri, SKOS.notation)!r}")
    assert checked > 20
    assert not missing, "context enumeration terms missing from concepts.ttl:\n" + "\n".join(
        missing
    )


# ----------------------------------------------------------------------------- OWL 2 RL profile


def _restrictions(g: Graph):
    return set(g.subjects(RDF.type, OWL.Restriction)) | set(g.subjects(OWL.onProperty, None))


def _subclass_side_only(g: Graph, node) -> bool:
    """True when ``node`` is only used where OWL 2 RL allows a subClassExpression:
    as the subject of rdfs:subClassOf, as a member of an intersection/union that is itself on the
    sub-class side, or as the filler of someValuesFrom on the sub-class side."""
    parents = list(g.subject_predicates(node))
    if not parents and not list(g.predicate_objects(node)):
        return True
    ok = True
    for s, p in parents:
        if p == RDF.first:
            # member of a list: find the list head and its owner
            head = s
            while True:
                prev = list(g.subjects(RDF.rest, head))
                if not prev:
                    break
                head = prev[0]
            owners = list(g.subject_predicates(head))
            for owner, op in owners:
                if op in (OWL.intersectionOf, OWL.unionOf):
                    ok &= _subclass_side_only(g, owner)
                else:
                    ok = False
        elif p == OWL.someValuesFrom:
            ok &= _subclass_side_only(g, s)
        else:
            ok = False
    # as subject it must be the sub-class of something and never an equivalentClass
    if (node, OWL.equivalentClass, None) in g or (None, OWL.equivalentClass, node) in g:
        ok = False
    return ok


def test_tbox_stays_in_owl2_rl(tbox: Graph):
    problems = []
    # constructs outside OWL 2 RL altogether
    for p in (
        OWL.complementOf,
        OWL.oneOf,
        OWL.hasSelf,
        OWL.disjointUnionOf,
        OWL.minCardinality,
        OWL.minQualifiedCardinality,
        OWL.cardinality,
        OWL.qualifiedCardinality,
    ):
        for s in tbox.subjects(p, None):
            problems.append(f"{p.n3(tbox.namespace_manager)} on {s}")
    for p in (OWL.maxCardinality, OWL.maxQualifiedCardinality):
        for s, o in tbox.subject_objects(p):
            if int(o) > 1:
                problems.append(f"max cardinality {o} > 1 on {s}")
    # someValuesFrom and unionOf only on the sub-class side
    for r in set(tbox.subjects(OWL.someValuesFrom, None)):
        if not _subclass_side_only(tbox, r):
            problems.append(f"someValuesFrom restriction {r} used outside a sub-class position")
    for u in set(tbox.subjects(OWL.unionOf, None)):
        if not _subclass_side_only(tbox, u):
            problems.append(f"unionOf {u} used outside a sub-class position")
    # ranges and domains must be named classes or datatypes (no anonymous expressions)
    for p in (RDFS.domain, RDFS.range):
        for s, o in tbox.subject_objects(p):
            if isinstance(o, BNode):
                problems.append(f"anonymous {p.n3(tbox.namespace_manager)} on {s}")
    # intersections are well formed lists
    for s, lst in tbox.subject_objects(OWL.intersectionOf):
        assert len(list(Collection(tbox, lst))) >= 2, s
    assert not problems, "\n".join(problems)


def test_transitive_region_hierarchy(tbox: Graph):
    assert (SK.withinRegion, RDF.type, OWL.TransitiveProperty) in tbox
    assert (SK.partOf, RDF.type, OWL.TransitiveProperty) not in tbox
    for sub in (SK.region, SK.partOf):
        assert (sub, RDFS.subPropertyOf, SK.withinRegion) in tbox
    assert (SK.industry, RDFS.subPropertyOf, SK.inIndustry) in tbox
    assert (SK.hasMajorHazardSource, RDFS.subPropertyOf, SK.hazardUnit) in tbox


# ----------------------------------------------------------------------------- reasoning

DATA = """
@prefix sk:  <https://w3id.org/safetykg/def#> .
@prefix skc: <https://w3id.org/safetykg/concept/> .
@prefix ent: <https://w3id.org/safetykg/id/enterprise/> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ent:A sk:creditCode "91330106MA2B3C4D11" ; sk:name "示例铝制品有限公司" ;
    sk:location ent:A\\/location ;
    sk:dust ent:A\\/dust .
ent:A\\/location geo:lat 30.2741 ; geo:long 120.1551 .
ent:A\\/dust sk:dustType skc:dust-aluminium ;
    sk:collector ent:A\\/dust\\/collectors\\/0 , ent:A\\/dust\\/collectors\\/1 .
ent:A\\/dust\\/collectors\\/0 sk:collectorType skc:collector-dry ;
    sk:explosionProtection skc:none .
ent:A\\/dust\\/collectors\\/1 sk:collectorType skc:collector-wet .

ent:B sk:creditCode "91330106MA2B3C4D22" ; sk:metalSmelting true .
ent:C sk:creditCode "91330106MA2B3C4D33" ; sk:sectorGroup skc:sector-nonferrous .
ent:D sk:creditCode "91330106MA2B3C4D44" ; sk:metalSmelting false ;
    sk:noneReported sk:accident ;
    sk:hiddenHazard ent:D\\/hidden_hazards\\/0 .
ent:D\\/hidden_hazards\\/0 sk:hazardLevel skc:hazard-major .
"""


def closed_with(ontology: Graph, data: str) -> Graph:
    """The OWL RL closure (owlrl) of the ontology plus some Turtle data."""
    g = Graph()
    g += ontology
    g.parse(data=data, format="turtle")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


@pytest.fixture(scope="module")
def closure(ontology: Graph) -> Graph:
    return closed_with(ontology, DATA)


def test_owlrl_reports_no_inconsistency(closure: Graph):
    errors = [str(o) for o in closure.objects(None, ERRNS.error)]
    assert not errors, "\n".join(errors)


def test_dust_enterprise_is_derived(closure: Graph):
    a = ENT.A
    assert (a, RDF.type, SK.Enterprise) in closure  # domain of sk:creditCode / sk:dust
    assert (a, RDF.type, SK.DustExplosionEnterprise) in closure
    assert (a, RDF.type, SK.SpecialOperationEnterprise) in closure
    assert (ENT["A/dust"], RDF.type, SK.DustExplosionOperation) in closure
    assert (ENT["A/location"], RDF.type, GEO.Point) in closure
    assert (a, RDF.type, SK.MetalSmeltingEnterprise) not in closure
    assert (a, RDF.type, SK.AmmoniaRefrigerationEnterprise) not in closure


def test_dry_collector_is_derived(closure: Graph):
    dry, wet = ENT["A/dust/collectors/0"], ENT["A/dust/collectors/1"]
    assert (dry, RDF.type, SK.DustCollector) in closure
    assert (dry, RDF.type, SK.HazardSource) in closure
    assert (dry, RDF.type, SK.DryDustCollector) in closure
    assert (wet, RDF.type, SK.DustCollector) in closure
    assert (wet, RDF.type, SK.DryDustCollector) not in closure


def test_metal_smelting_enterprise_is_derived(closure: Graph):
    assert (ENT.B, RDF.type, SK.MetalSmeltingEnterprise) in closure
    assert (ENT.B, RDF.type, SK.SpecialOperationEnterprise) in closure
    assert (ENT.D, RDF.type, SK.MetalSmeltingEnterprise) not in closure


def test_metal_smelting_by_industry(ontology: Graph):
    g = closed_with(
        ontology,
        """
        @prefix sk: <https://w3id.org/safetykg/def#> .
        @prefix kb: <https://w3id.org/safetykg/kb/> .
        @prefix ent: <https://w3id.org/safetykg/id/enterprise/> .
        kb:GBT4754-321 a sk:MetalSmeltingIndustry .
        ent:E sk:industry kb:GBT4754-3211 ; sk:inIndustry kb:GBT4754-321 .
    """,
    )
    assert (ENT.E, RDF.type, SK.MetalSmeltingEnterprise) in g


def test_sector_group_classes_are_derived(closure: Graph):
    c = ENT.C
    assert (c, RDF.type, SK.NonferrousEnterprise) in closure
    assert (c, RDF.type, SK.IndustryTradeEnterprise) in closure
    assert (c, RDF.type, SK.MetallurgyEnterprise) not in closure


def test_reported_none_types_no_sentinel(closure: Graph):
    assert (SKC.none, RDF.type, SK.DustCollector) not in closure
    assert not set(closure.subjects(RDF.type, SK.Accident))
    assert (SKC.none, RDF.type, SKOS.Concept) in closure


def test_major_hidden_hazard_is_derived(closure: Graph):
    h = ENT["D/hidden_hazards/0"]
    assert (h, RDF.type, SK.HiddenHazard) in closure
    assert (h, RDF.type, SK.MajorHiddenHazard) in closure
    assert (h, RDF.type, SK.GeneralHiddenHazard) not in closure
    assert (h, RDF.type, SK.OverdueMajorHiddenHazard) not in closure  # reasoner's job, not OWL's


def test_region_transitivity(ontology: Graph):
    g = closed_with(
        ontology,
        """
        @prefix sk: <https://w3id.org/safetykg/def#> .
        @prefix region: <https://w3id.org/safetykg/region/> .
        @prefix ent: <https://w3id.org/safetykg/id/enterprise/> .
        region:330106 sk:partOf region:330100 .
        region:330100 sk:partOf region:330000 .
        ent:A sk:region region:330106 .
    """,
    )
    region = Namespace("https://w3id.org/safetykg/region/")
    for r in ("330106", "330100", "330000"):
        assert (ENT.A, SK.withinRegion, region[r]) in g
    assert (region["330106"], SK.withinRegion, region["330000"]) in g
    assert (ENT.A, SK.partOf, region["330100"]) not in g
    assert (region["330106"], SK.partOf, region["330000"]) not in g
    assert (region["330106"], RDF.type, SK.Region) in g


def test_datatype_ranges_are_xsd(tbox: Graph):
    xsd = ns.XSD
    # rdf:JSON only for sk:checkReport: the stored report is an opaque literal no rule reasons over
    allowed = {xsd.integer, xsd.decimal, xsd.boolean, xsd.date, xsd.string, RDF.JSON}
    bad = [
        f"{p}: {tbox.value(p, RDFS.range)}"
        for p in tbox.subjects(RDF.type, OWL.DatatypeProperty)
        if str(p).startswith(str(SK)) and tbox.value(p, RDFS.range) not in allowed
    ]
    assert not bad, "\n".join(bad)


REQUIRED_CLASSES = [
    "Enterprise",
    "StandardizationCertificate",
    "SafetyManagement",
    "HazardousChemicalHolding",
    "DustExplosionOperation",
    "DustCollector",
    "DryDustCollector",
    "AmmoniaRefrigerationSystem",
    "QuickFreezer",
    "ConfinedSpaceOperation",
    "ConfinedSpace",
    "DustExplosionArea",
    "MoltenMetalOperation",
    "HazardSource",
    "HazardousChemicalUnit",
    "ProductionUnit",
    "StorageUnit",
    "MajorHazardSource",
    "Contribution",
    "HiddenHazard",
    "MajorHiddenHazard",
    "GeneralHiddenHazard",
    "OverdueMajorHiddenHazard",
    "Accident",
    "CreditListing",
    "Inspection",
    "SpecialOperationEnterprise",
    "DustExplosionEnterprise",
    "AmmoniaRefrigerationEnterprise",
    "ConfinedSpaceEnterprise",
    "HazardousChemicalEnterprise",
    "MajorHazardEnterprise",
    "MetalSmeltingEnterprise",
    "CurrentlyListedEnterprise",
    "IndustryTradeEnterprise",
    "MetallurgyEnterprise",
    "NonferrousEnterprise",
    "BuildingMaterialsEnterprise",
    "MachineryEnterprise",
    "LightIndustryEnterprise",
    "TextileEnterprise",
    "TobaccoEnterprise",
    "TradeEnterprise",
    "HazardousChemicalsSectorEnterprise",
    "MiningEnterprise",
    "Region",
    "Province",
    "City",
    "County",
    "Regulation",
    "Law",
    "AdministrativeRegulation",
    "DepartmentalRule",
    "NationalStandard",
    "NormativeDocument",
    "Article",
    "RegulationItem",
    "MajorHazardCriterion",
    "NamedHazardousChemical",
    "HazardCategory",
    "AlphaBand",
    "GradeBand",
    "AccidentGrade",
    "IndustryClass",
    "MetalSmeltingIndustry",
    "PolicyProfile",
    "RiskRule",
    "FrequencyRule",
    "RiskAssessment",
    "Reason",
]

REQUIRED_PROPERTIES = [
    "region",
    "withinRegion",
    "partOf",
    "industry",
    "inIndustry",
    "sectorGroup",
    "hazardUnit",
    "hasMajorHazardSource",
    "sValue",
    "rValue",
    "alpha",
    "majorHazardGrade",
    "contribution",
    "substance",
    "quantityTonnes",
    "criticalQuantityTonnes",
    "beta",
    "fromHolding",
    "accidentGrade",
    "criterion",
    "riskAssessment",
    "riskLevel",
    "inspectionClass",
    "minInspectionsPerYear",
    "maxInspectionsPerYear",
    "policyProfile",
    "reason",
    "rule",
    "because",
    "riskRule",
    "articleNumber",
    "itemNumber",
    "appliesToSector",
    "criterionGroup",
    "inForceFrom",
    "minPopulation",
    "minR",
    "fallbackBeta",
    "rank",
    "minDeaths",
    "minSeriousInjuries",
    "minDirectLoss10kCny",
    "casNumber",
    "confidence",
    "sectorConfidence",
    "ruleId",
    "clause",
    "resultKind",
]


def test_required_vocabulary_is_declared(tbox: Graph):
    missing = [
        f"class sk:{c}" for c in REQUIRED_CLASSES if (SK[c], RDF.type, OWL.Class) not in tbox
    ]
    missing += [
        f"property sk:{p}"
        for p in REQUIRED_PROPERTIES
        if not any((SK[p], RDF.type, k) in tbox for k in PROPERTY_TYPES)
    ]
    assert not missing, "\n".join(missing)
    for c in ("RiskAssessment", "Reason"):
        assert (SK[c], RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in tbox
    assert (SK.location, RDFS.range, GEO.Point) in tbox


def _turtle_files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).glob("**/*.ttl"))


def test_sk_terms_used_in_kb_and_shapes_are_declared(tbox: Graph):
    files = _turtle_files("kb", "shapes")
    if not files:
        pytest.skip("no kb/ or shapes/ Turtle files yet")
    declared = {s for s in tbox.subjects() if isinstance(s, URIRef) and s.startswith(str(SK))}
    undeclared: dict[URIRef, str] = {}
    for path in files:
        g = Graph().parse(path, format="turtle")
        for triple in g:
            for t in triple:
                if isinstance(t, URIRef) and t.startswith(str(SK)) and t not in declared:
                    undeclared.setdefault(t, str(path.relative_to(ROOT)))
    assert not undeclared, (
        "sk: terms used but not declared in ontology/safetykg.ttl:\n"
        + "\n".join(f"{t} (first in {f})" for t, f in sorted(undeclared.items()))
    )


def test_concepts_named_in_class_definitions_exist(ontology: Graph):
    kb_files = _turtle_files("kb")
    if not kb_files:
        pytest.skip("no kb/ Turtle files yet")
    known = Graph()
    known += ontology
    for path in kb_files:
        known.parse(path, format="turtle")
    missing = sorted(
        str(v)
        for v in ontology.objects(None, OWL.hasValue)
        if isinstance(v, URIRef)
        and v.startswith(str(SKC))
        and (v, RDF.type, SKOS.Concept) not in known
    )
    assert not missing, (
        "owl:hasValue names concepts that neither concepts.ttl nor kb/ define:\n"
        + ("\n".join(missing))
    )
