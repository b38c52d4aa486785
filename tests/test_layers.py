"""Every layer kind of SPEC §1, one parametrized table per kind.

Each expected value is worked by hand from the SPEC §1 formula (the arithmetic is in the comment
beside it). Where torch is importable, every case is also rebuilt as a torch module, run on a
zero tensor, and its output shape and parameter count compared (skipped cleanly without torch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError
from cnncalc.report import Report, Row

TorchBuilder = Callable[[Any], Any] | None  # nn -> module, given torch.nn


def network(input_: str, *entries: str) -> Report:
    text = f"input: {input_}\nlayers:\n" + "".join(f"  - {e}\n" for e in entries)
    return analyze_text(text, "t.yaml")


def one(input_: str, entry: str) -> Row:
    report = network(input_, entry)
    assert len(report.rows) == 1
    return report.rows[0]


# (id, input, entry, output, params, macs, torch module builder or None)
Case = tuple[str, str, str, tuple[int, ...], int, int, TorchBuilder]

CONV: list[Case] = [
    # the course: 100 filters of 3x3x3 -> 3*3*3*100 + 100 = 2,800 params;
    # 32x32x3 valid: (32 - 3)/1 + 1 = 30; MACs 30*30*100*27 = 2,430,000
    (
        "course-2800",
        "[32, 32, 3]",
        "conv: {filters: 100, f: 3}",
        (30, 30, 100),
        2800,
        2_430_000,
        lambda nn: nn.Conv2d(3, 100, 3),
    ),
    # LeNet conv1: (32 - 5)/1 + 1 = 28; 5*5*1*6 + 6 = 156; MACs 28*28*6*25 = 117,600
    (
        "lenet-conv1",
        "[32, 32, 1]",
        "conv: {filters: 6, f: 5, s: 1, padding: valid}",
        (28, 28, 6),
        156,
        117_600,
        lambda nn: nn.Conv2d(1, 6, 5),
    ),
    # stride 2, padding 1: (7 + 2 - 3)/2 + 1 = 4; 3*3*3*8 + 8 = 224; MACs 4*4*8*27 = 3,456
    (
        "stride-pad",
        "[7, 7, 3]",
        "conv: {filters: 8, f: 3, s: 2, padding: 1}",
        (4, 4, 8),
        224,
        3456,
        lambda nn: nn.Conv2d(3, 8, 3, 2, 1),
    ),
    # pairs: f [3, 1], s [2, 1], padding [1, 0] on 9x6x2:
    # H (9 + 2 - 3)/2 + 1 = 5, W (6 + 0 - 1)/1 + 1 = 6; 3*1*2*4 + 4 = 28; MACs 5*6*4*6 = 720
    (
        "pairs",
        "[9, 6, 2]",
        "conv: {filters: 4, f: [3, 1], s: [2, 1], padding: [1, 0]}",
        (5, 6, 4),
        28,
        720,
        lambda nn: nn.Conv2d(2, 4, (3, 1), (2, 1), (1, 0)),
    ),
    # dilation 2: effective kernel 2*(3-1)+1 = 5; (10 - 5)/1 + 1 = 6; 3*3*2*4 + 4 = 76; MACs 6*6*4*18 = 2,592
    (
        "dilation-2",
        "[10, 10, 2]",
        "conv: {filters: 4, f: 3, dilation: 2}",
        (6, 6, 4),
        76,
        2592,
        lambda nn: nn.Conv2d(2, 4, 3, dilation=2),
    ),
    # dilation pair [2, 1]: H (10 - 2*2 - 1)/1 + 1 = 6, W (10 - 2 - 1) + 1 = 8
    (
        "dilation-pair",
        "[10, 10, 2]",
        "conv: {filters: 4, f: 3, dilation: [2, 1]}",
        (6, 8, 4),
        76,
        6 * 8 * 4 * 18,
        lambda nn: nn.Conv2d(2, 4, 3, dilation=(2, 1)),
    ),
    # groups 2: 3*3*(8/2)*6 + 6 = 222; out (6 - 3) + 1 = 4; MACs 4*4*6*3*3*4 = 3,456
    (
        "groups",
        "[6, 6, 8]",
        "conv: {filters: 6, f: 3, groups: 2}",
        (4, 4, 6),
        222,
        3456,
        lambda nn: nn.Conv2d(8, 6, 3, groups=2),
    ),
    # bias false: 1*1*16*32 = 512; MACs 5*5*32*16 = 12,800
    (
        "no-bias",
        "[5, 5, 16]",
        "conv: {filters: 32, f: 1, bias: false}",
        (5, 5, 32),
        512,
        12_800,
        lambda nn: nn.Conv2d(16, 32, 1, bias=False),
    ),
    # TF same, n=5 f=3 s=2: n_out = ceil(5/2) = 3, total (3-1)*2 + 3 - 5 = 2 -> 1 top, 1 bottom
    (
        "same-5-3-2",
        "[5, 5, 1]",
        "conv: {filters: 2, f: 3, s: 2, padding: same}",
        (3, 3, 2),
        20,
        3 * 3 * 2 * 9,
        lambda nn: nn.Sequential(nn.ZeroPad2d((1, 1, 1, 1)), nn.Conv2d(1, 2, 3, 2)),
    ),
    # TF same, n=6 f=3 s=2: n_out = 3, total (3-1)*2 + 3 - 6 = 1 -> 0 before, 1 after (asymmetric)
    (
        "same-6-3-2",
        "[6, 6, 1]",
        "conv: {filters: 2, f: 3, s: 2, padding: same}",
        (3, 3, 2),
        20,
        3 * 3 * 2 * 9,
        lambda nn: nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(1, 2, 3, 2)),
    ),
    # TF same with dilation 2, n=7 f=3 s=1: n_out 7, total 6*1 + 2*2 + 1 - 7 = 4 -> 2 and 2
    (
        "same-dilated",
        "[7, 7, 1]",
        "conv: {filters: 1, f: 3, padding: same, dilation: 2}",
        (7, 7, 1),
        10,
        7 * 7 * 9,
        lambda nn: nn.Conv2d(1, 1, 3, padding=2, dilation=2),
    ),
    # [top, bottom, left, right] = [0, 1, 2, 0] on 4x4: H (4 + 1 - 2)/1 + 1 = 4, W (4 + 2 - 2) + 1 = 5
    (
        "pad-4",
        "[4, 4, 1]",
        "conv: {filters: 1, f: 2, padding: [0, 1, 2, 0]}",
        (4, 5, 1),
        5,
        4 * 5 * 4,
        lambda nn: nn.Sequential(nn.ZeroPad2d((2, 0, 0, 1)), nn.Conv2d(1, 1, 2)),
    ),
    # aliases: kernel_size = f, stride = s, out_channels = filters; conv2d = conv
    (
        "aliases",
        "[8, 8, 3]",
        "conv2d: {out_channels: 4, kernel_size: 2, stride: 2}",
        (4, 4, 4),
        2 * 2 * 3 * 4 + 4,
        4 * 4 * 4 * 12,
        lambda nn: nn.Conv2d(3, 4, 2, 2),
    ),
]

DEPTHWISE: list[Case] = [
    # groups = C_in = 6, filters = 6: 3*3*1*6 + 6 = 60; out 4 - 3 + 1 = 2; MACs 2*2*6*9 = 216
    ("plain", "[4, 4, 6]", "depthwise: {f: 3}", (2, 2, 6), 60, 216, lambda nn: nn.Conv2d(6, 6, 3, groups=6)),
    # multiplier 2: filters 12, 3*3*1*12 + 12 = 120; MACs 2*2*12*9 = 432
    (
        "multiplier",
        "[4, 4, 6]",
        "depthwise: {f: 3, multiplier: 2}",
        (2, 2, 12),
        120,
        432,
        lambda nn: nn.Conv2d(6, 12, 3, groups=6),
    ),
    # stride 2 same on 8: ceil(8/2) = 4, total (4-1)*2 + 3 - 8 = 1 -> 0, 1; no bias: 9*1*3 = 27
    (
        "same-s2",
        "[8, 8, 3]",
        "depthwise: {f: 3, s: 2, padding: same, bias: false}",
        (4, 4, 3),
        27,
        4 * 4 * 3 * 9,
        lambda nn: nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, 3, 3, 2, groups=3, bias=False)),
    ),
]

DECONV: list[Case] = [
    # (5-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 10; 3*3*2*3 + 3 = 57; MACs 5*5*2*9*3 = 1,350
    (
        "pad-outpad",
        "[5, 5, 2]",
        "deconv: {filters: 3, f: 3, s: 2, padding: 1, output_padding: 1}",
        (10, 10, 3),
        57,
        1350,
        lambda nn: nn.ConvTranspose2d(2, 3, 3, 2, 1, 1),
    ),
    # default padding 0: (5-1)*2 + 2 + 1 = 11
    (
        "pad-0",
        "[5, 5, 2]",
        "deconv: {filters: 3, f: 3, s: 2}",
        (11, 11, 3),
        57,
        1350,
        lambda nn: nn.ConvTranspose2d(2, 3, 3, 2),
    ),
    # valid: (n-1)s + f = 4*2 + 3 = 11 (torch: padding 0)
    (
        "valid",
        "[5, 5, 2]",
        "deconv: {filters: 3, f: 3, s: 2, padding: valid}",
        (11, 11, 3),
        57,
        1350,
        lambda nn: nn.ConvTranspose2d(2, 3, 3, 2),
    ),
    # same: n*s = 10 (torch: p=1, output_padding=1 gives 4*2 - 2 + 2 + 1 + 1 = 10)
    (
        "same",
        "[5, 5, 2]",
        "deconv: {filters: 3, f: 3, s: 2, padding: same}",
        (10, 10, 3),
        57,
        1350,
        lambda nn: nn.ConvTranspose2d(2, 3, 3, 2, 1, 1),
    ),
    # dilation 2, f 3, s 1, p 0: (4-1)*1 + 2*2 + 1 = 8; no bias: 3*3*4*2 = 72; MACs 4*4*4*9*2 = 1,152
    (
        "dilation",
        "[4, 4, 4]",
        "deconv: {filters: 2, f: 3, dilation: 2, bias: false}",
        (8, 8, 2),
        72,
        1152,
        lambda nn: nn.ConvTranspose2d(4, 2, 3, dilation=2, bias=False),
    ),
    # the DCGAN step: 4x4x8 -> f 4, s 2, p 1: 3*2 - 2 + 3 + 1 = 8; 4*4*8*4 + 4 = 516; MACs 4*4*8*16*4 = 8,192
    (
        "dcgan",
        "[4, 4, 8]",
        "deconv: {filters: 4, f: 4, s: 2, padding: 1}",
        (8, 8, 4),
        516,
        8192,
        lambda nn: nn.ConvTranspose2d(8, 4, 4, 2, 1),
    ),
    # pairs: f [3, 1], s [2, 1], padding [1, 0]: H 4*2 - 2 + 2 + 1 = 9, W 4*1 - 0 + 0 + 1 = 5
    (
        "pairs",
        "[5, 5, 1]",
        "deconv: {filters: 1, f: [3, 1], s: [2, 1], padding: [1, 0]}",
        (9, 5, 1),
        4,
        5 * 5 * 3,
        lambda nn: nn.ConvTranspose2d(1, 1, (3, 1), (2, 1), (1, 0)),
    ),
]

LOCAL: list[Case] = [
    # out (5 - 3) + 1 = 3; params 3*3*3 * (3*3*2 + 1) = 27 * 19 = 513; MACs 27 * 18 = 486
    ("plain", "[5, 5, 2]", "local: {filters: 3, f: 3}", (3, 3, 3), 513, 486, None),
    # no bias, stride 2 on 7: (7 - 3)/2 + 1 = 3; 3*3*4 * (3*3*1) = 324
    ("no-bias-s2", "[7, 7, 1]", "local: {filters: 4, f: 3, s: 2, bias: false}", (3, 3, 4), 324, 324, None),
]

POOL: list[Case] = [
    # LeNet pool1: (28 - 2)/2 + 1 = 14
    ("max", "[28, 28, 6]", "pool: {mode: max, f: 2, s: 2}", (14, 14, 6), 0, 0, lambda nn: nn.MaxPool2d(2, 2)),
    # s defaults to f: (9 - 3)/3 + 1 = 3
    ("s-is-f", "[9, 9, 2]", "pool: {f: 3}", (3, 3, 2), 0, 0, lambda nn: nn.MaxPool2d(3)),
    ("avg", "[8, 8, 2]", "pool: {mode: avg, f: 2}", (4, 4, 2), 0, 0, lambda nn: nn.AvgPool2d(2)),
    # overlapping AlexNet pool: (55 - 3)/2 + 1 = 27
    ("overlap", "[55, 55, 96]", "pool: {f: 3, s: 2}", (27, 27, 96), 0, 0, lambda nn: nn.MaxPool2d(3, 2)),
    # padding 1: (7 + 2 - 3)/2 + 1 = 4
    (
        "padding",
        "[7, 7, 1]",
        "pool: {f: 3, s: 2, padding: 1}",
        (4, 4, 1),
        0,
        0,
        lambda nn: nn.MaxPool2d(3, 2, 1),
    ),
    # ceil, n=5 f=2 s=2: ceil((5 - 2)/2) + 1 = 3; last window starts at 4 < 5, kept
    (
        "ceil-5-2-2",
        "[5, 5, 1]",
        "pool: {f: 2, s: 2, ceil: true}",
        (3, 3, 1),
        0,
        0,
        lambda nn: nn.MaxPool2d(2, 2, ceil_mode=True),
    ),
    # ceil, n=6 f=3 s=2 p=1: ceil((6 + 2 - 3)/2) + 1 = 4; last starts at 3*2 = 6 < 6 + 1, kept
    (
        "ceil-6-3-2-p1",
        "[6, 6, 1]",
        "pool: {f: 3, s: 2, padding: 1, ceil: true}",
        (4, 4, 1),
        0,
        0,
        lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    ),
    # ceil, n=5 f=2 s=2 p=1: ceil((5 + 2 - 2)/2) + 1 = 4, but the 4th window would start at
    # 3*2 = 6 >= 5 + 1 (in the right padding): dropped -> 3
    (
        "ceil-drop",
        "[5, 5, 1]",
        "pool: {f: 2, s: 2, padding: 1, ceil: true}",
        (3, 3, 1),
        0,
        0,
        lambda nn: nn.MaxPool2d(2, 2, 1, ceil_mode=True),
    ),
    # GoogLeNet: 112 -> f 3 s 2 ceil: ceil(109/2) + 1 = 56 (floor would give 55)
    (
        "ceil-googlenet",
        "[112, 112, 64]",
        "pool: {f: 3, s: 2, ceil: true}",
        (56, 56, 64),
        0,
        0,
        lambda nn: nn.MaxPool2d(3, 2, ceil_mode=True),
    ),
    # ceil with an exact division changes nothing: (8 - 2)/2 + 1 = 4
    (
        "ceil-exact",
        "[8, 8, 1]",
        "pool: {f: 2, s: 2, ceil: true}",
        (4, 4, 1),
        0,
        0,
        lambda nn: nn.MaxPool2d(2, 2, ceil_mode=True),
    ),
    # pairs: f [2, 3], s [2, 1]: H (8 - 2)/2 + 1 = 4, W (8 - 3)/1 + 1 = 6
    (
        "pairs",
        "[8, 8, 1]",
        "pool: {mode: avg, f: [2, 3], s: [2, 1]}",
        (4, 6, 1),
        0,
        0,
        lambda nn: nn.AvgPool2d((2, 3), (2, 1)),
    ),
    # aliases maxpool / avgpool
    ("maxpool-alias", "[4, 4, 1]", "maxpool: {f: 2}", (2, 2, 1), 0, 0, lambda nn: nn.MaxPool2d(2)),
    ("avgpool-alias", "[4, 4, 1]", "avgpool: {f: 2}", (2, 2, 1), 0, 0, lambda nn: nn.AvgPool2d(2)),
]

GLOBAL: list[Case] = [
    ("gap", "[7, 7, 512]", "gap", (1, 1, 512), 0, 0, lambda nn: nn.AdaptiveAvgPool2d(1)),
    ("gmp", "[7, 5, 8]", "gmp", (1, 1, 8), 0, 0, lambda nn: nn.AdaptiveMaxPool2d(1)),
    (
        "adaptive",
        "[13, 13, 256]",
        "adaptive_pool: {output: [6, 6]}",
        (6, 6, 256),
        0,
        0,
        lambda nn: nn.AdaptiveAvgPool2d((6, 6)),
    ),
    (
        "adaptive-max",
        "[9, 9, 4]",
        "adaptive_pool: {output: [2, 3], mode: max}",
        (2, 3, 4),
        0,
        0,
        lambda nn: nn.AdaptiveMaxPool2d((2, 3)),
    ),
    ("adaptive-short", "[9, 9, 4]", "adaptive_pool: 1", (1, 1, 4), 0, 0, lambda nn: nn.AdaptiveAvgPool2d(1)),
]

DENSE: list[Case] = [
    # implicit flatten: 32*32*3 = 3,072 inputs; 3072*10 + 10 = 30,730; MACs 30,720
    (
        "implicit-flatten",
        "[32, 32, 3]",
        "fc: 10",
        (10,),
        30_730,
        30_720,
        lambda nn: nn.Sequential(nn.Flatten(), nn.Linear(3072, 10)),
    ),
    # LeNet fc1: 5*5*16 = 400 inputs, 400*120 + 120 = 48,120
    (
        "lenet-fc1",
        "[5, 5, 16]",
        "fc: {units: 120, activation: relu}",
        (120,),
        48_120,
        48_000,
        lambda nn: nn.Sequential(nn.Flatten(), nn.Linear(400, 120)),
    ),
    # 1-D input, no bias: 84*10 = 840
    (
        "no-bias",
        "[84]",
        "fc: {units: 10, bias: false}",
        (10,),
        840,
        840,
        lambda nn: nn.Linear(84, 10, bias=False),
    ),
    ("dense-alias", "[84]", "dense: 10", (10,), 850, 840, lambda nn: nn.Linear(84, 10)),
    ("linear-alias", "[84]", "linear: {units: 10}", (10,), 850, 840, lambda nn: nn.Linear(84, 10)),
    # flatten: 5*5*16 = 400
    ("flatten", "[5, 5, 16]", "flatten", (400,), 0, 0, lambda nn: nn.Flatten()),
]

NORM: list[Case] = [
    # bn: 2C = 2*64 = 128 params (gamma, beta)
    ("bn", "[8, 8, 64]", "bn", (8, 8, 64), 128, 0, lambda nn: nn.BatchNorm2d(64)),
    ("batchnorm-alias", "[8, 8, 3]", "batchnorm", (8, 8, 3), 6, 0, lambda nn: nn.BatchNorm2d(3)),
    ("bn-1d", "[120]", "bn", (120,), 240, 0, lambda nn: nn.BatchNorm1d(120)),
    ("lrn", "[27, 27, 96]", "lrn", (27, 27, 96), 0, 0, lambda nn: nn.LocalResponseNorm(5)),
    (
        "lrn-args",
        "[27, 27, 96]",
        "lrn: {size: 3, alpha: 0.001, beta: 0.5, k: 2}",
        (27, 27, 96),
        0,
        0,
        lambda nn: nn.LocalResponseNorm(3, 0.001, 0.5, 2),
    ),
]

POINTWISE: list[Case] = [
    ("dropout", "[4, 4, 3]", "dropout: 0.5", (4, 4, 3), 0, 0, lambda nn: nn.Dropout(0.5)),
    ("dropout-map", "[10]", "dropout: {rate: 0.2}", (10,), 0, 0, lambda nn: nn.Dropout(0.2)),
    ("relu", "[4, 4, 3]", "relu", (4, 4, 3), 0, 0, lambda nn: nn.ReLU()),
    ("sigmoid", "[4, 4, 3]", "sigmoid", (4, 4, 3), 0, 0, lambda nn: nn.Sigmoid()),
    ("tanh", "[10]", "tanh", (10,), 0, 0, lambda nn: nn.Tanh()),
    ("softmax", "[10]", "softmax", (10,), 0, 0, lambda nn: nn.Softmax(dim=1)),
    ("leaky_relu", "[4, 4, 3]", "leaky_relu: 0.1", (4, 4, 3), 0, 0, lambda nn: nn.LeakyReLU(0.1)),
    ("gelu", "[4, 4, 3]", "gelu", (4, 4, 3), 0, 0, lambda nn: nn.GELU()),
]


def _crop(nn: Any, top: int, left: int, h: int, w: int) -> Any:
    class Crop(nn.Module):
        def forward(self, x: Any) -> Any:
            return x[:, :, top : top + h, left : left + w]

    return Crop()


def _split(nn: Any, groups: int, index: int) -> Any:
    class Split(nn.Module):
        def forward(self, x: Any) -> Any:
            return x.chunk(groups, dim=1)[index]

    return Split()


SPATIAL: list[Case] = [
    # zeropad 2: 5 + 2*2 = 9
    ("zeropad", "[5, 5, 3]", "zeropad: 2", (9, 9, 3), 0, 0, lambda nn: nn.ZeroPad2d(2)),
    # [p_h, p_w] = [1, 2]: 5 + 2 = 7, 5 + 4 = 9
    (
        "zeropad-pair",
        "[5, 5, 3]",
        "zeropad: {p: [1, 2]}",
        (7, 9, 3),
        0,
        0,
        lambda nn: nn.ZeroPad2d((2, 2, 1, 1)),
    ),
    # [top, bottom, left, right] = [0, 1, 2, 3]: 5 + 1 = 6, 5 + 5 = 10
    (
        "zeropad-4",
        "[5, 5, 3]",
        "zeropad: {p: [0, 1, 2, 3]}",
        (6, 10, 3),
        0,
        0,
        lambda nn: nn.ZeroPad2d((2, 3, 0, 1)),
    ),
    # upsample 2: 13 * 2 = 26
    ("upsample", "[13, 13, 256]", "upsample: 2", (26, 26, 256), 0, 0, lambda nn: nn.Upsample(scale_factor=2)),
    (
        "upsample-pair",
        "[4, 5, 1]",
        "upsample: {factor: [2, 3]}",
        (8, 15, 1),
        0,
        0,
        lambda nn: nn.Upsample(scale_factor=(2, 3)),
    ),
    # centre crop 7x7 -> 5x4 (offsets (7-5)//2 = 1, (7-4)//2 = 1)
    ("crop", "[7, 7, 2]", "crop: {output: [5, 4]}", (5, 4, 2), 0, 0, lambda nn: _crop(nn, 1, 1, 5, 4)),
    # split 12 channels into 3: 12/3 = 4
    ("split", "[4, 4, 12]", "split: {groups: 3, index: 2}", (4, 4, 4), 0, 0, lambda nn: _split(nn, 3, 2)),
    # space_to_depth 2: 26/2 = 13, 64 * 2^2 = 256
    (
        "space_to_depth",
        "[26, 26, 64]",
        "space_to_depth",
        (13, 13, 256),
        0,
        0,
        lambda nn: nn.PixelUnshuffle(2),
    ),
    ("reorg-3", "[6, 9, 1]", "reorg: {block: 3}", (2, 3, 9), 0, 0, lambda nn: nn.PixelUnshuffle(3)),
]

ALL = {
    "conv": CONV, "depthwise": DEPTHWISE, "deconv": DECONV, "local": LOCAL, "pool": POOL,
    "global": GLOBAL, "dense": DENSE, "norm": NORM, "pointwise": POINTWISE, "spatial": SPATIAL,
}  # fmt: skip
CASES = [pytest.param(*case[1:], id=f"{table}-{case[0]}") for table, cases in ALL.items() for case in cases]


@pytest.mark.parametrize(("input_", "entry", "output", "params", "macs", "builder"), CASES)
def test_layer(
    input_: str, entry: str, output: tuple[int, ...], params: int, macs: int, builder: Any
) -> None:
    row = one(input_, entry)
    assert row.output == output
    assert row.params == params
    assert row.macs == macs
    assert row.activations == _product(output)


def _product(values: tuple[int, ...]) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def _torch_run(torch: Any, module: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Run `module` on a zero tensor of cnncalc's `shape`; its output in cnncalc's layout."""
    x = torch.zeros(1, shape[2], shape[0], shape[1]) if len(shape) == 3 else torch.zeros(1, shape[0])
    module.eval()
    with torch.no_grad():
        y = module(x)
    return (y.shape[2], y.shape[3], y.shape[1]) if y.dim() == 4 else tuple(y.shape[1:])


