"""``safetykg generate | regions | impact | plan | explain | credit``: the province-wide commands.

Each reads a province (JSON Lines of profiles; default: the bundled synthetic demo province),
assesses it with the same ``Checker`` as ``safetykg check``, and calls the plain functions of
``reasoner`` that the HTTP API calls too.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from safetykg.reasoner.cluster_index import find_clusters
from safetykg.reasoner.clusters import ClusterPolicy, rule_impact
from safetykg.reasoner.credit import CreditError, CreditTerms, restrictions
from safetykg.reasoner.explain import explain as explain_graph
from safetykg.reasoner.generate import generate as generate_profiles
from safetykg.reasoner.generate import to_jsonl
from safetykg.reasoner.plan import PlanError, make_plan, planning_uplifts, write_outputs
from safetykg.reasoner.province import (
    AssessedEnterprise,
    demo_province_path,
    planning_risk,
)
from safetykg.reasoner.regions import region_summary
from safetykg.reasoner.service import Checker, CheckResult
from safetykg.reasoner.settings import SettingError

from .cli_common import AsOfOption, Lang, PolicyOption, check_files, fail, parse_date


class ExplainFormat(StrEnum):
    text = "text"
    json = "json"
    dot = "dot"


class DataFormat(StrEnum):
    text = "text"
    json = "json"


InputOption = Annotated[
    Path | None,
    typer.Option("--input", "-i", help="Province as JSON Lines (default: the bundled demo)"),
]


def _echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _assess(
    paths: list[Path], as_of: dt.date | None, policy: str | None
) -> tuple[Checker, list[CheckResult]]:
    checker = Checker.default()
    return checker, check_files(checker, paths, as_of, policy)


def _province(
    path: Path | None, as_of: dt.date | None, policy: str | None
) -> tuple[Checker, list[CheckResult], list[AssessedEnterprise]]:
    checker, results = _assess([path or demo_province_path()], as_of, policy)
    return checker, results, [AssessedEnterprise.from_result(r) for r in results]


def generate(
    enterprises: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many")] = 300,
    seed: Annotated[int, typer.Option(help="Same seed, same file")] = 0,
    out: Annotated[Path, typer.Option(help="Output file (JSON Lines)")] = Path("province.jsonl"),
) -> None:
    """Write a synthetic province (made-up enterprises in real counties) as JSON Lines."""
    checker = Checker.default()
    profiles = generate_profiles(checker.engine.kb, enterprises, seed)
    bad = [(i, p) for i, p in enumerate(profiles) if checker.engine.validator.problems(p)]
    if bad:
        i, p = bad[0]
        fail(f"error: generated line {i + 1} is invalid: {checker.engine.validator.problems(p)}")
    out.write_text(to_jsonl(profiles), encoding="utf-8")
    typer.echo(f"{len(profiles)} synthetic enterprises written to {out} (seed {seed})")


def regions(
    code: Annotated[str, typer.Argument(help="Region code: county, city or province")],
    input: InputOption = None,
    as_of: AsOfOption = None,
    policy: PolicyOption = None,
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
) -> None:
    """Accidents and deaths per year rolled up, the campaign target, accident-prone counties, clusters."""
    day = parse_date(as_of, "--as-of")
    checker, _, assessed = _province(input, day, policy)
    kb = checker.engine.kb
    day = day or max(e.as_of for e in assessed)
    try:
        summary = region_summary(assessed, kb, code, day)
    except KeyError as exc:
        fail(f"error: region: {exc.args[0]}")
    except SettingError as exc:
        fail(f"error: {exc}")
    members = {e.credit_code for e in assessed if e.in_region(code)}
    clusters = find_clusters(assessed, ClusterPolicy.from_kb(kb))
    summary["clusters"] = [c.to_json() for c in clusters if members & set(c.members)]
    if format is DataFormat.json:
        _echo_json(summary)
        return
    r, t = summary["region"], summary["target"]
    typer.echo(
        f"{r['name']} ({r['code']}, {r['level']}) as of {summary['as_of']}: "
        f"{summary['enterprises']} enterprises"
    )
    for year, v in summary["years"].items():
        typer.echo(f"  {year}: {v['accidents']} accidents, {v['deaths']} deaths")
    for measure in ("accidents", "deaths"):
        m = t[measure]
        typer.echo(
            f"  {measure}: baseline {t['baseline_year']} = {m['baseline']}, {t['year']} to date "
            f"{m['year_to_date']} (same period {t['baseline_year']}: {m['baseline_same_period']}), "
            f"projected {m['projected_full_year']} vs allowed {m['allowed_full_year']} "
            f"(−{t['required_reduction']:.0%}): {'on track' if m['on_track'] else 'NOT on track'}"
        )
    for c in summary["children"]:
        years = ", ".join(f"{y}: {v['accidents']}/{v['deaths']}" for y, v in c["years"].items())
        typer.echo(f"    {c['code']} {c['name']}: {c['enterprises']} enterprises; {years}")
    for p in summary["accident_prone"]:
        typer.echo(
            f"  accident-prone: {p['code']} {p['accidents']} accidents / "
            f"{p['enterprises']} enterprises = {p['rate_per_1000']} per 1,000"
        )
    for c in summary["clusters"]:
        typer.echo(
            f"  cluster {c['id']}: {len(c['members'])} enterprises, combined R "
            f"{c['combined_R']}, worst grade {c['worst_grade']}"
            + (" → members raised" if c["triggers_uplift"] else "")
        )


def impact(
    target: Annotated[str, typer.Argument(help="Regulation item, rule id or risk rule id")],
    input: InputOption = None,
    as_of: AsOfOption = None,
    policy: PolicyOption = None,
) -> None:
    """Which shapes, enterprises and inspection classes depend on a regulation item or rule (JSON)."""
    checker, _, assessed = _province(input, parse_date(as_of, "--as-of"), policy)
    try:
        _echo_json(rule_impact(checker.engine.kb, checker.engine.rules, assessed, target))
    except KeyError as exc:
        fail(f"error: {exc.args[0]}")


def plan(
    region: Annotated[str, typer.Option(help="Region code to plan for")],
    year: Annotated[int, typer.Option(min=2000, max=2100, help="Plan year")],
    inspectors: Annotated[int, typer.Option(min=1, max=100_000, help="Inspectors")],
    days: Annotated[
        float | None, typer.Option(min=0, help="Inspection person-days (replaces the formula)")
    ] = None,
    policy: PolicyOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the 双随机 draw")] = 0,
    input: InputOption = None,
    as_of: AsOfOption = None,
    out_csv: Annotated[Path | None, typer.Option("--out-csv", help="Visits as CSV")] = None,
    out_json: Annotated[Path | None, typer.Option("--out-json", help="The plan as JSON")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the summary")] = Lang.zh,
) -> None:
    """The annual inspection plan: days, obligations, the draw, months; exit 1 when days are short."""
    day = parse_date(as_of, "--as-of")
    checker, _, assessed = _province(input, day, policy)
    try:
        p = make_plan(checker.engine.kb, assessed, region, year, inspectors, seed, days, day)
    except (PlanError, SettingError) as exc:
        fail(f"error: {exc}")
    write_outputs(p, out_csv, out_json)
    typer.echo(p.summary_text(lang.value))
    raise typer.Exit(1 if p.unmet else 0)


def _pick(results: list[CheckResult], code: str, source: str) -> CheckResult:
    for r in results:
        if r.assessment.credit_code == code:
            return r
    fail(f"error: no enterprise {code!r} in {source}")


def _target_results(
    target: str, input: Path | None, day: dt.date | None, policy: str | None
) -> tuple[Checker, CheckResult, list[AssessedEnterprise] | None]:
    """A file argument is checked on its own; a credit code is looked up in the province."""
    path = Path(target)
    if path.exists():
        checker, results = _assess([path], day, policy)
        if len(results) != 1:
            fail(
                f"error: {target} holds {len(results)} enterprises; name one by credit code "
                f"with --input {target}"
            )
        return checker, results[0], None
    source = input or demo_province_path()
    checker, results, assessed = _province(input, day, policy)
    return checker, _pick(results, target, str(source)), assessed


def explain(
    target: Annotated[str, typer.Argument(help="Credit code (looked up in --input) or a file")],
    input: InputOption = None,
    lang: Annotated[Lang, typer.Option(help="Language")] = Lang.zh,
    format: Annotated[ExplainFormat, typer.Option("--format", "-f")] = ExplainFormat.text,
    policy: PolicyOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Why an enterprise has its risk level and inspection class, down to the submitted facts."""
    day = parse_date(as_of, "--as-of")
    checker, result, assessed = _target_results(target, input, day, policy)
    planning = None
    if assessed is not None:
        kb = checker.engine.kb
        when = day or max(e.as_of for e in assessed)
        ups = planning_uplifts(kb, assessed, when).get(result.assessment.credit_code, [])
        me = next(e for e in assessed if e.credit_code == result.assessment.credit_code)
        planning = planning_risk(me, ups) if ups else None
    graph = explain_graph(result.assessment, checker.engine.context.key_of, planning)
    if format is ExplainFormat.json:
        _echo_json(graph.to_json())
    elif format is ExplainFormat.dot:
        typer.echo(graph.to_dot(lang.value), nl=False)
    else:
        typer.echo(graph.to_text(lang.value))


