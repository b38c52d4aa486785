"""ONNX writers for what ONNX's operators cannot say as such: an LRN of an even size or on a
vector (onnxruntime's LRN takes an odd size and an image only), a channel shuffle of a vector,
and windows (pools, convolutions) whose padding or rounding ONNX's attributes cannot give.
"""

from __future__ import annotations

from ..graph import Leaf
from ..layers import Shape
from .onnx_model import Model, src


def lrn(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """x / (k + alpha / size * sum of x^2 over `size` channels)^beta. An odd size on an image is
    ONNX's LRN; otherwise the same sum written out, the window as PyTorch's LocalResponseNorm
    places it (size // 2 channels before, (size - 1) // 2 after) in an AveragePool over channels."""
    layer, name, x = leaf.layer, leaf.name, src(leaf, 0)
    size, alpha, beta, k = int(layer.size), float(layer.alpha), float(layer.beta), float(layer.k)
    if size % 2 == 1 and len(inputs[0]) == 3:
        return m.node("LRN", [x], name, size=size, alpha=alpha, beta=beta, bias=k)
    c = int(inputs[0][-1])
    plane = 1 if len(inputs[0]) == 1 else int(inputs[0][0]) * int(inputs[0][1])
    squared = m.node("Mul", [x, x], f"{name}/square")
    rows = m.node("Reshape", [squared, m.ints(f"{name}/rows_shape", [1, 1, c, plane])], f"{name}/rows")
    before, after = size // 2, (size - 1) // 2
    padded = m.node("Pad", [rows, m.ints(f"{name}/pads", [0, 0, before, 0, 0, 0, after, 0])], f"{name}/pad")
    mean = m.node("AveragePool", [padded], f"{name}/window_mean", kernel_shape=[size, 1], count_include_pad=1)
    spatial = [int(inputs[0][0]), int(inputs[0][1])] if len(inputs[0]) == 3 else []
    back = m.node("Reshape", [mean, m.ints(f"{name}/mean_shape", [1, c, *spatial])], f"{name}/mean")
    scaled = m.node("Mul", [back, m.scalar(f"{name}/alpha", alpha)], f"{name}/scaled")
    base = m.node("Add", [scaled, m.scalar(f"{name}/k", k)], f"{name}/base")
    power = m.node("Pow", [base, m.scalar(f"{name}/beta", beta)], f"{name}/power")
    return m.node("Div", [x, power], name)


def channel_shuffle(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    g = leaf.layer.groups
    c = int(inputs[0][-1])
    rest = [int(inputs[0][0]), int(inputs[0][1])] if len(inputs[0]) == 3 else []
    split = m.ints(f"{leaf.name}/grouped_shape", [1, g, c // g, *rest])
    grouped = m.node("Reshape", [src(leaf, 0), split], f"{leaf.name}/group")
    perm = [0, 2, 1, *range(3, 3 + len(rest))]
    swapped = m.node("Transpose", [grouped], f"{leaf.name}/swap", perm=perm)
    return m.node("Reshape", [swapped, m.ints(f"{leaf.name}/shape", [1, c, *rest])], leaf.name)


LOWEST = -3.4028234663852886e38  # float32's lowest: max pooling's padding, as PyTorch's -inf without inf


def onnx_window_sizes(n: int, k: int, s: int, begin: int, end: int, ceil: bool) -> set[int]:
    """The output sizes ONNX's pooling rule may give (onnxruntime drops a ceil-mode window that
    starts in the end padding; the spec's older text does not: both, when they differ)."""
    span = n + begin + end - k
    if not ceil:
        return {span // s + 1}
    out = -(-span // s) + 1
    return {out, out - 1} if (out - 1) * s >= n + begin else {out}


def window_input(
    m: Model, leaf: Leaf, x: str, inputs: list[Shape], kernel: list[int], strides: list[int], pads: list[int],
    ceil: bool = False, fill: float = 0.0, pool: bool = True,
) -> tuple[str, list[int], bool]:
    """(input, ONNX pads, whether ONNX's own padding and rounding say it) for a sliding-window node.
    When ONNX's attributes would not give our output (a pad past the kernel, which onnxruntime's
    pools refuse; a negative end; a ceil-mode window ONNX keeps or drops otherwise), the input is
    padded (or cut: a negative pad) by a Pad node so that the node, without padding and rounding
    down, gives exactly our size. `kernel` is the effective extent, d (f - 1) + 1."""
    n = [int(inputs[0][0]), int(inputs[0][1])]
    out = [int(leaf.output[0]), int(leaf.output[1])]
    top, left, bottom, right = pads
    begins, ends = [top, left], [bottom, right]
    if all(onnx_window_sizes(n[a], kernel[a], strides[a], begins[a], ends[a], ceil) == {out[a]}
           and begins[a] >= 0 and ends[a] >= 0 and (not pool or max(begins[a], ends[a]) < kernel[a]) for a in (0, 1)):
        return x, pads, True
    need = [(out[a] - 1) * strides[a] + kernel[a] - n[a] - begins[a] for a in (0, 1)]
    amounts = m.ints(f"{leaf.name}/pads", [0, 0, begins[0], begins[1], 0, 0, need[0], need[1]])
    padded = m.node("Pad", [x, amounts, m.scalar(f"{leaf.name}/pad_value", fill)], f"{leaf.name}/pad")
    return padded, [0, 0, 0, 0], False


def shortcut(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """Darknet's [shortcut] (shortcut_cpu in blas.c): each later input added into the first where
    they overlap: its first min(C) channels; a larger map sampled every n_big / n_small (a strided
    Slice), a smaller one added at every n_big / n_small-th position (zeros inserted between its
    values by a Pad of a reshaped tensor); the result keeps the first input's shape."""
    name = leaf.name
    h, w, c = (int(d) for d in inputs[0])
    terms = [src(leaf, 0)]
    for i, shape in enumerate(inputs[1:], 1):
        x, (hi, wi, ci) = src(leaf, i), (int(d) for d in shape)
        if (hi, wi, ci) == (h, w, c):
            terms.append(x)
            continue
        keep = min(c, ci)
        steps = [max(hi // h, 1), max(wi // w, 1)]
        x = m.node("Slice", [x, m.ints(f"{name}/in{i}_starts", [0, 0, 0]), m.ints(f"{name}/in{i}_ends", [keep, hi, wi]),
                             m.ints(f"{name}/in{i}_axes", [1, 2, 3]), m.ints(f"{name}/in{i}_steps", [1, *steps])],
                   f"{name}/in{i}_overlap")
        a, b = -(-hi // steps[0]), -(-wi // steps[1])
        spread = [max(h // a, 1), max(w // b, 1)]
        if spread != [1, 1]:  # a smaller map lands on every spread-th position: zeros between
            cells_shape = m.ints(f"{name}/in{i}_cells_shape", [1, keep, a, 1, b, 1])
            cells = m.node("Reshape", [x, cells_shape], f"{name}/in{i}_cells")
            gaps = m.ints(f"{name}/in{i}_gaps", [0, 0, 0, 0, 0, 0, 0, 0, 0, spread[0] - 1, 0, spread[1] - 1])
            spaced = m.node("Pad", [cells, gaps], f"{name}/in{i}_spaced")
            spread_shape = m.ints(f"{name}/in{i}_spread_shape", [1, keep, a * spread[0], b * spread[1]])
            x = m.node("Reshape", [spaced, spread_shape], f"{name}/in{i}_spread")
            a, b = a * spread[0], b * spread[1]
        if (keep, a, b) != (c, h, w):  # zeros for the channels (and any edge) it does not reach
            rest = m.ints(f"{name}/in{i}_rest", [0, 0, 0, 0, 0, c - keep, h - a, w - b])
            x = m.node("Pad", [x, rest], f"{name}/in{i}_placed")
        terms.append(x)
    return m.node("Sum", terms, name)
