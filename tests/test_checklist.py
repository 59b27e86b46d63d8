"""一企一清单: the rules that apply to an enterprise, ordered, with the state of its profile."""

import csv
import io
import json
import subprocess
import sys
from importlib.resources import files

from safetykg.reasoner.checklist import checklist
from safetykg.reasoner.generate import generate
from safetykg.reasoner.rule_catalog import catalog

DEMO = json.loads(files("safetykg").joinpath("demo/enterprises.json").read_text(encoding="utf-8"))


def test_states_agree_with_the_check_report(checker):
    for profile in DEMO:
        report = checker.check(profile).report
        items = {i.rule_id: i.state for i in checklist(checker.engine, profile, "en")}
        for v in report["violations"]:
            assert items[v["rule"]] == "violation"
        for g in report["data_gaps"]:
            assert items[g["rule"]] in ("violation", "data_gap")


def test_only_rules_that_target_the_enterprise_apply(checker):
    wood = next(p for p in DEMO if p["credit_code"] == "91330783MA0000004Y")
    ids = [i.rule_id for i in checklist(checker.engine, wood, "zh")]
    assert "MEM10-11-1" in ids and "MEM10-3-1" in ids
    assert not any(i.startswith("MEM10-12") or i.startswith("MEM10-13") for i in ids)
    assert ids.index("MEM10-3-2") < ids.index("MEM10-11-1") < ids.index("MEM10-11-10")


def ids_for(checker, profile) -> set[str]:
    return {i.rule_id for i in checklist(checker.engine, profile, "en")}


def demo(code: str) -> dict:
    return next(p for p in DEMO if p["credit_code"] == code)


def test_a_rule_with_a_scope_is_listed_only_where_the_enterprise_is_in_it(checker):
    """sk:appliesWhen: the rules on every enterprise's safety management that bind only some
    enterprises (metal smelters, 第一款 units, the 100-employee line of Art. 24)."""
    smelter = ids_for(checker, demo("91440306MA0000003H"))  # steel, 1,200 employees
    wood = ids_for(checker, demo("91330783MA0000004Y"))  # 45 employees
    cement = ids_for(checker, demo("91140105MA00000071"))  # 410 employees
    assert {"MEM10-3-3", "WSL-24-1"} <= smelter
    assert not {"WSL-24-1-DG", "WSL-24-2", "WSL-24-3"} & smelter
    assert "WSL-24-3" in wood and not {"MEM10-3-3", "WSL-24-1", "WSL-24-2"} & wood
    assert "WSL-24-2" in cement and not {"MEM10-3-3", "WSL-24-1", "WSL-24-3"} & cement
    assert {"MEM10-3-1", "MEM10-3-2"} <= smelter & wood & cement  # unscoped: on every list


def test_rules_list_shows_each_rule_scope(checker):
    entries = {e.id: e for e in catalog(checker.engine)}
    assert entries["MEM10-3-3"].applies_when == "shp:MEM10-3-MetalSmeltingUnit"
    assert entries["WSL-24-2"].applies_when == "shp:WSL-24-LargeOtherUnit"
    assert entries["MEM10-3-1"].applies_when == ""


def test_every_rule_a_check_reports_is_on_the_checklist(checker):
    """A scope never hides a rule the enterprise violates or lacks data for."""
    for profile in generate(checker.engine.kb, 40, seed=5):
        report = checker.check(profile).report
        reported = {f["rule"] for f in report["violations"] + report["data_gaps"]}
        assert reported <= ids_for(checker, profile), profile["credit_code"]


def test_command_by_credit_code_and_unknown_code():
    r = subprocess.run(
        [sys.executable, "-m", "safetykg", "checklist", "91330783MA0000004Y", "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["序号", "规则", "条款", "检查要点", "当前状态"]
    assert [row[0] for row in rows[1:]] == [str(i) for i in range(1, len(rows))]
    bad = subprocess.run(
        [sys.executable, "-m", "safetykg", "checklist", "NOT-A-CODE"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and "NOT-A-CODE" in bad.stderr and "Traceback" not in bad.stderr


def test_clauses_are_named_in_the_checklist_language(checker, monkeypatch):
    wood = next(p for p in DEMO if p["credit_code"] == "91330783MA0000004Y")
    zh = {i.rule_id: i.clause for i in checklist(checker.engine, wood, "zh")}
    en = {i.rule_id: i.clause for i in checklist(checker.engine, wood, "en")}
    assert zh["MEM10-11-1"].startswith("应急管理部令第10号")
    assert en["MEM10-11-1"].startswith("MEM Order No. 10")
    kb = checker.engine.kb
    assert set(kb.clause_labels_en) == set(kb.clause_labels)  # every clause has English today
    iri = next(iter(kb.clause_labels))
    monkeypatch.delitem(kb.clause_labels_en, iri)  # one without keeps its Chinese name
    assert kb.clause_label(iri, "en") == kb.clause_labels[iri]
    assert kb.clause_label(None, "en") == ""
    assert kb.clause_label("https://example.org/unknown", "en") == "https://example.org/unknown"
