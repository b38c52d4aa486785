"""The PyTorch export's table keyed by layer kind: each leaf as a constructor and a forward call.

`EMITTERS[kind](leaf, input shapes, attribute)` gives the `Code` of one leaf; every registered
kind has an entry (tests/test_kind_tables.py), and a kind without one is an error, never a
guess.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import dims
from ..errors import CnnError
from ..graph import Leaf
from ..layers import Shape
from .pytorch_code import Code, _kwargs, _pad_call, _pair, calls
from .pytorch_helpers import ACTIVATION_MODULES, DEFAULT_ALPHA
from .pytorch_keras import EMITTERS as KERAS_EMITTERS
from .pytorch_keras import global_pool, partial_bn


def leaf_code(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    emit = EMITTERS.get(leaf.layer.KIND)
    if emit is None:  # every registered kind has an emitter (tests/test_kind_tables.py)
        raise CnnError(f"{leaf.name}: export to PyTorch does not know '{leaf.kind}'", leaf.loc)
    return emit(leaf, inputs, attr)


def _conv(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer, c_in = leaf.layer, inputs[0][2]
    if layer.KIND == "depthwise":
        filters, groups = c_in * layer.multiplier, c_in
    else:
        filters, groups = layer.filters, layer.groups
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    symmetric = top == bottom and left == right
    init = f"nn.Conv2d({c_in}, {filters}, kernel_size={_pair(layer.f)}" + _kwargs(
        stride=_pair(layer.s) if layer.s != (1, 1) else None,
        padding=_pair((top, left)) if symmetric and (top, left) != (0, 0) else None,
        dilation=_pair(layer.dilation) if layer.dilation != (1, 1) else None,
        groups=groups if groups != 1 else None,
        bias=None if layer.bias else False,
    ) + ")"
    pre = "{}" if symmetric else _pad_call((top, bottom, left, right))
    note = "" if symmetric else "asymmetric padding applied by F.pad in forward"
    return Code(init, calls(attr, pre, layer.activation), note=note)


def _deconv(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    """Native ConvTranspose2d when its symmetric padding and output_padding say it, else trimmed."""
    layer = leaf.layer
    h, w, c_in = inputs[0]
    explicit = layer.padding if isinstance(layer.padding, tuple) else (0, 0, 0, 0)
    cuts: list[tuple[int, int, int]] = []  # per axis: removed before, removed after, added at the end
    sizes = zip((h, w), layer.f, layer.s, layer.dilation, leaf.output[:2], strict=True)
    for axis, (n, f, s, d, out) in enumerate(sizes):
        full = (n - 1) * s + d * (f - 1) + 1  # ConvTranspose2d's output with no padding
        if layer.padding == "same":  # TensorFlow: out = n*s, removing max(k - s, 0), less before
            total = max(d * (f - 1) + 1 - s, 0)
            before, after = total // 2, total - total // 2
        else:  # `valid` is (0, 0, 0, 0)
            before, after = explicit[2 * axis], explicit[2 * axis + 1]
        cuts.append((before, after, out - (full - before - after)))
    axes = zip(cuts, layer.s, layer.dilation, strict=True)
    # PyTorch's padding removes the same from both sides; output_padding must be below s or d
    native = all(b == a and 0 <= e < max(s, d) for (b, a, e), s, d in axes)
    common = _kwargs(
        stride=_pair(layer.s) if layer.s != (1, 1) else None,
        dilation=_pair(layer.dilation) if layer.dilation != (1, 1) else None,
        bias=None if layer.bias else False,
    )
    head = f"{c_in}, {layer.filters}, kernel_size={_pair(layer.f)}"
    if native:
        pads, extras = (cuts[0][0], cuts[1][0]), (cuts[0][2], cuts[1][2])
        init = f"nn.ConvTranspose2d({head}{common}" + _kwargs(
            padding=_pair(pads) if pads != (0, 0) else None,
            output_padding=_pair(extras) if extras != (0, 0) else None,
        ) + ")"
        return Code(init, calls(attr, "{}", layer.activation))
    (bh, ah, eh), (bw, aw, ew) = cuts
    trim = (-bw, ew - aw, -bh, eh - ah)
    init = f"ConvTranspose2dTrimmed({head}{common}, trim={trim})"
    return Code(init, calls(attr, "{}", layer.activation), {"ConvTranspose2dTrimmed"},
                 "padding PyTorch cannot say natively: trimmed after")


def _local(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    pad = (left, right, top, bottom)
    init = (
        f"LocallyConnected2d({inputs[0][2]}, {layer.filters}, {_pair(layer.f)}, {tuple(leaf.output[:2])}"
        + _kwargs(
            stride=_pair(layer.s) if layer.s != (1, 1) else None,
            padding=pad if any(pad) else None,
            bias=None if layer.bias else False,
        )
        + ")"
    )
    return Code(init, calls(attr, "{}", layer.activation), {"LocallyConnected2d"})


def _pool(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    """Native when padding is symmetric and at most f/2 (PyTorch's limit), else padded by F.pad.

    F.pad pads with -inf for max (padding never wins) and 0 for avg, and pads the end just enough
    for cnncalc's output size, so `ceil: true` needs no ceil_mode there.
    """
    layer = leaf.layer
    h, w, _ = inputs[0]
    s = layer.stride
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    cls = "nn.MaxPool2d" if layer.mode == "max" else "nn.AvgPool2d"
    native = top == bottom and left == right and 2 * top <= layer.f[0] and 2 * left <= layer.f[1]
    stride = None if tuple(s) == tuple(layer.f) else _pair(s)
    if native:
        pads = (top, left) != (0, 0)
        init = f"{cls}({_pair(layer.f)}" + _kwargs(
            stride=stride,
            padding=_pair((top, left)) if pads else None,
            ceil_mode=True if layer.ceil else None,
            count_include_pad=False if layer.mode == "avg" and layer.padding == "same" and pads else None,
        ) + ")"
        return Code(init, calls(attr))
    out_h, out_w = leaf.output[0], leaf.output[1]
    # a negative end pad would trim rows no window reads; torch's F.pad cannot trim more than the
    # input holds (a 1-row input padded 2 at the top and -2 at the bottom), so pad 0 instead: the
    # floor-mode pool then stops at the same window, as (out - 1)s + f <= n + top
    bottom = max((out_h - 1) * s[0] + layer.f[0] - h - top, 0)
    right = max((out_w - 1) * s[1] + layer.f[1] - w - left, 0)
    init = f"{cls}({_pair(layer.f)}" + _kwargs(stride=stride) + ")"
    fill = 'float("-inf")' if layer.mode == "max" else None
    return Code(init, calls(attr, _pad_call((top, bottom, left, right), fill)),
                 note="padding applied by F.pad in forward")


def _adaptive_pool(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    cls = "nn.AdaptiveAvgPool2d" if layer.mode == "avg" else "nn.AdaptiveMaxPool2d"
    return Code(f"{cls}({_pair(layer.output)})", calls(attr))


def _fc(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    n_in = dims.product(inputs[0])
    init = f"nn.Linear({n_in}, {layer.units}" + _kwargs(bias=None if layer.bias else False) + ")"
    pre = "torch.flatten({}, 1)" if len(inputs[0]) != 1 else "{}"
    return Code(init, calls(attr, pre, layer.activation))


def _flatten(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    return Code("nn.Flatten()", calls(attr), note="C x H x W order; cnncalc counts only sizes")


def _bn(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    partial = partial_bn(leaf, inputs, attr)
    if partial is not None:
        return partial
    cls = "nn.BatchNorm2d" if len(inputs[0]) == 3 else "nn.BatchNorm1d"
    init = f"{cls}({inputs[0][-1]}" + _kwargs(
        eps=layer.epsilon if layer.epsilon != 1e-5 else None,
        momentum=layer.momentum if layer.momentum != 0.1 else None,
        affine=None if layer.affine else False,
    ) + ")"
    return Code(init, calls(attr))


def _lrn(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    lrn = f"nn.LocalResponseNorm({layer.size}, alpha={layer.alpha!r}, beta={layer.beta!r}, k={layer.k!r})"
    if len(inputs[0]) == 3:
        return Code(lrn, calls(attr))
    # torch's LRN wants N x C x ...: give a vector a spatial axis of 1 and take it away again
    return Code(f"nn.Sequential(nn.Unflatten(1, ({inputs[0][0]}, 1)), {lrn}, nn.Flatten())", calls(attr))


def _dropout(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    return Code(f"nn.Dropout({leaf.layer.rate!r})", calls(attr))


def _activation(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    alpha = layer.alpha if layer.alpha is not None else DEFAULT_ALPHA.get(layer.function)
    return Code(ACTIVATION_MODULES[layer.function].format(alpha=alpha), calls(attr))


def _identity(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    role = getattr(leaf.layer, "role", None)
    return Code("nn.Identity()", calls(attr), note=f"stands for {role}" if role else "")


def _zeropad(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    top, bottom, left, right = leaf.layer.p
    return Code(f"nn.ZeroPad2d(({left}, {right}, {top}, {bottom}))", calls(attr))


def _upsample(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    factor = layer.factor[0] if layer.factor[0] == layer.factor[1] else tuple(layer.factor)
    extra = ", align_corners=False" if layer.mode == "bilinear" else ""
    return Code(f'nn.Upsample(scale_factor={factor}, mode="{layer.mode}"{extra})', calls(attr))


def _crop(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    top, left = leaf.layer.offsets(inputs[0])
    h, w = leaf.layer.output
    return Code(f"CenterCrop({top}, {left}, {h}, {w})", calls(attr), {"CenterCrop"})


def _split(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    size = leaf.output[-1]
    start = leaf.layer.index * size
    return Code(f"ChannelSlice({start}, {start + size})", calls(attr), {"ChannelSlice"})


def _space_to_depth(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    return Code(f"nn.PixelUnshuffle({leaf.layer.block})", calls(attr),
                 note="channel order differs from Darknet's reorg; the sizes agree")


def _merge(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    activation = leaf.layer.activation
    if leaf.layer.KIND == "add" and activation:  # a module, as torchvision writes the ReLU after a sum
        module = ACTIVATION_MODULES[activation].format(alpha=DEFAULT_ALPHA.get(activation))
        return Code(f"Add({module})", calls(attr), {"Add"})
    cls = "Add" if leaf.layer.KIND == "add" else "Concat"
    return Code(f"{cls}()", calls(attr, "{}", activation), {cls})


_ELEMENTWISE = {"multiply": "Multiply", "maximum": "Maximum", "shortcut": "DarknetShortcut"}


def _elementwise(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    cls = _ELEMENTWISE[leaf.layer.KIND]
    return Code(f"{cls}()", calls(attr, "{}", getattr(leaf.layer, "activation", None)), {cls})


def _scale(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    init = f"ChannelScale({inputs[0][-1]}" + _kwargs(bias=True if leaf.layer.bias else None) + ")"
    return Code(init, calls(attr), {"ChannelScale"})


def _prelu(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    count = 1 if leaf.layer.shared else inputs[0][-1]
    return Code(f"nn.PReLU({count})", calls(attr), note="one slope" if count == 1 else "")


def _instance_norm(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    init = f"nn.InstanceNorm2d({inputs[0][-1]}" + _kwargs(
        eps=layer.epsilon if layer.epsilon != 1e-5 else None, affine=True if layer.affine else None) + ")"
    return Code(init, calls(attr))


def _placeholder(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    out = leaf.output
    shape = (out[2], out[0], out[1]) if len(out) == 3 else tuple(out)
    init = f"Placeholder({leaf.layer.params}, {leaf.layer.buffers}, {tuple(int(d) for d in shape)})"
    return Code(init, calls(attr), {"Placeholder"}, note=f"stands for {leaf.layer.type}")


def _channel_shuffle(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    return Code(f"ChannelShuffle({leaf.layer.groups})", calls(attr), {"ChannelShuffle"})


def _layer_norm(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    cls = "LayerNorm2d" if len(inputs[0]) == 3 else "nn.LayerNorm"
    init = f"{cls}({inputs[0][-1]}" + _kwargs(
        eps=layer.epsilon if layer.epsilon != 1e-5 else None,
        elementwise_affine=None if layer.affine else False,
    ) + ")"
    return Code(init, calls(attr), {"LayerNorm2d"} if cls == "LayerNorm2d" else set())


def _layer_scale(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    init = f"LayerScale({inputs[0][-1]}" + _kwargs(init=leaf.layer.init if leaf.layer.init != 1e-6 else None) + ")"
    return Code(init, calls(attr), {"LayerScale"})


def _stochastic_depth(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    mode = f', "{layer.mode}"' if layer.mode != "row" else ""
    return Code(f"StochasticDepth({layer.rate!r}{mode})", calls(attr), {"StochasticDepth"},
                 "the identity in eval mode")


def _slice(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    start, stop = leaf.layer.bounds(inputs[0][-1])
    return Code(f"ChannelSlice({start}, {stop})", calls(attr), {"ChannelSlice"})


_PAD_MODULES = {"reflect": "nn.ReflectionPad2d", "edge": "nn.ReplicationPad2d", "wrap": "nn.CircularPad2d",
                "constant": "nn.ZeroPad2d"}


def _pad(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    top, bottom, left, right = leaf.layer.p
    return Code(f"{_PAD_MODULES[leaf.layer.mode]}(({left}, {right}, {top}, {bottom}))", calls(attr))


def _attention(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    layer = leaf.layer
    return Code(f"SelfAttention({layer.heads}, {layer.key_dim}, {layer.head_dim})", calls(attr), {"SelfAttention"})


def _dfl(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    return Code(f"DFL({leaf.layer.reg_max})", calls(attr, "{}"), {"DFL"},
                 note="anchors in the order of its inputs")


EMITTERS: dict[str, Callable[[Leaf, list[Shape], str], Code]] = {
    "conv": _conv,
    "depthwise": _conv,
    "deconv": _deconv,
    "local": _local,
    "pool": _pool,
    "gap": global_pool,
    "gmp": global_pool,
    "adaptive_pool": _adaptive_pool,
    "fc": _fc,
    "flatten": _flatten,
    "bn": _bn,
    "lrn": _lrn,
    "dropout": _dropout,
    "activation": _activation,
    "identity": _identity,
    "zeropad": _zeropad,
    "upsample": _upsample,
    "crop": _crop,
    "split": _split,
    "space_to_depth": _space_to_depth,
    "add": _merge,
    "concat": _merge,
    "multiply": _elementwise,
    "maximum": _elementwise,
    "shortcut": _elementwise,
    "scale": _scale,
    "prelu": _prelu,
    "channel_shuffle": _channel_shuffle,
    "layer_norm": _layer_norm,
    "layer_scale": _layer_scale,
    "stochastic_depth": _stochastic_depth,
    "slice": _slice,
    "instance_norm": _instance_norm,
    "operator": _placeholder,
    "pad": _pad,
    "attention": _attention,
    "dfl": _dfl,
    **KERAS_EMITTERS,
}
