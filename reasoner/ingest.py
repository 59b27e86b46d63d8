"""Enterprise input: validation of the public JSON profile and its mapping to RDF.

The mapping is declared once, as data, in ``ontology/context.jsonld``; this module reads that
context and applies it the way a JSON-LD processor would, with two additions that a plain
JSON-LD processor cannot make: nested objects get IRIs derived from their key path (so a result
maps back to ``dust.collectors[1]``), and an empty array is stored as "reported: none"
(``skc:none`` for enumerations, ``sk:noneReported <property>`` for arrays of objects), which
differs from an absent key (a data gap).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from .codes import credit_code_problem
from .terms import RDF_TYPE, nt_iri, nt_lines, nt_literal
from .vocab import ENT, SK, SKC, bind_prefixes

JSON = dict[str, Any]
MAX_DEPTH = 8
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
XSD_BOOLEAN, XSD_INTEGER, XSD_DOUBLE = str(XSD.boolean), str(XSD.integer), str(XSD.double)
ENTERPRISE = nt_iri(SK.Enterprise)
NONE, NONE_REPORTED = nt_iri(SKC.none), nt_iri(SK.noneReported)


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with an input document, located by its key path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class InputError(ValueError):
    """Raised when an input document cannot be accepted; carries every problem found."""

    def __init__(self, problems: Iterable[InputProblem], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "; ".join(str(p) for p in self.problems))


def key_path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True)
class Term:
    key: str
    iri: URIRef
    coerce: str | None  # "@vocab", an XSD datatype IRI, or None


class ProfileContext:
    """The JSON-LD context of the enterprise profile, read as a mapping table."""

    def __init__(self, context_file: Path) -> None:
        raw = json.loads(context_file.read_text(encoding="utf-8"))["@context"]
        self.raw: JSON = raw
        prefixes = {k: v for k, v in raw.items() if isinstance(v, str) and v.endswith(("#", "/"))}

        def expand(value: str) -> str:
            prefix, _, local = value.partition(":")
            return prefixes[prefix] + local if prefix in prefixes else value

        self.terms: dict[str, Term] = {}
        self.values: dict[str, URIRef] = {}
        for key, value in raw.items():
            if key.startswith("@") or key in prefixes:
                continue
            if isinstance(value, dict):
                coerce = value.get("@type")
                if coerce and coerce != "@vocab":
                    coerce = expand(coerce)
                self.terms[key] = Term(key, URIRef(expand(value["@id"])), coerce)
            else:
                self.values[key] = URIRef(expand(value))
        self.key_of: dict[URIRef, str] = {t.iri: k for k, t in self.terms.items()}
        self.value_of: dict[URIRef, str] = {iri: k for k, iri in self.values.items()}


def json_literal(value: Any, datatype: str | None) -> str:
    """A JSON scalar as the RDF literal (N-Triples form) a JSON-LD processor produces for it."""
    if datatype:
        return nt_literal(str(value), datatype)
    if isinstance(value, bool):
        return nt_literal("true" if value else "false", XSD_BOOLEAN)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return nt_literal(str(int(value)), XSD_INTEGER)
    if isinstance(value, float):
        return nt_literal(repr(value), XSD_DOUBLE)  # rdflib's lexical form of a double
    return nt_literal(value)


class ProfileMapper:
    """Maps profile documents to RDF and back, following the context.

    The forward mapping yields triples of N-Triples terms (reasoner/terms.py): the bulk import
    and the batch assessment write them to Oxigraph as text without building rdflib graphs.
    """

    def __init__(self, context: ProfileContext, schema: JSON) -> None:
        self.context = context
        self.schema = schema
        self._iri = {k: nt_iri(t.iri) for k, t in context.terms.items()}
        self._value = {k: nt_iri(v) for k, v in context.values.items()}

    def triples(self, profile: JSON) -> list[tuple[str, str, str]]:
        """The asserted triples of one (already validated) profile, as N-Triples terms."""
        base = f"{ENT}{profile['credit_code']}"
        out = [(f"<{base}>", RDF_TYPE, ENTERPRISE)]
        self._object_triples(out, base, profile)
        return out

    def to_graph(self, profile: JSON, graph: Graph | None = None) -> Graph:
        """The asserted triples of one (already validated) profile as an rdflib graph."""
        graph = graph if graph is not None else Graph()
        bind_prefixes(graph)
        graph.parse(data=nt_lines(self.triples(profile)), format="nt")
        return graph

    def _object_triples(self, out: list, node: str, obj: JSON) -> None:
        """``node`` is the IRI of ``obj``; nested objects get ``node/key`` or ``node/key/i``."""
        subject = f"<{node}>"
        for key, value in obj.items():
            term = self.context.terms.get(key)
            if term is None or value is None:
                continue
            predicate = self._iri[key]
            if isinstance(value, list):
                if not value:
                    out.append(
                        (subject, predicate, NONE)
                        if term.coerce == "@vocab"
                        else (subject, NONE_REPORTED, predicate)
                    )
                for i, item in enumerate(value):
                    self._value_triples(out, subject, predicate, term, item, f"{node}/{key}/{i}")
            else:
                self._value_triples(out, subject, predicate, term, value, f"{node}/{key}")

    def _value_triples(
        self, out: list, subject: str, predicate: str, term: Term, value: Any, node: str
    ) -> None:
        if value is None:
            return
        if isinstance(value, dict):
            out.append((subject, predicate, f"<{node}>"))
            self._object_triples(out, node, value)
        elif term.coerce == "@vocab":
            out.append((subject, predicate, self._value[str(value)]))
        else:
            out.append((subject, predicate, json_literal(value, term.coerce)))

    def from_graph(self, graph: Graph) -> list[JSON]:
        """Profiles of every enterprise (a node with ``sk:creditCode``) in an RDF graph."""
        profiles = []
        for subject in sorted(set(graph.subjects(SK.creditCode, None)), key=str):
            profiles.append(self._node_to_json(graph, subject, self.schema, set()))
        return profiles

    def _node_to_json(self, graph: Graph, node, schema: JSON, seen: set) -> JSON:
        seen = seen | {node}
        props = schema.get("properties", {})
        out: JSON = {}
        for pred, obj in sorted(
            graph.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))
        ):
            if pred == SK.noneReported and self.context.key_of.get(obj) in props:
                out.setdefault(self.context.key_of[obj], [])
                continue
            key = self.context.key_of.get(pred)
            if key is None or key not in props or obj in seen:
                continue
            sub_schema = props[key]
            is_array = "array" in _types(sub_schema)
            item_schema = sub_schema.get("items", {}) if is_array else sub_schema
            if obj == SKC.none:
                out.setdefault(key, [])
                continue
            value = self._rdf_value(graph, obj, item_schema, seen)
            if is_array:
                out.setdefault(key, []).append(value)
            else:
                out[key] = value
        return out

    def _rdf_value(self, graph: Graph, obj, schema: JSON, seen: set) -> Any:
        if isinstance(obj, Literal):
            value = obj.toPython()
            return value.isoformat() if isinstance(value, dt.date) else value
        if "object" in _types(schema) or isinstance(obj, BNode):
            return self._node_to_json(graph, obj, schema, seen)
        return self.context.value_of.get(obj, str(obj))


def _types(schema: JSON) -> set[str]:
    t = schema.get("type", [])
    return {t} if isinstance(t, str) else set(t)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, counting no further than ``limit + 1``."""
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > limit:
            return depth
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
    return depth


