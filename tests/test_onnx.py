"""The ONNX reader on files built with onnx.helper, one operator or attribute at a time (no torch).

Every row's shape is checked against onnxruntime's (every node output made a graph output),
params against the file's own initializer sizes, and MACs against the formula worked by hand.
CPU budget: about 3 s on an idle machine (the onnx import is most of it).
"""

from __future__ import annotations

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from click.testing import CliRunner  # noqa: E402
from onnx_build import Graph, initializer_total, ours, read, runtime_shapes  # noqa: E402

from cnncalc.cli import main  # noqa: E402
from cnncalc.errors import CnnError  # noqa: E402
from cnncalc.layers import KINDS  # noqa: E402


def check(model, feed, filename="model.onnx", weights=None):
    """The report, after checking every row's shape against onnxruntime's and params + buffers
    against the file's float initializers (`weights`: those the test made as weights, when it also
    made float operands such as Clip's bounds, which are not)."""
    report = read(model, filename)
    shapes = runtime_shapes(model, feed)
    by_node = {n.name: n.output[0] for n in model.graph.node}
    for row in report.rows:
        tensor = by_node.get(row.name)
        if tensor is not None and tensor in shapes:
            assert tuple(row.output) == ours(shapes[tensor]), row.name
    assert report.totals.params + report.totals.buffers == initializer_total(model, weights)
    return report


def rows(report):
    return {r.name: r for r in report.rows}


# ---- convolutions -----------------------------------------------------------------------------


def test_conv_groups_dilation_asymmetric_pads():
    g = Graph([1, 8, 20, 18])
    g.node("Conv", ["x", g.weight("w", [12, 4, 3, 5]), g.weight("b", [12])], "c", group=2,
           dilations=[2, 1], strides=[2, 3], pads=[1, 0, 2, 3])
    r = rows(check(g.model(), [1, 8, 20, 18]))["c"]
    # n_H: floor((20 + 1 + 2 - 2*2 - 1)/2) + 1 = 10; n_W: floor((18 + 0 + 3 - 4 - 1)/3) + 1 = 6
    assert r.output == (10, 6, 12)
    assert r.params == 12 * 4 * 3 * 5 + 12
    assert r.macs == 10 * 6 * 12 * (3 * 5 * 4)


@pytest.mark.parametrize(("auto_pad", "n_out"), [("SAME_UPPER", 4), ("SAME_LOWER", 4), ("VALID", 3)])
def test_conv_auto_pad(auto_pad, n_out):
    g = Graph([1, 3, 7, 7])
    g.node("Conv", ["x", g.weight("w", [5, 3, 2, 2])], "c", strides=[2, 2], auto_pad=auto_pad)
    r = rows(check(g.model(), [1, 3, 7, 7]))["c"]
    assert r.output == (n_out, n_out, 5) and r.params == 5 * 3 * 4


def test_same_lower_puts_the_larger_half_before():
    # n = 6, f = 2, s = 2... total padding 1 with f = 4, s = 1, n = 5: total 3, SAME_LOWER: 2 before
    g = Graph([1, 1, 5, 5])
    g.node("Conv", ["x", g.weight("w", [1, 1, 4, 4])], "c", auto_pad="SAME_LOWER")
    report = check(g.model(), [1, 1, 5, 5])
    assert report.graph.by_name["c"].cost.padding == (2, 1, 2, 1)


def test_conv_1d_reads_as_length_by_one():
    g = Graph([1, 4, 50])
    g.node("Conv", ["x", g.weight("w", [6, 4, 5]), g.weight("b", [6])], "c", strides=[2], pads=[2, 1])
    r = rows(check(g.model(), [1, 4, 50]))["c"]
    assert r.output == (25, 1, 6)  # floor((50 + 2 + 1 - 5)/2) + 1 = 25
    assert r.params == 6 * 4 * 5 + 6 and r.macs == 25 * 6 * 4 * 5


