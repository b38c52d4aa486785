"""Every file in tests/invalid/ through the real CLI: its exact lines and exit status.

Each expected line was written from the file by hand: the line and column are those of the YAML
node at fault (counted in the file, 1-based), the numbers in the message worked out in the
comment beside it. Exit status per SPEC §2: 2 unusable input, 1 a failed expectation.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

INVALID = Path(__file__).parent / "invalid"

CORPUS: dict[str, tuple[int, list[str]]] = {
    "unknown_top_key.yaml": (2, [
        "1:1: error: missing required key 'layers'",  # the root mapping
        "2:1: error: unknown key 'layer' (did you mean 'layers'?)",
    ]),
    "missing_input.yaml": (2, ["1:1: error: missing required key 'input'"]),
    "not_a_mapping.yaml": (2, ["1:1: error: an architecture file is a mapping with 'input' and 'layers'"]),
    "empty.yaml": (2, ["1:1: error: the file is empty"]),
    # "  - conv: {filters: 8, f: 3, f: 5}": first f at column 24, second at 30
    "duplicate_key.yaml": (2, ["3:30: error: duplicate key 'f' (first at line 3, column 24)"]),
    "unknown_layer_type.yaml": (2, ["3:5: error: unknown layer type 'convv' (did you mean 'conv'?)"]),
    # both problems of one entry: the missing key (at the type) and the misspelled one
    "misspelled_required_key.yaml": (2, [
        "3:5: error: conv needs 'filters' (number of filters n_C)",
        "3:12: error: unknown key 'filter' for conv (did you mean 'filters'?)",
    ]),
    "negative_filters.yaml": (2, ["3:21: error: conv 'filters': expected a positive integer, got -8"]),
    "zero_stride.yaml": (2, ["3:33: error: conv 's': expected a positive integer, got 0"]),
    "string_units.yaml": (2, ["3:17: error: fc 'units': expected an integer, got 'ten'"]),
    "bool_units.yaml": (2, ["3:17: error: fc 'units': expected an integer, got true"]),
    "huge_units.yaml": (2, [
        "3:17: error: fc 'units': 2,000,000,000 is larger than the limit of 1,000,000,000",
    ]),
    "huge_integer.yaml": (2, ["3:9: error: integer with 33 digits is too large"]),
    # n + p - d(f-1) - 1 = 4 + 0 - 4 - 1 = -1 < 0
    "kernel_larger_than_input.yaml": (2, [
        "3:5: error: conv1: kernel of 5 (f=5, dilation=1) is larger than the padded input "
        "n_H = 4 + 0 = 4 (input 4 x 4 x 1)",
    ]),
    # main: 'same' conv to 32 channels on 8x8x16; the identity shortcut keeps 16
    "residual_channel_mismatch.yaml": (2, [
        "3:5: error: residual1.add: add needs equal shapes, got 8 x 8 x 32, 8 x 8 x 16",
    ]),
    # 1x1 keeps 8x8; 3x3 valid gives 8 - 3 + 1 = 6
    "concat_size_mismatch.yaml": (2, [
        "3:5: error: parallel1.concat: concat needs equal n_H and n_W, got 8 x 8 x 4, 6 x 6 x 4",
    ]),
    "groups_do_not_divide.yaml": (2, [
        "3:5: error: conv1: input channels (8) are not divisible by groups (3) (input 8 x 8 x 8)",
    ]),
    "from_unknown_layer.yaml": (2, [
        "4:18: error: 'from' names 'conv9', which is not an earlier layer (did you mean 'conv1'?)",
    ]),
    "repeat_too_large.yaml": (2, [
        "3:20: error: repeat 1,000,000,000,000 is more than the limit of 200,000 layers",
    ]),
    "repeat_negative.yaml": (2, ["3:20: error: 'repeat' must be 0 (no copies) or a positive integer, got -1"]),
    "expression_call.yaml": (2, ["3:17: error: 'abs(' in expression 'abs(-3)': calls are not allowed"]),
    "expression_attribute.yaml": (2, [
        "4:17: error: unexpected '.' in expression 'width.bit_length': "
        "attribute access and decimals are not allowed",
    ]),
    "expression_power.yaml": (2, ["3:17: error: '**' in expression '2**64': exponents are not allowed"]),
    "expression_subscript.yaml": (2, [
        "4:17: error: unexpected '[' in expression 'width[0]': subscripts are not allowed",
    ]),
    "expression_lambda.yaml": (2, [
        "3:17: error: unexpected ':' in expression 'lambda: 1': only integers, names, + - * / // % and "
        "parentheses are allowed",
    ]),
    "expression_unknown_name.yaml": (2, ["4:9: error: unknown name 'widht' (did you mean 'width'?)"]),
    "expression_inexact_division.yaml": (2, [
        "4:9: error: 64 / 3 is not a whole number in 'width / 3' (use // to round down)",
    ]),
    # values counted as loaded: a = 1 key + 10; b = 1 + 10 x 11; c = 1 + 10 x 111; d = 1 + 10 x 1,111;
    # then 'e' (1): 12,345, and each *d adds 11,111: the 8th makes 101,233 > 100,000.
    # "e: [*d, " puts the k-th alias at column 5 + 4(k - 1) = 33.
    "billion_laughs.yaml": (2, [
        "5:33: error: the document expands to more than 100,000 values (YAML aliases repeated too often?)",
    ]),
    # the root mapping is level 1, so the 100th '[' (column 7 + 100) is level 101
    "deep_nesting.yaml": (2, ["1:107: error: nesting deeper than 100 levels of YAML (each residual adds 3 levels "
                              "and each parallel 4, so residuals nest up to 32 deep and parallels up to 24; write "
                              "long chains with `repeat: N` or blocks, which add no nesting)"]),
    "not_utf8.yaml": (2, ["1:10: error: file is not UTF-8 text (byte 0xe9)"]),  # "name: caf" + 0xe9
    "python_tag.yaml": (2, [
        "1:8: error: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed "
        "(cnncalc files are plain data)",
    ]),
    "bad_padding_word.yaml": (2, [
        "3:39: error: conv 'padding': expected 'valid', 'same', an integer or a list, got 'samee'",
    ]),
    "unknown_activation.yaml": (2, [
        "3:42: error: conv 'activation': unknown activation 'rellu' (did you mean 'relu'?)",
    ]),
    # 5*5*1*6 + 6 = 156; the output 32 - 5 + 1 = 28 -> 28x28x6 holds
    "expect_params_wrong.yaml": (1, ["5:3: error: expected network params 150, found 156"]),
    # 3*3*3*64 + 64 = 1,792
    "expect_budget_exceeded.yaml": (1, ["5:3: error: expected network params at most 1,000, found 1,792"]),
    # 32 - 3 + 1 = 30
    "layer_expect_wrong.yaml": (1, ["3:39: error: expected conv1 output 31x31x8, found 30x30x8"]),
    "budget_bad_key.yaml": (2, ["5:12: error: a budget takes 'min' and 'max', not 'maximum'"]),
    "budget_bad_amount.yaml": (2, [
        "5:11: error: expected a count such as 61706, 61_706, 5M or 1.5K, got '5 million'",
    ]),
    "block_missing_argument.yaml": (2, ["8:5: error: block basic needs argument 'filters'"]),
    # met in the body (line 5), entered from the use on line 7, which the message names (issue 16)
    # `filters: $c` (line 6, column 25) is 0 in the use on line 10, which the message names
    "block_body_error.yaml": (2, [
        "6:25: error: stage2 (block unit at line 10): conv 'filters': expected a positive integer, got 0",
    ]),
    "block_uses_itself.yaml": (2, ["5:9: error: loop1 (block loop at line 7): block 'loop' uses itself"]),
    "entry_with_two_keys.yaml": (2, [
        "3:5: error: a layer entry has exactly one key, its type; found 2: conv, relu "
        "(indent the arguments under the type)",
    ]),
    "input_two_numbers.yaml": (2, [
        "1:8: error: 'input' must be [n_H, n_W, n_C] (or [units]), such as [32, 32, 1] or 32x32x1",
    ]),
    "input_zero.yaml": (2, ["1:8: error: input size 0 must be a positive integer (at most 10^9)"]),
    "two_documents.yaml": (2, ["3:1: error: expected one YAML document, found a second one"]),
    "tab_indent.yaml": (2, [
        "3:1: error: invalid YAML: found character that cannot start any token (a tab: indent with spaces)",
    ]),
    # four independent mistakes, all reported: `stride` is the alias of `s`
    "several_problems.yaml": (2, [
        "4:38: error: conv 's': expected a positive integer, got 0",
        "5:18: error: pool 'mode': expected one of max, avg, got 'maxx'",
        "6:21: error: unknown key 'bais' for fc (did you mean 'bias'?)",
        "8:3: error: unknown expectation 'parms' (did you mean 'params'?)",
    ]),
}


def test_corpus_is_complete() -> None:
    on_disk = {p.name for p in INVALID.glob("*.yaml")}
    assert on_disk == set(CORPUS)
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_invalid_file(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    status, lines = CORPUS[name]
    monkeypatch.chdir(INVALID)
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["validate", name])
    elapsed = time.perf_counter() - start
    expected = [f"{name}:{line}" for line in lines] + ["1 file checked, 1 failed"]
    assert result.output.splitlines() == expected
    assert result.exit_code == status
    assert "Traceback" not in result.output
    assert elapsed < 1.0


def test_whole_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(INVALID.parent)
    result = CliRunner().invoke(main, ["validate", "invalid"])
    n = len(CORPUS)
    assert result.output.splitlines()[-1] == f"{n} files checked, {n} failed"
    assert result.exit_code == 2  # some files are unusable: 2 wins over 1
    problems = sum(len(lines) for _, lines in CORPUS.values())
    assert len(result.output.splitlines()) == problems + 1
