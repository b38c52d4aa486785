"""Caffe .prototxt import: the protobuf text parser, each layer type on small hand-worked nets,
then BVLC's and Kaiming He's files against their published numbers (../shared/data/caffe)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError
from cnncalc.importers.prototext import Enum, parse

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "caffe"


# ---- protobuf text format -------------------------------------------------------------


def test_parser_scalars_messages_and_repeats():
    m = parse(
        'name: "N" # comment\nlayer { type: "Conv" bottom: "a" bottom: \'b\' p: { k: 3 k: -2 } }\n'
        "layer < x: 1.5e-3, y: MAX; z: [1, 2, 3] s: \"a\\\"b\" \"c\" f: 2.0f >\n",
        "t.prototxt",
    )
    assert m.get("name") == "N"
    first, second = (f.value for f in m.all("layer"))
    assert first.values("bottom") == ["a", "b"]
    assert first.get("p").values("k") == [3, -2]
    assert second.get("x") == 0.0015 and second.get("y") == Enum("MAX")
    assert second.values("z") == [1, 2, 3]
    assert second.get("s") == 'a"bc'  # escapes, and adjacent strings joined
    assert second.get("f") == 2.0
    assert m.all("layer")[1].loc.line == 3 and first.loc_of("bottom").col == 22


@pytest.mark.parametrize(
    "text, where, words",
    [
        ("layer {\n  name: 'x'\n", "t.prototxt:1:7", "not closed"),
        ("a: 1\n}\n", "t.prototxt:2:1", "unexpected '}'"),
        ("layer { name }\n", "t.prototxt:1:14", "expected ':' or '{'"),
        ("a: 'x\n", "t.prototxt:1:4", "unexpected character"),
        ("layer { a: 1 >\n", "t.prototxt:1:14", "unexpected '>'"),
        ("a:\n", "t.prototxt:2:1", "no value"),
    ],
)
def test_parser_errors_are_located(text, where, words):
    with pytest.raises(CnnError) as info:
        parse(text, "t.prototxt")
    assert str(info.value).startswith(where), str(info.value)
    assert words in str(info.value)


# ---- layers ---------------------------------------------------------------------------

HEAD = ('name: "T"\nlayer { name: "data" type: "Input" top: "data" '
        "input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n")


def run(body: str, head: str = HEAD, override: str | None = None):
    return analyze_text(head + body, "t.prototxt", input_override=override)


def rows(body: str, head: str = HEAD, override: str | None = None) -> dict:
    return {r.name: r for r in run(body, head, override).rows}


def layer(name: str, kind: str, bottoms: str | list[str], top: str | None = None, extra: str = "") -> str:
    """One `layer { ... }` line; `kind` is quoted unless it is a V1 enum word."""
    bottoms = [bottoms] if isinstance(bottoms, str) else bottoms
    b = " ".join(f'bottom: "{x}"' for x in bottoms)
    t = kind if kind.isupper() else f'"{kind}"'
    return f'layer {{ name: "{name}" type: {t} {b} top: "{top or name}" {extra}}}\n'


def conv(name: str, params: str, bottom: str = "data", top: str | None = None) -> str:
    return (f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{top or name}" '
            f"convolution_param {{ {params} }} }}\n")


def test_convolution_parameters():
    r = rows(
        conv("c1", "num_output: 4 kernel_size: 3 stride: 2 pad: 1")
        + conv("c2", "num_output: 4 kernel_h: 3 kernel_w: 1 pad_h: 1 group: 2 bias_term: false", "c1")
        + conv("c3", "num_output: 2 kernel_size: 3 dilation: 2 pad: 2", "c2")
    )
    assert tuple(r["c1"].output) == (4, 4, 4)  # floor((8 + 2 - 3)/2) + 1 = 4
    assert r["c1"].params == 3 * 3 * 3 * 4 + 4  # 112
    assert tuple(r["c2"].output) == (4, 4, 4)  # h: (4 + 2 - 3) + 1, w: (4 - 1) + 1
    assert r["c2"].params == 3 * 1 * 2 * 4  # 24: groups of 2 channels, no bias
    assert tuple(r["c3"].output) == (4, 4, 2)  # (4 + 4 - 5) + 1: dilated kernel spans 5
    assert r["c3"].macs == 4 * 4 * 2 * 3 * 3 * 4  # 1,152


@pytest.mark.parametrize("kind", ["ConvolutionDepthwise", "DepthwiseConvolution"])
def test_depthwise_layers_of_caffe_forks(kind):
    # MobileNet ports: one 3x3 filter per channel; `group` defaults to num_output (3 here).
    # 8x8x3, pad 1 stride 2: floor((8 + 2 - 3)/2) + 1 = 4; params 3*3*1*3 + 3 = 30;
    # MACs 4*4*3 * 3*3*1 = 432.  A `group` written in the file is kept as it is.
    r = rows(layer("dw", kind, "data", extra="convolution_param { num_output: 3 kernel_size: 3 stride: 2 pad: 1 } ")
             + layer("g", kind, "dw", extra="convolution_param { num_output: 6 kernel_size: 1 group: 1 } "))
    assert tuple(r["dw"].output) == (4, 4, 3)
    assert (r["dw"].params, r["dw"].macs) == (30, 432)
    assert r["g"].params == 3 * 6 + 6  # group 1 given: an ordinary 1x1 conv, 3 -> 6 channels


def test_pooling_rounds_up_like_caffe():
    def pool(name: str, params: str, bottom: str) -> str:
        return layer(name, "Pooling", bottom, extra=f"pooling_param {{ {params} }} ")

    head = 'input: "data"\ninput_dim: 1\ninput_dim: 2\ninput_dim: 13\ninput_dim: 13\n'
    r = rows(
        pool("p1", "pool: MAX kernel_size: 3 stride: 2", "data")  # ceil((13 - 3)/2) + 1 = 6
        + pool("p2", "pool: AVE kernel_size: 2 stride: 2", "data")  # ceil((13 - 2)/2) + 1 = 7
        # ceil((13 + 2 - 2)/2) + 1 = 8, but the 8th window would start in the padding: 7
        + pool("p3", "pool: MAX kernel_size: 2 stride: 2 pad: 1", "data")
        + pool("p4", "pool: AVE global_pooling: true", "data")
        + pool("p5", "pool: MAX kernel_size: 2 stride: 2 round_mode: FLOOR", "data"),  # floor(11/2) + 1 = 6
        head,
    )
    assert tuple(r["p1"].output) == (6, 6, 2)
    assert tuple(r["p2"].output) == (7, 7, 2) and r["p2"].leaf.layer.mode == "avg"
    assert tuple(r["p3"].output) == (7, 7, 2)
    assert r["p4"].kind == "gap" and tuple(r["p4"].output) == (1, 1, 2)
    assert tuple(r["p5"].output) == (6, 6, 2)


def test_inner_product_relu_in_place_dropout_softmax():
    r = rows(
        layer("fc", "InnerProduct", "data", extra="inner_product_param { num_output: 10 } ")
        + layer("relu", "ReLU", "fc", "fc", "relu_param { negative_slope: 0.2 } ")
        + layer("drop", "Dropout", "fc", "fc", "dropout_param { dropout_ratio: 0.3 } ")
        + layer("fc2", "InnerProduct", "fc", extra="inner_product_param { num_output: 2 bias_term: false } ")
        + layer("prob", "Softmax", "fc2")
    )
    assert r["fc"].params == 8 * 8 * 3 * 10 + 10  # 1,930: a volume is flattened
    assert r["relu"].kind == "leaky_relu" and r["relu"].leaf.layer.alpha == 0.2
    assert r["drop"].inputs == ("relu",) and r["drop"].leaf.layer.rate == 0.3
    assert r["fc2"].inputs == ("drop",)  # blob 'fc' was last written in place by 'drop'
    assert r["fc2"].params == 20
    assert r["prob"].kind == "softmax"


def test_concat_eltwise_lrn_flatten_split():
    r = rows(
        conv("a", "num_output: 2 kernel_size: 1")
        + conv("b", "num_output: 2 kernel_size: 1")
        + layer("sp", "Split", "a", "a1", 'top: "a2" ')
        + layer("cat", "Concat", ["a1", "b"])
        + layer("sum", "Eltwise", ["a2", "b"])
        + layer("prod", "Eltwise", ["a", "b"], extra="eltwise_param { operation: PROD } ")
        + layer("max", "Eltwise", ["a", "b"], extra="eltwise_param { operation: MAX } ")
        + layer("norm", "LRN", "cat", extra="lrn_param { local_size: 3 alpha: 0.001 } ")
        + layer("flat", "Flatten", "norm")
    )
    assert "sp" not in r  # a Split only names copies of a blob
    assert r["cat"].inputs == ("a", "b") and tuple(r["cat"].output) == (8, 8, 4)
    assert r["sum"].kind == "add" and r["sum"].inputs == ("a", "b")
    assert r["prod"].kind == "multiply" and r["max"].kind == "maximum"
    assert r["norm"].leaf.layer.size == 3 and r["norm"].leaf.layer.alpha == 0.001
    assert tuple(r["flat"].output) == (8 * 8 * 4,)


def test_batchnorm_with_scale_is_one_bn_and_alone_has_no_parameters():
    rep = run(
        conv("c", "num_output: 4 kernel_size: 1 bias_term: false")
        + layer("bn", "BatchNorm", "c", "c", "batch_norm_param { use_global_stats: true } ")
        + layer("sc", "Scale", "c", "c", "scale_param { bias_term: true } ")
        + layer("r", "ReLU", "c", "c")
        + layer("bn2", "BatchNorm", "c", "c")
        + layer("sc2", "Scale", "c", "s2")
    )
    r = {x.name: x for x in rep.rows}
    assert "sc" not in r and r["bn"].params == 8 and r["bn"].buffers == 8  # gamma, beta; mean, variance
    assert r["r"].inputs == ("bn",)
    assert r["bn2"].params == 0 and r["bn2"].buffers == 8  # no Scale after it: affine false
    assert r["sc2"].kind == "scale" and r["sc2"].params == 4  # gamma only (bias_term false)
    assert rep.totals.params == 3 * 4 + 8 + 4


def test_input_forms_and_override():
    body = conv("c", "num_output: 2 kernel_size: 3")
    shape_head = 'input: "data"\ninput_shape { dim: 1 dim: 1 dim: 10 dim: 12 }\n'
    assert tuple(rows(body, shape_head)["c"].output) == (8, 10, 2)
    data_head = ('layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN } }\n'
                 'layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TEST }'
                 " transform_param { crop_size: 6 } }\n")
    assert tuple(rows(body, data_head, "6x6x3")["c"].output) == (4, 4, 2)
    with pytest.raises(CnnError, match="pass --input"):
        run(body, data_head)
    # crop_size and one mean_value per channel (SqueezeNet's train_val) give the shape
    means = data_head.replace("crop_size: 6", "crop_size: 6 mean_value: 104 mean_value: 117 mean_value: 123")
    assert tuple(run(body, means).input) == (6, 6, 3)


def test_v1_layers_and_phases_and_losses():
    text = (
        'name: "V1"\ninput: "data"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 5\ninput_dim: 5\n'
        + (
            layer("c", "CONVOLUTION", "data", extra="convolution_param { num_output: 3 kernel_size: 3 } ")
            + layer("r", "RELU", "c", "c")
            + layer("train_only", "DROPOUT", "c", "c", "include { phase: TRAIN } ")
            + layer("ip", "INNER_PRODUCT", "c", extra="inner_product_param { num_output: 2 } ")
            + layer("loss", "SOFTMAX_LOSS", ["ip", "label"])
        ).replace("layer {", "layers {")
    )
    rep = analyze_text(text, "v1.prototxt")
    assert [r.name for r in rep.rows] == ["c", "r", "ip"]
    assert rep.totals.params == (9 * 3 + 3) + (3 * 3 * 3 * 2 + 2)  # 30 + 56


@pytest.mark.parametrize(
    "body, where, words",
    [
        (layer("x", "Wobble", "data"), "t.prototxt:3:19", "'Wobble'"),
        (layer("x", "ReLU", "nope"), "t.prototxt:3:40", "blob 'nope'"),
        (conv("c", "kernel_size: 3"), "t.prototxt:3:81", "'num_output' is required"),
        (conv("c", "num_output: 2 kernel_size: 9"), "t.prototxt:3:1", "larger than the padded input"),
    ],
)
def test_errors_are_located(body, where, words):
    with pytest.raises(CnnError) as info:
        run(body)
    assert str(info.value).startswith(where), str(info.value)
    assert words in str(info.value)


# ---- published numbers ------------------------------------------------------------------

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")


def _analyze(name: str):
    return analyze_text((DATA / name).read_text(), name)


@needs_data
@pytest.mark.parametrize(
    "name, params",
    [
        ("bvlc_alexnet_deploy.prototxt", 60_965_224),  # conv2/4/5 with group: 2
        ("bvlc_googlenet_deploy.prototxt", 6_998_552),
        ("lenet.prototxt", 431_080),
        ("ResNet-50-deploy.prototxt", 25_557_096),  # torchvision's 25,557,032 + conv1's 64 biases
    ],
)
def test_published_parameter_counts(name, params):
    assert _analyze(name).totals.params == params


@needs_data
def test_resnet50_multiply_adds():
    assert round(_analyze("ResNet-50-deploy.prototxt").totals.macs / 1e9, 2) == 3.86


@needs_data
def test_alexnet_top_shapes_match_caffes_log():
    """Every `Setting up X` / `Top shape: N C H W` pair Caffe printed for this deploy file."""
    log = (DATA / "bvlc_alexnet_caffe_log.txt").read_text()
    printed = re.findall(r"Setting up (\S+)\n.*Top shape: ([\d ]+) \(", log)
    assert len(printed) == 24
    rep = _analyze("bvlc_alexnet_deploy.prototxt")
    r = {x.name: x for x in rep.rows}
    for name, dims in printed:
        n, *chw = (int(d) for d in dims.split())
        assert n == 10  # the deploy file's batch
        expected = (chw[1], chw[2], chw[0]) if len(chw) == 3 else tuple(chw)
        got = rep.input if name == "data" else r[name].output
        assert tuple(got) == expected, name


def test_constraints_reads_a_caffe_file_once_for_all_the_sizes_it_tries(monkeypatch):
    """Issue 13 fuzzing: `constraints` on GoogLeNet took 7 s, 6 of them re-parsing the same
    prototxt for each of ~300 sizes (each with its own --input); the tree is parsed once, and
    the answer is the one a fresh parse per size gives."""
    from cnncalc import constraints
    from cnncalc.importers import caffe, prototext

    path = DATA / "bvlc_googlenet_deploy.prototxt"
    if not path.is_file():
        pytest.skip("../shared/data is absent")
    text = path.read_text()
    calls = []

    def counting(text, filename):
        calls.append(filename)
        return prototext.parse(text, filename)

    monkeypatch.setattr(caffe, "_parsed", functools.lru_cache(maxsize=2)(counting))
    constraints.find(text, path.name, input_override="HxWx3")
    assert len(calls) == 1
    # the same answer as a fresh parse per size, on a file small enough to parse ~100 times
    # quickly (GoogLeNet's fresh run takes 15 s under load, close to find's own time limit)
    small = (DATA / "lenet.prototxt").read_text()
    monkeypatch.setattr(caffe, "_parsed", functools.lru_cache(maxsize=2)(counting))
    cached = constraints.find(small, "lenet.prototxt", input_override="HxWx1")
    before = len(calls)
    monkeypatch.setattr(caffe, "_parsed", counting)
    fresh = constraints.find(small, "lenet.prototxt", input_override="HxWx1")
    assert len(calls) - before > 10
    assert cached == fresh
