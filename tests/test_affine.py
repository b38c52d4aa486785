"""scale and prelu: per-channel parameters, checked by hand and against PyTorch's modules."""

from __future__ import annotations

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.layers.prelu import PReLU
from cnncalc.layers.scale import Scale


@pytest.mark.parametrize(
    "layer, params",
    [
        (Scale(), 64),  # Caffe's Scale: one gamma per channel (bias_term defaults to false)
        (Scale(bias=True), 128),  # gamma and beta
        (PReLU(), 64),  # one slope per channel
        (PReLU(shared=True), 1),
    ],
)
def test_parameters(layer, params):
    cost = layer.infer([(7, 7, 64)])
    assert cost.params == params
    assert cost.output == (7, 7, 64) and cost.macs == 0 and cost.buffers == 0


def test_prelu_matches_torch():
    torch = pytest.importorskip("torch")
    def count(module):
        return sum(p.numel() for p in module.parameters())

    assert count(torch.nn.PReLU(num_parameters=64)) == PReLU().infer([(7, 7, 64)]).params
    assert count(torch.nn.PReLU()) == PReLU(shared=True).infer([(7, 7, 64)]).params


def test_in_yaml():
    text = "input: [4, 4, 3]\nlayers:\n  - scale: {bias: true}\n  - prelu\n  - prelu: {shared: true}\n"
    rep = analyze_text(text, "t.yaml")
    assert [r.params for r in rep.rows] == [6, 3, 1]
