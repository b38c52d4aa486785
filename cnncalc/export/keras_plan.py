"""A report as the Keras 3 layers that compute it: one layer per row, plus the few Keras needs
beside it (a Flatten before a Dense on an image, a ZeroPadding2D for explicit padding, an
Activation after an add). `cnncalc export --to keras` writes these as code and `summarize
--format keras` prints them as Keras' model.summary() would; a table keyed by kind, and a kind
without a Keras 3 layer is one clear error naming the row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnError, Location
from ..escape import visible
from ..graph import INPUT, Leaf
from ..report import Report, Row

KERAS_ACTIVATIONS = {
    "relu": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "elu": "elu", "selu": "selu",
    "gelu": "gelu", "silu": "silu", "swish": "swish", "mish": "mish", "sigmoid": "sigmoid",
    "hard_sigmoid": "hard_sigmoid", "hardswish": "hard_swish", "tanh": "tanh", "softmax": "softmax",
    "softplus": "softplus", "linear": "linear", "identity": "linear",
}  # fmt: skip


@dataclass
class KLayer:
    name: str  # the Keras layer name
    cls: str  # its Keras class
    args: list[str]  # constructor arguments, as code
    inputs: list[str]  # Keras names of the layers it reads ('input' for the model's input)
    output: tuple[Any, ...]
    params: Any = 0  # Keras' count_params() of the layer
    trainable: bool = True
    notes: list[str] = field(default_factory=list)
    helper: bool = False  # a class of the script's own (keras_helpers.py), not of keras.layers
    holds: bool = False  # holds the row's weights when other layers come with it
    reuses: str | None = None  # a shared layer's later call: the KLayer (first call) it calls again


def keras_name(name: str) -> str:
    """Keras refuses '/' in a layer name (a nested model's rows carry one), and its torch
    backend '.' (a composite's rows carry one): both become '_' (plan keeps them unique)."""
    return name.replace("/", "_").replace(".", "_")


def plan(report: Report) -> list[KLayer]:
    if report.symbols:
        raise CnnError("the network has symbolic sizes: give --input (or --set) to write it for Keras",
                       Location(report.file))
    out: list[KLayer] = []
    names: dict[str, str] = {INPUT: "input"}
    shapes = {INPUT: tuple(report.input)}
    holders: dict[str, KLayer] = {}
    for row in report.rows:
        leaf = row.leaf
        assert leaf is not None
        ins = [names[i] for i in row.inputs]
        in_shapes = [shapes[i] for i in row.inputs]
        emit = _TABLE.get(leaf.layer.KIND)
        if emit is None:  # every registered kind has an entry (tests/test_keras_export.py)
            raise CnnError(f"{row.name}: a {leaf.kind} layer has no Keras 3 layer to export it to", row.loc)
        made = emit(row, leaf, ins, in_shapes)
        for k in made:
            k.trainable = row.trainable == row.params
        holder = next((k for k in made if k.holds), made[-1])
        holder.params = row.params + row.buffers
        holders[row.name] = holder
        if leaf.shares is not None:  # Keras calls the first call's layer object again
            first = holders[leaf.shares]
            if (holder.cls, holder.args) != (first.cls, first.args):
                raise CnnError(f"{row.name}: shares {leaf.shares}'s weights, but its Keras layer differs", row.loc)
            holder.reuses = first.name
        out.extend(made)
        names[row.name] = made[-1].name
        shapes[row.name] = tuple(row.output)
    return _unique(out)


def outputs(layers: list[KLayer]) -> list[str]:
    """The model's outputs: the last layer, then every other layer nothing reads (an auxiliary
    classifier), in order: a Keras model keeps only what leads to an output."""
    read = {i for k in layers for i in k.inputs} | {k.reuses for k in layers if k.reuses}
    if not layers:
        return ["input"]
    last = layers[-1].name
    return [last, *(k.name for k in layers[:-1] if k.name not in read and k.reuses is None)]


def _unique(layers: list[KLayer]) -> list[KLayer]:
    """'a.b' and 'a_b' both read 'a_b' in Keras: later ones take a suffix, as Keras' own names do."""
    taken = {"input"}
    renamed: dict[str, str] = {}
    for k in layers:
        k.inputs = [renamed.get(i, i) for i in k.inputs]
        if k.reuses is not None:
            k.reuses = renamed.get(k.reuses, k.reuses)
        name, i = k.name, 1
        while name in taken:
            i += 1
            name = f"{k.name}_{i}"
        renamed[k.name] = name
        k.name = name
        taken.add(name)
    return layers


def _kw(**items: Any) -> list[str]:
    return [f"{k}={v!r}" for k, v in items.items() if v is not None]


def _t(pair: Any) -> tuple[int, int]:
    return (int(pair[0]), int(pair[1]))


def _one(row: Row, cls: str, args: list[str], ins: list[str]) -> list[KLayer]:
    return [KLayer(keras_name(row.name), cls, args, ins, tuple(row.output))]


def _padded(row: Row, leaf: Leaf, ins: list[str], shape: Any, f: Any, s: Any, d: Any, max_pool: bool = False
            ) -> tuple[list[KLayer], list[str], str]:
    """'valid'/'same' as Keras says them; explicit padding as a ZeroPadding2D before the layer.

    A max pool's padding never wins (PyTorch and ONNX pad with -inf): Keras' 'same' where it is
    the same padding (TensorFlow's: the odd one after), else the edge values repeated (Pad2D),
    which a window covering them already holds while each pad is below the window."""
    padding = leaf.layer.padding
    if padding in ("valid", "same") and not getattr(leaf.layer, "ceil", False):
        return [], ins, padding
    top, _, left, _ = leaf.cost.padding or (0, 0, 0, 0)
    h, w = shape[0], shape[1]
    span = [d[i] * (f[i] - 1) + 1 for i in (0, 1)]
    bottom = (row.output[0] - 1) * s[0] + span[0] - h - top
    right = (row.output[1] - 1) * s[1] + span[1] - w - left
    if min(top, left, bottom, right) < 0:
        raise CnnError(f"{row.name}: its padding has no Keras equivalent", row.loc)
    if not any((top, bottom, left, right)):
        return [], ins, "valid"
    pads = ((top, bottom), (left, right))
    if max_pool and pads == (_tf_same(h, f[0], s[0]), _tf_same(w, f[1], s[1])):
        return [], ins, "same"
    out = (h + top + bottom, w + left + right, shape[2])
    if max_pool and max(top, bottom) < f[0] and max(left, right) < f[1]:
        pad = KLayer(keras_name(row.name) + "_pad", "Pad2D", [f"padding={pads!r}", "mode='edge'"], ins, out,
                     helper=True, notes=["the edge repeated: for the max pool after it, padding that never wins"])
    else:
        pad = KLayer(keras_name(row.name) + "_pad", "ZeroPadding2D", [f"padding={pads!r}"], ins, out)
    return [pad], [pad.name], "valid"


def _tf_same(n: int, f: int, s: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding of one axis: output ceil(n / s), the odd row or column after."""
    total = max((-(-n // s) - 1) * s + f - n, 0)
    return total // 2, total - total // 2


def _activation(name: str | None) -> str | None:
    return None if name is None else KERAS_ACTIVATIONS[name]


def _conv(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    pre, ins, padding = _padded(row, leaf, ins, shapes[0], layer.f, layer.s, layer.dilation)
    common = _kw(strides=_t(layer.s), padding=padding, dilation_rate=_t(layer.dilation),
                 use_bias=layer.bias, activation=_activation(layer.activation))
    if leaf.kind == "depthwise":
        args = [f"kernel_size={_t(layer.f)!r}", *_kw(depth_multiplier=layer.multiplier), *common]
        return pre + _one(row, "DepthwiseConv2D", args, ins)
    args = [f"filters={layer.filters}", f"kernel_size={_t(layer.f)!r}", *_kw(groups=layer.groups), *common]
    return pre + _one(row, "Conv2D", args, ins)


def _deconv(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    if layer.padding != "same" and layer.padding != (0, 0, 0, 0):
        # Keras' Conv2DTranspose says no explicit padding: the full output, then cropped
        top, bottom, left, right = layer.padding
        h, w = row.output[0] + top + bottom, row.output[1] + left + right
        extra = _kw(output_padding=_t(layer.output_padding)) if any(layer.output_padding) else []
        args = [f"filters={layer.filters}", f"kernel_size={_t(layer.f)!r}", *_kw(
            strides=_t(layer.s), padding="valid", dilation_rate=_t(layer.dilation), use_bias=layer.bias,
            activation=_activation(layer.activation)), *extra]
        full = KLayer(keras_name(row.name) + "_full", "Conv2DTranspose", args, ins, (h, w, row.output[2]),
                      holds=True)
        crop = f"cropping={((top, bottom), (left, right))!r}"
        return [full, *_one(row, "Cropping2D", [crop], [full.name])]
    if layer.padding == "same" or layer.padding == (0, 0, 0, 0):
        padding = "same" if layer.padding == "same" else "valid"
        extra = _kw(output_padding=_t(layer.output_padding)) if any(layer.output_padding) else []
        args = [f"filters={layer.filters}", f"kernel_size={_t(layer.f)!r}", *_kw(
            strides=_t(layer.s), padding=padding, dilation_rate=_t(layer.dilation), use_bias=layer.bias,
            activation=_activation(layer.activation)), *extra]
        return _one(row, "Conv2DTranspose", args, ins)
    raise CnnError(f"{row.name}: a deconv with explicit padding has no Keras Conv2DTranspose equivalent", row.loc)


def _pool(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    pre, ins, padding = _padded(row, leaf, ins, shapes[0], layer.f, layer.stride, (1, 1), layer.mode == "max")
    cls = "MaxPooling2D" if layer.mode == "max" else "AveragePooling2D"
    args = [f"pool_size={_t(layer.f)!r}", *_kw(strides=_t(layer.stride), padding=padding)]
    return pre + _one(row, cls, args, ins)


def _global(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    cls = "GlobalAveragePooling2D" if leaf.kind == "gap" else "GlobalMaxPooling2D"
    return _one(row, cls, _kw(keepdims=getattr(leaf.layer, "keepdims", True)), ins)


def _adaptive(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    (h, w, _), (oh, ow) = shapes[0], leaf.layer.output
    mode = leaf.layer.mode
    if (oh, ow) == (1, 1):
        return _one(row, "GlobalAveragePooling2D" if mode == "avg" else "GlobalMaxPooling2D", ["keepdims=True"], ins)
    if h % oh or w % ow:  # PyTorch's uneven bins
        return _helper(row, "AdaptivePooling2D", [f"output_size={(oh, ow)!r}", f"mode={mode!r}"], ins)
    cls = "AveragePooling2D" if mode == "avg" else "MaxPooling2D"
    return _one(row, cls, [f"pool_size={(h // oh, w // ow)!r}"], ins)


def _fc(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    pre: list[KLayer] = []
    if len(shapes[0]) != 1:  # cnncalc's fc flattens an image first; Keras' Dense would not
        n = 1
        for d in shapes[0]:
            n *= d
        pre = [KLayer(keras_name(row.name) + "_flatten", "Flatten", [], ins, (n,))]
        ins = [pre[0].name]
    args = [f"units={layer.units}", *_kw(use_bias=layer.bias, activation=_activation(layer.activation))]
    return pre + _one(row, "Dense", args, ins)


def _bn(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    scale, center = layer.affine and layer.scale, layer.affine and layer.center
    return _one(row, "BatchNormalization", _kw(epsilon=layer.epsilon, scale=scale, center=center), ins)


def _act(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    if layer.function == "leaky_relu" and layer.alpha is not None:
        return _one(row, "LeakyReLU", [f"negative_slope={layer.alpha!r}"], ins)
    if layer.function == "elu" and layer.alpha is not None:
        return _one(row, "ELU", [f"alpha={layer.alpha!r}"], ins)
    return _one(row, "Activation", [repr(KERAS_ACTIVATIONS[layer.function])], ins)


def _merge(cls: str) -> Callable[[Row, Leaf, list[str], list[Any]], list[KLayer]]:
    def emit(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
        activation = getattr(leaf.layer, "activation", None)
        if not activation:
            return _one(row, cls, [], ins)
        first = KLayer(keras_name(row.name) + "_merge", cls, [], ins, tuple(row.output))
        return [first, *_one(row, "Activation", [repr(KERAS_ACTIVATIONS[activation])], [first.name])]

    return emit


def _simple(cls: str, args: Callable[[Leaf, list[Any]], list[str]] = lambda leaf, s: []
            ) -> Callable[[Row, Leaf, list[str], list[Any]], list[KLayer]]:
    return lambda row, leaf, ins, shapes: _one(row, cls, args(leaf, shapes), ins)


def _crop(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    h, w, _ = shapes[0]
    top, left = leaf.layer.offsets(shapes[0])
    oh, ow = leaf.layer.output
    return _one(row, "Cropping2D", [f"cropping={((top, h - oh - top), (left, w - ow - left))!r}"], ins)


def _helper(row: Row, cls: str, args: list[str], ins: list[str]) -> list[KLayer]:
    made = _one(row, cls, args, ins)
    made[0].helper = True
    return made


def _lrn(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    return _helper(row, "LocalResponseNormalization", _kw(size=layer.size, alpha=layer.alpha, beta=layer.beta,
                                                          k=layer.k), ins)


def _local(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    pad = tuple(int(p) for p in (leaf.cost.padding or (0, 0, 0, 0)))
    args = [f"filters={layer.filters}", f"kernel_size={_t(layer.f)!r}", f"strides={_t(layer.s)!r}",
            f"padding={pad!r}", f"out_size={_t(row.output[:2])!r}", f"use_bias={layer.bias!r}"]
    made = _helper(row, "LocallyConnected2D", args, ins)
    if layer.activation:
        made.append(KLayer(keras_name(row.name) + "_activation", "Activation",
                           [repr(KERAS_ACTIVATIONS[layer.activation])], [made[0].name], tuple(row.output)))
        made[0].holds = True
    return made


def _split(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    size = row.output[-1]
    start = leaf.layer.index * size
    return _helper(row, "ChannelSlice", [f"start={start}", f"stop={start + size}"], ins)


def _slice(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    start, stop = leaf.layer.bounds(shapes[0][-1])
    return _helper(row, "ChannelSlice", [f"start={start}", f"stop={stop}"], ins)


def _normalization(leaf: Leaf, shapes: list[Any]) -> list[str]:
    c = shapes[0][-1]
    return [f"mean={[0.0] * c!r}", f"variance={[1.0] * c!r}"] if leaf.layer.given else []


def _instance_norm(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    """One group per channel: GroupNormalization normalizes each over n_H x n_W, as instance norm."""
    layer = leaf.layer
    return _one(row, "GroupNormalization", [f"groups={shapes[0][-1]}", *_kw(
        epsilon=layer.epsilon, center=layer.affine, scale=layer.affine)], ins)


def _pad(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    top, bottom, left, right = leaf.layer.p
    padding = f"padding={((top, bottom), (left, right))!r}"
    if leaf.layer.mode == "constant":
        return _one(row, "ZeroPadding2D", [padding], ins)
    return _helper(row, "Pad2D", [padding, f"mode={leaf.layer.mode!r}"], ins)


def _attention(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    return _helper(row, "SelfAttention", [f"heads={layer.heads}", f"key_dim={layer.key_dim}",
                                          f"head_dim={layer.head_dim}"], ins)


def _operator(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    made = _helper(row, "OperatorPlaceholder", [f"op={visible(layer.type)!r}", f"shape={tuple(row.output)!r}",
                                                *_kw(params=layer.params or None, buffers=layer.buffers or None)], ins)
    made[0].notes.append(f"a stand-in for the {layer.type} operator (no arithmetic in cnncalc): "
                         "zeros of its shape, holding its weights; replace it")
    return made


def _shortcut(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    activation = leaf.layer.activation
    if not activation:
        return _helper(row, "DarknetShortcut", [], ins)
    first = KLayer(keras_name(row.name) + "_merge", "DarknetShortcut", [], ins, tuple(row.output), helper=True)
    return [first, *_one(row, "Activation", [repr(KERAS_ACTIVATIONS[activation])], [first.name])]


_TABLE: dict[str, Callable[[Row, Leaf, list[str], list[Any]], list[KLayer]]] = {
    "conv": _conv, "depthwise": _conv, "deconv": _deconv, "pool": _pool, "gap": _global, "gmp": _global,
    "adaptive_pool": _adaptive, "fc": _fc, "bn": _bn, "activation": _act,
    "flatten": _simple("Flatten"),
    "dropout": _simple("Dropout", lambda leaf, s: [repr(leaf.layer.rate)]),
    "identity": _simple("Identity"),
    "zeropad": _simple("ZeroPadding2D", lambda leaf, s: [
        f"padding={((leaf.layer.p[0], leaf.layer.p[1]), (leaf.layer.p[2], leaf.layer.p[3]))!r}"]),
    "cropping": _simple("Cropping2D", lambda leaf, s: [
        f"cropping={((leaf.layer.p[0], leaf.layer.p[1]), (leaf.layer.p[2], leaf.layer.p[3]))!r}"]),
    "crop": _crop,
    "upsample": _simple("UpSampling2D", lambda leaf, s: [f"size={_t(leaf.layer.factor)!r}",
                                                          f"interpolation={leaf.layer.mode!r}"]),
    "reshape": _simple("Reshape", lambda leaf, s: [repr(tuple(leaf.layer.shape))]),
    "rescaling": _simple("Rescaling", lambda leaf, s: [repr(leaf.layer.scale), f"offset={leaf.layer.offset!r}"]),
    "normalization": _simple("Normalization", _normalization),
    "prelu": _simple("PReLU", lambda leaf, s: [
        f"shared_axes={list(range(1, len(s[0]) + (1 if leaf.layer.shared else 0)))!r}"] if len(s[0]) > 1
        or leaf.layer.shared else []),
    "add": _merge("Add"), "concat": _merge("Concatenate"), "multiply": _merge("Multiply"),
    "maximum": _merge("Maximum"),
    "lrn": _lrn, "local": _local, "split": _split, "slice": _slice,
    "channel_shuffle": lambda row, leaf, ins, s: _helper(row, "ChannelShuffle", [f"groups={leaf.layer.groups}"], ins),
    "layer_scale": lambda row, leaf, ins, s: _helper(row, "LayerScale", [f"init_values={leaf.layer.init!r}"], ins),
    "stochastic_depth": lambda row, leaf, ins, s: _helper(row, "StochasticDepth", [f"rate={leaf.layer.rate!r}"], ins),
    "space_to_depth": lambda row, leaf, ins, s: _helper(row, "SpaceToDepth", [f"block={leaf.layer.block}"], ins),
    "scale": lambda row, leaf, ins, s: _helper(row, "ChannelScale", _kw(use_bias=leaf.layer.bias or None), ins),
    "custom": lambda row, leaf, ins, s: _helper(row, "CustomPlaceholder", [f"shape={tuple(row.output)!r}"], ins),
    "layer_norm": _simple("LayerNormalization", lambda leaf, s: _kw(
        epsilon=leaf.layer.epsilon, center=leaf.layer.affine, scale=leaf.layer.affine)),
    "instance_norm": _instance_norm, "pad": _pad, "attention": _attention, "operator": _operator,
    "shortcut": _shortcut,
    "dfl": lambda row, leaf, ins, s: _helper(row, "DFL", [f"reg_max={leaf.layer.reg_max}"], ins),
}  # fmt: skip
