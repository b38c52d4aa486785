"""The registry of layer kinds: one line per kind, aliases as data.

Each kind lives in a module of its own here (keys with defaults and validation, output shape,
params, buffers, MACs, receptive-field window and worked steps); adding one is that module and
one line in `KINDS` below, then an entry in each target's table (see ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .activation import Activation, ChosenActivation
from .adaptive_pool import AdaptivePool
from .add import Add
from .attention import Attention
from .base import ACTIVATIONS, Arg, Cost, Layer, Shape, Window
from .bn import BatchNorm
from .channel_shuffle import ChannelShuffle
from .concat import Concat
from .conv import Conv
from .crop import Crop
from .cropping import Cropping
from .custom import Custom
from .deconv import Deconv
from .depthwise import Depthwise
from .dfl import DistributionFocalLoss
from .dropout import Dropout
from .fc import FullyConnected
from .flatten import Flatten
from .gap import GlobalAvgPool
from .gmp import GlobalMaxPool
from .identity import Identity
from .instance_norm import InstanceNorm
from .layer_norm import LayerNorm
from .layer_scale import LayerScale
from .local import Local
from .lrn import LocalResponseNorm
from .maximum import Maximum
from .multiply import Multiply
from .normalization import Normalization
from .operator import Operator
from .pad import Pad
from .pool import Pool
from .prelu import PReLU
from .rescaling import Rescaling
from .reshape import Reshape
from .scale import Scale
from .shortcut import Shortcut
from .slice import ChannelSlice
from .space_to_depth import SpaceToDepth
from .split import Split
from .steps import QUIET, Step, Work
from .stochastic_depth import StochasticDepth
from .upsample import Upsample
from .zeropad import ZeroPad

__all__ = [
    "KINDS", "KIND_ALIASES", "KEY_ALIASES", "Kind", "Layer", "Cost", "Shape", "Window", "Arg", "Step", "Work",
    "QUIET", "register",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Kind:
    """A layer type as written in YAML: its class and any arguments its name implies."""

    name: str
    cls: type[Layer]
    preset: dict[str, Any] = field(default_factory=dict)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("conv", Conv),
        Kind("depthwise", Depthwise),
        Kind("deconv", Deconv),
        Kind("local", Local),
        Kind("pool", Pool),
        Kind("gap", GlobalAvgPool),
        Kind("gmp", GlobalMaxPool),
        Kind("adaptive_pool", AdaptivePool),
        Kind("fc", FullyConnected),
        Kind("flatten", Flatten),
        Kind("bn", BatchNorm),
        Kind("lrn", LocalResponseNorm),
        Kind("dropout", Dropout),
        Kind("identity", Identity),
        Kind("zeropad", ZeroPad),
        Kind("upsample", Upsample),
        Kind("crop", Crop),
        Kind("split", Split),
        Kind("space_to_depth", SpaceToDepth),
        Kind("add", Add),
        Kind("concat", Concat),
        Kind("multiply", Multiply),
        Kind("maximum", Maximum),
        Kind("shortcut", Shortcut),
        Kind("scale", Scale),
        Kind("prelu", PReLU),
        Kind("channel_shuffle", ChannelShuffle),
        Kind("layer_norm", LayerNorm),
        Kind("layer_scale", LayerScale),
        Kind("stochastic_depth", StochasticDepth),
        Kind("slice", ChannelSlice),
        Kind("activation", ChosenActivation),
        Kind("instance_norm", InstanceNorm),
        Kind("operator", Operator),
        Kind("reshape", Reshape),
        Kind("rescaling", Rescaling),
        Kind("normalization", Normalization),
        Kind("cropping", Cropping),
        Kind("custom", Custom),
        Kind("pad", Pad),
        Kind("attention", Attention),
        Kind("dfl", DistributionFocalLoss),
        *(Kind(n, Activation, {"function": n}) for n in ACTIVATIONS if n not in ("identity", "linear")),
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
