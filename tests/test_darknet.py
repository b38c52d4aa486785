"""Darknet .cfg import: every section on small cfgs worked by hand, then the published numbers
of pjreddie/darknet's own cfgs (../shared/data/darknet, skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "darknet"


def net(body: str, size: str = "height=8\nwidth=8\nchannels=3") -> str:
    return f"[net]\n# testing\nbatch=1\n{size}\n\n{body}"


def run(text: str, override: str | None = None):
    return analyze_text(text, "t.cfg", input_override=override)


def rows(text: str, override: str | None = None) -> dict:
    return {r.name: r for r in run(text, override).rows}


# ---- convolutional ----------------------------------------------------------------------


def test_conv_pad_leaky_without_bn():
    r = rows(net("[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n"))
    conv = r["conv_0"]
    assert tuple(conv.output) == (8, 8, 4)  # (8 + 2*1 - 3)/1 + 1 = 8
    assert conv.params == 3 * 3 * 3 * 4 + 4  # 108 weights + 4 biases = 112
    assert conv.macs == 8 * 8 * 4 * 27  # 6,912
    assert r["leaky_0"].kind == "leaky_relu"
    assert r["leaky_0"].leaf.layer.alpha == 0.1  # Darknet's leaky slope


def test_conv_batch_normalize_has_no_bias_and_bn_holds_darknet_values():
    rep = run(net("[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\nstride=1\npad=1\n"
                  "activation=linear\n"))
    names = [r.name for r in rep.rows]
    assert names == ["conv_0", "bn_0"]  # linear: no activation row
    # weights file: biases(4) + scales(4) + mean(4) + variance(4) + weights(108) = 124
    assert rep.totals.params == 108 + 4 + 4
    assert rep.totals.buffers == 8
    assert rep.totals.params + rep.totals.buffers == 124


def test_conv_default_activation_is_logistic():
    r = rows(net("[convolutional]\nfilters=2\nsize=1\n"))
    assert r["conv_0"].leaf.layer.activation == "sigmoid"


@pytest.mark.parametrize(
    "options, shape",
    [
        ("size=3\nstride=2\npad=1", (4, 4)),  # (8 + 2 - 3)/2 + 1 = 4 (3.5 floored)
        ("size=5\nstride=1\npadding=2", (8, 8)),  # pad=0: padding= counts, (8 + 4 - 5)/1 + 1 = 8
        ("size=5\nstride=1\npad=1\npadding=7", (8, 8)),  # pad=1 wins: size/2 = 2
        ("size=3\nstride=1", (6, 6)),  # no padding: (8 - 3)/1 + 1 = 6
        ("size=3\nstride_x=2\nstride_y=1\npad=1", (8, 4)),  # height stride 1, width stride 2
        ("size=1\nstride=1\npad=1", (8, 8)),  # size/2 = 0 for a 1x1
        ("size=3\nstride=1\npad=1\ndilation=2", (8, 8)),  # Darknet's size ignores dilation
    ],
)
def test_conv_output_sizes(options, shape):
    r = rows(net(f"[convolutional]\nfilters=2\n{options}\nactivation=linear\n"))
    assert tuple(r["conv_0"].output[:2]) == shape


def test_dilated_conv_costs_the_same_multiplications():
    r = rows(net("[convolutional]\nfilters=2\nsize=3\npad=1\ndilation=2\nactivation=linear\n"))
    assert r["conv_0"].macs == 8 * 8 * 2 * 3 * 3 * 3  # 3,456: dilation spreads, never adds, taps


def test_grouped_and_depthwise_conv():
    text = net(
        "[convolutional]\nfilters=4\nsize=3\npad=1\ngroups=2\nactivation=linear\n\n"
        "[convolutional]\nfilters=4\nsize=3\npad=1\ngroups=4\nactivation=relu\n",
        "height=8\nwidth=8\nchannels=4",
    )
    r = rows(text)
    assert r["conv_0"].params == 3 * 3 * 2 * 4 + 4  # 76
    assert r["conv_1"].params == 3 * 3 * 1 * 4 + 4  # 40
    assert r["conv_1"].leaf.layer.activation == "relu"


def test_deconvolutional():
    # pjreddie: out = (h - 1)*stride + size - 2*padding; pad=1 -> padding = size/2 = 2
    r = rows(net("[deconvolutional]\nfilters=2\nsize=4\nstride=2\npad=1\nactivation=linear\n"))
    assert tuple(r["deconv_0"].output) == (14, 14, 2)  # 7*2 + 4 - 4
    assert r["deconv_0"].params == 4 * 4 * 3 * 2 + 2  # 98


def test_local():
    text = net("[local]\nfilters=3\nsize=3\nstride=1\npad=1\nactivation=linear\n\n"
               "[local]\nfilters=1\nsize=3\nstride=1\npad=0\nactivation=linear\n",
               "height=4\nwidth=4\nchannels=2")
    r = rows(text)
    assert tuple(r["local_0"].output) == (4, 4, 3)  # local_out_height with pad: (4 - 1)/1 + 1
    assert r["local_0"].params == 4 * 4 * 3 * (3 * 3 * 2 + 1)  # 912: own filters per position
    assert tuple(r["local_1"].output) == (2, 2, 1)  # without pad: (4 - 3)/1 + 1


@pytest.mark.parametrize(
    "activation, bn, rows_, folded",
    [
        ("mish", 0, ["conv_0"], "mish"),  # a cnncalc activation folds into the conv row
        ("logistic", 0, ["conv_0"], "sigmoid"),
        ("leaky", 0, ["conv_0", "leaky_0"], None),  # slope 0.1 is not the default: a row
        ("mish", 1, ["conv_0", "bn_0", "mish_0"], None),  # Darknet order: conv, BN, activation
        ("hard_mish", 0, ["conv_0", "hard_mish_0"], None),  # no cnncalc name: an identity row
    ],
)
def test_activation_rows(activation, bn, rows_, folded):
    rep = run(net(f"[convolutional]\nfilters=2\nsize=1\nbatch_normalize={bn}\nactivation={activation}\n"))
    assert [r.name for r in rep.rows] == rows_
    assert rep.rows[0].leaf.layer.activation == folded
    if activation == "hard_mish":
        assert rep.rows[1].kind == "identity" and rep.rows[1].leaf.layer.role == "hard_mish"


def test_activation_section_and_batchnorm_section():
    r = rows(net("[batchnorm]\n\n[activation]\nactivation=swish\n\n[activation]\nactivation=linear\n"))
    assert r["batchnorm_0"].params == 6 and r["batchnorm_0"].buffers == 6  # 3 channels
    assert r["swish_1"].kind == "swish"
    assert r["linear_2"].kind == "identity"


# ---- pooling and the rest ---------------------------------------------------------------


@pytest.mark.parametrize(
    "size, options, n_in, n_out",
    [
        (13, "size=2\nstride=2", 13, 7),  # padding defaults to size-1 = 1: (13 + 1 - 2)/2 + 1
        (416, "size=2\nstride=2", 416, 208),  # (416 + 1 - 2)/2 + 1 = 208
        (13, "size=2\nstride=1", 13, 13),  # yolov3-tiny layer 11: (13 + 1 - 2)/1 + 1
        (55, "size=3\nstride=2\npadding=0", 55, 27),  # alexnet.cfg: (55 - 3)/2 + 1
        (19, "size=5\nstride=1", 19, 19),  # YOLOv4 SPP: padding 4, (19 + 4 - 5)/1 + 1
    ],
)
def test_maxpool_darknet_rule(size, options, n_in, n_out):
    r = rows(net(f"[maxpool]\n{options}\n", f"height={size}\nwidth={size}\nchannels=1"))
    assert tuple(r["maxpool_0"].output) == (n_out, n_out, 1)


def test_maxpool_stride_x_y_and_padding_split():
    r = rows(net("[maxpool]\nsize=2\nstride_x=2\nstride_y=1\n"))
    assert tuple(r["maxpool_0"].output) == (8, 4, 3)  # h: (8+1-2)/1+1 = 8; w: (8+1-2)/2+1 = 4
    assert r["maxpool_0"].leaf.layer.padding == (0, 1, 0, 1)  # Darknet offsets by -padding/2 = 0


def test_avgpool_connected_dropout_softmax_cost():
    text = net(
        "[avgpool]\n\n[connected]\noutput=10\nactivation=linear\n\n[dropout]\nprobability=.5\n\n"
        "[softmax]\ngroups=1\n\n[cost]\ntype=sse\n",
        "height=2\nwidth=2\nchannels=3",
    )
    rep = run(text)
    r = {x.name: x for x in rep.rows}
    assert tuple(r["avgpool_0"].output) == (1, 1, 3)
    assert r["connected_1"].params == 3 * 10 + 10  # 40
    assert r["connected_1"].macs == 30
    assert r["dropout_2"].leaf.layer.rate == 0.5
    assert r["softmax_3"].kind == "softmax"
    assert r["cost_4"].kind == "identity" and r["cost_4"].params == 0


def test_connected_with_batch_normalize():
    one = "height=1\nwidth=1\nchannels=4"
    rep = run(net("[connected]\noutput=5\nbatch_normalize=1\nactivation=relu\n", one))
    # Darknet: weights 20, biases 5, scales 5, rolling mean 5 and variance 5
    assert rep.totals.params == 20 + 5 + 5
    assert rep.totals.buffers == 10
    assert [r.name for r in rep.rows] == ["connected_0", "bn_0", "relu_0"]


def test_route_shortcut_upsample_reorg_by_index():
    text = net(
        "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n\n"  # 0: 8x8x4
        "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=linear\n\n"  # 1: 8x8x4
        "[shortcut]\nfrom=-2\nactivation=leaky\n\n"  # 2: 0 + 1
        "[route]\nlayers=-1, 0\n\n"  # 3: concat 8x8x8
        "[route]\nlayers = 1\n\n"  # 4: absolute, 8x8x4
        "[upsample]\nstride=2\n\n"  # 5: 16x16x4
        "[reorg]\nstride=4\n\n"  # 6: 4x4x64
        "[route]\nlayers=3\ngroups=2\ngroup_id=1\n"  # 7: second half of 8 channels
    )
    r = rows(text)
    assert r["shortcut_2"].kind == "add" and r["shortcut_2"].inputs == ("conv_1", "conv_0")
    assert r["leaky_2"].inputs == ("shortcut_2",)
    assert r["route_3"].inputs == ("leaky_2", "conv_0") and tuple(r["route_3"].output) == (8, 8, 8)
    assert r["route_4"].inputs == ("conv_1",) and tuple(r["route_4"].output) == (8, 8, 4)
    assert tuple(r["upsample_5"].output) == (16, 16, 4)
    assert tuple(r["reorg_6"].output) == (4, 4, 64)  # 16/4 = 4, 4 * 4^2 = 64 channels
    assert r["route_7"].kind == "split" and r["route_7"].inputs == ("route_3",)
    assert tuple(r["route_7"].output) == (8, 8, 4)


def test_route_with_groups_over_several_layers_slices_each():
    text = net(
        "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n\n"
        "[convolutional]\nfilters=6\nsize=1\nactivation=linear\n\n"
        "[route]\nlayers=0,1\ngroups=2\ngroup_id=0\n"
    )
    r = rows(text)
    assert tuple(r["route_2"].output) == (8, 8, 5)  # (4 + 6) / 2, as Darknet's out_c / groups


def test_shortcut_of_different_shapes_keeps_the_previous_shape():
    # pjreddie's resnet50.cfg adds a 64-channel map into a 256-channel one
    text = net(
        "[convolutional]\nfilters=2\nsize=1\nactivation=linear\n\n"
        "[convolutional]\nfilters=8\nsize=1\nactivation=linear\n\n"
        "[shortcut]\nfrom=-2\n"
    )
    r = rows(text)
    assert r["shortcut_2"].kind == "shortcut" and tuple(r["shortcut_2"].output) == (8, 8, 8)


def test_scale_channels_and_sam():
    text = net(
        "[convolutional]\nfilters=4\nsize=1\nactivation=linear\n\n"  # 0: 8x8x4
        "[avgpool]\n\n"  # 1: 1x1x4
        "[convolutional]\nfilters=4\nsize=1\nactivation=logistic\n\n"  # 2: 1x1x4
        "[scale_channels]\nfrom=-3\n\n"  # 3: layer 0 times layer 2
        "[convolutional]\nfilters=4\nsize=1\nactivation=logistic\n\n"  # 4: 8x8x4
        "[sam]\nfrom=-2\n"  # 5: layer 3 times layer 4
    )
    r = rows(text)
    assert r["scale_channels_3"].inputs == ("conv_0", "conv_2")  # logistic folds into conv_2
    assert tuple(r["scale_channels_3"].output) == (8, 8, 4)
    assert r["sam_5"].inputs == ("scale_channels_3", "conv_4")
    assert r["sam_5"].params == 0


def test_crop_and_heads():
    text = net("[crop]\ncrop_height=6\ncrop_width=4\n\n[yolo]\nmask=0,1,2\n\n[region]\n\n[detection]\n")
    r = rows(text)
    assert tuple(r["crop_0"].output) == (6, 4, 3)
    for name in ("yolo_1", "region_2", "detection_3"):
        assert r[name].kind == "identity" and tuple(r[name].output) == (6, 4, 3)
        assert r[name].leaf.layer.role == name.split("_")[0]


def test_comments_blanks_and_spaces_like_darknet():
    text = ("[net]\n; a comment\n  height = 8\nwidth= 8 # trailing\nchannels =3\n\n"
            "[convolutional]\n# c\nfilters = 2\n")
    assert tuple(run(text).rows[0].output) == (8, 8, 2)


def test_input_override_and_net_inputs():
    text = net("[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=linear\n")
    assert tuple(run(text, "16x12x3").rows[0].output) == (16, 12, 2)
    flat = run("[net]\ninputs=20\n\n[connected]\noutput=5\nactivation=linear\n")
    assert flat.totals.params == 20 * 5 + 5


# ---- errors point into the .cfg ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, where, words",
    [
        (net("[convolutional]\nfilters=2\n\n[lstm]\noutput=3\n"), "t.cfg:11:1", "section [lstm]"),
        (net("[route]\nlayers=-1\n"), "t.cfg:9:1", "not an earlier layer"),
        (net("[shortcut]\nfrom=-1\n"), "t.cfg:9:1", "not an earlier layer"),
        (net("[sam]\nfrom=0\n"), "t.cfg:9:1", "not an earlier layer"),
        (net("[convolutional]\nfilters=2\n\n[route]\nlayers=0, 5\n"), "t.cfg:12:1", "refers to layer 5"),
        (net("[convolutional]\nfilters=two\n"), "t.cfg:9:9", "'filters' must be an integer"),
        (net("[convolutional]\nfilters=2\nactivation=wobbly\n"), "t.cfg:10:1", "unknown Darknet activation"),
        ("[convolutional]\nfilters=2\n", "t.cfg:1:1", "starts with a [net] section"),
        (net("[convolutional]\nfilters=2\nthis line is wrong\n"), "t.cfg:10:1", "expected 'key=value'"),
        (net("[convolutional]\nfilters=4\nsize=3\ngroups=3\n"), "t.cfg:8:1", "not divisible by groups"),
        ("[net]\nbatch=1\n\n[convolutional]\nfilters=2\n", "t.cfg:1:1", "no input size"),
    ],
)
def test_errors_are_located(text, where, words):
    with pytest.raises(CnnError) as info:
        run(text)
    assert str(info.value).startswith(where), str(info.value)
    assert words in str(info.value)


# ---- pjreddie/darknet's cfgs against their published numbers --------------------------

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")


def _cfg(name: str) -> str:
    return (DATA / name).read_text()


def bflops(rep) -> float:
    return round(2 * rep.totals.macs / 1e9, 2)  # Darknet's BFLOPs: 2 x multiply-adds


@needs_data
@pytest.mark.parametrize(
    "name, size, published",
    [
        ("yolov3.cfg", 320, 38.97),
        ("yolov3.cfg", 416, 65.86),
        ("yolov3.cfg", 608, 140.69),
        ("yolov3-tiny.cfg", 416, 5.56),
        ("alexnet.cfg", 227, 2.27),
        ("vgg-16.cfg", 256, 30.94),
        ("darknet19.cfg", 256, 7.29),
        ("resnet50.cfg", 256, 9.74),
    ],
)
def test_published_bflops(name, size, published):
    rep = analyze_text(_cfg(name), name, input_override=f"{size}x{size}x3")
    assert bflops(rep) == published


@needs_data
@pytest.mark.parametrize(
    "name, learnable, in_weights_file",
    [
        ("yolov3.cfg", 61_949_149, 62_001_757),  # + 52,608 BN running statistics
        ("alexnet.cfg", 62_378_344, 62_378_344),
        ("vgg-16.cfg", 138_357_544, 138_357_544),
        ("darknet19.cfg", None, 20_856_776),
        ("resnet50.cfg", None, 22_825_896),
    ],
)
def test_published_parameter_counts(name, learnable, in_weights_file):
    rep = analyze_text(_cfg(name), name)
    if learnable is not None:
        assert rep.totals.params == learnable
    # a .weights file holds biases, BN scales, rolling means and variances, and weights:
    # cnncalc's params (weights, biases, gamma) plus its buffers (the two BN statistics)
    assert rep.totals.params + rep.totals.buffers == in_weights_file


@needs_data
def test_yolov3_bn_statistics():
    assert analyze_text(_cfg("yolov3.cfg"), "yolov3.cfg").totals.buffers == 52_608


@needs_data
def test_yolov3_per_layer_printout_at_416():
    """pjreddie/darknet#1039: `0 conv 32 3x3/1 416x416x3 -> 416x416x32 0.299` and so on."""
    rep = analyze_text(_cfg("yolov3.cfg"), "yolov3.cfg", input_override="416x416x3")
    r = {x.name: x for x in rep.rows}
    shape_in = rep.graph.shape_of

    def bf(name: str) -> float:
        return round(2 * r[name].macs / 1e9, 3)

    assert tuple(shape_in(r["conv_0"].inputs[0])) == (416, 416, 3)
    assert tuple(r["conv_0"].output) == (416, 416, 32) and bf("conv_0") == 0.299
    assert tuple(r["conv_1"].output) == (208, 208, 64) and bf("conv_1") == 1.595
    assert r["conv_1"].leaf.layer.s == (2, 2)
    assert tuple(shape_in(r["conv_81"].inputs[0])) == (13, 13, 1024)
    assert tuple(r["conv_81"].output) == (13, 13, 255) and bf("conv_81") == 0.088
    assert tuple(shape_in(r["upsample_85"].inputs[0])) == (13, 13, 256)
    assert tuple(r["upsample_85"].output) == (26, 26, 256)
    assert r["route_86"].inputs == ("upsample_85", "shortcut_61")  # `86 route 85 61`
    assert tuple(shape_in(r["conv_87"].inputs[0])) == (26, 26, 768)
    assert tuple(r["conv_87"].output) == (26, 26, 256) and bf("conv_87") == 0.266


