"""Tensor shapes for the ONNX reader, in ONNX's own layout (N x C x H x W), without the `onnx`
package for every operator the reader knows.

- A node read as a cnncalc row: its layer kind computes the output (`kind_output`), the same
  arithmetic the graph runs; there is no second copy of it here.
- A known operator read as an `operator` row (an axis or layout cnncalc has no kind for): the
  ONNX rule in `RULES` below (broadcasting, Transpose, Concat, Slice, Reshape, Reduce*, MatMul...).
- An operator nobody here knows: the shape the file itself records (value_info, graph outputs),
  else ONNX's shape inference (`onnx_fallback`), the one place the `onnx` package is imported.

A dim is an int, a str (a named dynamic axis), a sympy expression (a symbolic size a layer kind
computed), or None (unknown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import CnnError
from . import onnx_values as ov

if TYPE_CHECKING:
    from .onnx import Reader, View

Dims = list[Any]
MISSING = "pip install 'cnncalc[onnx]'"


# ---- the layer kinds' own arithmetic ------------------------------------------------------------


def ours(dims: Dims | None) -> list[Any] | None:
    """ONNX N x C x H x W -> [H, W, C]; N x C x L -> [L, 1, C]; N x F -> [F]; else None."""
    if dims is None:
        return None
    if len(dims) == 4:
        return [dims[2], dims[3], dims[1]]
    if len(dims) == 3:
        return [dims[2], 1, dims[1]]
    if len(dims) == 2:
        return [dims[1]]
    return None


def onnx_dims(out: tuple[Any, ...], like: Dims) -> Dims:
    """A kind's output [H, W, C] / [F] back in ONNX's layout, with `like`'s batch (its first input)."""
    n = like[0] if like else None
    if len(out) == 1:
        return [n, out[0]]
    if len(like) == 3 and out[1] == 1:
        return [n, out[2], out[0]]
    return [n, out[2], out[0], out[1]]


def _plain(d: Any) -> Any:
    """A sympy integer as an int; other dims as they are."""
    if not isinstance(d, int) and getattr(d, "is_Integer", False):
        return int(d)
    return d


def kind_output(kind: str, args: dict[str, Any] | None, inputs: list[Dims | None]) -> Dims | None:
    """The output dims of a row of `kind` on inputs of these ONNX dims, as the kind computes it;
    None when an input is unknown or the kind refuses (the graph then reports it, located)."""
    shapes = [ours(d) for d in inputs]
    if not shapes or any(s is None or any(x is None for x in s) for s in shapes):
        return None
    if any(isinstance(x, str) for s in shapes for x in s):  # type: ignore[union-attr]
        from ..symbolic import symbol

        shapes = [[symbol(x) if isinstance(x, str) else x for x in s] for s in shapes]  # type: ignore[union-attr]
    from ..entries import Entry, make_layer
    from ..errors import Location
    from ..layers import KIND_ALIASES
    from ..source import node

    preset: dict[str, Any] = {}
    if kind in KIND_ALIASES:
        kind, preset = KIND_ALIASES[kind][0], dict(KIND_ALIASES[kind][1])
    loc = Location("")
    given = {k: node(v, loc) for k, v in (args or {}).items() if v is not None}
    entry = Entry(kind, loc, given, {k: loc for k in given}, {}, loc, preset)
    try:
        layer = make_layer(entry, {})
        out = layer.infer([tuple(s) for s in shapes]).output  # type: ignore[union-attr, arg-type]
    except (CnnError, ArithmeticError, TypeError, ValueError):
        return None
    return onnx_dims(tuple(_plain(d) for d in out), inputs[0])  # type: ignore[arg-type]


# ---- ONNX rules for known operators read as `operator` rows -------------------------------------


def _same(r: Reader, v: View) -> Dims | None:
    return r.dims(v.inputs[0])


