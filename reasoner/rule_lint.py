"""``safetykg rules lint``: a rule file checked before it may run.

Checks: Turtle syntax; the W3C SHACL-SHACL meta-shapes (shipped with pySHACL); no unknown term
in the sh: or sk: namespaces (a typo such as ``sh:minCout`` is an error, not a silently ignored
triple); sk: properties on shapes are rule annotations or parameters of a known constraint
component; and the project's conventions for every rule shape: a rule id unique across the rules
in force, ``sh:message`` in @zh and @en, ``sh:severity`` set, ``sk:clause`` resolving to a
regulation, article or item in the KB, and fixtures (a violating and a conforming one) for every
rule that is not a data-gap shape. Every problem names its file, line and rule id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files as package_files
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from .rule_packs import Pack, Problem, rule_ids_in
from .validate import RuleSet, messages
from .vocab import SK

RULE_ANNOTATIONS = {
    SK.ruleId,
    SK.clause,
    SK.confidence,
    SK.resultKind,
    SK.inspectionHint,
    SK.appliesWhen,
}
SK_DECLARED = """SELECT DISTINCT ?s WHERE { ?s a ?type .
    FILTER (STRSTARTS(STR(?s), "https://w3id.org/safetykg/def#")) }"""


def parse_turtle(path: Path) -> tuple[Graph | None, list[Problem]]:
    """The file's graph, or a problem naming the line rdflib's parser stopped at."""
    try:
        return Graph().parse(path, format="turtle"), []
    except Exception as exc:  # rdflib raises several unrelated types for bad input
        text = str(exc)
        found = re.search(r"line (\d+)", text)
        line = int(found.group(1)) if found else 0
        detail = " ".join(text.split())[:300]
        rule = _rule_around(_read_lines(path), line)
        return None, [Problem(str(path), line, rule, f"Turtle syntax error: {detail}")]


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def _rule_around(lines: list[str], line: int) -> str:
    """The rule id of the subject block that contains ``line`` (for errors found in raw text)."""
    start = 0
    for i in range(min(line, len(lines)) - 1, -1, -1):
        if lines[i][:1] not in ("", " ", "\t", "#", "@", ")", "]"):
            start = i
            break
    for text in lines[start:]:
        found = re.search(r'sk:ruleId\s+"([^"]+)"', text)
        if found:
            return found.group(1)
        if text.rstrip().endswith(" ."):
            break
    return ""


@lru_cache(maxsize=1)
def _meta_shapes() -> Graph:
    return Graph().parse(
        str(package_files("pyshacl").joinpath("assets/shacl-shacl.ttl")), format="turtle"
    )


@lru_cache(maxsize=1)
def _shacl_terms() -> frozenset[URIRef]:
    g = Graph().parse(str(package_files("pyshacl").joinpath("assets/shacl.ttl")), format="turtle")
    return frozenset(
        s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(SH))
    )


class _Locator:
    """Line numbers of subjects and terms in one file's text."""

    def __init__(self, path: Path, graph: Graph) -> None:
        self.lines = _read_lines(path)
        self.graph = graph

    def names(self, term: URIRef) -> list[str]:
        qname = self.graph.namespace_manager.normalizeUri(term)
        return [qname, f"<{term}>"] if qname != f"<{term}>" else [qname]

    def subject_line(self, term) -> int:
        if isinstance(term, URIRef):
            for name in self.names(term):
                pattern = re.compile(r"^\s*" + re.escape(name) + r"(\s|$)")
                for i, text in enumerate(self.lines, 1):
                    if pattern.match(text):
                        return i
        return 0

    def term_line(self, term: URIRef) -> int:
        for name in self.names(term):
            pattern = re.compile(re.escape(name) + r"(?![\w-])")
            for i, text in enumerate(self.lines, 1):
                if pattern.search(text.split("#", 1)[0]):
                    return i
        return 0