def test_conv_transpose_output_padding_and_output_shape():
    g = Graph([1, 8, 5, 5])
    g.node("ConvTranspose", ["x", g.weight("w", [8, 4, 3, 3]), g.weight("b", [4])], "up", strides=[2, 2],
           pads=[1, 1, 1, 1], output_padding=[1, 1])
    g.node("ConvTranspose", ["up", g.weight("w2", [4, 2, 3, 3])], "up2", strides=[2, 2], output_shape=[19, 20])
    report = check(g.model(), [1, 8, 5, 5])
    up, up2 = rows(report)["up"], rows(report)["up2"]
    assert up.output == (10, 10, 4)  # (5 - 1)2 - 2 + 3 + 1 = 10
    assert up.params == 8 * 4 * 9 + 4 and up.macs == 5 * 5 * 8 * 9 * 4
    assert up2.output == (19, 20, 2) and up2.params == 4 * 2 * 9


def test_pools_ceil_mode_pads_and_globals():
    g = Graph([1, 3, 10, 10])
    g.node("MaxPool", None, "mp", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    g.node("AveragePool", None, "ap", kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1])
    g.node("GlobalMaxPool", None, "gmp")
    g.node("GlobalAveragePool", None, "gap")
    report = check(g.model(), [1, 3, 10, 10])
    assert rows(report)["mp"].output == (5, 5, 3)  # ceil(7/2) + 1 = 5
    assert rows(report)["ap"].output == (5, 5, 3)
    assert rows(report)["gap"].output == (1, 1, 3)
    assert report.totals.macs == 0


# ---- fully connected ----------------------------------------------------------------------------


def test_gemm_and_matmul_plus_bias_are_fc():
    g = Graph([1, 2, 3, 4])
    g.node("Flatten", None, "flat", axis=1)
    g.node("Gemm", ["flat", g.weight("w", [10, 24]), g.weight("b", [10])], "fc1", transB=1)
    g.node("MatMul", ["fc1", g.weight("w2", [10, 7])], "fc2")
    g.node("Add", ["fc2", g.weight("b2", [7])], "fc2_bias")
    report = check(g.model(), [1, 2, 3, 4])
    r = rows(report)
    assert r["fc1"].params == 24 * 10 + 10 and r["fc1"].macs == 240
    assert r["fc2"].params == 10 * 7 + 7 and r["fc2"].macs == 70 and r["fc2"].output == (7,)
    assert "fc2_bias" not in r  # the bias add is the fc's


# ---- normalization and activations --------------------------------------------------------------


def test_batch_norm_instance_norm_lrn():
    g = Graph([1, 6, 4, 4])
    g.node("BatchNormalization", ["x", g.weight("s", [6]), g.weight("bb", [6]), g.weight("m", [6]),
                                  g.weight("var", [6])], "bn", epsilon=1e-3)
    g.node("InstanceNormalization", ["bn", g.weight("s2", [6]), g.weight("b2", [6])], "inorm")
    g.node("LRN", None, "lrn", size=3, alpha=2e-4, beta=0.5, bias=2.0)
    report = check(g.model(), [1, 6, 4, 4])
    r = rows(report)
    assert (r["bn"].params, r["bn"].buffers) == (12, 12)
    assert (r["inorm"].kind, r["inorm"].params, r["inorm"].buffers) == ("instance_norm", 12, 0)
    assert r["lrn"].kind == "lrn" and report.graph.by_name["lrn"].layer.size == 3


ACTIVATIONS = [
    ("Relu", {}, "relu"), ("LeakyRelu", {"alpha": 0.2}, "leaky_relu"), ("Sigmoid", {}, "sigmoid"),
    ("HardSigmoid", {}, "hard_sigmoid"), ("HardSwish", {}, "hardswish"), ("Tanh", {}, "tanh"),
    ("Softmax", {"axis": 1}, "softmax"), ("Elu", {}, "elu"), ("Selu", {}, "selu"), ("Mish", {}, "mish"),
    ("Softplus", {}, "softplus"),
]


@pytest.mark.parametrize(("op", "attrs", "kind"), ACTIVATIONS)
def test_activations(op, attrs, kind):
    g = Graph([1, 3, 4, 4])
    g.node(op, None, "act", **attrs)
    assert rows(check(g.model(), [1, 3, 4, 4]))["act"].kind == kind


