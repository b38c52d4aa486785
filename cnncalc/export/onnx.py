"""Report -> an ONNX model (`cnncalc export --to onnx`): opset 20, one node per layer, named after it.

cnncalc's n_H x n_W x n_C is ONNX's N x C x H x W with a batch of one; a vector of units is N x
units. Every layer is a node whose output tensor has the layer's name (a layer that needs
several ONNX nodes names the helpers `layer/what`; an `activation:` key is a node
`layer/activation` after it), and its weights are initializers `layer.weight`, `layer.bias`,
`layer.running_mean`, ... Shape and axis constants are `Constant` nodes, so the initializers are
exactly the network's params and buffers. The weights are random (numpy's default_rng with a
fixed seed, scaled by 1/sqrt(fan-in)), as the model's doc_string says: the file is for Netron,
onnxruntime or TensorRT to load, time and check shapes with, not for predictions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnError, Location
from ..graph import INPUT, Leaf
from ..layers import Shape
from ..report import Report

OPSET = 20
SEED = 0
MISSING = "export --to onnx needs the onnx package: pip install 'cnncalc[onnx]'"


@dataclass
class _Model:
    """The graph being written."""

    np: Any
    helper: Any
    rng: Any
    fill: bool = True
    nodes: list[Any] = field(default_factory=list)
    inits: list[Any] = field(default_factory=list)
    shapes: dict[str, Shape] = field(default_factory=dict)

    def node(self, op: str, inputs: list[str], output: str, name: str | None = None, **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=name or output, **attrs))
        return output

    def weight(self, name: str, dims: list[int], fan_in: int, kind: str = "normal") -> str:
        np = self.np
        if not self.fill:  # dims only, the data said to be in a file that is never written
            from onnx import TensorProto

            tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
            tensor.data_location = TensorProto.EXTERNAL
            entry = tensor.external_data.add()
            entry.key, entry.value = "location", "not-written.bin"
            self.inits.append(tensor)
            return name
        if kind == "normal":
            data = self.rng.standard_normal(dims, dtype=np.float32) / np.float32(max(fan_in, 1) ** 0.5)
        elif kind == "positive":  # variances
            data = self.rng.uniform(0.5, 1.5, dims).astype(np.float32)
        else:
            data = (self.rng.standard_normal(dims, dtype=np.float32) * np.float32(0.1)).astype(np.float32)
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(data, name))
        return name

    def ints(self, name: str, values: list[int]) -> str:
        """A Constant node holding int64 values (shapes, pads, axes): not an initializer."""
        tensor = self.helper.make_tensor(name, 7, [len(values)], [int(v) for v in values])
        return self.node("Constant", [], name, name, value=tensor)

    def floats(self, name: str, values: list[float]) -> str:
        tensor = self.helper.make_tensor(name, 1, [len(values)], [float(v) for v in values])
        return self.node("Constant", [], name, name, value=tensor)

    def scalar(self, name: str, value: float) -> str:
        tensor = self.helper.make_tensor(name, 1, [], [float(value)])
        return self.node("Constant", [], name, name, value=tensor)


def _require() -> tuple[Any, Any]:
    try:
        import numpy as np
        import onnx
    except ImportError:
        raise CnnError(MISSING) from None
    return onnx, np


def nchw(shape: Shape) -> list[int]:
    if len(shape) == 3:
        return [1, int(shape[2]), int(shape[0]), int(shape[1])]
    return [1, *(int(d) for d in shape)]


def to_onnx(report: Report, seed: int = SEED, fill: bool = True) -> Any:
    """The report's network as an onnx.ModelProto (checked with full_check). `fill=False` writes
    the graph with its initializers' dims only (their data external and never written, not
    checked): the reader's tests of networks whose random weights would cost gigabytes."""
    onnx, np = _require()
    graph = report.graph
    if graph is None:  # pragma: no cover - every report of a file has its graph
        raise CnnError("nothing to export", Location(report.file))
    if report.symbols:
        raise CnnError(f"export --to onnx needs concrete sizes; the input is symbolic "
                       f"({', '.join(report.symbols)}): pass --input", Location(report.file))
    m = _Model(np, onnx.helper, np.random.default_rng(seed), fill)
    m.shapes[INPUT] = graph.input
    for leaf in graph.leaves:
        inputs = [graph.shape_of(i) for i in leaf.inputs]
        write = _WRITERS.get(type(leaf.layer).KIND)
        if write is None:
            raise CnnError(f"{leaf.name}: export to ONNX does not know the kind '{leaf.kind}'", leaf.loc)
        out = write(m, leaf, inputs)
        activation = getattr(leaf.layer, "activation", None)
        if activation and type(leaf.layer).KIND != "activation":
            inner = f"{leaf.name}/pre_activation"
            _rename_output(m, out, inner)
            _activation_node(m, activation, None, inner, leaf.name, f"{leaf.name}/activation")
        m.shapes[leaf.name] = leaf.output
    tensor = onnx.helper.make_tensor_value_info
    last = graph.by_name[graph.output]
    model_graph = onnx.helper.make_graph(
        m.nodes, _graph_name(report), [tensor(INPUT, 1, nchw(graph.input))],
        [tensor(last.name, 1, nchw(last.output))], m.inits,
    )
    model = onnx.helper.make_model(
        model_graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="cnncalc", doc_string=(
            f"{report.name or 'network'} exported by cnncalc export --to onnx. The weights are random "
            f"(numpy default_rng(seed={seed}), normal / sqrt(fan-in)), not trained: for shapes, "
            "parameter counts, timing and tools such as Netron, onnxruntime or TensorRT."),
    )
    model.ir_version = 10
    if not fill:
        return model
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # noqa: BLE001 - a bug of ours, said plainly
        raise RuntimeError(f"the exported model fails onnx.checker: {exc}") from exc
    return model


