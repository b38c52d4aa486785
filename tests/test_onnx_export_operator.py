"""export --to onnx of an `operator` row (an imported ONNX operator cnncalc has no arithmetic for):
a standard operator is re-emitted from its file (op type, attributes, constants; its weights
random initializers counted as the row counts them), so onnxruntime runs it; anything else is
one located error, exit 2. Files built with onnx.helper (tests/onnx_build.py); the independent
source of the values is onnxruntime running the original file with the same weights.

CPU budget: about 8 s (torch's import and one torch.onnx.export: 5 s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import numpy as np  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx_build import Graph, read  # noqa: E402

from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.cli import main  # noqa: E402
from cnncalc.errors import CnnError  # noqa: E402
from cnncalc.export.onnx import OPSET, nchw, to_onnx  # noqa: E402


def run(model: Any, x: Any, name: str = "input") -> Any:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {name: x})[0]


def with_weights_of(exported: Any, original: Any, names: dict[str, str]) -> Any:
    """The exported model with the original file's weights: names maps ours -> the file's."""
    theirs = {t.name: t for t in original.graph.initializer}
    for tensor in exported.graph.initializer:
        source = theirs[names[tensor.name]]
        assert list(source.dims) == list(tensor.dims), tensor.name
        tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(source), tensor.name))
    return exported


def unknown_ops() -> Graph:
    """Conv, then three operators the reader has no arithmetic for: CumSum (an int64 axis and two
    attributes), Einsum (a float weight and an equation), LpNormalization (attributes only)."""
    g = Graph([1, 3, 6, 5])
    g.node("Conv", ["x", g.weight("w", [4, 3, 3, 3])], "conv", pads=[1, 1, 1, 1])
    g.node("CumSum", ["conv", g.const("axis", 2)], "cumsum", exclusive=1, reverse=1)
    g.node("Einsum", ["cumsum", g.weight("gains", [4])], "einsum", equation="nchw,c->nchw")
    g.node("LpNormalization", None, "lpnorm", axis=1, p=2)
    return g


def test_standard_operators_are_re_emitted_and_run_as_in_their_file() -> None:
    original = unknown_ops().model()
    data = original.SerializeToString()
    report = read(original)
    rows = {r.name: r for r in report.rows}
    assert [rows[n].kind for n in ("cumsum", "einsum", "lpnorm")] == ["operator"] * 3
    assert rows["einsum"].params == 4
    model = to_onnx(report, source=data)
    onnx.checker.check_model(model, full_check=True)
    assert sum(int(np.prod(t.dims)) for t in model.graph.initializer) == report.totals.params + report.totals.buffers
    nodes = {n.name: n for n in model.graph.node}
    theirs = {n.name: n for n in original.graph.node}
    for name in ("cumsum", "einsum", "lpnorm"):
        assert nodes[name].op_type == theirs[name].op_type
        assert list(nodes[name].attribute) == list(theirs[name].attribute)
        assert "re-emitted" in nodes[name].doc_string and "node " in nodes[name].doc_string
    assert "einsum.input1" in {t.name for t in model.graph.initializer}
    assert "written again from the file" in model.doc_string and "uniform(0.5, 1.5)" in model.doc_string
    with_weights_of(model, original, {"conv.weight": "w", "conv.bias": "b", "einsum.input1": "gains"})
    x = np.random.default_rng(3).standard_normal((1, 3, 6, 5)).astype(np.float32)
    out = run(model, x)
    assert list(out.shape) == nchw(report.output)
    np.testing.assert_allclose(out, run(original, x, "x"), rtol=1e-5, atol=1e-6)


def test_an_operator_changed_since_the_files_opset_is_converted() -> None:
    """ReduceL2 took its axes as an attribute until opset 18: written at opset 20 they are an input."""
    g = Graph([1, 3, 6, 5])
    g.node("Relu", None, "relu")
    g.node("ReduceL2", None, "l2", axes=[1], keepdims=1)
    g.node("Sigmoid", None, "gate")
    original = g.model(opset=13)
    report = read(original)
    assert next(r for r in report.rows if r.name == "l2").kind == "operator"
    model = to_onnx(report, source=original.SerializeToString())
    node = next(n for n in model.graph.node if n.name == "l2")
    assert node.op_type == "ReduceL2" and len(node.input) == 2 and model.opset_import[0].version == OPSET
    x = np.random.default_rng(4).standard_normal((1, 3, 6, 5)).astype(np.float32)
    np.testing.assert_allclose(run(model, x), run(original, x, "x"), rtol=1e-6)


def custom_domain_model() -> Any:
    """A Foo of domain com.example whose output shape the file records (value_info)."""
    g = Graph([1, 3, 4, 4])
    g.node("Relu", None, "r")
    g.node("Foo", None, "foo", domain="com.example")
    model = g.model()
    model.graph.value_info.append(helper.make_tensor_value_info("foo", TensorProto.FLOAT, [1, 3, 4, 4]))
    model.opset_import.append(helper.make_opsetid("com.example", 1))
    return model


def test_an_operator_of_another_domain_is_one_located_error(tmp_path: Path) -> None:
    model = custom_domain_model()
    report = read(model)
    assert next(r for r in report.rows if r.name == "foo").kind == "operator"
    with pytest.raises(CnnError) as err:
        to_onnx(report, source=model.SerializeToString())
    assert str(err.value).startswith("model.onnx: node 1 (Foo 'foo'): error: foo: cannot export to ONNX: operator Foo")
    assert "com.example" in str(err.value) and "not a standard ONNX operator" in str(err.value)
    # through the command: exit 2, one line, nothing written
    path, out = tmp_path / "model.onnx", tmp_path / "out.onnx"
    path.write_bytes(model.SerializeToString())
    result = CliRunner().invoke(main, ["export", str(path), "--to", "onnx", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "node 1 (Foo 'foo')" in result.stderr
    assert not out.exists()


def test_the_command_reads_the_file_again_from_disk(tmp_path: Path) -> None:
    path, out = tmp_path / "ops.onnx", tmp_path / "out.onnx"
    path.write_bytes(unknown_ops().model().SerializeToString())
    result = CliRunner().invoke(main, ["export", str(path), "--to", "onnx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert {"CumSum", "Einsum", "LpNormalization"} <= {n.op_type for n in model.graph.node}
    assert run(model, np.ones((1, 3, 6, 5), np.float32)).shape == (1, 4, 6, 5)


def test_a_file_not_at_hand_is_said() -> None:
    report = read(unknown_ops().model(), "gone/ops.onnx")  # read from bytes; no such file on disk
    with pytest.raises(CnnError, match="not at hand"):
        to_onnx(report)


def yaml_operator(args: str) -> Any:
    return analyze_text(f"input: [6, 5, 3]\nlayers:\n  - operator: {args}\n", "net.yaml")


def test_a_yaml_operator_without_weights_or_attributes_is_written() -> None:
    report = yaml_operator("{type: Erf}")
    model = to_onnx(report)
    x = np.random.default_rng(5).standard_normal((1, 3, 6, 5)).astype(np.float32)
    from math import erf

    np.testing.assert_allclose(run(model, x), np.vectorize(erf)(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("args", "why"), [
    ("{type: Einsum, params: 40}", "shapes of its 40 weight values are not recorded"),
    ("{type: Einsum}", "checker rejects it"),  # its equation is an attribute YAML does not record
    ("{type: MyOp}", "MyOp is not a standard ONNX operator"),
    ("{type: Erf, output: [3, 3, 3]}", "ONNX shape inference"),
])
def test_a_yaml_operator_that_cannot_be_written_is_one_located_error(args: str, why: str) -> None:
    with pytest.raises(CnnError) as err:
        to_onnx(yaml_operator(args))
    text = str(err.value)
    assert text.startswith("net.yaml:3:5: error: operator1: cannot export to ONNX: operator ") and why in text


def test_a_weight_an_earlier_node_counted_stays_uncounted() -> None:
    """Two convs share one weight (the second an `operator` row with 0 params), and an Einsum reads
    its weight through an Identity (as torch.onnx.export writes merged tensors): the file's count
    is kept (the shared weight a Constant node), and onnxruntime gives the original's values."""
    g = Graph([1, 3, 6, 5])
    w = g.weight("w", [3, 3, 3, 3])
    g.node("Conv", ["x", w], "conv1", pads=[1, 1, 1, 1])
    g.node("Conv", ["conv1", w], "conv2", pads=[1, 1, 1, 1])
    g.node("Identity", [g.weight("gains", [3])], "gains_id")
    g.node("Einsum", ["conv2", "gains_id"], "einsum", equation="nchw,c->nchw")
    original = g.model()
    report = read(original)
    rows = {r.name: (r.kind, r.params) for r in report.rows}
    assert (rows["conv2"], rows["einsum"]) == (("operator", 0), ("operator", 3))
    model = to_onnx(report, source=original.SerializeToString())
    assert sorted(t.name for t in model.graph.initializer) == ["conv1.weight", "einsum.input1"]
    conv2 = next(n for n in model.graph.node if n.name == "conv2")
    assert "earlier node counted" in conv2.doc_string
    with_weights_of(model, original, {"conv1.weight": "w", "einsum.input1": "gains"})
    shared = next(n for n in model.graph.node if n.name == "conv2/input1")  # the Constant: the same values
    shared.attribute[0].t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(original.graph.initializer[0]),
                                                           "conv2/input1"))
    x = np.random.default_rng(6).standard_normal((1, 3, 6, 5)).astype(np.float32)
    np.testing.assert_allclose(run(model, x), run(original, x, "x"), rtol=1e-5, atol=1e-5)


