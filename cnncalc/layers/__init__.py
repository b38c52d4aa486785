"""The registry of layer kinds: one line per kind, aliases as data.

Each kind lives in a module of its own here (keys with defaults and validation, output shape,
params, buffers, MACs, receptive-field window and worked steps); adding one is that module and
one line in `KINDS` below, then an entry in each target's table (see ARCHITECTURE.md).

A line names where the kind's class lives (`"conv:Conv"`, module and class under this package),
and `Kind.cls` imports it on first use: a run loads only the kinds its file uses. What needs
every kind (the schema, the language server, the tests of the tables) calls `all_kinds()`.
`from cnncalc.layers import Conv` still works (a module `__getattr__`, PEP 562).
"""

from __future__ import annotations

from typing import Any

from .base import ACTIVATIONS, Arg, Cost, Layer, Shape, Window
from .steps import QUIET, Step, Work

__all__ = [
    "KINDS", "KIND_ALIASES", "KEY_ALIASES", "Kind", "Layer", "Cost", "Shape", "Window", "Arg", "Step", "Work",
    "QUIET", "all_kinds", "register",
]  # fmt: skip


class Kind:
    """A layer type as written in YAML: its class (or where it lives, `"module:Class"`, imported
    on first use) and any arguments its name implies."""

    __slots__ = ("name", "_cls", "preset")

    def __init__(self, name: str, cls: type[Layer] | str, preset: dict[str, Any] | None = None) -> None:
        self.name = name
        self._cls = cls
        self.preset: dict[str, Any] = {} if preset is None else preset

    @property
    def cls(self) -> type[Layer]:
        if isinstance(self._cls, str):
            module, _, name = self._cls.partition(":")
            # the import statement's own machinery (not importlib's): `-X importtime` shows it
            self._cls = getattr(__import__(f"{__name__}.{module}", fromlist=(name,)), name)
        return self._cls

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Kind):
            return NotImplemented
        return (self.name, self.cls, self.preset) == (other.name, other.cls, other.preset)

    __hash__ = None  # type: ignore[assignment]  # as before: the preset is a dict

    def __repr__(self) -> str:
        return f"Kind(name={self.name!r}, cls={self._cls!r}, preset={self.preset!r})"


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("conv", "conv:Conv"),
        Kind("depthwise", "depthwise:Depthwise"),
        Kind("deconv", "deconv:Deconv"),
        Kind("local", "local:Local"),
        Kind("pool", "pool:Pool"),
        Kind("gap", "gap:GlobalAvgPool"),
        Kind("gmp", "gmp:GlobalMaxPool"),
        Kind("adaptive_pool", "adaptive_pool:AdaptivePool"),
        Kind("fc", "fc:FullyConnected"),
        Kind("flatten", "flatten:Flatten"),
        Kind("bn", "bn:BatchNorm"),
        Kind("lrn", "lrn:LocalResponseNorm"),
        Kind("dropout", "dropout:Dropout"),
        Kind("identity", "identity:Identity"),
        Kind("zeropad", "zeropad:ZeroPad"),
        Kind("upsample", "upsample:Upsample"),
        Kind("crop", "crop:Crop"),
        Kind("split", "split:Split"),
        Kind("space_to_depth", "space_to_depth:SpaceToDepth"),
        Kind("add", "add:Add"),
        Kind("concat", "concat:Concat"),
        Kind("multiply", "multiply:Multiply"),
        Kind("maximum", "maximum:Maximum"),
        Kind("shortcut", "shortcut:Shortcut"),
        Kind("scale", "scale:Scale"),
        Kind("prelu", "prelu:PReLU"),
        Kind("channel_shuffle", "channel_shuffle:ChannelShuffle"),
        Kind("layer_norm", "layer_norm:LayerNorm"),
        Kind("layer_scale", "layer_scale:LayerScale"),
        Kind("stochastic_depth", "stochastic_depth:StochasticDepth"),
        Kind("slice", "slice:ChannelSlice"),
        Kind("activation", "activation:ChosenActivation"),
        Kind("instance_norm", "instance_norm:InstanceNorm"),
        Kind("operator", "operator:Operator"),
        Kind("reshape", "reshape:Reshape"),
        Kind("rescaling", "rescaling:Rescaling"),
        Kind("normalization", "normalization:Normalization"),
        Kind("cropping", "cropping:Cropping"),
        Kind("custom", "custom:Custom"),
        Kind("pad", "pad:Pad"),
        Kind("attention", "attention:Attention"),
        Kind("dfl", "dfl:DistributionFocalLoss"),
        *(Kind(n, "activation:Activation", {"function": n}) for n in ACTIVATIONS if n not in ("identity", "linear")),
    ]
}

# Names people bring from PyTorch, Keras and Darknet: alias -> (kind, implied arguments).
KIND_ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "conv2d": ("conv", {}),
    "dense": ("fc", {}),
    "linear": ("fc", {}),
    "batchnorm": ("bn", {}),
    "maxpool": ("pool", {"mode": "max"}),
    "avgpool": ("pool", {"mode": "avg"}),
    "transposed_conv": ("deconv", {}),
    "reorg": ("space_to_depth", {}),
    "drop_path": ("stochastic_depth", {}),
    "layernorm": ("layer_norm", {}),
    "hardsigmoid": ("hard_sigmoid", {}),
}

KEY_ALIASES: dict[str, str] = {"kernel_size": "f", "stride": "s", "out_channels": "filters"}


def register(kind: Kind) -> None:
    """Add a kind at run time (a plug-in, or a test's toy kind); the name must be new."""
    if kind.name in KINDS or kind.name in KIND_ALIASES:
        raise ValueError(f"layer kind '{kind.name}' is already registered")
    KINDS[kind.name] = kind


def all_kinds() -> dict[str, Kind]:
    """Every registered kind, each class imported (the schema, the language server)."""
    for kind in KINDS.values():
        kind.cls  # noqa: B018 - imports it
    return KINDS


def __getattr__(name: str) -> type[Layer]:
    """`from cnncalc.layers import Conv`: a kind's class by its class name, imported now."""
    for kind in KINDS.values():
        if (kind._cls.rpartition(":")[2] if isinstance(kind._cls, str) else kind._cls.__name__) == name:
            return kind.cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
