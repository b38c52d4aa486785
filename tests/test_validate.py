"""`cnncalc validate` (cnncalc/validate.py and render/validate_out.py) through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main
from cnncalc.validate import validate_text

POSITIVE = Path(__file__).parent / "positive"
INVALID = Path(__file__).parent / "invalid"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# A tiny network whose numbers are worked by hand: conv 3x3, 3 -> 8 channels on 10x10x3:
# output 10 - 3 + 1 = 8 -> 8x8x8; params 3*3*3*8 + 8 = 224; MACs 8*8*8 * 3*3*3 = 13,824.
NET = "input: [10, 10, 3]\nlayers:\n  - conv: {{filters: 8, f: 3}}\nexpect:\n  {expect}\n"


# ---- positive files ---------------------------------------------------------------------------


def test_positive_folder_passes() -> None:
    status, out = run(str(POSITIVE))
    assert status == 0
    assert out.splitlines()[-1] == "3 files checked, 0 failed"
    assert " error: " not in out


def test_positive_json_counts_the_checks() -> None:
    status, out = run(str(POSITIVE), "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["exit_code"] == 0 and data["checked"] == 3 and data["failed"] == 0
    files = {Path(f["file"]).name: f for f in data["files"]}
    # lenet5_budget: 2 + 1 per-layer keys, 3 top-level keys
    assert files["lenet5_budget.yaml"]["expectations"] == 6
    # LeNet-5: 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 (the published total)
    assert files["lenet5_budget.yaml"]["totals"]["params"] == 61706
    # blocks_and_vars: per unit 2 x (3*3*8*8 = 576) + 2 x (2*8 = 16) = 1,184; two units and
    # an fc of 8*10 + 10 = 90: 2,458. Buffers: 4 bn x 2*8 = 64.
    assert files["blocks_and_vars.yaml"]["totals"]["params"] == 2458
    assert files["blocks_and_vars.yaml"]["totals"]["buffers"] == 64
    assert files["blocks_and_vars.yaml"]["expectations"] == 2 + 1 + 4  # two copies of the unit's
    assert all(f["status"] == "ok" and f["exit_code"] == 0 for f in data["files"])


def test_warnings_are_shown_and_fail_only_under_strict() -> None:
    # popquiz: (600 - 3)/2 = 298.5 is floored
    status, out = run(str(POSITIVE / "popquiz_exact.yaml"))
    assert status == 0
    assert "popquiz_exact.yaml:4:5: warning: conv1: n_H and n_W: 597/2 = 298.5 floored to 298" in out
    status, out = run(str(POSITIVE / "popquiz_exact.yaml"), "--strict")
    assert status == 1
    assert "popquiz_exact.yaml:4:5: error: conv1: n_H and n_W: 597/2" in out
    assert out.splitlines()[-1] == "1 file checked, 1 failed"


def test_symbolic_expectations_are_not_silently_passed(tmp_path: Path) -> None:
    # conv 3x3, 3 -> 4 on H x W x 3: (H - 2) x (W - 2) x 4; params 3*3*3*4 + 4 = 112 (no symbol);
    # MACs (H - 2)(W - 2) * 4 * 3*3*3 = 108 (H - 2)(W - 2); at 32x32: 108 * 30 * 30 = 97,200
    text = (
        "input: [H, W, 3]\nlayers:\n  - conv: {filters: 4, f: 3, expect: {output: 30x30x4, params: 112}}\n"
        "expect:\n  macs: {max: 1M}\n"
    )
    path = write(tmp_path, "sym.yaml", text)
    status, out = run(str(path))
    assert status == 0
    assert out.splitlines() == [
        f"{path}:3:39: warning: expected conv1 output 30x30x4 not checked: it is (H - 2) x (W - 2) x 4, "
        "which depends on the symbolic sizes (give them with --input or --set)",
        f"{path}:5:3: warning: expected network macs at most 1,000,000 not checked: it is 108*(H - 2)*(W - 2), "
        "which depends on the symbolic sizes (give them with --input or --set)",
        "1 file checked, 0 failed",
    ]
    assert run(str(path), "--strict")[0] == 1
    assert run(str(path), "--input", "32x32x3") == (0, "1 file checked, 0 failed\n")


def test_bundled_name_is_accepted() -> None:
    status, out = run("lenet5")
    assert status == 0
    assert out == "1 file checked, 0 failed\n"


# ---- budgets and exact values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "status"),
    [
        ("params: 224", 0),
        ("params: 225", 1),
        ("params: {max: 224}", 0),
        ("params: {max: 223}", 1),
        ("params: {min: 224}", 0),
        ("params: {min: 225}", 1),
        ("params: {min: 0.2K, max: 0.3K}", 0),  # 200 <= 224 <= 300
        ("macs: {max: 13.824K}", 0),
        ("macs: {max: 13.823K}", 1),
        ("macs: {min: 1M}", 1),
        ("macs: {max: 1G}", 0),
        ("macs: 13_824", 0),
        ('macs: "13,824"', 0),
        ("output: 8x8x8", 0),
        ("output: [8, 8, 8]", 0),
        ("output: [8, 8, 9]", 1),
        ("activations: 512", 0),  # 8*8*8
        ("buffers: {max: 0}", 0),
        ("trainable: 224", 0),
    ],
)
def test_top_level_budgets(expect: str, status: int, tmp_path: Path) -> None:
    path = write(tmp_path, "net.yaml", NET.format(expect=expect))
    assert run(str(path))[0] == status


def test_failed_budget_names_expected_found_and_line(tmp_path: Path) -> None:
    text = NET.format(expect="params: {max: 5M}\n  macs: {min: 1K, max: 10K}\n  output: 9x9x8")
    path = write(tmp_path, "net.yaml", text)
    status, out = run(str(path))
    assert status == 1
    assert out.splitlines() == [
        f"{path}:6:3: error: expected network macs at least 1,000 and at most 10,000, found 13,824",
        f"{path}:7:3: error: expected network output 9x9x8, found 8x8x8",
        "1 file checked, 1 failed",
    ]


def test_per_layer_and_per_composite_expectations(tmp_path: Path) -> None:
    # residual main: conv 3x3, 4 -> 4, same: 3*3*4*4 + 4 = 148 params; the add keeps 8x8x4
    text = (
        "input: [8, 8, 4]\n"
        "layers:\n"
        "  - residual:\n"
        "      main:\n"
        "        - conv: {filters: 4, f: 3, padding: same, expect: {params: {max: 100}}}\n"
        "      expect: {params: 148, output: 8x8x4, macs: {max: 1K}}\n"
    )
    path = write(tmp_path, "res.yaml", text)
    status, out = run(str(path))
    assert status == 1
    # MACs: 8*8*4 outputs x 3*3*4 = 9,216
    assert out.splitlines() == [
        f"{path}:5:60: error: expected residual1.main.conv1 params at most 100, found 148",
        f"{path}:6:44: error: expected residual1 macs at most 1,000, found 9,216",
        "1 file checked, 1 failed",
    ]


def test_expectation_on_a_block_use(tmp_path: Path) -> None:
    text = (
        "input: [8, 8, 4]\n"
        "blocks:\n"
        "  pair:\n"
        "    layers: [conv: {filters: 4, f: 1}, conv: {filters: 4, f: 1}]\n"
        "layers:\n"
        "  - pair: {expect: {params: 40}}\n"  # two 1x1 convs 4 -> 4: 2 x (4*4 + 4) = 40
    )
    assert run(str(write(tmp_path, "b.yaml", text)))[0] == 0
    assert run(str(write(tmp_path, "c.yaml", text.replace("40", "41"))))[0] == 1


# ---- every problem, not only the first ---------------------------------------------------------------


def messages(text: str) -> list[str]:
    return [f"{p.loc.line}:{p.loc.col}: {p.message}" for p in validate_text(text, "f.yaml").problems]


def test_all_unknown_keys_across_layers_and_blocks() -> None:
    text = (
        "input: [8, 8, 3]\n"
        "blocks:\n"
        "  b:\n"
        "    layers:\n"
        "      - conv: {filters: 4, f: 3, strid: 2}\n"
        "layers:\n"
        "  - b\n"
        "  - pool: {f: 2, sise: 2}\n"
        "  - fc: {units: 0}\n"
        "colour: red\n"
    )
    assert messages(text) == [
        # met in the block's body: the use it came from is named too (issue 16)
        "5:34: b1 (block b at line 7): unknown key 'strid' for conv (valid keys: filters, f, s, padding, dilation, "
        "groups, bias, activation, name, from, repeat, trainable, expect, shares)",
        "8:18: unknown key 'sise' for pool (valid keys: mode, f, s, padding, ceil, name, from, repeat, "
        "trainable, expect, shares)",
        "9:17: fc 'units': expected a positive integer, got 0",
        "10:1: unknown key 'colour'",
    ]


def test_a_shape_error_is_reported_once_with_the_value_errors() -> None:
    text = (
        "input: [4, 4, 3]\n"
        "layers:\n"
        "  - conv: {filters: 4, f: 7}\n"  # 4 - 7 + 1 < 1: a shape error, stops the shapes
        "  - conv: {filters: 4, f: 1, padding: sam}\n"  # independent: still reported
    )
    assert messages(text) == [
        "3:5: conv1: kernel of 7 (f=7, dilation=1) is larger than the padded input n_H = 4 + 0 = 4 "
        "(input 4 x 4 x 3)",
        "4:39: conv 'padding': expected 'valid', 'same', an integer or a list, got 'sam'",
    ]


def test_every_bad_repeat_name_and_trainable() -> None:
    text = (
        "input: [8, 8, 3]\n"
        "layers:\n"
        "  - relu: {repeat: -2}\n"
        "  - relu: {name: a.b}\n"
        "  - relu: {trainable: maybe}\n"
        "  - relu: {repeat: $nope}\n"
        "  - conv: {filters: 2, f: 3, repeat: -1, name: ok}\n"
    )
    assert messages(text) == [
        "3:20: 'repeat' must be 0 (no copies) or a positive integer, got -2",
        "4:18: 'name' must be a word without dots (and not 'input'), got 'a.b'",
        "5:23: 'trainable' must be true or false, got 'maybe'",
        "6:20: unknown name 'nope'",
        "7:38: 'repeat' must be 0 (no copies) or a positive integer, got -1",
    ]


def test_symbolic_file_with_a_known_mistake_skips_the_slow_shapes() -> None:
    import time

    text = "input: [H, W, 3]\nlayers:\n  - conv: {filters: 4, f: 3, s: 2, padding: same, repeat: 40}\n  - bogus\n"
    start = time.perf_counter()
    assert messages(text) == ["4:5: unknown layer type 'bogus'"]
    assert time.perf_counter() - start < 1.0  # 40 symbolic 'same' convs alone take seconds


def test_bad_expectations_are_all_reported_and_good_ones_still_checked() -> None:
    text = NET.format(expect="parms: 1\n  macs: {most: 1}\n  params: 1")
    assert messages(text) == [
        "5:3: unknown expectation 'parms' (did you mean 'params'?)",
        "6:10: a budget takes 'min' and 'max', not 'most'",
        "7:3: expected network params 1, found 224",
    ]


# ---- paths ----------------------------------------------------------------------------------------------


def test_folders_are_searched_recursively_for_yaml_and_yml(tmp_path: Path) -> None:
    good = NET.format(expect="params: 224")
    write(tmp_path, "a.yaml", good)
    write(tmp_path, "sub/deeper/b.yml", good)
    write(tmp_path, "notes.txt", "not yaml")
    write(tmp_path, ".github/workflows/ci.yml", "on: push\n")  # hidden folders are skipped
    status, out = run(str(tmp_path))
    assert (status, out) == (0, "2 files checked, 0 failed\n")


def test_globs_and_duplicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "nets/a.yaml", NET.format(expect="params: 224"))
    write(tmp_path, "nets/b.yaml", NET.format(expect="params: 1"))
    monkeypatch.chdir(tmp_path)
    status, out = run("nets/*.yaml", "nets/a.yaml", "nets")
    assert status == 1
    assert out.splitlines() == [
        "nets/b.yaml:5:3: error: expected network params 1, found 224",
        "2 files checked, 1 failed",
    ]
    status, out = run("nets/**/*.yaml")
    assert out.splitlines()[-1] == "2 files checked, 1 failed"


@pytest.mark.parametrize(
    ("arg", "line"),
    [
        ("missing.yaml",
         "missing.yaml:1:1: error: no such file or bundled architecture; `cnncalc list` shows them"),
        ("none*.yaml", "none*.yaml:1:1: error: no file matches this pattern"),
        ("empty", "empty:1:1: error: folder holds no *.yaml or *.yml files"),
        ("", "'':1:1: error: an empty argument names no file"),  # was the current folder
    ],
)
def test_paths_that_find_nothing_are_unusable(
    arg: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    assert run(arg) == (2, f"{line}\n1 file checked, 1 failed\n")


def test_a_glob_through_a_symlink_loop_names_the_shortest_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    if not hasattr(os, "symlink"):
        pytest.skip("no symlinks here")
    write(tmp_path, "nets/b.yaml", NET.format(expect="params: 1"))
    os.symlink(tmp_path / "nets", tmp_path / "nets" / "loop")
    monkeypatch.chdir(tmp_path)
    status, out = run("**/*.yaml")
    # it named nets/loop/nets/loop/.../nets/b.yaml (sorted as text, the deepest came first)
    assert (status, out) == (1, "nets/b.yaml:5:3: error: expected network params 1, found 224\n"
                                "1 file checked, 1 failed\n")


def test_unusable_file_wins_over_failed_expectation(tmp_path: Path) -> None:
    failing = write(tmp_path, "fail.yaml", NET.format(expect="params: 1"))
    broken = write(tmp_path, "broken.yaml", "input: [\n")
    status, out = run(str(failing), str(broken))
    assert status == 2
    assert out.splitlines()[-1] == "2 files checked, 2 failed"


def test_set_and_input_reach_every_file(tmp_path: Path) -> None:
    text = ("input: [10, 10, 3]\nvars: {n: 4}\nlayers:\n  - conv: {filters: $n, f: 3}\n"
            "expect:\n  output: 6x6x8\n")
    path = write(tmp_path, "v.yaml", text)
    assert run(str(path))[0] == 1  # 8x8x4
    # --input 8x8x3: 8 - 3 + 1 = 6; --set n=8: 8 filters
    assert run(str(path), "--input", "8x8x3", "--set", "n=8")[0] == 0


# ---- formats ----------------------------------------------------------------------------------------------


def test_json_problems_have_line_col_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "j.yaml", NET.format(expect="params: 1") + "bogus: 1\n")
    status, out = run(str(path), "--format", "json")
    data = json.loads(out)
    assert status == 2 and data["exit_code"] == 2
    (entry,) = data["files"]
    assert entry["status"] == "invalid"
    assert entry["problems"] == [
        {"line": 5, "col": 3, "level": "error", "kind": "expectation",
         "message": "expected network params 1, found 224"},
        {"line": 6, "col": 1, "level": "error", "kind": "invalid", "message": "unknown key 'bogus'"},
    ]


def test_github_annotations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "g.yaml", NET.format(expect="macs: {max: 1K}"))
    status, out = run("g.yaml", "--format", "github")
    assert status == 1
    # ',' in a message stays (only % CR LF are escaped there); properties escape ':' and ','
    assert out.splitlines() == [
        "::error file=g.yaml,line=5,col=3::expected network macs at most 1,000, found 13,824",
        "1 file checked, 1 failed",
    ]


def test_github_escapes_properties_and_data() -> None:
    from cnncalc.errors import Location
    from cnncalc.render.validate_out import github
    from cnncalc.validate import FileResult, Problem, Summary

    problem = Problem("invalid", "100% wrong\nsecond line", Location("a,b:c.yaml", 2, 3))
    out = github(Summary((FileResult("a,b:c.yaml", (problem,)),)))
    expected = "::error file=a%2Cb%3Ac.yaml,line=2,col=3::100%25 wrong%0Asecond line"
    assert out.splitlines()[0] == expected


def test_warning_level_in_github_output() -> None:
    status, out = run(str(POSITIVE / "popquiz_exact.yaml"), "--format", "github")
    assert status == 0
    assert out.splitlines()[0].startswith(f"::warning file={POSITIVE / 'popquiz_exact.yaml'},line=4,col=5::conv1: ")


def test_unknown_format_is_a_usage_error() -> None:
    assert run(str(POSITIVE), "--format", "xml")[0] == 2