@pytest.mark.parametrize(("input_", "entry", "output", "params", "macs", "builder"), CASES)
def test_layer_against_torch(
    input_: str, entry: str, output: tuple[int, ...], params: int, macs: int, builder: Any
) -> None:
    torch = pytest.importorskip("torch")
    if builder is None:
        pytest.skip("torch has no such layer")
    module = builder(torch.nn)
    report = network(input_, entry)
    row = report.rows[0]
    assert _torch_run(torch, module, tuple(report.input)) == tuple(row.output)
    assert sum(p.numel() for p in module.parameters()) == row.params


def test_bn_buffers_are_2c_not_params() -> None:
    # 2C = 2*64 = 128 params (gamma, beta) and 2C = 128 buffers (running mean, variance)
    row = one("[8, 8, 64]", "bn")
    assert (row.params, row.buffers, row.trainable) == (128, 128, 128)


def test_bn_buffers_against_torch() -> None:
    torch = pytest.importorskip("torch")
    bn = torch.nn.BatchNorm2d(64)
    stats = bn.running_mean.numel() + bn.running_var.numel()  # num_batches_tracked is bookkeeping
    assert one("[8, 8, 64]", "bn").buffers == stats


def test_activation_key_adds_no_row_and_relu_entry_does() -> None:
    assert len(network("[8, 8, 1]", "conv: {filters: 2, f: 3, activation: relu}").rows) == 1
    rows = network("[8, 8, 1]", "conv: {filters: 2, f: 3}", "relu").rows
    assert [r.kind for r in rows] == ["conv", "relu"]


