"""Smallest inputs and floor-free sizes, each worked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main
from cnncalc.constraints import Conditions, find

ARCH = Path(__file__).resolve().parents[1] / "architectures"

# Two paths at different strides meeting in a concat:
#   a: conv 3x3 s2 same -> ceil(H/2);  b: pool 2x2 s2 twice -> floor(floor(H/2)/2) = floor(H/4),
#   then upsample x2 -> 2 floor(H/4).  They align when ceil(H/2) = 2 floor(H/4), i.e. H mod 4 = 0
#   (H = 4k: 2k = 2k; 4k+1: 2k+1 vs 2k; 4k+2: 2k+1 vs 2k; 4k+3: 2k+2 vs 2k), and nothing floors
#   then either (the pools divide exactly).  Smallest: H = 4 (a: 2, b: 1 -> 2).
TWO_STRIDES = """
input: [H, W, 3]
layers:
  - conv: {filters: 8, f: 3, s: 2, padding: same, name: a}
  - pool: {f: 2, from: input, name: b1}
  - pool: {f: 2, name: b2}
  - upsample: {factor: 2, name: b3}
  - concat: {from: [a, b3]}
"""


def test_concat_of_two_strides() -> None:
    found = find(TWO_STRIDES, "two.yaml")
    assert found.symbols == ("H", "W")
    assert found.period == 4  # the jump of b2: 2 * 2
    assert found.smallest == 4
    assert found.clean_residues == (0,)
    assert found.describe() == "H and W divisible by 4"


def test_vgg16_smallest_is_32_and_multiples_of_32() -> None:
    # Five 2x2/2 pools: n -> floor(n/32) after them; pool5 needs an input of at least 2, so
    # the smallest n with floor(n/16) >= 2 is 32, and every pool divides exactly iff 32 | n.
    found = find((ARCH / "vgg16.yaml").read_text(), "vgg16", input_override="HxWx3")
    assert found.smallest == 32
    assert "larger than the padded input" in (found.smallest_error or "")
    assert found.period == 32
    assert found.clean_residues == (0,)


def test_resnet50_never_floors_only_at_1_mod_32() -> None:
    # torchvision's ResNet-50: 7x7/2 pad 3: (n + 6 - 7)/2 exact iff n odd; 3x3/2 pad 1 max pool
    # and the stride-2 3x3 convs: (m + 2 - 3)/2 exact iff m odd; 1x1/2 shortcuts: (m - 1)/2
    # exact iff m odd.  Sizes go n -> (n+1)/2 at each of the five halvings, all odd iff
    # n = 1 (mod 32).  Padding keeps every size positive, so even 1 x 1 is accepted.
    found = find((ARCH / "resnet50.yaml").read_text(), "resnet50", input_override="HxWx3")
    assert found.smallest == 1
    assert found.period == 32
    assert found.clean_residues == (1,)
    assert found.examples == (1, 33, 65, 97, 129)  # 1 x 1 stays 1 x 1 through every layer, exactly


def test_cli_text_and_default_symbolic_input() -> None:
    result = CliRunner().invoke(main, ["constraints", str(ARCH / "lenet5.yaml")])
    # lenet5 as H x W x 1: conv 5 (n-4), pool 2, conv 5, pool 2: floor((floor(n/2)-4)/2) >= 1
    # first at n = 16 (16 -> 12 -> 6 -> 2 -> 1); exact division iff 4 | n.
    assert result.exit_code == 0, result.output
    assert "smallest input: 16" in result.output
    assert "H and W divisible by 4" in result.output


def test_cli_rejects_non_volume_input(tmp_path: Path) -> None:
    f = tmp_path / "mlp.yaml"
    f.write_text("input: [784]\nlayers:\n  - fc: 10\n")
    result = CliRunner().invoke(main, ["constraints", str(f)])
    assert result.exit_code == 2
    assert "error: the input is not a volume" in result.output


@pytest.mark.parametrize("size,expected", [("HxWx1", "(H - 4)")])
def test_symbolic_lenet_conv1(size: str, expected: str) -> None:
    result = CliRunner().invoke(main, ["summarize", str(ARCH / "lenet5.yaml"), "--input", size, "--format", "csv"])
    assert result.exit_code == 0, result.output
    conv1 = result.output.splitlines()[1]
    assert conv1.startswith(f"conv1,conv,input,{expected} x (W - 4) x 6,")
    pool2 = result.output.splitlines()[4]
    # floor((floor((H-4)/2) - 4)/2)... = floor((H - 4)/4) - 2 = floor(H/4) - 3
    assert "(floor(H/4) - 3) x (floor(W/4) - 3) x 16" in pool2


def test_alexnet_examples_start_at_the_smallest_size() -> None:
    # torchvision AlexNet: conv1 11/4 pad 2: (n + 4 - 11)/4 exact iff n = 3 (mod 4), giving
    # m1 = (n - 3)/4; three 3/2 max pools need m1, m2 = (m1 - 1)/2 and m3 = (m2 - 1)/2 odd, so
    # n = 32k + 31; pool5 needs m3 >= 3, so the first is n = 63 (63 -> 15 -> 7 -> 3 -> 1), below
    # the first multiple of the period (64) that the search starts from.
    found = find((ARCH / "alexnet.yaml").read_text(), "alexnet", input_override="HxWx3")
    assert found.smallest == 63
    assert found.clean_residues == (31,)
    assert found.examples == (63, 95, 127, 159, 191)


@pytest.mark.parametrize("period,residues,expected", [
    (32, tuple(range(1, 32, 2)), "H and W odd"),  # GoogLeNet (Caffe): the odd residues mod 32
    (32, (0, 8, 16, 24), "H and W divisible by 8"),
    (12, (1, 5, 9), "H and W ≡ 1 (mod 4)"),
    (1, (0,), "any H and W (no division ever floors)"),  # inception3a: no stride at all
    (4, (0, 1, 2, 3), "any H and W (no division ever floors)"),
    (32, (31,), "H and W ≡ 31 (mod 32)"),
])
def test_condition_is_stated_with_the_smallest_modulus(period: int, residues: tuple[int, ...],
                                                        expected: str) -> None:
    assert Conditions(("H", "W"), period, 1, None, residues, ()).describe() == expected


# YOLO's pattern: stride-2 3x3 pad-1 convs, then an upsampled path concatenated with the
# stride-2 one.  a = floor((H + 2 - 3)/2) + 1 = ceil(H/2); b = ceil(H/4); u = 2 ceil(H/4).
# Aligned iff ceil(H/2) = 2 ceil(H/4): H = 4k (2k = 2k) or 4k + 3 (2k + 2 = 2k + 2), not 4k + 1
# or 4k + 2 (2k + 1 vs 2k + 2).  No division is exact at both: at 4k, (4k - 1)/2 floors; at
# 4k + 3, a = 2k + 2 is even and (2k + 1)/2 floors.  Each of those floors leaves only padding
# uncovered (4k + 2 padded, windows end at 4k; 2k + 4 padded, windows end at 2k + 2), so the
# padding-only sizes are 0 and 3 (mod 4); the smallest is 3 (a 2, b 1, u 2).
YOLO_LIKE = """
input: [H, W, 3]
layers:
  - conv: {filters: 4, f: 3, s: 2, padding: 1, name: a}
  - conv: {filters: 4, f: 3, s: 2, padding: 1, name: b}
  - upsample: {factor: 2, name: u}
  - concat: {from: [a, u]}
