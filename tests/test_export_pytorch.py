"""`cnncalc export --to pytorch`, checked against PyTorch itself.

Each network is exported, the source is run, the module built and one input passed through it.
Then, layer by layer and in total, PyTorch's own numbers must equal cnncalc's:
- output shape: a forward hook on the layer's attribute (every leaf layer is one);
- parameters, trainable parameters: `numel()` of the attribute's parameters (and those with
  requires_grad); buffers: its buffers except BN's `num_batches_tracked` (a step counter that
  cnncalc, like Keras, does not count);
- MACs: `torch.utils.flop_counter.FlopCounterMode`, halved.

Why the FLOP counter's figure halved is exactly cnncalc's MAC count (not merely close):
- it counts 2 per multiply-add for aten.convolution, c_out * (c_in / groups) * f_h * f_w per
  output position (per *input* position for a transposed convolution, as cnncalc's deconv rule
  says), and for mm/addmm/bmm; it ignores the bias add. That is cnncalc's rule: multiplications
  by weights only, once each.
- it counts nothing for batch norm, activations, pooling, padding, upsampling, cat, add, mul or
  slicing, to which cnncalc gives 0 MACs (scale/prelu multiply element-wise, aten.mul: 0 too).
- a locally connected layer is F.unfold (data movement, not counted) and one bmm over the
  H_out * W_out positions: 2 * positions * filters * (C_in f_h f_w), halved = cnncalc's local
  MACs. (An einsum would not do: with one input value per window it lowers to a mul, which the
  counter skips; a random network found that.)
- a deconv whose padding PyTorch cannot say is a padding-0 conv_transpose2d and F.pad trimming
  its output; the counter's transposed rule reads the input size, which trimming leaves alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import yaml

torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from cnncalc import bundled  # noqa: E402
from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.cli import main  # noqa: E402
from cnncalc.export import build_module, layer_attributes, to_pytorch_source  # noqa: E402
from cnncalc.layers import KINDS  # noqa: E402
from cnncalc.layers.base import ACTIVATIONS  # noqa: E402
from cnncalc.report import Report  # noqa: E402

# Above this, the forward pass runs on PyTorch's meta device: the same operators and shape
# rules without the arithmetic (ResNet-50 takes 7 s on this 2-core machine, on meta 0.2 s).
REAL_FORWARD_MAX_MACS = 300_000_000


# ---- running an export in PyTorch ----------------------------------------------------------


def torch_shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """cnncalc's n_H x n_W x n_C as PyTorch's N x C x H x W, batch 1."""
    return (1, shape[2], shape[0], shape[1]) if len(shape) == 3 else (1, *shape)


def measure(report: Report) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Per layer and in total: what PyTorch says about the exported module."""
    device = "cpu" if report.totals.macs <= REAL_FORWARD_MAX_MACS else "meta"
    attrs = layer_attributes(report.graph.leaves)
    with torch.device(device):
        model = build_module(report).eval()
        x = torch.randn(1, *model.INPUT_SHAPE)
    assert set(dict(model.named_children())) == set(attrs.values()), "one attribute per leaf layer"
    outputs: dict[str, list[tuple[int, ...]]] = {name: [] for name in attrs}

    def recorder(name: str) -> Callable[..., None]:
        return lambda module, args, out: outputs[name].append(tuple(out.shape))

    for name, attr in attrs.items():
        getattr(model, attr).register_forward_hook(recorder(name))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = model(x)
    flops = counter.get_flop_counts()
    prefix = type(model).__name__
    layers = {}
    for name, attr in attrs.items():
        module = getattr(model, attr)
        layer_flops = sum(flops.get(f"{prefix}.{attr}", {}).values())
        assert layer_flops % 2 == 0
        layers[name] = {
            "calls": len(outputs[name]),
            "output": outputs[name][0] if outputs[name] else None,
            "params": sum(p.numel() for p in module.parameters()),
            "trainable": sum(p.numel() for p in module.parameters() if p.requires_grad),
            "buffers": sum(b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked")),
            "macs": layer_flops // 2,
        }
    totals = {
        "output": tuple(y.shape),
        "params": sum(p.numel() for p in model.parameters()),
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffers": sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked")),
        "macs": counter.get_total_flops() // 2,
    }
    return layers, totals


def assert_agrees(report: Report) -> None:
    """Every leaf's shape, parameters, trainable, buffers and MACs, and the totals, as PyTorch."""
    layers, totals = measure(report)
    for row in report.rows:
        got = layers[row.name]
        want = {"calls": 1, "output": torch_shape(row.output), "params": row.params,
                "trainable": row.trainable, "buffers": row.buffers, "macs": row.macs}
        assert got == want, f"{row.name} ({row.kind}): PyTorch {got}, cnncalc {want}"
    t = report.totals
    want_totals = {"output": torch_shape(report.output), "params": t.params, "trainable": t.trainable,
                   "buffers": t.buffers, "macs": t.macs}
    assert totals == want_totals


def analyze(text: str) -> Report:
    return analyze_text(text, "net.yaml")


# ---- the bundled architectures ---------------------------------------------------------------


@pytest.mark.parametrize("name", bundled.names())
def test_bundled_architecture_agrees_with_pytorch(name: str) -> None:
    path = bundled.path(name)
    assert path is not None
    assert_agrees(analyze_text(path.read_text(), name))


def test_lenet5_matches_the_published_count_in_pytorch() -> None:
    # LeNet-5 as the course tabulates it: (5*5*1+1)*6 = 156, (5*5*6+1)*16 = 2416,
    # 400*120+120 = 48120, 120*84+84 = 10164, 84*10+10 = 850: 61,706 parameters.
    path = bundled.path("lenet5")
    assert path is not None
    _, totals = measure(analyze_text(path.read_text(), "lenet5"))
    assert totals["params"] == 61_706
    assert totals["output"] == (1, 10)


