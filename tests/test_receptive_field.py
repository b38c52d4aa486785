"""Receptive field (`rf`) and jump (effective stride) of every layer's output (SPEC §1, §3).

Rule: r_out = r_in + d(f-1) * j_in, j_out = j_in * s, starting from r = j = 1 at the input
(Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks",
Distill 2019, eq. 1-2). Padding never changes r or j.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.cli import read_source
from cnncalc.report import Report


def bundled(name: str) -> Report:
    text, display = read_source(name)
    return analyze_text(text, display, {}, None, "float32")


def inline(text: str) -> Report:
    return analyze_text(text, "t.yaml", {}, None, "float32")


def row(report: Report, name: str):
    return next(r for r in report.rows if r.name == name)


# ---- published values (Distill 2019, Table 1) -------------------------------------------

# The original AlexNet (Krizhevsky et al. 2012): conv1 11x11/4 without padding on 227x227.
# Worked by hand:
#   conv1 11/4: r = 11,                j = 4
#   pool1  3/2: r = 11 + 2*4   = 19,   j = 8
#   conv2  5/1: r = 19 + 4*8   = 51,   j = 8
#   pool2  3/2: r = 51 + 2*8   = 67,   j = 16
#   conv3  3/1: r = 67 + 2*16  = 99
#   conv4  3/1: r = 99 + 2*16  = 131
#   conv5  3/1: r = 131 + 2*16 = 163
#   pool5  3/2: r = 163 + 2*16 = 195,  j = 32   <- Distill's 195: the last feature map, pool5
ORIGINAL_ALEXNET = """
input: 227x227x3
layers:
  - conv: {filters: 96, f: 11, s: 4, name: conv1}
  - pool: {f: 3, s: 2, name: pool1}
  - conv: {filters: 256, f: 5, padding: 2, name: conv2}
  - pool: {f: 3, s: 2, name: pool2}
  - conv: {filters: 384, f: 3, padding: 1, name: conv3}
  - conv: {filters: 384, f: 3, padding: 1, name: conv4}
  - conv: {filters: 256, f: 3, padding: 1, name: conv5}
  - pool: {f: 3, s: 2, name: pool5}
  - fc: {units: 4096, name: fc6}
"""

ALEXNET_STEPS = [("conv1", 11, 4), ("pool1", 19, 8), ("conv2", 51, 8), ("pool2", 67, 16),
                 ("conv3", 99, 16), ("conv4", 131, 16), ("conv5", 163, 16), ("pool5", 195, 32)]


@pytest.mark.parametrize(("name", "rf", "jump"), ALEXNET_STEPS)
def test_original_alexnet_matches_distill(name: str, rf: int, jump: int) -> None:
    r = row(inline(ORIGINAL_ALEXNET), name)
    assert r.rf == (rf, rf)
    assert r.jump == (jump, jump)


@pytest.mark.parametrize(("name", "rf", "jump"), ALEXNET_STEPS)
def test_torchvision_alexnet_same_fields(name: str, rf: int, jump: int) -> None:
    # torchvision pads conv1 by 2 (224 input) and has 64-192-384-256-256 filters: padding and
    # widths never change r or j, so the bundled layout gives the same numbers.
    r = row(bundled("alexnet"), name)
    assert (r.rf, r.jump) == ((rf, rf), (jump, jump))


def test_alexnet_adaptive_pool_6_to_6_is_an_identity() -> None:
    # SPEC: PyTorch's bins from 6 to 6 are one value wide and start 1 apart: rf and jump stay
    # pool5's 195 and 32 (Distill's 195; issue 13 found 355 = 195 + 5 * 32 here).
    r = row(bundled("alexnet"), "avgpool")
    assert (r.rf, r.jump) == ((195, 195), (32, 32))


def test_vgg16_matches_distill_212() -> None:
    # Two 3x3 convs add 2*j each, a 2x2/2 pool adds 1*j and doubles j:
    #   stage1: 1 + 2 + 2 = 5,        pool: 5 + 1   = 6,   j 2
    #   stage2: 6 + 4 + 4 = 14,       pool: 14 + 2  = 16,  j 4
    #   stage3: 16 + 3*8  = 40,       pool: 40 + 4  = 44,  j 8
    #   stage4: 44 + 3*16 = 92,       pool: 92 + 8  = 100, j 16
    #   stage5: 100 + 3*32 = 196,     pool: 196 + 16 = 212, j 32  <- Distill's 212
    report = bundled("vgg16")
    assert row(report, "stage5.conv3").rf == (196, 196)
    last = row(report, "stage5.pool1")
    assert (last.rf, last.jump) == ((212, 212), (32, 32))


def test_resnet50_torchvision_427_not_tf_slim_483() -> None:
    # conv1 7/2: r = 7, j = 2; maxpool 3/2: r = 7 + 2*2 = 11, j = 4. Then every bottleneck's
    # 3x3 adds 2*j_in (the 1x1 convs and the stride-2 1x1 projection add nothing; the add
    # takes the larger r of its inputs, the main path's).
    # torchvision ("v1.5") puts the stride in the 3x3 of a stage's FIRST block, so that conv
    # still reads the finer grid. 3x3 convs per input jump:
    #   j=4: 3 (stage 2) + 1 (first of stage 3)   j=8: 3 + 1   j=16: 5 + 1   j=32: 2
    #   r = 11 + 2*(4*4 + 8*4 + 16*6 + 32*2) = 11 + 2*208 = 427
    # TF-Slim (Distill's ResNet-50) strides the LAST unit of blocks 1-3, so:
    #   j=4: 3   j=8: 4   j=16: 6   j=32: 3
    #   r = 11 + 2*(4*3 + 8*4 + 16*6 + 32*3) = 11 + 2*236 = 483  (Distill's value)
    # One 3x3 moves from the j=32 grid to the j=4 grid: 483 - 427 = 2*(32 - 4) = 56.
    report = bundled("resnet50")
    last = row(report, "bottleneck16.add")
    assert (last.rf, last.jump) == ((427, 427), (32, 32))
    assert 483 - 427 == 2 * (32 - 4)
    # the first block of stage 3 (bottleneck4): 35 after stage 2, + 2*4 in its strided 3x3
    first = row(report, "bottleneck4.main.conv2")
    assert (first.rf, first.jump) == ((11 + 3 * 8 + 8, 11 + 3 * 8 + 8), (8, 8))


def test_resnet50_gap_covers_the_whole_input_and_fc_has_none() -> None:
    # gap on 7x7 with j = 32: r = 427 + (7-1)*32 = 619, j = 32 * 7 = 224
    report = bundled("resnet50")
    gap = row(report, "gap1")
    assert (gap.rf, gap.jump) == ((619, 619), (224, 224))
    assert row(report, "fc1").rf is None and row(report, "fc1").jump is None


# ---- hand-worked cases ------------------------------------------------------------------

CASES = [
    # dilation 2 makes a 3x3 span 5: r = 1 + 2*(3-1)*1 = 5; then 3x3 d=4 after a 2/2 pool:
    # pool: r = 5 + 1*1 = 6, j = 2; conv: r = 6 + 4*(3-1)*2 = 22, j = 2
    ("""
