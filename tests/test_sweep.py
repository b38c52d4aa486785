"""`summarize FILE --input A --input B ...`: sizes side by side (cnncalc/render/sweep.py)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

SIZES = ["--input", "224x224x3", "--input", "320x320x3"]


def run(*args: str):
    return CliRunner().invoke(main, ["summarize", *args])


def sweep_json(*args: str) -> dict:
    out = run(*args, "--format", "json")
    # 1: a bundled file's `expect` (its published totals at 224) fails at other sizes
    assert out.exit_code in (0, 1), out.output
    return json.loads(out.stdout)["sweep"]


def layer(sweep: dict, name: str) -> dict:
    return next(x for x in sweep["layers"] if x["name"] == name)


@pytest.mark.parametrize(("name", "macs"), [
    # conv1: n_H n_W filters f f C_in = 224*224*64*3*3*3 vs 320*320*64*27
    ("stage1.conv1", [224 * 224 * 64 * 27, 320 * 320 * 64 * 27]),
    # conv2: 64 -> 64 channels, 3x3: 224*224*64*576 = 1,849,688,064; 320*320*64*576 = 3,774,873,600
    ("stage1.conv2", [1_849_688_064, 3_774_873_600]),
    # fc6 reads the 7x7x512 of the adaptive pool at every size: 7*7*512*4096
    ("fc6", [102_760_448, 102_760_448]),
])
def test_vgg16_macs_per_size(name: str, macs: list[int]) -> None:
    assert layer(sweep_json("vgg16", *SIZES), name)["macs"] == macs


def test_vgg16_conv1_numbers_from_the_brief() -> None:
    assert 224 * 224 * 64 * 27 == 86_704_128 and 320 * 320 * 64 * 27 == 176_947_200


def test_vgg16_shapes_and_totals() -> None:
    s = sweep_json("vgg16", *SIZES)
    assert s["inputs"] == [[224, 224, 3], [320, 320, 3]]
    # 224 / 32 = 7 and 320 / 32 = 10 after five 2x2 pools
    assert layer(s, "stage5.pool1")["output"] == [[7, 7, 512], [10, 10, 512]]
    a, b = s["totals"]
    # torchvision: VGG16_Weights.IMAGENET1K_V1 num_params 138,357,544, at any size (adaptive pool)
    assert a["params"] == b["params"] == 138_357_544
    # every conv map grows by (320/224)^2 = 100/49; the fc layers do not:
    # fc6 + fc7 + fc8 = 7*7*512*4096 + 4096*4096 + 4096*1000 = 123,633,664
    fc = 102_760_448 + 16_777_216 + 4_096_000
    assert Fraction(b["macs"] - fc, a["macs"] - fc) == Fraction(100, 49)
    assert b["flops"] == 2 * b["macs"]


def test_fc_params_follow_the_input_size() -> None:
    # LeNet-5 at 32x32: fc1 reads 5*5*16 = 400 -> 400*120 + 120 = 48,120 params.
    # At 36x36: conv1 32, pool 16, conv2 12, pool 6: 6*6*16 = 576 -> 576*120 + 120 = 69,240.
    s = sweep_json("lenet5", "--input", "32x32x1", "--input", "36x36x1")
    fc1 = s["layers"][4]
    assert fc1["type"] == "fc" and fc1["params"] == [48_120, 69_240]


def test_single_input_is_the_usual_report() -> None:
    out = run("vgg16", "--input", "320x320x3", "--format", "json")
    data = json.loads(out.stdout)
    assert "sweep" not in data and data["input"] == [320, 320, 3]
    assert data["layers"][0]["macs"] == 176_947_200


def test_table_puts_sizes_side_by_side() -> None:
    # stage1.conv1: 224*224*64*27 = 86,704,128 and 320*320*64*27 = 176,947,200 MACs
    out = run("vgg16", *SIZES, "--wide")
    assert out.exit_code in (0, 1), out.output
    assert "MACs @224" in out.stdout and "MACs @320" in out.stdout  # square sizes: the title has them whole
    assert "(inputs 224x224x3, 320x320x3)" in out.stdout
    line = next(x for x in out.stdout.splitlines() if "stage1.conv1" in x)
    assert "86,704,128" in line and "176,947,200" in line
    narrow = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["summarize", "vgg16", *SIZES]).stdout
    line = next(x for x in narrow.splitlines() if "stage1.conv1" in x)
    assert line.split()[-2:] == ["86.7M", "177M"]  # compacted to fit 80 columns
    assert max(len(x) for x in narrow.splitlines()) <= 80


def test_markdown_and_csv() -> None:
    md = run("lenet5", "--input", "32x32x1", "--input", "64x64x1", "--format", "markdown").stdout
    # conv1 at 64: 60*60*6*25 = 540,000; at 32: 28*28*6*25 = 117,600
    row = next(x for x in md.splitlines() if x.startswith("| `conv1`"))
    assert "117,600" in row and "540,000" in row
    csv_text = run("lenet5", "--input", "32x32x1", "--input", "64x64x1", "--format", "csv").stdout
    lines = csv_text.splitlines()
    assert lines[0].startswith("input,name")
    assert len(lines) == 1 + 2 * 7  # lenet5 has 7 rows, at two sizes
    assert "64x64x1,conv1,conv,60x60x6,21600,156,540000" in lines


def test_too_small_a_size_is_a_located_error() -> None:
    # 16 -> 8 -> 4 -> 2 -> 1 and the fifth 2x2 pool no longer fits: exit 2, the error on stderr
    out = run("vgg16", "--input", "224x224x3", "--input", "16x16x3", "--format", "json")
    assert out.exit_code == 2
    assert "error:" in out.stderr and "stage5.pool1" in out.stderr


def test_several_files_give_one_sweep_each() -> None:
    out = run("lenet5", "lenet5_rgb", "--input", "32x32x3", "--input", "36x36x3", "--format", "json")
    data = json.loads(out.stdout)
    assert isinstance(data, list) and len(data) == 2
    assert all(len(d["sweep"]["totals"]) == 2 for d in data)


def test_json_sweep_names_the_size_of_each_unchecked_expectation() -> None:
    # vgg16's expect (stage1 output 112x112x64) was written for 224, its own input: checked
    # there (and it holds); at 320 it is not checked, and the line says at which --input
    out = run("vgg16", "--input", "224x224x3", "--input", "320x320x3", "--format", "json")
    assert out.exit_code == 0
    lines = [ln for ln in out.stderr.splitlines() if "not checked" in ln]
    assert len(lines) == 1 and lines[0].endswith("expect entries are not checked at this input "
                                                 "(the file's input is 224x224x3)  (input 320x320x3)")
