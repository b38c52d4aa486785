"""The command line, driven in-process with click's CliRunner: summarize and list."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cnncalc.cli import main

# SPEC §3, the example for lenet5 (its conv1 row and its totals), every key and value
SPEC_CONV1 = {
    "name": "conv1",
    "type": "conv",
    "from": ["input"],
    "output": [28, 28, 6],
    "activations": 4704,
    "params": 156,
    "trainable": 156,
    "buffers": 0,
    "macs": 117600,
    "rf": [5, 5],
    "jump": [1, 1],
}
SPEC_TOTALS = {
    "params": 61706,
    "trainable": 61706,
    "buffers": 0,
    "macs": 416520,
    "flops": 833040,
    "activations": 8094,
    "param_bytes": 246824,
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_summarize_json_is_spec_3() -> None:
    result = run("summarize", "lenet5", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "LeNet-5 (slightly modified)"
    assert data["input"] == [32, 32, 1]
    assert data["output"] == [10]
    # SPEC §3's fields, and the per-tensor split the course's views read (issue 14 item 1)
    assert {k: data["layers"][0][k] for k in SPEC_CONV1} == SPEC_CONV1
    assert (data["layers"][0]["weights"], data["layers"][0]["biases"]) == (150, 6)
    assert data["totals"] == SPEC_TOTALS
    assert data["warnings"] == []
    assert [layer["name"] for layer in data["layers"]] == [
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "fc1",
        "fc2",
        "fc3",
    ]
    assert [layer["output"] for layer in data["layers"]] == [
        [28, 28, 6],
        [14, 14, 6],
        [10, 10, 16],
        [5, 5, 16],
        [120],
        [84],
        [10],
    ]
    assert [layer["params"] for layer in data["layers"]] == [156, 0, 2416, 0, 48120, 10164, 850]


def test_summarize_table() -> None:
    result = run("summarize", "lenet5")
    assert result.exit_code == 0
    assert "LeNet-5 (slightly modified)" in result.stdout
    assert "61,706" in result.stdout and "416,520" in result.stdout and "246,824" in result.stdout


def test_summarize_csv() -> None:
    result = run("summarize", "lenet5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["activations"] for r in rows] == ["4704", "1176", "1600", "400", "120", "84", "10"]


def test_summarize_markdown() -> None:
    result = run("summarize", "lenet5", "--format", "markdown")
    assert "| `fc3` | fc | 10 | 10 | 850 | 840 |" in result.stdout.splitlines()


def test_input_override() -> None:
    # 28x28x1: conv1 (28 - 5) + 1 = 24; pool 12; conv2 8; pool 4: fc1 4*4*16*120 + 120 = 30,840
    result = run("summarize", "lenet5", "--format", "json", "--input", "28x28x1")
    data = json.loads(result.stdout)
    assert data["input"] == [28, 28, 1]
    assert data["layers"][0]["output"] == [24, 24, 6]
    assert data["layers"][4]["params"] == 30840
    # the file's `expect: params: 61706` was written for 32x32x1: a what-if is not a failure
    assert result.exit_code == 0
    assert ("lenet5:6:3: note: the file's 2 expect entries are not checked at this input "
            "(the file's input is 32x32x1)") in result.stderr
    assert [e["status"] for e in data["expectations"]] == ["skipped", "skipped"]


def test_set_overrides_a_var(tmp_path: Path) -> None:
    path = write(
        tmp_path, "w.yaml", "vars: {width: 4}\ninput: [8, 8, 3]\nlayers: [conv: {filters: $width, f: 1}]\n"
    )
    data = json.loads(run("summarize", path, "--format", "json", "--set", "width=10").stdout)
    assert data["layers"][0]["output"] == [8, 8, 10]
    assert data["layers"][0]["params"] == 40  # 1*1*3*10 + 10


def test_set_needs_name_value() -> None:
    result = run("summarize", "lenet5", "--set", "width")
    assert result.exit_code == 2
    assert "'width' is not NAME=VALUE" in result.stderr


RESNETISH = """\
input: [8, 8, 4]
blocks:
  unit:
    layers: [residual: {main: [conv: {filters: 4, f: 3, padding: same}, bn]}]
layers:
  - unit
  - unit
  - gap
