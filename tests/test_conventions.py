"""--convention NAME: each tool's totals, checked against the tool itself where it installs here
(torchinfo, fvcore, ptflops run on the same network written by hand as an nn.Module), and
against hand-worked and published numbers where it does not (Keras, Darknet).
"""

from __future__ import annotations

import json
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import bundled
from cnncalc.analysis import analyze_text
from cnncalc.cli import main
from cnncalc.conventions import CONVENTIONS, NAMES, apply
from cnncalc.report import Report


def counted(text: str, convention: str, **kw: Any) -> Report:
    return apply(analyze_text(textwrap.dedent(text), "net.yaml", **kw), convention)


def bundled_text(name: str) -> str:
    path = bundled.path(name)
    assert path is not None
    return path.read_text()


# ---- the three networks, in cnncalc YAML and (below) as PyTorch modules -----------------------

LENET5 = bundled_text("lenet5")

# A stem and two residual blocks with batch norm: one identity, one projection shortcut.
RESIDUAL = """
input: [16, 16, 8]
layers:
  - conv: {filters: 16, f: 3, padding: 1, bias: false}
  - bn
  - relu
  - residual:
      main:
        - conv: {filters: 16, f: 3, padding: 1, bias: false}
        - bn
        - relu
        - conv: {filters: 16, f: 3, padding: 1, bias: false}
        - bn
      activation: relu
  - residual:
      main:
        - conv: {filters: 32, f: 3, s: 2, padding: 1, bias: false}
        - bn
        - relu
        - conv: {filters: 32, f: 3, padding: 1, bias: false}
        - bn
      shortcut: auto
      activation: relu
  - gap
  - fc: 10
"""

# Pools of both kinds, upsample, concat, an adaptive pool, several activations, dropout.
POOLING = """
input: [32, 32, 3]
layers:
  - conv: {name: c1, filters: 8, f: 3, padding: 1, activation: relu}
  - pool: {name: p1, mode: max, f: 2}
  - conv: {name: c2, filters: 16, f: 3, padding: 1, activation: leaky_relu}
  - pool: {name: p2, mode: avg, f: 2}
  - upsample: {name: up, factor: 2}
  - concat: {name: cat, from: [up, p1]}
  - conv: {name: c3, filters: 8, f: 1}
  - sigmoid
  - adaptive_pool: {output: [4, 4]}
  - flatten
  - dropout: 0.5
  - fc: {units: 10, activation: softmax}
"""


# MobileNet-style (issue 13): a stem, an inverted residual (expand, depthwise, project, no
# activation after the add) and a strided depthwise-separable block, relu6 throughout.
MOBILENET = """
input: [32, 32, 3]
layers:
  - conv: {filters: 16, f: 3, s: 2, padding: 1, bias: false}
  - bn
  - relu6
  - residual:
      main:
        - conv: {filters: 64, f: 1, bias: false}
        - bn
        - relu6
        - depthwise: {f: 3, padding: 1, bias: false}
        - bn
        - relu6
        - conv: {filters: 16, f: 1, bias: false}
        - bn
  - depthwise: {f: 3, s: 2, padding: 1, bias: false}
  - bn
  - relu6
  - conv: {filters: 32, f: 1, bias: false}
  - bn
  - relu6
  - gap
  - fc: 10
"""

# GoogLeNet-style (issue 13): two four-branch inception modules concatenated on channels, in
# Caffe's layout (conv biases, F.relu after each conv), ceil-mode pools, a softmax head.
GOOGLENET = """
input: [32, 32, 3]
blocks:
  inception:
    args: {c1: null, r3: null, c3: null, r5: null, c5: null, pp: null}
    layers:
      - parallel:
          branches:
            - [conv: {filters: $c1, f: 1, activation: relu}]
            - - conv: {filters: $r3, f: 1, activation: relu}
              - conv: {filters: $c3, f: 3, padding: 1, activation: relu}
            - - conv: {filters: $r5, f: 1, activation: relu}
              - conv: {filters: $c5, f: 5, padding: 2, activation: relu}
            - - pool: {mode: max, f: 3, s: 1, padding: 1}
              - conv: {filters: $pp, f: 1, activation: relu}
          merge: concat
layers:
  - conv: {filters: 16, f: 3, padding: 1, activation: relu}
  - pool: {mode: max, f: 3, s: 2, ceil: true}
  - inception: {c1: 8, r3: 8, c3: 16, r5: 4, c5: 8, pp: 8}
  - inception: {c1: 16, r3: 8, c3: 16, r5: 4, c5: 8, pp: 8}
  - pool: {mode: max, f: 3, s: 2, ceil: true}
  - gap
  - dropout: 0.4
  - fc: {units: 10, activation: softmax}
"""


