"""The exit-status policy (cnncalc/exits.py, SPEC §2) and the CLI guard that applies it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import bundled, report
from cnncalc.cli import main
from cnncalc.errors import CnnError, Location
from cnncalc.exits import Exit, for_exception

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("exc", "status", "line"),
    [
        (CnnError("unknown key 'fliters'", Location("net.yaml", 3, 7)), Exit.UNUSABLE,
         "net.yaml:3:7: error: unknown key 'fliters'"),
        (RecursionError("deep"), Exit.UNUSABLE, "error: input too large or too deeply nested (RecursionError)"),
        (KeyError("conv1"), Exit.INTERNAL,
         "cnncalc: internal error: KeyError: 'conv1'; rerun with --debug for the traceback"),
        (ValueError("two\nlines\x1b[2J"), Exit.INTERNAL,
         "cnncalc: internal error: ValueError: two\\nlines\\x1b[2J; rerun with --debug for the traceback"),
        (ZeroDivisionError(), Exit.INTERNAL,
         "cnncalc: internal error: ZeroDivisionError; rerun with --debug for the traceback"),
    ],
)
def test_for_exception(exc: BaseException, status: Exit, line: str) -> None:
    assert for_exception(exc) == (status, line)


def _boom(*args: object, **kwargs: object) -> None:
    raise KeyError("surprise\nsecond line")


@pytest.mark.parametrize("command", [["summarize", "lenet5"], ["explain", "lenet5"], ["memory", "lenet5"],
                                     ["diagram", "lenet5"], ["export", "lenet5", "--to", "pytorch"],
                                     ["report", "lenet5"]])
def test_an_unexpected_exception_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    monkeypatch.setattr(report, "analyze", _boom)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "cnncalc: internal error: KeyError: 'surprise\\nsecond line'; rerun with --debug for the traceback"
    ]


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "analyze", _boom)
    result = CliRunner().invoke(main, ["--debug", "summarize", "lenet5"])
    assert isinstance(result.exception, KeyError)


def test_usage_errors_stay_clicks_exit_2() -> None:
    result = CliRunner().invoke(main, ["summarize", "lenet5", "--format", "yaml"])
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.output


def test_a_closed_pipe_ends_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `| head` does once it has its line
    run = subprocess.run([sys.executable, "-m", "cnncalc", "explain", "resnet50"], stdout=write_end,
                         stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    os.close(write_end)
    assert (run.returncode, run.stderr) == (141, "")


@pytest.mark.parametrize("name", ["../tests/positive/lenet5_budget", "/etc/passwd", "lenet5.yaml", "LENET5", ""])
def test_a_bundled_name_is_never_a_path(name: str) -> None:
    assert bundled.path(name) is None


def test_a_relative_path_through_the_bundle_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("input: [4, 4, 1]\nlayers: [relu]\n")
    sneaky = os.path.relpath(tmp_path / "secret", bundled.directory())
    result = CliRunner().invoke(main, ["summarize", sneaky])
    assert result.exit_code == 2 and "no such file or bundled architecture" in result.output
    assert bundled.path("lenet5") == bundled.directory() / "lenet5.yaml"
