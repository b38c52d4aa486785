"""The bundled architectures against their published numbers, and against PyTorch itself.

Every expected number here comes from outside cnncalc: a published total (torchvision's weight
metadata `num_params` and `_ops`, the course's tables, Szegedy et al.'s filter counts), a formula
worked by hand in a comment, or a PyTorch module written out below and run.
"""

from __future__ import annotations

from functools import cache

import pytest

from cnncalc import bundled
from cnncalc.analysis import analyze_text
from cnncalc.report import Report, Row

BUNDLED = [
    "lenet5", "lenet5_rgb", "popquiz", "alexnet", "alexnet_no_fc7", "vgg16", "resnet18",
    "resnet50", "googlenet", "inception3a", "naive_5x5", "bottleneck_5x5",
]


@cache
def report(name: str) -> Report:
    path = bundled.path(name)
    assert path is not None, f"{name} is not bundled"
    return analyze_text(path.read_text(), name)


def rows(name: str) -> dict[str, Row]:
    return {r.name: r for r in report(name).rows}


# ---- published totals ---------------------------------------------------------------------

# name, params, output: each from the source the file's `reference` cites.
PUBLISHED = [
    ("lenet5", 61_706, (10,)),  # the course's LeNet-5 table
    ("lenet5_rgb", 62_006, (10,)),  # same, conv1 (5*5*3 + 1)*6 = 456 instead of 156: +300
    # pop quiz, by hand: (27+1)*10 + 3*(90+1)*10 + (36*36*10 + 1) = 280 + 2,730 + 12,961
    ("popquiz", 15_971, (1,)),
    ("alexnet", 61_100_840, (1000,)),  # torchvision AlexNet_Weights num_params
    ("alexnet_no_fc7", 61_100_840 - (4096 * 4096 + 4096), (1000,)),  # fc7 removed
    ("vgg16", 138_357_544, (1000,)),  # torchvision VGG16_Weights num_params
    ("resnet18", 11_689_512, (1000,)),  # torchvision ResNet18_Weights num_params
    ("resnet50", 25_557_032, (1000,)),  # torchvision ResNet50_Weights num_params
    ("googlenet", 6_998_552, (1000,)),  # Szegedy et al. 2014 Table 1 filter counts, biases on
    # inception (3a), by hand: (192+1)*64 + (192+1)*96 + (9*96+1)*128 + (192+1)*16
    #   + (25*16+1)*32 + (192+1)*32 = 12,352 + 18,528 + 110,720 + 3,088 + 12,832 + 6,176
    ("inception3a", 163_696, (28, 28, 256)),
    ("naive_5x5", (5 * 5 * 192 + 1) * 32, (28, 28, 32)),  # 153,632
    ("bottleneck_5x5", (192 + 1) * 16 + (5 * 5 * 16 + 1) * 32, (28, 28, 32)),  # 3,088 + 12,832
]


def test_every_required_architecture_is_bundled() -> None:
    assert set(BUNDLED) <= set(bundled.names())
    assert [name for name, _, _ in PUBLISHED] == BUNDLED


@pytest.mark.parametrize(("name", "params", "output"), PUBLISHED)
def test_totals_equal_the_published_numbers(name: str, params: int, output: tuple[int, ...]) -> None:
    r = report(name)
    assert r.totals.params == params
    assert r.totals.trainable == params
    assert tuple(r.output) == output


# torchvision's weight metadata `_ops` (G multiply-adds, rounded as published).
TORCHVISION_OPS = [("alexnet", "0.714"), ("vgg16", "15.47"), ("resnet18", "1.814"), ("resnet50", "4.089")]


@pytest.mark.parametrize(("name", "ops"), TORCHVISION_OPS)
def test_macs_round_to_torchvisions_ops(name: str, ops: str) -> None:
    decimals = len(ops.split(".")[1])
    assert f"{report(name).totals.macs / 1e9:.{decimals}f}" == ops


# MACs worked by hand: H_out*W_out*n_C * f*f*n_C_prev per conv, in*out per fc.
EXACT_MACS = [
    # 28*28*6*25 + 10*10*16*150 + 400*120 + 120*84 + 84*10
    # = 117,600 + 240,000 + 48,000 + 10,080 + 840
    ("lenet5", 416_520),
    # the course's "120 million": 28*28*32 * 5*5*192
    ("naive_5x5", 120_422_400),
    # the course's "12.4 million": 28*28*16 * 192 + 28*28*32 * 5*5*16 = 2,408,448 + 10,035,200
    ("bottleneck_5x5", 12_443_648),
    # 28*28 * (192*64 + 192*96 + 9*96*128 + 192*16 + 25*16*32 + 192*32) = 784 * 163,328;
    # Table 1's ops column says 128M
    ("inception3a", 128_049_152),
    # torchvision AlexNet, by hand: 55*55*64*363 + 27*27*192*1600 + 13*13*384*1728
    #   + 13*13*256*3456 + 13*13*256*2304 + 9216*4096 + 4096*4096 + 4096*1000
    ("alexnet", 714_188_480),
    ("alexnet_no_fc7", 714_188_480 - 4096 * 4096),
]


