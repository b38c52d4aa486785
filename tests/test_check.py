"""`cnncalc check`: grading answer sheets written the ways students write them.

The true values are the course's LeNet-5 table (worked by hand in the comments); each sheet has
known mistakes, and exactly those must be marked wrong.
"""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.check import Approx, parse_count
from cnncalc.cli import main
from cnncalc.errors import CnnError, Location


def sheet(tmp_path: Path, text: str) -> str:
    path = tmp_path / "answers.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


# LeNet-5: conv1 28x28x6, (5*5*1+1)*6 = 156 params, 28*28*6*25 = 117,600 MACs; pool1 14x14x6;
# conv2 10x10x16, (5*5*6+1)*16 = 2,416; fc1 (400+1)*120 = 48,120; total 61,706 (published).
LENET_SHEET = """\
    conv1:
      output: 28x28x6
      params: 150          # wrong: forgot the 6 biases (5*5*1*6 = 150)
      macs: 117600
    pool1:
      output: [14, 14, 6]
    conv2:
      output: 10 x 10 x 16
      params: "2,416"
    fc1:
      params: 48000        # wrong: forgot the 120 biases
    fc3:
      output: [10]
    totals:
      params: ~62K         # right: 61,706 rounds to 62K
"""


def test_known_mistakes_are_exactly_the_wrong_items(tmp_path: Path) -> None:
    code, out, err = run("lenet5", sheet(tmp_path, LENET_SHEET), "--format", "json")
    assert code == 1, err
    data = json.loads(out)
    wrong = [(i["subject"], i["key"]) for i in data["items"] if not i["right"]]
    assert wrong == [("conv1", "params"), ("fc1", "params")]
    assert (data["score"], data["total"]) == (7, 9)


def test_text_report_shows_the_right_value_and_its_working(tmp_path: Path) -> None:
    code, out, _ = run("lenet5", sheet(tmp_path, LENET_SHEET), "--ascii")
    assert code == 1
    lines = out.splitlines()
    assert "  right  conv1 output: 28x28x6" in lines
    assert "  WRONG  conv1 params: you wrote 150; the answer is 156" in lines
    assert "           parameters = (f x f x n_C_prev + 1) x n_C = (5 x 5 x 1 + 1) x 6 = 156" in lines
    assert "  WRONG  fc1 params: you wrote 48000; the answer is 48,120" in lines
    assert "           parameters = (n_in + 1) x n_out = (400 + 1) x 120 = 48,120" in lines
    assert "  right  totals params: ~62K  (approximate: 61,500 to 62,500 accepted)" in lines
    assert lines[-1] == "7/9 correct"


def test_all_right_exits_0(tmp_path: Path) -> None:
    code, out, _ = run(
        "popquiz",
        sheet(
            tmp_path,
            """\
        conv1: {output: 299x299x10, params: 280}
        conv4: {output: "36, 36, 10"}
        fc1: {output: 1, params: "12,961"}
        totals: {params: 15971}
    """,
        ),
    )
    # pop quiz: floor((600-3)/2)+1 = 299; (27+1)*10 = 280; 36*36*10+1 = 12,961; total 15,971
    assert code == 0
    assert out.splitlines()[-1] == "6/6 correct"


def test_a_wrong_shape_shows_the_size_formula(tmp_path: Path) -> None:
    code, out, _ = run("popquiz", sheet(tmp_path, "conv1: {output: 300x300x10}\n"), "--ascii")
    assert code == 1
    assert "WRONG  conv1 output: you wrote 300x300x10; the answer is 299 x 299 x 10" in out
    assert "floor((600 + 2x0 - 3)/2) + 1 = floor(597/2) + 1 = floor(298.5) + 1 = 299" in out
    assert "0/1 correct" in out


def test_wrong_total_shows_the_sum(tmp_path: Path) -> None:
    _, out, _ = run("lenet5", sheet(tmp_path, "totals: {params: 61000}\n"))
    assert "= 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706" in out


@pytest.mark.parametrize(
    "written",
    [
        "28x28x6",
        "28 x 28 x 6",
        "[28, 28, 6]",
        '"(28, 28, 6)"',
        '"28×28×6"',
        '"28,28,6"',
        "28X28X6",
    ],
)
def test_shapes_as_students_write_them(tmp_path: Path, written: str) -> None:
    code, out, _ = run("lenet5", sheet(tmp_path, f"conv1: {{output: {written}}}\n"))
    assert code == 0, out