# ---- merges ---------------------------------------------------------------------------------

MERGE_BRANCHES = ("conv: {filters: 3, f: 1, name: a}", "conv: {filters: 5, f: 1, name: b, from: input}")


def test_add_equal_shapes() -> None:
    rows = network(
        "[4, 4, 3]",
        "conv: {filters: 3, f: 1, name: a}",
        "conv: {filters: 3, f: 1, name: b, from: input}",
        "add: {from: [a, b, input]}",
    ).rows
    assert (rows[-1].output, rows[-1].params, rows[-1].inputs) == ((4, 4, 3), 0, ("a", "b", "input"))


def test_concat_adds_channels() -> None:
    # 3 + 5 + 3 (the input) = 11 channels
    rows = network("[4, 4, 3]", *MERGE_BRANCHES, "concat: {from: [a, b, input]}").rows
    assert (rows[-1].output, rows[-1].params) == ((4, 4, 11), 0)


def test_concat_against_torch() -> None:
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 3, 4, 4)
    y = torch.cat([torch.nn.Conv2d(3, 3, 1)(x), torch.nn.Conv2d(3, 5, 1)(x), x], dim=1)
    rows = network("[4, 4, 3]", *MERGE_BRANCHES, "concat: {from: [a, b, input]}").rows
    assert rows[-1].output == (y.shape[2], y.shape[3], y.shape[1])


