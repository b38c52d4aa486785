"""Shape arithmetic on constants (torch.onnx.export's Shape -> Gather -> Unsqueeze -> Concat ->
Reshape, Constant, ConstantOfShape, ...): folded into values where they can be worked out (plain
Python lists, `onnx_values`), no rows. A value that cannot be worked out is unknown (None): the
rule that reads it then says what it needed."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import onnx_values as ov
from .onnx_proto import Tensor
from .onnx_values import Const

if TYPE_CHECKING:
    from .onnx import Reader, View

_SAME_VALUES = {"Identity", "Unsqueeze", "Squeeze", "Reshape", "Flatten"}


def fold(r: Reader, v: View) -> None:
    """Shape arithmetic on constants: the outputs become constants (values where they can be said)."""
    if v.op in _SAME_VALUES and r.is_weight(v.inputs[0]) or v.op == "Identity" and r.is_init(v.inputs[0]):
        r.canon[v.outputs[0]] = r.c(v.inputs[0])  # the same values: the weight itself (PRelu's unsqueezed slope)
        r.const[v.outputs[0]] = None
        return
    try:
        values = _evaluate(r, v)
    except Exception:  # noqa: BLE001 - a value we cannot work out is just unknown
        values = None
    for i, out in enumerate(v.outputs):
        if out:
            r.const[out] = values[i] if values is not None and i < len(values) else None
    if v.op == "Constant" and v.outputs and isinstance(v.attrs.get("value"), Tensor):
        r.shapes[v.outputs[0]] = list(v.attrs["value"].dims)  # known even when its values are not read


def _number(fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn on numbers only: a named axis or an unknown item gives an unknown item."""
    def on_numbers(*xs: Any) -> Any:
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs):
            return None
        return fn(*xs)

    return on_numbers


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):  # integer Div truncates, as onnxruntime's does
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


_BINARY: dict[str, Callable[..., Any]] = {
    "Add": _number(operator.add), "Sub": _number(operator.sub), "Mul": _number(operator.mul),
    "Div": _number(_div), "Mod": _number(operator.mod), "Pow": _number(operator.pow),
    "Min": _number(min), "Max": _number(max), "Sum": _number(operator.add),
    "Equal": operator.eq, "Less": _number(operator.lt), "Greater": _number(operator.gt),
    "LessOrEqual": _number(operator.le), "GreaterOrEqual": _number(operator.ge),
    "And": lambda a, b: bool(a) and bool(b), "Or": lambda a, b: bool(a) or bool(b),
}  # fmt: skip
_UNARY: dict[str, Callable[..., Any]] = {
    "Neg": _number(operator.neg), "Abs": _number(abs), "Floor": _number(math.floor), "Ceil": _number(math.ceil),
    "Sqrt": _number(math.sqrt), "Reciprocal": _number(lambda x: 1 / x), "Not": lambda x: not x,
}  # fmt: skip


def _cast(to: int) -> Callable[[Any], Any]:
    def cast(x: Any) -> Any:
        if not isinstance(x, (int, float)):
            return None
        if to in ov.FLOAT_TYPES:
            return float(x)
        if to == 9:
            return bool(x)
        return int(x) if to in ov.INT_TYPES else None

    return cast


def _ints(c: Const | None) -> list[int] | None:
    if c is None or not all(isinstance(x, int) and not isinstance(x, bool) for x in c.items):
        return None
    return list(c.items)


def constant(a: dict[str, Any]) -> Const | None:
    """The value of a Constant node's attributes."""
    if isinstance(a.get("value"), Tensor):
        return ov.decode(a["value"])
    for key, make in (("value_int", ov.scalar), ("value_float", ov.scalar), ("value_string", ov.scalar),
                      ("value_ints", ov.vector), ("value_floats", ov.vector), ("value_strings", ov.vector)):
        if key in a:
            return make(a[key])
    return None


