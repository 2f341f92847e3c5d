"""`ehcp timeline` and `ehcp conventions`: the JSON and table outputs, and bad input (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

import cli
import cli.timeline
from cli import app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "assessment-in-progress.json"
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def timeline(case: dict[str, Any], *args: str) -> dict[str, Any]:
    result = run("timeline", "-", *args, stdin=json.dumps(case))
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_the_issue_example_through_the_command() -> None:
    result = run("timeline", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    health = next(d for d in out["deadlines"] if d["deadline"] == "advice" and d["id"] == "health")
    # received by the body 2025-03-10 + 6 weeks = Easter Monday 2025-04-21; Good Friday 18 Apr -> Thu 17 Apr
    assert health["due"] == "2025-04-21"
    assert health["practical_due"] == "2025-04-17"
    assert health["rule"] == "reg 8(1)"
    assert health["statutory"] is True
    assert health["status"] == "excepted"
    assert health["exception"]["kind"] == "missed_appointment"
    assert health["exception"]["accepted"] is True
    assert out["exceptions"][0]["advice_id"] == "health"
    educational = next(a for a in out["required_advice"] if a["advice"] == "educational")
    assert any("visual impairment" in c for c in educational["conditions"])
    assert {a["advice"] for a in out["required_advice"]} >= {"preparing_for_adulthood", "requested_by_parent"}


def test_as_of_option_overrides_the_file() -> None:
    case = {"events": [{"event": "request_received", "date": "2025-01-06"}], "as_of": "2025-01-07"}
    assert timeline(case)["deadlines"][0]["status"] == "open"
    overdue = timeline(case, "--as-of", "2025-02-18")
    assert overdue["as_of"] == "2025-02-18"
    assert overdue["deadlines"][0]["status"] == "overdue"  # decision_to_assess was due 2025-02-17


def test_as_of_defaults_to_today_in_england(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.timeline, "today_in_england", lambda: date(2030, 1, 1))
    out = timeline({"events": [{"event": "request_received", "date": "2025-01-06"}]})
    assert out["as_of"] == "2030-01-01"


def test_convention_option_changes_the_counting() -> None:
    case = {"events": [{"event": "request_received", "date": "2025-01-06"}], "as_of": "2025-01-07"}
    out = timeline(case, "--convention", "week_counting=event_day_is_day_1")
    assert out["deadlines"][0]["due"] == "2025-02-16"  # the receipt day counts as day 1


def test_table_format_is_for_people() -> None:
    result = run("timeline", str(EXAMPLE), "--format", "table")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Statutory timeline as of 2025-06-01"
    health = next(line for line in lines if line.startswith("advice") and " health " in line)
    assert health.split()[2:5] == ["2025-04-21", "2025-04-17", "excepted"]
    assert any("missed_appointment against advice health: accepted" in line for line in lines)
    assert "Advice required (reg 6)" in lines


def test_table_says_when_nothing_starts_a_clock() -> None:
    result = run("timeline", "-", "--format", "table", "--as-of", "2025-01-01", stdin='{"events": []}')
    assert result.exit_code == 0
    assert "no deadlines" in result.stdout


BAD_INPUT = [
    ("not json", "not valid JSON"),
    ("[]", "a case history must be a JSON object"),
    ('{"event": []}', "event: is not a field of a case history"),
    ("{}", "events: is missing"),
    (
        '{"events": [{"event": "request_recieved", "date": "2025-01-06"}]}',
        "events[0].event: 'request_recieved'",
    ),
    ('{"events": [{"event": "request_received", "date": "2025-02-30"}]}', "'2025-02-30' is not a real date"),
    ('{"events": [{"event": "request_received", "date": "06/01/2025"}]}', "write it as YYYY-MM-DD"),
    ('{"events": [{"event": "request_received"}]}', "events[0].date: is missing"),
    (
        '{"events": [{"event": "decision_to_assess", "date": "2025-02-01", "outcome": "maybe"}]}',
        "outcome: 'maybe'",
    ),
    ('{"events": [{"event": "advice_received", "date": "2025-02-01", "id": "x"}]}', "no advice_requested"),
    ('{"events": [], "as_of": "2025-13-01"}', "as_of: '2025-13-01' is not a real date"),
    ('{"events": [], "child": {"year_group": "nine"}}', "child.year_group"),
]


@pytest.mark.parametrize(("stdin", "says"), BAD_INPUT)
def test_bad_input_exits_2_with_one_line_naming_the_problem(stdin: str, says: str) -> None:
    result = run("timeline", "-", "--as-of", "2025-06-01", stdin=stdin)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("ehcp timeline: ")
    assert says in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("timeline", "no-such-file.json"), "no file 'no-such-file.json'"),
        (("timeline", "-", "--as-of", "tomorrow"), "--as-of: 'tomorrow' is not a date"),
        (("timeline", "-", "-c", "week_counting"), "--convention takes NAME=VALUE"),
        (("timeline", "-", "-c", "weeks=3"), "unknown convention 'weeks'"),
        (("timeline", "-", "-c", "closure_min_days=many"), "takes a whole number"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: tuple[str, ...], says: str) -> None:
    result = run(*args, stdin='{"events": []}')
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert says in result.stderr


def test_conventions_lists_every_setting_with_its_default() -> None:
    result = run("conventions")
    assert result.exit_code == 0
    assert "week_counting = exclude_event_day" in result.stdout
    assert "phase_transfer_reading = strict" in result.stdout
    assert "closure_window_inclusive = true" in result.stdout


def test_the_installed_console_script_runs() -> None:
    script = Path(sys.executable).parent / "ehcp"
    done = subprocess.run(
        [str(script), "timeline", "-", "--as-of", "2025-01-07"],
        input='{"events": [{"event": "request_received", "date": "2025-01-06"}]}',
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deadlines"][0]["due"] == "2025-02-17"
    bad = subprocess.run(
        [str(script), "timeline", "-"], input="{", capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_every_command_is_defined_by_its_module() -> None:
    """`cli.COMMANDS` names each command's module; the module defines the command on its `app`."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    context = group.make_context("ehcp", ["--help"], resilient_parsing=True)
    for name in cli.COMMANDS:
        command = group.get_command(context, name)
        assert command is not None, name
        assert command.name == name
    assert group.get_command(context, "timelin") is None
    assert group.list_commands(context) == list(cli.COMMANDS)
    result = run("--help")
    assert result.exit_code == 0
    assert all(f"│ {name} " in result.stdout for name in cli.COMMANDS), result.stdout


def test_timeline_loads_neither_temporal_nor_the_database_nor_the_api() -> None:
    """`ehcp` loads only the module of the command it runs, so the statute engine starts alone."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli import app\n"
        "result = CliRunner().invoke(app, ['timeline', sys.argv[1]])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(' '.join(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    loaded = {name.partition(".")[0] for name in done.stdout.split()}
    libraries = {"temporalio", "sqlalchemy", "fastapi", "uvicorn"}
    heavy = libraries | {"api", "activities", "db", "worker", "workflows"}
    assert loaded.isdisjoint(heavy), loaded & heavy
    assert "cli.stack" not in done.stdout.split()
