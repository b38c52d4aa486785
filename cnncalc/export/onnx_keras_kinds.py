"""ONNX writers for the kinds the Keras reader brought: rescaling, normalization, reshape,
cropping and custom. Each gives our output shape in onnxruntime and holds as initializers
exactly the layer's params + buffers; where Keras has the layer, the values are Keras' own
(tests/test_onnx_export_kinds.py runs both on the same weights).
"""

from __future__ import annotations

from ..graph import Leaf
from ..layers import Shape
from .onnx_model import Model, channel_shape, nchw, src

KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), Normalization's floor on the standard deviation


def rescaling(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """x * scale + offset. Keras' Rescaling holds no weights (0 params, 0 buffers), so the scale
    and offset are Constant nodes: ONNX does not count those among the initializers, and the
    file's weight count stays ours."""
    layer, name = leaf.layer, leaf.name
    if not layer.offset:
        return m.node("Mul", [src(leaf, 0), m.scalar(f"{name}/scale", layer.scale)], name)
    scaled = m.node("Mul", [src(leaf, 0), m.scalar(f"{name}/scale", layer.scale)], f"{name}/scaled")
    return m.node("Add", [scaled, m.scalar(f"{name}/offset", layer.offset)], name)


def normalization(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """Keras' Normalization: (x - mean) / max(sqrt(variance), 1e-7) per channel. Its 2C + 1
    buffers are initializers `name.mean`, `name.variance` (C each) and `name.count` (the number
    of samples `adapt()` saw, which Keras keeps and never reads in `call`). The floor is written
    count * 0 + 1e-7: the same value, but a node reads the count, so tools keep it (onnxruntime
    drops an initializer no node reads, with a warning, and readers count only those read).
    With `given: true` Keras holds the mean and variance as constants of the model, not
    weights: Constant nodes here (random too), and no count."""
    name, c, cs = leaf.name, int(inputs[0][-1]), channel_shape(inputs[0])
    if leaf.layer.given:
        np = m.np
        mean = m.constant(f"{name}/mean", m.helper.make_tensor(
            "", 1, cs, (m.rng.standard_normal(cs) * 0.1).astype(np.float32).ravel().tolist()))
        variance = m.constant(f"{name}/variance", m.helper.make_tensor(
            "", 1, cs, m.rng.uniform(0.5, 1.5, cs).astype(np.float32).ravel().tolist()))
    else:
        mean = m.weight(f"{name}.mean", cs, c, "small")
        variance = m.weight(f"{name}.variance", cs, c, "positive")
    epsilon = m.scalar(f"{name}/epsilon", KERAS_EPSILON)
    if not leaf.layer.given:
        unused = m.node("Mul", [m.weight(f"{name}.count", [], 1, "positive"), m.scalar(f"{name}/zero", 0.0)],
                        f"{name}/count_times_0")
        epsilon = m.node("Add", [unused, epsilon], f"{name}/floor")
    centred = m.node("Sub", [src(leaf, 0), mean], f"{name}/centre")
    std = m.node("Sqrt", [variance], f"{name}/std")
    floor = m.node("Max", [std, epsilon], f"{name}/std_floor")
    return m.node("Div", [centred, floor], name)


def reshape(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """Keras' Reshape takes the values in channels-last order (n_H, n_W, n_C, the last index
    fastest), while the ONNX tensor is N x C x H x W: an image is transposed to N x H x W x C,
    reshaped, and an image result transposed back, so the values land where Keras puts them.
    A 1 x 1 image needs no transpose (both orders are the channels')."""
    name, before, after = leaf.name, inputs[0], leaf.output
    order = "channels-last element order, as Keras' Reshape (NCHW -> NHWC, Reshape, NHWC -> NCHW)"
    x = src(leaf, 0)
    moves_in = len(before) == 3 and (int(before[0]), int(before[1])) != (1, 1)
    moves_out = len(after) == 3 and (int(after[0]), int(after[1])) != (1, 1)
    if moves_in:
        x = m.node("Transpose", [x], f"{name}/to_channels_last", perm=[0, 2, 3, 1])
    target = [1, *(int(d) for d in after)]
    if not moves_out:
        return m.node("Reshape", [x, m.ints(f"{name}/shape", nchw(after))], name, doc=order)
    shaped = m.node("Reshape", [x, m.ints(f"{name}/shape", target)], f"{name}/reshape", doc=order)
    return m.node("Transpose", [shaped], name, perm=[0, 3, 1, 2], doc=order)


def cropping(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """Keras' Cropping2D: rows and columns cut from the edges, a Slice of H and W."""
    top, bottom, left, right = (int(p) for p in leaf.layer.p)
    h, w = int(inputs[0][0]), int(inputs[0][1])
    starts = m.ints(f"{leaf.name}/starts", [top, left])
    ends = m.ints(f"{leaf.name}/ends", [h - bottom, w - right])
    axes = m.ints(f"{leaf.name}/axes", [2, 3])
    return m.node("Slice", [src(leaf, 0), starts, ends, axes], leaf.name)


def custom(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    """A layer cnncalc cannot read (a Keras Lambda or a user's class): a placeholder that
    onnxruntime runs, giving zeros of the recorded output shape. It reads every input (the mean of
    each, times 0, expanded to the shape), so the graph stays connected in Netron and the layers
    before it are kept; it holds our params + buffers as one initializer `name.weight` (none for
    a Keras custom layer: cnncalc counts 0). The node's doc_string names the original class and
    the model's doc_string warns; replace the placeholder before trusting any value after it."""
    name, what = leaf.name, leaf.layer.layer
    doc = (f"placeholder for the custom layer {what}: zeros of its recorded output shape "
           f"{'x'.join(str(d) for d in leaf.output)}; replace it with the real operator")
    means = [_mean(m, src(leaf, i), len(shape), f"{name}/mean{i}", doc) for i, shape in enumerate(inputs)]
    held = int(leaf.cost.params) + int(leaf.cost.buffers)
    if held:
        weight = m.weight(f"{name}.weight", [held], held)
        means.append(m.node("ReduceMean", [weight], f"{name}/mean_weight", keepdims=0, doc=doc))
    total = means[0] if len(means) == 1 else m.node("Sum", means, f"{name}/sum", doc=doc)
    zero = m.node("Mul", [total, m.scalar(f"{name}/zero", 0.0)], f"{name}/zero_scalar", doc=doc)
    # one value of the output's rank: Expand broadcasts it, and the rank is the output's
    zero = m.node("Reshape", [zero, m.ints(f"{name}/one_shape", [1] * len(nchw(leaf.output)))], f"{name}/zero_value",
                  doc=doc)
    m.warnings.append(f"layer '{name}' stands for the custom layer {what}: its output is zeros")
    return m.node("Expand", [zero, m.ints(f"{name}/shape", nchw(leaf.output))], name, doc=doc)


def _mean(m: Model, x: str, rank: int, name: str, doc: str) -> str:
    """The mean of every value of one batch item, kept as 1 x 1 (x 1 x 1): a tensor our reader
    reads back as a row (a scalar would be none)."""
    axes = m.ints(f"{name}_axes", list(range(1, 4 if rank == 3 else 2)))
    return m.node("ReduceMean", [x, axes], name, keepdims=1, doc=doc)
