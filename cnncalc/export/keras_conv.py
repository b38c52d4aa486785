"""Keras 3 layers for the windowed kinds: conv and depthwise (Conv2D, DepthwiseConv2D), deconv
(Conv2DTranspose) and pool, with the padding Keras cannot say written as layers of their own, and
the strides with dilations Keras refuses rewritten as the same sums (keras_helpers.py's
Subsample2D and ZeroInsert2D)."""

from __future__ import annotations

from typing import Any

from ..errors import CnnError
from ..graph import Leaf
from ..report import Row
from .keras_base import KLayer, activation_arg, helper, keras_name, kw, one, pair


def padded(row: Row, leaf: Leaf, ins: list[str], shape: Any, f: Any, s: Any, d: Any, max_pool: bool = False,
            explicit: bool = False) -> tuple[list[KLayer], list[str], str]:
    """'valid'/'same' as Keras says them; explicit padding as a ZeroPadding2D before the layer.

    A max pool's padding never wins (PyTorch and ONNX pad with -inf): Keras' 'same' where it is
    the same padding (TensorFlow's: the odd one after), else the edge values repeated (Pad2D),
    which a window covering them already holds while each pad is below the window."""
    padding = leaf.layer.padding
    if padding in ("valid", "same") and not getattr(leaf.layer, "ceil", False) and not explicit:
        return [], ins, padding
    top, _, left, _ = leaf.cost.padding or (0, 0, 0, 0)
    h, w = shape[0], shape[1]
    span = [d[i] * (f[i] - 1) + 1 for i in (0, 1)]
    bottom = (row.output[0] - 1) * s[0] + span[0] - h - top
    right = (row.output[1] - 1) * s[1] + span[1] - w - left
    # a negative end pad: rows no window reads, which a valid layer leaves alone (floor)
    bottom, right = max(bottom, 0), max(right, 0)
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