def test_shape_arithmetic_the_reader_folded_is_computed_for_our_input() -> None:
    """Tile's repeats are Concat(Gather(Shape(r), 0), 1, 2, 1), as torch.onnx.export writes such
    things: their value for our input, a Constant node."""
    g = Graph([1, 3, 4, 4])
    g.node("Relu", None, "r")
    g.node("Shape", ["r"], "shape")
    g.node("Gather", ["shape", g.const("zero", 0)], "n", axis=0)
    g.node("Unsqueeze", ["n", g.const("axes", [0])], "n1")
    g.node("Concat", ["n1", g.const("rest", [1, 2, 1])], "repeats", axis=0)
    g.node("Tile", ["r", "repeats"], "tile")
    g.node("Sigmoid", None, "out")
    original = g.model()  # the file records Tile's output shape (ONNX's inference cannot see the repeats)
    original.graph.value_info.append(helper.make_tensor_value_info("tile", TensorProto.FLOAT, [1, 3, 8, 4]))
    report = read(original)
    assert next(r for r in report.rows if r.name == "tile").kind == "operator"
    model = to_onnx(report, source=original.SerializeToString())
    repeats = next(n for n in model.graph.node if n.name == "tile/input1")
    assert numpy_helper.to_array(repeats.attribute[0].t).tolist() == [1, 1, 2, 1]
    x = np.random.default_rng(7).standard_normal((1, 3, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(run(model, x), run(original, x, "x"))
    assert run(model, x).shape == (1, 3, 8, 4) == tuple(nchw(report.output))
    assert next(n for n in model.graph.node if n.name == "tile").op_type == "Tile"


def tile_model() -> Any:
    g = Graph([1, 3, 4, 4])
    g.node("Relu", None, "r")
    g.node("Shape", ["r"], "shape")
    g.node("Tile", ["r", "shape"], "tile")
    g.node("Sigmoid", None, "out")
    model = g.model()
    model.graph.value_info.append(helper.make_tensor_value_info("tile", TensorProto.FLOAT, [1, 9, 16, 16]))
    return model


def test_shape_arithmetic_that_cannot_be_computed_is_one_located_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc.export import onnx_operator

    original = tile_model()
    report = read(original)
    assert to_onnx(report, source=original.SerializeToString()) is not None  # computed: Tile(r, [1, 3, 4, 4])
    monkeypatch.setattr(onnx_operator, "fold", lambda *args: None)  # as when the evaluator cannot run it
    with pytest.raises(CnnError) as err:
        to_onnx(report, source=original.SerializeToString())
    assert str(err.value) == (
        "model.onnx: node 2 (Tile 'tile'): error: tile: cannot export to ONNX: operator Tile: input 1 ('shape') is "
        "computed from shapes in the file (folded when it was read), and its value cannot be computed here")


def test_the_shape_a_fold_reads_comes_from_our_input() -> None:
    """A dynamic file: the Shape's value is the one of the input we export (--input), not the file's."""
    from cnncalc.export.onnx_folded import fold

    g = Graph(["batch", 3, "height", "width"])
    g.node("Relu", None, "r")
    g.node("Shape", ["r"], "shape")
    value = fold("shape", g.model(), [1, 3, 10, 7], {})
    assert numpy_helper.to_array(value).tolist() == [1, 3, 10, 7]
    assert fold("shape", g.model(), [1, 30], {}) is None  # a rank the file's input does not have: unknown


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's TorchScript exporter, as a user's
def test_a_torch_export_with_operators_we_do_not_know(tmp_path: Path) -> None:
    """torch.onnx.export of cumsum, einsum, repeat, normalize and expand (opset 17, a dynamic
    batch): CumSum, Einsum, Expand, Tile and ReduceL2 rows, their shape arithmetic computed, the
    file written again at opset 20 gives torch's own values on torch's weights."""
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.g = torch.nn.Parameter(torch.linspace(0.5, 2.0, 8))

        def forward(self, x: Any) -> Any:
            y = torch.einsum("nchw,c->nchw", torch.cumsum(self.c(x), dim=2), self.g)
            y = torch.nn.functional.normalize(y.repeat(1, 1, 2, 1), dim=1)
            return y.expand(y.shape[0], -1, -1, -1)

    net = Net().eval()
    x = torch.randn(1, 3, 8, 6)
    path = tmp_path / "net.onnx"
    torch.onnx.export(net, (x,), str(path), input_names=["x"], opset_version=17, dynamo=False,
                      dynamic_axes={"x": {0: "batch"}})
    report = analyze_text(path.read_bytes(), str(path))
    kinds = {r.name: r.kind for r in report.rows}
    assert {kinds[n] for n in ("/CumSum", "/Einsum", "/Tile", "/ReduceL2")} == {"operator"}
    model = to_onnx(report)  # the file read again from disk
    with_weights_of(model, onnx.load(str(path)), {"/c/Conv.weight": "c.weight", "/c/Conv.bias": "c.bias",
                                                 "/Einsum.input1": "g"})
    with torch.no_grad():
        want = net(x).numpy()
    np.testing.assert_allclose(run(model, x.numpy()), want, rtol=1e-4, atol=1e-5)
