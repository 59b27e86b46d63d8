"""Reading enterprise documents in the accepted formats: JSON profile(s), JSON Lines, JSON-LD, Turtle.

RDF input (Turtle, or JSON-LD in the ontology's terms) is framed back into profile documents
through the same context, so every input goes through one validator and one mapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from .ingest import InputError, InputProblem, ProfileMapper

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
CONTEXT_IRIS = {"https://w3id.org/safetykg/context.jsonld", "context.jsonld"}

MEDIA_TYPES = {
    "application/json": "json",
    "application/ld+json": "jsonld",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}
SUFFIXES = {
    ".json": "json",
    ".jsonld": "jsonld",
    ".ttl": "turtle",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True)
class Document:
    source: str  # file name, "line N" or "request body"
    profile: dict[str, Any]


def format_for_path(path: Path) -> str:
    return SUFFIXES.get(path.suffix.lower(), "json")


def read_path(path: Path, mapper: ProfileMapper) -> list[Document]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(
            [InputProblem("", f"cannot read file: {exc.strerror}")], str(path)
        ) from None
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(
            [InputProblem("", f"file is {size} bytes, over the {MAX_DOCUMENT_BYTES} limit")],
            str(path),
        )
    return parse_bytes(path.read_bytes(), format_for_path(path), mapper, str(path))


def parse_bytes(data: bytes, fmt: str, mapper: ProfileMapper, source: str) -> list[Document]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([InputProblem("", f"not UTF-8 text (byte {exc.start})")], source) from None
    if fmt == "turtle":
        return _from_rdf(text, "turtle", mapper, source)
    if fmt == "jsonl":
        docs = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                docs.append(Document(f"{source} line {n}", _load_json(line, f"{source} line {n}")))
        return docs
    value = _load_json(text, source)
    if fmt == "jsonld" or (isinstance(value, dict) and ("@context" in value or "@graph" in value)):
        return _from_rdf(_with_local_context(value, mapper, source), "json-ld", mapper, source)
    if isinstance(value, list):
        return [Document(f"{source}[{i}]", item) for i, item in enumerate(value)]
    return [Document(source, value)]


def _load_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                InputProblem(
                    "", f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
                )
            ],
            source,
        ) from None
    except RecursionError:
        raise InputError([InputProblem("", "JSON nested too deeply")], source) from None


def _with_local_context(value: Any, mapper: ProfileMapper, source: str) -> str:
    """JSON-LD text whose references to the SafetyKG context are replaced by the shipped one."""
    local = mapper.context.raw

    def swap(ctx: Any) -> Any:
        if isinstance(ctx, str) and (
            ctx in CONTEXT_IRIS or ctx.endswith("/safetykg/context.jsonld")
        ):
            return local
        if isinstance(ctx, list):
            return [swap(c) for c in ctx]
        return ctx

    if isinstance(value, dict) and "@context" in value:
        value = {**value, "@context": swap(value["@context"])}
    remote = _remote_contexts(value)
    if remote:
        raise InputError(
            [
                InputProblem(
                    path, f"remote JSON-LD context {url!r} is not fetched; use the SafetyKG context"
                )
                for path, url in remote
            ],
            source,
        )
    return json.dumps(value, ensure_ascii=False)


def _remote_contexts(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every context reference that would make a JSON-LD processor fetch a URL."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if key in ("@context", "@import"):
                refs = item if isinstance(item, list) else [item]
                found += [(here, r) for r in refs if isinstance(r, str)]
            found += _remote_contexts(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _remote_contexts(item, f"{path}[{i}]")
    return found


def _from_rdf(text: str, fmt: str, mapper: ProfileMapper, source: str) -> list[Document]:
    graph = Graph()
    try:
        graph.parse(data=text, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        raise InputError(
            [InputProblem("", f"malformed {fmt}: {_first_line(exc)}")], source
        ) from None
    profiles = mapper.from_graph(graph)
    if not profiles:
        raise InputError(
            [InputProblem("", "no enterprise (no node with sk:creditCode) in the RDF input")],
            source,
        )
    return [Document(f"{source} <{p.get('credit_code')}>", p) for p in profiles]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:300]
