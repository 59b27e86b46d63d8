"""Splicing the SPARQL of SHACL-SPARQL constraints into larger queries.

A constraint's ``sh:select`` is written for one focus node (``$this`` pre-bound). To find the
violations of all focus nodes at once, its WHERE body is spliced into a query that binds
``$this`` itself: every other variable is renamed apart, ``$this``, ``$PATH`` and the
component parameters are substituted by text, and a list-valued parameter walked as
``$list rdf:rest*/rdf:first ?member`` becomes ``VALUES ?member { ... }``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

TOKEN = re.compile(
    r'<[^<>"{}|^`\\\s]*>'  # IRI (a comparison "< ?x" has a space, so it is not one)
    r'|"""(?:.|\n)*?"""'
    r"|'''(?:.|\n)*?'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"
    r"|[?$][A-Za-z_][A-Za-z0-9_]*"
    r"|[{}]"
)
PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*|):\s*<([^>]*)>", re.IGNORECASE)
SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
UNSUPPORTED = re.compile(r"\b(SELECT|BASE|SERVICE|GRAPH|FROM)\b|\$shapesGraph|\$currentShape")


class SpliceError(ValueError):
    """A query this module cannot splice; the message says what and the caller says where."""


@dataclass(frozen=True)
class SelectQuery:
    """A parsed SHACL-SPARQL SELECT: its prefixes, projected variable names and WHERE body."""

    prefixes: dict[str, str]
    projection: tuple[str, ...]
    body: str


def parse_select(text: str) -> SelectQuery:
    match = SELECT.search(text)
    if match is None:
        raise SpliceError("not a SELECT query")
    prologue = text[: match.start()]
    prefixes = dict(PREFIX.findall(prologue))
    if PREFIX.sub("", prologue).strip():
        raise SpliceError(f"unsupported prologue {prologue.strip()!r}")
    open_at = text.find("{", match.end())
    if open_at < 0:
        raise SpliceError("no WHERE clause")
    head = text[match.end() : open_at]
    head = re.sub(r"\bWHERE\s*$", "", head.strip(), flags=re.IGNORECASE)
    words = head.split()
    if words and words[0].upper() in ("DISTINCT", "REDUCED"):
        words = words[1:]
    if not words or not all(re.fullmatch(r"[?$][A-Za-z_]\w*", w) for w in words):
        raise SpliceError(f"only plain variables can be projected, not {head!r}")
    close_at = _matching_brace(text, open_at)
    if text[close_at + 1 :].strip():
        raise SpliceError(f"solution modifiers are not supported: {text[close_at + 1 :].strip()!r}")
    body = text[open_at + 1 : close_at]
    found = UNSUPPORTED.search(_code_only(body))
    if found:
        raise SpliceError(f"{found.group(0)} in the WHERE clause is not supported")
    return SelectQuery(prefixes, tuple(w[1:] for w in words), body)


def _code_only(text: str) -> str:
    """``text`` with IRIs, strings and comments blanked, so keywords are not found inside them."""
    return TOKEN.sub(lambda m: m.group(0) if m.group(0)[0] in "?${}" else " ", text)


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    for m in TOKEN.finditer(text, open_at):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
            if depth == 0:
                return m.start()
    raise SpliceError("unbalanced braces")


def inline_lists(body: str, lists: Mapping[str, list[str]]) -> str:
    """Replace ``$name rdf:rest*/rdf:first ?m`` by ``VALUES ?m { members }`` for each list."""
    for name, members in lists.items():
        walk = re.compile(rf"[?$]{name}\s+rdf:rest\*\s*/\s*rdf:first\s+([?$][A-Za-z_]\w*)\s*\.?")
        body = walk.sub(lambda m, ms=members: f"VALUES {m.group(1)} {{ {' '.join(ms)} }} ", body)
        if re.search(rf"[?$]{name}\b", _code_only(body)):
            raise SpliceError(
                f"list parameter ${name} is used other than as "
                f"`${name} rdf:rest*/rdf:first ?member`"
            )
    return body


def substitute(body: str, terms: Mapping[str, str], suffix: str) -> str:
    """``body`` with the variables named in ``terms`` replaced by their text and every other
    variable ``?x`` renamed ``?x_{suffix}``, so that spliced bodies never share a variable."""

    def replace(m: re.Match) -> str:
        token = m.group(0)
        if token[0] not in "?$":
            return token
        name = token[1:]
        return terms.get(name, f"?{name}_{suffix}")

    return TOKEN.sub(replace, body)