class ProfileValidator:
    """Checks a profile against the JSON Schema and the reference codes in the KB."""

    def __init__(
        self,
        schema: JSON,
        region_known: Callable[[str], bool],
        industry_known: Callable[[str], bool],
        criterion_known: Callable[[str], bool],
    ) -> None:
        formats = {
            "date": _check_date,
            "gb32100-credit-code": _check_credit_code,
            "gb2260-county": _code_check(
                region_known, r"\d{6}", "county-level administrative division (GB/T 2260)"
            ),
            "gbt4754-code": _code_check(industry_known, r"\d{2,4}", "GB/T 4754-2017 industry code"),
        }
        checker = FormatChecker(formats=())
        for name, check in formats.items():
            checker.checks(name, raises=ValueError)(check)
        self.criterion_known = criterion_known
        self._validator = Draft202012Validator(schema, format_checker=checker)
        # The schema uses only keywords that mean the same in draft 7 and 2020-12, so the
        # compiled validator (about 15 times faster) answers "valid?"; jsonschema then explains
        # the rare invalid document with every problem and its key path.
        self._is_valid = fastjsonschema.compile(
            {k: v for k, v in schema.items() if k != "$schema"},
            formats={name: _passes(check) for name, check in formats.items()},
        )

    def problems(self, document: Any) -> list[InputProblem]:
        if not isinstance(document, dict):
            return [InputProblem("", f"expected a JSON object, got {_json_type(document)}")]
        if _depth(document, MAX_DEPTH) > MAX_DEPTH:
            return [InputProblem("", f"nested deeper than {MAX_DEPTH} levels")]
        found = []
        if not self._valid_by_schema(document):
            found = [
                InputProblem(key_path(error.absolute_path), _describe(error))
                for error in self._validator.iter_errors(document)
            ]
        for i, hazard in enumerate(document.get("hidden_hazards") or []):
            crit = hazard.get("criterion") if isinstance(hazard, dict) else None
            if isinstance(crit, str) and not self.criterion_known(crit):
                found.append(
                    InputProblem(
                        key_path(["hidden_hazards", i, "criterion"]),
                        f"unknown criterion {crit!r}: not a regulation item in the knowledge base",
                    )
                )
        found.extend(_date_order_problems(document))
        return sorted(set(found), key=lambda p: (p.path, p.message))

    def _valid_by_schema(self, document: JSON) -> bool:
        try:
            self._is_valid(document)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    def check(self, document: Any, source: str = "") -> JSON:
        problems = self.problems(document)
        if problems:
            raise InputError(problems, source)
        return document


