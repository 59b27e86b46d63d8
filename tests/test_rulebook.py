"""The rule-authoring workflow as a policy officer runs it: the steps of docs/writing-rules.md
with its files, through the real command and a real HTTP server; and malformed packs refused."""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from safetykg.reasoner.engine import Engine
from safetykg.reasoner.resources import shapes_dir, turtle_files
from safetykg.reasoner.rule_lint import Linter

ROOT = Path(__file__).parents[1]
TUTORIAL = ROOT / "docs" / "writing-rules.md"
EXAMPLE_PACK = ROOT / "examples" / "packs" / "zhejiang-demo"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "safetykg", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def tutorial_files(root: Path) -> Path:
    """Write every file the tutorial shows (marked <!-- file: NAME -->) below ``root``."""
    text = TUTORIAL.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 5
    for name, body in blocks:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    return root / "hz-pack"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tutorial_rule_is_linted_tested_and_in_force_everywhere(tmp_path):
    pack = tutorial_files(tmp_path)
    enterprise = tmp_path / "enterprise.json"

    lint = run("rules", "lint", pack)
    assert lint.returncode == 0, lint.stderr
    test = run("rules", "test", pack)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "2 passed, 0 failed" in test.stdout

    check = run("check", "--rules", pack, enterprise, "--format", "json")
    assert check.returncode == 1, check.stderr
    report = json.loads(check.stdout)
    assert {"rule": "HZ-1", "focus": "dust.collectors[0]"}.items() <= next(
        v for v in report["violations"] if v["rule"] == "HZ-1"
    ).items()
    without = json.loads(run("check", enterprise, "--format", "json").stdout)
    assert all(v["rule"] != "HZ-1" for v in without["violations"])

    checklist = run("checklist", "--rules", pack, enterprise, "--lang", "en", "--format", "csv")
    assert checklist.returncode == 0, checklist.stderr
    line = next(x for x in checklist.stdout.splitlines() if ",HZ-1," in x)
    assert "vent panel" in line and line.endswith("violation")

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "safetykg", "serve", "--port", str(port), "--rules", str(pack)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = enterprise.read_bytes()
        for _ in range(240):
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/check",
                    data=body,
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    served = json.loads(response.read())
                break
            except OSError:
                assert server.poll() is None, "server exited"
                time.sleep(0.5)
        else:
            pytest.fail("server did not answer")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert any(v["rule"] == "HZ-1" for v in served["violations"])


def test_example_pack_lints_and_passes_its_fixtures():
    assert run("rules", "lint", EXAMPLE_PACK).returncode == 0
    r = run("rules", "test", EXAMPLE_PACK)
    assert r.returncode == 0 and "2 passed, 0 failed" in r.stdout, r.stdout + r.stderr
    listed = json.loads(run("rules", "list", "--format", "json", "--rules", EXAMPLE_PACK).stdout)
    entry = next(e for e in listed if e["id"] == "ZJ-DEMO-1")
    assert entry["pack"] == "zhejiang-demo" and entry["enabled"] and entry["severity"] == "Warning"


def test_shipped_rules_lint_clean(engine):
    assert Linter(engine.kb, turtle_files(shapes_dir())).lint(turtle_files(shapes_dir())) == []


def test_lint_by_relative_path_does_not_see_the_rules_twice(engine, monkeypatch):
    """The rules in force are known by absolute paths; a relative path names the same files."""
    root = shapes_dir().parent
    monkeypatch.chdir(root)
    relative = [f.relative_to(root) for f in turtle_files(shapes_dir())]
    assert relative and Linter(engine.kb, turtle_files(shapes_dir())).lint(relative) == []


BREAKAGES = {
    "syntax": (
        'sh:message "干式除尘系统未设置泄爆装置（杭州市要求）"@zh ,',
        'sh:message "干式除尘系统未设置泄爆装置（杭州市要求）"@zh ,,',
        "Turtle syntax error",
    ),
    "unknown component": ("sk:requiresOneOf", "sk:requiresOnOf", "unknown term sk:requiresOnOf"),
    "unknown SHACL term": ("sh:targetClass", "sh:targetClas", "unknown SHACL term sh:targetClas"),
    "missing message": (
        '"Dry dust collector has no explosion venting (Hangzhou requirement)"@en ;',
        '"Dry dust collector has no explosion venting (Hangzhou requirement)"@de ;',
        "sh:message in @en is missing",
    ),
    "dangling clause": ("kb:MEM10-11-3", "kb:MEM10-11-99", "kb:MEM10-11-99 is not a regulation"),
    "taken id": ('"HZ-1"', '"MEM10-11-3"', "rule id already defined"),
    "dangling scope": (
        "sh:targetClass",
        "sk:appliesWhen shp:NoSuchScope ;\n    sh:targetClass",
        "sk:appliesWhen shp:NoSuchScope is not a node shape",
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_malformed_pack_is_refused_naming_file_line_and_rule(tmp_path, breakage):
    pack = tutorial_files(tmp_path)
    old, new, expected = BREAKAGES[breakage]
    rules = pack / "rules.ttl"
    text = rules.read_text(encoding="utf-8")
    assert old in text
    rules.write_text(text.replace(old, new, 1), encoding="utf-8")
    r = run("rules", "lint", pack)
    assert r.returncode == 1
    line = next(x for x in r.stderr.splitlines() if expected in x)
    assert re.match(rf"error: {re.escape(str(rules))}:[1-9]\d*: \[(HZ-1|MEM10-11-3)\] ", line), line

    check = run("check", "--rules", pack, tmp_path / "enterprise.json", "--format", "json")
    assert "refused" in check.stderr and expected in check.stderr
    report = json.loads(check.stdout)
    assert all(v["rule"] != "HZ-1" for v in report["violations"])
    assert any(g["rule"] == "MEM10-11-6" for g in report["data_gaps"])  # shipped rules still run


def test_refused_pack_leaves_the_rules_in_force_unchanged(tmp_path):
    pack = tutorial_files(tmp_path)
    (pack / "rules.ttl").write_text("shp:broken a ;", encoding="utf-8")
    engine = Engine(extra_rule_dirs=[pack])
    assert str(pack) in engine.rule_base.refused
    shipped = Engine()
    assert sorted(r.rule_id for r in engine.rules.rules.values()) == sorted(
        r.rule_id for r in shipped.rules.rules.values()
    )


def test_a_pack_disables_a_rule_by_id(tmp_path):
    pack = tutorial_files(tmp_path)
    meta = pack / "pack.ttl"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace(
            'dcterms:identifier "hangzhou-tutorial" ;',
            'dcterms:identifier "hangzhou-tutorial" ; sk:disables "MEM10-11-6" ;',
        ),
        encoding="utf-8",
    )
    engine = Engine(extra_rule_dirs=[pack])
    assert not engine.rule_base.refused
    profile = json.loads((tmp_path / "enterprise.json").read_text(encoding="utf-8"))
    rules = {f.rule.rule_id for f in engine.assess(profile).findings}
    assert "HZ-1" in rules and "MEM10-11-6" not in rules
    assert not next(r for r in engine.rules.rules.values() if r.rule_id == "MEM10-11-6").enabled