# ---- hand-picked exports that PyTorch cannot say natively -------------------------------------

CASES = {
    # TF same, stride 2 on an even size: total padding 1, 0 before and 1 after (F.pad)
    "same_conv_stride2_even": """
input: [8, 10, 3]
layers:
  - conv: {filters: 4, f: 3, s: 2, padding: same}
""",
    # [top, bottom, left, right] padding on conv, pool (-inf pad) and local
    "asymmetric_padding": """
input: [9, 9, 2]
layers:
  - conv: {filters: 3, f: [3, 2], padding: [0, 2, 1, 0], dilation: [1, 2], activation: relu}
  - pool: {mode: max, f: 2, s: 2, padding: [1, 0, 0, 1]}
  - pool: {mode: avg, f: 2, s: 1, padding: same}
  - local: {filters: 2, f: 2, padding: [1, 0, 0, 1]}
""",
    # ceil mode, natively and with padding wider than PyTorch's f/2 limit
    "ceil_pools": """
input: [13, 11, 2]
layers:
  - pool: {mode: max, f: 3, s: 2, ceil: true}
  - pool: {mode: avg, f: 2, s: 2, padding: 1, ceil: true}
  - pool: {mode: max, f: 2, s: 2, padding: 2, ceil: true}
""",
    # deconv: TF same with f < s (extra rows with only the bias), asymmetric padding, output_padding
    "deconv_padding": """
input: [5, 6, 3]
layers:
  - deconv: {filters: 2, f: 1, s: 3, padding: same}
  - deconv: {filters: 2, f: 4, s: 2, padding: [0, 1, 2, 1]}
  - deconv: {filters: 2, f: 3, s: 2, padding: 1, output_padding: 1, bias: false}
  - deconv: {filters: 2, f: 2, s: 2, padding: valid, dilation: 2, output_padding: [1, 0]}
""",
    # a vector after fc: BatchNorm1d, LRN on [units], split of units, concat/add of vectors
    "vector_layers": """
input: [6, 6, 2]
layers:
  - fc: {units: 12, name: a}
  - bn
  - lrn: {size: 3}
  - split: {groups: 3, index: 2}
  - fc: {units: 12, name: b}
  - add: {from: [a, b], activation: tanh}
  - concat: {from: [a, b]}
""",
    # frozen layers, names that clash once dots become underscores, and a name nn.Module owns
    "names_and_frozen": """
input: [8, 8, 3]
layers:
  - conv: {filters: 4, f: 3, padding: same, name: train, trainable: false}
  - conv: {filters: 4, f: 3, padding: same, name: r_main_conv1}
  - residual:
      name: r
      trainable: false
      main: [conv: {filters: 4, f: 3, padding: same}, bn]
  - conv: {filters: 2, f: 1, name: "3x"}
""",
    # regression: one value per window (C_in f_h f_w = 1) made an einsum lower to a mul, which
    # the FLOP counter skips (0 MACs instead of 8*8*2 = 128); the layer now uses bmm
    "local_one_value_windows": """
input: [8, 8, 1]
layers:
  - local: {filters: 2, f: 1, bias: false}
""",
    # a merge of long names, written one input a line, inside its activation
    "long_names_merge": """
input: [8, 8, 2]
layers:
  - parallel:
      name: a_rather_long_composite_name
      activation: softmax
      branches:
        - [conv: {filters: 2, f: 1, name: first_branch_convolution}]
        - [conv: {filters: 2, f: 1, name: second_branch_convolution}]
        - [conv: {filters: 2, f: 1, name: third_branch_convolution}]
""",
    # layer names that are also the generated code's own names, read again later
    "reserved_names": """
name: F
input: [8, 8, 3]
layers:
  - conv: {filters: 3, f: 1, name: x}
  - conv: {filters: 3, f: 1, name: F}
  - conv: {filters: 3, f: 1, name: torch, from: input}
  - add: {from: [x, F, torch, input], name: self}
  - relu: {from: x, name: x_in}
  - relu: {from: x_in, name: x_out}
  - concat: {from: [self, x_in, x, x_out]}
""",
}


@pytest.mark.parametrize("name", CASES)
def test_hand_picked_export_agrees_with_pytorch(name: str) -> None:
    assert_agrees(analyze(CASES[name]))


# Where PyTorch has no rule of its own (pool padding beyond f/2, deconv padding it cannot say),
# the export pads or trims to cnncalc's size, so agreement there proves only consistency; these
# sizes are worked by hand instead.
HAND_WORKED = [
    # 8 x 10, f 3, s 2, same: ceil(8/2) = 4, ceil(10/2) = 5
    ("same_conv_stride2_even", "conv1", (4, 5, 4)),
    # 6 x 5 in (after 13x11 -> f3 s2 ceil: ceil(10/2)+1 = 6, ceil(8/2)+1 = 5), then f 2, s 2, p 1:
    # ceil((6+2-2)/2)+1 = 4, ceil((5+2-2)/2)+1 = 4, last start (4-1)*2 = 6 >= 5+1: 3 -> 4 x 3
    ("ceil_pools", "pool2", (4, 3, 2)),
    # 4 x 3, f 2, s 2, p 2: ceil((4+4-2)/2)+1 = 4, start 6 >= 4+2: 3; ceil((3+4-2)/2)+1 = 4,
    # start 6 >= 3+2: 3 -> 3 x 3
    ("ceil_pools", "pool3", (3, 3, 2)),
    # 5 x 6, f 1, s 3, same: n*s = 15 x 18
    ("deconv_padding", "deconv1", (15, 18, 2)),
    # (15-1)*2 - (0+1) + (4-1) + 1 = 31; (18-1)*2 - (2+1) + 3 + 1 = 35
    ("deconv_padding", "deconv2", (31, 35, 2)),
    # 9 x 9, f [3, 2], d [1, 2], pad [0, 2, 1, 0]: 9+2-3+1 = 9; 9+1-(2*1+1)+1 = 8
    ("asymmetric_padding", "conv1", (9, 8, 3)),
    # 9 x 8, f 2, s 2, pad [1, 0, 0, 1]: (9+1-2)//2+1 = 5; (8+1-2)//2+1 = 4
    ("asymmetric_padding", "pool1", (5, 4, 3)),
]