def _torch_modules() -> dict[str, Any]:
    torch = pytest.importorskip("torch")
    nn, F = torch.nn, torch.nn.functional

    # A layer's `activation:` key is a functional call after it (F.relu), an activation row its
    # own module (nn.ReLU): ptflops tells them apart, so the modules follow the YAML closely.
    # (Lambdas: ptflops patches F.relu while it runs, so F must be looked up at call time.)
    class Then(nn.Module):
        def __init__(self, layer: Any, function: Any) -> None:
            super().__init__()
            self.layer, self.function = layer, function

        def forward(self, x: Any) -> Any:
            return self.function(self.layer(x))

    def lenet5() -> Any:
        return nn.Sequential(
            Then(nn.Conv2d(1, 6, 5), lambda x: F.relu(x)), nn.MaxPool2d(2, 2),
            Then(nn.Conv2d(6, 16, 5), lambda x: F.relu(x)), nn.MaxPool2d(2, 2), nn.Flatten(),
            Then(nn.Linear(400, 120), lambda x: F.relu(x)),
            Then(nn.Linear(120, 84), lambda x: F.relu(x)),
            Then(nn.Linear(84, 10), lambda x: F.softmax(x, dim=1)),
        )

    class Block(nn.Module):
        def __init__(self, c_in: int, c_out: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.relu = nn.ReLU(inplace=True)  # one module called twice, as torchvision's blocks do
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.shortcut = (
                nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
                if stride != 1 or c_in != c_out else nn.Identity()
            )

        def forward(self, x: Any) -> Any:
            y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(y + self.shortcut(x))  # the residual's activation: key

    def residual() -> Any:
        return nn.Sequential(
            nn.Conv2d(8, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            Block(16, 16, 1), Block(16, 32, 2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
        )

    class Pooling(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = Then(nn.Conv2d(3, 8, 3, padding=1), lambda x: F.relu(x))
            self.p1 = nn.MaxPool2d(2)
            self.c2 = Then(nn.Conv2d(8, 16, 3, padding=1), lambda x: F.leaky_relu(x))
            self.p2 = nn.AvgPool2d(2)
            self.up = nn.Upsample(scale_factor=2)
            self.c3 = nn.Conv2d(24, 8, 1)
            self.head = nn.Sequential(
                nn.Sigmoid(), nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Dropout(0.5),
                Then(nn.Linear(128, 10), lambda x: F.softmax(x, dim=1)),
            )

        def forward(self, x: Any) -> Any:
            p1 = self.p1(self.c1(x))
            up = self.up(self.p2(self.c2(p1)))
            return self.head(self.c3(torch.cat([up, p1], dim=1)))

    class Bottleneck(nn.Module):
        """torchvision.models.resnet.Bottleneck (v1.5): one nn.ReLU called three times."""

        def __init__(self, c_in: int, width: int, stride: int) -> None:
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(c_in, width, 1, bias=False), nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3, self.bn3 = nn.Conv2d(width, 4 * width, 1, bias=False), nn.BatchNorm2d(4 * width)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = (
                nn.Sequential(nn.Conv2d(c_in, 4 * width, 1, stride, bias=False), nn.BatchNorm2d(4 * width))
                if stride != 1 or c_in != 4 * width else None
            )

        def forward(self, x: Any) -> Any:
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            out += identity
            return self.relu(out)

    def resnet50() -> Any:
        """torchvision.models.resnet50's layout (torchvision itself does not import here)."""
        layers: list[Any] = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                             nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
        c_in = 64
        for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            for i in range(blocks):
                layers.append(Bottleneck(c_in, width, stride if i == 0 else 1))
                c_in = 4 * width
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))

    class InvertedResidual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(16, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU6(inplace=True),
                nn.Conv2d(64, 64, 3, 1, 1, groups=64, bias=False), nn.BatchNorm2d(64), nn.ReLU6(inplace=True),
                nn.Conv2d(64, 16, 1, bias=False), nn.BatchNorm2d(16),
            )

        def forward(self, x: Any) -> Any:
            return x + self.body(x)

    def mobilenet() -> Any:
        return nn.Sequential(
            nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(inplace=True),
            InvertedResidual(),
            nn.Conv2d(16, 16, 3, 2, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.ReLU6(inplace=True),
            nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6(inplace=True),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
        )

    class Inception(nn.Module):
        def __init__(self, c_in: int, c1: int, r3: int, c3: int, r5: int, c5: int, pp: int) -> None:
            super().__init__()
            relu = lambda x: F.relu(x)  # noqa: E731 (looked up at call time: ptflops patches F)
            self.b1 = Then(nn.Conv2d(c_in, c1, 1), relu)
            self.b2 = nn.Sequential(Then(nn.Conv2d(c_in, r3, 1), relu), Then(nn.Conv2d(r3, c3, 3, padding=1), relu))
            self.b3 = nn.Sequential(Then(nn.Conv2d(c_in, r5, 1), relu), Then(nn.Conv2d(r5, c5, 5, padding=2), relu))
            self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), Then(nn.Conv2d(c_in, pp, 1), relu))

        def forward(self, x: Any) -> Any:
            return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], dim=1)

    def googlenet() -> Any:
        return nn.Sequential(
            Then(nn.Conv2d(3, 16, 3, padding=1), lambda x: F.relu(x)), nn.MaxPool2d(3, 2, ceil_mode=True),
            Inception(16, 8, 8, 16, 4, 8, 8), Inception(40, 16, 8, 16, 4, 8, 8),
            nn.MaxPool2d(3, 2, ceil_mode=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4),
            Then(nn.Linear(48, 10), lambda x: F.softmax(x, dim=1)),
        )

    return {
        "resnet50": (bundled_text("resnet50"), resnet50, (3, 224, 224)),
        "mobilenet": (MOBILENET, mobilenet, (3, 32, 32)),
        "googlenet": (GOOGLENET, googlenet, (3, 32, 32)),
        "lenet5": (LENET5, lenet5, (1, 32, 32)),
        "residual": (RESIDUAL, residual, (8, 16, 16)),
        "pooling": (POOLING, Pooling, (3, 32, 32)),
    }


