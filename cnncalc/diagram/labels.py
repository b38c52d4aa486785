"""How a layer is named in a picture: 'conv 5x5 s1', 'max-pool 2x2 s2', 'FC 120'."""

from __future__ import annotations

from typing import Any

from ..layers.conv import Conv, Deconv, Depthwise, Local
from ..layers.dense import Flatten, FullyConnected
from ..layers.layer_norm import LayerNorm
from ..layers.layer_scale import LayerScale
from ..layers.merge import Add, Concat
from ..layers.norm import BatchNorm, LocalResponseNorm
from ..layers.pointwise import Activation, Dropout, Identity
from ..layers.pool import AdaptivePool, GlobalAvgPool, GlobalMaxPool, Pool
from ..layers.shuffle import ChannelShuffle
from ..layers.slice import ChannelSlice
from ..layers.spatial import Crop, SpaceToDepth, Split, Upsample, ZeroPad
from ..layers.stochastic_depth import StochasticDepth
from ..render.values import text
from ..report import Row

# Layers drawn as a note on the arrow before them, not as a volume of their own: they keep
# the shape and the course never draws them (a ReLU is not a new box in LeNet-5).
NOTE_LAYERS = (Activation, Dropout, Identity, BatchNorm, LocalResponseNorm, LayerNorm, LayerScale, StochasticDepth)


def size(pair: Any) -> str:
    a, b = (text(v) for v in pair)
    return f"{a}x{b}"


def stride(pair: Any) -> str:
    a, b = (text(v) for v in pair)
    return f"s{a}" if a == b else f"s{a}x{b}"


def shape(dims: Any) -> str:
    """28x28x6, or 120 for a vector; symbolic sizes in parentheses: (H - 2)x(W - 2)x8."""
    parts = [text(d) for d in dims]
    return "x".join(f"({p})" if " " in p else p for p in parts)


def _window(name: str, f: Any, s: Any, dilation: Any = (1, 1)) -> str:
    out = f"{name} {size(f)} {stride(s)}"
    if tuple(dilation) != (1, 1):
        out += f" d{text(dilation[0])}" if dilation[0] == dilation[1] else f" d{size(dilation)}"
    return out


def describe(row: Row) -> str:
    """The short name of what a row does; a folded composite is named by its kind."""
    if row.leaf is None:
        return row.kind
    layer = row.leaf.layer
    if isinstance(layer, Conv):
        out = _window("conv", layer.f, layer.s, layer.dilation)
        return out + (f" g{layer.groups}" if layer.groups != 1 else "")
    if isinstance(layer, Depthwise):
        return _window("depthwise", layer.f, layer.s, layer.dilation)
    if isinstance(layer, Deconv):
        return _window("deconv", layer.f, layer.s, layer.dilation)
    if isinstance(layer, Local):
        return _window("local", layer.f, layer.s)
    if isinstance(layer, Pool):
        return _window(f"{layer.mode}-pool", layer.f, layer.stride)
    if isinstance(layer, GlobalMaxPool):
        return "global max-pool"
    if isinstance(layer, GlobalAvgPool):
        return "global avg-pool"
    if isinstance(layer, AdaptivePool):
        return f"adaptive {layer.mode}-pool {size(layer.output)}"
    if isinstance(layer, FullyConnected):
        return f"FC {text(layer.units)}"
    if isinstance(layer, Flatten):
        return "flatten"
    if isinstance(layer, BatchNorm):
        return "batch-norm"
    if isinstance(layer, LocalResponseNorm):
        return "LRN"
    if isinstance(layer, Dropout):
        return f"dropout {layer.rate:g}"
    if isinstance(layer, Activation):
        return layer.function
    if isinstance(layer, Identity):
        return layer.role or "identity"
    if isinstance(layer, (Add, Concat)):
        return row.kind
    if isinstance(layer, ZeroPad):
        t, b, left, right = layer.p
        return f"zero-pad {text(t)}" if len({t, b, left, right}) == 1 else f"zero-pad {t},{b},{left},{right}"
    if isinstance(layer, Upsample):
        return f"upsample x{text(layer.factor[0])}"
    if isinstance(layer, Crop):
        return f"crop {size(layer.output)}"
    if isinstance(layer, Split):
        return f"split {layer.index + 1}/{layer.groups}"
    if isinstance(layer, SpaceToDepth):
        return f"space-to-depth {layer.block}"
    if isinstance(layer, ChannelShuffle):
        return f"channel shuffle g{layer.groups}"
    if isinstance(layer, ChannelSlice):
        return f"channels {layer.start}:{'' if layer.stop is None else layer.stop}"
    if isinstance(layer, LayerNorm):
        return "layer-norm"
    if isinstance(layer, LayerScale):
        return "layer scale"
    if isinstance(layer, StochasticDepth):
        return f"stochastic depth {layer.rate:g}"
    return row.kind


def activation(row: Row) -> str | None:
    """The `activation:` key folded into a row (it adds no row of its own)."""
    if row.leaf is None:
        return None
    return getattr(row.leaf.layer, "activation", None)


def lines(row: Row) -> list[str]:
    """The label under the arrow into a row's volume: what it does, then its activation."""
    if row.leaf is None:
        short = row.name.rsplit(".", 1)[-1]
        return [row.name] if not row.kind or short.startswith(row.kind) else [row.name, f"({row.kind})"]
    act = activation(row)
    main = describe(row)
    return [main, act] if act else [main]


def is_note(row: Row) -> bool:
    return row.leaf is not None and isinstance(row.leaf.layer, NOTE_LAYERS)