@pytest.mark.parametrize(("case", "layer", "shape"), HAND_WORKED)
def test_sizes_pytorch_cannot_check_natively_are_worked_by_hand(case: str, layer: str, shape: tuple) -> None:
    layers, _ = measure(analyze(CASES[case]))
    assert layers[layer]["output"] == torch_shape(shape)


def test_local_layer_parameters_are_per_position() -> None:
    # 8x8x3, f 3 valid: 6x6 positions; each of 6*6*4 = 144 (position, filter) pairs has
    # 3*3*3 = 27 weights and one bias: 144*28 = 4032 parameters, 144*27 = 3888 MACs.
    report = analyze("input: [8, 8, 3]\nlayers:\n  - local: {filters: 4, f: 3}\n")
    layers, totals = measure(report)
    assert layers["local1"]["params"] == 4032
    assert layers["local1"]["macs"] == 3888
    assert totals["output"] == (1, 4, 6, 6)


def test_same_padding_becomes_f_pad_with_the_extra_row_after() -> None:
    # n = 8, f 3, s 2: n_out = ceil(8/2) = 4, total (4-1)*2 + 3 - 8 = 1: 0 before, 1 after
    source = to_pytorch_source(analyze(CASES["same_conv_stride2_even"]))
    assert "F.pad(x, (0, 1, 0, 1))" in source
    assert "nn.Conv2d(3, 4, kernel_size=3, stride=2)" in source


def test_frozen_layers_are_frozen_in_the_source() -> None:
    source = to_pytorch_source(analyze(CASES["names_and_frozen"]))
    assert "self.train_.requires_grad_(False)" in source
    assert "self.r_main_conv1_2.requires_grad_(False)" in source  # the clash took a suffix
    assert "self.r_main_conv1.requires_grad_(False)" not in source


def test_every_layer_kind_can_be_exported_and_generated() -> None:
    # A kind added to the registry must also be exportable and appear in the random networks.
    from cnncalc.export.pytorch import _EMITTERS

    exported = {KINDS[k].cls.__name__ for k in KINDS}
    assert exported <= set(_EMITTERS)
    assert set(KINDS) <= set(GENERATED_KINDS)


# ---- the command ------------------------------------------------------------------------------


def test_export_command_prints_the_module(tmp_path: Any) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["export", "lenet5", "--to", "pytorch"])
    assert result.exit_code == 0, result.output
    assert "class LeNet5(nn.Module):" in result.output
    namespace: dict[str, Any] = {}
    exec(result.output, namespace)  # noqa: S102 - it is what users run
    assert sum(p.numel() for p in namespace["LeNet5"]().parameters()) == 61_706

    out = tmp_path / "lenet.py"
    result = CliRunner().invoke(main, ["export", "lenet5", "--to", "pytorch", "-o", str(out)])
    assert result.exit_code == 0 and result.output == ""
    assert out.read_text().startswith('"""LeNet-5')


def test_export_of_a_symbolic_input_needs_sizes(tmp_path: Any) -> None:
    from click.testing import CliRunner

    path = tmp_path / "sym.yaml"
    path.write_text("input: [H, W, 3]\nlayers:\n  - conv: {filters: 4, f: 3}\n")
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(path), "--to", "pytorch"])
    assert result.exit_code == 2
    assert result.output.startswith(f"{path}:1:1: error: export needs concrete sizes")
    result = runner.invoke(main, ["export", str(path), "--to", "pytorch", "--input", "9x9x3"])
    assert result.exit_code == 0 and "nn.Conv2d(3, 4, kernel_size=3)" in result.output


def test_export_refuses_an_unknown_target() -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["export", "lenet5", "--to", "tensorflow"])
    assert result.exit_code == 2


# ---- random valid networks ---------------------------------------------------------------------
#
# The strategy writes cnncalc YAML, tracking every shape with the rules worked out here (not by
# asking cnncalc), so it only writes valid networks. Sizes stay small (8..40 in, 48 at most).

MAX_SIZE = 48
MAX_CHANNELS = 24
ACTIVATION_KINDS = [k for k in KINDS if KINDS[k].cls.__name__ == "Activation"]


