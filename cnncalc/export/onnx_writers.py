"""One ONNX writer per layer kind (`_WRITERS`, keyed by `Layer.KIND`): each adds the node(s) of a
layer, its output tensor named after the layer and its weights initializers `layer.weight`, ...
A kind missing here is an error naming it (and tests/test_kind_tables.py fails on it)."""

from __future__ import annotations

from typing import Any

from ..errors import CnnError
from ..graph import Leaf
from ..layers import Shape
from .onnx_edge import LOWEST, channel_shuffle, lrn, shortcut, window_input
from .onnx_keras_kinds import cropping, custom, normalization, rescaling, reshape
from .onnx_local import local
from .onnx_model import Model, Writer, channel_shape, src
from .onnx_operator import operator


def _pads(leaf: Leaf) -> list[int]:
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    return [int(top), int(left), int(bottom), int(right)]


def _conv(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer, c_in = leaf.layer, int(inputs[0][2])
    if type(layer).KIND == "depthwise":
        filters, groups = c_in * layer.multiplier, c_in
    else:
        filters, groups = layer.filters, layer.groups
    fh, fw = layer.f
    fan_in = (c_in // groups) * fh * fw
    extent = [int(d) * (int(f) - 1) + 1 for d, f in zip(layer.dilation, layer.f)]
    x, pads, _ = window_input(m, leaf, src(leaf, 0), inputs, extent, [int(d) for d in layer.s], _pads(leaf),
                              pool=False)
    args = [x, m.weight(f"{leaf.name}.weight", [filters, c_in // groups, fh, fw], fan_in)]
    if layer.bias:
        args.append(m.weight(f"{leaf.name}.bias", [filters], fan_in))
    return m.node("Conv", args, leaf.name, kernel_shape=[fh, fw], strides=list(layer.s),
                  dilations=list(layer.dilation), pads=pads, group=groups)


def _deconv(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    h, w, c_in = (int(d) for d in inputs[0])
    fh, fw = layer.f
    pads, out_pad = [0, 0, 0, 0], list(layer.output_padding)
    if isinstance(layer.padding, tuple):
        top, bottom, left, right = layer.padding
        pads = [top, left, bottom, right]
    elif layer.padding == "same":  # output n * s: pad the surplus, or add what is missing at the end
        for axis, (f, s, d) in enumerate(zip(layer.f, layer.s, layer.dilation)):
            total = d * (f - 1) + 1 - s
            if total >= 0:
                pads[axis], pads[axis + 2] = total // 2, total - total // 2
            else:
                out_pad[axis] = -total
    args = [src(leaf, 0), m.weight(f"{leaf.name}.weight", [c_in, layer.filters, fh, fw], c_in * fh * fw)]
    attrs = {"kernel_shape": [fh, fw], "strides": list(layer.s), "dilations": list(layer.dilation), "pads": pads}
    if all(p < int(s) for p, s in zip(out_pad, layer.s)):
        if layer.bias:
            args.append(m.weight(f"{leaf.name}.bias", [layer.filters], c_in * fh * fw))
        return m.node("ConvTranspose", args, leaf.name, output_padding=out_pad, **attrs)
    # an output_padding onnxruntime refuses (not below the stride): the rows it adds
    # at the end hold the bias alone, as PyTorch's do: zeros by a Pad, then the bias
    body = m.node("ConvTranspose", args, f"{leaf.name}/transposed", **attrs)
    grown = m.ints(f"{leaf.name}/output_padding", [0, 0, 0, 0, 0, 0, *out_pad])
    if not layer.bias:
        return m.node("Pad", [body, grown], leaf.name)
    padded = m.node("Pad", [body, grown], f"{leaf.name}/output_padded")
    bias = m.weight(f"{leaf.name}.bias", [layer.filters, 1, 1], c_in * fh * fw)
    return m.node("Add", [padded, bias], leaf.name)


def _pool(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    op = "MaxPool" if layer.mode == "max" else "AveragePool"
    extra = {} if op == "MaxPool" else {"count_include_pad": 1}
    f, s = [int(d) for d in layer.f], [int(d) for d in layer.stride]
    x, pads, said = window_input(m, leaf, src(leaf, 0), inputs, f, s, _pads(leaf), bool(layer.ceil),
                                 LOWEST if op == "MaxPool" else 0.0)
    ceil = int(layer.ceil) if said else 0
    return m.node(op, [x], leaf.name, kernel_shape=f, strides=s, pads=pads, ceil_mode=ceil, **extra)


def _global(op: str) -> Writer:
    def write(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
        if len(leaf.output) == 3:
            return m.node(op, [src(leaf, 0)], leaf.name)
        # keepdims: false (Keras' default) is the vector [C]: N x C, flattened after the pool
        return m.node("Flatten", [m.node(op, [src(leaf, 0)], f"{leaf.name}/pool")], leaf.name, axis=1)

    return write


def _adaptive(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    op = "MaxPool" if layer.mode == "max" else "AveragePool"
    if tuple(layer.output) == (1, 1):
        return m.node("GlobalMaxPool" if layer.mode == "max" else "GlobalAveragePool", [src(leaf, 0)], leaf.name)
    h, w = int(inputs[0][0]), int(inputs[0][1])
    oh, ow = layer.output
    # stride floor(n/m) and kernel n - (m-1) s: m windows covering the input, as PyTorch's bins do
    # when m divides n; otherwise the same output size, with windows of one width (PyTorch's vary)
    sh, sw = h // oh, w // ow
    kernel = [h - (oh - 1) * sh, w - (ow - 1) * sw]
    return m.node(op, [src(leaf, 0)], leaf.name, kernel_shape=kernel, strides=[sh, sw])


def _fc(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    x = src(leaf, 0)
    n_in = 1
    for d in inputs[0]:
        n_in *= int(d)
    if len(inputs[0]) != 1:
        x = m.node("Flatten", [x], f"{leaf.name}/flatten", axis=1)
    args = [x, m.weight(f"{leaf.name}.weight", [layer.units, n_in], n_in)]
    if layer.bias:
        args.append(m.weight(f"{leaf.name}.bias", [layer.units], n_in))
    return m.node("Gemm", args, leaf.name, transB=1)


def _flatten(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return m.node("Flatten", [src(leaf, 0)], leaf.name, axis=1)


def _bn(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    name = leaf.name
    if not leaf.layer.affine:  # (x - mean) * (1 / sqrt(var + eps)): the 2C statistics, no gamma or beta
        cs = channel_shape(inputs[0])
        mean = m.weight(f"{name}.running_mean", cs, c, "small")
        centred = m.node("Sub", [src(leaf, 0), mean], f"{name}/centre")
        inv = m.weight(f"{name}.inverse_std", cs, c, "positive")
        return m.node("Mul", [centred, inv], name)
    # Keras' scale: false / center: false: gamma 1 or beta 0 fixed, a Constant node (not counted)
    layer = leaf.layer
    gamma = (m.weight(f"{name}.weight", [c], c, "positive") if layer.scale
             else m.floats(f"{name}/unit_scale", [1.0] * c))
    beta = m.weight(f"{name}.bias", [c], c, "small") if layer.center else m.floats(f"{name}/zero_bias", [0.0] * c)
    args = [src(leaf, 0), gamma, beta, m.weight(f"{name}.running_mean", [c], c, "small"),
            m.weight(f"{name}.running_var", [c], c, "positive")]
    return m.node("BatchNormalization", args, name, epsilon=float(layer.epsilon))


def _instance_norm(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    name = leaf.name
    if not leaf.layer.affine:
        raise CnnError(f"{name}: ONNX InstanceNormalization always has a scale and a bias", leaf.loc)
    args = [src(leaf, 0), m.weight(f"{name}.weight", [c], c, "positive"), m.weight(f"{name}.bias", [c], c, "small")]
    return m.node("InstanceNormalization", args, name, epsilon=float(leaf.layer.epsilon))


def _layer_norm(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    name = leaf.name
    x = src(leaf, 0)
    if getattr(leaf.layer, "affine", True):
        args = [x, m.weight(f"{name}.weight", [c], c, "positive"), m.weight(f"{name}.bias", [c], c, "small")]
    else:  # nothing learned: gamma 1 as a Constant node (not counted), no beta
        args = [x, m.floats(f"{name}/unit_scale", [1.0] * c)]
    if len(inputs[0]) != 3:
        return m.node("LayerNormalization", args, name, axis=-1, epsilon=float(leaf.layer.epsilon))
    args[0] = m.node("Transpose", [x], f"{name}/to_channels_last", perm=[0, 2, 3, 1])
    normed = m.node("LayerNormalization", args, f"{name}/normalize", axis=-1, epsilon=float(leaf.layer.epsilon))
    return m.node("Transpose", [normed], name, perm=[0, 3, 1, 2])


def _dropout(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    ratio = m.scalar(f"{leaf.name}/ratio", leaf.layer.rate)
    return m.node("Dropout", [src(leaf, 0), ratio], leaf.name)


_ACTIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("Relu", {}), "selu": ("Selu", {}), "gelu": ("Gelu", {}), "mish": ("Mish", {}),
    "sigmoid": ("Sigmoid", {}), "hard_sigmoid": ("HardSigmoid", {"alpha": 1 / 6}),
    "hardswish": ("HardSwish", {}), "tanh": ("Tanh", {}), "softmax": ("Softmax", {"axis": 1}),
    "softplus": ("Softplus", {}), "linear": ("Identity", {}), "identity": ("Identity", {}),
}  # fmt: skip


def _activation_node(m: Model, function: str, alpha: float | None, x: str, out: str, helper: str) -> str:
    if function in _ACTIVATIONS:
        op, attrs = _ACTIVATIONS[function]
        return m.node(op, [x], out, helper, **attrs)
    if function == "leaky_relu":
        return m.node("LeakyRelu", [x], out, helper, alpha=float(0.01 if alpha is None else alpha))
    if function == "elu":
        return m.node("Elu", [x], out, helper, alpha=float(1.0 if alpha is None else alpha))
    if function == "relu6":
        return m.node("Clip", [x, m.scalar(f"{helper}/min", 0.0), m.scalar(f"{helper}/max", 6.0)], out, helper)
    if function in ("silu", "swish"):  # x * sigmoid(x), as torch.onnx.export writes SiLU
        gate = m.node("Sigmoid", [x], f"{helper}/sigmoid")
        return m.node("Mul", [x, gate], out, helper)
    raise CnnError(f"activation '{function}' has no ONNX form here")  # pragma: no cover - ACTIVATIONS


def _activation(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return _activation_node(m, leaf.layer.function, leaf.layer.alpha, src(leaf, 0), leaf.name, leaf.name)


def _identity(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return m.node("Identity", [src(leaf, 0)], leaf.name)


def _zeropad(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    top, bottom, left, right = (int(p) for p in leaf.layer.p)
    pads = m.ints(f"{leaf.name}/pads", [0, 0, top, left, 0, 0, bottom, right])
    return m.node("Pad", [src(leaf, 0), pads], leaf.name, mode=getattr(leaf.layer, "mode", "constant"))


def _upsample(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    fh, fw = leaf.layer.factor
    scales = m.floats(f"{leaf.name}/scales", [1.0, 1.0, float(fh), float(fw)])
    mode = "nearest" if leaf.layer.mode == "nearest" else "linear"
    return m.node("Resize", [src(leaf, 0), "", scales], leaf.name, mode=mode)


def _channel_slice(m: Model, leaf: Leaf, start: int, stop: int) -> str:
    starts = m.ints(f"{leaf.name}/starts", [start])
    ends = m.ints(f"{leaf.name}/ends", [stop])
    axes = m.ints(f"{leaf.name}/axes", [1])
    return m.node("Slice", [src(leaf, 0), starts, ends, axes], leaf.name)


def _crop(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    top, left = (int(x) for x in leaf.layer.offsets(inputs[0]))
    h, w = leaf.layer.output
    starts = m.ints(f"{leaf.name}/starts", [top, left])
    ends = m.ints(f"{leaf.name}/ends", [top + h, left + w])
    axes = m.ints(f"{leaf.name}/axes", [2, 3])
    return m.node("Slice", [src(leaf, 0), starts, ends, axes], leaf.name)


def _split(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    size = int(leaf.output[-1])
    start = leaf.layer.index * size
    return _channel_slice(m, leaf, start, start + size)


def _slice(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    start, stop = leaf.layer.bounds(inputs[0][-1])
    return _channel_slice(m, leaf, int(start), int(stop))


def _space_to_depth(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return m.node("SpaceToDepth", [src(leaf, 0)], leaf.name, blocksize=leaf.layer.block)


def _merge(op: str) -> Writer:
    def write(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
        return m.node(op, [src(leaf, i) for i in range(len(leaf.inputs))], leaf.name)

    return write


def _multiply(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    out = src(leaf, 0)
    for i in range(1, len(leaf.inputs)):
        target = leaf.name if i == len(leaf.inputs) - 1 else f"{leaf.name}/mul{i}"
        out = m.node("Mul", [out, src(leaf, i)], target)
    return out


def _scale(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    cs = channel_shape(inputs[0])
    gamma = m.weight(f"{leaf.name}.weight", cs, c, "positive")
    if not leaf.layer.bias:
        return m.node("Mul", [src(leaf, 0), gamma], leaf.name)
    scaled = m.node("Mul", [src(leaf, 0), gamma], f"{leaf.name}/scale")
    return m.node("Add", [scaled, m.weight(f"{leaf.name}.bias", cs, c, "small")], leaf.name)


def _layer_scale(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    gamma = m.weight(f"{leaf.name}.weight", channel_shape(inputs[0]), c, "small")
    return m.node("Mul", [src(leaf, 0), gamma], leaf.name)


def _prelu(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    dims = [1] if leaf.layer.shared else channel_shape(inputs[0])
    slope = m.weight(f"{leaf.name}.weight", dims, 1, "small")
    return m.node("PRelu", [src(leaf, 0), slope], leaf.name)


def _attention(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """Multi-head self-attention over the positions, as Ultralytics' Attention:
    softmax(q^T k / sqrt(key_dim)), then v attn^T."""
    layer, name = leaf.layer, leaf.name
    h, w, _ = (int(d) for d in inputs[0])
    e, k, d = layer.heads, layer.key_dim, layer.head_dim
    heads = m.node("Reshape", [src(leaf, 0), m.ints(f"{name}/heads_shape", [1, e, 2 * k + d, h * w])], f"{name}/heads")
    q, key, v = f"{name}/q", f"{name}/k", f"{name}/v"
    m.nodes.append(m.helper.make_node("Split", [heads, m.ints(f"{name}/sizes", [k, k, d])], [q, key, v],
                                      name=f"{name}/split", axis=2))
    qt = m.node("Transpose", [q], f"{name}/q_t", perm=[0, 1, 3, 2])
    scores = m.node("MatMul", [qt, key], f"{name}/scores")
    scaled = m.node("Mul", [scores, m.scalar(f"{name}/scale", k**-0.5)], f"{name}/scaled")
    attn = m.node("Softmax", [scaled], f"{name}/attn", axis=-1)
    attn_t = m.node("Transpose", [attn], f"{name}/attn_t", perm=[0, 1, 3, 2])
    out = m.node("MatMul", [v, attn_t], f"{name}/values")
    return m.node("Reshape", [out, m.ints(f"{name}/shape", [1, e * d, h, w])], name)


def _dfl(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """YOLO's DFL: every level's box bins as (4, reg_max, A), softmax over the bins, then a 1x1
    convolution with the fixed weights 0 .. reg_max - 1."""
    name, r = leaf.name, leaf.layer.reg_max
    flat = [m.node("Reshape", [src(leaf, i), m.ints(f"{name}/flat{i}_shape", [1, 4 * r, -1])], f"{name}/flat{i}")
            for i in range(len(leaf.inputs))]
    boxes = m.node("Concat", flat, f"{name}/boxes", axis=2) if len(flat) > 1 else flat[0]
    bins = m.node("Reshape", [boxes, m.ints(f"{name}/bins_shape", [1, 4, r, -1])], f"{name}/bins")
    probs = m.node("Softmax", [m.node("Transpose", [bins], f"{name}/bins_t", perm=[0, 2, 1, 3])], f"{name}/probs",
                   axis=1)
    weight = f"{name}.conv.weight"
    if m.fill:  # the fixed weights 0 .. reg_max - 1
        from onnx import numpy_helper

        m.inits.append(numpy_helper.from_array(m.np.arange(r, dtype=m.np.float32).reshape(1, r, 1, 1), weight))
    else:
        m.weight(weight, [1, r, 1, 1], r)
    dist = m.node("Conv", [probs, weight], f"{name}/conv", kernel_shape=[1, 1])
    return m.node("Reshape", [dist, m.ints(f"{name}/shape", [1, -1])], name)


_WRITERS: dict[str, Writer] = {
    "conv": _conv,
    "depthwise": _conv,
    "deconv": _deconv,
    "local": local,
    "pool": _pool,
    "gap": _global("GlobalAveragePool"),
    "gmp": _global("GlobalMaxPool"),
    "adaptive_pool": _adaptive,
    "fc": _fc,
    "flatten": _flatten,
    "bn": _bn,
    "instance_norm": _instance_norm,
    "layer_norm": _layer_norm,
    "lrn": lrn,
    "dropout": _dropout,
    "activation": _activation,
    "identity": _identity,
    "stochastic_depth": _identity,
    "zeropad": _zeropad,
    "pad": _zeropad,
    "upsample": _upsample,
    "crop": _crop,
    "split": _split,
    "slice": _slice,
    "space_to_depth": _space_to_depth,
    "channel_shuffle": channel_shuffle,
    "add": _merge("Sum"),
    "concat": lambda m, leaf, inputs: m.node("Concat", list(leaf.inputs), leaf.name, axis=1),
    "multiply": _multiply,
    "maximum": _merge("Max"),
    "shortcut": shortcut,
    "scale": _scale,
    "layer_scale": _layer_scale,
    "prelu": _prelu,
    "operator": operator,
    "attention": _attention,
    "dfl": _dfl,
    "rescaling": rescaling,
    "normalization": normalization,
    "reshape": reshape,
    "cropping": cropping,
    "custom": custom,
}
