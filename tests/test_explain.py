"""`cnncalc explain`: the course's worked examples, formula text and numbers, through the real CLI.

Every expected number is worked by hand in the comment beside it (or is a published total);
none is pasted from cnncalc's own output.
"""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import _wants_ascii, main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def block(out: str, layer: str) -> str:
    """The lines explaining one layer (from its header to the blank line after it)."""
    m = re.search(rf"^{re.escape(layer)} \(.*?(?=\n\n|\Z)", out, re.S | re.M)
    assert m, f"no block for {layer} in:\n{out}"
    return m.group(0)


# ---- the pop quiz: 600x600x3, four 3x3 stride-2 convs of 10 filters, one unit ---------------

POPQUIZ = [
    # (600 - 3)/2 = 298.5 -> 298, + 1 = 299; one row and column never covered
    ("conv1", "floor((600 + 2x0 - 3)/2) + 1 = floor(597/2) + 1 = floor(298.5) + 1 = 299"),
    # (299 - 3)/2 = 148 exactly, + 1 = 149
    ("conv2", "floor((299 + 2x0 - 3)/2) + 1 = floor(296/2) + 1 = 149"),
    # (149 - 3)/2 = 73, + 1 = 74
    ("conv3", "floor((149 + 2x0 - 3)/2) + 1 = floor(146/2) + 1 = 74"),
    # (74 - 3)/2 = 35.5 -> 35, + 1 = 36
    ("conv4", "floor((74 + 2x0 - 3)/2) + 1 = floor(71/2) + 1 = floor(35.5) + 1 = 36"),
]


@pytest.mark.parametrize(("layer", "working"), POPQUIZ)
def test_pop_quiz_sizes_with_their_floors(layer: str, working: str) -> None:
    code, out, _ = run("explain", "popquiz", "--ascii")
    assert code == 0
    text = block(out, layer)
    assert f"n_H = n_W = floor((n_H_prev + 2p - f)/s) + 1 = {working}" in text


@pytest.mark.parametrize(("layer", "fraction"), [("conv1", "597/2 = 298.5 rounds down to 298"),
                                                  ("conv4", "71/2 = 35.5 rounds down to 35")])
def test_pop_quiz_says_what_was_floored_and_dropped(layer: str, fraction: str) -> None:
    _, out, _ = run("explain", "popquiz", "--ascii")
    text = block(out, layer)
    # 597 = 298*2 + 1: the last input row (and column) starts no window
    assert f"floored: {fraction}; 1 input row and column at the bottom and right never covered" in text


def test_a_floor_over_padding_only_says_so_once_for_both_axes() -> None:
    # (224 + 2x1 - 3)/2 = 111.5: the dropped half-window is padding only, on both axes at once
    _, out, _ = run("explain", "mobilenet_v2", "conv1", "--ascii")
    text = block(out, "conv1")
    assert "floored: 223/2 = 111.5 rounds down to 111; only padding is left uncovered, " \
           "no input row or column is dropped" in text
    assert "column and column" not in out and "row and row" not in out


def test_exact_divisions_are_not_called_floored() -> None:
    _, out, _ = run("explain", "popquiz", "--ascii")
    assert "floored" not in block(out, "conv2") and "floored" not in block(out, "conv3")


def test_pop_quiz_params_and_the_final_unit() -> None:
    _, out, _ = run("explain", "popquiz", "--ascii")
    # conv1: (3*3*3 + 1)*10 = 280; conv2: (3*3*10 + 1)*10 = 910
    assert "parameters = (f x f x n_C_prev + 1) x n_C = (3 x 3 x 3 + 1) x 10 = 280" in block(out, "conv1")
    assert "parameters = (f x f x n_C_prev + 1) x n_C = (3 x 3 x 10 + 1) x 10 = 910" in block(out, "conv2")
    fc = block(out, "fc1")
    # 36*36*10 = 12,960 values flattened; (12960 + 1)*1 = 12,961
    assert "n_in (implicit flatten) = n_H x n_W x n_C = 36 x 36 x 10 = 12,960" in fc
    assert "parameters = (n_in + 1) x n_out = (12960 + 1) x 1 = 12,961" in fc
    # 280 + 3*910 + 12,961 = 15,971
    assert "total parameters = sum of every layer's parameters = 280 + 910 + 910 + 910 + 12,961 = 15,971" \
        in out


