"""How a layer is named in a picture: 'conv 5x5 s1', 'max-pool 2x2 s2', 'FC 120'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..render.values import text
from ..report import Row

# Kinds drawn as a note on the arrow before them, not as a volume of their own: they keep
# the shape and the course never draws them (a ReLU is not a new box in LeNet-5).
NOTE_KINDS = frozenset(
    {"activation", "dropout", "identity", "bn", "lrn", "layer_norm", "layer_scale", "stochastic_depth"}
)


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


def _zeropad(layer: Any) -> str:
    t, b, left, right = layer.p
    return f"zero-pad {text(t)}" if len({t, b, left, right}) == 1 else f"zero-pad {t},{b},{left},{right}"


# The short name of each layer kind (keyed by `Layer.KIND`): every registered kind has one.
LABELS: dict[str, Callable[[Any], str]] = {
    "conv": lambda c: _window("conv", c.f, c.s, c.dilation) + (f" g{c.groups}" if c.groups != 1 else ""),
    "depthwise": lambda c: _window("depthwise", c.f, c.s, c.dilation),
    "deconv": lambda c: _window("deconv", c.f, c.s, c.dilation),
    "local": lambda c: _window("local", c.f, c.s),
    "pool": lambda p: _window(f"{p.mode}-pool", p.f, p.stride),
    "gap": lambda _: "global avg-pool",
    "gmp": lambda _: "global max-pool",
    "adaptive_pool": lambda p: f"adaptive {p.mode}-pool {size(p.output)}",
    "fc": lambda fc: f"FC {text(fc.units)}",
    "flatten": lambda _: "flatten",
    "bn": lambda _: "batch-norm",
    "lrn": lambda _: "LRN",
    "dropout": lambda d: f"dropout {d.rate:g}",
    "activation": lambda a: a.function,
    "identity": lambda i: i.role or "identity",
    "add": lambda _: "add",
    "concat": lambda _: "concat",
    "zeropad": _zeropad,
    "upsample": lambda u: f"upsample x{text(u.factor[0])}",
    "crop": lambda c: f"crop {size(c.output)}",
    "split": lambda s: f"split {s.index + 1}/{s.groups}",
    "space_to_depth": lambda s: f"space-to-depth {s.block}",
    "multiply": lambda _: "multiply",
    "maximum": lambda _: "maximum",
    "shortcut": lambda _: "shortcut",
    "scale": lambda _: "scale",
    "prelu": lambda _: "prelu",
    "channel_shuffle": lambda c: f"channel shuffle g{c.groups}",
    "slice": lambda s: f"channels {s.start}:{'' if s.stop is None else s.stop}",
    "layer_norm": lambda _: "layer-norm",
    "layer_scale": lambda _: "layer scale",
    "stochastic_depth": lambda s: f"stochastic depth {s.rate:g}",
    # named by their kind (the ONNX and Keras readers' kinds)
    **{kind: lambda layer: layer.KIND for kind in (
        "instance_norm", "operator", "reshape", "rescaling", "normalization", "cropping", "custom", "pad",
        "attention", "dfl")},
}


def describe(row: Row) -> str:
    """The short name of what a row does; a folded composite is named by its kind."""
    if row.leaf is None:
        return row.kind
    layer = row.leaf.layer
    return LABELS[layer.KIND](layer)


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
    return row.leaf is not None and row.leaf.layer.KIND in NOTE_KINDS
