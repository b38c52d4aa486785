"""`cnncalc calc`: quiz questions typed on one line, through the real CLI.

Expected numbers are worked by hand in the comments (or are the course's published answers).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cnncalc.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["calc", *args])
    return result.exit_code, result.stdout, result.stderr


def as_json(*args: str) -> dict:
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_pop_quiz() -> None:
    data = as_json("600x600x3", "conv 10 f=3 s=2 x4", "fc 1")
    # floor((n - 3)/2) + 1: 600 -> 299 -> 149 -> 74 -> 36, then one unit
    assert [layer["output"] for layer in data["layers"]] == [
        [299, 299, 10],
        [149, 149, 10],
        [74, 74, 10],
        [36, 36, 10],
        [1],
    ]
    assert [layer["name"] for layer in data["layers"]] == ["conv1", "conv2", "conv3", "conv4", "fc1"]
    # (27+1)*10 = 280; (90+1)*10 = 910 three times; 36*36*10 + 1 = 12,961: 15,971
    assert data["totals"]["params"] == 15_971


def test_same_numbers_as_summarize_on_the_same_network() -> None:
    calc = as_json("600x600x3", "conv 10 f=3 s=2 x4", "fc 1")
    result = CliRunner().invoke(main, ["summarize", "popquiz", "--format", "json"])
    file = json.loads(result.stdout)
    for key in ("output", "params", "macs", "activations", "rf"):
        assert [r[key] for r in calc["layers"]] == [r[key] for r in file["layers"]]
    assert calc["totals"] == file["totals"]


def test_pop_quiz_explained_with_its_floors() -> None:
    code, out, _ = run("600x600x3", "conv 10 f=3 s=2 x4", "fc 1", "--explain", "--ascii")
    assert code == 0
    # 597/2 = 298.5 and 71/2 = 35.5 are floored
    assert "floor((600 + 2x0 - 3)/2) + 1 = floor(597/2) + 1 = floor(298.5) + 1 = 299" in out
    assert "floor((74 + 2x0 - 3)/2) + 1 = floor(71/2) + 1 = floor(35.5) + 1 = 36" in out
    assert out.count("floored:") == 2
    assert "n_in (implicit flatten) = n_H x n_W x n_C = 36 x 36 x 10 = 12,960" in out


@pytest.mark.parametrize(
    "words",
    [
        ["32x32x3", "conv:filters=6,f=5"],
        ["32x32x3", "conv:6,5"],
        ["32x32x3", "conv 6 f=5"],
        ["32x32x3", "conv 6 5"],
        ["32x32x3", "conv2d out_channels=6 kernel_size=5 stride=1"],
        ["32 x 32 x 3", "conv filters=6 k=5 valid"],
        ["32x32x3 -> conv 6 f=5"],
    ],
)
def test_six_5x5_filters_on_32x32x3_in_every_spelling(words: list[str]) -> None:
    layer = as_json(*words)["layers"][0]
    # (32 - 5)/1 + 1 = 28; (5*5*3 + 1)*6 = 456
    assert layer["output"] == [28, 28, 6]
    assert layer["params"] == 456


def test_100_filters_of_3x3x3() -> None:
    code, out, _ = run("32x32x3", "conv 100 f=3", "--explain", "--ascii")
    # (3*3*3 + 1)*100 = 2,800
    assert "parameters = (f x f x n_C_prev + 1) x n_C = (3 x 3 x 3 + 1) x 100 = 2,800" in out


def test_lenet5_typed_in_one_line() -> None:
    data = as_json(
        "32x32x1", "conv 6 5 relu", "pool 2", "conv 16 5 relu", "pool 2", "fc 120", "fc 84", "fc 10"
    )
    assert data["totals"]["params"] == 61_706  # the course's table
    assert [layer["output"] for layer in data["layers"]][:4] == [
        [28, 28, 6],
        [14, 14, 6],
        [10, 10, 16],
        [5, 5, 16],
    ]


# (words, input, expected output, params) worked by hand
KINDS = [
    ("conv 8 3 p=1", "8x8x3", [8, 8, 8], (3 * 3 * 3 + 1) * 8),
    ("conv 8 f=3 p=1,1,0,0", "8x8x3", [8, 6, 8], (3 * 3 * 3 + 1) * 8),  # n_W = 8 - 3 + 1 = 6
    ("conv 4 f=3 d=2", "9x9x1", [5, 5, 4], (9 + 1) * 4),  # 9 - 2*(3-1) = 5
    ("conv 4 f=3 groups=2 nobias", "6x6x4", [4, 4, 4], 3 * 3 * 2 * 4),
    ("depthwise 3 p=1", "8x8x4", [8, 8, 4], (9 + 1) * 4),
    ("deconv 2 f=2 s=2", "4x4x3", [8, 8, 2], 2 * 2 * 3 * 2 + 2),  # (4-1)*2 + 2 = 8
    ("local 2 f=3", "5x5x1", [3, 3, 2], 3 * 3 * 2 * (9 + 1)),
    ("pool 2", "8x8x3", [4, 4, 3], 0),
    ("maxpool 3 2", "7x7x1", [3, 3, 1], 0),  # (7-3)/2 + 1 = 3
    ("pool avg f=2 ceil", "5x5x1", [3, 3, 1], 0),  # ceil(3/2) + 1 = 3
    ("gap", "7x7x512", [1, 1, 512], 0),
    ("gmp", "7x7x512", [1, 1, 512], 0),
    ("adaptive_pool 6x6", "13x13x256", [6, 6, 256], 0),
    ("fc 10", "3072", [10], 3072 * 10 + 10),
    ("dense 10 nobias", "32x32x3", [10], 3072 * 10),
    ("flatten", "5x5x16", [400], 0),
    ("bn", "4x4x16", [4, 4, 16], 2 * 16),
    ("lrn", "4x4x16", [4, 4, 16], 0),
    ("dropout 0.5", "4x4x16", [4, 4, 16], 0),
    ("relu", "4x4x16", [4, 4, 16], 0),
    ("leaky_relu 0.1", "4x4x16", [4, 4, 16], 0),
    ("identity", "4x4x16", [4, 4, 16], 0),
    ("zeropad 2", "28x28x1", [32, 32, 1], 0),
    ("upsample 2", "4x4x3", [8, 8, 3], 0),
    ("crop 24x24", "28x28x3", [24, 24, 3], 0),
    ("split 2 1", "4x4x8", [4, 4, 4], 0),
    ("space_to_depth 2", "26x26x64", [13, 13, 256], 0),
    ("reorg", "26x26x64", [13, 13, 256], 0),
]


@pytest.mark.parametrize(("words", "size", "output", "params"), KINDS)
def test_every_kind(words: str, size: str, output: list[int], params: int) -> None:
    layer = as_json(size, words)["layers"][-1]
    assert layer["output"] == output
    assert layer["params"] == params


def test_concat_and_add_with_from() -> None:
    data = as_json("8x8x3", "conv 4 f=1 name=a", "conv 6 f=1 from=input name=b", "concat from=a,b")
    assert data["layers"][-1]["output"] == [8, 8, 10]  # 4 + 6 channels
    data = as_json("8x8x3", "conv 3 f=1 name=a; add from=a,input")
    assert data["layers"][-1]["output"] == [8, 8, 3]


def test_repeat_spellings_and_several_layers_in_one_argument() -> None:
    for words in (
        ["conv 10 f=3 s=2 *4"],
        ["conv 10 f=3 s=2 r=4"],
        ["conv:10,f=3,s=2,repeat=4"],
        ["conv 10 f=3 s=2 -> conv 10 f=3 s=2 ; conv 10 f=3 s=2 -> conv 10 f=3 s=2"],
    ):
        data = as_json("600x600x3", *words)
        assert data["layers"][-1]["output"] == [36, 36, 10], words


def test_frozen_layer_counts_no_trainable_params() -> None:
    data = as_json("32x32x3", "conv 6 5 frozen")
    assert data["totals"]["trainable"] == 0 and data["totals"]["params"] == 456


def test_table_is_the_default_and_warns_of_floors() -> None:
    code, out, err = run("600x600x3", "conv 10 f=3 s=2")
    assert code == 0
    assert "299 x 299 x 10" in out
    assert "calc:1:11: warning: conv1: n_H and n_W: 597/2 = 298.5 floored to 298" in err


def test_strict_turns_the_floor_into_a_failure() -> None:
    code, _, err = run("600x600x3", "conv 10 f=3 s=2", "--strict")
    assert code == 1
    # (600 - 3)/2 = 298.5: an error under --strict, as summarize says (it still read "warning:")
    assert "calc:1:11: error: conv1: n_H and n_W: 597/2 = 298.5 floored to 298" in err
    code, _, err = run("600x600x3", "conv 10 f=3 s=2", "--strict", "--explain")
    assert code == 1
    assert err.startswith("calc:1:11: error: conv1: n_H and n_W: 597/2 = 298.5 floored to 298")


@pytest.mark.parametrize(
    ("words", "message"),
    [
        # the column counts from the start of "600x600x3 cnv 10"
        (["600x600x3", "cnv 10"], "calc:1:11: error: unknown layer type 'cnv' (did you mean 'conv'?)"),
        (["600x600x3", "conv 10 f3"], "calc:1:19: error: cannot read 'f3' in 'conv 10 f3': write key=value"),
        (["600x600x3", "conv 10"], "calc:1:11: error: conv needs 'f'"),
        (["600x600x3", "conv 10 f=3 f=5"], "calc:1:23: error: 'f' is given twice"),
        (["600x600x3", "pool 2 foo=1"], "calc:1:18: error: unknown key 'foo' for pool"),
        (["600x600x3"], "calc:1:1: error: no layers after the input size"),
        # was "unknown layer type 'parallel' (did you mean 'prelu'?)"
        (["8x8x3", "parallel"], "calc:1:7: error: parallel needs a file: calc takes single layers and chains; "
                                "merges take from= (such as add from=a,b)"),
        # an empty or blank first argument was an IndexError traceback
        ([""], "calc:1:1: error: give an input size, such as 600x600x3, then layers"),
        (["  ", "relu"], "calc:1:1: error: give an input size, such as 600x600x3, then layers"),
        ([";", "fc 1"], "calc:1:1: error: give an input size, such as 600x600x3, then layers"),
        (["600y600", "fc 1"], "calc:1:1: error: input size '600y600' is neither an integer nor a name"),
        (["10x10x1", "conv 1 f=11"], "calc:1:9: error: conv1: kernel of 11"),
    ],
)
def test_mistakes_are_located_in_the_command_line(words: list[str], message: str) -> None:
    code, out, err = run(*words)
    assert code == 2
    assert err.startswith(message), err
    assert "Traceback" not in err


def test_format_choices_depend_on_explain() -> None:
    # `table` is the human format of every command; `text`, its old name here, reads as table
    assert run("8x8x1", "fc 1", "--format", "text")[1] == run("8x8x1", "fc 1")[1]
    code, _, err = run("8x8x1", "fc 1", "--explain", "--format", "json")
    assert code == 2 and "'json' is not one of table, markdown with --explain" in err
    code, out, _ = run("8x8x1", "fc 1", "--explain", "--format", "markdown")
    assert code == 0 and out.startswith("### 8x8x1 → fc 1")


def test_help_documents_the_syntax() -> None:
    result = CliRunner().invoke(main, ["calc", "--help"])
    assert 'cnncalc calc 600x600x3 "conv 10 f=3 s=2 x4" "fc 1"' in result.stdout
    assert "cnncalc calc 32x32x3 conv:filters=6,f=5" in result.stdout