"""


def test_depth_folds_and_keeps_totals(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", RESNETISH)
    full = json.loads(run("summarize", path, "--format", "json").stdout)
    folded = json.loads(run("summarize", path, "--format", "json", "--depth", "1").stdout)
    assert [layer["name"] for layer in folded["layers"]] == ["unit1", "unit2", "gap1"]
    assert folded["totals"] == full["totals"]
    # unit: conv 3*3*4*4 + 4 = 148, bn 8: 156 each
    assert [layer["params"] for layer in folded["layers"]] == [156, 156, 0]
    assert folded["layers"][1]["from"] == ["unit1"]


def test_depth_must_be_positive() -> None:
    assert run("summarize", "lenet5", "--depth", "0").exit_code == 2


FLOORED = "input: [8, 8, 1]\nlayers:\n  - conv: {filters: 1, f: 3, s: 2}\n"


def test_strict_turns_a_floor_warning_into_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", FLOORED)
    assert run("summarize", path, "--format", "json").exit_code == 0
    result = run("summarize", path, "--format", "json", "--strict")
    assert result.exit_code == 1
    # (8 - 3)/2 = 2.5; under --strict the warning is an error, and says so (as validate does)
    line = (
        f"{path}:3:5: error: conv1: n_H and n_W: 5/2 = 2.5 floored to 2, "
        "1 input row and column never covered"
    )
    assert line in result.stderr.splitlines()
    assert json.loads(result.stdout)["warnings"][0]["layer"] == "conv1"


def test_strict_table_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", FLOORED)
    lenient = run("summarize", path)
    assert lenient.exit_code == 0
    assert f"{path}:3:5: warning: conv1: n_H and n_W: 5/2 = 2.5" in lenient.output
    strict = run("summarize", path, "--strict")
    assert strict.exit_code == 1
    assert f"{path}:3:5: error: conv1: n_H and n_W: 5/2 = 2.5" in strict.output


def test_several_files_give_a_json_array(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", FLOORED)
    data = json.loads(run("summarize", "lenet5", path, "--format", "json").stdout)
    assert isinstance(data, list) and [d["totals"]["params"] for d in data] == [61706, 10]  # 3*3*1 + 1


def test_a_bad_file_among_several_exits_2_and_still_prints_the_good(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", "input: [8, 8, 1]\nlayers: [conv: {filters: 1}]\n")
    result = run("summarize", "lenet5", bad, "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["totals"]["params"] == 61706
    assert result.stderr.splitlines() == [f"{bad}:2:10: error: conv needs 'f' (filter size f or [f_h, f_w])"]


def test_unknown_file() -> None:
    result = run("summarize", "lenet")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "lenet:1:1: error: no such file or bundled architecture (did you mean 'lenet5'?); "
        "`cnncalc list` shows them"
    ]


def test_directory_is_refused(tmp_path: Path) -> None:
    result = run("summarize", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_list_names_the_bundled_architectures() -> None:
    result = run("list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert "lenet5" in names and "lenet5_rgb" in names and "popquiz" in names
    lenet = next(line for line in result.stdout.splitlines() if line.startswith("  lenet5 "))
    assert "61,706 params" in lenet


def test_list_json() -> None:
    listed = json.loads(run("list", "--format", "json").stdout)
    assert listed["kind"] == "catalogue" and listed["schema_version"] == 2
    items = {i["name"]: i for i in listed["networks"]}
    assert items["lenet5"]["params"] == 61706 and items["lenet5"]["input"] == [32, 32, 1]


@pytest.mark.parametrize("name", ["lenet5", "lenet5_rgb", "popquiz"])
def test_bundled_names_work_where_a_file_is_taken(name: str) -> None:
    assert run("summarize", name, "--format", "json").exit_code in (0, 1)  # 1 only for expectations


def test_bundled_names_work_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert json.loads(run("summarize", "lenet5", "--format", "json").stdout)["totals"]["params"] == 61706


def test_a_file_path_wins_over_a_bundled_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("lenet5").write_text("input: [4]\nlayers: [fc: 2]\n")
    assert json.loads(run("summarize", "lenet5", "--format", "json").stdout)["totals"]["params"] == 10


def test_no_traceback_on_errors(tmp_path: Path) -> None:
    result = run(
        "summarize", write(tmp_path, "x.yaml", "input: [8, 8, 1]\nlayers: [conv: {filters: 1, f: 9}]\n")
    )
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("32x32", "'input' must be [n_H, n_W, n_C] (or [units]), such as [32, 32, 1] or 32x32x1"),
        ("0x32x1", "input size 0 must be a positive integer (at most 10^9)"),
    ],
)
def test_bad_input_option_blames_the_option(size: str, message: str) -> None:
    result = run("summarize", "lenet5", "--input", size)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: --input '{size}': {message}"]
