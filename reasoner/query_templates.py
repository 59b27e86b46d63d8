"""Compiled shape queries that differ only in their constants, run as one query.

Oxigraph parses and plans every query it is given (it has no prepared queries): 60–200 µs for
a compiled shape query, however small the data. A ``POST /check`` batch of four enterprises runs
~53 of them, and most are one of a few forms (a class lacking a property; a property required
when another has a value; a value that must not be "false"…). Queries of one form are the same
text once their IRIs and literals are replaced by variables and their variables renamed in
order of appearance: such a *template* runs once per batch with a ``VALUES`` row for each query,
``?__m`` saying which query a result belongs to. 301 queries have 138 templates; a batch of four
runs ~21 queries instead of ~53, and their time fell from 3.8 to 2.4 ms (bench/README.md);
batches of 500, where evaluation dominates, take the same time as before.

Only constants whose replacement by a variable bound at the top of the query cannot change its
answer are replaced: those in the triple patterns and expressions of the top group and of
``EXISTS`` patterns (which see the bindings of the row they test), and those projected or bound
``AS`` a variable; never those in property paths or ``VALUES`` data. A query with a group of
any other kind (``OPTIONAL``, ``UNION``, ``MINUS``, a sub-query, a nested group: their
``FILTER``s would not see the variables) has no template and runs alone, as does one using
``regex`` (a constant pattern is compiled once, a variable one per row).
``tests/test_query_templates.py`` and the equality tests of the compiled validator
(``tests/test_shacl_sparql.py``) check that the answers do not change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MEMBER = "__m"  # the result column naming the member query of a merged one
CONSTANT = "?__k"

_TOKEN = re.compile(
    r"""
    (?P<iri><[^<>"{}|^`\\\s]*>)
   |(?P<literal>"(?:[^"\\\n]|\\.)*"(?:\^\^<[^<>\s]*>|@[A-Za-z0-9-]+)?)
   |(?P<var>[?$][A-Za-z0-9_]+)
   |(?P<word>[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9_.-]*)?)
   |(?P<space>\s+)
   |(?P<op>&&|\|\||!=|<=|>=|\^\^|.)
    """,
    re.X | re.S,
)
# Words after which a query cannot be templated (a group whose FILTERs would not see the
# VALUES variables, or a sub-query), or that compile constants (regex patterns).
_REFUSED = {"OPTIONAL", "UNION", "MINUS", "SERVICE", "GRAPH", "GROUP", "HAVING", "REGEX", "REPLACE"}
_KEPT_VARIABLES = {"this", "value", "path"}  # the result columns
# A constant preceded by one of these (or by a term) is in a triple pattern or an expression.
_BEFORE_TERM = {"a", ",", "{", ".", ";", "=", "!=", "<", ">", "<=", ">="}
_PATH_AFTER = {"/", "|", "*", "+", "?"}  # a constant followed by one of these is in a path


@dataclass(frozen=True)
class Template:
    """A query with ``?__k0``, ``?__k1``… in place of its constants (``constants``, in
    order), its other variables renamed in order of appearance."""

    text: str
    constants: tuple[str, ...]


def template(query: str) -> Template | None:
    """The template of a compiled shape query (``SELECT DISTINCT … WHERE { … }``), or None when
    it must run alone (see the module docstring)."""
    tokens = [
        (m.lastgroup, m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(query)
        if m.lastgroup != "space"
    ]
    words = [t[1].upper() for t in tokens if t[0] == "word"]
    if words.count("SELECT") != 1 or _REFUSED & set(words) or "DISTINCT" not in words:
        return None
    out: list[str] = []
    constants: list[str] = []
    names: dict[str, str] = {}
    groups: list[str] = []  # the kind of each open brace: where, exists or values
    done = 0
    for i, (kind, text, start, end) in enumerate(tokens):
        before = tokens[i - 1] if i else ("", "", 0, 0)
        after = tokens[i + 1] if i + 1 < len(tokens) else ("", "", 0, 0)
        replacement = None
        if text == "#":
            return None  # a comment, which might hold anything
        if text == "{":
            opened = before[1].upper()
            if opened == "WHERE" and not groups:
                groups.append("where")
            elif opened == "EXISTS":
                groups.append("exists")
            elif _in_values(tokens, i):
                groups.append("values")
            else:
                return None  # a nested group
        elif text == "}":
            if not groups:
                return None
            groups.pop()
        elif kind == "var":
            name = text[1:]
            if name not in _KEPT_VARIABLES:
                replacement = names.setdefault(name, f"?v{len(names)}")
        elif kind in ("iri", "literal") and "values" not in groups:
            bound_as = before[1] == "(" and after[1].upper() == "AS"  # projected or BIND
            in_term_position = bound_as or (
                bool(groups)
                and (before[0] in ("var", "iri", "literal") or before[1] in _BEFORE_TERM)
            )
            if in_term_position and after[1] not in _PATH_AFTER:
                replacement = f"{CONSTANT}{len(constants)}"
                constants.append(text)
        if replacement is not None:
            out += [query[done:start], replacement]
            done = end
    if groups or not constants:
        return None
    out.append(query[done:])
    return Template("".join(out), tuple(constants))


def _in_values(tokens: list[tuple], i: int) -> bool:
    """Whether the brace at ``i`` opens the data block of a VALUES clause."""
    j = i - 1
    while j >= 0 and (tokens[j][0] == "var" or tokens[j][1] in ("(", ")")):
        j -= 1
    return j >= 0 and tokens[j][1].upper() == "VALUES"


def merged(text: str, rows: Sequence[Sequence[str]]) -> str:
    """The query of a template run for each row of constants at once; a result's ``?__m`` is
    the position of its row."""
    select = text.index("SELECT DISTINCT") + len("SELECT DISTINCT")
    where = text.index("WHERE {", select) + len("WHERE {")
    names = " ".join(f"{CONSTANT}{k}" for k in range(len(rows[0])))
    data = " ".join(f"({m} {' '.join(row)})" for m, row in enumerate(rows))
    return (
        f"{text[:select]} ?{MEMBER}{text[select:where]}\n"
        f"  VALUES (?{MEMBER} {names}) {{ {data} }}{text[where:]}"
    )
