"""Every bundled network: YAML -> export --to onnx -> read back gives the same shapes, params,
buffers and MACs per layer; the file passes onnx.checker (full_check), its initializers hold
exactly our params + buffers, and onnxruntime runs it to our output shape.

CPU budget: about 40 s (the ~40 networks up to 30 M params: random weights, onnxruntime's
session and one run each; the larger ones, read back from a weightless copy, about 5 s).
"""

from __future__ import annotations

import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import numpy as np  # noqa: E402

from cnncalc import bundled  # noqa: E402
from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.cli.app import read_source  # noqa: E402
from cnncalc.export.onnx import OPSET, nchw, to_onnx  # noqa: E402


def _report(name):
    text, display = read_source(name)
    return analyze_text(text, display)


def _params(name):
    text, display = read_source(name)
    return analyze_text(text, display).totals.params


SMALL = [n for n in bundled.names() if _params(n) <= 30_000_000]


@pytest.mark.parametrize("name", SMALL)
def test_bundled_network_round_trips(name):
    ours = _report(name)
    model = to_onnx(ours)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == OPSET >= 17
    assert "random" in model.doc_string and "seed" in model.doc_string
    weights = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    assert weights == ours.totals.params + ours.totals.buffers
    data = model.SerializeToString()

    back = analyze_text(data, f"{name}.onnx")
    read = {r.name: r for r in back.rows}
    for row in ours.rows:
        got = read[row.name.replace(".", "_")]
        want = (row.output, row.params, row.buffers, row.macs)
        assert (got.output, got.params, got.buffers, got.macs) == want, row.name
    names = {o.name.replace(".", "_") for o in ours.rows}
    extra = [r for r in back.rows if r.name not in names]  # a layer's helper nodes: layer/activation, ...
    assert all(r.name.split("/", 1)[0] in names and r.params == r.macs == r.buffers == 0 for r in extra)
    assert (back.totals.params, back.totals.buffers, back.totals.macs) == (
        ours.totals.params, ours.totals.buffers, ours.totals.macs)

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal(nchw(ours.input)).astype(np.float32)
    (out,) = session.run(None, {"input": x})
    assert list(out.shape) == nchw(ours.output)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name", [n for n in bundled.names() if n not in SMALL])
def test_large_bundled_network_round_trips_without_its_weights(name):
    """Networks over 30 M params: the same per-layer numbers, from a file of the same graph whose
    initializers have their dims but no data (random weights would cost gigabytes here; the
    small networks above run the same kinds in onnxruntime)."""
    ours = _report(name)
    model = to_onnx(ours, fill=False)
    assert sum(int(np.prod(t.dims)) for t in model.graph.initializer) == ours.totals.params + ours.totals.buffers
    back = analyze_text(model.SerializeToString(), f"{name}.onnx")
    read = {r.name: r for r in back.rows}
    for row in ours.rows:
        got = read[row.name.replace(".", "_")]
        assert (got.output, got.params, got.buffers, got.macs) == (row.output, row.params, row.buffers, row.macs)


def test_node_names_follow_our_layers():
    model = to_onnx(_report("resnet18"))
    names = {n.name for n in model.graph.node}
    assert {"conv1", "bn1", "basic1.main.conv1", "basic1.add", "basic1.add/activation", "fc1"} <= names
    assert {"conv1.weight", "bn1.running_var", "basic1.main.conv1.weight"} <= {t.name for t in model.graph.initializer}


def test_seeded_weights_are_the_same_each_time():
    a, b = to_onnx(_report("lenet5")), to_onnx(_report("lenet5"))
    assert a.SerializeToString() == b.SerializeToString()


def test_a_symbolic_network_needs_concrete_sizes(tmp_path):
    from cnncalc.errors import CnnError

    path = tmp_path / "sym.yaml"
    path.write_text("input: [H, W, 3]\nlayers:\n  - conv: {filters: 4, f: 3}\n")
    with pytest.raises(CnnError, match="pass --input"):
        to_onnx(analyze_text(path.read_text(), str(path)))
    fixed = to_onnx(analyze_text(path.read_text(), str(path), input_override="9x9x3"))
    assert [d.dim_value for d in fixed.graph.output[0].type.tensor_type.shape.dim] == [1, 4, 7, 7]