def test_gelu_prelu_and_clip_as_relu6():
    g = Graph([1, 3, 4, 4])
    g.node("Gelu", None, "gelu")
    g.node("PRelu", ["gelu", g.weight("slope", [3, 1, 1])], "prelu")
    g.node("Clip", ["prelu", g.const("lo", 0.0, "float32"), g.const("hi", 6.0, "float32")], "clip")
    report = check(g.model(), [1, 3, 4, 4], weights=g.weights)  # Clip's float bounds are operands
    r = rows(report)
    assert r["gelu"].kind == "gelu" and (r["prelu"].kind, r["prelu"].params) == ("prelu", 3)
    assert r["clip"].kind == "relu6" and report.totals.params == 3


# ---- element-wise, merges, shape changes --------------------------------------------------------


def test_squeeze_and_excitation_multiply_broadcasts():
    g = Graph([1, 8, 6, 6])
    g.node("Relu", None, "body")
    g.node("GlobalAveragePool", ["body"], "squeeze")
    g.node("Conv", ["squeeze", g.weight("w1", [2, 8, 1, 1]), g.weight("b1", [2])], "reduce")
    g.node("Relu", None, "relu")
    g.node("Conv", ["relu", g.weight("w2", [8, 2, 1, 1]), g.weight("b2", [8])], "expand")
    g.node("Sigmoid", None, "gate")
    g.node("Mul", ["gate", "body"], "excite")  # the gate first: the reader puts the volume first
    g.node("Add", ["excite", "body"], "sum")
    g.node("Max", ["sum", "body"], "max")
    r = rows(check(g.model(), [1, 8, 6, 6]))
    assert r["excite"].kind == "multiply" and r["excite"].output == (6, 6, 8)
    assert r["sum"].kind == "add" and r["max"].kind == "maximum"
    assert r["reduce"].params + r["expand"].params == 2 * 8 + 2 + 8 * 2 + 8


def test_concat_split_flatten_reshape_pad_resize_dropout_identity():
    g = Graph([1, 4, 6, 6])
    g.node("Split", ["x"], "split", outputs=2, axis=1, num_outputs=2)
    g.node("Concat", ["split:1", "split:0", "x"], "cat", axis=1)
    g.node("Pad", ["cat", g.const("pads", [0, 0, 1, 2, 0, 0, 3, 0])], "pad")
    g.node("Resize", ["pad", "", g.const("scales", [1.0, 1.0, 2.0, 3.0], "float32")], "up", mode="nearest")
    g.node("Dropout", None, "drop")
    g.node("Identity", None, "same")
    g.node("Reshape", ["same", g.const("shape", [1, -1])], "flat")
    report = check(g.model(), [1, 4, 6, 6], weights=g.weights)
    r = rows(report)
    assert (r["split_0"].kind, r["split_1"].output) == ("split", (6, 6, 2))
    assert r["cat"].output == (6, 6, 8)
    assert r["pad"].kind == "zeropad" and r["pad"].output == (10, 8, 8)
    assert r["up"].kind == "upsample" and r["up"].output == (20, 24, 8)
    assert r["drop"].kind == "dropout" and r["same"].kind == "identity"
    assert r["flat"].kind == "flatten" and r["flat"].output == (20 * 24 * 8,)
    assert report.totals.params == 0  # the pads (int64) and Resize's scales (an operand) are not weights


def test_shape_subgraph_of_torch_export_is_folded():
    g = Graph(["batch", 3, 8, 8])
    g.node("Conv", ["x", g.weight("w", [4, 3, 3, 3])], "conv", pads=[1, 1, 1, 1])
    g.node("Shape", ["conv"], "shape")
    g.node("Gather", ["shape", g.const("zero", 0)], "batch_size", axis=0)
    g.node("Unsqueeze", ["batch_size", g.const("axes", [0])], "unsq")
    g.node("Concat", ["unsq", g.const("minus_one", [-1])], "target", axis=0)
    g.node("Reshape", ["conv", "target"], "flat")
    report = check(g.model(), [2, 3, 8, 8])
    assert [r.name for r in report.rows] == ["conv", "flat"]
    assert rows(report)["flat"].output == (256,)


