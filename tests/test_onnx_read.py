"""The ONNX reader's own protobuf decoding (issue 17): no `onnx`, no numpy on the read path.

- A fresh `cnncalc summarize model.onnx --format json` process loads neither onnx, numpy nor
  protobuf, and gives the file's own weight count.
- The decoded views equal what the `onnx` package parses from the same bytes (every node,
  attribute of each type, initializer dims, types and small values in raw and typed fields,
  value_info dims, opsets, producer): onnx is the independent source.
- Folded shape arithmetic equals onnx's ReferenceEvaluator on the same constant subgraph.
- Bad bytes: truncated and mutated copies of real files, and hand-made hostile ones (huge dims,
  cycles, missing tensors, wrong wire types), are one located line with exit 2, or read (exit 0),
  never a traceback.

CPU budget: about 6 s on an idle machine (the fuzz loop is most of it: ~400 small reads).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import numpy as np  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx_build import Graph, initializer_total, ours, read, runtime_shapes  # noqa: E402

from cnncalc.cli import main  # noqa: E402
from cnncalc.errors import CnnError  # noqa: E402
from cnncalc.importers import onnx_proto, onnx_values  # noqa: E402
from cnncalc.importers.onnx import Reader, read_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def torch_like() -> Graph:
    """What torch.onnx.export writes for a conv net with a dynamic batch: Shape -> Gather ->
    Unsqueeze -> Concat -> Reshape before the classifier."""
    g = Graph(["batch", 3, 8, 8])
    g.node("Conv", ["x", g.weight("w", [4, 3, 3, 3]), g.weight("b", [4])], "conv", pads=[1, 1, 1, 1])
    g.node("Relu", None, "relu")
    g.node("Shape", ["relu"], "shape")
    g.node("Gather", ["shape", g.const("zero", 0)], "batch_size", axis=0)
    g.node("Unsqueeze", ["batch_size", g.const("axes", [0])], "unsq")
    g.node("Concat", ["unsq", g.const("minus_one", [-1])], "target", axis=0)
    g.node("Reshape", ["relu", "target"], "flat")
    g.node("Gemm", ["flat", g.weight("fw", [10, 256]), g.weight("fb", [10])], "fc", transB=1)
    return g


# ---- a fresh process: no onnx, no numpy ---------------------------------------------------------

_SCRIPT = """
import sys
from cnncalc.cli import main
try:
    main(prog_name="cnncalc")
except SystemExit as exc:
    status = exc.code
sys.stdout.flush()
sys.stderr.write("\\n" + " ".join(sorted(sys.modules)) + f"\\n{status}")
"""


def test_summarize_onnx_in_a_fresh_process_loads_neither_onnx_nor_numpy(tmp_path):
    model = torch_like().model()
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-c", _SCRIPT, "summarize", str(path), "--format", "json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    *_, modules, status = done.stderr.split("\n")
    assert status == "0", done.stderr
    loaded = {m.partition(".")[0] for m in modules.split()}
    assert not loaded & {"onnx", "numpy", "google", "sympy", "torch", "onnxruntime"}
    out = json.loads(done.stdout)
    assert out["totals"]["params"] == initializer_total(model)
    assert out["output"] == [10]


# ---- the decoded views equal onnx's parse -------------------------------------------------------


def _attr_value(a):
    """onnx's reading of an attribute, in the plain terms ours are compared in."""
    def plain(value):
        if isinstance(value, bytes):
            return value.decode()
        if isinstance(value, onnx.TensorProto):
            return ("tensor", tuple(value.dims), numpy_helper.to_array(value).reshape(-1).tolist())
        if isinstance(value, onnx.GraphProto):
            return "graph"
        return value

    value = helper.get_attribute_value(a)
    return [plain(v) for v in value] if isinstance(value, list) else plain(value)


def _ours_value(value):
    def plain(v):
        if isinstance(v, onnx_proto.Tensor):
            return ("tensor", v.dims, list(onnx_values.decode(v).items))
        return "graph" if v is onnx_proto.GRAPH else v

    return [plain(v) for v in value] if isinstance(value, list) else plain(value)


def _dims(vi):
    if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else d.dim_param if d.HasField("dim_param") else None
            for d in vi.type.tensor_type.shape.dim]