def test_concat_of_vectors() -> None:
    rows = network(
        "[10]", "fc: {units: 4, name: a}", "fc: {units: 6, name: b, from: input}", "concat: {from: [a, b]}"
    ).rows
    assert rows[-1].output == (10,)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ((*MERGE_BRANCHES, "add: {from: [a, b]}"), "add1: add needs equal shapes, got 4 x 4 x 3, 4 x 4 x 5"),
        (
            (
                "conv: {filters: 3, f: 2, name: a}",
                "conv: {filters: 3, f: 1, name: b, from: input}",
                "concat: {from: [a, b]}",
            ),
            "concat1: concat needs equal n_H and n_W, got 3 x 3 x 3, 4 x 4 x 3",
        ),
        (("add: {from: [input]}",), "add reads 2 or more inputs, got 1"),
    ],
)
def test_merge_errors(entries: tuple[str, ...], message: str) -> None:
    with pytest.raises(CnnError) as info:
        network("[4, 4, 3]", *entries)
    assert message in info.value.message


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("input_", "entry", "message"),
    [
        # 5x5 kernel on 4 + 0 padding
        (
            "[4, 4, 1]",
            "conv: {filters: 1, f: 5}",
            "kernel of 5 (f=5, dilation=1) is larger than the padded input n_H = 4",
        ),
        # dilation 3: 3*(3-1) + 1 = 7 > 2 + 4 = 6
        ("[2, 9, 1]", "conv: {filters: 1, f: 3, dilation: 3, padding: 2}", "kernel of 7 (f=3, dilation=3)"),
        ("[4, 4, 1]", "pool: {f: 5}", "larger than the padded input"),
        (
            "[4, 4, 6]",
            "conv: {filters: 4, f: 1, groups: 4}",
            "input channels (6) are not divisible by groups (4)",
        ),
        ("[4, 4, 6]", "conv: {filters: 4, f: 1, groups: 3}", "filters (4) are not divisible by groups (3)"),
        ("[5, 5, 4]", "space_to_depth", "n_H = 5 is not divisible by the block size 2"),
        ("[4, 4, 6]", "split: {groups: 4}", "6 channels do not split into 4 equal groups"),
        ("[4, 4, 6]", "crop: {output: [5, 2]}", "cannot crop 4 x 4 to the larger 5 x 2"),
        ("[10]", "conv: {filters: 1, f: 1}", "conv needs an n_H x n_W x n_C input, got [10]"),
        ("[4, 4, 6]", "deconv: {filters: 1, f: 1, padding: 2}", "output size would be"),
        # same fixes n_out = n * s = 8 whatever output_padding says: refused, not ignored
        (
            "[4, 4, 6]",
            "deconv: {filters: 1, f: 4, s: 2, padding: same, output_padding: 1}",
            "output_padding does nothing with padding: same",
        ),
        ("[4, 4, 6]", "conv: {filters: 0, f: 1}", "expected a positive integer, got 0"),
        # a negative padding reads as English (it said "expected a at least 0 integer")
        ("[4, 4, 6]", "zeropad: -1", "zeropad 'p': expected an integer of at least 0, got -1"),
        ("[4, 4, 6]", "conv: {filters: 1, f: 1, padding: -1}", "expected an integer of at least 0, got -1"),
        # an empty value is YAML's null, and the message says so (not Python's None)
        ("[4, 4, 6]", "conv: {filters: 1, f: 1, padding: null}", "conv 'padding': expected an integer, got null"),
    ],
)
def test_shape_errors(input_: str, entry: str, message: str) -> None:
    with pytest.raises(CnnError) as info:
        one(input_, entry)
    assert message in info.value.message
    assert info.value.loc is not None and info.value.loc.line == 3