def test_conv_macs_and_activations_pop_quiz_conv1() -> None:
    _, out, _ = run("explain", "popquiz", "conv1", "--ascii")
    # 299*299*10 = 894,010 outputs, each 3*3*3 = 27 multiplications: 24,138,270
    assert "MACs = (n_H x n_W x n_C) x (f x f x n_C_prev) = (299 x 299 x 10) x (3 x 3 x 3) " \
           "= 894,010 x 27 = 24,138,270" in out
    assert "activations = n_H x n_W x n_C = 299 x 299 x 10 = 894,010" in out
    assert "conv2" not in out  # only the layer asked for


# ---- single worked examples ---------------------------------------------------------------


def test_100_filters_of_3x3x3_have_2800_params(tmp_path: Path) -> None:
    f = write(tmp_path, "q.yaml", """\
        input: [32, 32, 3]
        layers:
          - conv: {filters: 100, f: 3}
    """)
    _, out, _ = run("explain", f, "--ascii")
    # weights 3*3*3*100 = 2,700 and one bias per filter, 100: (27 + 1)*100 = 2,800
    assert "weights = f x f x n_C_prev x n_C = 3 x 3 x 3 x 100 = 2,700" in out
    assert "biases = 100  (n_C, one per filter)" in out
    assert "parameters = (f x f x n_C_prev + 1) x n_C = (3 x 3 x 3 + 1) x 100 = 2,800" in out


def test_six_5x5_filters_on_32x32x3_give_28x28x6() -> None:
    _, out, _ = run("explain", "lenet5_rgb", "conv1", "--ascii")
    # (32 + 0 - 5)/1 + 1 = 28, six filters -> 6 channels; (5*5*3 + 1)*6 = 456
    assert "n_H = n_W = floor((n_H_prev + 2p - f)/s) + 1 = floor((32 + 2x0 - 5)/1) + 1 = 27 + 1 = 28" in out
    assert "n_C = 6  (number of filters)" in out
    assert "(5 x 5 x 3 + 1) x 6 = 456" in out
    assert "32 x 32 x 3 -> 28 x 28 x 6" in out


def test_a_32x32x3_image_is_stretched_to_3072_for_an_fc_layer(tmp_path: Path) -> None:
    f = write(tmp_path, "fc.yaml", """\
        input: 32x32x3
        layers:
          - fc: 10
    """)
    _, out, _ = run("explain", f, "--ascii")
    # 32*32*3 = 3,072 inputs; (3072 + 1)*10 = 30,730
    assert "n_in (implicit flatten) = n_H x n_W x n_C = 32 x 32 x 3 = 3,072" in out
    assert "the 32 x 32 x 3 volume is stretched into one vector of 3,072 values" in out
    assert "parameters = (n_in + 1) x n_out = (3072 + 1) x 10 = 30,730" in out


def test_the_pooling_formula() -> None:
    _, out, _ = run("explain", "lenet5", "pool1", "--ascii")
    # (28 - 2)/2 + 1 = 14; channels unchanged; nothing to learn
    assert "n_H = n_W = floor((n_H_prev - f)/s) + 1 = floor((28 - 2)/2) + 1 = floor(26/2) + 1 = 14" in out
    assert "n_C = 6  (n_C_prev: pooling works on each channel apart)" in out
    assert "parameters = 0" in out and "MACs = 0" in out


# ---- the LeNet-5 table, row by row --------------------------------------------------------