def every_kind_of_field() -> onnx.ModelProto:
    """A model with an attribute of each type and small tensors of each element type, raw and typed."""
    g = Graph([1, 3, 4, 4])
    sub = helper.make_graph([helper.make_node("Identity", ["x"], ["s"])], "sub", [],
                            [helper.make_tensor_value_info("s", TensorProto.FLOAT, None)])
    g.nodes.append(helper.make_node(
        "Custom", ["x"], ["c"], name="custom", domain="com.example", f=0.25, i=-7, s="same", t=numpy_helper.from_array(
            np.array([[1.5, -2.0]], np.float32)), floats=[1.0, 2.5], ints=[-1, 0, 2**40], strings=["a", "b"],
        g=sub, graphs=[sub], tensors=[numpy_helper.from_array(np.array([3, 4], np.int64))]))
    for dtype in (np.float32, np.float16, np.float64, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.int64,
                  np.uint32, np.uint64, np.bool_):
        values = np.array([[1, 0, 3], [-2 if np.issubdtype(dtype, np.signedinteger) else 2, 5, 1]]).astype(dtype)
        g.inits.append(numpy_helper.from_array(values, f"raw_{np.dtype(dtype).name}"))
        elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        g.inits.append(helper.make_tensor(f"typed_{np.dtype(dtype).name}", elem, [2, 3], values.reshape(-1).tolist()))
    g.inits.append(helper.make_tensor("bf16", TensorProto.BFLOAT16, [2], [1.5, -3.0]))
    g.inits.append(helper.make_tensor("bf16_raw", TensorProto.BFLOAT16, [1], b"\xc0\x3f", raw=True))
    model = g.model(outputs=["c"])
    model.producer_name, model.producer_version = "pytorch", "2.13"
    model.opset_import.append(helper.make_opsetid("com.example", 3))
    model.graph.value_info.append(helper.make_tensor_value_info("c", TensorProto.FLOAT, ["n", 3, 4, None]))
    return model


def test_decoded_model_equals_onnx_parse(tmp_path):
    exported = tmp_path / "lenet.onnx"
    assert CliRunner().invoke(main, ["export", "lenet5", "--to", "onnx", "-o", str(exported)]).exit_code == 0
    for data in (every_kind_of_field().SerializeToString(), torch_like().model().SerializeToString(),
                 exported.read_bytes()):
        theirs = onnx.load_from_string(data)
        mine = onnx_proto.model(data)
        assert (mine.ir_version, mine.producer_name, mine.producer_version) == (
            theirs.ir_version, theirs.producer_name, theirs.producer_version)
        assert mine.opset_import == {o.domain: o.version for o in theirs.opset_import}
        g, tg = mine.graph, theirs.graph
        assert g.name == tg.name
        for a, b in zip(g.node, tg.node, strict=True):
            assert (a.op_type, a.domain, a.name, a.input, a.output) == (b.op_type, b.domain, b.name, list(b.input),
                                                                        list(b.output))
            assert {k: _ours_value(v) for k, v in onnx_proto.attributes(a).items()} == {
                x.name: _attr_value(x) for x in b.attribute}
        for a, b in zip(g.initializer, tg.initializer, strict=True):
            assert (a.name, a.dims, a.data_type) == (b.name, tuple(b.dims), b.data_type)
            value = onnx_values.decode(a)
            if value is not None or b.data_type != TensorProto.FLOAT:  # large weights are not decoded
                want = numpy_helper.to_array(b).astype(np.float64 if b.data_type in (1, 10, 11, 16) else object)
                assert list(value.items) == want.reshape(-1).tolist(), a.name
        for mine_vis, their_vis in ((g.input, tg.input), (g.output, tg.output), (g.value_info, tg.value_info)):
            assert [(v.name, v.dims) for v in mine_vis] == [(v.name, _dims(v)) for v in their_vis]


# ---- folding equals onnx's reference evaluator --------------------------------------------------

