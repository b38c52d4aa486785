"""Hand-written PyTorch models exported with torch.onnx.export at test time: the reader's params,
buffers and every module's output shape equal torch's own.

The models are exported in training mode without constant folding, so the file keeps every
BatchNorm as torch holds it (in eval mode torch folds BN into the conv before it and merges
equal tensors: the reader then reports what the file holds, tested at the end).
CPU budget: about 15 s on an idle machine (mostly torch's import and its exporter).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
nn = torch.nn

from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.layers import KINDS  # noqa: E402


class SqueezeExcite(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(16, 4, 1)
        self.expand = nn.Conv2d(4, 16, 1)
        self.head = nn.Linear(16 * 20 * 20, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        s = torch.sigmoid(self.expand(torch.relu(self.reduce(self.pool(x)))))
        return self.head(torch.flatten(x * s, 1))


class DepthwiseDilated(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=8, bias=False)
        self.pointwise = nn.Conv2d(16, 24, 1)
        self.dilated = nn.Conv2d(24, 24, 3, padding=2, dilation=2)
        self.act = nn.Hardswish()
        self.gap = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.gap(self.act(self.dilated(self.pointwise(self.depthwise(x)))))


class Transposed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 8, 4, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(4, 2, 2, stride=2)
        self.interp = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x):
        return self.interp(self.up2(torch.tanh(self.up(self.down(x)))))


class CeilModeAndTfSame(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))  # TensorFlow 'same' for a stride-2 3x3 on an even size
        self.conv = nn.Conv2d(3, 6, 3, stride=2)
        self.same = nn.Conv2d(6, 6, 4, padding="same")  # an even kernel: asymmetric pads
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.avg = nn.AvgPool2d(2, stride=2, ceil_mode=True)
        self.inorm = nn.InstanceNorm2d(6, affine=True)
        self.prelu = nn.PReLU(6)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = self.same(self.conv(self.pad(x)))
        return self.drop(self.prelu(self.inorm(self.avg(self.pool(x)))))


class Shuffle(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 12, 1)
        self.conv2 = nn.Conv2d(12, 12, 3, padding=1, groups=3)

    def forward(self, x):
        x = self.conv(x)
        b, c, h, w = x.shape
        x = x.view(b, 3, c // 3, h, w).transpose(1, 2).reshape(b, c, h, w)
        return self.conv2(x)


class Concat(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 6, 3, padding=1)
        self.fc = nn.Linear(10, 5)

    def forward(self, x):
        y = torch.cat([self.a(x), self.b(x)], 1)  # (torch writes LocalResponseNorm as 40 small ops)
        y = nn.functional.adaptive_max_pool2d(y, 1).flatten(1)
        return torch.softmax(self.fc(y), 1)


MODELS = [
    ("se", SqueezeExcite, (3, 20, 20)),
    ("depthwise_dilated", DepthwiseDilated, (8, 15, 15)),
    ("transposed", Transposed, (3, 16, 16)),
    ("ceil_and_same", CeilModeAndTfSame, (3, 32, 32)),
    ("concat", Concat, (3, 9, 9)),
    pytest.param("shuffle", Shuffle, (3, 8, 8), marks=pytest.mark.skipif(
        "channel_shuffle" not in KINDS, reason="channel_shuffle arrives from branch zoo")),
]


def export(model, shape, path, **kw):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(1, *shape),), str(path), dynamo=False, input_names=["x"], **kw)
    return path.read_bytes()


def leaf_shapes(model, shape):
    """Each leaf module's output shape, by its dotted path."""
    found = {}
    hooks = [m.register_forward_hook(lambda mod, i, o, name=name: found.__setitem__(name, tuple(o.shape)))
             for name, m in model.named_modules() if name and not list(m.children())]
    with torch.no_grad():
        model.eval()(torch.randn(1, *shape))
    for h in hooks:
        h.remove()
    return found


def ours(shape):
    return (shape[2], shape[3], shape[1]) if len(shape) == 4 else tuple(shape[1:])


@pytest.mark.parametrize(("label", "cls", "shape"), MODELS)
def test_reader_agrees_with_torch(tmp_path, label, cls, shape):
    torch.manual_seed(0)
    model = cls()
    data = export(model, shape, tmp_path / f"{label}.onnx", training=torch.onnx.TrainingMode.TRAINING,
                  do_constant_folding=False)
    report = analyze_text(data, f"{label}.onnx")
    params = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    assert (report.totals.params, report.totals.buffers) == (params, buffers)
    assert not report.warnings
    rows = report.rows
    for path, out in leaf_shapes(model, shape).items():
        prefix = "/" + path.replace(".", "/") + "/"
        mine = [r for r in rows if r.name.startswith(prefix)]
        assert mine, path
        assert tuple(mine[-1].output) == ours(out), path
    with torch.no_grad():
        final = model.eval()(torch.randn(1, *shape))
    assert tuple(report.output) == ours(tuple(final.shape))


def test_eval_mode_export_is_read_as_the_file_holds_it(tmp_path):
    """torch folds BN into the conv and merges equal tensors: the file's initializers, counted once."""
    import numpy as np

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.Conv2d(8, 8, 3, bias=False), nn.BatchNorm2d(8)).eval()
    data = export(model, (3, 12, 12), tmp_path / "folded.onnx")
    report = analyze_text(data, "folded.onnx")
    held = sum(int(np.prod(t.dims)) for t in onnx.load_from_string(data).graph.initializer)
    assert report.totals.params + report.totals.buffers == held
    assert [r.kind for r in report.rows] == ["conv", "relu", "conv"]


def test_dynamic_axes_become_symbols(tmp_path):
    torch.manual_seed(0)
    model = DepthwiseDilated()
    data = export(model, (8, 15, 15), tmp_path / "dyn.onnx",
                  dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}})
    report = analyze_text(data, "dyn.onnx")
    assert report.symbols == ("height", "width")
    fixed = analyze_text(data, "dyn.onnx", input_override="15x15x8")
    static = analyze_text(export(model, (8, 15, 15), tmp_path / "static.onnx"), "static.onnx")
    assert [(r.output, r.params, r.macs) for r in fixed.rows] == [(r.output, r.params, r.macs) for r in static.rows]