def _date_order_problems(document: JSON) -> Iterator[InputProblem]:
    pairs = [
        ("hidden_hazards", "found_on", "deadline"),
        ("hidden_hazards", "found_on", "rectified_on"),
    ]
    for section, earlier, later in pairs:
        for i, item in enumerate(document.get(section) or []):
            if not isinstance(item, dict):
                continue
            a, b = item.get(earlier), item.get(later)
            dated = (
                isinstance(a, str) and isinstance(b, str) and DATE_RE.match(a) and DATE_RE.match(b)
            )
            if dated and b < a:
                yield InputProblem(key_path([section, i, later]), f"{b} is before {earlier} {a}")
    listing = document.get("credit_listing")
    if isinstance(listing, dict):
        a, b = listing.get("listed_on"), listing.get("removed_on")
        if isinstance(a, str) and isinstance(b, str) and b < a:
            yield InputProblem("credit_listing.removed_on", f"{b} is before listed_on {a}")


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _describe(error) -> str:
    if error.validator == "format" and error.cause is not None:
        return str(error.cause)
    if error.validator == "enum":
        allowed = ", ".join(json.dumps(v, ensure_ascii=False) for v in error.validator_value)
        return f"unknown value {json.dumps(error.instance, ensure_ascii=False)}; allowed: {allowed}"
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return f"expected {wanted}, got {_json_type(error.instance)}"
    if error.validator == "minimum":
        return f"must not be below {error.validator_value}, got {error.instance}"
    if error.validator == "required":
        return error.message
    return error.message


def _passes(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A format check that raises ``ValueError`` as the predicate fastjsonschema expects."""

    def predicate(value: Any) -> bool:
        try:
            return check(value)
        except ValueError:
            return False

    return predicate


def _check_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE_RE.match(value):
        raise ValueError(f"{value!r} is not a date of the form YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date ({exc})") from None
    return True


def _check_credit_code(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    problem = credit_code_problem(value)
    if problem:
        raise ValueError(f"invalid unified social credit code {value!r}: {problem}")
    return True


def _code_check(known: Callable[[str], bool], pattern: str, what: str) -> Callable[[Any], bool]:
    regex = re.compile(rf"^{pattern}$")

    def check(value: Any) -> bool:
        if not isinstance(value, str):
            return True
        if not regex.match(value) or not known(value):
            raise ValueError(f"unknown {what} {value!r}")
        return True

    return check
