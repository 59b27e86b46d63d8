"""The rule shapes compiled to SPARQL SELECT queries that find every violation in one pass.

pySHACL (``RuleSet.validate``) checks one enterprise's graph focus node by focus node, which is
hours of Python for a province. Here each constraint of each shape becomes one query over an
Oxigraph store holding all enterprises' graphs (the union default graph), answered set at a
time::

    SELECT DISTINCT ?this ?value ?path WHERE { <focus nodes of the shape> <violation pattern> }

Conformance to a shape (for sh:node, sh:not, sh:and, sh:or, sh:xone, qualified value shapes) is
a FILTER expression over a variable, built recursively: ``NOT EXISTS`` any violation pattern of
the shape. SHACL-SPARQL constraints and the constraint components of shapes/components.ttl are
spliced in with ``$this``, ``$PATH`` and the parameters substituted (reasoner/sparql_splice.py).
A construct that cannot be compiled raises ``CompileError`` naming the shape: nothing is
skipped. pySHACL 0.40 is the reference, and the compiled queries reproduce its choices:

- ``sh:targetClass`` and ``sh:class`` use the types as stored (SafetyKG materialises the
  superclass types, so ``rdfs:subClassOf`` is not walked);
- a SPARQL-based property validator runs only for focus nodes with a value (pySHACL runs it once
  per value node); an ``sh:sparql`` constraint runs for every focus node;
- the reported value is the value node, the focus node for node shapes, none for counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import combinations, count

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from .query_templates import MEMBER, Template, merged, template
from .sparql_splice import SpliceError, inline_lists, parse_select, substitute
from .terms import to_rdflib

STANDARD_PREFIXES = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "owl": str(OWL),
}
# Predicates of a shape that are not constraints (or are read with the constraint they belong to).
NOT_CONSTRAINTS = {
    RDF.type, SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
    SH.deactivated, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
    SH.property, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.defaultValue, SH.prefixes,
}  # fmt: skip
COMPARISONS = {
    SH.minInclusive: ">=", SH.minExclusive: ">", SH.maxInclusive: "<=", SH.maxExclusive: "<",
}  # fmt: skip
PAIR_COMPARISONS = {SH.lessThan: "<", SH.lessThanOrEquals: "<="}
NODE_KINDS = {  # the tests of which a value of the kind passes one
    SH.IRI: ("isIRI",),
    SH.BlankNode: ("isBlank",),
    SH.Literal: ("isLiteral",),
    SH.BlankNodeOrIRI: ("isBlank", "isIRI"),
    SH.BlankNodeOrLiteral: ("isBlank", "isLiteral"),
    SH.IRIOrLiteral: ("isIRI", "isLiteral"),
}
PATH_OPERATORS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
MAX_COUNT_ARITY = 8  # counts are compiled to n distinct variables; larger ones are refused


class CompileError(ValueError):
    """A shape that cannot be compiled to SPARQL; the message names the shape."""


@dataclass(frozen=True)
class ShapeQuery:
    """One query: the violations of one constraint of ``source`` for all its focus nodes."""

    source: Node
    path: Node | None  # the shape's sh:path node; a row's ?path overrides it
    sparql: str
    # IRIs of the target classes and target predicates of the rule shape the query belongs to:
    # data mentioning none of them has no focus nodes. None: targets by node (always run).
    targets: frozenset[str] | None = None
    # IRIs of classes and predicates that every violation this query finds is built on (the
    # paths to the focus and value nodes, and what its conditions require to exist): data
    # lacking any of them has no violation of this query.
    requires: frozenset[str] = frozenset()
    # the query with its constants as variables: queries of one template run as one (``run``)
    template: Template | None = None


@dataclass(frozen=True)
class ShapeResult:
    """One row of a ShapeQuery: a validation result as pySHACL would report it."""

    source: Node
    focus: URIRef
    path: Node | None
    value: Node | None


# The precedence of SPARQL expression operators, loosest first; an operand of `!` is a primary.
OR, AND, RELATION, UNARY, PRIMARY = range(5)


@dataclass(frozen=True)
class _Expr:
    """A boolean SPARQL expression, written with the brackets and COALESCEs it needs only."""

    text: str
    level: int = PRIMARY  # of its outermost operator
    total: bool = True  # never raises an error (so it needs no COALESCE to be negated)
    # (text, level, requires) of its negation, if not `!(text)` (which requires nothing)
    negation: tuple[str, int, frozenset[str]] | None = None
    # classes and predicates the data must mention for the expression to be true
    requires: frozenset[str] = frozenset()

    def operand(self, level: int) -> str:
        """The text as an operand of an operator of precedence ``level``."""
        return self.text if self.level >= level else f"({self.text})"

    def __invert__(self) -> _Expr:
        """The negation (of an error: an error); ``~~e`` is ``e``."""
        text, level, requires = self.negation or ("!" + self.operand(PRIMARY), UNARY, NOTHING)
        return _Expr(text, level, self.total, (self.text, self.level, self.requires), requires)

    def filter(self) -> str:
        """The expression as a FILTER clause."""
        return f"FILTER ({self.text})"

    def holds(self) -> _Expr:
        """True iff the expression is true, false where it is false or an error (as a FILTER)."""
        return (
            self if self.total else _Expr(f"COALESCE({self.text}, false)", requires=self.requires)
        )


NOTHING: frozenset[str] = frozenset()
TRUE = _Expr("true", negation=("false", PRIMARY, NOTHING))
FALSE = ~TRUE


def _chain(operator: str, level: int, members: list[_Expr], empty: _Expr) -> _Expr:
    if len(members) < 2:
        return members[0] if members else empty
    text = f" {operator} ".join(m.operand(level) for m in members)
    needs = [m.requires for m in members]
    requires = frozenset().union(*needs) if level == AND else frozenset.intersection(*needs)
    return _Expr(text, level, all(m.total for m in members), requires=requires)


def _all(members: list[_Expr]) -> _Expr:
    return _chain("&&", AND, members, TRUE)


def _any(members: list[_Expr]) -> _Expr:
    return _chain("||", OR, members, FALSE)


def _exists(group: str, requires: frozenset[str] = NOTHING) -> _Expr:
    """``requires``: what any solution of ``group`` is built on."""
    return _Expr(f"EXISTS {{ {group} }}", requires=requires)


def _group(alternatives: list[str]) -> str:
    """The group-pattern content with the solutions of any of ``alternatives``."""
    if len(alternatives) == 1:
        return alternatives[0]
    return " UNION ".join(f"{{ {a} }}" for a in alternatives)


@dataclass(frozen=True)
class _Pattern:
    """A group-pattern fragment with solutions iff the focus node violates a constraint."""

    text: str
    value: str | None = None  # the SPARQL variable or term reported as sh:value
    path: str | None = None  # a variable bound to the result path, when the query chooses it
    test: _Expr | None = None  # when ``text`` is just ``FILTER (test)``: the expression
    requires: frozenset[str] = NOTHING  # as ShapeQuery.requires

    @classmethod
    def of_test(cls, expression: _Expr, value: str | None = None) -> _Pattern:
        return cls(expression.filter(), value=value, test=expression, requires=expression.requires)

    @classmethod
    def per_value(
        cls, values: str, expression: _Expr, value: str, on_path: frozenset[str] = NOTHING
    ) -> _Pattern:
        """A violation per value (bound by the ``values`` pattern, whose path is built on
        ``on_path``) for which ``expression`` holds; just a test when the focus node is the
        value (no pattern)."""
        if not values:
            return cls.of_test(expression, value=value)
        requires = expression.requires | on_path
        return cls(values + expression.filter(), value=value, requires=requires)


@dataclass(frozen=True)
class _Component:
    """A SPARQL-based constraint component (sh:ConstraintComponent)."""

    node: Node
    required: tuple[URIRef, ...]
    optional: tuple[URIRef, ...]
    node_validator: str | None
    property_validator: str | None
    prefixes: dict[str, str] = field(default_factory=dict)


def sparql_term(term: Node, shape: Node) -> str:
    if isinstance(term, BNode):
        raise CompileError(f"shape {shape}: a blank node {term} cannot be a constant in SPARQL")
    return term.n3()


class ShapeCompiler:
    """Compiles the shapes of a shapes graph; ``owned`` limits it to the rule shapes' parts."""

    def __init__(self, shapes: Graph, owned: Callable[[Node], bool] = lambda s: True) -> None:
        self.g = shapes
        self.owned = owned
        self.prefixes = dict(STANDARD_PREFIXES)
        self._fresh = count()
        self.components = self._components()
        self.parameters = {p for c in self.components for p in (*c.required, *c.optional)}
        self._expanding: list[Node] = []
        self._path_requires: dict[str, frozenset[str]] = {}  # path text -> ``required``

    # -- reading the shapes graph ---------------------------------------------------------------

    def _list(self, head: Node) -> list[Node]:
        return list(Collection(self.g, head))

    def _add_prefixes(self, prefixes: dict[str, str], where: Node) -> None:
        for prefix, namespace in prefixes.items():
            if self.prefixes.setdefault(prefix, namespace) != namespace:
                raise CompileError(
                    f"{where}: prefix {prefix}: is <{namespace}> here but "
                    f"<{self.prefixes[prefix]}> elsewhere"
                )

    def _declared_prefixes(self, node: Node) -> dict[str, str]:
        out: dict[str, str] = {}
        for holder in self.g.objects(node, SH.prefixes):
            for decl in self.g.objects(holder, SH.declare):
                out[str(self.g.value(decl, SH.prefix))] = str(self.g.value(decl, SH.namespace))
        return out

    def _components(self) -> list[_Component]:
        out = []
        for comp in self.g.subjects(RDF.type, SH.ConstraintComponent):
            required, optional = [], []
            for decl in self.g.objects(comp, SH.parameter):
                path = self.g.value(decl, SH.path)
                is_optional = self.g.value(decl, SH.optional) == Literal(True)
                (optional if is_optional else required).append(path)
            texts = {}
            prefixes: dict[str, str] = {}
            for kind in (SH.nodeValidator, SH.propertyValidator, SH.validator):
                validator = self.g.value(comp, kind)
                if validator is None:
                    continue
                if self.g.value(validator, SH.select) is None:
                    raise CompileError(f"component {comp}: only SELECT validators are supported")
                texts[kind] = str(self.g.value(validator, SH.select))
                prefixes.update(self._declared_prefixes(validator))
            generic = texts.get(SH.validator)
            out.append(
                _Component(
                    comp,
                    tuple(required),
                    tuple(optional),
                    texts.get(SH.nodeValidator, generic),
                    texts.get(SH.propertyValidator, generic),
                    prefixes,
                )
            )
        return out

    def deactivated(self, shape: Node) -> bool:
        return self.g.value(shape, SH.deactivated) == Literal(True)

    def path_text(self, node: Node, shape: Node) -> str:
        """A SHACL property path as a SPARQL property path that Oxigraph walks as one path.

        Oxigraph parses a sequence path (or an inverse of one) in a triple pattern into a join
        of its steps, and under EXISTS it evaluates that join with only the focus node bound: the
        later steps scan all their triples for each focus node, quadratic in the store. The path
        as an alternative of itself stays one path, walked from the bound node; the doubled
        solutions do not matter, as every query is DISTINCT and every nested pattern is tested
        with EXISTS (spliced SHACL-SPARQL has no aggregates, reasoner/sparql_splice.py)."""
        text = self._path(node, shape)
        text = f"({text}|{text})" if self._is_sequence(node) else text
        self._path_requires[text] = self.required(node)
        return text

    def required(self, node: Node) -> frozenset[str]:
        """The predicates that every pair of nodes the SHACL path connects is connected
        through (none for a path that may have length zero)."""
        if isinstance(node, URIRef):
            return frozenset([str(node)])
        if (node, RDF.first, None) in self.g:
            return frozenset().union(*(self.required(n) for n in self._list(node)))
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return frozenset.intersection(*(self.required(n) for n in self._list(alternatives)))
        inverse = self.g.value(node, SH.inversePath)
        if inverse is not None:
            return self.required(inverse)
        repeated = self.g.value(node, SH.oneOrMorePath)
        return self.required(repeated) if repeated is not None else NOTHING

    def path_requires(self, path: str | None) -> frozenset[str]:
        """``required`` of a path written by ``path_text`` (nothing for no path)."""
        return NOTHING if path is None else self._path_requires[path]

    def _is_sequence(self, node: Node) -> bool:
        inverse = self.g.value(node, SH.inversePath)
        return (node, RDF.first, None) in self.g or (
            inverse is not None and self._is_sequence(inverse)
        )

    def _path(self, node: Node, shape: Node) -> str:
        if isinstance(node, URIRef):
            return node.n3()
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self._path(n, shape) for n in self._list(node)) + ")"
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self._path(n, shape) for n in self._list(alternatives)) + ")"
        inverse = self.g.value(node, SH.inversePath)
        if inverse is not None:
            return "^" + self._path(inverse, shape)
        for predicate, operator in PATH_OPERATORS.items():
            inner = self.g.value(node, predicate)
            if inner is not None:
                return "(" + self._path(inner, shape) + ")" + operator
        raise CompileError(f"shape {shape}: unsupported property path {node}")

    def var(self, stem: str) -> str:
        return f"?{stem}{next(self._fresh)}"

    # -- focus nodes ------------------------------------------------------------------------------

    def target_pattern(self, shape: Node, this: str) -> str | None:
        """A pattern binding ``this`` to the shape's target nodes, or None when it has none."""
        branches = []
        for c in self.g.objects(shape, SH.targetClass):
            branches.append(f"{this} a {sparql_term(c, shape)} .")
        if (shape, RDF.type, RDFS.Class) in self.g or (shape, RDF.type, OWL.Class) in self.g:
            branches.append(f"{this} a {sparql_term(shape, shape)} .")
        nodes = [sparql_term(n, shape) for n in self.g.objects(shape, SH.targetNode)]
        if nodes:
            branches.append(f"VALUES {this} {{ {' '.join(nodes)} }}")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            branches.append(f"{this} {sparql_term(p, shape)} {self.var('o')} .")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            branches.append(f"{self.var('s')} {sparql_term(p, shape)} {this} .")
        if (shape, SH.target, None) in self.g:
            raise CompileError(f"shape {shape}: SPARQL-based targets (sh:target) are not supported")
        return _group(branches) if branches else None

    # -- queries ----------------------------------------------------------------------------------

    def compile(self) -> list[ShapeQuery]:
        """One query per constraint of every active, owned shape that has targets, and of the
        property shapes under it (whose focus nodes are its focus nodes, or its value nodes)."""
        queries: list[ShapeQuery] = []
        for shape in sorted(set(self.g.subjects()), key=str):
            if not self.owned(shape) or self.deactivated(shape):
                continue
            if self.target_pattern(shape, "?this") is None:
                continue
            focus = lambda this, s=shape: self.target_pattern(s, this)  # noqa: E731
            queries += self._queries(shape, focus, self.target_terms(shape))
        return with_templates(queries)

    def target_terms(self, shape: Node) -> frozenset[str] | None:
        """What ``ShapeQuery.targets`` says of the queries of ``shape``."""
        if (shape, SH.targetNode, None) in self.g:
            return None
        terms = {
            str(o)
            for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
            for o in self.g.objects(shape, p)
        }
        if (shape, RDF.type, RDFS.Class) in self.g or (shape, RDF.type, OWL.Class) in self.g:
            terms.add(str(shape))
        return frozenset(terms)

    def _queries(
        self,
        shape: Node,
        focus: Callable[[str], str],
        targets: frozenset[str] | None,
        reached_by: frozenset[str] = NOTHING,
    ) -> list[ShapeQuery]:
        """``reached_by``: what the focus pattern requires (its focus nodes are the value
        nodes of an enclosing shape's path)."""
        out = []
        path = self.g.value(shape, SH.path)
        for pattern in self.violations(shape, "?this"):
            projection = "?this"
            if pattern.value is not None:
                projection += f" ({pattern.value} AS ?value)"
            if pattern.path is not None:
                projection += f" ({pattern.path} AS ?path)"
            where = f"{focus('?this')}\n  {pattern.text}"
            query = self._query(projection, where)
            out.append(ShapeQuery(shape, path, query, targets, reached_by | pattern.requires))
        for prop in self.g.objects(shape, SH.property):
            if self.deactivated(prop):
                continue
            if path is None:
                out += self._queries(prop, focus, targets, reached_by)
            else:
                text = self.path_text(path, shape)
                through = self._through(focus, text)
                out += self._queries(prop, through, targets, reached_by | self.path_requires(text))
        return out

    def _through(self, focus: Callable[[str], str], path: str) -> Callable[[str], str]:
        parent = self.var("p")
        return lambda this: f"{focus(parent)}\n  {parent} {path} {this} ."

    def _query(self, projection: str, where: str) -> str:
        select = f"SELECT DISTINCT {projection} WHERE {{\n  {where}\n}}"
        # The prefixes the query may use (`p:` occurs in it): each costs Oxigraph a parse.
        used = sorted((p, ns) for p, ns in self.prefixes.items() if f"{p}:" in select)
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in used) + select

    # -- constraints ------------------------------------------------------------------------------

    def conforms(self, shape: Node, node: str) -> _Expr:
        """A SPARQL expression, true iff the node bound to ``node`` conforms to ``shape``."""
        if self.deactivated(shape):
            return TRUE
        if shape in self._expanding:
            raise CompileError(f"shape {shape}: recursive shapes cannot be compiled")
        self._expanding.append(shape)
        tests: list[_Expr] = []
        patterns: list[_Pattern] = []
        try:
            for p in self.violations(shape, node):
                if p.test is not None:
                    tests.append(p.test)
                else:
                    patterns.append(p)
            path = self.g.value(shape, SH.path)
            for prop in self.g.objects(shape, SH.property):
                if path is None:
                    tests.append(~self.conforms(prop, node))
                else:
                    inner = self.var("n")
                    text = self.path_text(path, shape)
                    violation = ~self.conforms(prop, inner)
                    patterns.append(
                        _Pattern(
                            f"{node} {text} {inner} . " + violation.filter(),
                            requires=self.path_requires(text) | violation.requires,
                        )
                    )
        finally:
            self._expanding.pop()
        # A violation that is only a test is negated as an expression: `{ FILTER (e) }` groups
        # under NOT EXISTS are evaluated by Oxigraph without the focus node bound, which made
        # nested sh:or/sh:not shapes grow quadratically with the store (bench/README.md).
        parts = [~t.holds() for t in tests]
        if patterns:
            group = _group([p.text for p in patterns])
            requires = frozenset.intersection(*(p.requires for p in patterns))
            parts.append(~_exists(group, requires))
        return _all(parts)

    def violations(self, shape: Node, focus: str) -> list[_Pattern]:
        """The violation patterns of the shape's own constraints, for the focus node ``focus``."""
        self._check_known(shape)
        path_node = self.g.value(shape, SH.path)
        path = self.path_text(path_node, shape) if path_node is not None else None
        out: list[_Pattern] = []
        for predicate, obj in sorted(
            self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))
        ):
            out += self._core(shape, focus, path, predicate, obj)
        out += self._components_of(shape, focus, path)
        return out

    def _check_known(self, shape: Node) -> None:
        for predicate in set(self.g.predicates(shape)):
            if str(predicate).startswith(str(SH)) and not (
                predicate in NOT_CONSTRAINTS or predicate in CORE
            ):
                raise CompileError(f"shape {shape}: {predicate} cannot be compiled")

    def _values(self, focus: str, path: str | None) -> tuple[str, str]:
        """(pattern, variable) for the value nodes: the path's values, or the focus node."""
        if path is None:
            return "", focus
        v = self.var("v")
        return f"{focus} {path} {v} . ", v

    def _core(self, shape, focus, path, predicate, obj) -> list[_Pattern]:
        handler = CORE.get(predicate)
        if handler is None:
            return []
        return [handler(self, shape, focus, path, obj)]

    def _distinct(self, focus: str, path: str, n: int, test: Callable[[str], _Expr] | None) -> str:
        """A pattern with a solution iff the focus node has ``n`` distinct values (passing
        ``test``)."""
        if n > MAX_COUNT_ARITY:
            raise CompileError(f"a count of {n} is larger than {MAX_COUNT_ARITY}")
        names = [self.var("c") for _ in range(n)]
        text = " ".join(f"{focus} {path} {v} ." for v in names)
        conditions = [~_Expr(f"sameTerm({a}, {b})") for a, b in combinations(names, 2)]
        if test is not None:
            conditions += [test(v) for v in names]
        if conditions:
            text += " " + _all(conditions).filter()
        return text

    def _count(self, shape, focus, path, obj, at_least: bool, test=None) -> _Expr:
        """An expression true iff the count of values (passing ``test``) breaks the bound."""
        if path is None:
            raise CompileError(f"shape {shape}: a count needs sh:path")
        n = int(obj)
        on_path = self.path_requires(path)
        if at_least:
            return ~_exists(self._distinct(focus, path, n, test), on_path) if n else FALSE
        return _exists(self._distinct(focus, path, n + 1, test), on_path)

    def _value_filter(self, focus, path, condition: Callable[[str], _Expr]) -> _Pattern:
        """Every value node must satisfy ``condition``: a violation per value that does not."""
        values, v = self._values(focus, path)
        return _Pattern.per_value(values, ~condition(v), v, self.path_requires(path))

    def _qualified(self, shape, focus, path, obj) -> _Pattern:
        if self.g.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise CompileError(f"shape {shape}: sh:qualifiedValueShapesDisjoint is not supported")
        bounds = [
            self._count(shape, focus, path, bound, at_least, self._conforms_of(obj))
            for bound, at_least in (
                (self.g.value(shape, SH.qualifiedMinCount), True),
                (self.g.value(shape, SH.qualifiedMaxCount), False),
            )
            if bound is not None
        ]
        if not bounds:
            raise CompileError(f"shape {shape}: sh:qualifiedValueShape without a count")
        # One FILTER in the caller's group: a group of its own would not see the focus bound.
        return _Pattern.of_test(_any(bounds))

    def _conforms_of(self, shape: Node) -> Callable[[str], _Expr]:
        return lambda v: self.conforms(shape, v)

    def _logical(
        self, shape, focus, path, head, combine: Callable[[list[_Expr]], _Expr]
    ) -> _Pattern:
        members = self._list(head)
        return self._value_filter(
            focus, path, lambda v: combine([self.conforms(m, v) for m in members])
        )

    # -- SHACL-SPARQL -----------------------------------------------------------------------------

    def _splice(self, shape: Node, text: str, focus: str, terms: dict[str, str], lists) -> tuple:
        try:
            query = parse_select(text)
            body = inline_lists(query.body, lists)
        except SpliceError as exc:
            raise CompileError(f"shape {shape}: {exc}") from None
        self._add_prefixes(query.prefixes, shape)
        suffix = str(next(self._fresh))
        terms = {"this": focus, **terms}
        body = substitute(body, terms, suffix)
        return body, {name: terms.get(name, f"?{name}_{suffix}") for name in query.projection}

    def _sparql(self, shape, focus, path, constraint) -> _Pattern:
        select = self.g.value(constraint, SH.select)
        if select is None:
            raise CompileError(f"shape {shape}: only sh:select SPARQL constraints are supported")
        if self.deactivated(constraint):
            return _Pattern.of_test(FALSE)
        self._add_prefixes(self._declared_prefixes(constraint), shape)
        terms = {"PATH": path} if path is not None else {}
        body, projected = self._splice(shape, str(select), focus, terms, {})
        value = projected.get("value", focus if path is None else None)
        return _Pattern(body, value=value, path=projected.get("path"))

    def _components_of(self, shape: Node, focus: str, path: str | None) -> Iterator[_Pattern]:
        for comp in self.components:
            if not all((shape, p, None) in self.g for p in comp.required):
                continue
            text = comp.property_validator if path is not None else comp.node_validator
            if text is None:
                raise CompileError(f"shape {shape}: component {comp.node} has no validator here")
            self._add_prefixes(comp.prefixes, shape)
            terms, lists = {}, {}
            for param in (*comp.required, *comp.optional):
                value = self.g.value(shape, param)
                if value is None:
                    continue
                name = param.split("#")[-1].split("/")[-1]
                if (value, RDF.first, None) in self.g or value == RDF.nil:
                    lists[name] = [sparql_term(m, shape) for m in self._list(value)]
                else:
                    terms[name] = sparql_term(value, shape)
            guard, value_var = "", None
            if path is not None:
                terms["PATH"] = path
                if "$value" in text or "?value" in text:
                    guard, value_var = self._values(focus, path)
                    terms["value"] = value_var
                else:
                    guard = f"FILTER EXISTS {{ {focus} {path} {self.var('g')} }} "
            body, projected = self._splice(shape, text, focus, terms, lists)
            value = projected.get("value", focus if path is None else None)
            yield _Pattern(
                guard + body,
                value=value,
                path=projected.get("path"),
                requires=self.path_requires(path),  # the guard needs a value of the path
            )