def test_weight_sharing_counts_once_and_says_so():
    g = Graph([1, 3, 8, 8])
    w, b = g.weight("w", [3, 3, 3, 3]), g.weight("b", [3])
    g.node("Conv", ["x", w, b], "first", pads=[1, 1, 1, 1])
    g.node("Conv", ["first", w, b], "second", pads=[1, 1, 1, 1])
    report = check(g.model(), [1, 3, 8, 8])
    assert report.totals.params == 3 * 3 * 9 + 3
    assert any("second" in str(d) and "earlier node counted" in str(d) for d in report.warnings)


def test_a_shared_bias_only_drops_the_bias():
    g = Graph([1, 3, 8, 8])
    b = g.weight("b", [3])
    g.node("Conv", ["x", g.weight("w1", [3, 3, 1, 1]), b], "first")
    g.node("Conv", ["first", g.weight("w2", [3, 3, 1, 1]), b], "second")
    r = rows(check(g.model(), [1, 3, 8, 8]))
    assert (r["second"].kind, r["second"].params, r["second"].macs) == ("conv", 9, 8 * 8 * 9)


@pytest.mark.skipif("channel_shuffle" not in KINDS, reason="channel_shuffle arrives from branch zoo")
def test_reshape_transpose_reshape_is_a_channel_shuffle():
    g = Graph([1, 6, 4, 4])
    g.node("Reshape", ["x", g.const("s5", [1, 3, 2, 4, 4])], "group")
    g.node("Transpose", None, "shuffle", perm=[0, 2, 1, 3, 4])
    g.node("Reshape", ["shuffle", g.const("s4", [1, 6, 4, 4])], "back")
    report = check(g.model(), [1, 6, 4, 4])
    assert [(r.name, r.kind) for r in report.rows] == [("back", "channel_shuffle")]


@pytest.mark.skipif("slice" not in KINDS, reason="slice arrives from branch zoo")
def test_slice_of_channels():
    g = Graph([1, 10, 4, 4])
    g.node("Slice", ["x", g.const("st", [2]), g.const("en", [7]), g.const("ax", [1])], "part")
    assert rows(check(g.model(), [1, 10, 4, 4]))["part"].output == (4, 4, 5)


# ---- unknown operators, dynamic axes, errors ----------------------------------------------------


def test_unknown_operator_with_an_inferred_shape_is_a_row_with_a_warning():
    g = Graph([1, 3, 4, 4])
    g.node("CumSum", ["x", g.const("axis", 1)], "cumsum")
    g.node("Mul", ["cumsum", g.weight("gains", [1, 3, 4, 4])], "gain")
    report = check(g.model(), [1, 3, 4, 4])
    r = rows(report)
    assert (r["cumsum"].kind, r["cumsum"].macs, r["cumsum"].output) == ("operator", 0, (4, 4, 3))
    assert r["gain"].params == 48
    assert any("CumSum" in str(w) for w in report.warnings)


def test_unknown_operator_without_a_shape_is_one_located_error():
    g = Graph([1, 3, 4, 4])
    g.node("Relu", None, "r")
    g.node("Foo", None, "foo", domain="com.example")
    with pytest.raises(CnnError) as err:
        read(g.model(), "model.onnx")
    assert str(err.value) == "model.onnx: node 1 (Foo 'foo'): error: unsupported operator Foo (domain com.example)"


def test_dynamic_axes_are_symbols_and_input_fixes_them():
    g = Graph(["batch", 3, "height", "width"])
    g.node("Conv", ["x", g.weight("w", [8, 3, 3, 3])], "conv", strides=[2, 2])
    g.node("GlobalAveragePool", None, "gap")
    report = read(g.model())
    assert report.symbols == ("height", "width")
    conv = rows(report)["conv"]
    assert str(conv.output[0]) == "floor(height/2 - 3/2) + 1"  # floor((height - 3)/2) + 1
    assert str(conv.macs) == "216*(floor(height/2 - 3/2) + 1)*(floor(width/2 - 3/2) + 1)"  # 8 x 27 per position
    fixed = read(g.model(), input_size="33x17x3")
    assert rows(fixed)["conv"].output == (16, 8, 8)


