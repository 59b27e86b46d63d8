"""`safetykg import` and `safetykg assess` on a real data directory, as a user runs them."""

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from safetykg.reasoner.audit import AuditLog
from safetykg.reasoner.bulk import BulkProgress, assess_store
from safetykg.reasoner.engine import Engine
from safetykg.reasoner.generate import generate
from safetykg.reasoner.report import Reporter
from safetykg.reasoner.repository import EnterpriseRepository
from safetykg.reasoner.store import BulkChunk, Store
from safetykg.reasoner.stored_province import frequency_classes
from safetykg.reasoner.tokens import Principal
from safetykg.reasoner.vocab import SK, enterprise_iri, inferred_graph_iri

AS_OF = "2026-06-30"
COUNT = 40


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "safetykg", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def province(engine: Engine) -> list[dict]:
    return generate(engine.kb, COUNT, seed=11)


@pytest.fixture(scope="module")
def lines(province, tmp_path_factory) -> tuple[Path, dict[int, str]]:
    """The province as JSON Lines with three bad lines in it; line number -> expected text."""
    bad_code = {**province[1], "credit_code": "91330000000000000X"}
    bad_county = {**province[2], "region": "339999"}
    rows = [json.dumps(p, ensure_ascii=False) for p in province]
    rows.insert(3, "{not json")
    rows.insert(10, json.dumps(bad_code, ensure_ascii=False))
    rows.insert(20, json.dumps(bad_county, ensure_ascii=False))
    path = tmp_path_factory.mktemp("bulk") / "province.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, {4: "not JSON", 11: "credit_code:", 21: "region:"}


def stored_codes(data: Path, engine: Engine) -> list[str]:
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        return store.enterprise_codes()
    finally:
        store.close()


def test_bad_lines_are_reported_by_line_and_key_path_and_skipped(lines, province, engine, tmp_path):
    path, expected = lines
    r = run("import", str(path), "--data", str(tmp_path), "--workers", "2")
    assert r.returncode == 1, r.stderr
    for number, text in expected.items():
        assert any(
            line.startswith(f"{path}:{number}: ") and text in line for line in r.stderr.splitlines()
        ), (number, r.stderr)
    assert f"{COUNT} enterprises imported" in r.stderr
    assert stored_codes(tmp_path, engine) == sorted(p["credit_code"] for p in province)


def test_strict_imports_nothing_when_a_line_is_bad(lines, engine, tmp_path):
    r = run("import", str(lines[0]), "--data", str(tmp_path), "--strict", "--workers", "0")
    assert r.returncode == 1
    assert "nothing imported" in r.stderr
    assert stored_codes(tmp_path, engine) == []


@pytest.fixture(scope="module")
def assessed(province, tmp_path_factory) -> Path:
    """A data directory with the province imported and assessed as of AS_OF."""
    data = tmp_path_factory.mktemp("assessed")
    path = data / "province.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in province), encoding="utf-8")
    assert run("import", str(path), "--data", str(data), "--workers", "0").returncode == 0
    r = run("assess", "--data", str(data), "--as-of", AS_OF, "--format", "json")
    assert r.returncode == 0, r.stderr
    (data / "summary.json").write_text(r.stdout, encoding="utf-8")
    return data


def test_assess_stores_every_report_as_a_lone_check_makes_it(assessed, province, engine):
    reporter = Reporter(engine)
    store = Store(engine.kb, engine.instance_rules, assessed / "store")
    try:
        rows = store.select(
            "PREFIX sk: <https://w3id.org/safetykg/def#> "
            "SELECT ?g ?report WHERE { GRAPH ?g { ?a sk:checkReport ?report } }"
        )
        reports = {row["g"]: json.loads(row["report"]) for row in rows}
        assert len(reports) == COUNT
        day = dt.date.fromisoformat(AS_OF)
        for profile in province:
            alone = reporter.to_json(engine.assess(profile, day))
            assert reports[str(inferred_graph_iri(profile["credit_code"]))] == alone
        levels = store.select(
            "PREFIX sk: <https://w3id.org/safetykg/def#> SELECT ?level (COUNT(?e) AS ?n) "
            "WHERE { ?e sk:riskAssessment/sk:riskLevel ?level } GROUP BY ?level"
        )
    finally:
        store.close()
    summary = json.loads((assessed / "summary.json").read_text(encoding="utf-8"))
    assert summary["assessed"] == COUNT
    by_level = {row["level"].rsplit("risk-", 1)[1]: int(row["n"]) for row in levels}
    assert by_level == summary["by_level"]
    assert sum(summary["by_class"].values()) == COUNT