# ---- floor warnings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("input_", "entry", "expected"),
    [
        # (8 - 3)/2 = 2.5 -> 2: windows start 0, 2, 4 and end at 6; row 7 is never covered
        (
            "[8, 8, 1]",
            "conv: {filters: 1, f: 3, s: 2}",
            "conv1: n_H and n_W: 5/2 = 2.5 floored to 2, 1 input row and column never covered",
        ),
        # H exact (7 - 3)/2 = 2; W (8 - 3)/2 = 2.5: one column lost
        (
            "[7, 8, 1]",
            "conv: {filters: 1, f: 3, s: 2}",
            "conv1: n_W: 5/2 = 2.5 floored to 2, 1 input column never covered",
        ),
        # (10 - 3)/4 = 1.75 -> 1: windows at 0 and 4 end at 6; rows 7, 8, 9 lost
        (
            "[10, 9, 1]",
            "pool: {f: 3, s: 4}",
            "pool1: n_H: 7/4 = 1.75 floored to 1, 3 input rows never covered; "
            "n_W: 6/4 = 1.5 floored to 1, 2 input columns never covered",
        ),
        # padding 1, (8 + 2 - 3)/2 = 3.5 -> 3: the uncovered position is the bottom padding only
        (
            "[8, 8, 1]",
            "conv: {filters: 1, f: 3, s: 2, padding: 1}",
            "conv1: n_H and n_W: 7/2 = 3.5 floored to 3, only padding left uncovered",
        ),
    ],
)
def test_floor_warning(input_: str, entry: str, expected: str) -> None:
    report = network(input_, entry)
    # a floor that drops no input (only padding uncovered) is a note, not a warning (issue 14)
    found = report.notes if expected.endswith("only padding left uncovered") else report.warnings
    assert [w.message for w in report.warnings + report.notes] == [expected]
    assert found[0].layer == report.rows[0].name
    assert found[0].loc is not None and found[0].loc.line == 3