def invoke(*args):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def lenet_file(tmp_path):
    path = tmp_path / "lenet.onnx"
    result = invoke("export", "lenet5", "--to", "onnx", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("command", [
    ["summarize"], ["summarize", "--format", "json"], ["explain"], ["validate"], ["diagram"],
    ["memory"], ["export", "--to", "pytorch"], ["import"],
])
def test_every_command_reads_onnx(lenet_file, command):
    result = invoke(*command[:1], str(lenet_file), *command[1:])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_compare_and_constraints_read_onnx(lenet_file):
    assert invoke("compare", "lenet5", str(lenet_file)).exit_code == 0
    result = invoke("constraints", str(lenet_file))
    assert result.exit_code == 0 and "smallest input" in result.output


def test_import_writes_yaml_with_the_same_numbers(lenet_file, tmp_path):
    out = tmp_path / "lenet.yaml"
    assert invoke("import", str(lenet_file), "-o", str(out)).exit_code == 0
    again = invoke("summarize", str(out), "--format", "json")
    direct = invoke("summarize", str(lenet_file), "--format", "json")
    import json

    assert json.loads(again.output)["totals"] == json.loads(direct.output)["totals"]


def test_a_file_that_is_not_onnx_is_one_line(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\xff\xff\xff not protobuf")
    result = invoke("summarize", str(bad))
    assert result.exit_code == 2
    assert result.output.startswith(f"{bad}:1:1: error: not an ONNX model")
    assert len(result.output.strip().splitlines()) == 1


def test_without_the_onnx_package_known_models_read_the_same(lenet_file, tmp_path, monkeypatch):
    """Reading needs no extra: the same JSON without `onnx`. Only an operator whose shape needs
    ONNX shape inference, and export --to onnx, name the extra (one located line, exit 2)."""
    import sys

    g = Graph([1, 3, 4, 4])
    g.node("CumSum", ["x", g.const("axis", 1)], "cumsum")
    odd = tmp_path / "odd.onnx"
    odd.write_bytes(g.model().SerializeToString())
    with_onnx = invoke("summarize", str(lenet_file), "--format", "json")
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = invoke("summarize", str(lenet_file), "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stdout == with_onnx.stdout
    result = invoke("summarize", str(odd))
    assert result.exit_code == 2
    assert result.output.strip() == (f"{odd}: node 0 (CumSum 'cumsum'): error: the output shape of CumSum "
                                     "(domain ai.onnx) needs ONNX shape inference: pip install 'cnncalc[onnx]'")
    result = invoke("export", "lenet5", "--to", "onnx", "-o", str(lenet_file))
    assert result.exit_code == 2 and "pip install 'cnncalc[onnx]'" in result.output


def test_json_and_variables_of_an_onnx_file_with_the_readers_own_kinds(tmp_path):
    import json

    g = Graph([1, 3, 4, 4])
    g.node("InstanceNormalization", ["x", g.weight("s", [3]), g.weight("b", [3])], "inorm")
    g.node("CumSum", ["inorm", g.const("axis", 1)], "cumsum")
    g.node("Mul", ["cumsum", g.weight("gains", [1, 3, 4, 4])], "gain")
    path = tmp_path / "kinds.onnx"
    path.write_bytes(g.model().SerializeToString())
    result = CliRunner().invoke(main, ["summarize", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    layers = {row["name"]: row for row in json.loads(result.stdout)["layers"]}
    assert [t["count"] for t in layers["inorm"]["tensors"]] == [3, 3]
    assert [t["count"] for t in layers["gain"]["tensors"]] == [48]
    assert invoke("summarize", str(path), "--format", "variables").exit_code == 0


@pytest.mark.parametrize("mode", ["reflect", "edge", "constant"])
def test_pad_modes(mode):
    g = Graph([1, 2, 5, 6])
    g.node("Pad", ["x", g.const("pads", [0, 0, 2, 1, 0, 0, 1, 3])], "pad", mode=mode)
    r = rows(check(g.model(), [1, 2, 5, 6]))["pad"]
    assert r.output == (8, 10, 2)  # 5 + 2 + 1, 6 + 1 + 3
    assert r.kind == ("zeropad" if mode == "constant" else "pad")
