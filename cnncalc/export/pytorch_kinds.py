"""PyTorch code for the kinds the Keras reader brought (reshape, rescaling, normalization,
cropping, custom) and Keras' variants of older ones (a gap that drops its 1 x 1, a batch norm
with gamma or beta alone). pytorch.py adds these to its emitters and helpers."""

from __future__ import annotations

from collections.abc import Callable

from ..graph import Leaf
from ..layers import Shape
from .pytorch import _calls, _Code, _kwargs

HELPERS: dict[str, str] = {
    "ChannelsLastReshape": '''
class ChannelsLastReshape(nn.Module):
    """Keras' Reshape: the values in channels-last order (H, W, C), laid out as `shape`."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            x = x.permute(0, 2, 3, 1)
        x = x.reshape(x.shape[0], *self.shape)
        return x.permute(0, 3, 1, 2) if x.dim() == 4 else x
''',
    "Rescale": '''
class Rescale(nn.Module):
    """x * scale + offset: constants, nothing learned (Keras' Rescaling)."""

    def __init__(self, scale: float, offset: float = 0.0) -> None:
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.offset
''',
    "Standardize": '''
class Standardize(nn.Module):
    """(x - mean) / sqrt(variance) per channel, statistics measured beforehand (Keras'
    Normalization): mean, variance and the sample count are buffers, not parameters."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("variance", torch.ones(channels))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (-1,) + (1,) * (x.dim() - 2)
        return (x - self.mean.view(shape)) / torch.sqrt(self.variance.view(shape) + 1e-7)
''',
    "PartialBatchNorm": '''
class PartialBatchNorm(nn.Module):
    """Batch norm learning gamma or beta alone (Keras' scale=False / center=False)."""

    def __init__(self, channels: int, scale: bool, center: bool, eps: float = 1e-5,
                 momentum: float = 0.1, image: bool = True) -> None:
        super().__init__()
        cls = nn.BatchNorm2d if image else nn.BatchNorm1d
        self.norm = cls(channels, eps=eps, momentum=momentum, affine=False)
        self.weight = nn.Parameter(torch.ones(channels)) if scale else None
        self.bias = nn.Parameter(torch.zeros(channels)) if center else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.norm(x)
        shape = (-1,) + (1,) * (x.dim() - 2)
        if self.weight is not None:
            out = out * self.weight.view(shape)
        return out if self.bias is None else out + self.bias.view(shape)
''',
    "CustomPlaceholder": '''
class CustomPlaceholder(nn.Module):
    """Stands for a custom layer cnncalc could not read: zeros of the shape the file recorded."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return xs[0].new_zeros((xs[0].shape[0], *self.shape))
''',
}


def _torch_order(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[2], shape[0], shape[1]) if len(shape) == 3 else tuple(shape)


def _reshape(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    return _Code(f"ChannelsLastReshape({tuple(leaf.output)})", _calls(attr), {"ChannelsLastReshape"})


def _rescaling(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    return _Code(f"Rescale({layer.scale!r}" + _kwargs(offset=layer.offset or None) + ")", _calls(attr), {"Rescale"})


def _normalization(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    if leaf.layer.given:
        return _Code("nn.Identity()", _calls(attr), note="constant mean and variance: no buffers")
    return _Code(f"Standardize({inputs[0][-1]})", _calls(attr), {"Standardize"})


def _cropping(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    top, _, left, _ = leaf.layer.p
    h, w = leaf.output[0], leaf.output[1]
    return _Code(f"CenterCrop({top}, {left}, {h}, {w})", _calls(attr), {"CenterCrop"},
                 "rows and columns cut from the edges")


def _custom(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    shape = _torch_order(tuple(leaf.output))
    return _Code(f"CustomPlaceholder({shape})", _calls(attr), {"CustomPlaceholder"},
                 f"stands for the custom layer {leaf.layer.layer}: replace it")


def global_pool(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    cls = "nn.AdaptiveAvgPool2d" if leaf.kind == "gap" else "nn.AdaptiveMaxPool2d"
    init = f"{cls}(1)" if getattr(leaf.layer, "keepdims", True) else f"nn.Sequential({cls}(1), nn.Flatten())"
    return _Code(init, _calls(attr))


def partial_bn(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code | None:
    """A batch norm with gamma or beta alone; None for the usual kinds (pytorch.py's own)."""
    layer = leaf.layer
    if not layer.affine or (layer.scale and layer.center):
        return None
    init = f"PartialBatchNorm({inputs[0][-1]}, scale={layer.scale}, center={layer.center}" + _kwargs(
        eps=layer.epsilon if layer.epsilon != 1e-5 else None,
        momentum=layer.momentum if layer.momentum != 0.1 else None,
        image=None if len(inputs[0]) == 3 else False,
    ) + ")"
    return _Code(init, _calls(attr), {"PartialBatchNorm"})


EMITTERS: dict[str, Callable[[Leaf, list[Shape], str], _Code]] = {
    "Reshape": _reshape,
    "Rescaling": _rescaling,
    "Normalization": _normalization,
    "Cropping": _cropping,
    "Custom": _custom,
    "GlobalAvgPool": global_pool,
    "GlobalMaxPool": global_pool,
}
