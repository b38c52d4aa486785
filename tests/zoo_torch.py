"""The zoo's networks written out in PyTorch, one compact class per family, from torchvision's
source (torchvision does not import beside torch 2.13 here). Each builds what
`torchvision.models.NAME()` builds, layer for layer, in the order its forward runs them, so that
tests/test_zoo_torch.py can compare cnncalc's rows with the modules one by one.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


def conv_bn(c_in: int, c_out: int, k: Any = 1, s: int = 1, p: Any = None, g: int = 1, d: int = 1,
            act: Any = nn.ReLU, eps: float = 1e-5) -> nn.Sequential:
    """torchvision's Conv2dNormActivation: conv (no bias), batch norm, activation."""
    if p is None:
        p = (k - 1) // 2 * d if isinstance(k, int) else tuple((x - 1) // 2 for x in k)
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, k, s, p, dilation=d, groups=g, bias=False),
                               nn.BatchNorm2d(c_out, eps=eps)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


def make_divisible(v: float, d: int = 8) -> int:
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


class SE(nn.Module):
    """torchvision.ops.SqueezeExcitation: gap, fc1 (1x1 conv), act, fc2, gate, times x."""

    def __init__(self, c: int, squeeze: int, act: Any = nn.ReLU, gate: Any = nn.Sigmoid) -> None:
        super().__init__()
        self.avgpool, self.fc1, self.act = nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, squeeze, 1), act()
        self.fc2, self.gate = nn.Conv2d(squeeze, c, 1), gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.fc2(self.act(self.fc1(self.avgpool(x)))))


class Head(nn.Sequential):
    """Global average pooling, flatten, then the classifier layers given."""

    def __init__(self, *layers: nn.Module) -> None:
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Flatten(), *layers)


# ---- ResNet, ResNeXt, Wide ResNet, and FCN's dilated backbone ------------------------------------