FOLDS = [
    ("Gather", [np.array([[1, 2, 3], [4, 5, 6]]), np.array([1, -1])], {"axis": 1}),
    ("Concat", [np.array([[1], [2]]), np.array([[3, 4], [5, 6]])], {"axis": 1}),
    ("Slice", [np.arange(24).reshape(2, 3, 4), np.array([0, 3]), np.array([2, 0]), np.array([1, 2]),
               np.array([1, -1])], {}),
    ("Transpose", [np.arange(6).reshape(1, 2, 3)], {"perm": [2, 0, 1]}),
    ("Div", [np.array([7, -7, 9]), np.array([2])], {}),
    ("Mul", [np.array([[1.5], [2.0]], np.float32), np.array([2.0, 4.0], np.float32)], {}),
    ("Where", [np.array([True, False, True]), np.array([1, 2, 3]), np.array([9])], {}),
    ("Range", [np.array(1), np.array(10), np.array(3)], {}),
    ("Expand", [np.array([[1], [2]]), np.array([2, 3])], {}),
    ("Unsqueeze", [np.array([4, 5]), np.array([0, -1])], {}),
    ("Squeeze", [np.array([[[4], [5]]]), np.array([0, 2])], {}),
    ("Reshape", [np.arange(12).reshape(3, 4), np.array([0, -1, 2])], {}),
    ("Cast", [np.array([1.7, -2.2], np.float32)], {"to": TensorProto.INT64}),
    ("ConstantOfShape", [np.array([2, 3])], {"value": numpy_helper.from_array(np.array([7], np.int64))}),
    ("Equal", [np.array([1, 2, 3]), np.array([2])], {}),
]