NETWORKS = ["lenet5", "residual", "pooling", "resnet50", "mobilenet", "googlenet"]


@cache
def network(name: str) -> tuple[str, Any, tuple[int, ...]]:
    return _torch_modules()[name]


def _fresh(name: str) -> tuple[str, Any, tuple[int, ...]]:
    import torch

    torch.manual_seed(0)
    text, build, chw = network(name)
    return text, build().eval(), chw


# ---- against the tools themselves ---------------------------------------------------------------


@pytest.mark.parametrize("name", NETWORKS)
def test_torchinfo_totals_equal_torchinfos_own(name: str) -> None:
    torchinfo = pytest.importorskip("torchinfo")
    text, model, chw = _fresh(name)
    stats = torchinfo.summary(model, input_size=(1, *chw), verbose=0)
    t = counted(text, "torchinfo").totals
    expected = (stats.total_params, stats.trainable_params, stats.total_mult_adds)
    assert (t.params, t.trainable, t.macs) == expected
    assert t.flops == 2 * t.macs


@pytest.mark.parametrize("name", NETWORKS)
def test_fvcore_totals_equal_fvcores_own(name: str) -> None:
    pytest.importorskip("fvcore.nn")  # imports torch
    import torch
    from fvcore.nn import FlopCountAnalysis, parameter_count

    text, model, chw = _fresh(name)
    flops = FlopCountAnalysis(model, torch.zeros(1, *chw))
    flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    t = counted(text, "fvcore").totals
    assert t.params == parameter_count(model)[""]
    # fvcore's "flops" are multiply-adds: both keys carry its figure
    assert t.macs == t.flops == flops.total()


@pytest.mark.parametrize("name", NETWORKS)
def test_ptflops_totals_equal_ptflops_own(name: str) -> None:
    pytest.importorskip("ptflops")
    from ptflops import get_model_complexity_info

    text, model, chw = _fresh(name)
    macs, params = get_model_complexity_info(model, chw, as_strings=False, print_per_layer_stat=False)
    t = counted(text, "ptflops").totals
    assert (t.params, t.macs) == (params, macs)


def test_ptflops_counts_the_relu_after_each_residual_add_at_every_call() -> None:
    """Issue 13: ptflops prints 4,132,436,968 MACs for torchvision's ResNet-50; its Bottleneck
    calls one nn.ReLU three times, and the hook counts the output at each call, so the ReLU after
    each of the 16 adds is counted by hook and by the patched F.relu, like the rows' ReLUs."""
    after_adds = 3 * 56 * 56 * 256 + 4 * 28 * 28 * 512 + 6 * 14 * 14 * 1024 + 3 * 7 * 7 * 2048
    assert after_adds == 5_519_360  # = 4,132,436,968 - 4,126,917,608 (the figure before the fix)
    t = counted(bundled_text("resnet50"), "ptflops").totals
    assert (t.params, t.macs) == (25_557_032, 4_132_436_968)
    as_functional = counted(bundled_text("resnet50").replace("activation: relu", "activation: linear"),
                            "ptflops").totals
    assert t.macs - as_functional.macs == 2 * after_adds


