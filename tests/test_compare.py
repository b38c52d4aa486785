"""`cnncalc compare`: totals side by side and the layers that differ, through the real CLI.

Expected numbers come from the bundled files' published totals and hand arithmetic.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from click.testing import CliRunner

from cnncalc.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["compare", *args])
    return result.exit_code, result.stdout, result.stderr


def test_dropping_fc7_from_alexnet_saves_about_16_million_params() -> None:
    code, out, err = run("alexnet", "alexnet_no_fc7", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    params = data["totals"]["params"]
    # torchvision's AlexNet: 61,100,840 (published); fc7 held 4096*4096 + 4096 = 16,781,312
    assert params["values"] == [61_100_840, 61_100_840 - 16_781_312]
    assert params["differences"] == [-16_781_312]
    assert abs(params["ratios"][0] - 44_319_528 / 61_100_840) < 1e-12
    # fc7's multiplications: 4096*4096 = 16,777,216
    assert data["totals"]["macs"]["differences"] == [-16_777_216]
    changed = {layer["name"]: layer for layer in data["layers"]}
    assert set(changed) == {"fc7", "drop7"}
    assert changed["fc7"]["rows"][1] is None and changed["fc7"]["differs_in"] == ["absent"]
    assert changed["fc7"]["rows"][0]["params"] == 16_781_312


def test_text_shows_difference_and_ratio() -> None:
    code, out, _ = run("alexnet", "alexnet_no_fc7")
    assert code == 0
    params = next(line for line in out.splitlines() if line.strip().startswith("params"))
    # 44,319,528 / 61,100,840 = 0.7254...
    assert params.split() == ["params", "61,100,840", "44,319,528", "-16,781,312", "0.725x"]
    assert "Layers that differ (matched by name; 12 others are the same)" in out
    fc7 = next(line for line in out.splitlines() if line.strip().startswith("fc7"))
    assert "4,096, 16,781,312 params, 16,777,216 MACs" in fc7 and "(absent)" in fc7


def test_naive_against_bottleneck_5x5() -> None:
    code, out, _ = run("naive_5x5", "bottleneck_5x5")
    assert code == 0
    macs = next(line for line in out.splitlines() if line.strip().startswith("MACs"))
    # 28*28*32*5*5*192 = 120,422,400 against 28*28*16*192 + 28*28*32*5*5*16 = 12,443,648;
    # 12,443,648 / 120,422,400 = 0.1033
    assert macs.split() == ["MACs", "120,422,400", "12,443,648", "-107,978,752", "0.103x"]


def test_layers_matched_by_name_show_what_differs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("input: [32, 32, 3]\nlayers:\n  - conv: {filters: 6, f: 5}\n  - pool: {f: 2}\n  - fc: 10\n")
    b.write_text("input: [32, 32, 3]\nlayers:\n  - conv: {filters: 8, f: 5}\n  - pool: {f: 2}\n  - fc: 10\n")
    code, out, _ = run(str(a), str(b), "--format", "json")
    data = json.loads(out)
    rows = {layer["name"]: layer for layer in data["layers"]}
    # conv1: (75+1)*6 = 456 vs (75+1)*8 = 608; fc1 reads 14*14*6 = 1,176 vs 14*14*8 = 1,568 values
    assert rows["conv1"]["differs_in"] == ["output", "params", "macs"]
    assert [r["params"] for r in rows["conv1"]["rows"]] == [456, 608]
    assert [r["params"] for r in rows["fc1"]["rows"]] == [1176 * 10 + 10, 1568 * 10 + 10]
    assert rows["pool1"]["differs_in"] == ["output"]
    assert data["same_layers"] == 0
    assert data["files"] == ["a", "b"]


def test_three_files_and_markdown() -> None:
    code, out, _ = run("lenet5", "lenet5_rgb", "popquiz", "--format", "markdown")
    assert code == 0
    header = out.splitlines()[2]
    assert header == (
        "|  | lenet5 | lenet5_rgb | popquiz | lenet5_rgb - lenet5 | lenet5_rgb / lenet5 "
        "| popquiz - lenet5 | popquiz / lenet5 |"
    )
    # RGB adds 5*5*2*6 = 300 weights to conv1: 61,706 + 300 = 62,006
    assert "| params | 61,706 | 62,006 | 15,971 | +300 |" in out


def test_identical_files() -> None:
    code, out, _ = run("lenet5", "lenet5")
    assert code == 0
    assert "Every layer is the same in all files (7 layers)" in out


def test_needs_two_files_and_usable_ones(tmp_path: Path) -> None:
    code, _, err = run("lenet5")
    assert code == 2 and "two or more files" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        textwrap.dedent("""\
        input: [8, 8, 1]
        layers:
          - conv: {filters: 1, f: 9}
    """)
    )
    code, _, err = run("lenet5", str(bad))
    assert code == 2 and err.startswith(f"{bad}:3:5: error: conv1: kernel of 9")


def test_two_file_totals_fit_in_80_columns() -> None:
    code, out, _ = run("alexnet", "alexnet_no_fc7")
    assert code == 0
    lines = out.split("\n\nLayers")[0].splitlines()
    assert lines[:3] == ["Comparing", "  alexnet         AlexNet (torchvision)",
                         "  alexnet_no_fc7  AlexNet (torchvision) without fc7"]
    assert "Totals (difference: alexnet_no_fc7 - alexnet; ratio: alexnet_no_fc7 / alexnet)" in lines
    assert all(len(line) <= 80 for line in lines)
    # fc7 is 4096 x 4096 weights + 4096 biases = 16,781,312 params, 4096 x 4096 = 16,777,216 MACs;
    # 697,411,264 / 714,188,480 = 0.9765; headers sit right-aligned over their numbers
    head = lines[lines.index("Totals (difference: alexnet_no_fc7 - alexnet; ratio: alexnet_no_fc7 / alexnet)") + 1]
    macs = next(line for line in lines if line.strip().startswith("MACs"))
    assert macs.split() == ["MACs", "714,188,480", "697,411,264", "-16,777,216", "0.977x"]
    for word, number in (("alexnet_no_fc7", "697,411,264"), ("difference", "-16,777,216"), ("ratio", "0.977x")):
        assert head.index(word) + len(word) == macs.index(number) + len(number)


def test_layers_too_wide_side_by_side_are_stacked() -> None:
    code, out, _ = run("naive_5x5", "bottleneck_5x5")
    assert code == 0
    layers = out.split("Layers that differ")[1].splitlines()[1:]
    # naive conv1: 5x5x192x32 + 32 = 153,632 params, 28*28*32 * 5*5*192 = 120,422,400 MACs;
    # bottleneck conv1: 192x16 + 16 = 3,088 params, 28*28*16 * 192 = 2,408,448 MACs;
    # bottleneck conv2: 5x5x16x32 + 32 = 12,832 params, 28*28*32 * 5*5*16 = 10,035,200 MACs
    assert layers == [
        "  conv1  (differs in: output, params, macs)",
        "    naive_5x5       28 x 28 x 32, 153,632 params, 120,422,400 MACs",
        "    bottleneck_5x5  28 x 28 x 16, 3,088 params, 2,408,448 MACs",
        "  conv2  (differs in: absent)",
        "    naive_5x5       (absent)",
        "    bottleneck_5x5  28 x 28 x 32, 12,832 params, 10,035,200 MACs",
    ]
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "Totals\n  (difference: bottleneck_5x5 - naive_5x5; ratio: bottleneck_5x5 / naive_5x5)\n" in out
