"""Caffe `.prototxt` -> a located cnncalc layer list (SPEC §1), with Caffe's own arithmetic.

Rows keep Caffe's layer names; blobs (`bottom`/`top`) become `from` names, so in-place layers
(`top` = `bottom`) simply follow the layer that last wrote the blob. Caffe rounds convolution
outputs down and pooling outputs up (`round_mode: CEIL`, its default): pooling rows get
`ceil: true`. `BatchNorm` followed by the `Scale` that reads its output is one `bn` (Caffe's
mean and variance are its buffers, Scale's gamma and beta its parameters); a `BatchNorm` alone
is `bn: {affine: false}`. Both the current `layer { type: "Convolution" }` and the old
`layers { type: CONVOLUTION }` (V1) forms are read; layers of the TRAIN phase only, losses and
accuracy layers are left out (a network is analysed as deployed).
"""

from __future__ import annotations

import functools
import re
from pathlib import PurePath
from typing import Any

from ..errors import CnnError, Location
from ..source import Node
from ..spec import check_printable
from .build import Net
from .prototext import Enum, Field, Message, parse

V1_TYPES = {
    "CONVOLUTION": "Convolution", "DECONVOLUTION": "Deconvolution", "POOLING": "Pooling",
    "INNER_PRODUCT": "InnerProduct", "RELU": "ReLU", "SIGMOID": "Sigmoid", "TANH": "TanH",
    "LRN": "LRN", "DROPOUT": "Dropout", "CONCAT": "Concat", "ELTWISE": "Eltwise",
    "SOFTMAX": "Softmax", "SOFTMAX_LOSS": "SoftmaxWithLoss", "FLATTEN": "Flatten", "SPLIT": "Split",
    "DATA": "Data", "IMAGE_DATA": "ImageData", "MEMORY_DATA": "MemoryData", "HDF5_DATA": "HDF5Data",
    "WINDOW_DATA": "WindowData", "DUMMY_DATA": "DummyData", "ACCURACY": "Accuracy",
    "POWER": "Power", "ABSVAL": "AbsVal", "BNLL": "BNLL", "EXP": "Exp", "THRESHOLD": "Threshold",
    "SILENCE": "Silence", "ARGMAX": "ArgMax", "MVN": "MVN", "SLICE": "Slice", "IM2COL": "Im2col",
    "EUCLIDEAN_LOSS": "EuclideanLoss", "INFOGAIN_LOSS": "InfogainLoss", "HINGE_LOSS": "HingeLoss",
    "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss", "CONTRASTIVE_LOSS": "ContrastiveLoss",
    "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss", "HDF5_OUTPUT": "HDF5Output",
}
_DATA = {"Data", "ImageData", "HDF5Data", "WindowData", "MemoryData", "DummyData", "Input", "Python"}
_LEFT_OUT = {"Accuracy", "Silence", "HDF5Output", "ArgMax"}  # report on the network, not part of it
_SIMPLE = {"Sigmoid": "sigmoid", "TanH": "tanh", "Softmax": "softmax", "Flatten": "flatten", "Swish": "swish",
           "ELU": "elu", "ReLU6": "relu6", "Mish": "mish", "HardSwish": "hardswish", "GELU": "gelu"}
# depthwise layers of Caffe forks (BVLC/caffe PR 5665, yonghenglh6/DepthwiseConvolution), used by
# MobileNet ports: a Convolution whose `group` defaults to num_output (one filter per channel)
_DEPTHWISE = {"ConvolutionDepthwise", "DepthwiseConvolution"}
_SHAPE_KEPT = {"AbsVal", "BNLL", "Power", "Exp", "Log", "Threshold", "Clip", "MVN"}  # no params


def looks_like(text: str) -> bool:
    """Protobuf text with Caffe's `layer {` / `layers {` blocks or `input_dim:` lines."""
    from . import _CAFFE_LIKE

    return _CAFFE_LIKE.search(text) is not None


# `constraints` reads the file once per input size it tries, each with its own --input: the
# message tree does not depend on it (and conversion only reads it), so it is parsed once
# (issue 13 fuzzing: GoogLeNet's constraints spent 6 s of 7 s re-parsing the same text).
_parsed = functools.lru_cache(maxsize=2)(parse)


def load(text: str, filename: str, input_override: str | None = None) -> Node:
    root = _parsed(text, filename)
    conv = _Converter(Net(filename), filename, input_override)
    conv.top_level_inputs(root)
    layers = [f for f in root.fields if f.name in ("layer", "layers") and isinstance(f.value, Message)]
    layers = [f for f in layers if _in_test_phase(f.value)]
    i = 0
    while i < len(layers):
        nxt = layers[i + 1].value if i + 1 < len(layers) else None
        folded = conv.layer(layers[i], nxt)  # True: the next layer (a Scale) is part of this bn
        i += 2 if folded else 1
    if conv.shape is None:
        raise CnnError("the file gives no input shape (input_shape, input_dim or an Input layer)",
                       Location(filename))
    title = root.get("name") or PurePath(filename).stem
    check_printable(str(title), root.loc_of("name"), "network")
    return conv.net.root(str(title), conv.shape, conv.shape_loc, f"Caffe prototxt {PurePath(filename).name}")