input: 64x64x1
layers:
  - conv: {filters: 4, f: 3, dilation: 2, padding: 2, name: a}
  - pool: {f: 2, name: p}
  - conv: {filters: 4, f: 3, dilation: 4, padding: 4, name: b}
""", {"a": (5, 1), "p": (6, 2), "b": (22, 2)}),
    # residual: main 3x3 then 3x3 (r = 5); shortcut a 7x7 (r = 7): the add takes the larger, 7
    ("""
input: 32x32x8
layers:
  - residual:
      name: res
      main:
        - conv: {filters: 8, f: 3, padding: 1}
        - conv: {filters: 8, f: 3, padding: 1}
      shortcut:
        - conv: {filters: 8, f: 7, padding: 3}
""", {"res.main.conv2": (5, 1), "res.shortcut.conv1": (7, 1), "res.add": (7, 1)}),
    # parallel: 1x1 (r 1), 5x5 (r 5), pool 3/1 then 1x1 (r 3): the concat takes 5
    ("""
input: 28x28x16
layers:
  - parallel:
      name: inc
      branches:
        - [conv: {filters: 4, f: 1}]
        - [conv: {filters: 4, f: 5, padding: 2}]
        - [pool: {f: 3, s: 1, padding: 1}, conv: {filters: 4, f: 1}]
""", {"inc.b1.conv1": (1, 1), "inc.b2.conv1": (5, 1), "inc.b3.conv1": (3, 1), "inc.concat": (5, 1)}),
    # upsample x2 halves j (4 -> 2) and keeps r: pools 2/2 twice: r = 1+1 = 2 (j 2), 2+2 = 4 (j 4)
    # then a 3x3 at j = 2: r = 4 + 2*2 = 8
    ("""
input: 32x32x3
layers:
  - pool: {f: 2, name: p1}
  - pool: {f: 2, name: p2}
  - upsample: {factor: 2, name: up}
  - conv: {filters: 3, f: 3, padding: 1, name: c}
""", {"p1": (2, 2), "p2": (4, 4), "up": (4, 2), "c": (8, 2)}),
    # gap covers its whole input: after a 3x3 (r 3, j 1) on 10x10 -> 8x8: r = 3 + (8-1)*1 = 10,
    # j = 1 * 8 = 8; the fc after it has none
    ("""