def _class(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
    cls = sparql_term(obj, shape)
    typed = frozenset([str(obj)]) if isinstance(obj, URIRef) else NOTHING
    return c._value_filter(focus, path, lambda v: _exists(f"{v} a {cls}", typed))


def _datatype(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
    dt = sparql_term(obj, shape)
    # datatype() of a non-literal is an error, but `false && error` is false: never an error.
    return c._value_filter(
        focus, path, lambda v: _Expr(f"isLiteral({v}) && sameTerm(datatype({v}), {dt})", AND)
    )


def _node_kind(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
    if obj not in NODE_KINDS:
        raise CompileError(f"shape {shape}: unknown sh:nodeKind {obj}")
    return c._value_filter(
        focus, path, lambda v: _any([_Expr(f"{t}({v})") for t in NODE_KINDS[obj]])
    )


def _has_value(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
    term = sparql_term(obj, shape)
    if path is None:
        return _Pattern.of_test(~_Expr(f"sameTerm({focus}, {term})"), value=focus)
    return _Pattern.of_test(~_exists(f"{focus} {path} {term}", c.path_requires(path)))


def _in(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
    members = [sparql_term(m, shape) for m in c._list(obj)]
    return c._value_filter(
        focus, path, lambda v: _any([_Expr(f"sameTerm({v}, {m})") for m in members])
    )


def _compared(left: str, operator: str, right: str) -> _Expr:
    """True iff the comparison holds; an incomparable pair (an error in SPARQL) is false."""
    return _Expr(f"{left} {operator} {right}", RELATION, total=False).holds()


def _comparison(operator: str):
    def compile_(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
        bound = sparql_term(obj, shape)
        # An incomparable value is a violation, as in pySHACL.
        return c._value_filter(focus, path, lambda v: _compared(v, operator, bound))

    return compile_


def _pair_comparison(operator: str):
    def compile_(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
        values, v = c._values(focus, path)
        other = c.var("w")
        return _Pattern(
            f"{values}{focus} {sparql_term(obj, shape)} {other} . "
            + (~_compared(v, operator, other)).filter(),
            value=v,
            requires=c.path_requires(path) | {str(obj)},
        )

    return compile_


def _not(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
    values, v = c._values(focus, path)
    return _Pattern.per_value(values, c.conforms(obj, v), v, c.path_requires(path))


def _node(c: ShapeCompiler, shape, focus, path, obj) -> _Pattern:
    return c._value_filter(focus, path, c._conforms_of(obj))


def _xone(members: list[_Expr]) -> _Expr:
    ones = " + ".join(f"IF({m.text}, 1, 0)" for m in members)
    return _Expr(f"{ones} = 1", RELATION, all(m.total for m in members))


CORE: dict[URIRef, Callable[..., _Pattern]] = {
    SH["class"]: _class,
    SH.datatype: _datatype,
    SH.nodeKind: _node_kind,
    SH.hasValue: _has_value,
    SH["in"]: _in,
    SH.minCount: lambda c, s, f, p, o: _Pattern.of_test(c._count(s, f, p, o, True)),
    SH.maxCount: lambda c, s, f, p, o: _Pattern.of_test(c._count(s, f, p, o, False)),
    **{k: _comparison(op) for k, op in COMPARISONS.items()},
    **{k: _pair_comparison(op) for k, op in PAIR_COMPARISONS.items()},
    SH["not"]: _not,
    SH.node: _node,
    SH["and"]: lambda c, s, f, p, o: c._logical(s, f, p, o, _all),
    SH["or"]: lambda c, s, f, p, o: c._logical(s, f, p, o, _any),
    SH.xone: lambda c, s, f, p, o: c._logical(s, f, p, o, _xone),
    SH.qualifiedValueShape: ShapeCompiler._qualified,
    SH.sparql: ShapeCompiler._sparql,
}  # fmt: skip


def with_templates(queries: list[ShapeQuery]) -> list[ShapeQuery]:
    """The queries with their templates (reasoner/query_templates.py), kept only where the
    query merging all the queries of a template parses."""
    found = [template(q.sparql) for q in queries]
    rows: dict[str, list[tuple[str, ...]]] = {}
    for t in found:
        if t is not None:
            rows.setdefault(t.text, []).append(t.constants)
    parsed = set()
    for text, constants in rows.items():
        try:
            ox.Store().query(merged(text, constants))
        except (SyntaxError, ValueError):  # ValueError: not SELECT DISTINCT … WHERE { … }
            continue
        parsed.add(text)
    return [
        replace(q, template=t if t is not None and t.text in parsed else None)
        for q, t in zip(queries, found, strict=True)
    ]


def run(
    store: ox.Store, queries: list[ShapeQuery], present: set[str] | None = None
) -> Iterator[ShapeResult]:
    """Every result of the compiled queries over ``store`` (the union of its graphs).

    ``present``: the classes and predicates the data mentions, when the caller knows them;
    queries whose targets are all absent, or that require an absent one, are skipped (their
    answer is empty anyway): for one enterprise most sector rules are. The queries that are
    left and share a template run as one."""
    chosen = [
        q
        for q in queries
        if present is None
        or not (
            (q.targets is not None and q.targets.isdisjoint(present)) or not q.requires <= present
        )
    ]
    for sparql, members in _merged(chosen):
        for row in store.query(sparql, use_default_graph_as_union=True):
            q = members[int(row[MEMBER].value)] if len(members) > 1 else members[0]
            value, path = row["value"], row["path"]
            yield ShapeResult(
                source=q.source,
                focus=to_rdflib(row["this"]),
                path=to_rdflib(path) if path is not None else q.path,
                value=to_rdflib(value) if value is not None else None,
            )


def _merged(queries: list[ShapeQuery]) -> Iterator[tuple[str, list[ShapeQuery]]]:
    """(query, the compiled queries it answers for): one per template, in order."""
    groups: dict[object, list[ShapeQuery]] = {}
    for q in queries:
        groups.setdefault(q.template.text if q.template else id(q), []).append(q)
    for members in groups.values():
        templates = [m.template for m in members if m.template is not None]
        if len(templates) > 1 and len(templates) == len(members):
            yield merged(templates[0].text, [t.constants for t in templates]), members
        else:
            yield from ((m.sparql, [m]) for m in members)