def _in_test_phase(layer: Message) -> bool:
    """Caffe's NetStateRule for phase TEST: `include` lists where it runs, `exclude` where not."""
    includes = [f.value for f in layer.all("include") if isinstance(f.value, Message)]
    excludes = [f.value for f in layer.all("exclude") if isinstance(f.value, Message)]
    if includes:
        return any(str(rule.get("phase", "TEST")) == "TEST" for rule in includes)
    return not any(str(rule.get("phase", "")) == "TEST" for rule in excludes)


def _param(layer: Message, key: str) -> Message:
    v = layer.get(key)
    return v if isinstance(v, Message) else Message(layer.loc)


def _int(msg: Message, key: str, default: int | None = None) -> int:
    v = msg.get(key, default)
    if v is None:
        raise CnnError(f"'{key}' is required here", msg.loc)
    if isinstance(v, bool) or not isinstance(v, int):
        raise CnnError(f"'{key}' must be an integer, got {v}", msg.loc_of(key))
    return v


def _float(msg: Message, key: str, default: float) -> float:
    v = msg.get(key, default)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    raise CnnError(f"'{key}' must be a number, got {v}", msg.loc_of(key))


def _bool(msg: Message, key: str, default: bool) -> bool:
    v = msg.get(key)
    if v is None:
        return default
    word = str(v).lower()
    if word in ("true", "1", "t"):
        return True
    if word in ("false", "0", "f"):
        return False
    raise CnnError(f"'{key}' must be true or false, got {v}", msg.loc_of(key))


def _pair(msg: Message, key: str, key_h: str, key_w: str, default: int | None) -> Any:
    """`kernel_h`/`kernel_w`, else a repeated `kernel_size` (one value for both, or h and w)."""
    if msg.has(key_h) or msg.has(key_w):
        h, w = _int(msg, key_h, default), _int(msg, key_w, default)
    else:
        values = msg.values(key)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int):
                raise CnnError(f"'{key}' must be an integer, got {v}", msg.loc_of(key))
        if not values:
            if default is None:
                raise CnnError(f"'{key}' is required here", msg.loc)
            return default
        if len(values) > 2:
            raise CnnError(f"'{key}' is given {len(values)} times; 2-D layers take 1 or 2", msg.loc_of(key))
        h, w = values[0], values[-1]
    return h if h == w else [h, w]


def _shape(dims: list[Any], loc: Location) -> list[int]:
    """A Caffe blob shape N x C x H x W (or N x C) -> cnncalc's [H, W, C] (or [C])."""
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        raise CnnError("shape dimensions must be integers", loc)
    if len(dims) == 4:
        return [dims[2], dims[3], dims[1]]
    if len(dims) == 2:
        return [dims[1]]
    raise CnnError(f"an input shape of {len(dims)} dimensions; cnncalc reads N x C x H x W or N x C", loc)