def test_assessing_again_rewrites_only_the_graphs_that_change(assessed, engine, tmp_path):
    """The same documents, rules and date give every graph the digest it holds (computed in
    other processes, whose sets iterate in another order): nothing is written. Another date
    changes every report, and every graph is written again."""
    data = tmp_path / "copy"
    shutil.copytree(assessed, data)
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        before, generation = sorted(store.check_reports()), store.generation
        loading: list[int] = []
        day = dt.date.fromisoformat(AS_OF)
        again = assess_store(
            store, engine, day, workers=0, progress=BulkProgress(loading=loading.append)
        )
        assert (again.assessed, again.unchanged) == (COUNT, COUNT)
        assert loading == []  # no load was started, and no "store" row shown
        assert store.generation == generation and sorted(store.check_reports()) == before
        later = assess_store(store, engine, dt.date(2027, 1, 1), workers=2)
        assert (later.assessed, later.unchanged) == (COUNT, 0)
        assert store.generation > generation
        assert {json.loads(r)["as_of"] for r in store.check_reports()} == {"2027-01-01"}
        assert len(store.inferred_digests()) == COUNT
    finally:
        store.close()
    r = run("assess", "--data", str(data), "--as-of", "2027-01-01", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert f"({COUNT} unchanged: kept as stored)" in r.stderr
    assert json.loads(r.stdout)["unchanged"] == COUNT


def test_after_a_sparql_update_the_next_assessment_writes_every_graph_again(
    assessed, province, engine, tmp_path
):
    """A SPARQL Update may have changed any graph by hand: it drops every digest, and the next
    assessment restores what the update removed from an inferred graph."""
    data = tmp_path / "copy"
    shutil.copytree(assessed, data)
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        graph = str(inferred_graph_iri(province[0]["credit_code"]))
        level = f"<{SK.riskLevel}>"
        store.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ ?r {level} ?l }} }}")
        assert not any(p == level for _, p, _ in store.triples(graph))
        assert store.inferred_digests() == {}
        summary = assess_store(store, engine, dt.date.fromisoformat(AS_OF), workers=0)
        assert (summary.assessed, summary.unchanged) == (COUNT, 0)
        assert any(p == level for _, p, _ in store.triples(graph))
        assert len(store.inferred_digests()) == COUNT
    finally:
        store.close()


def test_an_enterprise_put_through_the_service_is_one_the_bulk_assessment_keeps(
    checker, province, tmp_path
):
    """PUT (the repository) and the bulk commands write the same inferred graph, digest and
    all: assessing what PUT stored writes nothing."""
    store = Store(checker.engine.kb, checker.engine.instance_rules, tmp_path / "store")
    try:
        repository = EnterpriseRepository(checker, store, AuditLog(tmp_path))
        for profile in province[:3]:
            repository.put(Principal("test", "admin"), profile["credit_code"], profile)
        generation = store.generation
        summary = assess_store(store, checker.engine, workers=0)
        assert (summary.assessed, summary.unchanged) == (3, 3)
        assert store.generation == generation
    finally:
        store.close()


def test_reimport_replaces_the_graph_and_assess_flag_reassesses(
    assessed, province, engine, tmp_path
):
    data = tmp_path / "copy"
    shutil.copytree(assessed, data)
    changed = {**province[0], "name": "改名后的合成企业"}
    line = data / "one.jsonl"
    line.write_text(json.dumps(changed, ensure_ascii=False) + "\n", encoding="utf-8")
    r = run("import", str(line), "--data", str(data), "--assess", "--workers", "0")
    assert r.returncode == 0, r.stderr
    code = changed["credit_code"]
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        names = {o for _, p, o in store.triples(str(enterprise_iri(code))) if p.endswith("#name>")}
        report = [
            json.loads(row["r"])
            for row in store.select(
                "PREFIX sk: <https://w3id.org/safetykg/def#> SELECT ?r WHERE { GRAPH <"
                f"{inferred_graph_iri(code)}> {{ ?a sk:checkReport ?r }} }}"
            )
        ]
    finally:
        store.close()
    assert names == {'"改名后的合成企业"'}
    assert [rep["name"] for rep in report] == ["改名后的合成企业"]