input: 10x10x1
layers:
  - conv: {filters: 2, f: 3, name: c}
  - gap: {name: g}
  - fc: {units: 3, name: out}
""", {"c": (3, 1), "g": (10, 8), "out": None}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_hand_worked(text: str, expected: dict) -> None:
    report = inline(text)
    for name, want in expected.items():
        r = row(report, name)
        if want is None:
            assert r.rf is None and r.jump is None
        else:
            assert (r.rf, r.jump) == ((want[0], want[0]), (want[1], want[1])), name


def test_deconv_divides_jump_into_a_fraction() -> None:
    # One 2x2/2 pool: r = 2, j = 2. A deconv f=3 s=4: j = 2/4 = 1/2 (fractional), and one output
    # value reads ceil(3/4) = 1 input value, so r = 2 + (1 - 1) * 2 = 2.
    report = inline("""
input: 16x16x1
layers:
  - pool: {f: 2, name: p}
  - deconv: {filters: 1, f: 3, s: 4, name: up}
""")
    up = row(report, "up")
    assert up.jump == (Fraction(1, 2), Fraction(1, 2))
    assert up.rf == (2, 2)


def test_rectangular_kernel_and_stride() -> None:
    # f = [3, 5], s = [1, 2]: r = (3, 5), j = (1, 2); then a 3x3: r = (3 + 2*1, 5 + 2*2) = (5, 9)
    report = inline("""
input: 32x32x1
layers:
  - conv: {filters: 1, f: [3, 5], s: [1, 2], name: a}
  - conv: {filters: 1, f: 3, name: b}
""")
    assert (row(report, "a").rf, row(report, "a").jump) == ((3, 5), (1, 2))
    assert row(report, "b").rf == (5, 9)


def test_adaptive_pool_uneven_bins() -> None:
    # 7 -> 3: bins [0, 3), [2, 5), [4, 7): the widest spans 3, r = 1 + (3 - 1) * 1 = 3; they
    # start 7/3 apart on average, the jump (a fraction, as after an upsample).
    report = inline("""
input: 7x7x1
layers:
  - adaptive_pool: {output: [3, 3], name: a}
""")
    a = row(report, "a")
    assert a.rf == (3, 3) and a.jump == (Fraction(7, 3), Fraction(7, 3))


def test_adaptive_pool_rf_against_torch() -> None:
    # The gradient of one output of AdaptiveAvgPool2d is non-zero exactly on its bin: the
    # widest has 3 rows, the rf reported above.
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 1, 7, 7, requires_grad=True)
    y = torch.nn.AdaptiveAvgPool2d((3, 3))(x)
    widths = []
    for i in range(3):
        (g,) = torch.autograd.grad(y[0, 0, i, 0], x, retain_graph=True)
        widths.append(int((g[0, 0, :, 0] != 0).sum()))
    assert max(widths) == 3


# ---- summarize --columns -----------------------------------------------------------------


def test_columns_show_rf_and_jump_in_the_table() -> None:
    from click.testing import CliRunner

    from cnncalc.cli import main

    out = CliRunner().invoke(main, ["summarize", "vgg16", "--columns", "rf,jump", "--format", "markdown"])
    assert out.exit_code == 0, out.output
    assert "| RF | Jump |" in out.stdout
    row_ = next(x for x in out.stdout.splitlines() if x.startswith("| `stage5.pool1`"))
    assert row_.endswith("| 212 | 32 |")  # Distill's 212, jump 2^5
    # --wide: at 80 columns the extra columns are the first left out (render/fit.py)
    table = CliRunner().invoke(main, ["summarize", "alexnet", "--columns", "rf, jump,bytes", "--wide"])
    line = next(x for x in table.stdout.splitlines() if x.strip().startswith("pool5"))
    assert "195" in line and "32" in line
    # conv1 param bytes: (11*11*3*64 + 64) * 4 = 23,296 * 4 = 93,184
    conv1 = next(x for x in table.stdout.splitlines() if x.strip().startswith("conv1"))
    assert conv1.rstrip().endswith("93,184")


def test_columns_rectangular_rf_and_unknown_name() -> None:
    from click.testing import CliRunner

    from cnncalc.cli import main

    text = "input: 32x32x1\nlayers:\n  - conv: {filters: 1, f: [3, 5], s: [1, 2]}\n"
    runner = CliRunner()
    with runner.isolated_filesystem():
        with open("r.yaml", "w") as fh:
            fh.write(text)
        out = runner.invoke(main, ["summarize", "r.yaml", "--columns", "rf,jump", "--format", "markdown"])
        assert out.stdout.splitlines()[5].endswith("| 3x5 | 1x2 |")  # after the input row
    bad = runner.invoke(main, ["summarize", "lenet5", "--columns", "rf,size"])
    assert bad.exit_code == 2 and "'size' is not one of" in bad.output
