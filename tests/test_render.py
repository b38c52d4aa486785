"""cnncalc.render: the table, JSON, CSV and markdown renderers on known reports."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

from rich.console import Console

from cnncalc.analysis import analyze_text
from cnncalc.cli import read_source
from cnncalc.render import csv_out, json_out, markdown, table
from cnncalc.render.values import count, human_bytes, json_number, pair, shape
from cnncalc.report import Report, fold

LENET = read_source("lenet5")[0]
BRANCHY = """
name: Branchy
input: [8, 8, 4]
layers:
  - residual: {main: [conv: {filters: 4, f: 3, padding: same}], activation: relu}
  - conv: {filters: 2, f: 3, s: 2}
"""


def lenet() -> Report:
    return analyze_text(LENET, "lenet5")


def text_table(report: Report, depth: int | None = None) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    table.render([(report, fold(report, depth))], console)
    return console.export_text()


def test_values() -> None:
    assert count(61706) == "61,706"
    assert count(1_814_073_344) == "1,814,073,344"
    assert shape((28, 28, 6)) == "28 x 28 x 6"
    assert shape((1000,)) == "1,000"
    assert json_number(Fraction(1, 2)) == 0.5 and json_number(Fraction(4, 2)) == 2
    assert pair((5, 5)) == "5" and pair((3, 5)) == "3x5" and pair(None) == "-"
    # a deconv or upsample makes jump fractional: 2 / 3 is shown exactly (str(Fraction) gives 2/3)
    assert pair((Fraction(2, 3), Fraction(1, 2))) == "2/3x1/2" and pair((Fraction(4, 2), 2)) == "2"
    assert human_bytes(246_824) == "241.04 KiB"  # 246,824 / 1024 = 241.039
    assert human_bytes(100) == "100 B"


def test_table_rows_read_like_the_course() -> None:
    out = text_table(lenet())
    lines = out.splitlines()
    conv1 = next(line for line in lines if line.strip().startswith("conv1"))
    assert conv1.split() == ["conv1", "conv", "28", "x", "28", "x", "6", "4,704", "156", "117,600"]
    fc1 = next(line for line in lines if line.strip().startswith("fc1"))
    assert fc1.split() == ["fc1", "fc", "120", "120", "48,120", "48,000"]
    assert "From" not in out  # a chain has no 'from' column


def test_table_footer() -> None:
    out = text_table(lenet())
    footer = {
        line.split(":")[0].strip(): line.split(":")[1].strip() for line in out.splitlines() if ":" in line
    }
    assert footer["Total params"] == "61,706"
    assert footer["Trainable params"] == "61,706"
    assert footer["Non-trainable params"] == "0"
    assert footer["MACs (multiplications)"] == "416,520"
    assert footer["FLOPs (2 x MACs)"] == "833,040"
    assert footer["Activations (values output)"] == "8,094"
    assert footer["Parameter bytes (float32)"] == "246,824 (241.04 KiB)"


def test_table_from_column_when_the_network_branches() -> None:
    out = text_table(analyze_text(BRANCHY, "b.yaml"))
    assert "From" in out
    add = next(line for line in out.splitlines() if line.strip().startswith("residual1.add"))
    assert add.rstrip().endswith("residual1.main.conv1, input")


def test_table_leaves_warnings_to_stderr() -> None:
    report = analyze_text(BRANCHY, "b.yaml")
    # conv f3 s2 on 8: (8 - 3)/2 = 2.5, the last row read by no window (f = 3 > s = 2: no gap)
    assert [str(w) for w in report.warnings] == [
        "b.yaml:6:5: warning: conv1: n_H and n_W: 5/2 = 2.5 floored to 2, 1 input row and column never covered"
    ]
    assert "warning" not in text_table(report)


def test_table_depth_folds() -> None:
    out = text_table(analyze_text(BRANCHY, "b.yaml"), depth=1)
    assert "residual1.main" not in out
    line = next(line for line in out.splitlines() if line.strip().startswith("residual1"))
    # folded: conv 3*3*4*4 + 4 = 148 params, MACs 8*8*4*36 = 9,216
    assert line.split()[:2] == ["residual1", "residual"] and "148" in line.split() and "9,216" in line.split()


def test_json_layer_and_totals() -> None:
    data = json.loads(json_out.render([(lenet(), lenet().rows)]))
    assert data["layers"][2] == {
        "name": "conv2",
        "type": "conv",
        "from": ["pool1"],
        "output": [10, 10, 16],
        "activations": 1600,
        "params": 2416,
        "trainable": 2416,
        "buffers": 0,
        "macs": 240_000,
        "rf": [14, 14],
        "jump": [2, 2],
        # 5 x 5 x 6 x 16 = 2,400 weights and 16 biases
        "weights": 2400,
        "biases": 16,
        "tensors": [{"name": "kernel", "role": "weights", "shape": [5, 5, 6, 16], "count": 2400},
                    {"name": "bias", "role": "biases", "shape": [16], "count": 16}],
    }
    assert data["layers"][4]["rf"] is None and data["layers"][4]["jump"] is None


def test_json_fractional_jump_is_a_number() -> None:
    r = analyze_text("input: [4, 4, 1]\nlayers: [upsample: 2]\n", "u.yaml")
    assert json_out.report_dict(r, r.rows)["layers"][0]["jump"] == [0.5, 0.5]


def test_csv() -> None:
    rows = list(csv.reader(io.StringIO(csv_out.render([(lenet(), lenet().rows)]))))
    assert rows[0] == [
        "name",
        "type",
        "from",
        "output",
        "activations",
        "params",
        "trainable",
        "buffers",
        "macs",
        "rf",
        "jump",
    ]
    assert rows[1] == ["conv1", "conv", "input", "28x28x6", "4704", "156", "156", "0", "117600", "5", "1"]
    assert rows[5] == ["fc1", "fc", "pool2", "120", "120", "48120", "48120", "0", "48000", "", ""]
    assert sum(int(r[5]) for r in rows[1:]) == 61_706


def test_csv_several_files_have_a_file_column() -> None:
    r = lenet()
    rows = list(csv.reader(io.StringIO(csv_out.render([(r, r.rows), (r, r.rows)]))))
    assert rows[0][0] == "file" and rows[1][0] == "lenet5" and len(rows) == 1 + 14


def test_markdown() -> None:
    out = markdown.render([(lenet(), lenet().rows)])
    lines = out.splitlines()
    assert lines[0] == "### LeNet-5 (slightly modified) (input 32 x 32 x 1)"
    assert "| `conv1` | conv | 28 x 28 x 6 | 4,704 | 156 | 117,600 |" in lines
    assert "- Total params: **61,706**" in lines


def test_a_narrow_terminal_never_cuts_numbers() -> None:
    report = analyze_text(read_source("alexnet")[0], "alexnet")
    console = Console(width=50, record=True, file=io.StringIO())
    table.render([(report, report.rows)], console)
    out = console.export_text()
    # AlexNet conv1: 64 filters of 11x11x3 -> 11*11*3*64 + 64 = 23,296 params, 55*55*64*363 = 70,276,800 MACs,
    # compacted to three significant digits to fit 50 columns, never cut
    conv1 = next(line for line in out.splitlines() if line.strip().startswith("conv1"))
    assert conv1.split()[-2:] == ["23.3K", "70.3M"]
    assert "61,100,840" in out  # the footer keeps every digit
    assert max(len(line) for line in out.splitlines()) <= 50


def test_symbolic_shapes_put_sums_in_parentheses() -> None:
    # lenet5 at H x W x 1: conv1 5x5 valid -> H - 5 + 1 = H - 4; pool1 2/2 -> floor((H - 4)/2) =
    # floor(H/2) - 2.  "H - 4 x W - 4 x 6" would read as H - (4 x W) - ..., so a sum is bracketed
    # (as explain and validate write it); a lone symbol or floor() is not.
    report = analyze_text(LENET, "lenet5", {}, "HxWx1")
    assert shape(report.rows[0].output) == "(H - 4) x (W - 4) x 6"
    assert shape(report.rows[1].output) == "(floor(H/2) - 2) x (floor(W/2) - 2) x 6"
    assert shape(report.input) == "H x W x 1"
    rows = list(csv.reader(io.StringIO(csv_out.render([(report, report.rows)]))))
    assert rows[1][3] == "(H - 4) x (W - 4) x 6"
    conv1 = next(line for line in text_table(report).splitlines() if line.strip().startswith("conv1"))
    assert "(H - 4) x (W - 4) x 6" in conv1


def test_markdown_escapes_the_stars_of_symbolic_products() -> None:
    # conv1 on H x W x 1: 6 channels of (H - 4)(W - 4), MACs 5*5*1*6 = 150 per position.  Left
    # as is, GitHub reads "*(W - 4) + 1920*" in the totals as emphasis; escaped, it is literal.
    report = analyze_text(LENET, "lenet5", {}, "HxWx1")
    out = markdown.render([(report, report.rows)])
    assert "| `conv1` | conv | (H - 4) x (W - 4) x 6 | 6\\*(H - 4)\\*(W - 4) | 156 | 150\\*(H - 4)\\*(W - 4) |" in out
    assert "- Total params: **1920\\*(floor(H/4) - 3)\\*(floor(W/4) - 3) + 13706**" in out
    assert "*" not in out.replace("\\*", "").replace("**", "")  # only escaped stars and bold marks