@pytest.mark.parametrize(("op", "inputs", "attrs"), FOLDS, ids=[f[0] for f in FOLDS])
def test_folded_shape_arithmetic_equals_the_reference_evaluator(op, inputs, attrs):
    from onnx.reference import ReferenceEvaluator

    names = [f"in{i}" for i in range(len(inputs))]
    inits = [numpy_helper.from_array(np.asarray(v), n) for v, n in zip(inputs, names)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    nodes = [helper.make_node(op, names, ["folded"], **attrs), helper.make_node("Relu", ["x"], ["y"])]
    outs = [helper.make_tensor_value_info(n, TensorProto.UNDEFINED, None) for n in ("y", "folded")]
    model = helper.make_model(helper.make_graph(nodes, "fold", [x], outs, inits),
                              opset_imports=[helper.make_opsetid("", 17)])
    want = ReferenceEvaluator(model).run(["folded"], {"x": np.zeros((1, 2), np.float32)})[0]
    data = model.SerializeToString()
    reader = Reader(read_model(data, "fold.onnx"), "fold.onnx", data)
    reader.run()
    got = reader.const["folded"]
    assert got is not None
    assert got.dims == want.shape
    assert list(got.items) == want.reshape(-1).tolist()


# ---- shapes without onnx: the file's value_info, and --input ------------------------------------


def test_an_unknown_operator_takes_the_shape_the_file_records_without_onnx(monkeypatch):
    g = Graph([1, 3, 4, 4])
    g.node("CumSum", ["x", g.const("axis", 1)], "cumsum")
    g.node("Relu", None, "relu")
    model = g.model()
    model.graph.value_info.append(helper.make_tensor_value_info("cumsum", TensorProto.FLOAT, [1, 3, 4, 4]))
    monkeypatch.setitem(sys.modules, "onnx", None)
    report = read(model)
    rows = {r.name: r for r in report.rows}
    assert (rows["cumsum"].kind, rows["cumsum"].output) == ("operator", (4, 4, 3))


def test_input_fixes_dynamic_axes_before_the_rules_read_them():
    """SAME_LOWER needs concrete sizes: `--input` gives them to every rule, not only to the graph."""
    g = Graph(["batch", 3, "height", "width"])
    g.node("Conv", ["x", g.weight("w", [5, 3, 4, 4])], "c", auto_pad="SAME_LOWER", strides=[2, 2])
    g.node("Conv", ["c", g.weight("w2", [2, 5, 2, 2])], "c2", auto_pad="SAME_LOWER")
    with pytest.raises(CnnError, match="pass --input"):
        read(g.model())
    report = read(g.model(), input_size="9x7x3")
    shapes = runtime_shapes(g.model(), [1, 3, 9, 7])
    assert [r.output for r in report.rows] == [ours(shapes["c"]), ours(shapes["c2"])]
    assert report.graph.by_name["c"].cost.padding == (2, 1, 2, 1)  # total 3 at n = 9, f = 4, s = 2


def test_known_operators_on_other_axes_take_our_onnx_rules_without_onnx(monkeypatch):
    """Operators cnncalc has no kind for on these axes are `operator` rows; their shapes come from
    the ONNX rules in onnx_infer (not ONNX's inference: onnx is blocked), equal to onnxruntime's."""
    g = Graph([1, 4, 6, 8])
    g.node("Transpose", None, "t", perm=[0, 1, 3, 2])
    g.node("Concat", ["t", "t"], "cat_w", axis=3)
    g.node("Slice", ["cat_w", g.const("st", [1]), g.const("en", [-1]), g.const("ax", [2]), g.const("sp", [2])],
           "slice_h")
    g.node("ReduceMean", ["slice_h", g.const("rax", [1])], "mean_c", keepdims=1)
    g.node("Mul", ["mean_c", "slice_h"], "gate")
    g.node("MatMul", ["gate", g.weight("m", [12, 5])], "mm")
    model = g.model()
    shapes = runtime_shapes(model, [1, 4, 6, 8])
    monkeypatch.setitem(sys.modules, "onnx", None)
    report = read(model)
    rows = {r.name: r for r in report.rows}
    for name in ("t", "cat_w", "slice_h", "mean_c", "gate", "mm"):
        assert rows[name].output == ours(shapes[name]), name
    assert rows["mm"].params == 60 and report.totals.params == initializer_total(model)


def test_pad_resize_split_tile_expand_read_as_operator_rows_without_onnx(monkeypatch):
    """Pad of the channels, Resize by 1.5, Split along H, Tile, ReduceMean over W and Expand: no kind, so
    `operator` rows with the ONNX rules' shapes (onnx blocked), equal to onnxruntime's."""
    g = Graph([1, 2, 4, 6])
    g.node("Pad", ["x", g.const("pads", [0, 1, 0, 2, 0, 3, 1, 0])], "pad_c")
    g.node("Resize", ["pad_c", "", g.const("scales", [1.0, 1.0, 1.5, 1.5], np.float32)], "resize", mode="nearest")
    g.node("Split", ["resize", g.const("parts", [2, 5])], "split_h", outputs=2, axis=2)
    g.node("Tile", ["split_h:0", g.const("reps", [1, 1, 2, 1])], "tile")
    g.node("ReduceMean", ["tile", g.const("w_axis", [3])], "mean_w")  # [1, 6, 4, 1]: a 1 to expand
    g.node("Expand", ["mean_w", g.const("to", [1, 1, 1, 5])], "expand")
    model = g.model()
    shapes = runtime_shapes(model, [1, 2, 4, 6])
    monkeypatch.setitem(sys.modules, "onnx", None)
    report = read(model)
    rows = {r.name: r for r in report.rows}
    by_tensor = {"pad_c": "pad_c", "resize": "resize", "split_h": "split_h:0", "tile": "tile", "mean_w": "mean_w",
                 "expand": "expand"}
    for name, tensor in by_tensor.items():
        assert (rows[name].kind, rows[name].output) == ("operator", ours(shapes[tensor])), name


def test_a_conv_reading_counted_weights_takes_its_shape_from_the_conv_kind():
    """The second conv (stride 2) shares the first's weights: an `operator` row whose output is the
    conv's arithmetic, not its input's shape."""
    g = Graph([1, 3, 9, 9])
    w = g.weight("w", [3, 3, 3, 3])
    g.node("Conv", ["x", w], "first", pads=[1, 1, 1, 1])
    g.node("Conv", ["first", w], "second", strides=[2, 2])
    model = g.model()
    shapes = runtime_shapes(model, [1, 3, 9, 9])
    rows = {r.name: r for r in read(model).rows}
    assert (rows["second"].kind, rows["second"].output) == ("operator", ours(shapes["second"]))
    assert rows["second"].output == (4, 4, 3)  # floor((9 - 3) / 2) + 1


def test_weights_in_an_external_file_are_counted_from_their_dims(tmp_path):
    """A model saved with external data reads without the data file: sizes come from dims."""
    from onnx.external_data_helper import convert_model_to_external_data

    g = torch_like()
    model = g.model()
    want = initializer_total(model)
    convert_model_to_external_data(model, all_tensors_to_one_file=True, location="weights.bin", size_threshold=64)
    assert any(t.data_location == TensorProto.EXTERNAL for t in model.graph.initializer)
    report = read(model, str(tmp_path / "external.onnx"))  # weights.bin is never written
    assert report.totals.params == want
    assert [r.name for r in report.rows] == ["conv", "relu", "flat", "fc"]


def test_an_operator_row_of_several_outputs_read_later_is_one_located_error():
    g = Graph([1, 4, 6, 8])
    g.node("Split", ["x", g.const("sizes", [2, 4])], "halves", outputs=2, axis=2)  # along H: no kind
    g.node("Add", ["halves:0", "halves:0"], "twice")
    g.node("Relu", ["halves:1"], "relu")
    with pytest.raises(CnnError) as err:
        read(g.model(outputs=["twice", "relu"]))
    assert str(err.value) == ("model.onnx: node 0 (Split 'halves'): error: unsupported operator Split (domain "
                              "ai.onnx): splits along the channels (axis 1) only; its output 'halves:1' is read "
                              "too, and an operator row has one output")


# ---- bad bytes ----------------------------------------------------------------------------------


def _summarize(data: bytes, path: Path) -> tuple[int, str]:
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["summarize", str(path), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def _node_proto_with_wrong_type() -> bytes:
    """A model whose first node's op_type (field 4) is a varint instead of a string."""
    g = torch_like().model()
    data = bytearray(g.SerializeToString())
    op = g.graph.node[0].SerializeToString()
    at = data.index(op)
    wrong = bytes(op).replace(b"\x22\x04Conv", b"\x20\x05\x22\x03Cov", 1)  # op_type as varint 5
    return bytes(data[:at - 1]) + bytes([len(wrong)]) + wrong + bytes(data[at + len(op):])


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field, encoded by hand."""
    def varint(n: int) -> bytes:
        out = bytearray()
        while n > 0x7F:
            out.append(n & 0x7F | 0x80)
            n >>= 7
        return bytes(out) + bytes([n])

    return varint(number << 3 | 2) + varint(len(payload)) + payload


def _empty_tensor(name, dims):
    t = TensorProto()
    t.name, t.data_type = name, TensorProto.FLOAT
    t.dims.extend(dims)
    return t


def _hostile() -> dict[str, bytes]:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)

    def model(nodes, inits=(), inputs=(x,)):
        graph = helper.make_graph(nodes, "g", list(inputs), [y], list(inits))
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()

    rank70 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1] * 70)
    return {
        "huge dims": model([helper.make_node("Conv", ["x", "w"], ["y"])], [_empty_tensor("w", [2**61, 2**61, 3, 3])]),
        "huge filters": model([helper.make_node("Conv", ["x", "w"], ["y"])], [_empty_tensor("w", [2**40, 3, 3, 3])]),
        "cycle": model([helper.make_node("Relu", ["z"], ["y"]), helper.make_node("Relu", ["y"], ["z"])]),
        "missing tensor": model([helper.make_node("Relu", ["nowhere"], ["y"])]),
        "missing weights": model([helper.make_node("Gemm", ["x"], ["y"])]),
        "rank 70": model([helper.make_node("Relu", ["x"], ["y"])], inputs=(rank70,)),
        "wrong wire type": _node_proto_with_wrong_type(),
        "length past the end": b"\x3a\xff\xff\x03" + b"\x0a" * 10,
        "a node of 100,001 inputs": _field(7, _field(1, b"\x0a\x00" * 100_001 + b"\x22\x04Relu")),
        "not protobuf": b"\xff\xff\xff\xff not protobuf",
    }


@pytest.mark.parametrize("case", list(_hostile()))
def test_hostile_files_are_one_located_line(case, tmp_path):
    path = tmp_path / "bad.onnx"
    status, err = _summarize(_hostile()[case], path)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}") and ": error: " in lines[0], err


def test_truncated_and_mutated_files_never_give_a_traceback(tmp_path, monkeypatch):
    """Cuts, bit flips, special bytes and swapped spans of two real files (torch's shape subgraph,
    and a file `export --to onnx` wrote). Without onnx, so that no case reaches its inference."""
    exported = tmp_path / "lenet.onnx"
    assert CliRunner().invoke(main, ["export", "lenet5", "--to", "onnx", "-o", str(exported)]).exit_code == 0
    seeds = [torch_like().model().SerializeToString(), exported.read_bytes()]
    monkeypatch.setitem(sys.modules, "onnx", None)
    rng = random.Random(17)
    path = tmp_path / "fuzz.onnx"
    seen = {0: 0, 2: 0}
    for case in range(int(os.environ.get("CNNCALC_ONNX_FUZZ", "300"))):
        data = bytearray(seeds[case % 2])
        how = case % 4
        if how == 0:
            data = data[:rng.randrange(len(data))]
        elif how == 1:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif how == 2:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.choice([0, 0x7F, 0x80, 0xFF, 0x08, 0x12, 0x22])
        else:
            i, j = sorted(rng.randrange(len(data)) for _ in range(2))
            data = data[:i] + data[j:] + data[i:j]
        status, err = _summarize(bytes(data), path)
        assert status in (0, 2), (case, err)
        if status == 2:
            assert len(err.strip().splitlines()) == 1 and err.startswith(str(path)), (case, err)
        seen[status] += 1
    assert seen[0] and seen[2]  # both outcomes occur: the mutations reach past the first bytes