def _broadcast(r: Reader, v: View) -> Dims | None:
    shapes = [r.dims(t) for t in v.inputs if t]
    if not shapes or any(s is None for s in shapes):
        return None
    rank = max(len(s) for s in shapes)  # type: ignore[arg-type]
    out: Dims = []
    for axis in range(rank):
        seen = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0}  # type: ignore[arg-type]
        seen.discard(1)
        out.append(seen.pop() if len(seen) == 1 else 1 if not seen else None)
    return out


def _axis(v: View, rank: int, default: int = 0) -> int:
    return v.attrs.get("axis", default) % rank


def _transpose(r: Reader, v: View) -> Dims | None:
    src = r.dims(v.inputs[0])
    if src is None:
        return None
    perm = list(v.attrs.get("perm", range(len(src) - 1, -1, -1)))
    if sorted(p % len(src) for p in perm) != list(range(len(src))):
        return None
    return [src[p % len(src)] for p in perm]


def _concat(r: Reader, v: View) -> Dims | None:
    shapes = [r.dims(t) for t in v.inputs if t]
    if not shapes or any(s is None or len(s) != len(shapes[0]) for s in shapes) or not shapes[0]:  # type: ignore[arg-type]
        return None
    axis = _axis(v, len(shapes[0]))  # type: ignore[arg-type]
    along = [s[axis] for s in shapes]  # type: ignore[index]
    out = list(shapes[0])  # type: ignore[arg-type]
    out[axis] = sum(along) if all(isinstance(d, int) for d in along) else None
    return out


def _reshape(r: Reader, v: View) -> Dims | None:
    src, target = r.dims(v.inputs[0]), r.items(v.inputs[1]) if len(v.inputs) > 1 else None
    if target is None:
        return None
    return ov.resolve_reshape(list(src) if src is not None else [None] * len(target), target,
                              bool(v.attrs.get("allowzero", 0)))


def _flatten(r: Reader, v: View) -> Dims | None:
    src = r.dims(v.inputs[0])
    if src is None:
        return None
    axis = v.attrs.get("axis", 1) % (len(src) + 1)
    parts = [src[:axis], src[axis:]]
    return [ov.count(p) if all(isinstance(d, int) for d in p) else None for p in parts]


def _axes(r: Reader, v: View) -> list[int] | None:
    """The `axes` attribute (before opset 13), else the second input's constant value."""
    if "axes" in v.attrs:
        return list(v.attrs["axes"])
    return r.ints(v.inputs[1]) if len(v.inputs) > 1 and v.inputs[1] else None


def _unsqueeze_squeeze(r: Reader, v: View) -> Dims | None:
    src = r.dims(v.inputs[0])
    axes = _axes(r, v)
    if src is None:
        return None
    if v.op == "Unsqueeze":
        if axes is None:
            return None
        out, n = list(src), len(src) + len(axes)
        for ax in sorted(a % n for a in axes):
            out.insert(ax, 1)
        return out
    drop = {a % len(src) for a in axes} if axes is not None and src else {i for i, d in enumerate(src) if d == 1}
    return [d for i, d in enumerate(src) if i not in drop]


def _slice(r: Reader, v: View) -> Dims | None:
    src = r.dims(v.inputs[0])
    starts, ends = (r.ints(v.inputs[i]) if len(v.inputs) > i else None for i in (1, 2))
    axes = r.ints(v.inputs[3]) if len(v.inputs) > 3 and v.inputs[3] else None
    steps = r.ints(v.inputs[4]) if len(v.inputs) > 4 and v.inputs[4] else None
    if src is None or starts is None or ends is None or not src:
        return None
    axes = axes if axes is not None else list(range(len(starts)))
    steps = steps if steps is not None else [1] * len(starts)
    out = list(src)
    for s, e, a, st in zip(starts, ends, axes, steps):
        a %= len(src)
        out[a] = len(range(src[a])[slice(s, e, st)]) if isinstance(src[a], int) and st else None
    return out