@pytest.mark.parametrize(
    ("written", "right"),
    [
        ("48120", True),
        ('"48,120"', True),
        ("48_120", True),
        ('"48 120"', True),
        ("48120.0", True),
        ("48121", False),
        # approximate: right when 48,120 rounds to the value at the precision written
        ("~48K", True),  # 47,500 .. 48,500
        ("48K", True),
        ('"about 48K"', True),
        ("{approx: 48K}", True),
        ("48.1K", True),  # 48,050 .. 48,150
        ("48.2K", False),  # 48,150 .. 48,250
        ("~0.05M", True),  # 45,000 .. 55,000
        ("~50000", True),  # the last non-zero digit sets the precision: 45,000 .. 55,000
        ("~48000", True),  # 47,500 .. 48,500
        ("~47000", False),  # 46,500 .. 47,500
    ],
)
def test_counts_as_students_write_them(tmp_path: Path, written: str, right: bool) -> None:
    code, out, _ = run("lenet5", sheet(tmp_path, f"fc1: {{params: {written}}}\n"))
    assert code == (0 if right else 1), out


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("2.4M", 2_350_000, 2_450_000),
        ("~2.4M", 2_350_000, 2_450_000),
        ("12.4M", 12_350_000, 12_450_000),
        ("120M", 119_500_000, 120_500_000),
        ("≈ 1.5G", 1_450_000_000, 1_550_000_000),
    ],
)
def test_the_tolerance_of_an_approximate_answer(text: str, low: int, high: int) -> None:
    a = parse_count(text, Location("a"))
    assert isinstance(a, Approx)
    assert (a.low, a.high) == (Decimal(low), Decimal(high))


def test_bottleneck_in_millions(tmp_path: Path) -> None:
    # 120,422,400 rounds to 120M; 12,443,648 rounds to 12.4M but not to 12.5M
    code, out, _ = run("naive_5x5", sheet(tmp_path, "totals: {macs: 120M}\n"))
    assert code == 0, out
    code, out, _ = run("bottleneck_5x5", sheet(tmp_path, "totals: {macs: 12.4M}\n"))
    assert code == 0, out
    code, out, _ = run("bottleneck_5x5", sheet(tmp_path, "totals: {macs: 12.5M}\n"))
    assert code == 1
    assert "approximate: 12,450,000 to 12,550,000 accepted" in out


def test_answer_key_aliases(tmp_path: Path) -> None:
    code, out, _ = run(
        "lenet5", sheet(tmp_path, "conv1: {parameters: 156, shape: 28x28x6, multiplications: 117600}\n")
    )
    assert code == 0, out
    assert out.splitlines()[-1] == "3/3 correct"


def test_bn_buffers_and_frozen_trainable(tmp_path: Path) -> None:
    arch = tmp_path / "net.yaml"
    arch.write_text(
        textwrap.dedent("""\
        input: [8, 8, 3]
        layers:
          - conv: {filters: 16, f: 3, trainable: false}
          - bn
    """)
    )
    # conv: (27+1)*16 = 448 params, frozen; bn: 2*16 = 32 params and 32 buffers
    code, out, _ = run(
        str(arch),
        sheet(
            tmp_path,
            """\
        conv1: {trainable: 448}
        bn1: {buffers: 32, params: 32}
        totals: {trainable: 32, params: 480}
    """,
        ),
        "--ascii",
    )
    assert code == 1
    assert "WRONG  conv1 trainable: you wrote 448; the answer is 0" in out
    assert "trainable = 0  (0: this layer is frozen, trainable is false)" in out
    assert out.splitlines()[-1] == "4/5 correct"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("conv7: {params: 1}\n", "answers.yaml:1:1: error: no layer named 'conv7' in lenet5 (nearest: conv"),
        ("conv1:{params: 156}\n", "answers.yaml:1:1: error: no layer named 'conv1:{params' in lenet5 (layers are: "
                                   "conv1, pool1, conv2, pool2, fc1, fc2, fc3); YAML needs a space after ':'"),
        ("conv1: {parms: 1}\n", "answers.yaml:1:9: error: unknown answer 'parms' (did you mean 'params'?)"),
        ("conv1: {params: lots}\n", "answers.yaml:1:17: error: cannot read 'lots' as a number"),
        # the message repeats what the student wrote, not a list made from it
        ("conv1: {output: 28x28}\n",
         "answers.yaml:1:17: error: expected a shape such as [28, 28, 6], 28x28x6 or [10], got '28x28'"),
        ("conv1: {output: 28*28*6}\n",
         "answers.yaml:1:17: error: expected a shape such as [28, 28, 6], 28x28x6 or [10], got '28*28*6'"),
        ("conv1: 156\n", "answers.yaml:1:8: error: answers for 'conv1' are a mapping"),
        ("- conv1\n", "answers.yaml:1:1: error: an answer sheet maps layer names"),
    ],
)
def test_unusable_sheets_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    path = sheet(tmp_path, text)
    code, out, err = run("lenet5", path)
    assert code == 2
    assert err.startswith(path + message.removeprefix("answers.yaml")), err
    assert "Traceback" not in err


