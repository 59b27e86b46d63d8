"""The synthetic province: valid public profiles, real codes, deterministic bytes for a seed."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from safetykg.api.cli import app
from safetykg.reasoner.codes import credit_code_problem
from safetykg.reasoner.generate import generate, to_jsonl
from safetykg.reasoner.province import demo_province_path


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_generated_profile_is_valid(engine, seed):
    profiles = generate(engine.kb, 25, seed)
    assert [engine.validator.problems(p) for p in profiles] == [[]] * 25
    codes = [p["credit_code"] for p in profiles]
    assert len(set(codes)) == len(codes)
    assert all(credit_code_problem(c) is None for c in codes)
    for p in profiles:
        region = engine.kb.regions[p["region"]]
        assert "330000" in region.ancestors
        assert engine.kb.is_known_industry(p["industry"])
        assert "合成" in p["name"]


def test_same_seed_same_bytes_other_seed_other_bytes(engine):
    assert to_jsonl(generate(engine.kb, 40, 5)) == to_jsonl(generate(engine.kb, 40, 5))
    assert to_jsonl(generate(engine.kb, 40, 5)) != to_jsonl(generate(engine.kb, 40, 6))


def test_bundled_demo_is_seed_2026_and_has_what_planning_needs(engine):
    text = demo_province_path().read_text(encoding="utf-8")
    profiles = [json.loads(line) for line in text.splitlines()]
    assert text == to_jsonl(generate(engine.kb, len(profiles), 2026))
    assert 200 <= len(profiles) <= 500
    assert any(p.get("credit_listing") for p in profiles)
    assert any("dust" in p for p in profiles) and any(
        "ammonia_refrigeration" in p for p in profiles
    )
    assert any(h.get("level") == "major" for p in profiles for h in p.get("hidden_hazards", []))
    years = {a["date"][:4] for p in profiles for a in p.get("accidents", [])}
    assert years == {"2024", "2025", "2026"}


def test_cli_generate_writes_the_same_file_twice(tmp_path):
    runner = CliRunner()
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (a, b):
        result = runner.invoke(
            app, ["generate", "--enterprises", "15", "--seed", "3", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
    assert a.read_bytes() == b.read_bytes()
    assert len(a.read_text(encoding="utf-8").splitlines()) == 15


def test_cli_generate_rejects_a_bad_count(tmp_path):
    result = CliRunner().invoke(
        app, ["generate", "--enterprises", "0", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