LENET = [
    ("conv1", "(5 x 5 x 1 + 1) x 6 = 156"),                     # 26*6
    ("conv1", "(28 x 28 x 6) x (5 x 5 x 1) = 4,704 x 25 = 117,600"),
    ("pool1", "floor((28 - 2)/2) + 1 = floor(26/2) + 1 = 14"),
    ("conv2", "floor((14 + 2x0 - 5)/1) + 1 = 9 + 1 = 10"),
    ("conv2", "(5 x 5 x 6 + 1) x 16 = 2,416"),                  # 151*16
    ("conv2", "(10 x 10 x 16) x (5 x 5 x 6) = 1,600 x 150 = 240,000"),
    ("pool2", "floor((10 - 2)/2) + 1 = floor(8/2) + 1 = 5"),
    ("fc1", "n_H x n_W x n_C = 5 x 5 x 16 = 400"),
    ("fc1", "(n_in + 1) x n_out = (400 + 1) x 120 = 48,120"),    # 401*120
    ("fc2", "(120 + 1) x 84 = 10,164"),                         # 121*84
    ("fc3", "(84 + 1) x 10 = 850"),                             # 85*10
]


@pytest.mark.parametrize(("layer", "working"), LENET)
def test_lenet5_table(layer: str, working: str) -> None:
    _, out, _ = run("explain", "lenet5", "--ascii")
    assert working in block(out, layer)


def test_lenet5_total_is_the_published_61706() -> None:
    _, out, _ = run("explain", "lenet5", "--ascii")
    # 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 (the course's table)
    assert "= 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706" in out


# ---- padding, merges, bn, other kinds -----------------------------------------------------


def test_tensorflow_same_padding_is_asymmetric_with_stride_2(tmp_path: Path) -> None:
    f = write(tmp_path, "same.yaml", """\
        input: [6, 6, 1]
        layers:
          - conv: {filters: 1, f: 3, s: 2, padding: same}
    """)
    _, out, _ = run("explain", f, "--ascii")
    # ceil(6/2) = 3 outputs need (3-1)*2 + 3 = 7 rows: 1 row of padding, 0 on top, 1 at the bottom
    assert "p_total (same) = max((ceil(n_H_prev/s) - 1) x s + f - n_H_prev, 0) " \
           "= max((ceil(6/2) - 1) x 2 + 3 - 6, 0) = 1" in out
    assert "p_top, p_bottom (and p_left, p_right) = floor(p_total/2), the rest " \
           "= floor(1/2), 1 - 0 = 0, 1" in out
    assert "asymmetric: the extra row goes to the bottom (and right)" in out
    assert "floor((6 + 0 + 1 - 3)/2) + 1 = floor(4/2) + 1 = 3" in out


def test_height_and_width_apart_when_they_differ(tmp_path: Path) -> None:
    f = write(tmp_path, "hw.yaml", """\
        input: [10, 7, 1]
        layers:
          - conv: {filters: 2, f: [3, 1], s: 2}
    """)
    _, out, _ = run("explain", f, "--ascii")
    # n_H: (10 - 3)/2 = 3.5 -> 3, + 1 = 4;  n_W: (7 - 1)/2 = 3, + 1 = 4
    assert "n_H = floor((n_H_prev + 2p - f)/s) + 1 = floor((10 + 2x0 - 3)/2) + 1 = floor(7/2) + 1 " \
           "= floor(3.5) + 1 = 4" in out
    assert "n_W = floor((n_W_prev + 2p - f)/s) + 1 = floor((7 + 2x0 - 1)/2) + 1 = floor(6/2) + 1 = 4" in out
    assert "1 input row at the bottom never covered" in out
    # f_h*f_w*C_in*n_C + n_C = 3*1*1*2 + 2 = 8
    assert "(f_h x f_w x n_C_prev + 1) x n_C = (3 x 1 x 1 + 1) x 2 = 8" in out


MERGES = """\
    input: [28, 28, 192]
    layers:
      - parallel:
          name: mix
          branches:
            - [{conv: {filters: 64, f: 1}}]
            - [{conv: {filters: 32, f: 3, padding: 1}}, bn]
      - residual:
          name: res
          main: [{conv: {filters: 96, f: 3, padding: 1}}]
"""