"""


def test_sizes_whose_floors_drop_only_padding(tmp_path: Path) -> None:
    found = find(YOLO_LIKE, "yolo.yaml")
    assert found.smallest == 3
    assert found.clean_residues == ()
    assert found.padding_residues == (0, 3)
    assert found.padding_examples == (3, 4, 7, 8, 11)
    assert found.describe(found.padding_residues) == "H and W ≡ 0, 3 (mod 4)"
    f = tmp_path / "yolo.yaml"
    f.write_text(YOLO_LIKE)
    out = CliRunner().invoke(main, ["constraints", str(f)])
    assert out.exit_code == 0, out.output
    assert "no size of H and W avoids every floor" in out.output
    assert ("every floor drops nothing (only padding, or what the stride skips anyway: --strict passes) "
            "when: H and W ≡ 0, 3 (mod 4)") in out.output
    assert "such sizes: 3, 4, 7, 8, 11, ... (period 4)" in out.output


def test_runs_of_residues_read_as_ranges() -> None:
    # YOLOv3 at 32k + r: ceil(n/16) = 2 ceil(n/32) needs r = 0 or r >= 17, and
    # ceil(n/8) = 2 ceil(n/16) needs r = 0 or r >= 25
    c = Conditions(("H", "W"), 32, 25, None, (), (), (0, *range(25, 32)))
    assert c.describe(c.padding_residues) == "H and W ≡ 0, 25..31 (mod 32)"


SE_GATE = """
input: [H, H, 4]
layers:
  - conv: {filters: 4, f: 3, s: 2, padding: 1, name: x}
  - gap
  - conv: {filters: 4, f: 1, name: g}
  - multiply: {from: [x, g]}
  - conv: {filters: 4, f: 3, s: 2, padding: 1}
"""


def test_a_squeeze_and_excitation_gate_keeps_the_period_of_the_main_path() -> None:
    # issue 13: the gate's jump (a whole input) leaked into the main path, the period came out
    # 2 and no size was clean. By hand: (H + 2 - 3) / 2 exact needs H odd, H = 2k + 1 -> k + 1;
    # then (k + 1 - 1) / 2 exact needs k even: H = 4m + 1, so H ≡ 1 (mod 4): 9 is, 7 is not.
    found = find(SE_GATE, "se.yaml")
    assert (found.period, found.clean_residues, found.exceptions) == (4, (1,), ())
    assert found.examples[:3] == (1, 5, 9)


def test_exceptions_below_the_start_are_stated() -> None:
    # conv 1x1/3 in a residual with shortcut: auto: at H = 4 the main path gives 2 and `auto`
    # picks the smallest stride that gives 2, s = 2, which floors 3/2; from H = 7 on it picks 3
    text = ("input: [H, H, 4]\nlayers:\n  - residual:\n      main: [{conv: {filters: 4, f: 1, s: 3}}, bn]\n"
            "      shortcut: auto\n")
    found = find(text, "r.yaml")
    assert found.clean_residues == (1,) and 4 in found.exceptions
    assert found.is_clean(1) and not found.is_clean(4) and found.is_clean(7)
    assert "not H = 4" in found.describe()  # [H, H, 4] names one symbol, once
