"""`check` teaches (issue 14 item 8): a wrong answer that a known slip gives exactly is named,
with the right step; every expected number below is worked by hand in its comment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

NET = """input: [32, 32, 3]
layers:
  - conv: {filters: 6, f: 5}                 # 28x28x6: 5*5*3*6 = 450 weights + 6 = 456
  - conv: {filters: 8, f: 3, padding: 1}     # 28x28x8 (28 + 2 - 3 + 1); 3*3*6*8 = 432 + 8
  - conv: {filters: 8, f: 3, s: 2}           # floor((28 - 3)/2) + 1 = floor(12.5) + 1 = 13
  - fc: 10                                   # 13*13*8 = 1,352 in: 13,520 weights + 10
"""


def _mistakes(tmp_path: Path, answers: str) -> dict[str, str | None]:
    net, sheet = tmp_path / "n.yaml", tmp_path / "a.yaml"
    net.write_text(NET)
    sheet.write_text(answers)
    result = CliRunner().invoke(main, ["check", str(net), str(sheet), "--format", "json"])
    assert result.exit_code == 1, result.output
    return {f"{i['subject']} {i['key']}": i["mistake"] for i in json.loads(result.stdout)["items"]}


@pytest.mark.parametrize(("answer", "why"), [
    ("conv1: {params: 450}", "the 6 biases are missing (one per filter): 450 weights + 6 biases = 456"),
    ("conv1: {params: 150}", "a filter spans all n_C_prev = 3 input channels: f x f x n_C_prev = 5 x 5 x 3 = 75"),
    ("conv1: {params: 156}", "a filter spans all n_C_prev = 3 input channels"),  # (25 + 1) x 6
    ("fc1: {params: 13520}", "the 10 biases are missing (one per unit): 13,520 weights + 10 biases = 13,530"),
    ("conv1: {output: 27x27x6}", "the + 1 is missing"),  # floor((32 - 5)/1) = 27
    ("conv1: {output: 29x29x6}", "the + 1 is added once, after the division"),
    ("conv3: {output: 14x14x8}", "the division rounds down (floor), not up: 25/2 = 12.5 -> 12"),  # ceil
    # 28 + 1 - 3 + 1 = 27, which is also floor((28 + 2 - 3)/1) without the + 1: both are said
    ("conv2: {output: 27x27x8}", "the + 1 is missing (it counts the window at position 0); or padding is added on "
                                 "both sides: n + 2p, not n + p"),
    ("conv2: {output: 26x26x8}", "the padding is missing: p = 1 on each side"),  # 28 - 3 + 1
    ("conv2: {output: 28x28x6}", "a conv's output has one channel per filter: n_C = 8, not n_C_prev = 6"),
    # conv1 MACs: 28*28*6 = 4,704 outputs x 75 = 352,800; bias added: 4,704 x 76 / forgetting n_C_prev: x 25
    ("conv1: {macs: 357504}", "MACs count multiplications by weights: the bias adds are not"),
    ("conv1: {macs: 117600}", "each output value multiplies f x f x n_C_prev = 75 inputs, not f x f = 25"),
])
def test_known_slips_are_named(tmp_path: Path, answer: str, why: str) -> None:
    found = list(_mistakes(tmp_path, answer + "\n").values())[0]
    assert found is not None and found.startswith(why), found


def test_an_unknown_wrong_answer_gets_no_guess(tmp_path: Path) -> None:
    assert _mistakes(tmp_path, "conv1: {params: 999, output: 20x20x6}\n") == {
        "conv1 params": None, "conv1 output": None}


def test_the_text_shows_why_before_the_working(tmp_path: Path) -> None:
    net, sheet = tmp_path / "n.yaml", tmp_path / "a.yaml"
    net.write_text(NET)
    sheet.write_text("conv1: {params: 450}\n")
    out = CliRunner().invoke(main, ["check", str(net), str(sheet)]).stdout.splitlines()
    assert out[1] == "  WRONG  conv1 params: you wrote 450; the answer is 456"
    assert out[2] == "         why: the 6 biases are missing (one per filter): 450 weights + 6 biases = 456"
    assert out[3].strip().startswith("parameters = (f × f × n_C_prev + 1) × n_C")
