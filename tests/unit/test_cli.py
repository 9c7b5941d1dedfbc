"""CLI conventions: --help everywhere, exit codes 0/1/2, errors that name the key, --json output.

No Spark here (every command below returns before a session would start); ``fetch-jars`` is not
run because it may reach Maven Central.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deid.cli import COMMANDS, EXIT_OK, EXIT_USAGE, build_parser, entry, main

NOTES = [
    {"id": "a", "text": "Patient seen 03/14/2021, MRN 40012387. Call 555-123-4567.", "language": "en"},
    {"id": "b", "text": "No identifiers in this line."},
]


@pytest.fixture()
def notes_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(n) + "\n" for n in NOTES), encoding="utf-8")
    return path


def test_every_command_is_wired() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")  # noqa: SLF001
    assert set(sub.choices) == set(COMMANDS)


@pytest.mark.parametrize("argv", [["--help"], *[[c, "--help"] for c in COMMANDS]])
def test_help_exits_zero(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_OK
    assert "usage: deid" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["detect"], ["run", "--log-level", "LOUD"],
                                  ["eval", "--limit", "many"]])
def test_bad_usage_exits_two(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_USAGE
    assert "usage:" in capsys.readouterr().err


def test_bad_config_key_exits_two_and_names_it(notes_jsonl: Path, tmp_path: Path, capsys) -> None:
    code = main(["detect", "--input", str(notes_jsonl), "--output", str(tmp_path / "o.jsonl"),
                 "--set", "detection.ner.colour=red"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "ConfigError" in err and "detection.ner.colour" in err


def test_missing_config_file_exits_two(tmp_path: Path, capsys) -> None:
    assert main(["run", "--config", str(tmp_path / "nope.yaml")]) == EXIT_USAGE
    assert "not found" in capsys.readouterr().err


def test_bad_input_exits_two_without_echoing_it(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "John Smith"\n', encoding="utf-8")
    code = main(["detect", "--input", str(bad), "--output", str(tmp_path / "o.jsonl"),
                 "--set", "detection.ner.enabled=false"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "InputSchemaError" in err and "John Smith" not in err


def test_detect_json_output_parses(notes_jsonl: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "spans.jsonl"
    code = main(["detect", "--input", str(notes_jsonl), "--output", str(out), "--json",
                 "--set", "detection.ner.enabled=false", "--log-level", "WARNING"])
    assert code == EXIT_OK
    stats = json.loads(capsys.readouterr().out)
    assert stats["notes"] == len(NOTES) and stats["output"] == str(out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert stats["spans"] == sum(len(r["spans"]) for r in rows) > 0
    text = NOTES[0]["text"]
    assert {text[s["start"]:s["end"]] for s in rows[0]["spans"]} >= {"03/14/2021", "555-123-4567"}


def test_entry_raises_the_exit_code(monkeypatch, tmp_path: Path, capsys) -> None:
    """The console script / Databricks wheel task entry: failure must raise, success must not."""
    monkeypatch.setattr(sys, "argv", ["deid", "run", "--config", str(tmp_path / "nope.yaml")])
    with pytest.raises(SystemExit) as exc:
        entry()
    assert exc.value.code == EXIT_USAGE
    notes = tmp_path / "n.jsonl"
    notes.write_text(json.dumps(NOTES[1]) + "\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["deid", "detect", "--input", str(notes), "--output",
                                      str(tmp_path / "o.jsonl"), "--set", "detection.ner.enabled=false"])
    assert entry() is None


def test_console_script_exit_codes(tmp_path: Path) -> None:
    """One real process: what a shell or scheduler sees."""
    cmd = [sys.executable, "-c", "from deid.cli import entry; entry()"]
    ok = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == EXIT_OK
    bad = subprocess.run([*cmd, "run", "--set", "input.colums=x"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == EXIT_USAGE and "input.colums" in bad.stderr
