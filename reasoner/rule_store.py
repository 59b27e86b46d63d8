"""Rules managed through the service: their versions, which rules are switched off, and the rule
pack (reasoner/rule_packs.py) these make, which the service's engine loads besides its own rules.

Under ``DATA_DIR/rules/``:

- ``index.json``: the record. Per rule id its latest version (0 for a rule not managed here, such
  as a shipped rule) and its history (put, rollback, enable, disable: who, when, which version);
  the ids switched off; a revision number counting the changes.
- ``<ID>/v<N>.ttl`` and ``<ID>/v<N>.fixtures.json``: version N of a managed rule and its fixtures
  (``{name: {"description", "profile", "expect"}}``, the format of reasoner/rule_tests.py).
- ``packs/r<revision>/``: the pack built from the index (``pack.ttl`` with ``sk:disables`` for
  every rule switched off, ``<ID>.ttl`` and ``fixtures/<ID>/`` for every managed rule). It is
  rebuilt from the index at every start, so the index alone decides what is in force.

A change is tried on a candidate pack first: lint (``rule_packs.assemble`` runs the linter of
reasoner/rule_lint.py) and the fixtures of the rule (reasoner/rule_tests.py), with the rule
switched on. Only when both pass are the index (replaced atomically) and the engine changed; a
refused change leaves the rules in force as they were. Every change is audited.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from .atomic_files import write_text_atomic
from .audit import AuditLog
from .engine import Engine
from .report import Reporter
from .resources import shapes_dir
from .rule_catalog import RuleEntry, catalog
from .rule_packs import PACK_FILE, Problem, assemble
from .rule_tests import discover, run_cases
from .tokens import Principal
from .validate import RuleSet
from .vocab import bind_prefixes

log = logging.getLogger("safetykg.rules")

SERVICE_PACK = "service"
RULE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
FIXTURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MAX_FIXTURES = 50

PACK_TTL = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sk: <https://w3id.org/safetykg/def#> .

<https://w3id.org/safetykg/pack/service> a sk:RulePack ;
    dcterms:identifier "%s" ;
    owl:versionInfo "r%d" ;
    dcterms:title "服务中管理的规则"@zh , "Rules managed through the service"@en ;
    dcterms:publisher "SafetyKG service" ;
    dcterms:issued "%s"^^xsd:date %s.
"""


class UnknownRule(KeyError):
    """No rule (or no such version of a rule) with this id."""


