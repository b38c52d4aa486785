"""Bad input: one exact line `FILE:LINE:COL: error: MESSAGE` on stderr and exit status 2.

Each column is counted by hand in the comment: "  - conv: {" is 11 characters, so the first key
inside the braces is at column 12.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

HEAD = "input: [32, 32, 1]\nlayers:\n"

CASES = [
    pytest.param(
        HEAD + "  - conv: {filter: 6, f: 5}\n",
        "3:12: error: unknown key 'filter' for conv (did you mean 'filters'?)",
        id="unknown-key",
    ),
    pytest.param(
        HEAD + "  - convv: {filters: 6, f: 5}\n",
        "3:5: error: unknown layer type 'convv' (did you mean 'conv'?)",
        id="unknown-type",
    ),
    pytest.param(
        HEAD + "  - conv: {filters: 6}\n",
        "3:5: error: conv needs 'f' (filter size f or [f_h, f_w])",
        id="missing-arg",
    ),
    pytest.param(  # 'six' at 12 + len("filters: ") = 21
        HEAD + "  - conv: {filters: six, f: 5}\n",
        "3:21: error: conv 'filters': expected an integer, got 'six'",
        id="bad-value-type",
    ),
    pytest.param(  # 12 + len("filters: 6, f: 5, bias: ") = 36
        HEAD + "  - conv: {filters: 6, f: 5, bias: 1}\n",
        "3:36: error: conv 'bias': expected true or false, got 1",
        id="bad-bool",
    ),
    pytest.param(  # the second 'filters' at 12 + len("filters: 6, f: 5, ") = 30
        HEAD + "  - conv: {filters: 6, f: 5, filters: 7}\n",
        "3:30: error: duplicate key 'filters' (first at line 3, column 12)",
        id="duplicate-key",
    ),
    pytest.param(
        HEAD + "  - conv: {filters: 6, f: 5, name: c}\n  - conv: {filters: 6, f: 5, name: c}\n",
        "4:5: error: duplicate layer name 'c' (first at line 3, column 5)",
        id="duplicate-name",
    ),
    pytest.param(  # 'stme' at 12 + len("filters: 6, f: 5, from: ") = 36
        HEAD + "  - conv: {filters: 6, f: 5, name: stem}\n  - conv: {filters: 6, f: 5, from: stme}\n",
        "4:36: error: 'from' names 'stme', which is not an earlier layer (did you mean 'stem'?)",
        id="unknown-from",
    ),
    pytest.param(  # (32 - 5) + 1 = 28, pooled to 14; a 15x15 kernel does not fit
        HEAD + "  - conv: {filters: 6, f: 5}\n  - pool: {f: 2}\n  - conv: {filters: 16, f: 15}\n",
        "5:5: error: conv2: kernel of 15 (f=15, dilation=1) is larger than the padded input "
        "n_H = 14 + 0 = 14 (input 14 x 14 x 6)",
        id="kernel-larger-than-input",
    ),
    pytest.param(
        "input: [32, 32, 3]\nlayers:\n  - conv: {filters: 6, f: 5, groups: 2}\n",
        "3:5: error: conv1: input channels (3) are not divisible by groups (2) (input 32 x 32 x 3)",
        id="groups-mismatch",
    ),
    pytest.param(
        "input: [32, 32, 3]\nlayers:\n  - conv: {filters: 6, f: 1, name: a}\n  - add: {from: [a, input]}\n",
        "4:5: error: add1: add needs equal shapes, got 32 x 32 x 6, 32 x 32 x 3",
        id="add-mismatch",
    ),
    pytest.param(  # 32/2 = 16 against 32
        "input: [32, 32, 3]\nlayers:\n  - pool: {f: 2, name: a}\n  - concat: {from: [a, input]}\n",
        "4:5: error: concat1: concat needs equal n_H and n_W, got 16 x 16 x 3, 32 x 32 x 3",
        id="concat-mismatch",
    ),
    pytest.param(  # the flow mapping is never closed; the parser notices at the end of the file
        HEAD + "  - conv: {filters: 6, f: 5\n  - relu\n",
        "5:1: error: invalid YAML: did not find expected ',' or '}'",
        id="yaml-syntax",
    ),
    pytest.param(
        HEAD + "\t- relu\n",
        "3:1: error: invalid YAML: found character that cannot start any token (a tab: indent with spaces)",
        id="yaml-tab",
    ),
    pytest.param(
        "input: [32, 32, 1]\nlayer:\n  - relu\n",
        "2:1: error: unknown key 'layer' (did you mean 'layers'?)",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "layers:\n  - relu\n",
        "1:1: error: missing required key 'input'",
        id="missing-input",
    ),
    pytest.param(  # 12 + len("filters: 6, f: 5, activation: ") = 42
        HEAD + "  - conv: {filters: 6, f: 5, activation: rleu}\n",
        "3:42: error: conv 'activation': unknown activation 'rleu' (did you mean 'relu'?)",
        id="unknown-activation",
    ),
    pytest.param(  # the quoted expression at 12 + len("filters: ") = 21
        "vars: {w: 6}\n" + HEAD + "  - conv: {filters: '${w / 4}', f: 5}\n",
        "4:21: error: 6 / 4 is not a whole number in 'w / 4' (use // to round down)",
        id="inexact-division",
    ),
    pytest.param(
        "vars: {width: 6}\n" + HEAD + "  - conv: {filters: $widht, f: 5}\n",
        "4:21: error: unknown name 'widht' (did you mean 'width'?)",
        id="unknown-var",
    ),
    pytest.param(
        HEAD + "  - conv: !!python/object:os.system {filters: 6}\n",
        "3:11: error: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed "
        "(cnncalc files are plain data)",
        id="python-tag",
    ),
    pytest.param(
        HEAD + "  - fc: 10\n  - conv: {filters: 2, f: 1}\n",
        "4:5: error: conv1: conv needs an n_H x n_W x n_C input, got [10] "
        "(a flatten or fc before it makes a vector)",
        id="volume-after-fc",
    ),
    pytest.param(
        HEAD + "  - conv: {filters: 6}\n    f: 5\n",
        "3:5: error: a layer entry has exactly one key, its type; found 2: conv, f "
        "(indent the arguments under the type)",
        id="arguments-not-indented",
    ),
    pytest.param(  # 'mean' at 12 + len("f: 2, mode: ") = 24
        HEAD + "  - pool: {f: 2, mode: mean}\n",
        "3:24: error: pool 'mode': expected one of max, avg, got 'mean'",
        id="bad-choice",
    ),
    pytest.param(
        HEAD + "  - residual: {mian: [relu]}\n",
        "3:16: error: unknown key 'mian' for residual (did you mean 'main'?)",
        id="unknown-composite-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_bad_input(text: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(text)
    for fmt in ("table", "json"):
        result = CliRunner().invoke(main, ["summarize", "bad.yaml", "--format", fmt])
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"bad.yaml:{expected}"]
        assert result.stdout == ""
