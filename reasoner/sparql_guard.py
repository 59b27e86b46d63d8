"""Refusing SPARQL that would make the server fetch remote data.

Oxigraph evaluates ``SERVICE <url>`` in queries and ``LOAD <url>`` in updates by making HTTP
requests, which would let any client of the endpoint reach hosts the server can see (SSRF).
SafetyKG's endpoint answers from its own store only, so both keywords are refused before a query
or update runs. The check looks at keywords outside string literals, IRIs and comments.
"""

from __future__ import annotations

import re

_LITERALS_IRIS_COMMENTS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
_REMOTE = re.compile(r"(?<![\w:?$-])(SERVICE|LOAD)(?![\w:-])", re.IGNORECASE)


def remote_access(sparql: str) -> str | None:
    """The keyword (SERVICE or LOAD) that would fetch remote data, or None."""
    bare = _LITERALS_IRIS_COMMENTS.sub(" ", sparql)
    match = _REMOTE.search(bare)
    return match.group(1).upper() if match else None


def refusal(sparql: str) -> str | None:
    """Why this query or update is refused, or None when it may run."""
    keyword = remote_access(sparql)
    if keyword is None:
        return None
    return f"{keyword} is not allowed: this endpoint answers from its own store and fetches nothing"