class Linter:
    """Lints rule files against the rules in force (for uniqueness, components) and the KB."""

    def __init__(self, kb, in_force: Iterable[Path]) -> None:
        self.kb = kb
        self.in_force = list(in_force)
        self.defined_in = rule_ids_in(self.in_force)
        self.sk_terms = {URIRef(r["s"]) for r in kb.select(SK_DECLARED)}
        context = Graph()
        for f in self.in_force:
            context.parse(f, format="turtle")
        self.parameters = self._parameters(context)
        self.node_shapes = set(context.subjects(RDF.type, SH.NodeShape))

    @staticmethod
    def _parameters(graph: Graph) -> set[URIRef]:
        return {
            path
            for comp in graph.subjects(RDF.type, SH.ConstraintComponent)
            for decl in graph.objects(comp, SH.parameter)
            for path in graph.objects(decl, SH.path)
        }

    def lint(self, paths: Iterable[Path]) -> list[Problem]:
        paths = list(paths)
        problems: list[Problem] = []
        parsed: dict[Path, Graph] = {}
        for path in paths:
            graph, errors = parse_turtle(path)
            problems += errors
            if graph is not None:
                parsed[path] = graph
        own = {str(p) for p in paths}
        defined = {k: v for k, v in self.defined_in.items() if v not in own}
        for path, graph in parsed.items():
            problems += self._lint_graph(path, graph, defined)
            for rule_id in {str(o) for o in graph.objects(None, SK.ruleId)}:
                defined.setdefault(rule_id, str(path))
        return problems

    def lint_pack(self, pack: Pack) -> list[Problem]:
        problems = self.lint(pack.rule_files)
        known = set(self.defined_in) | set(rule_ids_in(pack.rule_files) if not problems else ())
        meta = pack.folder / "pack.ttl"
        for rule_id in pack.disables:
            if rule_id not in known:
                line = next(
                    (i for i, t in enumerate(_read_lines(meta), 1) if f'"{rule_id}"' in t), 0
                )
                problems.append(
                    Problem(str(meta), line, rule_id, "sk:disables names a rule that is not loaded")
                )
        return problems

    def _lint_graph(self, path: Path, graph: Graph, defined: dict[str, str]) -> list[Problem]:
        where = _Locator(path, graph)
        rules = RuleSet([path])
        parameters = self.parameters | self._parameters(graph)

        def rule_of(node) -> tuple[str, int]:
            shape = _top(graph, node)
            rule_id = graph.value(shape, SK.ruleId)
            return (str(rule_id) if rule_id else ""), where.subject_line(shape)

        out: list[Problem] = []
        for s, p, o in graph:
            for term in (p, o) if p != RDF.type else (o,):
                if not isinstance(term, URIRef):
                    continue
                if str(term).startswith(str(SH)) and term not in _shacl_terms():
                    out.append(
                        Problem(
                            str(path),
                            where.term_line(term),
                            rule_of(s)[0],
                            f"unknown SHACL term {where.names(term)[0]}",
                        )
                    )
                elif str(term).startswith(str(SK)) and term not in self.sk_terms:
                    out.append(
                        Problem(
                            str(path),
                            where.term_line(term),
                            rule_of(s)[0],
                            f"unknown term {where.names(term)[0]} (not declared in the ontology)",
                        )
                    )
            if (
                (_top(graph, s), SK.ruleId, None) in graph
                and str(p).startswith(str(SK))
                and p in self.sk_terms
                and p not in RULE_ANNOTATIONS | parameters
            ):
                rule_id, _ = rule_of(s)
                out.append(
                    Problem(
                        str(path),
                        where.term_line(p),
                        rule_id,
                        f"{where.names(p)[0]} is neither a rule annotation nor a parameter "
                        "of a known constraint component",
                    )
                )
        out += self._meta_problems(path, graph, rule_of)
        for rule in rules.rules.values():
            line = where.subject_line(rule.shape)
            out += [
                Problem(str(path), line, rule.rule_id, text)
                for text in self._rule_problems(path, graph, rule, where, defined)
            ]
        return sorted(set(out), key=lambda p: (p.line, p.rule, p.message))

    def _rule_problems(
        self, path: Path, graph: Graph, rule, where: _Locator, defined: dict[str, str]
    ) -> list[str]:
        """The project's conventions for one rule shape."""
        out = []
        for lang in ("zh", "en"):
            if not _has_message(graph, rule.shape, lang):
                out.append(f"sh:message in @{lang} is missing")
        if graph.value(rule.shape, SH.severity) is None:
            out.append("sh:severity is not set")
        if rule.clause is None:
            out.append("sk:clause is missing")
        elif str(rule.clause) not in self.kb.clause_labels:
            name = where.names(rule.clause)[0]
            out.append(f"sk:clause {name} is not a regulation, article or item in the KB")
        elsewhere = defined.get(rule.rule_id)
        if elsewhere is not None and Path(elsewhere).resolve() != path.resolve():
            out.append(f"rule id already defined in {elsewhere}")
        for scope in graph.objects(rule.shape, SK.appliesWhen):
            if not isinstance(scope, URIRef):
                out.append("sk:appliesWhen must name a node shape (an IRI)")
            elif scope not in self.node_shapes and (scope, RDF.type, SH.NodeShape) not in graph:
                out.append(
                    f"sk:appliesWhen {where.names(scope)[0]} is not a node shape of this file "
                    "or of the rules in force"
                )
        if not rule.is_gap:
            out += _fixture_problems(path, rule.rule_id)
        return out

    def _meta_problems(self, path: Path, graph: Graph, rule_of) -> list[Problem]:
        _, report, _ = pyshacl_validate(graph, shacl_graph=_meta_shapes(), inference="none")
        out = []
        for result in report.subjects(RDF.type, SH.ValidationResult):
            focus = report.value(result, SH.focusNode)
            rule_id, line = rule_of(focus)
            text = report.value(result, SH.resultMessage) or "does not conform to SHACL"
            shown = (
                "a blank node"
                if isinstance(focus, BNode)
                else graph.namespace_manager.normalizeUri(focus)
            )
            out.append(Problem(str(path), line, rule_id, f"SHACL-SHACL: {shown}: {text}"))
        return out


def _top(graph: Graph, node):
    """The named node a blank node hangs from (through nested shapes and lists)."""
    seen = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        parent = next(graph.subjects(None, node), None)
        if parent is None:
            break
        node = parent
    return node


def _has_message(graph: Graph, shape, lang: str) -> bool:
    """A message in ``lang`` on the rule shape, or else on every property shape it holds."""
    if lang in messages(graph, shape):
        return True
    parts = list(graph.objects(shape, SH.property))
    return bool(parts) and all(lang in messages(graph, p) for p in parts)


def _fixture_problems(path: Path, rule_id: str) -> list[str]:
    folder = path.parent / "fixtures" / rule_id
    kinds = set()
    for f in sorted(folder.glob("*.json")):
        try:
            expect = json.loads(f.read_text(encoding="utf-8")).get("expect", [])
            own = [e for e in expect if e.get("rule") == rule_id]
        except (json.JSONDecodeError, AttributeError, OSError) as exc:
            return [f"fixture {f} is not readable: {exc}"]
        kinds.add(
            "violating"
            if any(e.get("kind", "violation") == "violation" for e in own)
            else "conforming"
            if not own
            else "gap"
        )
    missing = [k for k in ("violating", "conforming") if k not in kinds]
    return [f"no {k} fixture in {folder}" for k in missing]
