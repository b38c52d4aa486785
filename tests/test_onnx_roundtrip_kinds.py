"""The ONNX reader reads back what `export --to onnx` writes for kinds the bundled networks do not
have (issue 17): every floating-point initializer a node reads, even through constant arithmetic
the reader folds (normalization's variance -> Sqrt -> Max, its count), is counted once, so the
read-back total equals the file's weight count (counted here with the onnx package) and our
params + buffers.

CPU budget: about 3 s (tiny models; onnx.helper and the exporter, no onnxruntime session).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

onnx = pytest.importorskip("onnx")

import numpy as np  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.errors import CnnError  # noqa: E402
from cnncalc.export.onnx import to_onnx  # noqa: E402
from cnncalc.report import Report  # noqa: E402


def yaml_report(body: str, input_shape: str = "[12, 10, 3]") -> Report:
    return analyze_text(f"input: {input_shape}\nlayers:\n" + textwrap.dedent(body), "net.yaml")


def file_weights(model: Any) -> int:
    """The file's floating-point initializer values, counted by the onnx package."""
    floats = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer if t.data_type in floats)


def read_back(model: Any) -> Report:
    return analyze_text(model.SerializeToString(), "net.onnx")


@pytest.mark.parametrize("body", [
    "  - conv: {filters: 4, f: 3}\n  - normalization\n",
    "  - normalization\n  - conv: {filters: 5, f: 3}\n  - normalization\n  - gap\n  - fc: 3\n",
    "  - normalization\n  - normalization: {given: true}\n",
])  # fmt: skip
def test_normalization_reads_back_with_every_weight(body: str) -> None:
    ours = yaml_report(body)
    model = to_onnx(ours)
    back = read_back(model)
    total = back.totals.params + back.totals.buffers
    assert total == file_weights(model) == ours.totals.params + ours.totals.buffers
    assert back.output == ours.output


def test_the_folded_weights_go_to_the_first_row_reading_them() -> None:
    """normalization of 4 channels: the Sub reads the mean (4), the Div the floor worked out from
    the variance (4) and the count (1); each counted once."""
    back = read_back(to_onnx(yaml_report("  - conv: {filters: 4, f: 3}\n  - normalization\n")))
    rows = {r.name: r.params for r in back.rows}
    assert rows["normalization1/centre"] == 4
    assert rows["normalization1"] == 4 + 1


def _graph(nodes: list[Any], inits: list[Any], out_dims: list[int]) -> Any:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, out_dims)
    graph = helper.make_graph(nodes, "g", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_a_weight_worked_out_from_two_initializers_counts_both() -> None:
    """Weight normalization as torch writes it without folding: w = g * v / |v|; the Conv's weight
    is a folded constant; g (4) and v (4 x 3 x 3 x 3) are both counted, once, by hand 112."""
    rng = np.random.default_rng(0)
    g = numpy_helper.from_array(rng.uniform(0.5, 1.5, (4, 1, 1, 1)).astype(np.float32), "g")
    v = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "v")
    nodes = [
        helper.make_node("Mul", ["g", "v"], ["gv"]),
        helper.make_node("ReduceL2", ["v"], ["norm"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Div", ["gv", "norm"], ["w"]),
        helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], name="conv"),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Mul", ["r", "g"], ["y"], name="again"),  # g again: counted once
    ]
    model = _graph(nodes, [g, v], [1, 4, 6, 6])
    back = read_back(model)
    assert back.totals.params == file_weights(model) == 4 + 108


def test_a_shape_of_a_weight_holds_none_of_its_values() -> None:
    """Reshape's target worked out from the Shape of a weight: the weight is counted where a row
    reads it, not also in the Reshape."""
    w = numpy_helper.from_array(np.ones((3, 1, 1), np.float32), "w")
    nodes = [
        helper.make_node("Shape", ["w"], ["s"]),
        helper.make_node("Mul", ["x", "w"], ["m"], name="scale"),
        helper.make_node("Reshape", ["m", "s2"], ["y"], name="flat"),
        helper.make_node("Constant", [], ["s2"], value=numpy_helper.from_array(np.array([1, 192], np.int64))),
    ]
    nodes = [nodes[0], nodes[3], nodes[1], nodes[2]]
    back = read_back(_graph(nodes, [w], [1, 192]))
    assert back.totals.params == 3


def test_a_chain_of_constants_holding_too_many_weights_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc.importers import onnx as reader

    monkeypatch.setattr(reader, "MAX_TRACKED", 4)
    inits = [numpy_helper.from_array(np.ones((3, 1, 1), np.float32), f"w{i}") for i in range(3)]
    nodes = [helper.make_node("Add", ["w0", "w1"], ["a"]), helper.make_node("Add", ["a", "w2"], ["b"]),
             helper.make_node("Mul", ["x", "b"], ["y"])]
    with pytest.raises(CnnError, match="more than 4 initializers"):
        read_back(_graph(nodes, inits, [1, 3, 8, 8]))
