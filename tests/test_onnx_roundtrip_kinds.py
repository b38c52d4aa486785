"""The ONNX reader reads back what `export --to onnx` writes for kinds the bundled networks do not
have (issue 17): every floating-point initializer a node reads, even through constant arithmetic
the reader folds (normalization's variance -> Sqrt -> Max, its count), is counted once, so the
read-back total equals the file's weight count (counted here with the onnx package) and our
params + buffers.

The exporter's `local` (im2col: a Gather of activations by int64 indices, a batched MatMul) reads
back as one `local` row with our shapes, params and MACs; other indices are not taken for one.

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


# ---- local: the exporter's im2col read back as one `local` row ------------------------------------


def _same_rows(ours: Report, back: Report) -> None:
    read = {r.name: r for r in back.rows}
    for row in ours.rows:
        got = read[row.name.replace(".", "_")]
        assert (got.kind, got.output, got.params, got.buffers, got.macs) == (
            row.kind, row.output, row.params, row.buffers, row.macs), row.name
    assert len(back.rows) == len(ours.rows)


@pytest.mark.parametrize("args, shape", [
    ("{filters: 4, f: 3, padding: same}", "[12, 10, 3]"),
    ("{filters: 5, f: [3, 2], s: [2, 1]}", "[12, 10, 3]"),
    ("{filters: 2, f: 2, s: 3, bias: false}", "[11, 8, 4]"),
    ("{filters: 3, f: [5, 3], s: 4, padding: [1, 0, 2, 1]}", "[7, 9, 2]"),  # one window down: n_H 1
    ("{filters: 3, f: [2, 9], padding: valid}", "[6, 9, 2]"),  # the kernel as wide as the map
    ("{filters: 8, f: 3, padding: same}", "[64, 64, 4]"),  # 36,864 indices
])  # fmt: skip
def test_a_local_layer_reads_back_as_one_local_row(args: str, shape: str) -> None:
    ours = yaml_report(f"  - conv: {{filters: 3, f: 1}}\n  - local: {args}\n  - relu\n", shape)
    model = to_onnx(ours)
    back = read_back(model)
    _same_rows(ours, back)
    assert back.totals.params == file_weights(model) == ours.totals.params


def test_local_by_hand() -> None:
    """3 x 3 filters, same padding, over 12 x 10 x 3 into 4: 120 positions x 4 x (27 + 1)."""
    ours = yaml_report("  - local: {filters: 4, f: 3, padding: same}\n")
    back = read_back(to_onnx(ours))
    (row,) = [r for r in back.rows if r.kind == "local"]
    assert (row.output, row.params, row.macs) == ((12, 10, 4), 120 * 4 * 28, 120 * 4 * 27)


def _with_indices(model: Any, change: Any) -> Any:
    for node in model.graph.node:
        if node.name.endswith("/indices"):
            value = numpy_helper.to_array(node.attribute[0].t).copy()
            node.attribute[0].t.CopyFrom(numpy_helper.from_array(change(value), node.attribute[0].t.name))
    return model


@pytest.mark.parametrize("change", [
    lambda i: i[::-1].copy(),  # the positions in another order
    lambda i: i + 1,  # every window one to the right
    lambda i: i[:, ::-1].copy(),  # each window read backwards
])  # fmt: skip
def test_indices_that_are_not_a_local_layer_are_not_read_as_one(change: Any) -> None:
    """The pattern is checked value by value: other indices (a gather the layer does not do) are
    not a `local` row; the Gather of activations is then the located error it was."""
    model = _with_indices(to_onnx(yaml_report("  - local: {filters: 4, f: 3, padding: same}\n")), change)
    with pytest.raises(CnnError, match=r"node \d+ \(Gather 'local1/patches'\).*unsupported operator Gather"):
        read_back(model)


# ---- Split along H or W: one cropping row per output -----------------------------------------------


def _inferred_ours(model: Any) -> dict[str, tuple[int, ...]]:
    """Every tensor's shape by ONNX's own shape inference, in our layout (N x C x H x W as H x W x C)."""
    inferred = onnx.shape_inference.infer_shapes(model)
    out = {}
    for vi in (*inferred.graph.value_info, *inferred.graph.output):
        d = [x.dim_value for x in vi.type.tensor_type.shape.dim]
        if len(d) == 4:
            out[vi.name] = (d[2], d[3], d[1])
    return out


@pytest.mark.parametrize("axis, split, outputs", [(2, [2, 3, 3], 3), (3, None, 2), (-2, [7, 1], 2)])
def test_a_split_along_h_or_w_is_a_row_per_output(axis: int, split: list[int] | None, outputs: int) -> None:
    names = [f"part{i}" for i in range(outputs)]
    sizes = numpy_helper.from_array(np.array(split or [0], np.int64))
    nodes = [helper.make_node("Constant", [], ["sizes"], value=sizes)]
    nodes.append(helper.make_node("Split", ["x", "sizes"] if split else ["x"], names, axis=axis, name="split",
                                  **({} if split else {"num_outputs": outputs})))
    nodes += [helper.make_node("Relu", [n], [f"r{i}"], name=f"relu{i}") for i, n in enumerate(names)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    ys = [helper.make_tensor_value_info(f"r{i}", TensorProto.FLOAT, None) for i in range(outputs)]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], ys), opset_imports=[helper.make_opsetid("", 18)])
    want = _inferred_ours(model)
    back = read_back(model)
    rows = {r.name: r for r in back.rows}
    for i in range(outputs):
        assert rows[f"split_{i}"].kind == "cropping"
        assert rows[f"split_{i}"].output == rows[f"relu{i}"].output == want[f"r{i}"]
    assert sum(rows[f"split_{i}"].output[axis % 4 - 2] for i in range(outputs)) == 8


def test_yolo11_attention_reads_back() -> None:
    """YOLO11's attention (C2PSA) splits q, k, v along axis 2 of (1, heads, dims, H W): every
    output is read, each its own row; params and buffers are the file's (the attention's two
    MatMuls of activations are operator rows of 0 MACs, as before)."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "ultralytics" / "yaml" / "yolo11-cls.yaml"
    ours = analyze_text(path.read_text(), str(path), input_override="64x64x3")
    model = to_onnx(ours, fill=False)
    back = read_back(model)
    assert (back.totals.params, back.totals.buffers) == (ours.totals.params, ours.totals.buffers)
    assert back.totals.params + back.totals.buffers == file_weights(model)
    want = _inferred_ours(model)
    splits = [r for r in back.rows if r.name.startswith("9_m0_attn_matmul/split_")]
    assert [r.output for r in splits] == [want[f"9.m0.attn.matmul/{t}"] for t in "qkv"]