def test_an_interrupted_bulk_write_leaves_no_half_written_enterprise(
    assessed, province, engine, tmp_path
):
    """A journal of the first format (credit codes only) is an import's."""
    data = tmp_path / "copy"
    shutil.copytree(assessed, data)
    code = province[5]["credit_code"]
    (data / "store.bulk-journal").write_text(code, encoding="utf-8")
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        assert store.interrupted is not None and store.interrupted.codes == [code]
        assert "import them again" in store.interrupted.describe()
        assert code not in store.enterprise_codes()
        assert not store.triples(str(inferred_graph_iri(code)))
    finally:
        store.close()
    assert not (data / "store.bulk-journal").exists()


@pytest.mark.parametrize("keep_asserted", [True, False])
def test_a_bulk_write_that_fails_midway_is_repaired_on_the_next_open(
    assessed, province, engine, tmp_path, keep_asserted
):
    """A load that dies after the old graphs went (here: text Oxigraph refuses) leaves its
    journal; the next open drops what the load was replacing. An assessment replaces inferred
    graphs only, so it never costs an enterprise its submitted data."""
    data = tmp_path / "copy"
    shutil.copytree(assessed, data)
    code = province[6]["credit_code"]
    store = Store(engine.kb, engine.instance_rules, data / "store")
    broken = BulkChunk([code], f"<{enterprise_iri(code)}> <urn:p> unterminated .\n", keep_asserted)
    with pytest.raises(SyntaxError):
        store.bulk_write(broken)
    store.close()
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        assert store.interrupted is not None and store.interrupted.codes == [code]
        assert store.interrupted.inferred_only is keep_asserted
        assert not store.triples(str(inferred_graph_iri(code)))
        assert (code in store.enterprise_codes()) is keep_asserted
        assert bool(list(store.source_documents([code]))) is keep_asserted
    finally:
        store.close()


def test_unknown_policy_and_missing_file_are_clear_errors(tmp_path):
    r = run("assess", "--data", str(tmp_path), "--policy", "nowhere-2030")
    assert r.returncode == 2 and "unknown policy 'nowhere-2030'" in r.stderr
    r = run("import", str(tmp_path / "missing.jsonl"), "--data", str(tmp_path))
    assert r.returncode == 2 and "no such file" in r.stderr


def test_reading_many_enterprises_by_scan_gives_what_look_ups_give(
    assessed, province, engine, tmp_path, monkeypatch
):
    """Store.source_documents and inferred_digests query above LOOKUPS codes; enterprises_of
    and enterprise_count answer in a query what a look-up per enterprise answers."""
    from safetykg.reasoner import store as store_module

    data = tmp_path / "copy"
    shutil.copytree(assessed, data)
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        codes = store.enterprise_codes()
        wanted = [*codes[::3], "91330000000000000X"]  # one not stored
        by_look_up = dict(store.source_documents(wanted))
        digests_by_look_up = store.inferred_digests(wanted)
        monkeypatch.setattr(store_module, "LOOKUPS", 2)
        by_scan = dict(store.source_documents(wanted))
        assert by_scan == by_look_up and set(by_scan) == set(codes[::3])
        assert store.inferred_digests(wanted) == digests_by_look_up
        assert set(digests_by_look_up) == set(codes[::3])
        assert store.inferred_digests().keys() == set(codes)
        assert json.loads(by_scan[codes[0]])["credit_code"] == codes[0]
        assert dict(store.source_documents()).keys() == set(codes)
        assert store.enterprise_count() == len(codes) == COUNT
        classes = {*frequency_classes(engine), str(SK.Enterprise), str(SK.MetalSmeltingEnterprise)}
        types = store.enterprises_of(classes)
        assert set(types) == set(codes)
        for code in codes:
            assert types[code] == store.types_of(code) & classes
            assert str(SK.Enterprise) in types[code]
        assert any(str(SK.MetalSmeltingEnterprise) not in t for t in types.values())
    finally:
        store.close()


def test_after_an_interrupted_assessment_the_command_says_so_and_assess_restores_it(
    assessed, province, engine, tmp_path
):
    data = tmp_path / "copy"
    shutil.copytree(assessed, data)
    code = province[7]["credit_code"]
    (data / "store.bulk-journal").write_text(f"graphs:inferred\n{code}", encoding="utf-8")
    r = run("assess", "--data", str(data), "--as-of", AS_OF, "--workers", "0")
    assert r.returncode == 0, r.stderr
    assert "warning: an assessment was interrupted: the assessments of 1 enterprises" in r.stderr
    store = Store(engine.kb, engine.instance_rules, data / "store")
    try:
        assert store.interrupted is None
        assert store.triples(str(inferred_graph_iri(code)))
    finally:
        store.close()
