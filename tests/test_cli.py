"""The safetykg command: exit codes, formats and error messages, as a user runs it."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
import uvicorn
from rdflib import Graph
from typer.testing import CliRunner

from safetykg.api import app as app_module
from safetykg.api.cli import app
from safetykg.api.state import ServiceConfig, Services
from safetykg.reasoner.check_batcher import BatchSettings
from safetykg.reasoner.resources import shapes_dir

EXAMPLE = Path(__file__).parent / "data" / "contract-example.json"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "safetykg", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_check_json_contract(tmp_path):
    r = run("check", str(EXAMPLE), "--format", "json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    for key in (
        "enterprise",
        "as_of",
        "conforms",
        "violations",
        "data_gaps",
        "major_hazard_sources",
        "accidents",
        "risk",
    ):
        assert key in report
    assert set(report["risk"]) >= {
        "level",
        "level_zh",
        "inspection_class",
        "inspections_per_year",
        "policy",
        "reasons",
    }


def test_exit_1_on_violation_and_text_in_english(tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["dust"]["collectors"][0]["explosion_protection"] = []
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = run("check", str(f), "--lang", "en")
    assert r.returncode == 1
    assert "MEM10-11-3 dust.collectors[0]: Dry dust collector" in r.stdout


def test_exit_2_names_file_and_key_path(tmp_path):
    f = tmp_path / "wrong.json"
    f.write_text(
        json.dumps({"credit_code": "91330106MA2B3C4D12", "region": "000000"}), encoding="utf-8"
    )
    g = tmp_path / "broken.json"
    g.write_text("{", encoding="utf-8")
    r = run("check", str(f), str(g))
    assert r.returncode == 2
    assert f"{f}: credit_code: invalid unified social credit code" in r.stderr
    assert f"{f}: region: unknown county-level" in r.stderr
    assert f"{g}: (document): malformed JSON" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert run("check", str(tmp_path / "missing.json")).returncode == 2


def test_turtle_output_and_options(tmp_path):
    r = run(
        "check",
        str(EXAMPLE),
        "--format",
        "turtle",
        "--policy",
        "shanxi-2025",
        "--as-of",
        "2026-12-31",
    )
    assert r.returncode == 0, r.stderr
    g = Graph().parse(data=r.stdout, format="turtle")
    assert len(g) > 50
    bad = run("check", str(EXAMPLE), "--as-of", "tomorrow")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    unknown = run("check", str(EXAMPLE), "--policy", "mars")
    assert unknown.returncode == 2 and "unknown policy 'mars'" in unknown.stderr


def test_rules_test_command():
    """One rule family through the real command (every fixture runs in test_rule_fixtures.py)."""
    r = run("rules", "test", str(shapes_dir() / "gb18218"))
    assert r.returncode == 0, r.stdout[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "8 passed, 0 failed"


def test_serve_batching_options_reach_the_check_batcher(checker, tmp_path, monkeypatch):
    """--batch-window and --batch-size -> ServiceConfig -> the batcher of the service's
    checker, kept after a rule change. No server: the app and uvicorn are stand-ins."""
    configs: list[ServiceConfig] = []

    def create_app(config: ServiceConfig, checker: object) -> SimpleNamespace:
        configs.append(config)
        return SimpleNamespace(state=SimpleNamespace(services=SimpleNamespace(demo_token=None)))

    monkeypatch.setattr(app_module, "create_app", create_app)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    result = CliRunner().invoke(app, ["serve", "--batch-window", "0.005", "--batch-size", "8"])
    assert result.exit_code == 0, result.output
    assert configs[0].batching == BatchSettings(window=0.005, max_profiles=8)
    assert ServiceConfig().batching == BatchSettings()  # the defaults are the batcher's
    config = replace(configs[0], data_dir=tmp_path, load_demo=False, query_workers=0)
    services = Services.start(config, checker)
    try:
        assert services.checker.batcher.settings == config.batching
        services.use_engine(services.checker.engine)
        assert services.checker.batcher.settings == config.batching
    finally:
        services.stop()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--batch-window", "-0.01", "batch window must be between 0 and 0.1 s, not -0.01"),
        ("--batch-window", "1", "batch window must be between 0 and 0.1 s, not 1.0"),
        ("--batch-size", "0", "batch size must be at least 1, not 0"),
    ],
)
def test_serve_refuses_batching_settings_out_of_bounds(option, value, message):
    result = CliRunner().invoke(app, ["serve", option, value])
    assert result.exit_code == 2 and message in result.output