def test_concat_add_and_bn(tmp_path: Path) -> None:
    f = write(tmp_path, "merge.yaml", MERGES)
    code, out, err = run("explain", f, "--ascii")
    assert code == 0, err
    # channels add up: 64 + 32 = 96; n_H, n_W must match (28 x 28)
    assert "n_C = the inputs' channels add up = 64 + 32 = 96" in block(out, "mix.concat")
    assert "must be equal in every input = mix.b1.conv1 28 x 28, mix.b2.bn1 28 x 28 = 28, 28" in out
    add = block(out, "res.add")
    # the rule is a note of its own ("rule, then relu = a + b = shape" read as if relu were a sum)
    assert "  output = res.main.conv1 (28 x 28 x 96) + mix.concat (28 x 28 x 96) = 28 x 28 x 96\n" in add
    assert "      an add needs all inputs of equal shapes, and keeps that shape\n" in add
    bn = block(out, "mix.b2.bn1")
    # gamma and beta per channel: 2*32 = 64 params; running mean and variance: 64 buffers
    assert "parameters = 2 x n_C (gamma and beta, one of each per channel) = 2 x 32 = 64" in bn
    assert "buffers = 2 x n_C (running mean and variance: not learned, not parameters) = 2 x 32 = 64" in bn


def test_a_composite_name_explains_every_layer_inside(tmp_path: Path) -> None:
    f = write(tmp_path, "merge.yaml", MERGES)
    _, out, _ = run("explain", f, "mix", "--ascii")
    assert re.findall(r"^(\S+) \(", out, re.M) == ["mix.b1.conv1", "mix.b2.conv1", "mix.b2.bn1", "mix.concat"]


KINDS = """\
    input: [8, 8, 4]
    layers:
      - zeropad: 1
      - depthwise: {f: 3}
      - deconv: {filters: 2, f: 2, s: 2}
      - local: {filters: 2, f: 3, s: 2}
      - upsample: 2
      - crop: [10, 10]
      - space_to_depth: 2
      - split: {groups: 2, index: 1}
      - adaptive_pool: [2, 2]
      - gap
      - flatten
      - dropout: 0.5
      - relu
"""

KIND_STEPS = [
    ("zeropad1", "n_H = n_W = n_H_prev + p_top + p_bottom = 8 + 1 + 1 = 10"),
    # one 3x3 filter per channel: (3*3 + 1)*4 = 40; 8*8*4 outputs * 9 = 2,304 MACs
    ("depthwise1", "n_C = n_C_prev x multiplier = 4 x 1 = 4"),
    ("depthwise1", "parameters = (f x f + 1) x n_C = (3 x 3 + 1) x 4 = 40"),
    ("depthwise1", "(8 x 8 x 4) x (3 x 3) = 256 x 9 = 2,304"),
    # (8 - 1)*2 - 0 + 1*(2 - 1) + 0 + 1 = 16
    ("deconv1", "n_H = n_W = (n_H_prev - 1) x s - 2p + d(f - 1) + output_padding + 1 "
                "= (8 - 1) x 2 - 0 + 1x(2 - 1) + 0 + 1 = 16"),
    ("deconv1", "(f x f x n_C_prev + 1) x n_C = (2 x 2 x 4 + 1) x 2 = 34"),
    # (16 - 3)/2 = 6.5 -> 6, + 1 = 7; 7*7*2 positions, each (3*3*2 + 1) = 19: 1,862
    ("local1", "floor(13/2) + 1 = floor(6.5) + 1 = 7"),
    ("local1", "n_H x n_W x n_C x (f x f x n_C_prev + 1) (no weight sharing) "
               "= 7 x 7 x 2 x (3 x 3 x 2 + 1) = 1,862"),
    ("upsample1", "n_H = n_W = n_H_prev x factor = 7 x 2 = 14"),
    ("crop1", "offsets: 2 from the top, 2 from the left"),   # (14 - 10)//2 = 2
    ("space_to_depth1", "n_C = n_C_prev x block x block = 2 x 2 x 2 = 8"),
    ("split1", "n_C = n_C_prev/groups (slice 1 of 2, from 0) = 8/2 = 4"),
    ("adaptive_pool1", "n_H, n_W = 2, 2"),
    ("gap1", "n_H = n_W = 1: the mean over the whole n_H_prev x n_W_prev = 2 x 2 -> 1 = 1"),
    ("flatten1", "n_out = n_H x n_W x n_C = 1 x 1 x 4 = 4"),
    ("dropout1", "output = [4]  (unchanged: dropout works on each value apart)"),
    ("relu1", "output = [4]  (unchanged: relu works on each value apart)"),
]