class Bottleneck(nn.Module):
    def __init__(self, c_in: int, planes: int, s: int = 1, groups: int = 1, wpg: int = 64, d: int = 1) -> None:
        super().__init__()
        w = planes * wpg // 64 * groups
        self.conv1, self.bn1 = nn.Conv2d(c_in, w, 1, bias=False), nn.BatchNorm2d(w)
        self.conv2 = nn.Conv2d(w, w, 3, s, d, dilation=d, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.conv3, self.bn3 = nn.Conv2d(w, planes * 4, 1, bias=False), nn.BatchNorm2d(planes * 4)
        self.down = None
        if s != 1 or c_in != planes * 4:
            self.down = nn.Sequential(nn.Conv2d(c_in, planes * 4, 1, s, bias=False), nn.BatchNorm2d(planes * 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (x if self.down is None else self.down(x)))


class Basic(nn.Module):
    def __init__(self, c_in: int, planes: int, s: int = 1, **_: Any) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c_in, planes, 3, s, 1, bias=False), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False), nn.BatchNorm2d(planes)
        self.down = None
        if s != 1 or c_in != planes:
            self.down = nn.Sequential(nn.Conv2d(c_in, planes, 1, s, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (x if self.down is None else self.down(x)))


class ResNet(nn.Module):
    """torchvision.models.resnet.ResNet; `dilate` replaces layer3/4's stride by dilation (FCN)."""

    def __init__(self, block: str, depths: list[int], groups: int = 1, wpg: int = 64, dilate: bool = False,
                 classes: int = 1000) -> None:
        super().__init__()
        cls, exp = (Basic, 1) if block == "basic" else (Bottleneck, 4)
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        layers, c_in, dilation = [], 64, 1
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), depths)):
            s = 1 if i == 0 else 2
            previous = dilation
            if dilate and i >= 2:
                dilation, s = dilation * 2, 1
            blocks = [cls(c_in, planes, s, groups=groups, wpg=wpg, d=previous)]
            c_in = planes * exp
            blocks += [cls(c_in, planes, groups=groups, wpg=wpg, d=dilation) for _ in range(n - 1)]
            layers.append(nn.Sequential(*blocks))
        self.layers = nn.Sequential(*layers)
        self.head = None if dilate else Head(nn.Linear(512 * exp, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layers(self.stem(x))
        return x if self.head is None else self.head(x)


class FCN(nn.Module):
    """torchvision.models.segmentation.fcn_resnet50(): dilated ResNet-50, FCNHead, upsampling."""

    def __init__(self, classes: int = 21) -> None:
        super().__init__()
        self.backbone = ResNet("bottleneck", [3, 4, 6, 3], dilate=True)
        self.head = nn.Sequential(conv_bn(2048, 512, 3), nn.Dropout(0.1), nn.Conv2d(512, classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(self.head(self.backbone(x)), size=x.shape[-2:], mode="bilinear", align_corners=False)


def fcn_aux_head() -> nn.Module:
    """The FCNHead(1024, 21) torchvision's segmentation weights add on layer3 (65 x 65 x 1024)."""
    return nn.Sequential(conv_bn(1024, 256, 3), nn.Dropout(0.1), nn.Conv2d(256, 21, 1))


# ---- VGG -------------------------------------------------------------------------------------------


class VGG(nn.Sequential):
    def __init__(self, cfg: list[Any], bn: bool) -> None:
        layers: list[nn.Module] = []
        c_in = 3
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
                continue
            layers.append(nn.Conv2d(c_in, v, 3, padding=1))
            layers += [nn.BatchNorm2d(v), nn.ReLU()] if bn else [nn.ReLU()]
            c_in = v
        layers += [nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(512 * 49, 4096), nn.ReLU(), nn.Dropout(),
                   nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000)]
        super().__init__(*layers)


VGG_CFG = {
    "11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


# ---- MobileNets, MnasNet, EfficientNets --------------------------------------------------------------


class MobileNetV1(nn.Sequential):
    """keras.applications.MobileNet: TensorFlow 'same' (a strided 3x3 on an even size pads 0, 1)."""

    def __init__(self) -> None:
        def same(c: int, s: int, g: int = 1, c_out: int | None = None) -> list[nn.Module]:
            pad = [nn.ZeroPad2d((0, 1, 0, 1))] if s == 2 else []
            out = c_out or c
            return [*pad, nn.Conv2d(c, out, 3, s, 0 if s == 2 else 1, groups=g, bias=False), nn.BatchNorm2d(out),
                    nn.ReLU6()]

        layers = same(3, 2, c_out=32)
        c = 32
        for out, s in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2),
                       (1024, 1)]:
            layers += same(c, s, g=c)
            layers += [nn.Conv2d(c, out, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU6()]
            c = out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Dropout(1e-3), nn.Conv2d(1024, 1000, 1), nn.Flatten(), nn.Softmax(1)]
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2/V3, MnasNet, EfficientNet (MBConv) and EfficientNetV2's Fused-MBConv blocks."""

    def __init__(self, c_in: int, exp: int, c_out: int, k: int = 3, s: int = 1, act: Any = nn.ReLU6,
                 se: int = 0, se_act: Any = nn.ReLU, gate: Any = nn.Sigmoid, fused: bool = False,
                 eps: float = 1e-5) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        if fused:
            if exp != c_in:
                layers += [conv_bn(c_in, exp, k, s, act=act, eps=eps), conv_bn(exp, c_out, 1, act=None, eps=eps)]
            else:
                layers += [conv_bn(c_in, c_out, k, s, act=act, eps=eps)]
        else:
            if exp != c_in:
                layers.append(conv_bn(c_in, exp, 1, act=act, eps=eps))
            layers.append(conv_bn(exp, exp, k, s, g=exp, act=act, eps=eps))
            if se:
                layers.append(SE(exp, se, se_act, gate))
            layers.append(conv_bn(exp, c_out, 1, act=None, eps=eps))
        self.block = nn.Sequential(*layers)
        self.skip = s == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x) if self.skip else self.block(x)


class MobileNetV2(nn.Sequential):
    def __init__(self) -> None:
        layers: list[nn.Module] = [conv_bn(3, 32, 3, 2, act=nn.ReLU6)]
        c = 32
        for t, out, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                             (6, 160, 3, 2), (6, 320, 1, 1)]:
            for i in range(n):
                layers.append(InvertedResidual(c, c * t, out, 3, s if i == 0 else 1))
                c = out
        layers += [conv_bn(320, 1280, 1, act=nn.ReLU6), Head(nn.Dropout(0.2), nn.Linear(1280, 1000))]
        super().__init__(*layers)