def conv(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    # Keras' Conv2D refuses strides > 1 with dilation_rate > 1: stride 1, then every s-th value
    spread = leaf.kind != "depthwise" and max(layer.s) > 1 and max(layer.dilation) > 1
    pre, ins, padding = padded(row, leaf, ins, shapes[0], layer.f, layer.s, layer.dilation, explicit=spread)
    common = kw(strides=(1, 1) if spread else pair(layer.s), padding=padding, dilation_rate=pair(layer.dilation),
                 use_bias=layer.bias, activation=activation_arg(layer.activation))
    if leaf.kind == "depthwise":
        args = [f"kernel_size={pair(layer.f)!r}", *kw(depth_multiplier=layer.multiplier), *common]
        return pre + one(row, "DepthwiseConv2D", args, ins)
    args = [f"filters={layer.filters}", f"kernel_size={pair(layer.f)!r}", *kw(groups=layer.groups), *common]
    if not spread:
        return pre + one(row, "Conv2D", args, ins)
    h, w, _ = pre[-1].output if pre else shapes[0]
    span = [d * (f - 1) + 1 for f, d in zip(layer.f, layer.dilation, strict=True)]
    note = "Keras takes no stride with a dilation: stride 1, then subsampled"
    dense = KLayer(keras_name(row.name) + "_dense", "Conv2D", args, ins,
                   (h - span[0] + 1, w - span[1] + 1, layer.filters), holds=True, notes=[note])
    return [*pre, dense, *helper(row, "Subsample2D", [f"strides={pair(layer.s)!r}"], [dense.name])]


def deconv(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    """Conv2DTranspose; explicit padding (Keras takes none) as the full output, then cropped."""
    layer = leaf.layer
    if (max(layer.s) > 1 and max(layer.dilation) > 1) or any(
            op >= s for op, s in zip(layer.output_padding, layer.s, strict=True)):
        return _deconv_spread(row, leaf, ins, shapes)
    explicit = (0, 0, 0, 0) if layer.padding == "valid" else layer.padding
    padding = "same" if explicit == "same" else "valid"
    span = [d * (f - 1) + 1 for f, d in zip(layer.f, layer.dilation, strict=True)]
    # Keras' valid output without output_padding is (n - 1)s + max(f, s): given, it is cnncalc's (n - 1)s + f + op
    given = any(layer.output_padding) or (padding == "valid" and any(f < s for f, s in zip(span, layer.s, strict=True)))
    args = [f"filters={layer.filters}", f"kernel_size={pair(layer.f)!r}", *kw(
        strides=pair(layer.s), padding=padding, dilation_rate=pair(layer.dilation), use_bias=layer.bias,
        activation=activation_arg(layer.activation)), *(kw(output_padding=pair(layer.output_padding)) if given else [])]
    if padding == "same" or explicit == (0, 0, 0, 0):
        return one(row, "Conv2DTranspose", args, ins)
    top, bottom, left, right = explicit
    h, w = row.output[0] + top + bottom, row.output[1] + left + right
    full = KLayer(keras_name(row.name) + "_full", "Conv2DTranspose", args, ins, (h, w, row.output[2]), holds=True)
    return [full, *one(row, "Cropping2D", [f"cropping={((top, bottom), (left, right))!r}"], [full.name])]


def _deconv_spread(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    """What Keras' Conv2DTranspose refuses (strides > 1 with dilation_rate > 1, an output_padding
    not below the stride): the input spread out, s - 1 zeros between its values and the extra rows
    after, then a stride-1 transposed convolution and the crop. The same sums: a zero adds nothing,
    so the extra rows hold the bias, as output_padding's do."""
    layer = leaf.layer
    h, w, c = shapes[0]
    cuts = []  # per axis: rows cropped before, after; zero rows added after the spread input
    for f, s, d, op, i in zip(layer.f, layer.s, layer.dilation, layer.output_padding, (0, 1), strict=True):
        if layer.padding == "same":  # TensorFlow's: n * s out, removing max(span - s, 0), less before
            total = d * (f - 1) + 1 - s
            cuts.append((max(total, 0) // 2, max(total, 0) - max(total, 0) // 2, max(-total, 0)))
        else:
            pads = (0, 0, 0, 0) if layer.padding == "valid" else layer.padding
            cuts.append((pads[2 * i], pads[2 * i + 1], op))
    (top, bottom, extra_h), (left, right, extra_w) = cuts
    sh, sw = (h - 1) * layer.s[0] + 1 + extra_h, (w - 1) * layer.s[1] + 1 + extra_w
    spread = KLayer(keras_name(row.name) + "_spread", "ZeroInsert2D", [
        f"strides={pair(layer.s)!r}", f"extra={(extra_h, extra_w)!r}"], ins, (sh, sw, c), helper=True,
        notes=["Keras' Conv2DTranspose takes no stride with a dilation, nor an output_padding of the stride: "
               "the input spread out, then stride 1"])
    args = [f"filters={layer.filters}", f"kernel_size={pair(layer.f)!r}", *kw(
        strides=(1, 1), padding="valid", dilation_rate=pair(layer.dilation), use_bias=layer.bias,
        activation=activation_arg(layer.activation))]
    full_h = sh + layer.dilation[0] * (layer.f[0] - 1)
    full_w = sw + layer.dilation[1] * (layer.f[1] - 1)
    if (full_h - top - bottom, full_w - left - right) != tuple(row.output[:2]):
        raise CnnError(f"{row.name}: its output size has no Keras Conv2DTranspose equivalent", row.loc)
    if not any((top, bottom, left, right)):
        return [spread, *one(row, "Conv2DTranspose", args, [spread.name])]
    full = KLayer(keras_name(row.name) + "_full", "Conv2DTranspose", args, [spread.name],
                  (full_h, full_w, layer.filters), holds=True)
    return [spread, full, *one(row, "Cropping2D", [f"cropping={((top, bottom), (left, right))!r}"], [full.name])]


def pool(row: Row, leaf: Leaf, ins: list[str], shapes: list[Any]) -> list[KLayer]:
    layer = leaf.layer
    pre, ins, padding = padded(row, leaf, ins, shapes[0], layer.f, layer.stride, (1, 1), layer.mode == "max")
    cls = "MaxPooling2D" if layer.mode == "max" else "AveragePooling2D"
    args = [f"pool_size={pair(layer.f)!r}", *kw(strides=pair(layer.stride), padding=padding)]
    return pre + one(row, cls, args, ins)