class RuleRefused(ValueError):
    """A change that did not pass lint or its fixtures; ``problems`` say what and where."""

    def __init__(self, rule_id: str, summary: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(summary)
        self.rule_id, self.problems = rule_id, problems


def checked_rule_id(rule_id: str) -> str:
    if not RULE_ID.fullmatch(rule_id):
        raise UnknownRule(rule_id)
    return rule_id


def engine_with_packs(base: Engine, folders: list[Path]) -> Engine:
    """``base`` with other rule packs. The KB, ontology and policies are shared, not loaded again
    (that takes about 2 s; the rules take well under one)."""
    engine = copy.copy(base)
    engine.extra_rule_dirs = list(folders)  # what Engine(extra_rule_dirs=...) rebuilds it from
    engine.rule_base = assemble(folders, base.kb)
    engine.rules = RuleSet(
        engine.rule_base.files, engine.rule_base.disabled, engine.rule_base.pack_of
    )
    return engine


@dataclass(frozen=True)
class Candidate:
    """A pack built from an index, and the engine that runs it."""

    folder: Path
    index: dict[str, Any]
    engine: Engine


class RuleStore:
    def __init__(self, data_dir: Path, base: Engine, audit: AuditLog) -> None:
        self.root = data_dir / "rules"
        self.base, self.audit = base, audit
        self._lock = threading.Lock()
        index_path = self.root / "index.json"
        self.index: dict[str, Any] = (
            json.loads(index_path.read_text(encoding="utf-8"))
            if index_path.is_file()
            else {"revision": 0, "disabled": [], "rules": {}}
        )
        folder = self._pack_folder(self.index["revision"])
        shutil.rmtree(self.root / "packs", ignore_errors=True)
        self._materialise(folder, self.index)
        self.engine = self._engine(folder)
        for pack, problems in self.engine.rule_base.refused.items():
            log.error("managed rules refused (%s): %s", pack, "; ".join(map(str, problems)))

    # -- reading ---------------------------------------------------------------------------

    def entries(self) -> list[dict[str, Any]]:
        """Every rule in force or switched off, with its managed version (0: not managed here)."""
        return [self._entry(e) for e in catalog(self.engine)]

    def describe(self, rule_id: str) -> dict[str, Any]:
        """Metadata, Turtle and fixtures of one rule."""
        entry = self._catalog_entry(rule_id)
        version = self._version(rule_id)
        return {
            **self._entry(entry),
            "turtle": self.turtle(rule_id),
            "fixtures": self._fixtures(rule_id, version)
            if version
            else self._shipped_fixtures(rule_id),
        }

    def turtle(self, rule_id: str) -> str:
        """A managed rule's file as put; another rule's shapes as Turtle."""
        version = self._version(rule_id)
        if version:
            return self._version_path(rule_id, version, ".ttl").read_text(encoding="utf-8")
        shapes = Graph()
        bind_prefixes(shapes)
        graph = self.engine.rules.graph
        for rule in self.engine.rules.by_id().get(rule_id, []):
            shapes += graph.cbd(rule.shape)
        return shapes.serialize(format="turtle")

    def history(self, rule_id: str) -> dict[str, Any]:
        record = self.index["rules"].get(checked_rule_id(rule_id))
        if record is None:
            self._catalog_entry(rule_id)
            record = {"version": 0, "history": []}
        return {
            "rule": rule_id,
            "version": record["version"],
            "enabled": rule_id not in self.index["disabled"],
            "history": record["history"],
        }

    def _entry(self, entry: RuleEntry) -> dict[str, Any]:
        return {**entry.as_dict(), "version": self._version(entry.id)}

    def _catalog_entry(self, rule_id: str) -> RuleEntry:
        checked_rule_id(rule_id)
        for entry in catalog(self.engine):
            if entry.id == rule_id:
                return entry
        raise UnknownRule(rule_id)

    def _version(self, rule_id: str) -> int:
        return int(self.index["rules"].get(rule_id, {}).get("version", 0))

    def _version_path(self, rule_id: str, version: int, suffix: str) -> Path:
        return self.root / rule_id / f"v{version}{suffix}"

    def _fixtures(self, rule_id: str, version: int) -> dict[str, Any]:
        path = self._version_path(rule_id, version, ".fixtures.json")
        return json.loads(path.read_text(encoding="utf-8"))

    def _shipped_fixtures(self, rule_id: str) -> dict[str, Any]:
        packs = [p.folder for p in self.engine.rule_base.packs if p.identifier != SERVICE_PACK]
        cases = [c for c in discover([shapes_dir(), *packs]) if c.rule_id == rule_id]
        return {c.path.stem: json.loads(c.path.read_text(encoding="utf-8")) for c in cases}

    # -- changes ---------------------------------------------------------------------------

    def put(
        self, who: Principal, rule_id: str, turtle: str, fixtures: dict[str, Any] | None
    ) -> dict[str, Any]:
        """A new version of a managed rule; ``fixtures`` None keeps the previous version's.

        A new rule starts switched off; a new version of a rule that is on is in force at once.
        """
        checked_rule_id(rule_id)
        with self._lock:
            version = self._version(rule_id)
            if fixtures is None:
                fixtures = self._fixtures(rule_id, version) if version else {}
            _check_fixture_names(rule_id, fixtures)
            index = copy.deepcopy(self.index)
            record = index["rules"].setdefault(rule_id, {"version": 0, "history": []})
            if version == 0 and rule_id not in self.engine.rules.by_id():
                index["disabled"] = sorted({*index["disabled"], rule_id})
            record["version"] = version + 1
            return self._change(who, "rule.put", rule_id, index, (turtle, fixtures))

    def rollback(self, who: Principal, rule_id: str, to_version: int) -> dict[str, Any]:
        """A new version with the Turtle and fixtures of ``to_version``, tested like a put."""
        checked_rule_id(rule_id)
        with self._lock:
            version = self._version(rule_id)
            if not 1 <= to_version <= version:
                raise UnknownRule(f"{rule_id} version {to_version}")
            turtle = self._version_path(rule_id, to_version, ".ttl").read_text(encoding="utf-8")
            fixtures = self._fixtures(rule_id, to_version)
            index = copy.deepcopy(self.index)
            index["rules"][rule_id]["version"] = version + 1
            return self._change(
                who, "rule.rollback", rule_id, index, (turtle, fixtures), restores=to_version
            )

    def set_enabled(self, who: Principal, rule_id: str, enabled: bool) -> dict[str, Any]:
        self._catalog_entry(rule_id)
        with self._lock:
            index = copy.deepcopy(self.index)
            off = set(index["disabled"])
            off = off - {rule_id} if enabled else off | {rule_id}
            index["disabled"] = sorted(off)
            index["rules"].setdefault(rule_id, {"version": 0, "history": []})
            action = "rule.enable" if enabled else "rule.disable"
            return self._change(who, action, rule_id, index, None)

    @contextmanager
    def preview_engine(self, rule_id: str) -> Iterator[Engine]:
        """The engine the service would run with ``rule_id`` (its latest version) switched on."""
        self._catalog_entry(rule_id)
        index = copy.deepcopy(self.index)
        index["disabled"] = [r for r in index["disabled"] if r != rule_id]
        with self._scratch(index) as candidate:
            yield candidate.engine

    def _change(
        self,
        who: Principal,
        action: str,
        rule_id: str,
        index: dict[str, Any],
        content: tuple[str, dict[str, Any]] | None,
        restores: int | None = None,
    ) -> dict[str, Any]:
        record = index["rules"][rule_id]
        event: dict[str, Any] = {"action": action.split(".", 1)[1], "version": record["version"]}
        if restores is not None:
            event["restores"] = restores
        entry = self.audit.start(who, action, rule_id, event)
        try:
            if content is not None:
                self._write_version(rule_id, record["version"], *content)
                self._test(rule_id, index)
            index["revision"] += 1
            folder = self._pack_folder(index["revision"])
            self._materialise(folder, index)
            engine = self._engine(folder)
            _raise_refused(rule_id, engine, folder)
        except RuleRefused as exc:
            if content is not None:
                for suffix in (".ttl", ".fixtures.json"):
                    self._version_path(rule_id, record["version"], suffix).unlink(missing_ok=True)
            self.audit.finish(entry, "rejected", {**event, "problems": exc.problems[:20]})
            raise
        except BaseException:
            self.audit.finish(entry, "failed")
            raise
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        record["history"].append({**event, "at": stamp, "by": who.name, "role": who.role})
        write_text_atomic(self.root / "index.json", json.dumps(index, ensure_ascii=False, indent=1))
        old = self._pack_folder(self.index["revision"])
        self.index, self.engine = index, engine
        shutil.rmtree(old, ignore_errors=True)
        self.audit.finish(entry, "ok")
        return self.history(rule_id)

    def _write_version(
        self, rule_id: str, version: int, turtle: str, fixtures: dict[str, Any]
    ) -> None:
        write_text_atomic(self._version_path(rule_id, version, ".ttl"), turtle)
        write_text_atomic(
            self._version_path(rule_id, version, ".fixtures.json"),
            json.dumps(fixtures, ensure_ascii=False, indent=1),
        )

    def _test(self, rule_id: str, index: dict[str, Any]) -> None:
        """Lint the candidate pack and run the rule's fixtures with the rule switched on."""
        trial = copy.deepcopy(index)
        trial["disabled"] = [r for r in trial["disabled"] if r != rule_id]
        with self._scratch(trial) as candidate:
            _raise_refused(rule_id, candidate.engine, candidate.folder)
            own = str(candidate.folder / f"{rule_id}.ttl")
            ids = {r.rule_id for r in candidate.engine.rules.rules.values() if r.source_file == own}
            if rule_id not in ids:
                raise RuleRefused(
                    rule_id,
                    f"the Turtle defines no rule shape with sk:ruleId {rule_id!r}",
                    [{"file": f"{rule_id}.ttl", "line": 0, "rule": rule_id,
                      "message": f'no shape has sk:ruleId "{rule_id}"'}],
                )  # fmt: skip
            cases = [c for c in discover([candidate.folder]) if c.rule_id in ids]
            engine = candidate.engine
            failed = [o for o in run_cases(engine, Reporter(engine), cases) if not o.passed]
            if failed:
                raise RuleRefused(
                    rule_id,
                    f"{len(failed)} of {len(cases)} fixtures failed",
                    [
                        {"file": f"fixtures/{o.case.rule_id}/{o.case.path.name}", "line": 0,
                         "rule": o.case.rule_id, "message": o.diff().strip()}
                        for o in failed
                    ],
                )  # fmt: skip

    @contextmanager
    def _scratch(self, index: dict[str, Any]) -> Iterator[Candidate]:
        folder = Path(tempfile.mkdtemp(prefix="candidate-", dir=self._scratch_root()))
        try:
            self._materialise(folder, index)
            yield Candidate(folder, index, self._engine(folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _scratch_root(self) -> Path:
        root = self.root / "scratch"
        root.mkdir(parents=True, exist_ok=True)
        return root

    def _pack_folder(self, revision: int) -> Path:
        return self.root / "packs" / f"r{revision}"

    def _engine(self, folder: Path) -> Engine:
        return engine_with_packs(self.base, [*self.base.extra_rule_dirs, folder])

    def _materialise(self, folder: Path, index: dict[str, Any]) -> None:
        """Write the pack the index describes into ``folder`` (replacing what is there)."""
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        disables = "".join(f';\n    sk:disables "{r}" ' for r in index["disabled"])
        today = dt.date.today().isoformat()
        (folder / PACK_FILE).write_text(
            PACK_TTL % (SERVICE_PACK, index["revision"], today, disables), encoding="utf-8"
        )
        for rule_id, record in index["rules"].items():
            if not record["version"]:
                continue
            source = self._version_path(rule_id, record["version"], ".ttl")
            shutil.copyfile(source, folder / f"{rule_id}.ttl")
            fixtures = folder / "fixtures" / rule_id
            fixtures.mkdir(parents=True)
            for name, fixture in self._fixtures(rule_id, record["version"]).items():
                (fixtures / f"{name}.json").write_text(
                    json.dumps(fixture, ensure_ascii=False), encoding="utf-8"
                )


def _check_fixture_names(rule_id: str, fixtures: dict[str, Any]) -> None:
    bad = [n for n in fixtures if not FIXTURE_NAME.fullmatch(n)]
    problems = [
        {"file": "fixtures", "line": 0, "rule": rule_id,
         "message": f"fixture name {n!r} must match {FIXTURE_NAME.pattern}"}
        for n in bad
    ]  # fmt: skip
    if len(fixtures) > MAX_FIXTURES:
        problems.append(
            {"file": "fixtures", "line": 0, "rule": rule_id,
             "message": f"{len(fixtures)} fixtures; at most {MAX_FIXTURES}"}
        )  # fmt: skip
    if problems:
        raise RuleRefused(rule_id, "; ".join(p["message"] for p in problems), problems)


def _raise_refused(rule_id: str, engine: Engine, folder: Path) -> None:
    """The lint problems of the pack in ``folder``, if it was refused.

    The linter does not count a pack's own rules as loaded once any of its files has an error, so
    it then reports ``sk:disables`` of every managed rule as naming an unknown rule: those
    follow-on problems are left out.
    """
    problems = engine.rule_base.refused.get(str(folder))
    if problems is None:
        return
    managed = {p.stem for p in folder.glob("*.ttl")}
    items = [
        _problem_json(p, folder)
        for p in problems
        if not (Path(p.file).name == PACK_FILE and p.rule in managed)
    ]
    summary = "; ".join(f"{i['file']}:{i['line']}: [{i['rule']}] {i['message']}" for i in items[:5])
    raise RuleRefused(rule_id, summary or "the rule pack was refused", items)


def _problem_json(problem: Problem, folder: Path) -> dict[str, Any]:
    path = Path(problem.file)
    shown = str(path.relative_to(folder)) if path.is_relative_to(folder) else path.name
    message = problem.message.replace(f"{folder}/", "")
    return {"file": shown, "line": problem.line, "rule": problem.rule, "message": message}