V3_LARGE = [  # input, kernel, expanded, out, SE, activation, stride (torchvision's bneck_conf)
    (16, 3, 16, 16, 0, "RE", 1), (16, 3, 64, 24, 0, "RE", 2), (24, 3, 72, 24, 0, "RE", 1),
    (24, 5, 72, 40, 1, "RE", 2), (40, 5, 120, 40, 1, "RE", 1), (40, 5, 120, 40, 1, "RE", 1),
    (40, 3, 240, 80, 0, "HS", 2), (80, 3, 200, 80, 0, "HS", 1), (80, 3, 184, 80, 0, "HS", 1),
    (80, 3, 184, 80, 0, "HS", 1), (80, 3, 480, 112, 1, "HS", 1), (112, 3, 672, 112, 1, "HS", 1),
    (112, 5, 672, 160, 1, "HS", 2), (160, 5, 960, 160, 1, "HS", 1), (160, 5, 960, 160, 1, "HS", 1),
]
V3_SMALL = [
    (16, 3, 16, 16, 1, "RE", 2), (16, 3, 72, 24, 0, "RE", 2), (24, 3, 88, 24, 0, "RE", 1),
    (24, 5, 96, 40, 1, "HS", 2), (40, 5, 240, 40, 1, "HS", 1), (40, 5, 240, 40, 1, "HS", 1),
    (40, 5, 120, 48, 1, "HS", 1), (48, 5, 144, 48, 1, "HS", 1), (48, 5, 288, 96, 1, "HS", 2),
    (96, 5, 576, 96, 1, "HS", 1), (96, 5, 576, 96, 1, "HS", 1),
]


class MobileNetV3(nn.Sequential):
    def __init__(self, config: list[tuple[Any, ...]], last: int) -> None:
        layers: list[nn.Module] = [conv_bn(3, 16, 3, 2, act=nn.Hardswish)]
        for c_in, k, exp, out, se, a, s in config:
            act = nn.ReLU if a == "RE" else nn.Hardswish
            squeeze = make_divisible(exp // 4) if se else 0
            layers.append(InvertedResidual(c_in, exp, out, k, s, act, squeeze, nn.ReLU, nn.Hardsigmoid))
        c = config[-1][3]
        layers += [conv_bn(c, 6 * c, 1, act=nn.Hardswish),
                   Head(nn.Linear(6 * c, last), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(last, 1000))]
        super().__init__(*layers)


class MnasNet(nn.Sequential):
    def __init__(self) -> None:
        layers: list[nn.Module] = [conv_bn(3, 32, 3, 2), conv_bn(32, 32, 3, g=32), conv_bn(32, 16, 1, act=None)]
        c = 16
        for out, k, s, t, n in [(24, 3, 2, 3, 3), (40, 5, 2, 3, 3), (80, 5, 2, 6, 3), (96, 3, 1, 6, 2),
                                (192, 5, 2, 6, 4), (320, 3, 1, 6, 1)]:
            for i in range(n):
                layers.append(InvertedResidual(c, c * t, out, k, s if i == 0 else 1, nn.ReLU))
                c = out
        layers += [conv_bn(320, 1280, 1), Head(nn.Dropout(0.2), nn.Linear(1280, 1000))]
        super().__init__(*layers)


EFFICIENTNET = {  # width, depth, dropout
    "b0": (1.0, 1.0, 0.2), "b1": (1.0, 1.1, 0.2), "b2": (1.1, 1.2, 0.3), "b3": (1.2, 1.4, 0.3),
}
B0_STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
             (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
V2_S_STAGES = [  # fused, expansion, kernel, stride, input, output, layers
    (True, 1, 3, 1, 24, 24, 2), (True, 4, 3, 2, 24, 48, 4), (True, 4, 3, 2, 48, 64, 4),
    (False, 4, 3, 2, 64, 128, 6), (False, 6, 3, 1, 128, 160, 9), (False, 6, 3, 2, 160, 256, 15),
]


class EfficientNet(nn.Sequential):
    def __init__(self, variant: str) -> None:
        eps = 1e-5
        if variant == "v2_s":
            eps, stages, last, dropout = 1e-3, V2_S_STAGES, 1280, 0.2
        else:
            w, d, dropout = EFFICIENTNET[variant]
            stages = [(False, t, k, s, make_divisible(ci * w), make_divisible(co * w), math.ceil(n * d))
                      for t, k, s, ci, co, n in B0_STAGES]
            last = 4 * stages[-1][5]
        layers: list[nn.Module] = [conv_bn(3, stages[0][4], 3, 2, act=nn.SiLU, eps=eps)]
        for fused, t, k, s, c_in, c_out, n in stages:
            for i in range(n):
                c = c_in if i == 0 else c_out
                layers.append(InvertedResidual(c, c * t, c_out, k, s if i == 0 else 1, nn.SiLU,
                                               0 if fused else max(1, c // 4), nn.SiLU, nn.Sigmoid, fused, eps))
        layers += [conv_bn(stages[-1][5], last, 1, act=nn.SiLU, eps=eps),
                   Head(nn.Dropout(dropout), nn.Linear(last, 1000))]
        super().__init__(*layers)


# ---- DenseNet, SqueezeNet, ShuffleNetV2, RegNet, ConvNeXt --------------------------------------------


class DenseLayer(nn.Module):
    def __init__(self, c_in: int, k: int) -> None:
        super().__init__()
        self.path = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * k, 1, bias=False),
                                  nn.BatchNorm2d(4 * k), nn.ReLU(), nn.Conv2d(4 * k, k, 3, padding=1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.path(x)], 1)


class DenseNet(nn.Sequential):
    def __init__(self, k: int, blocks: tuple[int, ...], c0: int) -> None:
        layers: list[nn.Module] = [nn.Conv2d(3, c0, 7, 2, 3, bias=False), nn.BatchNorm2d(c0), nn.ReLU(),
                                   nn.MaxPool2d(3, 2, 1)]
        c = c0
        for i, n in enumerate(blocks):
            for _ in range(n):
                layers.append(DenseLayer(c, k))
                c += k
            if i != len(blocks) - 1:
                layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2, 2)]
                c //= 2
        layers += [nn.BatchNorm2d(c), nn.ReLU(), Head(nn.Linear(c, 1000))]
        super().__init__(*layers)


class Fire(nn.Module):
    def __init__(self, c_in: int, squeeze: int, expand: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.e1, self.e3 = nn.Conv2d(squeeze, expand, 1), nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.e1(x)), F.relu(self.e3(x))], 1)