# ptflops counts activations by module hook and by patched functional: each kind alone
@pytest.mark.parametrize("function, module", [
    ("relu", "ReLU"), ("relu6", "ReLU6"), ("leaky_relu", "LeakyReLU"), ("elu", "ELU"),
    ("gelu", "GELU"), ("silu", "SiLU"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"),
    ("softmax", "Softmax"), ("selu", "SELU"), ("mish", "Mish"), ("hardswish", "Hardswish"),
    ("softplus", "Softplus"),
])
def test_ptflops_activation_costs(function: str, module: str) -> None:
    pytest.importorskip("ptflops")
    import torch
    from ptflops import get_model_complexity_info

    act = getattr(torch.nn, module)(dim=1) if module == "Softmax" else getattr(torch.nn, module)()
    macs, _ = get_model_complexity_info(
        torch.nn.Sequential(act), (3, 4, 5), as_strings=False, print_per_layer_stat=False
    )
    t = counted(f"input: [4, 5, 3]\nlayers:\n  - {function}\n", "ptflops").totals
    assert t.macs == macs


@pytest.mark.parametrize("convention", ["torchinfo", "fvcore", "ptflops"])
def test_deconv_depthwise_and_plain_bn(convention: str) -> None:
    """Layers the three networks lack: transposed and grouped convs, BN without gamma/beta."""
    torch = pytest.importorskip("torch")
    pytest.importorskip(convention)
    nn = torch.nn
    text = """
    input: [8, 8, 4]
    layers:
      - depthwise: {f: 3, padding: 1, multiplier: 2}
      - bn: {affine: false}
      - deconv: {filters: 6, f: 2, s: 2}
      - upsample: {factor: 2, mode: bilinear}
      - conv: {filters: 6, f: 3, groups: 3, bias: false}
    """
    model = nn.Sequential(
        nn.Conv2d(4, 8, 3, padding=1, groups=4), nn.BatchNorm2d(8, affine=False),
        nn.ConvTranspose2d(8, 6, 2, 2), nn.Upsample(scale_factor=2, mode="bilinear"),
        nn.Conv2d(6, 6, 3, groups=3, bias=False),
    ).eval()
    t = counted(text, convention).totals
    if convention == "torchinfo":
        import torchinfo

        stats = torchinfo.summary(model, input_size=(1, 4, 8, 8), verbose=0)
        assert (t.params, t.macs) == (stats.total_params, stats.total_mult_adds)
    elif convention == "fvcore":
        from fvcore.nn import FlopCountAnalysis

        flops = FlopCountAnalysis(model, torch.zeros(1, 4, 8, 8))
        flops.unsupported_ops_warnings(False)
        assert t.macs == flops.total()
    else:
        from ptflops import get_model_complexity_info

        macs, params = get_model_complexity_info(
            model, (4, 8, 8), as_strings=False, print_per_layer_stat=False
        )
        assert (t.params, t.macs) == (params, macs)


# ---- against the tools on `cnncalc export`'s module -------------------------------------------

# What the three networks lack: locally connected (unfold + bmm), LRN (its internals are
# patched ops for ptflops), TF-same deconv (a trimmed subclass) and same pools (F.pad).
ODD = """
input: [12, 12, 4]
layers:
  - local: {filters: 3, f: 3, padding: 1}
  - lrn: {size: 3}
  - deconv: {filters: 5, f: 3, s: 2, padding: same}
  - deconv: {filters: 4, f: 2, s: 2}
  - pool: {mode: max, f: 3, s: 2, padding: same}
  - pool: {mode: avg, f: 2, s: 2, ceil: true}
  - conv: {filters: 6, f: 3, s: 2, padding: same, activation: gelu}
  - gmp
  - fc: {units: 7, activation: tanh}
  - lrn
"""

# README "How cnncalc counts": the network worked under every convention
TINY = """
input: [8, 8, 3]
layers:
  - conv: {filters: 4, f: 3, padding: 1}
  - bn
  - relu
  - residual:
      main:
        - conv: {filters: 4, f: 3, padding: 1, bias: false}
        - bn
      activation: relu
  - pool: {mode: max, f: 2}
  - gap
  - fc: 2
"""

# Darknet/Caffe kinds: prelu (nn.PReLU), scale, shortcut, multiply, maximum (exporter helpers)
NEWER = """
input: [8, 8, 4]
layers:
  - conv: {name: a, filters: 8, f: 3, padding: 1}
  - prelu
  - scale: {bias: true}
  - conv: {name: b, filters: 4, f: 1, activation: sigmoid}
  - shortcut: {from: [a, b]}
  - gap: {name: g}
  - multiply: {from: [shortcut1, g]}
  - maximum: {from: [multiply1, shortcut1]}
  - prelu: {shared: true}
"""

# a pool padded on the top/left only: F.pad adds the row and column, and the floor-mode pool
# leaves the last one unread (out 3 from 7 rows), yet ptflops counts all 7 x 7 x 4 padded values
PADDED_POOL = """
input: [6, 6, 3]
layers:
  - conv: {filters: 4, f: 1}
  - pool: {f: 2, s: 2, padding: [1, 0, 1, 0]}
"""

# issue 16's kinds: an SE composite gated by hardsigmoid (merge: multiply), the gate first in a
# multiply, ShuffleNet's shuffle, ConvNeXt's LayerNorm2d and layer scale, stochastic depth, slices,
# and nn.LayerNorm on a vector (which ptflops hooks, unlike the LayerNorm2d subclass)
ZOO_KINDS = """
input: [8, 8, 8]
layers:
  - conv: {filters: 8, f: 3, padding: 1}
  - parallel:
      branches:
        - []
        - [gap, {conv: {filters: 4, f: 1, activation: relu}}, {conv: {filters: 8, f: 1}}, hardsigmoid]
      merge: multiply
  - gap: {name: g}
  - multiply: {from: [g, parallel1]}
  - channel_shuffle: 2
  - layer_norm: {epsilon: 1.0e-6}
  - layer_scale
  - stochastic_depth: 0.1
  - slice: {start: 2, stop: 7}
  - gap
  - layer_norm
  - flatten
  - layer_norm: {affine: false}
  - fc: 3
"""

EXPORTED = {"tiny": TINY, "newer": NEWER, "zoo_kinds": ZOO_KINDS, "lenet5": LENET5, "residual": RESIDUAL,
            "pooling": POOLING, "odd": ODD, "popquiz": bundled_text("popquiz"), "googlenet": bundled_text("googlenet"),
            "padded_pool": PADDED_POOL}


@cache
def tool_totals(name: str) -> dict[str, tuple[int, int]]:
    """(params, figure) that each installed tool prints for the exported module."""
    import contextlib
    import io

    torch = pytest.importorskip("torch")
    export = pytest.importorskip("cnncalc.export.pytorch")
    report = analyze_text(textwrap.dedent(EXPORTED[name]), f"{name}.yaml")
    torch.manual_seed(0)
    model = export.build_module(report).eval()
    h, w, c = report.input
    x = torch.zeros(1, c, h, w)
    out: dict[str, tuple[int, int]] = {}
    try:
        import torchinfo

        stats = torchinfo.summary(model, input_data=x, verbose=0)
        out["torchinfo"] = (stats.total_params, stats.total_mult_adds)
    except ImportError:
        pass
    try:
        from fvcore.nn import FlopCountAnalysis, parameter_count

        flops = FlopCountAnalysis(model, x)
        flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        out["fvcore"] = (parameter_count(model)[""], flops.total())
    except ImportError:
        pass
    try:
        from ptflops import get_model_complexity_info

        with contextlib.redirect_stdout(io.StringIO()):
            macs, params = get_model_complexity_info(
                model, (c, h, w), as_strings=False, print_per_layer_stat=False
            )
        out["ptflops"] = (params, macs)
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("tool", ["torchinfo", "fvcore", "ptflops"])
@pytest.mark.parametrize("name", list(EXPORTED))
def test_totals_equal_each_tool_on_the_exported_module(name: str, tool: str) -> None:
    found = tool_totals(name)
    if tool not in found:
        pytest.skip(f"{tool} is not installed")
    t = counted(EXPORTED[name], tool).totals
    assert (t.params, t.macs) == found[tool]


# ---- hand-worked numbers (they hold whether or not the tools are installed) ---------------------


def test_lenet5_under_each_convention_by_hand() -> None:
    """LeNet-5: conv1 28x28x6 (5*5*1 weights), conv2 10x10x16 (5*5*6), fc 400-120-84-10."""
    # cnncalc: 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520 weight multiplications
    macs = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10
    assert macs == 416_520
    # torchinfo: conv (weights + bias) x positions, fc its params: 122,304 + 241,600 + 59,134
    torchinfo = 28 * 28 * (150 + 6) + 10 * 10 * (2400 + 16) + 48_120 + 10_164 + 850
    # ptflops: + bias adds (4,704 + 1,600 + 120 + 84 + 10), F.relu once (4,704 + 1,600 + 120 + 84)
    # after conv1/conv2/fc1/fc2, max pools 2 x input (4,704 + 1,600), F.softmax 10 once
    ptflops = macs + 6_518 + 6_508 + 2 * 6_304 + 10
    # darknet (AlexeyAB's Total BFLOPS): 2 x conv MACs + pool windows 2*2 x (14*14*6 + 5*5*16); fc ignored
    alexeyab = 2 * (117_600 + 240_000) + 4 * (1_176 + 400)
    # onnx-tool: + 1 per bias value (6,518), relu 1 per value (6,508), max pool 2*2 per output value
    # (4 x (1,176 + 400)), softmax 36 per value (10): as it profiles export --to onnx's file
    onnx_tool = macs + 6_518 + 6_508 + 4 * (1_176 + 400) + 36 * 10
    assert onnx_tool == 436_210
    expected = {
        "cnncalc": (61_706, 416_520, 833_040),
        "torchinfo": (61_706, torchinfo, 2 * torchinfo),
        "fvcore": (61_706, 416_520, 416_520),
        "ptflops": (61_706, ptflops, 2 * ptflops),
        "keras": (61_706, 416_520, 833_040),
        "darknet-pjreddie": (61_706, 416_520, 833_040),
        "darknet": (61_706, 357_600, alexeyab),
        "onnx-tool": (61_706, onnx_tool, 2 * onnx_tool),
        # ultralytics (thop 2.2): conv and linear weight multiplications; pools and activations 0
        "ultralytics": (61_706, 416_520, 833_040),
    }
    assert set(expected) == set(NAMES)
    for name, (params, m, f) in expected.items():
        t = counted(LENET5, name).totals
        assert (t.params, t.macs, t.flops) == (params, m, f), name


FROZEN_STEM = """
input: [4, 4, 3]
layers:
  - conv: {filters: 2, f: 1, trainable: false}
  - fc: 2
"""


def test_ptflops_counts_only_trainable_parameters() -> None:
    # ptflops' get_model_parameters_number sums p.numel() only where p.requires_grad:
    # the frozen conv's 1*1*3*2 + 2 = 8 are left out; fc 4*4*2*2 + 2 = 66 stay
    t = counted(FROZEN_STEM, "ptflops").totals
    assert (t.params, t.trainable) == (66, 66)
    assert counted(FROZEN_STEM, "torchinfo").totals.params == 74  # torchinfo counts all: 8 + 66


def test_ptflops_params_of_a_frozen_layer_equal_ptflops_own() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("ptflops")
    import contextlib
    import io

    from ptflops import get_model_complexity_info

    from cnncalc import export

    report = analyze_text(textwrap.dedent(FROZEN_STEM), "net.yaml")
    model = export.build_module(report).eval()
    with contextlib.redirect_stdout(io.StringIO()):
        macs, params = get_model_complexity_info(model, (3, 4, 4), as_strings=False,
                                                 print_per_layer_stat=False)
    t = apply(report, "ptflops").totals
    assert (t.params, t.macs) == (params, macs)


DEAD_BRANCH = """
input: [8, 8, 2]
layers:
  - conv: {filters: 2, f: 3, name: unused}
  - conv: {filters: 2, f: 1, from: input}
"""


def test_fvcore_leaves_out_layers_the_output_does_not_depend_on() -> None:
    # fvcore traces the module with torch.jit, which drops `unused` (nothing reads it):
    # only conv1 counts, 8*8*2 * 1*1*2 = 256; parameter_count still holds both convs:
    # (3*3*2*2 + 2) + (1*1*2*2 + 2) = 38 + 6 = 44. The other tools count unused's 6*6*2*18 = 1,296.
    t = counted(DEAD_BRANCH, "fvcore").totals
    assert (t.params, t.macs, t.flops) == (44, 256, 256)
    assert counted(DEAD_BRANCH, "cnncalc").totals.macs == 1_296 + 256


def test_fvcore_dead_branch_equals_fvcore_own() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("fvcore")
    import torch
    from fvcore.nn import FlopCountAnalysis

    from cnncalc import export

    report = analyze_text(textwrap.dedent(DEAD_BRANCH), "net.yaml")
    model = export.build_module(report).eval()
    flops = FlopCountAnalysis(model, torch.zeros(1, 2, 8, 8))
    flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    assert apply(report, "fvcore").totals.macs == flops.total()


def test_keras_counts_bn_statistics_as_non_trainable_params() -> None:
    # Keras: Conv2D(16, 3) on 8 channels = 3*3*8*16 + 16 = 1,168; BatchNormalization(16) shows
    # 4 * 16 = 64 params of which moving mean/variance (32) are non-trainable.
    t = counted("input: [8, 8, 8]\nlayers:\n  - conv: {filters: 16, f: 3}\n  - bn\n", "keras").totals
    assert (t.params, t.trainable, t.params - t.trainable) == (1_232, 1_200, 32)


def test_keras_resnet50_non_trainable_matches_keras_applications() -> None:
    # keras.applications.ResNet50 summary: "Non-trainable params: 53,120" (BN moving statistics);
    # its total 25,636,712 also holds 26,560 conv biases (Keras keeps use_bias=True, one per BN
    # channel: 53,120 / 2) that torchvision's 25,557,032 (the bundled layout) drops.
    t = apply(analyze_text(bundled_text("resnet50"), "resnet50"), "keras").totals
    assert t.params - t.trainable == 53_120
    assert t.params + 53_120 // 2 == 25_636_712


# Darknet19 (pjreddie/darknet cfg/darknet19.cfg) written out by hand: conv with batch_normalize
# has no bias of its own (BN's beta is stored as "biases"), pad=1 means padding size/2.
def _dn(filters: int, f: int) -> str:
    return (f"  - conv: {{filters: {filters}, f: {f}, padding: {f // 2}, bias: false}}\n"
            "  - bn\n  - leaky_relu\n")


DARKNET19 = (
    "input: [256, 256, 3]\nlayers:\n"
    + _dn(32, 3) + "  - maxpool: {f: 2}\n" + _dn(64, 3) + "  - maxpool: {f: 2}\n"
    + _dn(128, 3) + _dn(64, 1) + _dn(128, 3) + "  - maxpool: {f: 2}\n"
    + _dn(256, 3) + _dn(128, 1) + _dn(256, 3) + "  - maxpool: {f: 2}\n"
    + _dn(512, 3) + _dn(256, 1) + _dn(512, 3) + _dn(256, 1) + _dn(512, 3) + "  - maxpool: {f: 2}\n"
    + _dn(1024, 3) + _dn(512, 1) + _dn(1024, 3) + _dn(512, 1) + _dn(1024, 3)
    + "  - conv: {filters: 1000, f: 1}\n  - gap\n  - softmax\n"
)


def test_darknet19_matches_pjreddies_published_numbers() -> None:
    # pjreddie.com/darknet/imagenet: Darknet19 at 256: 7.29 Bn ops; the weights file holds
    # 20,856,776 values (/work/shared/data/README.md)
    t = counted(DARKNET19, "darknet-pjreddie").totals
    assert t.params == 20_856_776
    assert round(t.flops / 1e9, 2) == 7.29
    assert t.flops == 2 * t.macs


def test_darknet_counts_connected_layers_alexeyab_does_not() -> None:
    # yolov3 layer 0 (pjreddie/darknet#1039): conv 32 3x3/1 416x416x3 -> 0.299 BFLOPs
    #   = 2 * 416*416*32 * 27 = 299,040,768; then a connected 10 -> 5 (50 MACs).
    text = "input: [416, 416, 3]\nlayers:\n  - conv: {filters: 32, f: 3, padding: 1}\n  - gap\n  - fc: 5\n"
    dark = counted(text, "darknet-pjreddie").totals
    assert dark.flops == 299_040_768 + 2 * 32 * 5
    assert round((dark.flops - 2 * 32 * 5) / 1e9, 3) == 0.299
    assert counted(text, "darknet").totals.flops == 299_040_768


def test_alexeyab_counts_pool_windows_and_shortcut_additions() -> None:
    # conv 4 3x3 on 8x8x4 same: 8*8*4*36 = 9,216 MACs -> 18,432; shortcut (add) of 8x8x4 with
    # one extra input: 256 additions; maxpool 2x2/2 -> 4x4x4 outputs, 4 window elements: 256.
    text = """
    input: [8, 8, 4]
    layers:
      - conv: {name: a, filters: 4, f: 3, padding: 1, bias: false}
      - conv: {name: b, filters: 4, f: 3, padding: 1, bias: false}
      - add: {from: [a, b]}
      - maxpool: {f: 2}
    """
    t = counted(text, "darknet").totals
    assert (t.macs, t.flops) == (2 * 9_216, 4 * 9_216 + 256 + 256)


# ---- every convention is declared, documented, and named in every output ----------------------


def test_each_convention_declares_its_rules_and_source() -> None:
    assert NAMES[0] == "cnncalc"
    for c in CONVENTIONS.values():
        assert c.source and c.tool and all(getattr(c.rules, f) for f in c.rules.__slots__)


def test_cli_choices_are_the_modules_names() -> None:
    from cnncalc.cli import _CONVENTIONS

    assert tuple(_CONVENTIONS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_json_names_the_convention_and_carries_its_totals(name: str) -> None:
    result = CliRunner().invoke(main, ["summarize", "lenet5", "--format", "json", "--convention", name])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    t = counted(LENET5, name).totals
    assert data["convention"] == name
    totals = data["totals"]
    assert (totals["params"], totals["macs"], totals["flops"]) == (t.params, t.macs, t.flops)
    assert sum(layer["macs"] for layer in data["layers"]) == t.macs


@pytest.mark.parametrize("fmt, line", [("table", "Convention: ptflops"), ("markdown", "Convention: ptflops")])
def test_table_and_markdown_name_the_convention(fmt: str, line: str) -> None:
    result = CliRunner().invoke(main, ["summarize", "lenet5", "--format", fmt, "--convention", "ptflops"])
    assert result.exit_code == 0, result.output
    assert line in result.output
    default = CliRunner().invoke(main, ["summarize", "lenet5", "--format", fmt])
    assert "Convention:" not in default.output


def test_unknown_convention_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["summarize", "lenet5", "--convention", "thop"])
    assert result.exit_code == 2
    assert "torchinfo" in result.output


def test_depth_folding_sums_the_conventions_rows() -> None:
    result = CliRunner().invoke(
        main, ["summarize", "resnet18", "--format", "json", "--depth", "1", "--convention", "torchinfo"]
    )
    data = json.loads(result.stdout)
    assert sum(layer["macs"] for layer in data["layers"]) == data["totals"]["macs"]


def test_the_readme_network_under_each_convention_by_hand() -> None:
    conv1, conv2, fc = 8 * 8 * 4 * 27, 8 * 8 * 4 * 36, 4 * 2  # 6,912, 9,216, 8 MACs
    params = (108 + 4) + 8 + 144 + 8 + (8 + 2)  # conv1, bn, conv2, bn, fc: 282
    volume = 8 * 8 * 4  # every value up to the pool: 256
    expected = {
        "cnncalc": (params, 0, conv1 + conv2 + fc, 2 * (conv1 + conv2 + fc)),
        # conv: (weights + bias) x 64 positions; bn 2C; fc its params
        "torchinfo": (params, 0, 112 * 64 + 8 + 144 * 64 + 8 + 10, 2 * (112 * 64 + 8 + 144 * 64 + 8 + 10)),
        # + bn 2 per value twice, gap (adaptive avg) 1 per input value (4x4x4)
        "fvcore": (params, 0, conv1 + conv2 + fc + 2 * 2 * volume + 64, conv1 + conv2 + fc + 4 * volume + 64),
        # conv1 bias 256, bn 512 twice, relu row 2 x 256, the add's nn.ReLU 2 x 256, pool 2 x 256,
        # gap 2 x 64, fc bias 2
        "ptflops": (params, 0, conv1 + volume + 2 * (2 * volume) + 2 * volume + conv2 + 2 * volume
                    + 2 * volume + 2 * 64 + fc + 2, 0),
        "keras": (params + 16, 16, conv1 + conv2 + fc, 2 * (conv1 + conv2 + fc)),
        "darknet-pjreddie": (params + 16, 16, conv1 + conv2 + fc, 2 * (conv1 + conv2 + fc)),
        # 2 x conv MACs, 2x2 window per pooled value (64), one addition per value of the add
        "darknet": (params + 16, 16, conv1 + conv2, 2 * (conv1 + conv2) + 4 * 64 + volume),
        # + 1 per bias value (256 + 2), bn 31 per value twice, relu row and the add's relu 1 per
        # value, the add 1 per value, max pool 2x2 per output (64 x 4), gap 64 in + 4 x 4 out
        "onnx-tool": (params + 16, 16, conv1 + 256 + 31 * volume + volume + conv2 + 31 * volume + volume
                      + volume + 64 * 4 + 64 + 4 * 4 + fc + 2, 0),
    }
    expected["onnx-tool"] = (*expected["onnx-tool"][:3], 2 * expected["onnx-tool"][2])
    assert expected["onnx-tool"][2] == 33_370  # as onnx-tool 1.0.1 profiles the exported file
    expected["ptflops"] = (*expected["ptflops"][:3], 2 * expected["ptflops"][2])
    assert expected["ptflops"][2] == 19_082 and expected["fvcore"][2] == 17_224  # as the README says
    for name, (p, frozen, macs, flops) in expected.items():
        t = counted(TINY, name).totals
        assert (t.params, t.params - t.trainable, t.macs, t.flops) == (p, frozen, macs, flops), name


def test_footer_labels_name_the_tool() -> None:
    result = CliRunner().invoke(main, ["summarize", "lenet5", "--convention", "fvcore"])
    assert "MACs (fvcore):" in result.output and "FLOPs (fvcore):" in result.output
    assert "2 x MACs" not in result.output


# ---- Darknet's own cfg files, through `cnncalc import`'s reader ---------------------------------

DARKNET_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "darknet"


# /work/shared/data/README.md: pjreddie.com's published "Ops" and the values each .weights holds
@pytest.mark.parametrize("cfg, size, bn, values", [
    ("yolov3.cfg", 320, 38.97, None),
    ("yolov3.cfg", 416, 65.86, None),
    ("yolov3.cfg", 608, 140.69, 62_001_757),
    ("yolov3-tiny.cfg", 416, 5.56, None),
    ("alexnet.cfg", 227, 2.27, 62_378_344),
    ("vgg-16.cfg", 256, 30.94, 138_357_544),
    ("darknet19.cfg", 256, 7.29, 20_856_776),
    ("resnet50.cfg", 256, 9.74, 22_825_896),
])
def test_darknet_cfgs_give_pjreddies_published_numbers(
    cfg: str, size: int, bn: float, values: int | None
) -> None:
    path = DARKNET_DATA / cfg
    if not path.is_file():
        pytest.skip("../shared/data is absent")
    args = ["summarize", str(path), "--format", "json", "--convention", "darknet-pjreddie"]
    if cfg == "yolov3.cfg":
        args += ["--input", f"{size}x{size}x3"]
    result = CliRunner().invoke(main, args)
    if result.exit_code == 2 and "cfg" in result.output:
        pytest.skip("no Darknet reader yet")
    totals = json.loads(result.stdout)["totals"]
    assert round(totals["flops"] / 1e9, 2) == bn
    if values is not None:
        assert totals["params"] == values


def test_alexeyab_yolov3_416_total_bflops() -> None:
    # AlexeyAB/darknet#929: "Yolo v3 416x416 has Total BFLOPS 65.8": pjreddie's 65.86 Bn plus the
    # 23 shortcuts' additions, 208*208*64 + 2*104*104*128 + 8*52*52*256 + 8*26*26*512
    # + 4*13*13*1024 = 14,536,704
    path = DARKNET_DATA / "yolov3.cfg"
    if not path.is_file():
        pytest.skip("../shared/data is absent")

    def totals(convention: str) -> dict:
        args = ["summarize", str(path), "--format", "json", "--convention", convention,
                "--input", "416x416x3"]
        return json.loads(CliRunner().invoke(main, args).stdout)["totals"]

    alexeyab, pjreddie = totals("darknet"), totals("darknet-pjreddie")
    assert int(alexeyab["flops"] / 1e8) / 10 == 65.8
    assert alexeyab["flops"] - pjreddie["flops"] == 14_536_704


def _yolov4_tiny_cfg() -> str:
    """AlexeyAB/darknet cfg/yolov4-tiny.cfg, section for section (training keys left out)."""
    def conv(filters: int, size: int, stride: int = 1, bn: bool = True, act: str = "leaky") -> str:
        return (f"[convolutional]\n{'batch_normalize=1' if bn else ''}\nfilters={filters}\nsize={size}\n"
                f"stride={stride}\npad=1\nactivation={act}\n\n")

    def route(layers: str, extra: str = "") -> str:
        return f"[route]\nlayers={layers}\n{extra}\n"

    yolo = "[yolo]\nmask = {}\nanchors = 10,14, 23,27, 37,58, 81,82, 135,169, 344,319\nclasses=80\nnum=6\n\n"
    out = "[net]\nwidth=416\nheight=416\nchannels=3\n\n" + conv(32, 3, 2) + conv(64, 3, 2)
    for f in (64, 128, 256):  # three CSP blocks: the second half of f channels, two convs, concat
        out += "" if f == 64 else "[maxpool]\nsize=2\nstride=2\n\n"
        out += conv(f, 3) + route("-1", "groups=2\ngroup_id=1\n") + conv(f // 2, 3) + conv(f // 2, 3)
        out += route("-1,-2") + conv(f, 1) + route("-6,-1")
    out += "[maxpool]\nsize=2\nstride=2\n\n" + conv(512, 3) + conv(256, 1) + conv(512, 3)
    out += conv(255, 1, bn=False, act="linear") + yolo.format("3,4,5")
    out += route("-4") + conv(128, 1) + "[upsample]\nstride=2\n\n" + route("-1, 23") + conv(256, 3)
    return out + conv(255, 1, bn=False, act="linear") + yolo.format("1,2,3")


def test_darknet_convention_is_alexeyabs_total_bflops_on_yolov4_tiny(tmp_path: Path) -> None:
    # issue 7: `--convention darknet` is the maintained fork's "Total BFLOPS"; AlexeyAB/darknet
    # prints 6.910 for yolov4-tiny.cfg at 416, and yolov4-tiny.weights (24,251,276 bytes) holds
    # (24,251,276 - 20 header bytes)/4 = 6,062,814 values.  The default FLOPs (2 x MACs, the
    # original Darknet's rule) leave out the 3 max pools' window elements and read 6.908.
    path = tmp_path / "yolov4-tiny.cfg"
    path.write_text(_yolov4_tiny_cfg())

    def totals(*extra: str) -> dict:
        result = CliRunner().invoke(main, ["summarize", str(path), "--format", "json", *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["totals"]

    dark, default = totals("--convention", "darknet"), totals()
    assert round(dark["flops"] / 1e9, 3) == 6.910
    assert dark["params"] == 6_062_814
    assert round(default["flops"] / 1e9, 3) == 6.908
    # the difference is the pools, 2*2 window elements per output value:
    # 4 x (52*52*128 + 26*26*256 + 13*13*512) = 4 x 605,696 = 2,422,784
    assert dark["flops"] - default["flops"] == 4 * (52 * 52 * 128 + 26 * 26 * 256 + 13 * 13 * 512)
