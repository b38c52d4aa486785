"""Receptive field and jump for every layer kind (SPEC, "Receptive field"): a table worked by
hand, PyTorch's adaptive bins by brute force, published totals, and a torch gradient trace.

r_out = r_in + (k - 1) j_in and j_out = j_in s (Araujo et al., Distill 2019), where k is the
number of input values along an axis that one output value reads.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.layers.adaptive_pool import widest_bin
from cnncalc.report import Report

DATA = Path(__file__).parent / "data"


def fields(text: str) -> dict[str, tuple]:
    report: Report = analyze_text(text, "t.yaml", {}, None, "float32")
    return {r.name: (r.rf, r.jump) for r in report.rows}


def net(input_: str, *layers: str) -> str:
    return f"input: {input_}\nlayers:\n" + "".join(f"  - {x}\n" for x in layers)


# (network, layer, rf, jump), rf and jump the same on both axes; every number worked by hand
KINDS = [
    # pad, instance_norm and operator (the ONNX reader's) move nothing: a 3x3 conv's r 3, j 1 kept
    (net("8x8x1", "conv: {filters: 1, f: 3}", "pad: {p: 1}", "instance_norm", "operator: {type: Foo, name: a}"),
     "a", 3, 1),
    # conv f=5 s=2: r = 1 + 4*1 = 5, j = 2
    (net("32x32x1", "conv: {filters: 1, f: 5, s: 2, name: a}"), "a", 5, 2),
    # pool 2/2: r 2, j 2; depthwise 3/2: r = 2 + 2*2 = 6, j = 4
    (net("32x32x2", "pool: {f: 2}", "depthwise: {f: 3, s: 2, name: a}"), "a", 6, 4),
    # local (unshared conv) moves as a conv: r 3, j 1
    (net("8x8x2", "local: {filters: 2, f: 3, name: a}"), "a", 3, 1),
    # pool 3/2 after a 3x3: r = 3 + 2*1 = 5, j 2
    (net("16x16x1", "conv: {filters: 1, f: 3}", "pool: {f: 3, s: 2, name: a}"), "a", 5, 2),
    # gap over 6x6 (after a 3x3 on 8x8): r = 3 + (6 - 1)*1 = 8, j = 1 * 6
    (net("8x8x1", "conv: {filters: 1, f: 3}", "gap: {name: a}"), "a", 8, 6),
    (net("8x8x1", "conv: {filters: 1, f: 3}", "gmp: {name: a}"), "a", 8, 6),
    # adaptive 8 -> 8 after pool 2 on 16: one-value bins 1 apart, an identity: r 2, j 2
    (net("16x16x1", "pool: {f: 2}", "adaptive_pool: {output: 8, name: a}"), "a", 2, 2),
    # adaptive 8 -> 3: bins [0,3) [2,6) [5,8), widest 4: r = 1 + 3 = 4, j = 8/3
    (net("8x8x1", "adaptive_pool: {output: 3, name: a}"), "a", 4, Fraction(8, 3)),
    # adaptive 8 -> 4: bins of 2, 2 apart: r 2, j 2
    (net("8x8x1", "adaptive_pool: {output: 4, name: a}"), "a", 2, 2),
    # adaptive 7 -> 2: bins [0,4) [3,7): r 4, j 7/2
    (net("7x7x1", "adaptive_pool: {output: 2, name: a}"), "a", 4, Fraction(7, 2)),
    # adaptive 2 -> 4 (upsampling): bins [0,1) [0,1) [1,2) [1,2): r 1, j 1/2
    (net("2x2x1", "adaptive_pool: {output: 4, name: a}"), "a", 1, Fraction(1, 2)),
    # adaptive 7 -> 1 is a gap: r = 1 + 6 = 7, j 7
    (net("7x7x1", "adaptive_pool: {output: 1, name: a}"), "a", 7, 7),
    # deconv f=4 s=2: an output value reads ceil(4/2) = 2 inputs: r = 1 + 1*1 = 2, j 1/2
    (net("8x8x1", "deconv: {filters: 1, f: 4, s: 2, name: a}"), "a", 2, Fraction(1, 2)),
    # after pool 2/2 (r 2, j 2): r = 2 + (2 - 1)*2 = 4, j = 2/2 = 1 (issue 13: was 2 + 3*1 = 5)
    (net("16x16x1", "pool: {f: 2}", "deconv: {filters: 1, f: 4, s: 2, padding: 1, name: a}"), "a", 4, 1),
    # deconv f=3 d=2 s=2: span 5, ceil(5/2) = 3 inputs: r = 1 + 2 = 3, j 1/2
    (net("8x8x1", "deconv: {filters: 1, f: 3, s: 2, dilation: 2, name: a}"), "a", 3, Fraction(1, 2)),
    # deconv s=1 reads f inputs, as a conv: r 3, j 1
    (net("8x8x1", "deconv: {filters: 1, f: 3, name: a}"), "a", 3, 1),
    # upsample 2 after pool 2/2: r stays 2, j = 2/2 = 1
    (net("16x16x1", "pool: {f: 2}", "upsample: {factor: 2, name: a}"), "a", 2, 1),
    # space_to_depth 2 is a 2x2/2 window: r = 3 + 1*1 = 4, j 2
    (net("8x8x1", "conv: {filters: 1, f: 3}", "space_to_depth: {block: 2, name: a}"), "a", 4, 2),
    # rows that move nothing keep the 3x3's r 3, j 1
    *[
        (net("8x8x2", "conv: {filters: 2, f: 3}", f"{kind}: {{{args}name: a}}"), "a", 3, 1)
        for kind, args in [("zeropad", "p: 1, "), ("crop", "output: [4, 4], "), ("split", "groups: 2, "),
                           ("bn", ""), ("relu", ""), ("dropout", "rate: 0.5, "), ("lrn", ""),
                           ("scale", ""), ("prelu", ""), ("identity", ""), ("channel_shuffle", "groups: 2, "),
                           ("layer_norm", ""), ("layer_scale", ""), ("stochastic_depth", "rate: 0.1, "),
                           ("slice", "start: 1, "), ("activation", "function: gelu, "), ("rescaling", "scale: 0.5, "),
                           ("normalization", ""), ("cropping", "p: 1, "), ("reshape", "shape: [6, 6, 2], "),
                           ("custom", "output: [6, 6, 2], "), ("instance_norm", ""), ("pad", "p: 1, "),
                           ("operator", "type: Foo, ")]
    ],
    # attention: every position reads all 6 x 6 of the 3x3's output: r = 3 + (6 - 1) x 1 = 8, j 1
    (net("8x8x6", "conv: {filters: 6, f: 3}", "attention: {heads: 1, key_dim: 2, head_dim: 2, name: a}"), "a", 8, 1),
    # add: 3x3 (r 3) + 3x3,3x3 (r 5), both j 1: r 5
    (net("8x8x1", "conv: {filters: 1, f: 3, padding: 1, name: x}", "conv: {filters: 1, f: 3, padding: 1, name: y}",
         "add: {from: [x, y], name: a}"), "a", 5, 1),
    # concat of a 3x3/1 (r 3, j 1) and a 2x2/2 pool then 2x upsample (r 2, j 1): r 3, j 1
    (net("8x8x1", "conv: {filters: 1, f: 3, padding: 1, name: x}", "pool: {f: 2, from: input}",
         "upsample: {factor: 2, name: y}", "concat: {from: [x, y], name: a}"), "a", 3, 1),
    # maximum and shortcut of x (r 3) and y (r 5): r 5, j 1
    (net("8x8x1", "conv: {filters: 1, f: 3, padding: 1, name: x}", "conv: {filters: 1, f: 3, padding: 1, name: y}",
         "maximum: {from: [x, y], name: a}"), "a", 5, 1),
    (net("8x8x1", "conv: {filters: 1, f: 3, padding: 1, name: x}", "conv: {filters: 1, f: 3, padding: 1, name: y}",
         "shortcut: {from: [y, x], name: a}"), "a", 5, 1),
    # issue 13's minimal SE case: x: r 3, j 1; gap g: r = 3 + 7*1 = 10, j 8; multiply: r 10 (the
    # gate's), j 1 (x's: the 1 x 1 gate adds no jump); the conv after: r = 10 + 2*1 = 12 (was 26)
    *[
        (net("8x8x4", "conv: {filters: 4, f: 3, padding: 1, name: x}", "gap: {name: g}",
             "multiply: {from: [x, g], name: m}", "conv: {filters: 4, f: 3, padding: 1, name: a}"), layer, rf, j)
        for layer, rf, j in [("g", 10, 8), ("m", 10, 1), ("a", 12, 1)]
    ],
    # a multiply of two 1 x 1 inputs broadcasts nothing: both jumps count, the largest 8
    (net("8x8x4", "conv: {filters: 4, f: 3, padding: 1, name: x}", "gap: {name: g}",
         "conv: {filters: 4, f: 1, name: h}", "multiply: {from: [g, h], name: a}"), "a", 10, 8),
]


@pytest.mark.parametrize(("text", "layer", "rf", "jump"), KINDS)
def test_every_kind_by_hand(text: str, layer: str, rf: int, jump: Fraction) -> None:
    assert fields(text)[layer] == ((rf, rf), (jump, jump))


def test_every_kind_is_in_the_table() -> None:
    from cnncalc.layers import KINDS as ALL

    covered = {line.split(":")[0].strip("- ") for text, *_ in KINDS for line in text.splitlines()[2:]}
    # every activation is one class, Activation, covered by relu; fc, flatten and dfl have no rf
    classes = {kind.cls for name, kind in ALL.items() if name in covered}
    missing = {name for name, kind in ALL.items() if kind.cls not in classes} - {"fc", "flatten", "dfl"}
    assert not missing


def test_fc_and_flatten_have_none() -> None:
    f = fields(net("8x8x1", "conv: {filters: 1, f: 3, name: c}", "flatten: {name: a}", "fc: {units: 2, name: b}"))
    assert f["a"] == (None, None) and f["b"] == (None, None)


def _bins_by_brute_force(n: int, m: int) -> int:
    return max(math.ceil((i + 1) * n / m) - math.floor(i * n / m) for i in range(m))


@pytest.mark.parametrize("m", range(1, 13))
def test_widest_bin_closed_form_matches_pytorchs_bins(m: int) -> None:
    # integer arithmetic, not floats: -(-a // b) is ceil(a/b)
    for n in range(1, 60):
        brute = max(-(-(i + 1) * n // m) - (i * n // m) for i in range(m))
        assert widest_bin(n, m) == brute == _bins_by_brute_force(n, m), (n, m)


def test_widest_bin_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for n, m in [(7, 3), (13, 7), (8, 3), (6, 6), (7, 2), (2, 5), (50, 7)]:
        x = torch.zeros(1, 1, n, 1, requires_grad=True)
        y = torch.nn.AdaptiveAvgPool2d((m, 1))(x)
        widths = []
        for i in range(m):
            (g,) = torch.autograd.grad(y[0, 0, i, 0], x, retain_graph=True)
            widths.append(int((g[0, 0, :, 0] != 0).sum()))
        assert max(widths) == widest_bin(n, m), (n, m)


# ---- published totals ------------------------------------------------------------------

def _vgg19_bn() -> str:
    layers = []
    for filters, convs in [(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)]:
        for _ in range(convs):
            layers += [f"conv: {{filters: {filters}, f: 3, padding: 1}}", "bn", "relu"]
        layers.append("pool: {f: 2}")
    layers += ["adaptive_pool: {output: 7, name: avgpool}", "flatten", "fc: 4096", "relu", "dropout: 0.5",
               "fc: 4096", "relu", "dropout: 0.5", "fc: 1000"]
    return net("224x224x3", *layers)


def test_vgg19_bn_last_feature_map_268() -> None:
    # 16 convs 3x3 and 5 pools 2/2: pools at jumps 1..16 add 1+2+4+8+16 = 31, convs add
    # 2*(2*1 + 2*2 + 4*4 + 4*8 + 4*16) = 236: r = 1 + 31 + 236 = 268 (issue 13: was 460, and
    # torchvision's vgg19_bn has 143,678,248 parameters)
    report = analyze_text(_vgg19_bn(), "vgg19_bn.yaml", {}, None, "float32")
    avgpool = next(r for r in report.rows if r.name == "avgpool")
    assert (avgpool.rf, avgpool.jump) == ((268, 268), (32, 32))
    assert report.totals.params == 143_678_248


def test_efficientnet_b0_final_pooling_4345() -> None:
    text = (DATA / "efficientnet_b0.yaml").read_text()
    report = analyze_text(text, "efficientnet_b0.yaml", {}, None, "float32")
    assert report.totals.params == 5_288_548  # torchvision.models.efficientnet_b0()
    assert not report.failures
    rows = {r.name: r for r in report.rows}
    # the last 7x7 map has r = 4153 (the largest SE gate's rf, through the multiply) and j 32;
    # the pool over it: r = 4153 + (7 - 1) * 32 = 4345 (issue 13: was 8.2e21)
    assert rows["silu2"].rf == (4153, 4153) and rows["silu2"].jump == (32, 32)
    assert rows["avgpool"].rf == (4345, 4345)
    # without the gates the main path alone: every multiply keeps the depthwise path's jump
    assert all(r.jump == (32, 32) for r in report.rows if r.kind == "multiply" and r.output[0] == 7)


# ---- torch gradient trace ---------------------------------------------------------------
# One output value's gradient with respect to the input is non-zero exactly on what it reads
# (all weights 1, average pools, no gates). The arithmetic's rf is the widest such extent over
# the output positions of a period, on an input large enough that no window reaches an edge.

def _trace_extent(model, size: int, channels: int, positions: range) -> int:
    import torch

    with torch.no_grad():
        for p in model.parameters():
            p.fill_(1.0)
    x = torch.zeros(1, channels, size, size, requires_grad=True)
    y = model(x + 1.0)
    widest = 0
    for i in positions:
        (g,) = torch.autograd.grad(y[0, 0, i, i], x, retain_graph=True)
        rows = (g[0].abs().sum(dim=(0, 2)) != 0).nonzero().flatten()
        if len(rows) == 0:  # a dilated transposed conv leaves some outputs only the bias
            continue
        widest = max(widest, int(rows[-1] - rows[0] + 1))
    return widest


def _torch_chain(spec: list[tuple]):
    import torch.nn as nn

    mods = []
    for kind, *a in spec:
        if kind == "conv":
            f, s, p, d = a
            mods.append(nn.Conv2d(1, 1, f, s, p, d))
        elif kind == "pool":
            f, s = a
            mods.append(nn.AvgPool2d(f, s))
        elif kind == "deconv":
            f, s, p, d = a
            mods.append(nn.ConvTranspose2d(1, 1, f, s, p, dilation=d))
        elif kind == "upsample":
            mods.append(nn.Upsample(scale_factor=a[0], mode="nearest"))
        elif kind == "adaptive":
            mods.append(nn.AdaptiveAvgPool2d(a[0]))
    return nn.Sequential(*mods)


def _yaml_chain(size: int, spec: list[tuple]) -> str:
    out = []
    for kind, *a in spec:
        if kind == "conv":
            out.append(f"conv: {{filters: 1, f: {a[0]}, s: {a[1]}, padding: {a[2]}, dilation: {a[3]}}}")
        elif kind == "pool":
            out.append(f"pool: {{mode: avg, f: {a[0]}, s: {a[1]}}}")
        elif kind == "deconv":
            out.append(f"deconv: {{filters: 1, f: {a[0]}, s: {a[1]}, padding: {a[2]}, dilation: {a[3]}}}")
        elif kind == "upsample":
            out.append(f"upsample: {a[0]}")
        elif kind == "adaptive":
            out.append(f"adaptive_pool: {a[0]}")
    return net(f"{size}x{size}x1", *out)


CHAINS = [
    [("conv", 3, 1, 1, 1), ("conv", 3, 1, 1, 1)],
    [("conv", 7, 2, 3, 1), ("pool", 3, 2), ("conv", 3, 1, 1, 1), ("conv", 3, 2, 1, 1)],
    [("conv", 3, 1, 2, 2), ("pool", 2, 2), ("conv", 3, 1, 4, 4)],
    [("conv", 5, 2, 2, 1), ("deconv", 4, 2, 1, 1), ("conv", 3, 1, 1, 1)],
    [("pool", 2, 2), ("pool", 2, 2), ("deconv", 4, 2, 1, 1)],
    [("pool", 2, 2), ("deconv", 3, 2, 0, 2)],
    [("pool", 2, 2), ("pool", 2, 2), ("upsample", 2), ("conv", 3, 1, 1, 1)],
    [("conv", 3, 2, 1, 1), ("adaptive", 16), ("conv", 3, 1, 1, 1)],  # 32 -> 16 is an identity
    [("conv", 3, 1, 1, 1), ("adaptive", 7)],  # 64 = 9*7 + 1 -> 7: the widest bin 10, r = 3 + 9
]


@pytest.mark.parametrize("spec", CHAINS, ids=lambda s: "-".join(k for k, *_ in s))
def test_rf_matches_a_torch_gradient_trace(spec: list[tuple]) -> None:
    torch = pytest.importorskip("torch")
    size = 64
    rows = analyze_text(_yaml_chain(size, spec), "t.yaml", {}, None, "float32").rows
    rf = rows[-1].rf[0]
    out = rows[-1].output[0]
    model = _torch_chain(spec)
    assert tuple(model(torch.zeros(1, 1, size, size)).shape[2:]) == (out, out)
    # a few output positions away from the edges (every phase of a stride of 2 or 4), or the
    # whole output when it is small
    positions = range(out) if out <= 7 else range(out // 2, out // 2 + 4)
    assert _trace_extent(model, size, 1, positions) == rf


def test_a_gate_makes_the_trace_and_the_arithmetic_differ() -> None:
    # The minimal SE net above: through the gate, every output value depends on the whole 8x8
    # input, so the trace is 8, while the arithmetic counts the gap's window (padding
    # included) and says 12. README, "Receptive fields", says so.
    pytest.importorskip("torch")
    import torch.nn as nn

    class SE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.x, self.out = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, t):
            x = self.x(t)
            return self.out(x * x.mean(dim=(2, 3), keepdim=True))

    assert _trace_extent(SE(), 8, 4, range(8)) == 8
    f = fields(KINDS[-2][0])
    assert f["a"][0] == (12, 12)


# ---- symbolic sizes ---------------------------------------------------------------------

def test_symbolic_efficientnet_rf_is_exact_and_short() -> None:
    # issue 13: 51 s, almost all printing an 11,000-character rf. With the gate adding no jump the
    # rf is a short sum of floors, and at H = W = 224 it is the concrete 4345.
    from cnncalc.symbolic import show, substitute

    text = (DATA / "efficientnet_b0.yaml").read_text()
    report = analyze_text(text, "efficientnet_b0.yaml", {}, "HxWx3", "float32")
    rows = {r.name: r for r in report.rows}
    rf = rows["avgpool"].rf[0]
    assert substitute(rf, {"H": 224, "W": 224}) == 4345
    assert max(len(show(v)) for r in report.rows for v in (r.rf or ()) + (r.jump or ())) < 300


def test_symbolic_adaptive_pool_rf_depends_on_the_input() -> None:
    # 7 bins over floor(H/32): the widest is q, q + 1 or q + 2 by floor(H/32) mod 7, a case
    # analysis read as `depends on H, W`; what follows it depends on it too. The jump stays exact.
    from cnncalc.cli import read_source
    from cnncalc.symbolic import show

    text, display = read_source("vgg16")
    rows = {r.name: r for r in analyze_text(text, display, {}, "HxWx3", "float32").rows}
    assert [show(v) for v in rows["avgpool"].rf] == ["depends on H, W"] * 2
    assert rows["stage5.pool1"].rf == (212, 212)
    assert show(rows["avgpool"].jump[0]) == "32*floor(H/32)/7"


def test_depends_on_is_sticky_and_long_expressions_are_bounded() -> None:
    import sympy

    from cnncalc.symbolic import bounded_field, is_depends, symbol

    h = symbol("H")
    assert bounded_field(3 * sympy.floor(h / 2) + 1) == 3 * sympy.floor(h / 2) + 1  # short: kept
    long = sum(k * sympy.floor(h / 2**k) for k in range(1, 20))
    assert is_depends(bounded_field(long)) and is_depends(bounded_field(sympy.Max(h, 2 * sympy.floor(h / 3))))
    marker = bounded_field(long)
    assert bounded_field(marker + 3 * h) == marker  # anything computed from it depends on H too