@pytest.mark.parametrize(("name", "macs"), EXACT_MACS)
def test_macs_worked_by_hand(name: str, macs: int) -> None:
    assert report(name).totals.macs == macs


@pytest.mark.parametrize("name", BUNDLED)
def test_the_files_own_expectations_hold(name: str) -> None:
    r = report(name)
    top = {v.expectation.key for v in r.verdicts if v.subject == "totals"}
    assert {"params", "output"} <= top
    assert r.failures == []
    assert all(v.ok for v in r.verdicts)


@pytest.mark.parametrize("name", BUNDLED)
def test_each_file_cites_its_source(name: str) -> None:
    r = report(name)
    assert r.name and r.reference and len(r.reference) > 40


@pytest.mark.parametrize("name", BUNDLED)
def test_rows_add_up_to_the_footer(name: str) -> None:
    r = report(name)
    for key in ("params", "trainable", "buffers", "macs", "activations"):
        assert sum(getattr(row, key) for row in r.rows) == r.totals.get(key), key
    assert sum(row.weights + row.biases for row in r.rows) == r.totals.params
    assert r.totals.flops == 2 * r.totals.macs
    assert r.totals.param_bytes == 4 * r.totals.params


def test_compare_alexnet_without_fc7_is_about_16_million_fewer() -> None:
    fewer = report("alexnet").totals.params - report("alexnet_no_fc7").totals.params
    assert fewer == 4096 * 4096 + 4096 == 16_781_312


# ---- the course's worked examples ---------------------------------------------------------

# The course's LeNet-5 table: activation shape, activation size, # parameters.
LENET5_TABLE = [
    ("conv1", (28, 28, 6), 4_704, 156),  # (5*5*1 + 1)*6
    ("pool1", (14, 14, 6), 1_176, 0),
    ("conv2", (10, 10, 16), 1_600, 2_416),  # (5*5*6 + 1)*16
    ("pool2", (5, 5, 16), 400, 0),
    ("fc1", (120,), 120, 48_120),  # 400*120 + 120
    ("fc2", (84,), 84, 10_164),  # 120*84 + 84
    ("fc3", (10,), 10, 850),  # 84*10 + 10
]


def test_lenet5_reproduces_the_course_table_row_by_row() -> None:
    r = report("lenet5")
    got = [(row.name, tuple(row.output), row.activations, row.params) for row in r.rows]
    assert got == LENET5_TABLE
    assert r.totals.params == 61_706
    assert r.totals.param_bytes == 246_824  # 61,706 * 4 bytes
    assert r.input == (32, 32, 1)


def test_popquiz_shapes() -> None:
    # floor((n - 3)/2) + 1: 600 -> 299 -> 149 -> 74 -> 36, then one unit
    shapes = [tuple(row.output) for row in report("popquiz").rows]
    assert shapes == [(299, 299, 10), (149, 149, 10), (74, 74, 10), (36, 36, 10), (1,)]
    # 597/2 and 71/2 are floored: conv1 and conv4 warn, conv2 (296/2) and conv3 (146/2) do not
    assert [w.layer for w in report("popquiz").warnings] == ["conv1", "conv4"]


def test_bottleneck_saves_about_ten_times_the_multiplications() -> None:
    naive, bottleneck = report("naive_5x5").totals.macs, report("bottleneck_5x5").totals.macs
    assert (naive, bottleneck) == (120_422_400, 12_443_648)
    assert round(naive / bottleneck, 1) == 9.7


def test_googlenet_follows_table_1() -> None:
    rs = rows("googlenet")
    # Table 1 output sizes, and depth of each inception module (sum of its four branches)
    assert rs["conv1"].output == (112, 112, 64)
    assert rs["pool1"].output == (56, 56, 64)  # ceil((112 - 3)/2) + 1
    assert rs["pool2"].output == (28, 28, 192)
    expected = {
        "inception3a": (28, 64 + 128 + 32 + 32), "inception3b": (28, 128 + 192 + 96 + 64),
        "inception4a": (14, 192 + 208 + 48 + 64), "inception4b": (14, 160 + 224 + 64 + 64),
        "inception4c": (14, 128 + 256 + 64 + 64), "inception4d": (14, 112 + 288 + 64 + 64),
        "inception4e": (14, 256 + 320 + 128 + 128), "inception5a": (7, 256 + 320 + 128 + 128),
        "inception5b": (7, 384 + 384 + 128 + 128),
    }
    for name, (n, c) in expected.items():
        assert rs[f"{name}.concat"].output == (n, n, c), name
    assert sum(row.kind == "lrn" for row in report("googlenet").rows) == 2
    assert sum(row.buffers for row in report("googlenet").rows) == 0  # no batch norm