def _reduce(r: Reader, v: View) -> Dims | None:
    src = r.dims(v.inputs[0])
    if src is None:
        return None
    axes = _axes(r, v)
    picked = {a % len(src) for a in axes} if axes else set(range(len(src)))
    if v.attrs.get("keepdims", 1):
        return [1 if i in picked else d for i, d in enumerate(src)]
    return [d for i, d in enumerate(src) if i not in picked]


def _matmul(r: Reader, v: View) -> Dims | None:
    a, b = r.dims(v.inputs[0]), r.dims(v.inputs[1])
    if a is None or b is None or len(a) < 2 or len(b) < 2:
        return None
    batch = _broadcast_lists(a[:-2], b[:-2])
    return None if batch is None else [*batch, a[-2], b[-1]]


def _broadcast_lists(a: Dims, b: Dims) -> Dims | None:
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + list(a), [1] * (n - len(b)) + list(b)
    return [y if x == 1 else x for x, y in zip(a, b)]


def _gemm(r: Reader, v: View) -> Dims | None:
    a, b = r.dims(v.inputs[0]), r.dims(v.inputs[1])
    if a is None or b is None or len(a) != 2 or len(b) != 2:
        return None
    m = a[1] if v.attrs.get("transA", 0) else a[0]
    n = b[0] if v.attrs.get("transB", 0) else b[1]
    return [m, n]


def _gather(r: Reader, v: View) -> Dims | None:
    src, idx = r.dims(v.inputs[0]), r.dims(v.inputs[1])
    if src is None or idx is None or not src:
        return None
    axis = _axis(v, len(src))
    return [*src[:axis], *idx, *src[axis + 1:]]


def _global(r: Reader, v: View) -> Dims | None:
    src = r.dims(v.inputs[0])
    return None if src is None or len(src) < 3 else [*src[:2], *([1] * (len(src) - 2))]


def _pad(r: Reader, v: View) -> Dims | None:
    src = r.dims(v.inputs[0])
    pads = list(v.attrs["pads"]) if "pads" in v.attrs else r.ints(v.inputs[1]) if len(v.inputs) > 1 else None
    if src is None or pads is None or len(v.inputs) > 3 and v.inputs[3]:  # pads over some axes only
        return None
    if len(pads) != 2 * len(src):
        return None
    n = len(src)
    return [d + pads[i] + pads[i + n] if isinstance(d, int) else None for i, d in enumerate(src)]


def _resize(r: Reader, v: View) -> Dims | None:
    """Resize / Upsample: the `sizes` input, else floor(dim x scale)."""
    src = r.dims(v.inputs[0])
    if src is None:
        return None
    if v.op == "Resize" and len(v.inputs) > 3 and v.inputs[3]:
        sizes = r.ints(v.inputs[3])
        return sizes if sizes is not None and len(sizes) == len(src) else None
    scales: Any = v.attrs.get("scales")
    for i in ((1,) if v.op == "Upsample" else (2, 1)):
        if scales is None and len(v.inputs) > i and v.inputs[i]:
            got = r.value(v.inputs[i])
            scales = got.numbers() if got is not None and got.is_float else None
    if scales is None or len(scales) != len(src):
        return None
    return [int(d * s) if isinstance(d, int) else None for d, s in zip(src, scales)]