@pytest.mark.parametrize(("layer", "working"), KIND_STEPS)
def test_every_other_kind(tmp_path: Path, layer: str, working: str) -> None:
    f = write(tmp_path, "kinds.yaml", KINDS)
    code, out, err = run("explain", f, "--ascii")
    assert code == 0, err
    assert working in block(out, layer)


# ---- savings, formats, errors -------------------------------------------------------------


def test_bottleneck_saving_in_explain() -> None:
    _, out, _ = run("explain", "bottleneck_5x5", "--ascii")
    # plain 5x5 on 192 channels: 28*28*32 * 5*5*192 = 120,422,400; here 2,408,448 + 10,035,200
    assert "plain MACs = (n_H x n_W x n_C) x (f x f x n_C_prev) " \
           "= (28 x 28 x 32) x (5 x 5 x 192) = 120,422,400" in out
    assert "conv1 + conv2 need 2,408,448 + 10,035,200 = 12,443,648; 9.7x fewer" in out
    # (5*5*192 + 1)*32 = 153,632 against 3,088 + 12,832 = 15,920
    assert "plain parameters = (f x f x n_C_prev + 1) x n_C = (5 x 5 x 192 + 1) x 32 = 153,632" in out


def test_unicode_by_default() -> None:
    _, out, _ = run("explain", "popquiz", "conv1")
    assert "n_H = n_W = ⌊(n_H_prev + 2p - f)/s⌋ + 1 = ⌊(600 + 2×0 - 3)/2⌋ + 1 = ⌊597/2⌋ + 1" in out
    assert "(f × f × n_C_prev + 1) × n_C = (3 × 3 × 3 + 1) × 10 = 280" in out


def test_ascii_fallback_when_stdout_cannot_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert _wants_ascii(False) is True
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert _wants_ascii(False) is False
    assert _wants_ascii(True) is True


def test_markdown_for_a_write_up() -> None:
    code, out, _ = run("explain", "lenet5", "conv1", "--format", "markdown")
    assert code == 0
    assert out.startswith("### LeNet-5 (slightly modified) (input 32 x 32 x 1)")
    assert "#### `conv1` (conv): 32 x 32 x 1 → 28 x 28 x 6" in out
    assert "- `parameters = (f × f × n_C_prev + 1) × n_C = (5 × 5 × 1 + 1) × 6 = 156`" in out


def test_unknown_layer_is_a_located_error_with_the_nearest_names() -> None:
    code, out, err = run("explain", "popquiz", "conv9")
    assert code == 2 and out == ""
    pattern = r"popquiz:\d+:\d+: error: no layer named 'conv9' in popquiz \(nearest: (conv\d(, )?){3}\)\n"
    assert re.fullmatch(pattern, err), err
    assert "Traceback" not in err


def test_symbolic_sizes_keep_their_expressions() -> None:
    code, out, _ = run("explain", "lenet5", "conv1", "--input", "HxWx1")
    assert code == 0
    # (H + 0 - 5)/1 + 1 = H - 4, and the same for W
    assert "n_H = ⌊(n_H_prev + 2p - f)/s⌋ + 1 = ⌊(H + 2×0 - 5)/1⌋ + 1 = H - 4" in out
    assert "conv1 (conv): H x W x 1 → (H - 4) x (W - 4) x 6" in out


