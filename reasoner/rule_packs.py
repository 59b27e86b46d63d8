"""Rule packs: a province's or city's extra rules in a folder of their own, with a ``pack.ttl``.

``pack.ttl`` describes the pack (dcterms:identifier, owl:versionInfo or dcterms:hasVersion,
dcterms:title in zh and en, dcterms:publisher, dcterms:issued) and may disable rules by id
(``sk:disables "MEM10-11-9"``). Every other Turtle file of the folder holds rules, with their
fixtures in ``fixtures/<RULE-ID>/``. A pack is linted before it is used: a pack with any error is
refused as a whole and the rules in force stay as they were (see ``assemble``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, OWL, RDF

from .resources import shapes_dir, turtle_files
from .vocab import SK

PACK_FILE = "pack.ttl"
SHIPPED = "shipped"


@dataclass(frozen=True)
class Problem:
    """One lint error: what is wrong, and where (file, line, rule id when known)."""

    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.file}:{self.line}:{rule} {self.message}"


@dataclass(frozen=True)
class Pack:
    folder: Path
    identifier: str
    version: str = ""
    title: dict[str, str] = field(default_factory=dict)
    publisher: str = ""
    issued: str = ""
    disables: tuple[str, ...] = ()

    @property
    def rule_files(self) -> list[Path]:
        return [f for f in turtle_files(self.folder) if f.name != PACK_FILE]


def read_pack(folder: Path) -> tuple[Pack | None, list[Problem]]:
    """The pack described by ``folder/pack.ttl``, or the problems that make it unusable."""
    from .rule_lint import parse_turtle

    meta = folder / PACK_FILE
    if not meta.is_file():
        return None, [Problem(str(folder), 0, "", f"not a rule pack: {PACK_FILE} is missing")]
    graph, problems = parse_turtle(meta)
    if graph is None:
        return None, problems
    packs = set(graph.subjects(RDF.type, SK.RulePack))
    if len(packs) != 1:
        return None, [Problem(str(meta), 1, "", "pack.ttl must describe exactly one sk:RulePack")]
    node = packs.pop()

    def text(*predicates) -> str:
        for p in predicates:
            value = graph.value(node, p)
            if value is not None:
                return str(value)
        return ""

    titles = {
        o.language: str(o)
        for o in graph.objects(node, DCTERMS.title)
        if isinstance(o, Literal) and o.language
    }
    pack = Pack(
        folder=folder,
        identifier=text(DCTERMS.identifier),
        version=text(OWL.versionInfo, DCTERMS.hasVersion),
        title=titles,
        publisher=text(DCTERMS.publisher),
        issued=text(DCTERMS.issued),
        disables=tuple(sorted(str(o) for o in graph.objects(node, SK.disables))),
    )
    missing = [
        name
        for name, ok in (
            ("dcterms:identifier", pack.identifier),
            ("owl:versionInfo or dcterms:hasVersion", pack.version),
            ("dcterms:title@zh", "zh" in titles),
            ("dcterms:title@en", "en" in titles),
            ("dcterms:publisher", pack.publisher),
            ("dcterms:issued", pack.issued),
        )
        if not ok
    ]
    problems = [Problem(str(meta), 1, "", f"pack metadata lacks {m}") for m in missing]
    return (None if problems else pack), problems


@dataclass
class RuleBase:
    """The rules in force: shipped files plus accepted packs, minus disabled rule ids."""

    files: list[Path]
    pack_of: dict[str, str]
    disabled: dict[str, str]
    packs: list[Pack]
    refused: dict[str, list[Problem]]


def assemble(extra_dirs: Iterable[Path], kb) -> RuleBase:
    """The shipped rules plus every pack of ``extra_dirs`` that lints clean, in the given order.

    A pack with errors is refused whole; the rules in force are then those before it.
    """
    from .rule_lint import Linter

    files = turtle_files(shapes_dir())
    base = RuleBase(files, {str(f): SHIPPED for f in files}, {}, [], {})
    for folder in extra_dirs:
        pack, problems = read_pack(Path(folder))
        if pack is not None:
            problems = Linter(kb, base.files).lint_pack(pack)
        if problems or pack is None:
            base.refused[str(folder)] = problems
            continue
        base.packs.append(pack)
        base.files = base.files + pack.rule_files
        base.pack_of.update({str(f): pack.identifier for f in pack.rule_files})
        base.disabled.update({rule_id: pack.identifier for rule_id in pack.disables})
    return base


def rule_ids_in(files: Iterable[Path]) -> dict[str, str]:
    """Rule id to the file that defines it, for parsed Turtle files."""
    out: dict[str, str] = {}
    for f in files:
        for rule_id in Graph().parse(f, format="turtle").objects(None, SK.ruleId):
            out.setdefault(str(rule_id), str(f))
    return out
