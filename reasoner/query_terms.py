"""Which triples a SPARQL query can read, told from its text: the batch store of an assessment
holds only those (``Engine._assess_batch``).

An assessment loads each enterprise's facts into an in-memory Oxigraph store where the compiled
shapes and the risk rules run. Of the ~86 triples an enterprise brings, ~49 have a predicate no
query names (``sk:localId``, ``geo:lat``...) or are ``rdf:type`` triples of a class no query
names (``skos:Concept``, ``prov:Organization``...); loading them was a third of the batch
store's load time, for nothing.

Leaving a triple out cannot change a query's answers when every triple pattern of the query has
an IRI as its predicate, or a path of IRIs with ``/``, ``|`` and ``^`` only: such a pattern only
ever matches triples with those predicates. A variable predicate, a negated property set, a
path with ``*``, ``+`` or ``?`` (a zero-length path matches every node of the graph) or an empty
group could read anything: for such a query ``named_terms`` says None, and the store gets
everything. ``rdf:type`` triples are left out by class only when every ``rdf:type`` pattern has
as its object an IRI, or a variable that a ``VALUES`` block of its group (or an enclosing one)
binds to constants. The check reads tokens, not a parse tree, and errs towards None: a text it
cannot place is a query that may read anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib.namespace import RDF

from .sparql_splice import PREFIX
from .terms import RDF_TYPE, nt_iri

RDF_TYPE_IRI = str(RDF.type)

_TOKEN = re.compile(
    r"(?P<iri><[^<>\"{}|^`\\\s]*>)"
    r'|(?P<string>(?:"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"(?:\^\^(?:<[^<>\s]*>|[A-Za-z][\w.-]*:[\w-]*)|@[A-Za-z]+(?:-[A-Za-z0-9]+)*)?)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<var>[?$][A-Za-z_0-9]\w*)"
    r"|(?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w-]|\\.|%[0-9A-Fa-f]{2})*)"
    r"|(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<space>\s+)"
    r"|(?P<punct>\^\^|&&|\|\||!=|<=|>=|.)"
)
_PATH_OPERATORS = {"/", "|", "^"}


@dataclass(frozen=True)
class NamedTerms:
    """What a query can read: triples whose predicate is in ``predicates``, and, where
    ``classes`` is not None, of ``rdf:type`` triples with an IRI as object only those whose
    class is in it. Terms in N-Triples form (``<iri>``), as the engine's triples hold them."""

    predicates: frozenset[str]
    classes: frozenset[str] | None

    def keeps(self, predicate: str, obj: str) -> bool:
        if predicate not in self.predicates:
            return False
        if self.classes is None or predicate != RDF_TYPE:
            return True
        return obj in self.classes or not obj.startswith("<")  # a literal or blank node: kept

    def __or__(self, other: NamedTerms) -> NamedTerms:
        classes = (
            None if self.classes is None or other.classes is None else self.classes | other.classes
        )
        return NamedTerms(self.predicates | other.predicates, classes)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(query: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        assert kind is not None
        if kind not in ("space", "comment"):
            out.append(_Token(kind, m.group(0)))
    return out


def named_terms(query: str) -> NamedTerms | None:
    """The predicates and classes ``query`` can read, or None when it may read any triple."""
    prefixes = dict(PREFIX.findall(query))
    tokens = _tokens(PREFIX.sub(" ", query))
    terms: list[str | None] = []  # each token's IRI, if it names one
    for t in tokens:
        if t.kind == "iri":
            terms.append(t.text[1:-1])
        elif t.kind == "pname":
            prefix, local = t.text.split(":", 1)
            if prefix not in prefixes or "\\" in local or "%" in local:
                return None
            terms.append(prefixes[prefix] + local)
        elif t.kind == "word" and t.text == "a":
            terms.append(RDF_TYPE_IRI)
        else:
            terms.append(None)
    start = next((i for i, t in enumerate(tokens) if t.text == "{"), None)
    if start is None:
        return None
    body = tokens[start:]
    if not _reads_named_predicates_only(body):
        return None
    named = frozenset(nt_iri(iri) for iri in terms[start:] if iri is not None)
    return NamedTerms(named, named if _types_are_constant(body, terms[start:]) else None)


def _is_term(t: _Token) -> bool:
    """A token that can stand in a triple pattern as a subject, predicate or object."""
    return t.kind in ("iri", "pname", "var", "string", "number") or (
        t.kind == "word" and t.text in ("a", "true", "false")
    )


def _reads_named_predicates_only(body: list[_Token]) -> bool:
    """Whether every triple pattern has an IRI or a path of IRIs (``/``, ``|``, ``^``) as its
    predicate, and no group is empty."""
    for i, t in enumerate(body):
        before = body[i - 1] if i > 0 else None
        after = body[i + 1] if i + 1 < len(body) else None
        if t.kind == "punct" and t.text in ("*", "+"):
            return False  # a path repeated (or arithmetic: told apart only by a parse)
        if t.text == "?" or (t.text == "{" and after is not None and after.text == "}"):
            return False  # a zero-length path; an empty group matches every graph
        if t.text == "!" and after is not None and (_is_term(after) or after.text in "(^"):
            if after.kind == "var" or (after.kind == "word" and after.text != "a"):
                continue  # !?x, !EXISTS, !sameTerm(...): an expression
            if after.text == "(" and not _negated_set(body, i + 2):
                continue  # !(expression)
            return False
        if t.kind == "var" and before is not None and after is not None:
            placed = _is_term(before) or before.text in (";", "[", ")", "]")
            if placed and (_is_term(after) or after.text in ("[", "(")):
                return False  # a variable between two terms is a predicate
    return True


def _negated_set(body: list[_Token], at: int) -> bool:
    """Whether the tokens from ``at`` (just after ``!(``) open a negated property set."""
    if at >= len(body):
        return True
    first = body[at]
    return first.text == "^" or first.kind in ("iri", "pname") or first.text == "a"


def _types_are_constant(body: list[_Token], terms: list[str | None]) -> bool:
    """Whether every ``rdf:type`` stands in no path and each of its objects is an IRI or a
    variable that a ``VALUES`` block of the same or an enclosing group binds to constants only:
    a solution with another class is dropped by that join (or, in ``EXISTS``, never asked for).
    An ``rdf:type`` anywhere else (``FILTER(?p = rdf:type)``) counts as not."""
    groups = _groups(body)
    if groups is None:
        return False
    chains, bound = groups
    for i, iri in enumerate(terms):
        if iri != RDF_TYPE_IRI or chains[i] is None:
            continue
        if i > 0 and body[i - 1].text in _PATH_OPERATORS:
            return False
        constants = {v for g in chains[i] for v in bound.get(g, ())}
        j = i + 1
        while True:  # the object list: a <C>, ?v
            if j >= len(body):
                return False
            o = body[j]
            if not (o.kind in ("iri", "pname") or (o.kind == "var" and o.text[1:] in constants)):
                return False
            after = body[j + 1].text if j + 1 < len(body) else ""
            if after in _PATH_OPERATORS:
                return False
            if after != ",":
                break
            j += 2
    return True


def _groups(
    body: list[_Token],
) -> tuple[list[tuple[int, ...] | None], dict[int, set[str]]] | None:
    """Each token's enclosing groups (innermost last; None inside a VALUES block), and the
    variables each group's VALUES blocks bind to constants only; None for braces that do not
    pair."""
    chains: list[tuple[int, ...] | None] = []
    bound: dict[int, set[str]] = {}
    stack: list[int] = []
    i = 0
    while i < len(body):
        t = body[i]
        if t.kind == "word" and t.text.upper() == "VALUES":
            block = _values(body, i)
            if block is None or not stack:
                return None
            names, end = block
            bound.setdefault(stack[-1], set()).update(names)
            chains += [None] * (end - i)
            i = end
            continue
        if t.text == "{":
            stack.append(i)
        chains.append(tuple(stack))
        if t.text == "}":
            if not stack:
                return None
            stack.pop()
        i += 1
    return (chains, bound) if not stack else None


def _values(body: list[_Token], at: int) -> tuple[set[str], int] | None:
    """The variables the VALUES block at ``at`` binds to constants only (no UNDEF), and where
    it ends."""
    try:
        j = at + 1
        if body[j].kind == "var":
            names, j = [body[j].text[1:]], j + 1
        elif body[j].text == "(":
            j += 1
            names = []
            while body[j].kind == "var":
                names.append(body[j].text[1:])
                j += 1
            if body[j].text != ")":
                return None
            j += 1
        else:
            return None
        if body[j].text != "{":
            return None
        j += 1
        constant = dict.fromkeys(names, True)
        while body[j].text != "}":
            row = [body[j]] if len(names) == 1 and body[j].text != "(" else None
            if row is None:
                if body[j].text != "(" or body[j + len(names) + 1].text != ")":
                    return None
                row = body[j + 1 : j + len(names) + 1]
                j += len(names) + 2
            else:
                j += 1
            for name, value in zip(names, row, strict=True):
                constant[name] &= _is_term(value) and value.kind != "var"
        return {n for n, only in constant.items() if only}, j + 1
    except IndexError:
        return None


def union(terms: Iterable[NamedTerms | None]) -> NamedTerms | None:
    """What a set of queries can read together (None if any may read anything)."""
    out = NamedTerms(frozenset(), frozenset())
    for t in terms:
        if t is None:
            return None
        out |= t
    return out