def _evaluate(r: Reader, v: View) -> list[Const | None] | None:
    op, a = v.op, v.attrs
    if op == "Constant":
        return [constant(a)]
    if op in ("Shape", "Size"):
        dims = r.dims(v.inputs[0])
        if dims is None:
            return None
        if op == "Size":
            return [ov.scalar(ov.count(dims)) if all(isinstance(d, int) for d in dims) else None]
        picked = dims[a.get("start", 0):a.get("end", None)]
        return [ov.vector(list(picked))]
    vals = [r.value(t) if t else None for t in v.inputs]
    if any(x is None for x, t in zip(vals, v.inputs) if t) or not vals or vals[0] is None:
        return None
    x = vals[0]
    if op in _UNARY:
        return [ov.elementwise(_UNARY[op], x)]
    if op in _BINARY and len(vals) >= 2:
        out: Const | None = x
        for y in vals[1:]:
            out = ov.elementwise(_BINARY[op], out, y) if out is not None and y is not None else None
        return [out]
    if op == "Cast":
        return [ov.elementwise(_cast(a.get("to", 1)), x)]
    if op == "Identity":
        return [x]
    if op == "Where":
        return [ov.elementwise(lambda c, p, q: p if c else q, *vals[:3])]  # type: ignore[arg-type]
    if op == "Gather":
        return [ov.gather(x, vals[1], a.get("axis", 0))]  # type: ignore[arg-type]
    if op == "Concat":
        return [ov.concat([c for c in vals if c is not None], a.get("axis", 0))]
    if op in ("Unsqueeze", "Squeeze", "Reshape", "Flatten"):
        dims = _new_dims(op, x.dims, a, _ints(vals[1]) if len(vals) > 1 else None)
        return [None if dims is None else ov.make(dims, list(x.items))]
    if op == "Transpose":
        return [ov.transpose(x, a.get("perm"))]
    if op == "Range":
        return [ov.arange(x.first(), vals[1].first(), vals[2].first())]  # type: ignore[union-attr]
    if op == "Expand":
        shape = _ints(vals[1])
        target = None if shape is None else ov.broadcast_dims(x.dims, tuple(shape))
        return [None if target is None else ov.broadcast(x, target)]
    if op == "Slice":
        return [_slice(x, vals, a)]
    if op == "ConstantOfShape":
        shape = _ints(x)
        fill = ov.decode(a["value"]) if isinstance(a.get("value"), Tensor) else None
        if shape is None or ov.count(shape) > ov.MAX_ITEMS:
            return None
        return [ov.make(shape, [fill.first() if fill is not None else 0.0] * ov.count(shape))]
    return None


def _new_dims(op: str, dims: tuple[int, ...], a: dict[str, Any], given: list[int] | None) -> list[int] | None:
    """Unsqueeze, Squeeze, Reshape and Flatten only move values: the new dims."""
    rank = len(dims)
    if op == "Reshape":
        if given is None:
            return None
        out = ov.resolve_reshape(list(dims), given, bool(a.get("allowzero", 0)))
        return out if out is not None and all(isinstance(d, int) for d in out) else None
    if op == "Flatten":
        axis = a.get("axis", 1) % (rank + 1) if rank else 0
        return [ov.count(dims[:axis]), ov.count(dims[axis:])]
    axes = list(a["axes"]) if "axes" in a else given
    if op == "Unsqueeze":
        if axes is None:
            return None
        n = rank + len(axes)
        where = sorted(ax % n for ax in axes)
        out = list(dims)
        for ax in where:
            out.insert(ax, 1)
        return out
    drop = {ax % rank for ax in axes} if axes is not None and rank else {i for i, d in enumerate(dims) if d == 1}
    return [d for i, d in enumerate(dims) if i not in drop]


def _slice(x: Const, vals: list[Const | None], a: dict[str, Any]) -> Const | None:
    if "starts" in a:  # opset 1-9: attributes
        starts, ends, axes = list(a["starts"]), list(a["ends"]), a.get("axes")
        steps = None
    else:
        starts, ends = _ints(vals[1]), _ints(vals[2])
        axes = _ints(vals[3]) if len(vals) > 3 and vals[3] is not None else None
        steps = _ints(vals[4]) if len(vals) > 4 and vals[4] is not None else None
    if starts is None or ends is None:
        return None
    axes = list(axes) if axes is not None else list(range(len(starts)))
    steps = steps if steps is not None else [1] * len(starts)
    return ov.take(x, starts, ends, axes, steps)
