"""A report as the Keras 3 layers that compute it: one layer per row, plus the few Keras needs
beside it (a Flatten before a Dense on an image, a ZeroPadding2D for explicit padding, an
Activation after an add). `cnncalc export --to keras` writes these as code and `summarize
--format keras` prints them as Keras' model.summary() would; a table keyed by `Layer.KIND` with
an entry for every registered kind (the windowed ones in keras_conv.py), and a kind without one
is one clear error naming the row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import CnnError, Location
from ..escape import visible
from ..graph import INPUT, Leaf
from ..report import Report, Row
from .keras_base import KERAS_ACTIVATIONS, KLayer, activation_arg, helper, keras_name, kw, one, pair
from .keras_conv import conv, deconv, pool

__all__ = ["KERAS_ACTIVATIONS", "KLayer", "keras_name", "outputs", "plan"]


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


def _global(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    cls = "GlobalAveragePooling2D" if leaf.kind == "gap" else "GlobalMaxPooling2D"
    return one(row, cls, kw(keepdims=getattr(leaf.layer, "keepdims", True)), ins)


def _adaptive(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    (h, w, _), (oh, ow) = shapes[0], leaf.layer.output
    mode = leaf.layer.mode
    if (oh, ow) == (1, 1):
        return one(row, "GlobalAveragePooling2D" if mode == "avg" else "GlobalMaxPooling2D", ["keepdims=True"], ins)
    if h % oh or w % ow:  # PyTorch's uneven bins
        return helper(row, "AdaptivePooling2D", [f"output_size={(oh, ow)!r}", f"mode={mode!r}"], ins)
    cls = "AveragePooling2D" if mode == "avg" else "MaxPooling2D"
    return one(row, cls, [f"pool_size={(h // oh, w // ow)!r}"], ins)


def _fc(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    pre: list[KLayer] = []
    if len(shapes[0]) != 1:  # cnncalc's fc flattens an image first; Keras' Dense would not
        n = 1
        for d in shapes[0]:
            n *= d
        pre = [KLayer(keras_name(row.name) + "_flatten", "Flatten", [], ins, (n,))]
        ins = [pre[0].name]
    args = [f"units={layer.units}", *kw(use_bias=layer.bias, activation=activation_arg(layer.activation))]
    return pre + one(row, "Dense", args, ins)


def _bn(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    scale, center = layer.affine and layer.scale, layer.affine and layer.center
    return one(row, "BatchNormalization", kw(epsilon=layer.epsilon, scale=scale, center=center), ins)


def _act(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    if layer.function == "leaky_relu" and layer.alpha is not None:
        return one(row, "LeakyReLU", [f"negative_slope={layer.alpha!r}"], ins)
    if layer.function == "elu" and layer.alpha is not None:
        return one(row, "ELU", [f"alpha={layer.alpha!r}"], ins)
    return one(row, "Activation", [repr(KERAS_ACTIVATIONS[layer.function])], ins)


def _merge(cls: str) -> Callable[[Row, Leaf, list[str], list[Any]], list[KLayer]]:
    def emit(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
        activation = getattr(leaf.layer, "activation", None)
        if not activation:
            return one(row, cls, [], ins)
        first = KLayer(keras_name(row.name) + "_merge", cls, [], ins, tuple(row.output))
        return [first, *one(row, "Activation", [repr(KERAS_ACTIVATIONS[activation])], [first.name])]

    return emit


def _simple(cls: str, args: Callable[[Leaf, list[Any]], list[str]] = lambda leaf, s: []
            ) -> Callable[[Row, Leaf, list[str], list[Any]], list[KLayer]]:
    return lambda row, leaf, ins, shapes: one(row, cls, args(leaf, shapes), ins)


def _crop(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    h, w, _ = shapes[0]
    top, left = leaf.layer.offsets(shapes[0])
    oh, ow = leaf.layer.output
    return one(row, "Cropping2D", [f"cropping={((top, h - oh - top), (left, w - ow - left))!r}"], ins)


def _lrn(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    return helper(row, "LocalResponseNormalization", kw(size=layer.size, alpha=layer.alpha, beta=layer.beta,
                                                          k=layer.k), ins)


def _local(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    pad = tuple(int(p) for p in (leaf.cost.padding or (0, 0, 0, 0)))
    args = [f"filters={layer.filters}", f"kernel_size={pair(layer.f)!r}", f"strides={pair(layer.s)!r}",
            f"padding={pad!r}", f"out_size={pair(row.output[:2])!r}", f"use_bias={layer.bias!r}"]
    made = helper(row, "LocallyConnected2D", args, ins)
    if layer.activation:
        made.append(KLayer(keras_name(row.name) + "_activation", "Activation",
                           [repr(KERAS_ACTIVATIONS[layer.activation])], [made[0].name], tuple(row.output)))
        made[0].holds = True
    return made


def _split(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    size = row.output[-1]
    start = leaf.layer.index * size
    return helper(row, "ChannelSlice", [f"start={start}", f"stop={start + size}"], ins)


def _slice(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    start, stop = leaf.layer.bounds(shapes[0][-1])
    return helper(row, "ChannelSlice", [f"start={start}", f"stop={stop}"], ins)


def _normalization(leaf: Leaf, shapes: list[Any]) -> list[str]:
    c = shapes[0][-1]
    return [f"mean={[0.0] * c!r}", f"variance={[1.0] * c!r}"] if leaf.layer.given else []


def _instance_norm(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    """One group per channel: GroupNormalization normalizes each over n_H x n_W, as instance norm."""
    layer = leaf.layer
    return one(row, "GroupNormalization", [f"groups={shapes[0][-1]}", *kw(
        epsilon=layer.epsilon, center=layer.affine, scale=layer.affine)], ins)


def _pad(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    top, bottom, left, right = leaf.layer.p
    padding = f"padding={((top, bottom), (left, right))!r}"
    if leaf.layer.mode == "constant":
        return one(row, "ZeroPadding2D", [padding], ins)
    return helper(row, "Pad2D", [padding, f"mode={leaf.layer.mode!r}"], ins)


def _attention(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    return helper(row, "SelfAttention", [f"heads={layer.heads}", f"key_dim={layer.key_dim}",
                                          f"head_dim={layer.head_dim}"], ins)


def _operator(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    made = helper(row, "OperatorPlaceholder", [f"op={visible(layer.type)!r}", f"shape={tuple(row.output)!r}",
                                                *kw(params=layer.params or None, buffers=layer.buffers or None)], ins)
    made[0].notes.append(f"a stand-in for the {layer.type} operator (no arithmetic in cnncalc): "
                         "zeros of its shape, holding its weights; replace it")
    return made


def _shortcut(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    activation = leaf.layer.activation
    if not activation:
        return helper(row, "DarknetShortcut", [], ins)
    first = KLayer(keras_name(row.name) + "_merge", "DarknetShortcut", [], ins, tuple(row.output), helper=True)
    return [first, *one(row, "Activation", [repr(KERAS_ACTIVATIONS[activation])], [first.name])]


_TABLE: dict[str, Callable[[Row, Leaf, list[str], list[Any]], list[KLayer]]] = {
    "conv": conv, "depthwise": conv, "deconv": deconv, "pool": pool, "gap": _global, "gmp": _global,
    "adaptive_pool": _adaptive, "fc": _fc, "bn": _bn, "activation": _act,
    "flatten": _simple("Flatten"),
    "dropout": _simple("Dropout", lambda leaf, s: [repr(leaf.layer.rate)]),
    "identity": _simple("Identity"),
    "zeropad": _simple("ZeroPadding2D", lambda leaf, s: [
        f"padding={((leaf.layer.p[0], leaf.layer.p[1]), (leaf.layer.p[2], leaf.layer.p[3]))!r}"]),
    "cropping": _simple("Cropping2D", lambda leaf, s: [
        f"cropping={((leaf.layer.p[0], leaf.layer.p[1]), (leaf.layer.p[2], leaf.layer.p[3]))!r}"]),
    "crop": _crop,
    "upsample": _simple("UpSampling2D", lambda leaf, s: [f"size={pair(leaf.layer.factor)!r}",
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
    "channel_shuffle": lambda row, leaf, ins, s: helper(row, "ChannelShuffle", [f"groups={leaf.layer.groups}"], ins),
    "layer_scale": lambda row, leaf, ins, s: helper(row, "LayerScale", [f"init_values={leaf.layer.init!r}"], ins),
    "stochastic_depth": lambda row, leaf, ins, s: helper(row, "StochasticDepth", [f"rate={leaf.layer.rate!r}"], ins),
    "space_to_depth": lambda row, leaf, ins, s: helper(row, "SpaceToDepth", [f"block={leaf.layer.block}"], ins),
    "scale": lambda row, leaf, ins, s: helper(row, "ChannelScale", kw(use_bias=leaf.layer.bias or None), ins),
    "custom": lambda row, leaf, ins, s: helper(row, "CustomPlaceholder", [f"shape={tuple(row.output)!r}"], ins),
    "layer_norm": _simple("LayerNormalization", lambda leaf, s: kw(
        epsilon=leaf.layer.epsilon, center=leaf.layer.affine, scale=leaf.layer.affine)),
    "instance_norm": _instance_norm, "pad": _pad, "attention": _attention, "operator": _operator,
    "shortcut": _shortcut,
    "dfl": lambda row, leaf, ins, s: helper(row, "DFL", [f"reg_max={leaf.layer.reg_max}"], ins),
}  # fmt: skip