def test_symbolic_sizes_are_written_as_summarize_writes_them() -> None:
    # resnet18 on H x W: conv1 7/2 pad 3 -> floor((H - 1)/2) + 1; pool 3/2 pad 1 ->
    # floor((H - 1)/4) + 1; basic3's first conv 3/2 pad 1: floor((m + 2 - 3)/2) + 1 with
    # m = floor((H - 1)/4) + 1, i.e. floor(floor((H - 1)/4)/2) + 1 = floor((H - 1)/8) + 1.
    # sympy's own str() wrote floor(H/8 - 1/8) + 1.
    code, out, _ = run("explain", "resnet18", "basic3.main.conv1", "--input", "HxWx3")
    assert code == 0
    assert "= floor((H - 1)/8) + 1" in out and "= floor((W - 1)/8) + 1" in out
    assert "(floor((H - 1)/4) + 1) x (floor((W - 1)/4) + 1) x 64 →" in out
    assert "H/8 - 1/8" not in out and "H/4 - 1/4" not in out


def test_receptive_field_and_jump_are_explained() -> None:
    # LeNet-5: conv1 5x5 -> r = 1 + 4*1 = 5; pool1 2/2 -> r = 5 + 1*1 = 6, j = 2;
    # conv2 5x5 -> r = 6 + 4*2 = 14; pool2 2/2 -> r = 14 + 1*2 = 16, j = 2*2 = 4.
    from click.testing import CliRunner

    from cnncalc.cli import main

    out = CliRunner().invoke(main, ["explain", "lenet5", "conv2", "pool2", "--ascii"]).output
    # k has a line of its own: "with k = d(f - 1) + 1 = 6 + (5 - 1) x 2 = 14" read as if k were 14
    rf = "receptive field = r = r_prev + (k - 1) x j_prev"
    assert f"{rf} = 6 + (5 - 1) x 2 = 14\n      k = 5, the window's size (f)\n" in out
    assert f"{rf} = 14 + (2 - 1) x 2 = 16\n      k = 2, the window's size (f)\n" in out
    assert "jump = j = j_prev x s = 2 x 2 = 4" in out


def test_receptive_field_of_dilated_and_transposed_convolutions() -> None:
    # 3x3 dilated by 2 spans k = 2 x (3 - 1) + 1 = 5, so r = 1 + (5 - 1) x 1 = 5. A 2x2/2 pool:
    # r = 5 + 1 x 1 = 6, j = 2. A transposed 4x4 conv of stride 2 steps half an input pixel:
    # r = 6 + (4 - 1) x 2/2 = 9 and j = 2/2 = 1.
    net = (
        "input: [32, 32, 3]\nlayers:\n  - conv: {filters: 4, f: 3, dilation: 2}\n  - pool: {f: 2}\n"
        "  - deconv: {filters: 2, f: 4, s: 2}\n"
    )
    with CliRunner().isolated_filesystem():
        Path("net.yaml").write_text(net)
        out = CliRunner().invoke(main, ["explain", "net.yaml", "--ascii"]).output
    assert "receptive field = r = r_prev + (k - 1) x j_prev = 1 + (5 - 1) x 1 = 5\n" in out
    assert "      k = d(f - 1) + 1 = 2 x (3 - 1) + 1 = 5\n" in out
    assert "receptive field = r = r_prev + (k - 1) x j_prev = 6 + (2 - 1) x 2 = 8\n" in out
    assert "      k = ceil((d(f - 1) + 1)/s) = ceil(4/2) = 2 input values\n" in out
    assert "jump = j = j_prev/s = 2/2 = 1\n" in out


def test_a_residual_activation_follows_the_sum(tmp_path: Path) -> None:
    net = """\
        input: [8, 8, 4]
        layers:
          - residual:
              main: [{conv: {filters: 4, f: 3, padding: 1}}]
              activation: relu
        """
    f = write(tmp_path, "res.yaml", net)
    code, out, err = run("explain", f, "residual1.add", "--ascii")
    assert code == 0, err
    # identity shortcut: 8 x 8 x 4 + 8 x 8 x 4 (a 3x3 conv, p = 1, keeps 8 x 8) = 8 x 8 x 4
    assert ("  output = residual1.main.conv1 (8 x 8 x 4) + input (8 x 8 x 4) = 8 x 8 x 4"
            "  (then relu, which keeps it)\n") in block(out, "residual1.add")