@pytest.mark.parametrize(
    "entry",
    [
        "conv: {filters: 1, f: 3, s: 2}",
        "conv: {filters: 1, f: 3, s: 3, padding: same}",
        "pool: {f: 3, s: 2, ceil: true}",
        "fc: 3",
        "conv: {filters: 1, f: 2, s: 2}",
    ],
)
def test_no_floor_warning_when_exact(entry: str) -> None:
    # 9x9: (9 - 3)/2 = 3 exact; same s 3: ceil(9/3) = 3, total 2*3 + 3 - 9 = 0, (9 - 3)/3 = 2 exact;
    # ceil mode rounds up instead; fc has no window; (10 - 2)/2 = 4 exact on 10x10
    size = "[10, 10, 1]" if "f: 2" in entry else "[9, 9, 1]"
    assert network(size, entry).warnings == []


def _uncovered(n: int, f: int, s: int, d: int, before: int, after: int) -> int:
    """Input rows no window touches after the last one, by enumerating the windows."""
    count = (n + before + after - d * (f - 1) - 1) // s + 1
    last = max((i * s + d * (f - 1) for i in range(count)), default=-1) - before
    return max(n - 1 - last, 0)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 40),
    f=st.integers(1, 7),
    s=st.integers(1, 6),
    d=st.integers(1, 3),
    before=st.integers(0, 3),
    after=st.integers(0, 3),
)
def test_floor_warning_counts_uncovered_rows(n: int, f: int, s: int, d: int, before: int, after: int) -> None:
    span = n + before + after - d * (f - 1) - 1
    if span < 0:
        return
    entry = (
        f"conv: {{filters: 1, f: [{f}, 1], s: [{s}, 1], dilation: [{d}, 1], "
        f"padding: [{before}, {after}, 0, 0]}}"
    )
    report = network(f"[{n}, 1, 1]", entry)
    assert report.rows[0].output[0] == span // s + 1
    if span % s == 0:
        assert report.warnings == [] and report.notes == []
        return
    (floor,) = report.warnings + report.notes
    lost = _uncovered(n, f, s, d, before, after)
    gap = s - (d * (f - 1) + 1)  # input rows the stride skips between two windows anyway
    tail = (
        f"{lost} input row{'s' if lost != 1 else ''} never covered" if lost else "only padding left uncovered"
    ) + (", as between any two windows (the stride skips them)" if 0 < lost <= gap else "")
    assert floor.message == f"conv1: n_H: {span}/{s} = {span / s:g} floored to {span // s}, {tail}"
    # harmless (a note, --strict passes) when it drops no row a window would otherwise read
    assert (floor in report.notes) == (lost <= max(gap, 0))