def _graph_name(report: Report) -> str:
    return report.name or "cnncalc"


def _rename_output(m: _Model, old: str, new: str) -> None:
    for n in reversed(m.nodes):
        if old in n.output:
            n.output[list(n.output).index(old)] = new
            return


# ---- one writer per kind -----------------------------------------------------------------------

Writer = Callable[[_Model, Leaf, list[Shape]], str]


def _pads(leaf: Leaf) -> list[int]:
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    return [int(top), int(left), int(bottom), int(right)]


def _conv(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer, c_in = leaf.layer, int(inputs[0][2])
    if type(layer).KIND == "depthwise":
        filters, groups = c_in * layer.multiplier, c_in
    else:
        filters, groups = layer.filters, layer.groups
    fh, fw = layer.f
    fan_in = (c_in // groups) * fh * fw
    args = [_src(leaf, 0), m.weight(f"{leaf.name}.weight", [filters, c_in // groups, fh, fw], fan_in)]
    if layer.bias:
        args.append(m.weight(f"{leaf.name}.bias", [filters], fan_in))
    return m.node("Conv", args, leaf.name, kernel_shape=[fh, fw], strides=list(layer.s),
                  dilations=list(layer.dilation), pads=_pads(leaf), group=groups)


def _deconv(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
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
    args = [_src(leaf, 0), m.weight(f"{leaf.name}.weight", [c_in, layer.filters, fh, fw], c_in * fh * fw)]
    if layer.bias:
        args.append(m.weight(f"{leaf.name}.bias", [layer.filters], c_in * fh * fw))
    return m.node("ConvTranspose", args, leaf.name, kernel_shape=[fh, fw], strides=list(layer.s),
                  dilations=list(layer.dilation), pads=pads, output_padding=out_pad)


def _pool(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    op = "MaxPool" if layer.mode == "max" else "AveragePool"
    extra = {} if op == "MaxPool" else {"count_include_pad": 1}
    return m.node(op, [_src(leaf, 0)], leaf.name, kernel_shape=list(layer.f), strides=list(layer.stride),
                  pads=_pads(leaf), ceil_mode=int(layer.ceil), **extra)


def _global(op: str) -> Writer:
    return lambda m, leaf, inputs: m.node(op, [_src(leaf, 0)], leaf.name)


def _adaptive(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    op = "MaxPool" if layer.mode == "max" else "AveragePool"
    if tuple(layer.output) == (1, 1):
        return m.node("GlobalMaxPool" if layer.mode == "max" else "GlobalAveragePool", [_src(leaf, 0)], leaf.name)
    h, w = int(inputs[0][0]), int(inputs[0][1])
    oh, ow = layer.output
    # stride floor(n/m) and kernel n - (m-1) s: m windows covering the input, as PyTorch's bins do
    # when m divides n; otherwise the same output size, with windows of one width (PyTorch's vary)
    sh, sw = h // oh, w // ow
    kernel = [h - (oh - 1) * sh, w - (ow - 1) * sw]
    return m.node(op, [_src(leaf, 0)], leaf.name, kernel_shape=kernel, strides=[sh, sw])


def _fc(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    x = _src(leaf, 0)
    n_in = 1
    for d in inputs[0]:
        n_in *= int(d)
    if len(inputs[0]) != 1:
        x = m.node("Flatten", [x], f"{leaf.name}/flatten", axis=1)
    args = [x, m.weight(f"{leaf.name}.weight", [layer.units, n_in], n_in)]
    if layer.bias:
        args.append(m.weight(f"{leaf.name}.bias", [layer.units], n_in))
    return m.node("Gemm", args, leaf.name, transB=1)


def _flatten(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return m.node("Flatten", [_src(leaf, 0)], leaf.name, axis=1)


def _channel_shape(shape: Shape) -> list[int]:
    return [int(shape[-1]), 1, 1] if len(shape) == 3 else [int(shape[-1])]


def _bn(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    name = leaf.name
    if not leaf.layer.affine:  # (x - mean) * (1 / sqrt(var + eps)): the 2C statistics, no gamma or beta
        cs = _channel_shape(inputs[0])
        mean = m.weight(f"{name}.running_mean", cs, c, "small")
        centred = m.node("Sub", [_src(leaf, 0), mean], f"{name}/centre")
        inv = m.weight(f"{name}.inverse_std", cs, c, "positive")
        return m.node("Mul", [centred, inv], name)
    args = [_src(leaf, 0), m.weight(f"{name}.weight", [c], c, "positive"), m.weight(f"{name}.bias", [c], c, "small"),
            m.weight(f"{name}.running_mean", [c], c, "small"), m.weight(f"{name}.running_var", [c], c, "positive")]
    return m.node("BatchNormalization", args, name, epsilon=float(leaf.layer.epsilon))


def _instance_norm(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    name = leaf.name
    if not leaf.layer.affine:
        raise CnnError(f"{name}: ONNX InstanceNormalization always has a scale and a bias", leaf.loc)
    args = [_src(leaf, 0), m.weight(f"{name}.weight", [c], c, "positive"), m.weight(f"{name}.bias", [c], c, "small")]
    return m.node("InstanceNormalization", args, name, epsilon=float(leaf.layer.epsilon))


def _layer_norm(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    name = leaf.name
    x = _src(leaf, 0)
    args = [x, m.weight(f"{name}.weight", [c], c, "positive")]
    if getattr(leaf.layer, "affine", True):
        args.append(m.weight(f"{name}.bias", [c], c, "small"))
    else:
        raise CnnError(f"{name}: layer_norm without affine has no ONNX form here", leaf.loc)
    if len(inputs[0]) != 3:
        return m.node("LayerNormalization", args, name, axis=-1, epsilon=float(leaf.layer.epsilon))
    args[0] = m.node("Transpose", [x], f"{name}/to_channels_last", perm=[0, 2, 3, 1])
    normed = m.node("LayerNormalization", args, f"{name}/normalize", axis=-1, epsilon=float(leaf.layer.epsilon))
    return m.node("Transpose", [normed], name, perm=[0, 3, 1, 2])


def _lrn(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer = leaf.layer
    return m.node("LRN", [_src(leaf, 0)], leaf.name, size=layer.size, alpha=float(layer.alpha),
                  beta=float(layer.beta), bias=float(layer.k))


def _dropout(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    ratio = m.scalar(f"{leaf.name}/ratio", leaf.layer.rate)
    return m.node("Dropout", [_src(leaf, 0), ratio], leaf.name)


_ACTIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("Relu", {}), "selu": ("Selu", {}), "gelu": ("Gelu", {}), "mish": ("Mish", {}),
    "sigmoid": ("Sigmoid", {}), "hard_sigmoid": ("HardSigmoid", {"alpha": 1 / 6}),
    "hardswish": ("HardSwish", {}), "tanh": ("Tanh", {}), "softmax": ("Softmax", {"axis": 1}),
    "softplus": ("Softplus", {}), "linear": ("Identity", {}), "identity": ("Identity", {}),
}  # fmt: skip


def _activation_node(m: _Model, function: str, alpha: float | None, x: str, out: str, helper: str) -> str:
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


def _activation(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return _activation_node(m, leaf.layer.function, leaf.layer.alpha, _src(leaf, 0), leaf.name, leaf.name)


def _identity(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return m.node("Identity", [_src(leaf, 0)], leaf.name)


def _zeropad(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    top, bottom, left, right = (int(p) for p in leaf.layer.p)
    pads = m.ints(f"{leaf.name}/pads", [0, 0, top, left, 0, 0, bottom, right])
    return m.node("Pad", [_src(leaf, 0), pads], leaf.name, mode=getattr(leaf.layer, "mode", "constant"))


def _upsample(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    fh, fw = leaf.layer.factor
    scales = m.floats(f"{leaf.name}/scales", [1.0, 1.0, float(fh), float(fw)])
    mode = "nearest" if leaf.layer.mode == "nearest" else "linear"
    return m.node("Resize", [_src(leaf, 0), "", scales], leaf.name, mode=mode)


def _channel_slice(m: _Model, leaf: Leaf, start: int, stop: int) -> str:
    starts = m.ints(f"{leaf.name}/starts", [start])
    ends = m.ints(f"{leaf.name}/ends", [stop])
    axes = m.ints(f"{leaf.name}/axes", [1])
    return m.node("Slice", [_src(leaf, 0), starts, ends, axes], leaf.name)


def _crop(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    top, left = (int(x) for x in leaf.layer.offsets(inputs[0]))
    h, w = leaf.layer.output
    starts = m.ints(f"{leaf.name}/starts", [top, left])
    ends = m.ints(f"{leaf.name}/ends", [top + h, left + w])
    axes = m.ints(f"{leaf.name}/axes", [2, 3])
    return m.node("Slice", [_src(leaf, 0), starts, ends, axes], leaf.name)


def _split(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    size = int(leaf.output[-1])
    start = leaf.layer.index * size
    return _channel_slice(m, leaf, start, start + size)


def _slice(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    start, stop = leaf.layer.bounds(inputs[0][-1])
    return _channel_slice(m, leaf, int(start), int(stop))


def _space_to_depth(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    return m.node("SpaceToDepth", [_src(leaf, 0)], leaf.name, blocksize=leaf.layer.block)


def _merge(op: str) -> Writer:
    def write(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
        return m.node(op, [_src(leaf, i) for i in range(len(leaf.inputs))], leaf.name)

    return write


def _multiply(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    out = _src(leaf, 0)
    for i in range(1, len(leaf.inputs)):
        target = leaf.name if i == len(leaf.inputs) - 1 else f"{leaf.name}/mul{i}"
        out = m.node("Mul", [out, _src(leaf, i)], target)
    return out


def _shortcut(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    if any(tuple(s) != tuple(inputs[0]) for s in inputs):
        raise CnnError(f"{leaf.name}: a Darknet shortcut of unequal shapes has no ONNX operator", leaf.loc)
    return _merge("Sum")(m, leaf, inputs)


def _scale(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    cs = _channel_shape(inputs[0])
    gamma = m.weight(f"{leaf.name}.weight", cs, c, "positive")
    if not leaf.layer.bias:
        return m.node("Mul", [_src(leaf, 0), gamma], leaf.name)
    scaled = m.node("Mul", [_src(leaf, 0), gamma], f"{leaf.name}/scale")
    return m.node("Add", [scaled, m.weight(f"{leaf.name}.bias", cs, c, "small")], leaf.name)


def _layer_scale(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    c = int(inputs[0][-1])
    gamma = m.weight(f"{leaf.name}.weight", _channel_shape(inputs[0]), c, "small")
    return m.node("Mul", [_src(leaf, 0), gamma], leaf.name)


def _prelu(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    dims = [1] if leaf.layer.shared else _channel_shape(inputs[0])
    slope = m.weight(f"{leaf.name}.weight", dims, 1, "small")
    return m.node("PRelu", [_src(leaf, 0), slope], leaf.name)


def _channel_shuffle(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    h, w, c = (int(d) for d in inputs[0])
    g = leaf.layer.groups
    split = m.ints(f"{leaf.name}/grouped_shape", [1, g, c // g, h, w])
    grouped = m.node("Reshape", [_src(leaf, 0), split], f"{leaf.name}/group")
    swapped = m.node("Transpose", [grouped], f"{leaf.name}/swap", perm=[0, 2, 1, 3, 4])
    back = m.ints(f"{leaf.name}/shape", [1, c, h, w])
    return m.node("Reshape", [swapped, back], leaf.name)


def _not_exported(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    what = {"local": "a locally connected layer has no ONNX operator",
            "operator": f"the imported operator {getattr(leaf.layer, 'type', '')} has no arithmetic in cnncalc"}
    raise CnnError(f"{leaf.name}: cannot export to ONNX: {what.get(leaf.kind, leaf.kind)}", leaf.loc)


def _attention(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """Multi-head self-attention over the positions, as Ultralytics' Attention:
    softmax(q^T k / sqrt(key_dim)), then v attn^T."""
    layer, name = leaf.layer, leaf.name
    h, w, _ = (int(d) for d in inputs[0])
    e, k, d = layer.heads, layer.key_dim, layer.head_dim
    heads = m.node("Reshape", [_src(leaf, 0), m.ints(f"{name}/heads_shape", [1, e, 2 * k + d, h * w])], f"{name}/heads")
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


def _dfl(m: _Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """YOLO's DFL: every level's box bins as (4, reg_max, A), softmax over the bins, then a 1x1
    convolution with the fixed weights 0 .. reg_max - 1."""
    name, r = leaf.name, leaf.layer.reg_max
    flat = [m.node("Reshape", [_src(leaf, i), m.ints(f"{name}/flat{i}_shape", [1, 4 * r, -1])], f"{name}/flat{i}")
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


def _src(leaf: Leaf, i: int) -> str:
    return leaf.inputs[i]


_WRITERS: dict[str, Writer] = {
    "conv": _conv,
    "depthwise": _conv,
    "deconv": _deconv,
    "local": _not_exported,
    "pool": _pool,
    "gap": _global("GlobalAveragePool"),
    "gmp": _global("GlobalMaxPool"),
    "adaptive_pool": _adaptive,
    "fc": _fc,
    "flatten": _flatten,
    "bn": _bn,
    "instance_norm": _instance_norm,
    "layer_norm": _layer_norm,
    "lrn": _lrn,
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
    "channel_shuffle": _channel_shuffle,
    "add": _merge("Sum"),
    "concat": lambda m, leaf, inputs: m.node("Concat", list(leaf.inputs), leaf.name, axis=1),
    "multiply": _multiply,
    "maximum": _merge("Max"),
    "shortcut": _shortcut,
    "scale": _scale,
    "layer_scale": _layer_scale,
    "prelu": _prelu,
    "operator": _not_exported,
    "attention": _attention,
    "dfl": _dfl,
}


def to_bytes(report: Report) -> bytes:
    return to_onnx(report).SerializeToString()


def deliver_model(report: Report, output: str | None) -> None:
    """Write the model to `output`, or to a standard output that is not a terminal."""
    import sys

    if output is None and sys.stdout.isatty():
        raise CnnError("an ONNX model is binary: give -o FILE (or redirect standard output)")
    data = to_bytes(report)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(output, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise CnnError(f"cannot write: {exc.strerror}", Location(output)) from None