# ---- PyTorch cross-check --------------------------------------------------------------------
# The reference modules are written out by hand, mirroring torchvision's code (torchvision
# itself is not installed). GoogLeNet follows the paper (as Caffe's bvlc_googlenet does), not
# torchvision's variant, which adds batch norm and uses 3x3 instead of 5x5 in one branch.


def _torch_models() -> dict:
    import torch
    from torch import nn

    def lenet5(channels: int = 1) -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )

    def popquiz() -> nn.Module:
        convs = [nn.Conv2d(3 if i == 0 else 10, 10, 3, stride=2) for i in range(4)]
        return nn.Sequential(*convs, nn.Flatten(), nn.Linear(36 * 36 * 10, 1))

    class AlexNet(nn.Module):  # torchvision.models.alexnet
        def __init__(self, fc7: bool = True) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            )
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            middle = [nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True)] if fc7 else []
            self.classifier = nn.Sequential(
                nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
                *middle, nn.Linear(4096, 1000),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    class VGG16(nn.Module):  # torchvision.models.vgg16: cfg "D", no batch norm
        def __init__(self) -> None:
            super().__init__()
            layers: list[nn.Module] = []
            c = 3
            for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                      512, 512, 512, "M"]:
                if v == "M":
                    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                else:
                    layers += [nn.Conv2d(c, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                    c = v
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(0.5),
                nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5), nn.Linear(4096, 1000),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    def conv3x3(i: int, o: int, stride: int = 1) -> nn.Conv2d:
        return nn.Conv2d(i, o, kernel_size=3, stride=stride, padding=1, bias=False)

    def conv1x1(i: int, o: int, stride: int = 1) -> nn.Conv2d:
        return nn.Conv2d(i, o, kernel_size=1, stride=stride, bias=False)

    class BasicBlock(nn.Module):  # torchvision.models.resnet.BasicBlock
        expansion = 1

        def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None) -> None:
            super().__init__()
            self.conv1, self.bn1 = conv3x3(inplanes, planes, stride), nn.BatchNorm2d(planes)
            self.conv2, self.bn2 = conv3x3(planes, planes), nn.BatchNorm2d(planes)
            self.relu, self.downsample = nn.ReLU(inplace=True), downsample

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            identity = x if self.downsample is None else self.downsample(x)
            return self.relu(out + identity)

    class Bottleneck(nn.Module):  # torchvision.models.resnet.Bottleneck (v1.5: stride in conv2)
        expansion = 4

        def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None) -> None:
            super().__init__()
            self.conv1, self.bn1 = conv1x1(inplanes, planes), nn.BatchNorm2d(planes)
            self.conv2, self.bn2 = conv3x3(planes, planes, stride), nn.BatchNorm2d(planes)
            self.conv3, self.bn3 = conv1x1(planes, planes * 4), nn.BatchNorm2d(planes * 4)
            self.relu, self.downsample = nn.ReLU(inplace=True), downsample

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            identity = x if self.downsample is None else self.downsample(x)
            return self.relu(out + identity)

    class ResNet(nn.Module):  # torchvision.models.resnet.ResNet
        def __init__(self, block, counts: list[int]) -> None:
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1, self.relu = nn.BatchNorm2d(64), nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, 64, counts[0])
            self.layer2 = self._make_layer(block, 128, counts[1], stride=2)
            self.layer3 = self._make_layer(block, 256, counts[2], stride=2)
            self.layer4 = self._make_layer(block, 512, counts[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512 * block.expansion, 1000)

        def _make_layer(self, block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    conv1x1(self.inplanes, planes * block.expansion, stride),
                    nn.BatchNorm2d(planes * block.expansion),
                )
            layers = [block(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * block.expansion
            layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    class Inception(nn.Module):  # Szegedy et al. 2014, Figure 2(b)
        def __init__(self, c_in: int, c1: int, r3: int, c3: int, r5: int, c5: int, pp: int) -> None:
            super().__init__()
            relu = nn.ReLU(inplace=True)
            self.b1 = nn.Sequential(nn.Conv2d(c_in, c1, 1), relu)
            self.b2 = nn.Sequential(nn.Conv2d(c_in, r3, 1), relu, nn.Conv2d(r3, c3, 3, padding=1), relu)
            self.b3 = nn.Sequential(nn.Conv2d(c_in, r5, 1), relu, nn.Conv2d(r5, c5, 5, padding=2), relu)
            self.b4 = nn.Sequential(
                nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), nn.Conv2d(c_in, pp, 1), relu
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)

    class GoogLeNet(nn.Module):  # Table 1, no batch norm, no auxiliary classifiers
        def __init__(self) -> None:
            super().__init__()
            relu = nn.ReLU(inplace=True)
            lrn = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75)
            self.stem = nn.Sequential(
                nn.Conv2d(3, 64, 7, stride=2, padding=3), relu,
                nn.MaxPool2d(3, stride=2, ceil_mode=True), lrn,
                nn.Conv2d(64, 64, 1), relu, nn.Conv2d(64, 192, 3, padding=1), relu, lrn,
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
            )
            self.body = nn.Sequential(
                Inception(192, 64, 96, 128, 16, 32, 32), Inception(256, 128, 128, 192, 32, 96, 64),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                Inception(480, 192, 96, 208, 16, 48, 64), Inception(512, 160, 112, 224, 24, 64, 64),
                Inception(512, 128, 128, 256, 24, 64, 64), Inception(512, 112, 144, 288, 32, 64, 64),
                Inception(528, 256, 160, 320, 32, 128, 128),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                Inception(832, 256, 160, 320, 32, 128, 128), Inception(832, 384, 192, 384, 48, 128, 128),
                nn.AvgPool2d(7, stride=1),
            )
            self.dropout, self.fc = nn.Dropout(0.4), nn.Linear(1024, 1000)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.dropout(torch.flatten(self.body(self.stem(x)), 1)))

    return {
        "lenet5": lenet5, "lenet5_rgb": lambda: lenet5(3), "popquiz": popquiz,
        "alexnet": AlexNet, "alexnet_no_fc7": lambda: AlexNet(fc7=False), "vgg16": VGG16,
        "resnet18": lambda: ResNet(BasicBlock, [2, 2, 2, 2]),
        "resnet50": lambda: ResNet(Bottleneck, [3, 4, 6, 3]),
        "googlenet": GoogLeNet, "inception3a": lambda: Inception(192, 64, 96, 128, 16, 32, 32),
    }