def _same(n: int, f: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's `same`: n_out = ceil(n/s), total max((n_out-1)s + d(f-1) + 1 - n, 0)."""
    out = -(-n // s)
    total = max((out - 1) * s + d * (f - 1) + 1 - n, 0)
    return total // 2, total - total // 2


class Net:
    """One random network being written: its layers, the names it may read, what it used."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        self.draw = draw
        self.names: dict[str, tuple[int, ...]] = {}  # top-level names -> output shapes
        self.counter = 0
        self.blocks: dict[str, Any] = {}
        self.vars: dict[str, int] = {}

    # -- small draws
    def int(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def pick(self, options: Any) -> Any:
        return self.draw(st.sampled_from(list(options)))

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) < p * 100

    def pair(self, low: int, high: int) -> tuple[Any, tuple[int, int]]:
        """An int or an [h, w] pair, as YAML, and the pair it means."""
        if self.chance(0.7):
            v = self.int(low, high)
            return v, (v, v)
        h, w = self.int(low, high), self.int(low, high)
        return [h, w], (h, w)

    def padding(self, f: tuple[int, int], s: tuple[int, int], d: tuple[int, int], n: tuple[int, int],
                same: bool = True) -> tuple[Any, tuple[int, int, int, int]]:
        """A padding value and the (top, bottom, left, right) it means."""
        kind = self.pick(["valid", "same", "int", "pair", "four", None] if same else
                         ["valid", "int", "pair", "four", None])
        if kind in ("valid", None):
            return kind, (0, 0, 0, 0)
        if kind == "same":
            (t, b), (l_, r) = _same(n[0], f[0], s[0], d[0]), _same(n[1], f[1], s[1], d[1])
            return "same", (t, b, l_, r)
        if kind == "int":
            p = self.int(0, 2)
            return p, (p, p, p, p)
        if kind == "pair":
            ph, pw = self.int(0, 2), self.int(0, 2)
            return [ph, pw], (ph, ph, pw, pw)
        four = [self.int(0, 2) for _ in range(4)]
        return four, tuple(four)

    # -- leaves: each returns (entry, output shape) or None when it does not fit this input
    def conv(self, shape: tuple[int, ...], kind: str = "conv") -> Any:
        h, w, c = shape
        f_yaml, f = self.pair(1, 4)
        s_yaml, s = self.pair(1, 3)
        d_yaml, d = self.pair(1, 2) if self.chance(0.3) else (None, (1, 1))
        p_yaml, p = self.padding(f, s, d, (h, w))
        args: dict[str, Any] = {"f": f_yaml}
        if kind == "conv":
            filters = self.int(1, 8)
            args["filters"] = filters
            common = math.gcd(c, filters)
            groups = self.pick([g for g in range(1, common + 1) if common % g == 0])
            if groups > 1:
                args["groups"] = groups
        else:
            mult = self.int(1, 2)
            filters = c * mult
            if mult > 1 or self.chance(0.5):
                args["multiplier"] = mult
        out = []
        for n, fi, si, di, before, after in zip((h, w), f, s, d, p[0::2], p[1::2], strict=True):
            span = n + before + after - di * (fi - 1) - 1
            if span < 0:
                return None
            out.append(span // si + 1)
        if any(v > MAX_SIZE for v in out) or filters > MAX_CHANNELS:
            return None
        args.update({k: v for k, v in (("s", s_yaml), ("dilation", d_yaml), ("padding", p_yaml)) if v is not None})
        if self.chance(0.3):
            args["bias"] = self.draw(st.booleans())
        if self.chance(0.4):
            args["activation"] = self.pick(ACTIVATIONS)
        return {kind: args}, (out[0], out[1], filters)

    def depthwise(self, shape: tuple[int, ...]) -> Any:
        return self.conv(shape, "depthwise")

    def deconv(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        f_yaml, f = self.pair(1, 4)
        s_yaml, s = self.pair(1, 3)
        d_yaml, d = self.pair(1, 2) if self.chance(0.3) else (None, (1, 1))
        filters = self.int(1, 6)
        kind = self.pick(["int", "four", "same", "valid", None])
        args: dict[str, Any] = {"filters": filters, "f": f_yaml, "s": s_yaml}
        if d_yaml is not None:
            args["dilation"] = d_yaml
        op = (0, 0)
        if kind != "same" and self.chance(0.4):
            op = (self.int(0, max(s[0], d[0]) - 1), self.int(0, max(s[1], d[1]) - 1))
            args["output_padding"] = list(op)
        pads = (0, 0, 0, 0)
        if kind == "int":
            p = self.int(0, 2)
            pads, args["padding"] = (p, p, p, p), p
        elif kind == "four":
            pads = tuple(self.int(0, 2) for _ in range(4))
            args["padding"] = list(pads)
        elif kind in ("same", "valid"):
            args["padding"] = kind
        out = []
        for axis, (n, fi, si, di, opi) in enumerate(zip((h, w), f, s, d, op, strict=True)):
            if kind == "same":
                size = n * si
            else:  # valid: no padding removed
                size = (n - 1) * si - pads[2 * axis] - pads[2 * axis + 1] + di * (fi - 1) + opi + 1
            if size < 1 or size > MAX_SIZE:
                return None
            out.append(size)
        return {"deconv": args}, (out[0], out[1], filters)

    def local(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        f_yaml, f = self.pair(1, 3)
        s_yaml, s = self.pair(1, 2)
        p_yaml, p = self.padding(f, s, (1, 1), (h, w))
        filters = self.int(1, 4)
        out = []
        for n, fi, si, before, after in zip((h, w), f, s, p[0::2], p[1::2], strict=True):
            span = n + before + after - fi
            if span < 0:
                return None
            out.append(span // si + 1)
        args: dict[str, Any] = {"filters": filters, "f": f_yaml, "s": s_yaml}
        if p_yaml is not None:
            args["padding"] = p_yaml
        if self.chance(0.3):
            args["bias"] = False
        return {"local": args}, (out[0], out[1], filters)

    def pool(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        f_yaml, f = self.pair(1, 4)
        s_yaml, s = self.pair(1, 3) if self.chance(0.6) else (None, f)
        p_yaml, p = self.padding(f, s, (1, 1), (h, w))
        ceil = self.chance(0.4)
        out = []
        for n, fi, si, before, after in zip((h, w), f, s, p[0::2], p[1::2], strict=True):
            span = n + before + after - fi
            if span < 0:
                return None
            if ceil:  # PyTorch: round up, but the last window starts inside input or left padding
                size = -(-span // si) + 1
                if (size - 1) * si >= n + before:
                    size -= 1
            else:
                size = span // si + 1
            out.append(size)
        args: dict[str, Any] = {"mode": self.pick(["max", "avg"]), "f": f_yaml}
        for key, value in (("s", s_yaml), ("padding", p_yaml)):
            if value is not None:
                args[key] = value
        if ceil:
            args["ceil"] = True
        return {"pool": args}, (out[0], out[1], c)

    def global_pool(self, shape: tuple[int, ...]) -> Any:
        return self.pick(["gap", "gmp"]), (1, 1, shape[2])

    def global_pool_vector(self, shape: tuple[int, ...]) -> Any:  # Keras' keepdims=False
        return {self.pick(["gap", "gmp"]): {"keepdims": False}}, (shape[2],)

    def reshape(self, shape: tuple[int, ...]) -> Any:
        n = math.prod(shape)
        if len(shape) == 1 or self.chance(0.5):
            target = [1, 1, -1] if self.chance(0.5) else [1, 1, n]
            return {"reshape": target}, (1, 1, n)
        return {"reshape": {"shape": [-1]}}, (n,)

    def rescaling(self, shape: tuple[int, ...]) -> Any:
        return ({"rescaling": {"scale": 0.5, "offset": -1}} if self.chance(0.5) else "rescaling"), shape

    def normalization(self, shape: tuple[int, ...]) -> Any:
        return ({"normalization": {"given": True}} if self.chance(0.3) else "normalization"), shape

    def cropping(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        if h < 2 or w < 2:
            return None
        t, left = self.int(0, (h - 1) // 2), self.int(0, (w - 1) // 2)
        b, r = self.int(0, h - 1 - t), self.int(0, w - 1 - left)
        return {"cropping": [t, b, left, r]}, (h - t - b, w - left - r, c)

    def custom(self, shape: tuple[int, ...]) -> Any:
        out = [self.int(1, 4), self.int(1, 4), self.int(1, 8)] if self.chance(0.5) else [self.int(1, 8)]
        return {"custom": {"output": out, "layer": "MyLayer"}}, tuple(out)

    def adaptive_pool(self, shape: tuple[int, ...]) -> Any:
        oh, ow = self.int(1, min(shape[0], 6)), self.int(1, min(shape[1], 6))
        entry = {"output": [oh, ow] if oh != ow or self.chance(0.5) else oh}
        if self.chance(0.5):
            entry["mode"] = self.pick(["avg", "max"])
        return {"adaptive_pool": entry}, (oh, ow, shape[2])

    def fc(self, shape: tuple[int, ...]) -> Any:
        units = self.int(1, 12)
        if self.chance(0.3):
            return {"fc": units}, (units,)
        args: dict[str, Any] = {"units": units}
        if self.chance(0.3):
            args["bias"] = False
        if self.chance(0.4):
            args["activation"] = self.pick(ACTIVATIONS)
        return {self.pick(["fc", "dense", "linear"]): args}, (units,)

    def flatten(self, shape: tuple[int, ...]) -> Any:
        return "flatten", (math.prod(shape),)

    def bn(self, shape: tuple[int, ...]) -> Any:
        if self.chance(0.3):
            return {"bn": {"affine": False, "epsilon": 0.001}}, shape
        if self.chance(0.3):  # Keras' gamma or beta alone
            return {"bn": self.pick([{"scale": False}, {"center": False}, {"scale": False, "center": False}])}, shape
        return self.pick(["bn", "batchnorm"]), shape

    def lrn(self, shape: tuple[int, ...]) -> Any:
        if self.chance(0.5):
            return "lrn", shape
        return {"lrn": {"size": self.int(1, 5), "alpha": 0.001, "beta": 0.5, "k": 2}}, shape

    def dropout(self, shape: tuple[int, ...]) -> Any:
        return {"dropout": self.pick([0.0, 0.25, 0.5])}, shape

    def activation(self, shape: tuple[int, ...]) -> Any:
        kind = self.pick(ACTIVATION_KINDS)
        if kind in ("leaky_relu", "elu") and self.chance(0.5):
            return {kind: 0.2}, shape
        if self.chance(0.2):  # the function as an argument (a block's `act`)
            return {"activation": {"function": kind}}, shape
        return kind, shape

    def identity(self, shape: tuple[int, ...]) -> Any:
        return "identity", shape

    def pad(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        mode = self.pick(["reflect", "edge", "wrap", "constant"])
        most = min(h, w) - 1 if mode in ("reflect", "wrap") else 3
        if most < 1:
            return None
        p = [self.int(0, most) for _ in range(4)]
        return {"pad": {"p": p, "mode": mode}}, (h + p[0] + p[1], w + p[2] + p[3], c)

    def instance_norm(self, shape: tuple[int, ...]) -> Any:
        if shape[0] * shape[1] == 1:
            return None  # one value per channel: refused (tests/test_layers.py), as PyTorch does
        return ({"instance_norm": {"epsilon": 0.001}} if self.chance(0.3) else "instance_norm"), shape

    def operator(self, shape: tuple[int, ...]) -> Any:
        return {"operator": {"type": "Foo", "params": self.int(0, 9), "buffers": self.int(0, 3)}}, shape

    def zeropad(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        value, (t, b, l_, r) = self.padding((1, 1), (1, 1), (1, 1), (h, w), same=False)
        if value in ("valid", None):
            value, (t, b, l_, r) = 1, (1, 1, 1, 1)
        if h + t + b > MAX_SIZE or w + l_ + r > MAX_SIZE:
            return None
        return {"zeropad": value if self.chance(0.5) else {"p": value}}, (h + t + b, w + l_ + r, c)

    def upsample(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        f_yaml, f = self.pair(1, 2)
        if h * f[0] > MAX_SIZE or w * f[1] > MAX_SIZE:
            return None
        return {"upsample": {"factor": f_yaml, "mode": self.pick(["nearest", "bilinear"])}}, (h * f[0], w * f[1], c)

    def crop(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        oh, ow = self.int(1, h), self.int(1, w)
        return {"crop": {"output": [oh, ow]}}, (oh, ow, c)

    def split(self, shape: tuple[int, ...]) -> Any:
        c = shape[-1]
        groups = self.pick([g for g in range(1, c + 1) if c % g == 0])
        return {"split": {"groups": groups, "index": self.int(0, groups - 1)}}, (*shape[:-1], c // groups)

    def space_to_depth(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        block = self.pick([2, 3])
        if h % block or w % block or c * block * block > MAX_CHANNELS * 2:
            return None
        entry = "space_to_depth" if block == 2 and self.chance(0.5) else {"reorg": {"block": block}}
        return entry, (h // block, w // block, c * block * block)

    def scale(self, shape: tuple[int, ...]) -> Any:
        return ({"scale": {"bias": True}} if self.chance(0.5) else "scale"), shape

    def prelu(self, shape: tuple[int, ...]) -> Any:
        return ({"prelu": {"shared": True}} if self.chance(0.5) else "prelu"), shape

    def attention(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        if c < 3:
            return None
        heads = self.pick([g for g in range(1, c + 1) if c % g == 0 and c // g >= 3])
        per = c // heads
        key_dim = self.int(1, (per - 1) // 2)
        head_dim = per - 2 * key_dim
        return {"attention": {"heads": heads, "key_dim": key_dim, "head_dim": head_dim}}, (h, w, heads * head_dim)

    def dfl(self, shape: tuple[int, ...]) -> Any:
        h, w, c = shape
        if c % 4:
            return None
        return {"dfl": c // 4}, (4 * h * w,)

    def channel_shuffle(self, shape: tuple[int, ...]) -> Any:
        c = shape[-1]
        groups = self.pick([g for g in range(1, c + 1) if c % g == 0])
        return ({"channel_shuffle": groups} if self.chance(0.5) else {"channel_shuffle": {"groups": groups}}), shape

    def layer_norm(self, shape: tuple[int, ...]) -> Any:
        return ({"layer_norm": {"affine": False, "epsilon": 1e-6}} if self.chance(0.3) else "layer_norm"), shape

    def layer_scale(self, shape: tuple[int, ...]) -> Any:
        return ({"layer_scale": 0.5} if self.chance(0.5) else "layer_scale"), shape

    def stochastic_depth(self, shape: tuple[int, ...]) -> Any:
        kind = self.pick(["stochastic_depth", "drop_path"])
        return ({kind: {"rate": 0.2, "mode": "batch"}} if self.chance(0.5) else {kind: 0.1}), shape

    def slice(self, shape: tuple[int, ...]) -> Any:
        c = shape[-1]
        start = self.int(0, c - 1)
        stop = self.int(start + 1, c)
        args: dict[str, Any] = {"start": start - c if self.chance(0.3) else start}
        if stop != c or self.chance(0.5):
            args["stop"] = stop - c if stop != c and self.chance(0.3) else stop
        return {"slice": args}, (*shape[:-1], stop - start)

    VOLUME = ["conv", "depthwise", "deconv", "local", "pool", "global_pool", "adaptive_pool", "fc",
              "flatten", "bn", "lrn", "dropout", "activation", "identity", "zeropad", "upsample", "crop",
              "split", "space_to_depth", "scale", "prelu", "channel_shuffle", "layer_norm", "layer_scale",
              "stochastic_depth", "slice", "instance_norm", "operator", "global_pool_vector", "reshape",
              "rescaling", "normalization", "cropping", "custom", "pad", "attention", "dfl"]
    VECTOR = ["fc", "flatten", "bn", "lrn", "dropout", "activation", "identity", "split", "scale", "prelu",
              "channel_shuffle", "layer_norm", "layer_scale", "stochastic_depth", "slice", "operator", "reshape",
              "rescaling", "normalization", "custom"]
    KEEPS_RANK = [k for k in VOLUME if k not in ("fc", "flatten", "global_pool_vector", "reshape", "custom", "dfl")]
    MORE_OFTEN = ("activation", "pool", "deconv", "conv")  # many variants or many rules each

    def leaf(self, shape: tuple[int, ...], keep_rank: bool = False) -> tuple[Any, tuple[int, ...]]:
        options = self.VECTOR if len(shape) == 1 else (self.KEEPS_RANK if keep_rank else self.VOLUME)
        options = [o for o in options if o not in ("scale", "prelu") or o in KINDS]
        options += [o for o in options if o in self.MORE_OFTEN] * 2
        for _ in range(4):
            made = getattr(self, self.pick(options))(shape)
            if made is not None:
                return made
        return "identity", shape

    # -- bodies and composites
    def body(self, shape: tuple[int, ...], depth: int, keep_rank: bool = False,
             top: bool = False) -> tuple[list[Any], tuple[int, ...]]:
        entries: list[Any] = []
        for _ in range(self.int(2, 10) if top else self.int(1, 3)):
            entry, shape = self.entry(shape, depth, keep_rank, top)
            entries.append(entry)
        return entries, shape

    def entry(self, shape: tuple[int, ...], depth: int, keep_rank: bool, top: bool) -> tuple[Any, tuple]:
        roll = self.int(0, 99)
        volume = len(shape) == 3
        if volume and depth < 2 and roll < 7:
            entry, shape = self.residual(shape, depth)
        elif volume and depth < 2 and roll < 13:
            entry, shape = self.parallel(shape, depth)
        elif volume and roll < 17:
            entry, shape = self.use_block(shape)
        elif top and roll < 27:
            made = self.merge_or_from(shape)
            if made is None:
                return self.entry(shape, depth, keep_rank, False)
            entry, shape = made
        elif roll < 31:
            entry, shape = self.repeated(shape)
        else:
            entry, shape = self.leaf(shape, keep_rank)
        entry = self.common_keys(entry, shape, top)
        return entry, shape

    def common_keys(self, entry: Any, shape: tuple[int, ...], top: bool) -> Any:
        if isinstance(entry, str):
            entry = {entry: None}
        kind = next(iter(entry))
        args = entry[kind]
        if not isinstance(args, dict):
            args = {} if args is None else {KINDS[_kind_of(kind)].cls.MAIN_ARG: args}
        if "repeat" in args:
            return {kind: args}
        if top and "from" not in args and self.chance(0.4):
            self.counter += 1
            name = f"t{self.counter}"
            args["name"] = name
            self.names[name] = shape
        if self.chance(0.12):
            args["trainable"] = False
        return {kind: args or None}

    def repeated(self, shape: tuple[int, ...]) -> tuple[Any, tuple[int, ...]]:
        if len(shape) == 3 and self.chance(0.5):
            entry = {"conv": {"filters": shape[2], "f": 3, "padding": "same"}}
        else:
            entry = {self.pick(["bn", "relu", "dropout", "identity"]): {}}
        kind = next(iter(entry))
        entry[kind]["repeat"] = self.int(1, 3)
        return entry, shape

    def residual(self, shape: tuple[int, ...], depth: int) -> tuple[Any, tuple[int, ...]]:
        main, out = self.body(shape, depth + 1, keep_rank=True)
        args: dict[str, Any] = {"main": main}
        strides = [_shortcut_stride(n_in, n_out) for n_in, n_out in zip(shape[:2], out[:2], strict=True)]
        if out == shape or self.chance(0.1):
            choice = self.pick(["identity", "auto", "list", "none", None]) if out == shape else "none"
            if choice == "list":
                args["shortcut"] = ["bn"]
            elif choice is not None:
                args["shortcut"] = choice
            if choice == "none":  # no sum for an activation to follow
                return {"residual": args}, out
        elif None not in strides:
            if self.chance(0.5):
                args["shortcut"] = "auto"
            else:
                args["shortcut"] = [{"conv": {"filters": out[2], "f": 1, "s": strides, "bias": False}}, "bn"]
        else:
            args["main"] = [{"conv": {"filters": shape[2], "f": 3, "padding": "same"}}]
            out = shape
        if self.chance(0.5):
            args["activation"] = self.pick(ACTIVATIONS)
        return {"residual": args}, out

    def parallel(self, shape: tuple[int, ...], depth: int) -> tuple[Any, tuple[int, ...]]:
        h, w, c = shape
        merge = self.pick(["concat", "add", "multiply", None])
        target = self.int(1, 8)
        branches, channels = [], []
        for _ in range(self.int(2, 3)):
            if self.chance(0.2):
                branches.append([])
                channels.append(c)
                continue
            body, out = self.body(shape, depth + 1, keep_rank=True)
            if out[:2] != (h, w):  # concat and add need h x w: a same-padded conv keeps it
                body = [{"conv": {"filters": self.int(1, 6), "f": self.pick([1, 3]), "padding": "same"}}]
                out = (h, w, body[0]["conv"]["filters"])
            branches.append(body)
            channels.append(out[2])
        if merge in ("add", "multiply"):
            if [] in branches:
                target = c
            for body, ch in zip(branches, channels, strict=True):
                if body and ch != target:
                    body.append({"conv": {"filters": target, "f": 1}})
            out = (h, w, target)
            gates = [b for b in branches if b]
            if merge == "multiply" and gates and self.chance(0.5):
                # one branch a 1 x 1 x C gate (squeeze-and-excitation), broadcast over the others
                gates[0].append("gap")
        else:
            out = (h, w, sum(channels))
            if out[2] > MAX_CHANNELS * 3:
                return self.leaf(shape, keep_rank=True)
        args: dict[str, Any] = {"branches": branches}
        if merge:
            args["merge"] = merge
        if merge != "multiply" and self.chance(0.3):
            args["activation"] = self.pick(ACTIVATIONS)
        return {"parallel": args}, out

    def use_block(self, shape: tuple[int, ...]) -> tuple[Any, tuple[int, ...]]:
        h, w, c = shape
        name = self.pick(["unit", "basic", "wide"])
        if name == "wide":
            self.vars.setdefault("width", self.int(1, 4))
            self.blocks["wide"] = {"args": {"k": 1}, "layers": [{"conv": {"filters": "${width * k}", "f": 1}}]}
            k = self.int(1, 3)
            return {"wide": {"k": k}}, (h, w, self.vars["width"] * k)
        if name == "unit":
            self.blocks["unit"] = {"args": {"filters": None, "s": 1}, "layers": [
                {"conv": {"filters": "$filters", "f": 3, "s": "$s", "padding": "same", "bias": False}},
                "bn", "relu"]}
        else:
            self.blocks["basic"] = {"args": {"filters": None, "s": 1}, "layers": [{"residual": {
                "main": [{"conv": {"filters": "$filters", "f": 3, "s": "$s", "padding": "same"}}, "bn", "relu",
                         {"conv": {"filters": "$filters", "f": 3, "padding": "same"}}, "bn"],
                "shortcut": "auto", "activation": "relu"}}]}
        filters, s = self.int(1, 8), self.int(1, 2)
        repeat = self.int(1, 2)
        for _ in range(repeat):
            h, w = -(-h // s), -(-w // s)
        args: dict[str, Any] = {"filters": filters}
        if s != 1:
            args["s"] = s
        if repeat > 1:
            args["repeat"] = repeat
        return {name: args}, (h, w, filters)

    def merge_or_from(self, shape: tuple[int, ...]) -> Any:
        """A layer reading earlier named layers: add/concat/multiply/maximum/shortcut, or any leaf."""
        names = [*self.names, "input"]
        shapes = {**self.names, "input": self.input}
        kind = self.pick(["add", "concat", "multiply", "maximum", "shortcut", "from"])
        if kind not in KINDS and kind != "from":
            kind = "add"
        first = self.pick(names)
        a = shapes[first]
        if kind == "from":
            entry, out = self.leaf(a)
            entry = {entry: None} if isinstance(entry, str) else entry
            key = next(iter(entry))
            args = entry[key] if isinstance(entry[key], dict) else (
                {} if entry[key] is None else {KINDS[_kind_of(key)].cls.MAIN_ARG: entry[key]})
            args["from"] = first
            return {key: args}, out
        if kind in ("add", "maximum"):
            fits = [n for n in names if shapes[n] == a]
        elif kind == "multiply":
            gate = (1, 1, a[2]) if len(a) == 3 else a
            fits = [n for n in names if shapes[n] in (a, gate)]
        elif kind == "concat":
            fits = [n for n in names if len(shapes[n]) == len(a) and shapes[n][:-1] == a[:-1]]
        else:  # darknet shortcut: volumes whose sizes divide one another
            fits = [n for n in names if len(a) == 3 and len(shapes[n]) == 3 and all(
                max(x, y) % min(x, y) == 0 for x, y in zip(a[:2], shapes[n][:2], strict=True))]
        if not fits:
            return None
        others = [self.pick(fits) for _ in range(self.int(1, 2))]
        args: dict[str, Any] = {"from": [first, *others]}
        if kind == "multiply" and self.chance(0.5):  # the gate first, as torch's `*` allows
            args["from"] = args["from"][::-1]
        if kind in ("add", "concat", "shortcut") and self.chance(0.3):
            args["activation"] = self.pick(ACTIVATIONS)
        if kind == "concat":
            return {kind: args}, (*a[:-1], sum(shapes[n][-1] for n in [first, *others]))
        return {kind: args}, a

    def network(self) -> str:
        if self.chance(0.1):
            self.input: tuple[int, ...] = (self.int(4, 40),)
        else:
            self.input = (self.int(8, 40), self.int(8, 40), self.int(1, 6))
        layers, _ = self.body(self.input, 0, top=True)
        doc: dict[str, Any] = {"name": "random", "input": list(self.input)}
        if self.vars:
            doc["vars"] = self.vars
        if self.blocks:
            doc["blocks"] = self.blocks
        doc["layers"] = layers
        return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=200)


def _kind_of(key: str) -> str:
    from cnncalc.layers import KIND_ALIASES

    return KIND_ALIASES[key][0] if key in KIND_ALIASES else key


def _shortcut_stride(n_in: int, n_out: int) -> int | None:
    """The smallest s with floor((n_in - 1)/s) + 1 = n_out (SPEC: `shortcut: auto`)."""
    for s in range(1, n_in + 1):
        if (n_in - 1) // s + 1 == n_out:
            return s
    return None


# Every registry kind the strategy writes (activations through `activation`, aliases by kind).
GENERATED_KINDS = {
    "conv", "depthwise", "deconv", "local", "pool", "gap", "gmp", "adaptive_pool", "fc", "flatten", "bn",
    "lrn", "dropout", "identity", "zeropad", "upsample", "crop", "split", "space_to_depth", "add", "concat",
    "multiply", "maximum", "shortcut", "scale", "prelu", "channel_shuffle", "layer_norm", "layer_scale",
    "stochastic_depth", "slice", "activation", "instance_norm", "operator", "reshape", "rescaling",
    "normalization", "cropping", "custom", "pad", "attention", "dfl", *ACTIVATION_KINDS,
}  # fmt: skip


@st.composite
def networks(draw: Callable[[Any], Any]) -> str:
    return Net(draw).network()


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks())
def test_random_network_agrees_with_pytorch(text: str) -> None:
    assert_agrees(analyze(text))


def test_pool_padding_that_ends_past_the_last_window() -> None:
    # hypothesis found: a 1-row input, padding 2 on top, f 1, s 3, ceil: rows 0..2 padded, one
    # window (ceil(2/3) + 1 = 2, but the second would start at 3 >= 1 + 2, in no row: dropped).
    # The end padding (1 - 1)*3 + 1 - 1 - 2 = -2 cannot be given to F.pad (it trims the input
    # first); 0 gives the same single window.  Output 1 x 1 x 1, as PyTorch must agree.
    assert_agrees(analyze("""
input: [8, 8, 1]
layers:
  - gap
  - pool: {mode: max, f: 1, s: [3, 1], padding: [2, 0, 0, 0], ceil: true}
"""))


def test_deconv_trim_larger_than_its_output() -> None:
    # hypothesis found: a 1 x 1 input, f 1, s 3, padding left 2, output_padding 2 in width:
    # (1 - 1)*3 - 2 + 0 + 2 + 1 = 1 column, which lies past the one column the transposed conv
    # writes (only the bias reaches it).  The trim (-2 left, +2 right) must add before it removes.
    assert_agrees(analyze("""
input: [1, 1, 1]
layers:
  - deconv: {filters: 1, f: 1, s: 3, output_padding: [0, 2], padding: [0, 0, 2, 0]}
"""))