def _split(r: Reader, v: View) -> Dims | None:
    """Split's first output (an `operator` row stands for one)."""
    src = r.dims(v.inputs[0])
    if src is None or not src:
        return None
    axis = _axis(v, len(src))
    sizes = v.attrs.get("split") or (r.ints(v.inputs[1]) if len(v.inputs) > 1 and v.inputs[1] else None)
    if sizes is None:
        k = len(v.outputs)
        sizes = [-(-src[axis] // k)] if isinstance(src[axis], int) and k else None
    out = list(src)
    out[axis] = sizes[0] if sizes else None
    return out


def _tile_expand(r: Reader, v: View) -> Dims | None:
    src, given = r.dims(v.inputs[0]), r.ints(v.inputs[1]) if len(v.inputs) > 1 else None
    if src is None or given is None:
        return None
    if v.op == "Tile":
        return [d * k if isinstance(d, int) else None for d, k in zip(src, given)] if len(given) == len(src) else None
    return _broadcast_lists(list(src), list(given))


RULES: dict[str, Callable[[Reader, View], Dims | None]] = {
    **{op: _same for op in (
        "Relu", "Sigmoid", "Tanh", "Selu", "Gelu", "Mish", "Softplus", "HardSwish", "HardSigmoid", "Softmax",
        "LogSoftmax", "LeakyRelu", "Elu", "PRelu", "Clip", "Dropout", "Identity", "LRN", "BatchNormalization",
        "InstanceNormalization", "LayerNormalization", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor",
        "Ceil", "Round", "Erf", "Sin", "Cos", "Sign", "Softsign", "ThresholdedRelu", "Celu", "Shrink", "Not",
        "Cast", "CastLike", "IsNaN", "IsInf", "Hardmax")},
    **{op: _broadcast for op in ("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Pow", "Where",
                                 "Equal", "Less", "Greater", "And", "Or")},
    "Transpose": _transpose, "Concat": _concat, "Reshape": _reshape, "Flatten": _flatten,
    "Unsqueeze": _unsqueeze_squeeze, "Squeeze": _unsqueeze_squeeze, "Slice": _slice,
    **{op: _reduce for op in ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd")},
    "MatMul": _matmul, "Gemm": _gemm, "Gather": _gather, "Pad": _pad, "Resize": _resize, "Upsample": _resize,
    "Split": _split, "Tile": _tile_expand, "Expand": _tile_expand,
    "GlobalAveragePool": _global, "GlobalMaxPool": _global,
}  # fmt: skip


def output_dims(r: Reader, v: View) -> Dims | None:
    """The first output's dims of a node read as an `operator` row: our ONNX rule for a known
    operator, else what the file records, else ONNX shape inference (importing `onnx`)."""
    rule = RULES.get(v.op) if v.domain in ("", "ai.onnx") else None
    if rule is not None:
        got = rule(r, v)
        if got is not None and all(isinstance(d, int) for d in got):
            return got
    out = v.outputs[0] if v.outputs else ""
    recorded = r.recorded.get(out)
    if recorded is not None and all(isinstance(d, int) for d in recorded):
        return recorded
    return onnx_fallback(r, v).get(out)


def onnx_fallback(r: Reader, v: View) -> dict[str, Dims]:
    """ONNX's shape inference (data propagation on) over the file's structure, once per file:
    every tensor's dims. Without the onnx package, one line at the node that needed it."""
    if r.inferred is not None:
        return r.inferred
    try:
        import onnx
    except ImportError:
        raise CnnError(f"the output shape of {v.op} (domain {v.domain or 'ai.onnx'}) needs ONNX shape "
                       f"inference: {MISSING}", v.loc) from None
    import io

    from .onnx_wire import skeleton

    r.inferred = {}
    try:
        model = onnx.load(io.BytesIO(skeleton(r.data)), load_external_data=False)
        for vi in model.graph.input:  # the input as read (--input fixes named axes)
            want = r.shapes.get(vi.name)
            if want is not None and vi.type.HasField("tensor_type"):
                for d, size in zip(vi.type.tensor_type.shape.dim, want):
                    if isinstance(size, int):
                        d.dim_value = size
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is a help: without it, the operator is an error
        return r.inferred
    for vi in (*model.graph.input, *model.graph.value_info, *model.graph.output):
        t = vi.type
        if t.HasField("tensor_type") and t.tensor_type.HasField("shape"):
            r.inferred[vi.name] = [int(d.dim_value) if d.HasField("dim_value") else None
                                   for d in t.tensor_type.shape.dim]
    return r.inferred