# ---- shapes against torch, for many sizes ---------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 20),
    f=st.integers(1, 5),
    s=st.integers(1, 4),
    d=st.integers(1, 2),
    p=st.integers(0, 2),
    ceil=st.booleans(),
    kind=st.sampled_from(["conv", "max", "avg", "deconv"]),
)
def test_sliding_rule_against_torch(n: int, f: int, s: int, d: int, p: int, ceil: bool, kind: str) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    if kind == "conv":
        entry = f"conv: {{filters: 2, f: {f}, s: {s}, dilation: {d}, padding: {p}}}"
        module = nn.Conv2d(1, 2, f, s, p, d)
    elif kind == "deconv":
        op = min(s, d) - 1 if max(s, d) > 1 else 0
        entry = f"deconv: {{filters: 2, f: {f}, s: {s}, dilation: {d}, padding: {p}, output_padding: {op}}}"
        module = nn.ConvTranspose2d(1, 2, f, s, p, op, dilation=d)
    else:
        if 2 * p > f:  # torch allows padding up to half the window
            p = f // 2
        entry = f"pool: {{mode: {kind}, f: {f}, s: {s}, padding: {p}, ceil: {str(ceil).lower()}}}"
        module = (
            nn.MaxPool2d(f, s, p, ceil_mode=ceil) if kind == "max" else nn.AvgPool2d(f, s, p, ceil_mode=ceil)
        )
    try:
        expected = _torch_run(torch, module, (n, n, 1))
    except RuntimeError:  # torch: output too small
        expected = (0,)
    if 0 in expected:  # torch refuses it, or gives an empty tensor: an error for cnncalc
        with pytest.raises(CnnError):
            one(f"[{n}, {n}, 1]", entry)
        return
    row = one(f"[{n}, {n}, 1]", entry)
    assert row.output == expected
    assert row.params == sum(q.numel() for q in module.parameters())


# ---- whole chains against torch -------------------------------------------------------------


