"""Issue 16's kinds and format features: numbers worked by hand and checked against torch modules.

Kinds: channel_shuffle, layer_norm, layer_scale, stochastic_depth (drop_path), slice. Features:
multiply broadcasting in either order, `merge: multiply` in parallel (SE as one composite),
`shortcut: none` chosen by a block argument, `repeat: 0`, errors in a block body naming the use.
CPU budget: about 3 s (small tensors; torch is imported once).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError
from cnncalc.layers import KINDS
from cnncalc.layers.elementwise import Multiply
from cnncalc.layers.layer_norm import LayerNorm
from cnncalc.layers.layer_scale import LayerScale
from cnncalc.layers.shuffle import ChannelShuffle
from cnncalc.layers.slice import ChannelSlice
from cnncalc.layers.stochastic_depth import StochasticDepth
from cnncalc.validate import validate_text

torch = pytest.importorskip("torch")
nn = torch.nn


def rows(text: str) -> dict[str, Any]:
    report = analyze_text(textwrap.dedent(text), "net.yaml")
    return {r.name: r for r in report.rows}


def error(text: str) -> str:
    with pytest.raises(CnnError) as info:
        analyze_text(textwrap.dedent(text), "net.yaml")
    return str(info.value)


# ---- the kinds, by hand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "shape", "output", "params"),
    [
        (ChannelShuffle(groups=2), (28, 28, 116), (28, 28, 116), 0),  # shape kept
        (LayerNorm(), (56, 56, 96), (56, 56, 96), 2 * 96),  # gamma and beta per channel
        (LayerNorm(affine=False), (56, 56, 96), (56, 56, 96), 0),
        (LayerNorm(), (768,), (768,), 2 * 768),  # a vector: over its units
        (LayerScale(), (7, 7, 768), (7, 7, 768), 768),  # one gamma per channel
        (StochasticDepth(rate=0.1), (14, 14, 384), (14, 14, 384), 0),
        (ChannelSlice(start=64, stop=96), (28, 28, 256), (28, 28, 32), 0),  # 96 - 64
        (ChannelSlice(start=-16), (28, 28, 256), (28, 28, 16), 0),  # the last 16
        (ChannelSlice(stop=-1), (4, 4, 10), (4, 4, 9), 0),  # 0 .. 8
        (Multiply(), ((1, 1, 8), (5, 5, 8)), (5, 5, 8), 0),  # the gate first
        (Multiply(), ((5, 5, 1), (1, 1, 8)), (5, 5, 8), 0),  # both broadcast, as torch's *
    ],
)
def test_shapes_and_params_by_hand(layer: Any, shape: Any, output: Any, params: int) -> None:
    inputs = list(shape) if isinstance(shape[0], tuple) else [shape]
    cost = layer.infer(inputs)
    assert cost.output == output
    assert cost.params == params
    assert cost.macs == 0 and cost.buffers == 0


def test_params_equal_torch_modules() -> None:
    # torch.nn.LayerNorm(C): weight and bias of C each (ConvNeXt's LayerNorm2d subclasses it)
    assert sum(p.numel() for p in nn.LayerNorm(96).parameters()) == LayerNorm().infer([(8, 8, 96)]).params
    assert sum(p.numel() for p in nn.LayerNorm(96, elementwise_affine=False).parameters()) == 0
    # torchvision's CNBlock: nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)
    assert torch.ones(768, 1, 1).numel() == LayerScale().infer([(7, 7, 768)]).params


@pytest.mark.parametrize(("gate", "x"), [((1, 1, 8), (5, 5, 8)), ((5, 5, 8), (1, 1, 8)), ((5, 5, 1), (1, 1, 8))])
def test_multiply_broadcasts_as_torch(gate: tuple[int, ...], x: tuple[int, ...]) -> None:
    a, b = torch.zeros(1, gate[2], *gate[:2]), torch.zeros(1, x[2], *x[:2])
    n, c, h, w = (a * b).shape
    assert Multiply().infer([gate, x]).output == (h, w, c)


def test_multiply_of_unmatched_shapes_is_an_error() -> None:
    text = """
    input: [8, 8, 4]
    layers:
      - conv: {filters: 3, f: 1, name: a}
      - multiply: {from: [a, input]}
    """
    assert "multiply needs equal shapes, or 1 where they differ, got 8 x 8 x 3, 8 x 8 x 4" in error(text)


def test_exported_channel_shuffle_is_shufflenets_permutation() -> None:
    """ShuffleNet (and torchvision's channel_shuffle): channels viewed as g x (C/g), transposed:
    output channel j*g + i is input channel i*(C/g) + j. For C = 6, g = 2: 0 3 1 4 2 5."""
    from cnncalc.export import build_module

    report = analyze_text("input: [2, 2, 6]\nlayers:\n  - channel_shuffle: 2\n", "s.yaml")
    model = build_module(report).eval()
    x = torch.arange(6.0).view(1, 6, 1, 1).expand(1, 6, 2, 2)
    got = model(x)[0, :, 0, 0].tolist()
    assert got == [0, 3, 1, 4, 2, 5]
    g, per = 3, 4  # C = 12, g = 3: by the formula
    report = analyze_text(f"input: [1, 1, {g * per}]\nlayers:\n  - channel_shuffle: {g}\n", "s.yaml")
    got = build_module(report).eval()(torch.arange(12.0).view(1, 12, 1, 1))[0, :, 0, 0].tolist()
    assert got == [i * per + j for j in range(per) for i in range(g)]


def test_exported_slice_layer_norm_and_layer_scale_compute_what_torch_does() -> None:
    from cnncalc.export import build_module

    text = ("input: [3, 3, 8]\nlayers:\n  - layer_norm: {epsilon: 1e-6}\n  - layer_scale: 0.5\n"
            "  - slice: {start: -5, stop: 6}\n")
    model = build_module(analyze_text(text, "k.yaml")).eval()
    x = torch.randn(1, 8, 3, 3)
    # ConvNeXt's LayerNorm2d: LayerNorm over channels, channels last
    want = nn.functional.layer_norm(x.permute(0, 2, 3, 1), (8,), eps=1e-6).permute(0, 3, 1, 2) * 0.5
    assert torch.allclose(model(x), want[:, 3:6], atol=1e-6)


def test_stochastic_depth_is_the_identity_in_eval_and_drops_rows_in_training() -> None:
    from cnncalc.export import build_module

    model = build_module(analyze_text("input: [64]\nlayers:\n  - drop_path: 0.5\n", "d.yaml"))
    x = torch.ones(400, 64)
    assert torch.equal(model.eval()(x), x)
    torch.manual_seed(0)
    y = model.train()(x)
    kept = y[:, 0] != 0
    assert torch.all(y[kept] == 2.0) and torch.all(y[~kept] == 0)  # survivors scaled by 1/(1 - 0.5)
    assert 120 < int(kept.sum()) < 280  # about half of the 400 rows


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("channel_shuffle: 3", "8 channels do not shuffle in 3 equal groups"),
        ("slice: {start: 2, stop: 9}", "slice 2:9 is outside the 8 channels of its input"),
        ("slice: {start: -9}", "slice -9: is outside the 8 channels of its input"),
        ("slice: {start: 5, stop: 5}", "slice 5:5 of 8 channels keeps none"),
        ("slice: {start: 1.5}", "slice 'start': expected an integer channel index, got 1.5"),
        ("layer_scale: {init: big}", "layer_scale 'init': expected a number, got 'big'"),
        ("stochastic_depth: 1.5", "stochastic_depth 'rate': expected a rate from 0 up to (not including) 1"),
    ],
)
def test_kind_errors(entry: str, message: str) -> None:
    assert message in error(f"input: [4, 4, 8]\nlayers:\n  - {entry}\n")


def test_an_activation_chosen_by_an_argument_is_named_by_its_function() -> None:
    r = rows("""
    input: [4, 4, 3]
    blocks:
      unit:
        args: {act: relu}
        layers: [{conv: {filters: 2, f: 1}}, {activation: $act}]
    layers:
      - unit: {act: hardswish}
      - unit
    """)
    assert [(x.name, x.kind) for x in r.values() if x.kind != "conv"] == [
        ("unit1.hardswish1", "hardswish"), ("unit2.relu1", "relu")]
    assert "unknown activation 'bogus'" in error("input: [4, 4, 3]\nlayers:\n  - activation: bogus\n")


def test_aliases_and_yaml_exponents() -> None:
    r = rows("""
    input: [4, 4, 8]
    layers:
      - drop_path: 0.2
      - layernorm: {epsilon: 1e-6}
      - hardsigmoid
    """)
    assert [x.kind for x in r.values()] == ["stochastic_depth", "layer_norm", "hard_sigmoid"]
    assert r["layer_norm1"].leaf.layer.epsilon == 1e-6  # YAML 1.1 reads 1e-6 as text: a number here
    assert set(KINDS) >= {"channel_shuffle", "layer_norm", "layer_scale", "stochastic_depth", "slice"}


# ---- squeeze-and-excitation as one composite ---------------------------------------------------

SE = """
input: [14, 14, 40]
layers:
  - parallel:
      name: se
      branches:
        - []
        - - gap
          - conv: {filters: 10, f: 1, activation: relu}
          - conv: {filters: 40, f: 1}
          - hardsigmoid
      merge: multiply
"""


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation with MobileNetV3's hardsigmoid, written out."""

    def __init__(self, c: int, squeeze: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1, self.fc2 = nn.Conv2d(c, squeeze, 1), nn.Conv2d(squeeze, c, 1)

    def forward(self, x: Any) -> Any:
        scale = nn.functional.hardsigmoid(self.fc2(nn.functional.relu(self.fc1(self.avgpool(x)))))
        return scale * x


def test_se_composite_equals_torchvisions_squeeze_excitation() -> None:
    from torch.utils.flop_counter import FlopCounterMode

    r = rows(SE)
    assert r["se.multiply"].kind == "multiply" and r["se.multiply"].output == (14, 14, 40)
    module = SqueezeExcitation(40, 10)
    # (40 + 1) * 10 + (10 + 1) * 40 = 850 parameters; 400 + 400 MACs on the 1 x 1 gate
    assert sum(x.params for x in r.values()) == sum(p.numel() for p in module.parameters()) == 850
    with FlopCounterMode(display=False) as counter:
        y = module(torch.zeros(1, 40, 14, 14))
    assert sum(x.macs for x in r.values()) == counter.get_total_flops() // 2 == 800
    assert tuple(y.shape) == (1, 40, 14, 14)


def test_merge_multiply_takes_no_activation() -> None:
    text = SE + "      activation: relu\n"
    assert "parallel 'activation': merge: multiply takes none" in error(text)


# ---- a skip connection chosen by an argument, repeat: 0 ----------------------------------------

MBV2_STAGE = """
input: [56, 56, 24]
vars: {n: 1}
blocks:
  inverted_residual:
    args: {t: 6, c: null, s: 1, skip: identity}
    layers:
      - residual:
          main:
            - conv: {filters: "${t * 24}", f: 1, bias: false}
            - bn
            - relu6
            - depthwise: {f: 3, s: $s, padding: 1, bias: false}
            - bn
            - relu6
            - conv: {filters: $c, f: 1, bias: false}
            - bn
          shortcut: $skip
layers:
  - inverted_residual: {c: 32, s: 2, skip: none}
  - inverted_residual: {c: 32, repeat: "${n - 1}"}
"""


def test_skip_chosen_by_an_argument_and_repeat_zero() -> None:
    r = rows(MBV2_STAGE)
    # the first use has no skip: no add row; `repeat: ${n - 1}` with n = 1 places no copies
    assert not any(x.kind == "add" for x in r.values())
    assert list(r)[-1] == "inverted_residual1.main.bn3" and r["inverted_residual1.main.bn3"].output == (28, 28, 32)
    r3 = rows(MBV2_STAGE.replace("{n: 1}", "{n: 3}"))
    adds = [x for x in r3.values() if x.kind == "add"]
    assert [a.name for a in adds] == ["inverted_residual2.add", "inverted_residual3.add"]
    # torchvision's InvertedResidual(24, 32, 2, 6): 1x1 24->144, dw 3x3, 1x1 144->32, 3 BNs:
    # 24*144 + 144*9 + 144*32 + 2*(144 + 144 + 32) = 3456 + 1296 + 4608 + 640 = 10,000
    assert sum(x.params for x in r.values()) == 10_000
    block = nn.Sequential(
        nn.Conv2d(24, 144, 1, bias=False), nn.BatchNorm2d(144), nn.ReLU6(),
        nn.Conv2d(144, 144, 3, 2, 1, groups=144, bias=False), nn.BatchNorm2d(144), nn.ReLU6(),
        nn.Conv2d(144, 32, 1, bias=False), nn.BatchNorm2d(32),
    )
    assert sum(p.numel() for p in block.parameters()) == 10_000


def test_shortcut_none_refuses_an_activation() -> None:
    text = """
    input: [8, 8, 4]
    layers:
      - residual: {main: [relu], shortcut: none, activation: relu}
    """
    assert "residual1: with shortcut: none there is no sum for 'activation' to follow" in error(text)


def test_repeat_zero_everywhere_is_no_network() -> None:
    assert "the network has no layers" in error("input: [8, 8, 4]\nlayers:\n  - relu: {repeat: 0}\n")


def test_repeat_zero_entry_must_still_be_valid() -> None:
    assert "conv needs 'filters'" in error("input: [8, 8, 4]\nlayers:\n  - relu\n  - conv: {f: 3, repeat: 0}\n")


# ---- errors in a block body name the use ------------------------------------------------------

BAD_USE = """\
input: [8, 8, 3]
blocks:
  unit:
    args: {c: null}
    layers:
      - conv: {filters: $c, f: 3, padding: same}
      - relu
layers:
  - conv: {filters: 4, f: 1}
  - unit: {c: 4}
  - unit: {c: -2, name: stage2}
"""


def test_an_error_in_a_block_body_names_the_use() -> None:
    assert error(BAD_USE) == (
        "net.yaml:6:25: error: stage2 (block unit at line 11): conv 'filters': expected a positive integer, got -2"
    )


def test_validate_reports_it_once_naming_the_use() -> None:
    result = validate_text(BAD_USE, "net.yaml")
    assert [(p.loc.line, p.message) for p in result.problems] == [
        (6, "stage2 (block unit at line 11): conv 'filters': expected a positive integer, got -2"),
    ]


def test_nested_blocks_name_each_use() -> None:
    text = """\
input: [8, 8, 3]
blocks:
  inner:
    args: {c: null}
    layers: [{conv: {filters: $c, f: 1}}]
  outer:
    args: {c: null}
    layers: [{inner: {c: $c}}]
layers:
  - outer: {c: 0}
"""
    # outer's body is one block use, which takes its owner's name (SPEC: no level of its own)
    assert error(text).endswith("5:31: error: outer1 (block inner at line 8, in block outer at line 10): "
                                "conv 'filters': expected a positive integer, got 0")


def test_tensors_of_the_new_kinds_are_the_exported_modules_state_dict() -> None:
    """cnncalc.tensors' torch layout for layer_norm and layer_scale (and none for the others) is
    what the exported module stores; the counts add up to the rows' parameters."""
    from cnncalc import tensors
    from cnncalc.export import build_module

    text = ("input: [6, 6, 8]\nlayers:\n  - layer_norm\n  - layer_scale\n  - layer_norm: {affine: false}\n"
            "  - channel_shuffle: 2\n  - drop_path: 0.1\n  - slice: {stop: 4}\n  - flatten\n  - layer_norm\n")
    report = analyze_text(text, "t.yaml")
    ours = sorted(t.torch_shape for ts in tensors.of_graph(report.graph).values() for t in ts)
    theirs = sorted(tuple(v.shape) for v in build_module(report).state_dict().values())
    assert ours == theirs == [(8,), (8,), (8,), (144,), (144,)]
    assert sum(t.count for ts in tensors.of_graph(report.graph).values() for t in ts) == report.totals.params
