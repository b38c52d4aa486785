"""Every zoo network, layer by layer, against the same network written in PyTorch (tests/zoo_torch.py).

For each weight layer (conv, depthwise, deconv, fc) and each normalization (bn, layer_norm), in the
order the forward pass runs them: its parameters and the number of values it outputs; then the
totals: parameters, buffers (batch-norm running statistics), multiply-accumulates as
torch.utils.flop_counter counts them (2 FLOPs each, convolutions and matrix products only) and
the output shape. The modules run on PyTorch's meta device: shapes and counts without arithmetic.
CPU budget: about 25 s for the 45 networks on an idle 2-core machine (building the modules and
tracing the forward passes; no arithmetic is done).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from cnncalc import bundled
from cnncalc.analysis import analyze_text
from cnncalc.report import Report

torch = pytest.importorskip("torch")
zoo_torch = pytest.importorskip("zoo_torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

WEIGHTS = ("conv", "depthwise", "deconv", "fc")
NORMS = ("bn", "layer_norm")


@cache
def report(name: str) -> Report:
    path = bundled.path(name)
    assert path is not None, f"{name} is not bundled"
    return analyze_text(path.read_text(), name)


def cnncalc_layers(rep: Report) -> list[tuple[str, int, int]]:
    out = []
    for row in rep.rows:
        if row.kind in WEIGHTS or row.kind in NORMS:
            numel = 1
            for d in row.output:
                numel *= d
            out.append(("weights" if row.kind in WEIGHTS else "norm", row.params, numel))
    return out


def torch_side(name: str) -> dict[str, Any]:
    build, chw = zoo_torch.MODELS[name]
    with torch.device("meta"):
        model = build().eval()
        x = torch.zeros(1, *chw)
    layers: list[tuple[str, int, int]] = []
    weight_types = (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)
    norm_types = (torch.nn.BatchNorm2d, torch.nn.LayerNorm)

    def hook(module: Any, args: Any, out: Any) -> None:
        group = "weights" if isinstance(module, weight_types) else "norm"
        layers.append((group, sum(p.numel() for p in module.parameters(recurse=False)), out.numel()))

    for m in model.modules():
        if isinstance(m, weight_types + norm_types):
            m.register_forward_hook(hook)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = model(x)
    return {
        "layers": layers,
        "params": sum(p.numel() for p in model.parameters()),
        "buffers": sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked")),
        "macs": counter.get_total_flops() // 2,
        "output": tuple(y.shape),
    }


def torch_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (1, shape[2], shape[0], shape[1]) if len(shape) == 3 else (1, *shape)


@pytest.mark.parametrize("name", sorted(zoo_torch.MODELS))
def test_layer_by_layer_as_pytorch(name: str) -> None:
    rep = report(name)
    theirs = torch_side(name)
    ours = cnncalc_layers(rep)
    assert len(ours) == len(theirs["layers"]), "one cnncalc row per weight and norm layer"
    for i, (mine, other) in enumerate(zip(ours, theirs["layers"], strict=True)):
        assert mine == other, f"layer {i} ({[r.name for r in rep.rows if r.kind in WEIGHTS + NORMS][i]})"
    t = rep.totals
    assert (t.params, t.buffers, t.macs) == (theirs["params"], theirs["buffers"], theirs["macs"])
    assert torch_shape(rep.output) == theirs["output"]


def test_every_zoo_network_has_a_torch_twin() -> None:
    classic = {"lenet5", "lenet5_rgb", "popquiz", "alexnet", "alexnet_no_fc7", "googlenet", "inception3a",
               "naive_5x5", "bottleneck_5x5"}  # the course's networks, checked in test_architectures.py
    assert set(bundled.names()) - classic == set(zoo_torch.MODELS)