def test_parse_count_rejects_fractions_of_a_count() -> None:
    with pytest.raises(CnnError, match="whole number"):
        parse_count(2.5, Location("a"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # a quoted decimal is read as YAML reads an unquoted one (it was graded as 48.12 +- 0.0005)
        ("48.120", "a count is a whole number; write 48.120 as ~48.120 if it is approximate, "
                   "or 48,120 if the '.' separates thousands"),
        ("2.5", "a count is a whole number; write 2.5 as ~2.5 if it is approximate"),
    ],
)
def test_a_quoted_decimal_without_approximately_is_not_a_count(text: str, message: str) -> None:
    with pytest.raises(CnnError) as caught:
        parse_count(text, Location("a"))
    assert caught.value.message == message


def test_a_quoted_whole_decimal_is_exact() -> None:
    assert parse_count("10,164.0", Location("a")) == 10_164  # fc2 of LeNet-5: 120 x 84 + 84


def test_a_terminal_width_breaks_long_lines() -> None:
    from cnncalc import bundled
    from cnncalc.analysis import analyze_text
    from cnncalc.check import grade
    from cnncalc.render.check_text import text

    report = analyze_text(bundled.path("alexnet").read_text(), "alexnet")
    answers = "conv1: {params: 23000, buffers: 3}\nfc6: {params: 37M}\ntotals: {macs: 700M}\n"
    grading = grade(report, answers, "a.yaml")
    wide, narrow = text(grading), text(grading, width=80)
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert narrow.split() == wide.split()  # the same words, only broken differently
    # conv1: (11 x 11 x 3 + 1) x 64 = 23,296, its result under the first '='
    assert ("           parameters = (f × f × n_C_prev + 1) × n_C = (11 × 11 × 3 + 1) × 64\n"
            "                      = 23,296\n") in narrow
    assert "           no running statistics: only bn layers have buffers\n" in narrow


def test_an_answer_that_depends_on_symbolic_sizes_cannot_be_graded(tmp_path: Path) -> None:
    net = tmp_path / "sym.yaml"
    net.write_text("input: [H, W, 3]\nlayers:\n  - conv: {filters: 8, f: 3, s: 2}\n  - gap\n  - fc: 10\n")
    path = sheet(tmp_path, "conv1: {output: 111x111x8}\ntotals: {params: 314}\n")
    code, out, err = run(str(net), path)
    assert code == 2 and out == ""
    # (H + 0 - 3)/2 floored, + 1: it was marked WRONG against an expression printed without parentheses
    assert err == (f"{path}:1:9: error: conv1 output is (floor((H - 3)/2) + 1) x (floor((W - 3)/2) + 1) x 8, "
                   "which depends on H, W: give the sizes with --input (such as --input 224x224x3) or --set "
                   "to check this answer\n")
    # at 224: floor(221/2) + 1 = 111; params (3*3*3 + 1)*8 + (8 + 1)*10 = 224 + 90 = 314
    code, out, _ = run(str(net), path, "--input", "224x224x3")
    assert code == 0 and out.splitlines()[-1] == "2/2 correct"


def test_the_answer_sheet_is_a_path_not_a_bundled_name(tmp_path: Path) -> None:
    # `check lenet5 lenet5` graded the bundled network file as answers ("no layer named 'name'")
    code, out, err = run("lenet5", "lenet5")
    assert code == 2 and out == ""
    assert err == "lenet5:1:1: error: no such answer sheet file\n"
    code, _, err = run("lenet5", str(tmp_path))
    assert code == 2
    assert err == f"{tmp_path}:1:1: error: is a directory; the answer sheet is a YAML file\n"