def credit(
    target: Annotated[str, typer.Argument(help="Credit code (looked up in --input) or a file")],
    on: Annotated[
        str | None, typer.Option("--date", help="The day asked about (YYYY-MM-DD)")
    ] = None,
    area: Annotated[
        list[str] | None,
        typer.Option(
            help="government_procurement, bidding, land_transfer, honours, financing, "
            "licensing, business_operations (default: all)"
        ),
    ] = None,
    input: InputOption = None,
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
) -> None:
    """Is the enterprise restricted on a date because of a serious-untrustworthy listing?"""
    day = parse_date(on, "--date")
    checker, result, _ = _target_results(target, input, None, None)
    a = result.assessment
    try:
        answer = restrictions(
            a.asserted + a.inferred,
            a.credit_code,
            day or a.as_of,
            CreditTerms.from_kb(checker.engine.kb),
            area,
        )
    except CreditError as exc:
        fail(f"error: --area: {exc}")
    if format is DataFormat.json:
        _echo_json(answer)
        return
    listing = answer["listing"]
    typer.echo(
        f"{answer['enterprise']} on {answer['date']}: "
        + ("RESTRICTED" if answer["restricted"] else "not restricted")
    )
    if listing:
        typer.echo(
            f"  listed {listing['listed_on']}, term to {listing['term_ends']}, "
            f"ends {listing['ends']}, early removal possible from "
            f"{listing['early_removal_possible_from']} ({listing['source']}, "
            f"{listing['confidence']})"
        )
    else:
        typer.echo("  never listed")
    for m in answer["areas"]:
        typer.echo(
            f"  {m['area']} ({m['zh']}): {'restricted' if m['restricted'] else 'no'}"
            f" [{m['confidence']}]"
        )


def register(app: typer.Typer) -> None:
    for command in (generate, regions, impact, plan, explain, credit):
        app.command()(command)