class _Converter:
    def __init__(self, net: Net, filename: str, input_override: str | None) -> None:
        self.net = net
        self.filename = filename
        self.override = input_override
        self.blobs: dict[str, str] = {}  # blob name -> row that last wrote it ('input')
        self.aux: set[str] = set()  # blobs that are not the image (labels, extra inputs)
        self.shape: Any = None
        self.shape_loc = Location(filename)

    # ---- inputs -----------------------------------------------------------------------

    def set_input(self, blob: str, dims: list[Any] | None, loc: Location, what: str) -> None:
        if self.shape is not None:
            self.aux.add(blob)
            return
        if dims is None:
            if not self.override:
                raise CnnError(f"{what} gives no input shape; pass --input (such as 227x227x3)", loc)
            self.shape = self.override
        else:
            self.shape = _shape(dims, loc)
        self.shape_loc = loc
        self.blobs[blob] = "input"

    def top_level_inputs(self, root: Message) -> None:
        names = [f for f in root.all("input")]
        shapes = [f for f in root.all("input_shape") if isinstance(f.value, Message)]
        dims = root.values("input_dim")
        for i, f in enumerate(names):
            check_printable(str(f.value), f.value_loc, "input")
            if i < len(shapes):
                self.set_input(str(f.value), shapes[i].value.values("dim"), shapes[i].loc, "input")
            elif dims:
                self.set_input(str(f.value), dims[4 * i: 4 * i + 4], root.loc_of("input_dim"), "input")
            else:
                self.set_input(str(f.value), None, f.loc, f"input '{f.value}'")

    def data_layer(self, kind: str, layer: Message, name: str, loc: Location) -> None:
        tops = [str(t) for t in layer.values("top")]
        if not tops:
            return
        dims: list[Any] | None = None
        if kind in ("Input", "DummyData"):
            param = "input_param" if kind == "Input" else "dummy_data_param"
            shapes = [f.value for f in _param(layer, param).all("shape")]
            dims = shapes[0].values("dim") if shapes else None
        elif (crop := _param(layer, "transform_param").get("crop_size")) and len(
            means := _param(layer, "transform_param").values("mean_value")
        ) > 1:  # crop_size and one mean_value per channel say the shape
            dims = [1, len(means), crop, crop]
        elif kind == "MemoryData":
            p = _param(layer, "memory_data_param")
            dims = [_int(p, key, 1) for key in ("batch_size", "channels", "height", "width")]
        if self.override and dims is None:
            self.set_input(tops[0], None, loc, f"{kind} layer '{name}'")
        else:
            self.set_input(tops[0], dims, loc, f"{kind} layer '{name}'")
        for t in tops[1:]:
            self.aux.add(t)  # labels

    # ---- layers -----------------------------------------------------------------------

    def layer(self, f: Field, nxt: Message | None) -> bool:
        """Convert one layer; True when it also consumed the next one (a Scale after BatchNorm)."""
        layer = f.value
        loc = f.loc
        raw = layer.get("type")
        if raw is None:
            raise CnnError("a layer without 'type'", loc)
        kind = V1_TYPES.get(str(raw), str(raw)) if isinstance(raw, Enum) else str(raw)
        name = str(layer.get("name", "") or f"{kind.lower()}{len(self.net.rows) + 1}")
        bottoms = layer.all("bottom")
        check_printable(name, layer.loc_of("name"), "layer")
        for blob in (*bottoms, *layer.all("top")):  # blob names reach messages and `from`
            check_printable(str(blob.value), blob.value_loc, "blob")
        if kind in _DATA and not bottoms:  # a Python layer with bottoms is not a data source
            self.data_layer(kind, layer, name, loc)
            return False
        if kind in _LEFT_OUT or kind.endswith("Loss") or any(str(b.value) in self.aux for b in bottoms):
            if kind.endswith("Loss") or kind in _LEFT_OUT:
                return False
            bad = next(b for b in bottoms if str(b.value) in self.aux)
            raise CnnError(f"layer '{name}' reads '{bad.value}', which is not the network's image input",
                           bad.value_loc)
        inputs = []
        for b in bottoms:
            blob = str(b.value)
            if blob not in self.blobs:
                raise CnnError(f"layer '{name}' reads blob '{blob}', which no earlier layer writes",
                               b.value_loc)
            inputs.append(self.blobs[blob])
        if not inputs and kind != "Split":
            raise CnnError(f"layer '{name}' ({kind}) has no 'bottom'", loc)
        row = self.net.unique(re.sub(r"\.", "_", name) if name != "input" else "input_")
        consumed = False
        if kind == "Split":
            out = inputs[0]
        else:
            out, consumed = self.convert(kind, layer, row, loc, inputs, nxt)
        for t in layer.values("top"):
            self.blobs[str(t)] = out
        if consumed and nxt is not None:
            for t in nxt.values("top"):
                self.blobs[str(t)] = out
        return consumed

    def convert(self, kind: str, layer: Message, row: str, loc: Location, inputs: list[str],
                nxt: Message | None) -> tuple[str, bool]:
        add = self.net.add
        depthwise = kind in _DEPTHWISE
        if depthwise:
            kind = "Convolution"
        if kind in ("Convolution", "Deconvolution"):
            p = _param(layer, "convolution_param")
            args: dict[str, Any] = {
                "filters": _int(p, "num_output"),
                "f": _pair(p, "kernel_size", "kernel_h", "kernel_w", None),
                "s": _pair(p, "stride", "stride_h", "stride_w", 1),
                "padding": _pair(p, "pad", "pad_h", "pad_w", 0),
                "dilation": _pair(p, "dilation", "dilation", "dilation", 1),
            }
            groups = _int(p, "group", args["filters"] if depthwise else 1)
            if groups != 1:
                if kind == "Deconvolution":
                    raise CnnError("Deconvolution with 'group' is not supported", p.loc_of("group"))
                args["groups"] = groups
            if not _bool(p, "bias_term", True):
                args["bias"] = False
            for key, default in (("s", 1), ("padding", 0), ("dilation", 1)):  # cnncalc's defaults
                if args[key] == default:
                    del args[key]
            locs = {"filters": p.loc_of("num_output"), "f": p.loc_of("kernel_size" if p.has("kernel_size")
                                                                       else "kernel_h"),
                    "s": p.loc_of("stride"), "padding": p.loc_of("pad"), "groups": p.loc_of("group"),
                    "bias": p.loc_of("bias_term"), "dilation": p.loc_of("dilation")}
            return add("conv" if kind == "Convolution" else "deconv", row, loc, args, locs, inputs), False
        if kind == "Pooling":
            p = _param(layer, "pooling_param")
            mode = "avg" if str(p.get("pool", "MAX")) in ("AVE", "1") else "max"
            if _bool(p, "global_pooling", False):
                return add("gap" if mode == "avg" else "gmp", row, loc, None, None, inputs), False
            args = {"mode": mode, "f": _pair(p, "kernel_size", "kernel_h", "kernel_w", None),
                    "s": _pair(p, "stride", "stride_h", "stride_w", 1),
                    "padding": _pair(p, "pad", "pad_h", "pad_w", 0),
                    "ceil": str(p.get("round_mode", "CEIL")) != "FLOOR"}
            if args["padding"] == 0:
                del args["padding"]
            locs = {"f": p.loc_of("kernel_size"), "s": p.loc_of("stride"), "padding": p.loc_of("pad"),
                    "ceil": p.loc_of("round_mode")}
            return add("pool", row, loc, args, locs, inputs), False
        if kind == "InnerProduct":
            p = _param(layer, "inner_product_param")
            args = {"units": _int(p, "num_output")}
            if not _bool(p, "bias_term", True):
                args["bias"] = False
            return add("fc", row, loc, args, {"units": p.loc_of("num_output")}, inputs), False
        if kind == "ReLU":
            slope = _float(_param(layer, "relu_param"), "negative_slope", 0.0)
            if slope:
                return add("leaky_relu", row, loc, {"alpha": slope}, None, inputs), False
            return add("relu", row, loc, None, None, inputs), False
        if kind in _SIMPLE:
            return add(_SIMPLE[kind], row, loc, None, None, inputs), False
        if kind == "PReLU":
            shared = _bool(_param(layer, "prelu_param"), "channel_shared", False)
            return add("prelu", row, loc, {"shared": True} if shared else None, None, inputs), False
        if kind in _SHAPE_KEPT:
            return add("identity", row, loc, {"role": kind}, None, inputs), False
        if kind == "LRN":
            p = _param(layer, "lrn_param")
            args = {"size": _int(p, "local_size", 5), "alpha": _float(p, "alpha", 1.0),
                    "beta": _float(p, "beta", 0.75), "k": _float(p, "k", 1.0)}
            return add("lrn", row, loc, args, None, inputs), False
        if kind == "Dropout":
            rate = _float(_param(layer, "dropout_param"), "dropout_ratio", 0.5)
            return add("dropout", row, loc, {"rate": rate}, None, inputs), False
        if kind == "Concat":
            p = _param(layer, "concat_param")
            axis = _int(p, "axis", _int(p, "concat_dim", 1))
            if axis != 1:
                raise CnnError(f"Concat along axis {axis}; cnncalc concatenates channels (axis 1)",
                               p.loc_of("axis"))
            if len(inputs) == 1:
                return add("identity", row, loc, {"role": "Concat"}, None, inputs), False
            return add("concat", row, loc, None, None, inputs), False
        if kind == "Eltwise":
            op = str(_param(layer, "eltwise_param").get("operation", "SUM"))
            target = {"SUM": "add", "1": "add", "PROD": "multiply", "0": "multiply", "MAX": "maximum",
                      "2": "maximum"}.get(op)
            if target is None:
                raise CnnError(f"unknown Eltwise operation '{op}'", layer.loc_of("eltwise_param"))
            return add(target, row, loc, None, None, inputs), False
        if kind == "BatchNorm":
            p = _param(layer, "batch_norm_param")
            args = {"epsilon": _float(p, "eps", 1e-5)} if p.has("eps") else {}
            tops = [str(t) for t in layer.values("top")]
            if (nxt is not None and str(nxt.get("type", "")) in ("Scale", "SCALE")
                    and [str(b) for b in nxt.values("bottom")] == tops[:1]
                    and _bool(_param(nxt, "scale_param"), "bias_term", False)):
                return add("bn", row, loc, args, None, inputs), True
            args["affine"] = False
            return add("bn", row, loc, args, None, inputs), False
        if kind == "Scale":
            if len(inputs) > 1:
                return add("multiply", row, loc, None, None, inputs), False
            bias = _bool(_param(layer, "scale_param"), "bias_term", False)
            return add("scale", row, loc, {"bias": True} if bias else None, None, inputs), False
        raise CnnError(f"unsupported Caffe layer type '{kind}'", layer.loc_of("type"))
