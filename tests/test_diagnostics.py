"""Diagnostics on stderr, data on stdout, in every format; what-if and symbolic expectations
are reported as not checked; floors that lose nothing are notes (issue 14 item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.analysis import analyze_text
from cnncalc.cli import main

# conv f=3 s=2 on 8: (8 - 3)/2 = 2.5, so the 8th row is read by no window: a real warning
FLOORED = """name: floored
input: [8, 8, 1]
layers:
  - conv: {filters: 2, f: 3, s: 2}
expect:
  params: 20
"""


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_warnings_go_to_stderr_in_every_format(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(FLOORED)
    status, out, err = _run(["summarize", str(path), "--format", fmt])
    assert status == 0
    if fmt != "json":  # in JSON it is data too: the `warnings` list, checked below
        assert "never covered" not in out
    assert err.splitlines() == [f"{path}:4:5: warning: conv1: n_H and n_W: 5/2 = 2.5 floored to 2, "
                                "1 input row and column never covered"]
    if fmt == "json":
        assert json.loads(out)["warnings"][0]["layer"] == "conv1"


def test_strict_warning_is_an_error_on_stderr_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(FLOORED)
    status, out, err = _run(["summarize", str(path), "--format", "csv", "--strict"])
    assert status == 1 and ": error: conv1: " in err and "conv1" in out


def test_padding_only_and_stride_gap_floors_are_notes() -> None:
    # ResNet-50 at 224: conv1 7x7/2 pad 3 gives (224 + 6 - 7)/2 = 111.5; the remainder is a
    # padding column. The 1x1/2 shortcuts on 56 read rows 0, 2, ..., 54: row 55 is skipped as
    # every odd row is (gap s - f = 1), so nothing the stride would read is lost.
    text = (Path(__file__).parents[1] / "architectures" / "resnet50.yaml").read_text()
    report = analyze_text(text, "resnet50")
    assert report.warnings == []
    assert len(report.notes) == 8
    shortcut = [n.message for n in report.notes if "shortcut" in n.message]
    assert len(shortcut) == 3 and all("as between any two windows" in m for m in shortcut)
    assert all(n.level == "note" for n in report.notes)


def test_resnet50_passes_strict_at_its_own_input() -> None:
    status, _, err = _run(["summarize", "resnet50", "--strict", "--format", "json"])
    assert status == 0
    assert err.count(": note: ") == 8 and "warning" not in err and "error" not in err


def test_a_gap_wider_than_the_stride_skips_is_a_warning() -> None:
    # f=1 s=3 on 8: windows at 0, 3, 6; the gap is 2 rows; row 7 lost, which is within a gap
    inside = analyze_text("input: [8, 8, 1]\nlayers:\n  - conv: {filters: 1, f: 1, s: 3}\n", "g.yaml")
    assert inside.warnings == [] and len(inside.notes) == 1
    # f=2 s=3 on 10: windows at 0-1, 3-4, 6-7; span 8 = 2*3 + 2, rows 8, 9 unread: 2 > gap 1
    wide = analyze_text("input: [10, 10, 1]\nlayers:\n  - conv: {filters: 1, f: 2, s: 3}\n", "g.yaml")
    assert len(wide.warnings) == 1 and "2 input rows and columns never covered" in wide.warnings[0].message


def test_what_if_input_does_not_fail_the_files_expectations() -> None:
    status, out, err = _run(["summarize", "lenet5", "--input", "64x64x1", "--format", "json"])
    assert status == 0
    data = json.loads(out)
    assert {e["status"] for e in data["expectations"]} == {"skipped"}
    assert all(e["ok"] is None for e in data["expectations"])
    assert "not checked at this input (the file's input is 32x32x1)" in data["expectations"][0]["reason"]
    assert err.splitlines() == ["lenet5:6:3: note: the file's 2 expect entries are not checked at this input "
                                "(the file's input is 32x32x1)"]


def test_the_files_own_input_given_again_is_checked() -> None:
    status, out, _ = _run(["summarize", "lenet5", "--input", "32x32x1", "--format", "json"])
    assert status == 0 and {e["status"] for e in json.loads(out)["expectations"]} == {"ok"}


def test_symbolic_expectations_are_skipped_not_ok() -> None:
    status, out, err = _run(["summarize", "lenet5", "--input", "HxWx1", "--format", "json"])
    assert status == 0
    by_key = {e["key"]: e for e in json.loads(out)["expectations"]}
    assert by_key["params"]["status"] == "skipped" and by_key["params"]["ok"] is None
    assert "depends on the symbolic input sizes" in by_key["params"]["reason"]
    # [10] does not depend on H and W, but the file was written for 32x32x1: a what-if
    assert by_key["output"]["status"] == "skipped" and "at this input" in by_key["output"]["reason"]
    assert "note: expected network params 61,706 not checked" in err


def test_a_failed_expectation_is_still_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(FLOORED.replace("params: 20", "params: 21"))
    status, out, err = _run(["summarize", str(path), "--format", "json"])
    # 3*3*1*2 + 2 = 20 params
    assert status == 1 and "error: expected network params 21, found 20" in err
    assert json.loads(out)["expectations"][0]["status"] == "failed"