def _hwc(shape) -> tuple[int, ...]:
    """PyTorch's (N, C, H, W) or (N, units) as cnncalc's (n_H, n_W, n_C) or (units,)."""
    dims = tuple(shape)[1:]
    return (dims[1], dims[2], dims[0]) if len(dims) == 3 else dims


def _run(name: str, hooks: dict[str, str] | None = None):
    """Build the PyTorch model, run one forward pass; returns model, output, MACs, hooked shapes."""
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(0)
    model = _torch_models()[name]().eval()
    macs = 0
    seen: dict[str, tuple[int, ...]] = {}

    def count(module: nn.Module, inputs, output) -> None:
        nonlocal macs
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            macs += output.numel() * kh * kw * module.in_channels // module.groups
        elif isinstance(module, nn.Linear):
            macs += module.in_features * module.out_features

    modules = dict(model.named_modules())
    for module in modules.values():
        module.register_forward_hook(count)
    for torch_name, ours in (hooks or {}).items():
        modules[torch_name].register_forward_hook(
            lambda m, i, o, ours=ours: seen.__setitem__(ours, _hwc(o.shape))
        )
    n_h, n_w, n_c = report(name).input
    with torch.no_grad():
        out = model(torch.zeros(1, n_c, n_h, n_w))
    return model, out, macs, seen


TORCH_CHECKED = ["lenet5", "lenet5_rgb", "popquiz", "alexnet", "alexnet_no_fc7", "vgg16",
                 "resnet18", "resnet50", "googlenet", "inception3a"]


@pytest.mark.parametrize("name", TORCH_CHECKED)
def test_pytorch_agrees_on_params_buffers_macs_and_output(name: str) -> None:
    model, out, macs, _ = _run(name)
    r = report(name)
    assert sum(p.numel() for p in model.parameters()) == r.totals.params
    running = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    assert running == r.totals.buffers
    assert macs == r.totals.macs
    assert _hwc(out.shape) == tuple(r.output)


def test_pytorch_agrees_on_resnet50_intermediate_shapes() -> None:
    hooks = {
        "maxpool": "pool1",
        "layer1": "bottleneck3.add",
        "layer2.0.conv2": "bottleneck4.main.conv2",  # v1.5: the 3x3 conv strides
        "layer2.0.downsample": "bottleneck4.shortcut.bn1",
        "layer2": "bottleneck7.add",
        "layer3": "bottleneck13.add",
        "layer4": "bottleneck16.add",
    }
    _, _, _, seen = _run("resnet50", hooks)
    rs = rows("resnet50")
    assert seen == {ours: tuple(rs[ours].output) for ours in hooks.values()}
    assert seen["bottleneck4.main.conv2"] == (28, 28, 128)
    assert seen["bottleneck16.add"] == (7, 7, 2048)
