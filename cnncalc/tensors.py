"""The learned tensors (and buffers) of each layer, as frameworks store them: the one place every
per-tensor view reads (summarize --format variables, the JSON `tensors`, the course's
"weights + bias").

Shapes come in two layouts: TensorFlow/Keras (`tf`: a conv kernel is f x f x n_C_prev x n_C,
channels last) and PyTorch (`torch`: n_C x n_C_prev x f x f). The table is keyed by layer kind
and fails loudly on a kind it does not know, so a new kind cannot silently show no tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import dims
from .graph import INPUT, Graph, Leaf
from .layers import Shape
from .values import Frozen, init

LAYOUTS = ("tf", "torch")


class Tensor(Frozen):
    """One stored tensor: `role` is weights, biases (both learned) or buffers (statistics)."""

    __slots__ = ("name", "torch_name", "role", "tf_shape", "torch_shape")
    name: str  # TensorFlow's name; `torch_name` is PyTorch's
    torch_name: str
    role: str
    tf_shape: tuple[Any, ...]
    torch_shape: tuple[Any, ...]

    def __init__(self, name: str, torch_name: str, role: str, tf_shape: tuple[Any, ...],
                 torch_shape: tuple[Any, ...]) -> None:
        init(self, "name", name)
        init(self, "torch_name", torch_name)
        init(self, "role", role)
        init(self, "tf_shape", tf_shape)
        init(self, "torch_shape", torch_shape)

    @property
    def count(self) -> Any:
        return dims.product(self.tf_shape)

    def shape(self, layout: str) -> tuple[Any, ...]:
        return self.torch_shape if layout == "torch" else self.tf_shape

    def label(self, layout: str) -> str:
        return self.torch_name if layout == "torch" else self.name


def _w(name: str, torch_name: str, tf: Sequence[Any], torch: Sequence[Any]) -> Tensor:
    return Tensor(name, torch_name, "weights", tuple(tf), tuple(torch))


def _b(name: str, torch_name: str, shape: Sequence[Any], role: str = "biases") -> Tensor:
    return Tensor(name, torch_name, role, tuple(shape), tuple(shape))


def _bias(layer: Any, n: Any) -> list[Tensor]:
    return [_b("bias", "bias", (n,))] if layer.bias else []


def _conv(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    per_group = dims.floordiv(ins[0][-1], layer.groups)
    fh, fw = layer.f
    return [_w("kernel", "weight", (fh, fw, per_group, layer.filters), (layer.filters, per_group, fh, fw)),
            *_bias(layer, layer.filters)]


def _depthwise(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    c_in, fh, fw, m = ins[0][-1], layer.f[0], layer.f[1], layer.multiplier
    # Keras DepthwiseConv2D: f x f x n_C_prev x multiplier; PyTorch: a grouped conv's weight
    return [_w("depthwise_kernel", "weight", (fh, fw, c_in, m), (c_in * m, 1, fh, fw)), *_bias(layer, c_in * m)]


def _deconv(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    c_in, (fh, fw) = ins[0][-1], layer.f
    # Keras Conv2DTranspose: f x f x n_C x n_C_prev; PyTorch ConvTranspose2d: n_C_prev x n_C x f x f
    return [_w("kernel", "weight", (fh, fw, layer.filters, c_in), (c_in, layer.filters, fh, fw)),
            *_bias(layer, layer.filters)]


def _local(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    h, w = out[0], out[1]
    kernel = layer.f[0] * layer.f[1] * ins[0][-1]
    # Keras LocallyConnected2D: (positions, f x f x n_C_prev, n_C); bias n_H x n_W x n_C
    tensors = [_w("kernel", "weight", (h * w, kernel, layer.filters), (h * w, layer.filters, kernel))]
    if layer.bias:
        tensors.append(Tensor("bias", "bias", "biases", (h, w, layer.filters), (layer.filters, h, w)))
    return tensors


def _fc(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    n_in = dims.product(ins[0])
    return [_w("kernel", "weight", (n_in, layer.units), (layer.units, n_in)), *_bias(layer, layer.units)]


def _bn(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    c = ins[0][-1]
    learned = [_w("gamma", "weight", (c,), (c,))] if layer.affine and layer.scale else []
    learned += [_b("beta", "bias", (c,))] if layer.affine and layer.center else []
    return [*learned, _b("moving_mean", "running_mean", (c,), "buffers"),
            _b("moving_variance", "running_var", (c,), "buffers")]


def _scale(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    c = ins[0][-1]
    return [_w("gamma", "weight", (c,), (c,)), *([_b("beta", "bias", (c,))] if layer.bias else [])]


def _prelu(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    n = 1 if layer.shared else ins[0][-1]
    # Keras PReLU shared over the spatial axes (shared_axes=[1, 2]) keeps them as 1 x 1
    tf = (1, 1, n) if len(ins[0]) == 3 else (n,)
    return [_w("alpha", "weight", tf, (n,))]


def _affine_norm(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    # a per-channel scale and shift when `affine`: Keras LayerNormalization's gamma and beta, torch
    # LayerNorm's and InstanceNorm2d's weight and bias (ONNX InstanceNormalization's scale and B)
    c = ins[0][-1]
    return [_w("gamma", "weight", (c,), (c,)), _b("beta", "bias", (c,))] if layer.affine else []


def _layer_scale(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    c = ins[0][-1]  # Keras' LayerScale gamma; the exported LayerScale's weight
    return [_w("gamma", "weight", (c,), (c,))]


def _operator(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    # an imported operator without arithmetic: its weights and state as one tensor each, since
    # the file's own tensor shapes are not carried (their sizes are)
    held = [_w("weights", "weight", (layer.params,), (layer.params,))] if layer.params else []
    return held + ([_b("state", "state", (layer.buffers,), "buffers")] if layer.buffers else [])


def _normalization(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    """Keras' Normalization: mean and variance per channel and the sample count, all buffers."""
    c = ins[0][-1]
    if layer.given:
        return []
    return [_b("mean", "mean", (c,), "buffers"), _b("variance", "variance", (c,), "buffers"),
            _b("count", "count", (), "buffers")]