class SqueezeNet(nn.Sequential):
    def __init__(self, version: str) -> None:
        pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        if version == "1_0":
            body = [nn.Conv2d(3, 96, 7, 2), nn.ReLU(), pool, Fire(96, 16, 64), Fire(128, 16, 64), Fire(128, 32, 128),
                    pool, Fire(256, 32, 128), Fire(256, 48, 192), Fire(384, 48, 192), Fire(384, 64, 256), pool,
                    Fire(512, 64, 256)]
        else:
            body = [nn.Conv2d(3, 64, 3, 2), nn.ReLU(), pool, Fire(64, 16, 64), Fire(128, 16, 64), pool,
                    Fire(128, 32, 128), Fire(256, 32, 128), pool, Fire(256, 48, 192), Fire(384, 48, 192),
                    Fire(384, 64, 256), Fire(512, 64, 256)]
        super().__init__(*body, nn.Dropout(0.5), nn.Conv2d(512, 1000, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten())


class ShuffleUnit(nn.Module):
    def __init__(self, c_in: int, c_out: int, s: int) -> None:
        super().__init__()
        half = c_out // 2
        self.s = s
        if s > 1:
            self.branch1 = nn.Sequential(conv_bn(c_in, c_in, 3, s, g=c_in, act=None), conv_bn(c_in, half, 1))
        self.branch2 = nn.Sequential(conv_bn(c_in if s > 1 else half, half, 1),
                                     conv_bn(half, half, 3, s, g=half, act=None), conv_bn(half, half, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.s == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        n, c, h, w = out.shape  # torchvision's channel_shuffle(out, 2)
        return out.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w)


class ShuffleNetV2(nn.Sequential):
    def __init__(self, widths: tuple[int, int, int]) -> None:
        layers: list[nn.Module] = [conv_bn(3, 24, 3, 2), nn.MaxPool2d(3, 2, 1)]
        c = 24
        for out, n in zip(widths, (4, 8, 4)):
            layers += [ShuffleUnit(c, out, 2), *[ShuffleUnit(out, out, 1) for _ in range(n - 1)]]
            c = out
        layers += [conv_bn(c, 1024, 1), Head(nn.Linear(1024, 1000))]
        super().__init__(*layers)


class RegNetBlock(nn.Module):
    def __init__(self, c_in: int, w: int, s: int, group_width: int, se: bool) -> None:
        super().__init__()
        layers = [conv_bn(c_in, w, 1), conv_bn(w, w, 3, s, g=w // group_width)]
        if se:
            layers.append(SE(w, round(0.25 * c_in)))
        layers.append(conv_bn(w, w, 1, act=None))
        self.f = nn.Sequential(*layers)
        self.proj = conv_bn(c_in, w, 1, s, act=None) if (c_in != w or s != 1) else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.f(x)
        return F.relu(out + (x if self.proj is None else self.proj(x)))


class RegNet(nn.Sequential):
    def __init__(self, widths: list[int], depths: list[int], group_width: int, se: bool) -> None:
        layers: list[nn.Module] = [conv_bn(3, 32, 3, 2)]
        c = 32
        for w, n in zip(widths, depths):
            for i in range(n):
                layers.append(RegNetBlock(c, w, 2 if i == 0 else 1, group_width, se))
                c = w
        layers.append(Head(nn.Linear(c, 1000)))
        super().__init__(*layers)


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias,
                            self.eps).permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * 1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(self.dw(x).permute(0, 2, 3, 1))
        y = self.fc2(F.gelu(self.fc1(y))).permute(0, 3, 1, 2)
        return x + self.layer_scale * y  # stochastic depth: the identity in eval


class ConvNeXt(nn.Sequential):
    def __init__(self, dims: tuple[int, ...] = (96, 192, 384, 768), depths: tuple[int, ...] = (3, 3, 9, 3)) -> None:
        layers: list[nn.Module] = [nn.Conv2d(3, dims[0], 4, 4), LayerNorm2d(dims[0], eps=1e-6)]
        for i, (dim, n) in enumerate(zip(dims, depths)):
            layers += [CNBlock(dim) for _ in range(n)]
            if i + 1 < len(dims):
                layers += [LayerNorm2d(dim, eps=1e-6), nn.Conv2d(dim, dims[i + 1], 2, 2)]
        layers += [nn.AdaptiveAvgPool2d(1), LayerNorm2d(dims[-1], eps=1e-6), nn.Flatten(), nn.Linear(dims[-1], 1000)]
        super().__init__(*layers)


# ---- Inception v3, GoogLeNet (torchvision), U-Net -------------------------------------------------


def bc(c_in: int, c_out: int, k: Any = 1, s: int = 1, p: Any = 0) -> nn.Sequential:
    """torchvision's BasicConv2d: conv (no bias), batch norm (eps 1e-3), ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, s, p, bias=False), nn.BatchNorm2d(c_out, eps=0.001), nn.ReLU())


class Branches(nn.Module):
    """Branches on one input, concatenated in order."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], 1)


def split_3x3(c_in: int) -> Branches:
    return Branches(bc(c_in, 384, (1, 3), p=(0, 1)), bc(c_in, 384, (3, 1), p=(1, 0)))


def inception_a(c: int, pool: int) -> Branches:
    return Branches(bc(c, 64), nn.Sequential(bc(c, 48), bc(48, 64, 5, p=2)),
                    nn.Sequential(bc(c, 64), bc(64, 96, 3, p=1), bc(96, 96, 3, p=1)),
                    nn.Sequential(nn.AvgPool2d(3, 1, 1), bc(c, pool)))


def inception_c(c: int, c7: int) -> Branches:
    return Branches(bc(c, 192), nn.Sequential(bc(c, c7), bc(c7, c7, (1, 7), p=(0, 3)), bc(c7, 192, (7, 1), p=(3, 0))),
                    nn.Sequential(bc(c, c7), bc(c7, c7, (7, 1), p=(3, 0)), bc(c7, c7, (1, 7), p=(0, 3)),
                                  bc(c7, c7, (7, 1), p=(3, 0)), bc(c7, 192, (1, 7), p=(0, 3))),
                    nn.Sequential(nn.AvgPool2d(3, 1, 1), bc(c, 192)))


def inception_e(c: int) -> Branches:
    return Branches(bc(c, 320), nn.Sequential(bc(c, 384), split_3x3(384)),
                    nn.Sequential(bc(c, 448), bc(448, 384, 3, p=1), split_3x3(384)),
                    nn.Sequential(nn.AvgPool2d(3, 1, 1), bc(c, 192)))


class Inception3(nn.Module):
    """torchvision.models.inception_v3() (aux_logits=True): the auxiliary classifier on Mixed_6e
    runs here after Mixed_6e, as cnncalc places it, so the rows line up."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(bc(3, 32, 3, 2), bc(32, 32, 3), bc(32, 64, 3, p=1), nn.MaxPool2d(3, 2),
                                  bc(64, 80), bc(80, 192, 3), nn.MaxPool2d(3, 2))
        self.mixed_5_6 = nn.Sequential(
            inception_a(192, 32), inception_a(256, 64), inception_a(288, 64),
            Branches(bc(288, 384, 3, 2), nn.Sequential(bc(288, 64), bc(64, 96, 3, p=1), bc(96, 96, 3, 2)),
                     nn.MaxPool2d(3, 2)),
            inception_c(768, 128), inception_c(768, 160), inception_c(768, 160), inception_c(768, 192))
        self.aux = nn.Sequential(nn.AvgPool2d(5, 3), bc(768, 128), bc(128, 768, 5), Head(nn.Linear(768, 1000)))
        self.mixed_7 = nn.Sequential(
            Branches(nn.Sequential(bc(768, 192), bc(192, 320, 3, 2)),
                     nn.Sequential(bc(768, 192), bc(192, 192, (1, 7), p=(0, 3)), bc(192, 192, (7, 1), p=(3, 0)),
                                   bc(192, 192, 3, 2)),
                     nn.MaxPool2d(3, 2)),
            inception_e(1280), inception_e(2048))
        self.head = Head(nn.Dropout(0.5), nn.Linear(2048, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.mixed_5_6(self.stem(x))
        self.aux(x)
        return self.head(self.mixed_7(x))


class GoogLeNetAux(nn.Sequential):
    def __init__(self, c_in: int) -> None:
        super().__init__(nn.AdaptiveAvgPool2d(4), bc(c_in, 128), nn.Flatten(), nn.Linear(2048, 1024), nn.ReLU(),
                         nn.Dropout(0.7), nn.Linear(1024, 1000))


def googlenet_inception(c: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pool: int) -> Branches:
    return Branches(bc(c, c1), nn.Sequential(bc(c, c3r), bc(c3r, c3, 3, p=1)),
                    nn.Sequential(bc(c, c5r), bc(c5r, c5, 3, p=1)),  # torchvision's 3x3 here
                    nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), bc(c, pool)))


class GoogLeNet(nn.Module):
    """torchvision.models.googlenet() (aux_logits=True): each auxiliary classifier runs right after
    the inception it reads, as cnncalc places it."""

    def __init__(self) -> None:
        super().__init__()
        pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.a = nn.Sequential(bc(3, 64, 7, 2, 3), pool, bc(64, 64), bc(64, 192, 3, p=1),
                               nn.MaxPool2d(3, 2, ceil_mode=True),
                               googlenet_inception(192, 64, 96, 128, 16, 32, 32),
                               googlenet_inception(256, 128, 128, 192, 32, 96, 64), nn.MaxPool2d(3, 2, ceil_mode=True),
                               googlenet_inception(480, 192, 96, 208, 16, 48, 64))
        self.aux1 = GoogLeNetAux(512)
        self.b = nn.Sequential(googlenet_inception(512, 160, 112, 224, 24, 64, 64),
                               googlenet_inception(512, 128, 128, 256, 24, 64, 64),
                               googlenet_inception(512, 112, 144, 288, 32, 64, 64))
        self.aux2 = GoogLeNetAux(528)
        self.c = nn.Sequential(googlenet_inception(528, 256, 160, 320, 32, 128, 128),
                               nn.MaxPool2d(2, 2, ceil_mode=True),
                               googlenet_inception(832, 256, 160, 320, 32, 128, 128),
                               googlenet_inception(832, 384, 192, 384, 48, 128, 128),
                               Head(nn.Dropout(0.2), nn.Linear(1024, 1000)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.a(x)
        self.aux1(x)
        x = self.b(x)
        self.aux2(x)
        return self.c(x)


def double_conv(c_in: int, c: int) -> nn.Sequential:
    return nn.Sequential(conv_bn(c_in, c, 3), conv_bn(c, c, 3))


class UNet(nn.Module):
    """milesial/Pytorch-UNet (bilinear=False) at base width 16: DoubleConv, Down, Up (skip first)."""

    def __init__(self, c_in: int = 1, classes: int = 2, base: int = 16) -> None:
        super().__init__()
        w = [base * 2**i for i in range(5)]
        self.enc = nn.ModuleList([double_conv(c_in, w[0])] + [
            nn.Sequential(nn.MaxPool2d(2), double_conv(w[i], w[i + 1])) for i in range(4)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(w[i + 1], w[i], 2, 2) for i in reversed(range(4))])
        self.dec = nn.ModuleList([double_conv(2 * w[i], w[i]) for i in reversed(range(4))])
        self.out = nn.Conv2d(base, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for enc in self.enc:
            x = enc(x)
            skips.append(x)
        x = skips.pop()
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([skips.pop(), up(x)], 1))
        return self.out(x)


# name -> (module builder, input C x H x W)
MODELS: dict[str, tuple[Any, tuple[int, int, int]]] = {
    **{f"resnet{n}": ((lambda b=b, d=d: ResNet(b, d)), (3, 224, 224)) for n, b, d in [
        (18, "basic", [2, 2, 2, 2]), (34, "basic", [3, 4, 6, 3]), (50, "bottleneck", [3, 4, 6, 3]),
        (101, "bottleneck", [3, 4, 23, 3]), (152, "bottleneck", [3, 8, 36, 3])]},
    "resnext50_32x4d": (lambda: ResNet("bottleneck", [3, 4, 6, 3], 32, 4), (3, 224, 224)),
    "resnext101_32x8d": (lambda: ResNet("bottleneck", [3, 4, 23, 3], 32, 8), (3, 224, 224)),
    "wide_resnet50_2": (lambda: ResNet("bottleneck", [3, 4, 6, 3], 1, 128), (3, 224, 224)),
    "fcn_resnet50": (FCN, (3, 520, 520)),
    **{f"vgg{n}{bn}": ((lambda n=n, bn=bn: VGG(VGG_CFG[n], bool(bn))), (3, 224, 224))
       for n in VGG_CFG for bn in ("", "_bn")},
    "mobilenet_v1": (MobileNetV1, (3, 224, 224)),
    "mobilenet_v2": (MobileNetV2, (3, 224, 224)),
    "mobilenet_v3_large": (lambda: MobileNetV3(V3_LARGE, 1280), (3, 224, 224)),
    "mobilenet_v3_small": (lambda: MobileNetV3(V3_SMALL, 1024), (3, 224, 224)),
    "mnasnet1_0": (MnasNet, (3, 224, 224)),
    **{f"efficientnet_{v}": ((lambda v=v: EfficientNet(v)), (3, size, size))
       for v, size in [("b0", 224), ("b1", 240), ("b2", 288), ("b3", 300), ("v2_s", 384)]},
    **{f"densenet{n}": ((lambda k=k, b=b, c=c: DenseNet(k, b, c)), (3, 224, 224)) for n, k, b, c in [
        (121, 32, (6, 12, 24, 16), 64), (161, 48, (6, 12, 36, 24), 96), (169, 32, (6, 12, 32, 32), 64),
        (201, 32, (6, 12, 48, 32), 64)]},
    "squeezenet1_0": (lambda: SqueezeNet("1_0"), (3, 224, 224)),
    "squeezenet1_1": (lambda: SqueezeNet("1_1"), (3, 224, 224)),
    "shufflenet_v2_x0_5": (lambda: ShuffleNetV2((48, 96, 192)), (3, 224, 224)),
    "shufflenet_v2_x1_0": (lambda: ShuffleNetV2((116, 232, 464)), (3, 224, 224)),
    "regnet_x_400mf": (lambda: RegNet([32, 64, 160, 400], [1, 2, 7, 12], 16, False), (3, 224, 224)),
    "regnet_y_400mf": (lambda: RegNet([48, 104, 208, 440], [1, 3, 6, 6], 8, True), (3, 224, 224)),
    "convnext_tiny": (ConvNeXt, (3, 224, 224)),
    "inception_v3": (Inception3, (3, 299, 299)),
    "googlenet_torchvision": (GoogLeNet, (3, 224, 224)),
    "unet_small": (UNet, (1, 256, 256)),
}