@pytest.mark.parametrize("name", ["popquiz", "googlenet", "resnet50"])
def test_a_terminal_width_breaks_lines_at_their_equals_signs(name: str) -> None:
    from cnncalc import bundled
    from cnncalc.analysis import analyze_text
    from cnncalc.explain import explain
    from cnncalc.render.explain_text import render

    exp = explain(analyze_text(bundled.path(name).read_text(), name))
    wide, narrow = render(exp, "text", False, None), render(exp, "text", False, 80)
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert narrow.split() == wide.split()  # the same words, only broken differently


def test_a_broken_formula_line_keeps_its_equals_signs_aligned() -> None:
    from cnncalc.explain import Step
    from cnncalc.render.explain_text import fit, parts

    # the pop quiz's conv1: 299 x 299 x 10 outputs, each 3 x 3 x 3 multiplications
    step = Step("MACs", "(n_H × n_W × n_C) × (f × f × n_C_prev)",
                ("(299 × 299 × 10) × (3 × 3 × 3)", "894,010 × 27"), "24,138,270")
    assert fit(parts(step), "  ", 80) == [
        "  MACs = (n_H × n_W × n_C) × (f × f × n_C_prev) = (299 × 299 × 10) × (3 × 3 × 3)",
        "       = 894,010 × 27 = 24,138,270",
    ]
    assert fit(parts(step), "  ", None) == ["  " + " = ".join(parts(step))]


def test_height_and_width_apart_only_when_they_differ_and_wording(tmp_path: Path) -> None:
    net = """\
        input: [6, 4, 2]
        layers:
          - zeropad: [1, 0, 2, 3]
          - upsample: [2, 3]
          - lrn
          - pool: {mode: avg, f: 2}
        """
    f = write(tmp_path, "apart.yaml", net)
    code, out, err = run("explain", f, "--ascii")
    assert code == 0, err
    pad = block(out, "zeropad1")  # 6 + 1 + 0 = 7 rows, 4 + 2 + 3 = 9 columns
    assert "  n_H = n_H_prev + p_top + p_bottom = 6 + 1 + 0 = 7\n" in pad
    assert "  n_W = n_W_prev + p_left + p_right = 4 + 2 + 3 = 9\n" in pad
    up = block(out, "upsample1")  # 7 x 2 = 14, 9 x 3 = 27
    assert "  n_H = n_H_prev x factor = 7 x 2 = 14\n" in up and "  n_W = n_W_prev x factor = 9 x 3 = 27\n" in up
    assert "output = 14 x 27 x 2  (unchanged: lrn scales each value by its neighbours across channels)" in out
    assert "parameters = 0  (none: an avg pool has nothing to learn)" in block(out, "pool1")


def test_symbolic_global_pool_explains_its_jump(tmp_path: Path) -> None:
    # gap's window is its whole (symbolic) input: comparing that stride with 1 raised a TypeError
    f = write(tmp_path, "sym.yaml", "input: [H, W, 3]\nlayers:\n  - conv: {filters: 8, f: 3, s: 2}\n  - gap\n")
    code, out, err = run("explain", f, "--ascii")
    assert code == 0, err
    # jump after the conv is 2; gap steps over its whole input: 2 x (floor((H - 3)/2) + 1)
    assert "jump = j = j_prev x s = 2 x (floor((H - 3)/2) + 1) = " in block(out, "gap1")


def test_a_symbolic_total_is_not_written_twice(tmp_path: Path) -> None:
    # conv: ceil(H/2) x ceil(W/2) x 8 outputs, 3*3*3 = 27 MACs each (216 per position); fc: 8 x 10 = 80
    f = write(tmp_path, "sym.yaml", "input: [H, W, 3]\nlayers:\n  - conv: {filters: 8, f: 3, s: 2, padding: same}\n"
                                    "  - gap\n  - fc: 10\n")
    code, out, err = run("explain", f, "--ascii")
    assert code == 0, err
    assert "  total MACs = 216*ceil(H/2)*ceil(W/2) + 80  (sum of every layer's MACs)\n" in out