def _none(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    return []


def _dfl(layer: Any, ins: Sequence[Shape], out: Shape) -> list[Tensor]:
    # YOLO's DFL: a 1x1 nn.Conv2d(reg_max, 1) without bias, its weights fixed to 0 .. reg_max - 1
    r = layer.reg_max
    return [_w("kernel", "conv.weight", (1, 1, r, 1), (1, r, 1, 1))]


Rule = Callable[[Any, Sequence[Shape], Shape], list[Tensor]]

# keyed by the layer class's KIND (every activation function is the one kind `activation`)
RULES: dict[str, Rule] = {
    "conv": _conv, "depthwise": _depthwise, "deconv": _deconv, "local": _local, "fc": _fc,
    "bn": _bn, "scale": _scale, "prelu": _prelu, "layer_norm": _affine_norm, "layer_scale": _layer_scale,
    "instance_norm": _affine_norm, "operator": _operator,
    "normalization": _normalization, "dfl": _dfl,
    **{kind: _none for kind in (
        "pool", "gap", "gmp", "adaptive_pool", "flatten", "lrn", "dropout", "identity", "zeropad",
        "upsample", "crop", "split", "space_to_depth", "add", "concat", "multiply", "maximum",
        "shortcut", "activation", "channel_shuffle", "stochastic_depth", "slice", "reshape", "rescaling",
        "cropping", "custom", "pad", "attention",
    )},
}


def of_leaf(leaf: Leaf, input_shapes: Sequence[Shape]) -> list[Tensor]:
    kind = type(leaf.layer).KIND
    if kind not in RULES:
        raise KeyError(f"cnncalc.tensors has no rule for the layer kind '{kind}'")
    if leaf.shares is not None:  # a shared layer's later call: its tensors are its first call's
        return []
    return RULES[kind](leaf.layer, input_shapes, leaf.output)


def of_graph(graph: Graph) -> dict[str, list[Tensor]]:
    """Every leaf's tensors, by leaf name."""
    shapes: dict[str, Shape] = {INPUT: graph.input}
    out: dict[str, list[Tensor]] = {}
    for leaf in graph.leaves:
        out[leaf.name] = of_leaf(leaf, [shapes[i] for i in leaf.inputs])
        shapes[leaf.name] = leaf.output
    return out


def of_rows(report: Any, rows: Sequence[Any]) -> list[list[tuple[str, Tensor, str]]]:
    """Per row (leaf, or a composite folded by --depth), its tensors as (the leaf that holds
    it, the tensor, that leaf's kind)."""
    if report.graph is None:
        return [[] for _ in rows]
    every = of_graph(report.graph)
    kinds = {leaf.name: type(leaf.layer).KIND for leaf in report.graph.leaves}
    members: dict[str, list[str]] = {}
    for leaf in report.graph.leaves:
        for g in leaf.groups:
            members.setdefault(g, []).append(leaf.name)
    out = []
    for row in rows:
        names = [row.name] if row.leaf is not None else members.get(row.name, [])
        out.append([(m, t, kinds[m]) for m in names for t in every[m]])
    return out
