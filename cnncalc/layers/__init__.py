"""The registry of layer kinds: one line per kind, aliases as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .affine import PReLU, Scale
from .attention import Attention, DistributionFocalLoss
from .base import ACTIVATIONS, Arg, Cost, Layer, Shape, Window
from .conv import Conv, Deconv, Depthwise, Local
from .cropping import Cropping
from .custom import Custom
from .dense import Flatten, FullyConnected
from .elementwise import Maximum, Multiply, Shortcut
from .instance_norm import InstanceNorm
from .layer_norm import LayerNorm
from .layer_scale import LayerScale
from .merge import Add, Concat
from .norm import BatchNorm, LocalResponseNorm
from .normalization import Normalization
from .operator import Operator
from .pad import Pad
from .pointwise import Activation, ChosenActivation, Dropout, Identity
from .pool import AdaptivePool, GlobalAvgPool, GlobalMaxPool, Pool
from .rescaling import Rescaling
from .reshape import Reshape
from .shuffle import ChannelShuffle
from .slice import ChannelSlice
from .spatial import Crop, SpaceToDepth, Split, Upsample, ZeroPad
from .stochastic_depth import StochasticDepth

__all__ = ["KINDS", "KIND_ALIASES", "KEY_ALIASES", "Kind", "Layer", "Cost", "Shape", "Window", "Arg"]


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