@needs_data
def test_vgg16_crops_256_to_224():
    r = {x.name: x for x in analyze_text(_cfg("vgg-16.cfg"), "vgg-16.cfg").rows}
    assert tuple(r["crop_0"].output) == (224, 224, 3)


# ---- files nobody here wrote: pjreddie/darknet cfg/resnext50.cfg, written out section by section

def _resnext50_cfg() -> str:
    def conv(filters: int, size: int, stride: int = 1, act: str = "leaky", groups: int = 1, bn: bool = True) -> str:
        return (f"[convolutional]\n{'batch_normalize=1' if bn else ''}\nfilters={filters}\nsize={size}\n"
                f"groups={groups}\nstride={stride}\npad=1\nactivation={act}\n\n")

    out = net(conv(64, 7, 2) + "[maxpool]\nsize=2\nstride=2\n\n", "height=256\nwidth=256\nchannels=3")
    for stage, (width, blocks) in enumerate(((128, 3), (256, 4), (512, 6), (1024, 3))):
        for k in range(blocks):
            stride = 2 if k == 0 and stage > 0 else 1
            out += conv(width, 1) + conv(width, 3, stride, groups=32) + conv(2 * width, 1, act="linear")
            out += "[shortcut]\nfrom=-4\nactivation=leaky\n\n"
    return out + "[avgpool]\n\n" + conv(1000, 1, act="linear", bn=False) + "[softmax]\ngroups=1\n"


def test_resnext50_is_torchvisions_without_the_projections():
    # torchvision's resnext50_32x4d has 25,028,904 params.  Darknet's [shortcut] adds without a
    # projection, so its four 1x1 projections and their BN are not there:
    #   64*256 + 256*512 + 512*1024 + 1024*2048 = 2,768,896 weights, 2*(256+512+1024+2048) = 7,680
    # and 25,028,904 - 2,776,576 = 22,252,328 (the 1000-filter 1x1 conv equals the fc: 2,049,000).
    report = run(_resnext50_cfg())
    assert report.totals.params == 25_028_904 - (2_768_896 + 7_680)
    assert tuple(report.rows[-1].output) == (1, 1, 1000)
    by_name = {r.name: r for r in report.rows}
    # a grouped 3x3: 128 filters over 128/32 = 4 channels each: 3*3*4*128 = 4,608 weights, no bias
    assert by_name["conv_3"].params == 4_608