@st.composite
def _chain(draw: st.DrawFn) -> tuple[tuple[int, int, int], list[tuple[str, Any]]]:
    """A random chain of layers: (YAML entry, torch builder taking the input channels)."""
    shape = (draw(st.integers(4, 24)), draw(st.integers(4, 24)), draw(st.sampled_from([1, 2, 3, 4, 6])))
    steps: list[tuple[str, Any]] = []
    c = shape[2]
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(
            st.sampled_from(["conv", "depthwise", "pool", "deconv", "bn", "relu", "zeropad", "upsample"])
        )
        f, s, d, p = (
            draw(st.integers(1, 4)),
            draw(st.integers(1, 3)),
            draw(st.integers(1, 2)),
            draw(st.integers(0, 2)),
        )
        if kind == "conv":
            groups = draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
            filters = groups * draw(st.integers(1, 3))
            bias = draw(st.booleans())
            entry = (
                f"conv: {{filters: {filters}, f: {f}, s: {s}, padding: {p}, dilation: {d}, groups: {groups}, "
                f"bias: {str(bias).lower()}}}"
            )
            steps.append((entry, lambda nn, c=c, a=(filters, f, s, p, d, groups, bias): nn.Conv2d(c, *a)))
            c = filters
        elif kind == "depthwise":
            m = draw(st.integers(1, 2))
            entry = f"depthwise: {{f: {f}, s: {s}, padding: {p}, multiplier: {m}}}"
            steps.append(
                (entry, lambda nn, c=c, a=(f, s, p, m): nn.Conv2d(c, c * a[3], a[0], a[1], a[2], groups=c))
            )
            c *= m
        elif kind == "pool":
            p = min(p, f // 2)
            ceil = draw(st.booleans())
            mode = draw(st.sampled_from(["max", "avg"]))
            entry = f"pool: {{mode: {mode}, f: {f}, s: {s}, padding: {p}, ceil: {str(ceil).lower()}}}"
            steps.append(
                (
                    entry,
                    lambda nn, a=(f, s, p, ceil), mode=mode: (
                        nn.MaxPool2d if mode == "max" else nn.AvgPool2d
                    )(a[0], a[1], a[2], ceil_mode=a[3]),
                )
            )
        elif kind == "deconv":
            filters = draw(st.integers(1, 4))
            op = draw(st.integers(0, max(s, d) - 1))
            entry = (
                f"deconv: {{filters: {filters}, f: {f}, s: {s}, padding: {p}, output_padding: {op}, "
                f"dilation: {d}}}"
            )
            steps.append(
                (entry, lambda nn, c=c, a=(filters, f, s, p, op, 1, True, d): nn.ConvTranspose2d(c, *a))
            )
            c = filters
        elif kind == "bn":
            steps.append(("bn", lambda nn, c=c: nn.BatchNorm2d(c)))
        elif kind == "relu":
            steps.append(("relu", lambda nn: nn.ReLU()))
        elif kind == "zeropad":
            steps.append((f"zeropad: {p}", lambda nn, p=p: nn.ZeroPad2d(p)))
        else:
            steps.append((f"upsample: {s}", lambda nn, s=s: nn.Upsample(scale_factor=s)))
    if draw(st.booleans()):
        steps.append(("gap", lambda nn: nn.AdaptiveAvgPool2d(1)))
    if draw(st.booleans()):
        units = draw(st.integers(1, 10))
        steps.append((f"fc: {units}", lambda nn, units=units: nn.LazyLinear(units)))
    return shape, steps


@settings(max_examples=60, deadline=None)
@given(chain=_chain())
def test_random_chains_against_torch(chain: tuple[tuple[int, int, int], list[tuple[str, Any]]]) -> None:
    """Every layer's output shape and parameter count, as PyTorch computes them, for whole chains."""
    torch = pytest.importorskip("torch")
    shape, steps = chain
    x = torch.zeros(1, shape[2], shape[0], shape[1])
    expected: list[tuple[tuple[int, ...], int]] = []
    with torch.no_grad():
        for _, build in steps:
            module = build(torch.nn).eval()
            if isinstance(module, torch.nn.LazyLinear):
                x = x.flatten(1)
            try:
                x = module(x)
            except RuntimeError:
                break
            if 0 in x.shape:
                break
            out = (x.shape[2], x.shape[3], x.shape[1]) if x.dim() == 4 else tuple(x.shape[1:])
            expected.append((out, sum(q.numel() for q in module.parameters())))
    entries = [entry for entry, _ in steps]
    if len(expected) < len(steps):  # torch refused a layer: so must cnncalc, at that layer
        with pytest.raises(CnnError) as info:
            network(f"[{shape[0]}, {shape[1]}, {shape[2]}]", *entries)
        assert info.value.loc is not None and info.value.loc.line == 3 + len(expected)
        return
    rows = network(f"[{shape[0]}, {shape[1]}, {shape[2]}]", *entries).rows
    assert [(row.output, row.params) for row in rows] == expected


def test_instance_norm_counts_and_refuses_one_value_per_channel() -> None:
    from cnncalc.errors import ShapeError
    from cnncalc.layers.instance_norm import InstanceNorm

    assert InstanceNorm().infer([(56, 56, 64)]).params == 2 * 64  # a scale and a bias per channel
    assert InstanceNorm(affine=False).infer([(7, 7, 3)]).params == 0
    with pytest.raises(ShapeError, match="1 x 1 here"):  # torch.nn.InstanceNorm2d refuses it too
        InstanceNorm().infer([(1, 1, 5)])
