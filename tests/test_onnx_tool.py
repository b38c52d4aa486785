"""The peer onnx-tool (PyPI `onnx-tool`, test-only) on the same ONNX files: its params equal ours
and its MACs equal ours under `--convention onnx-tool` (cnncalc/conventions_onnx_tool.py), in
total and node by node.

Files: each bundled network of up to 30 M params as `export --to onnx` writes it (AlexNet and
VGG-16 would only add seconds of onnx-tool reading their weights), and files from onnx.helper
read by the reader. CPU budget: about 10 s on an idle machine.
"""

from __future__ import annotations

import warnings

import pytest

onnx_tool = pytest.importorskip("onnx_tool")
pytest.importorskip("onnxruntime")

from onnx_build import Graph  # noqa: E402

from cnncalc import bundled  # noqa: E402
from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.cli.app import read_source  # noqa: E402
from cnncalc.conventions import apply, count_rows  # noqa: E402
from cnncalc.export.onnx import to_onnx  # noqa: E402


def profile(model, tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = onnx_tool.Model(str(path))
        m.graph.shape_infer()
        m.graph.profile()
    return m.graph


def _small(name):
    text, display = read_source(name)
    return analyze_text(text, display).totals.params <= 30_000_000


@pytest.mark.parametrize("name", [n for n in bundled.names() if _small(n)])
def test_bundled_networks_agree_with_onnx_tool(name, tmp_path):
    text, display = read_source(name)
    ours = analyze_text(text, display)
    graph = profile(to_onnx(ours), tmp_path)
    per_node = {k: int(n.macs[0]) for k, n in graph.nodemap.items()}
    for row, cost in count_rows(ours, "onnx-tool"):
        # the layer's node and its helpers (layer/activation, layer/flatten, ...)
        theirs = sum(m for k, m in per_node.items() if k == row.name or k.startswith(row.name + "/"))
        assert cost.macs == theirs, row.name
    counted = apply(ours, "onnx-tool").totals
    assert (counted.params, counted.macs) == (int(graph.params), int(graph.macs[0]))


def test_files_read_by_the_reader_agree_with_onnx_tool(tmp_path):
    g = Graph([1, 3, 16, 16])
    g.node("Conv", ["x", g.weight("w", [8, 3, 3, 3]), g.weight("b", [8])], "conv", pads=[1, 1, 1, 1])
    g.node("BatchNormalization", ["conv", g.weight("s", [8]), g.weight("bb", [8]), g.weight("m", [8]),
                                  g.weight("var", [8])], "bn")
    g.node("LeakyRelu", None, "act", alpha=0.1)
    g.node("MaxPool", None, "pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    g.node("ConvTranspose", ["pool", g.weight("wt", [8, 4, 2, 2])], "up", strides=[2, 2])
    g.node("Sigmoid", None, "gate")
    g.node("Mul", ["gate", "up"], "gated")
    g.node("GlobalAveragePool", None, "gap")
    g.node("Flatten", None, "flat")
    g.node("MatMul", ["flat", g.weight("w2", [4, 5])], "fc")
    g.node("Add", ["fc", g.weight("b2", [5])], "fc_bias")
    g.node("Softmax", None, "prob", axis=1)
    model = g.model(opset=17)
    ours = apply(analyze_text(model.SerializeToString(), "model.onnx"), "onnx-tool").totals
    graph = profile(model, tmp_path)
    assert (ours.params, ours.macs) == (int(graph.params), int(graph.macs[0]))
