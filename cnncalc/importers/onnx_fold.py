"""Shape arithmetic on constants (torch.onnx.export's Shape -> Gather -> Unsqueeze -> Concat ->
Reshape, Constant, ConstantOfShape, ...): folded into values where numpy can say, no rows."""

from __future__ import annotations

from typing import Any

from .onnx import Reader, View

_SAME_VALUES = {"Identity", "Unsqueeze", "Squeeze", "Reshape", "Flatten"}


def fold(r: Reader, v: View) -> None:
    """Shape arithmetic on constants: the outputs become constants (values where numpy can say)."""
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


def _evaluate(r: Reader, v: View) -> list[Any] | None:
    import numpy as np

    op, a = v.op, v.attrs
    if op == "Constant":
        if "value" in a:
            from onnx import numpy_helper

            return [numpy_helper.to_array(a["value"])]
        for key in ("value_int", "value_float", "value_ints", "value_floats"):
            if key in a:
                return [np.array(a[key])]
        return None
    if op == "Shape":
        known = r.value(v.inputs[0]) if r.is_const(v.inputs[0]) else None
        dims = list(known.shape) if known is not None else r.shapes.get(v.inputs[0])
        if dims is None:
            return None
        start, end = a.get("start", 0), a.get("end", None)
        picked = dims[start:end]
        return [np.array(picked, dtype=object if any(not isinstance(d, int) for d in picked) else np.int64)]
    vals = [r.value(t) if t else None for t in v.inputs]
    if any(x is None for x, t in zip(vals, v.inputs) if t):
        return None
    if op == "Gather":
        return [np.take(vals[0], vals[1], axis=a.get("axis", 0))]
    if op in ("Unsqueeze", "Squeeze"):
        axes = a.get("axes") if "axes" in a else (vals[1].tolist() if len(vals) > 1 and vals[1] is not None else None)
        if op == "Unsqueeze":
            out = vals[0]
            for ax in sorted(int(x) for x in axes):
                out = np.expand_dims(out, ax)
            return [out]
        return [np.squeeze(vals[0], axis=tuple(int(x) for x in axes) if axes is not None else None)]
    if op == "Concat":
        return [np.concatenate([np.atleast_1d(x) for x in vals], axis=a.get("axis", 0))]
    if op in ("Cast", "Identity"):
        return [vals[0]]
    if op == "Reshape":
        target = [int(d) for d in vals[1].reshape(-1).tolist()]
        if not a.get("allowzero", 0):
            target = [vals[0].shape[i] if d == 0 else d for i, d in enumerate(target)]
        return [vals[0].reshape(target)]
    if op == "Transpose":
        return [np.transpose(vals[0], a.get("perm"))]
    if op == "Equal":
        return [np.equal(vals[0], vals[1])]
    if op == "Where":
        return [np.where(vals[0], vals[1], vals[2])]
    if op == "Range":
        return [np.arange(vals[0].item(), vals[1].item(), vals[2].item())]
    if op == "Expand":
        return [vals[0] * np.ones([int(d) for d in vals[1].reshape(-1).tolist()], dtype=vals[0].dtype)]
    if op == "Slice":
        starts, ends = vals[1].tolist(), vals[2].tolist()
        axes = vals[3].tolist() if len(vals) > 3 and vals[3] is not None else list(range(len(starts)))
        steps = vals[4].tolist() if len(vals) > 4 and vals[4] is not None else [1] * len(starts)
        index = [slice(None)] * vals[0].ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            index[ax] = slice(s, e, st)
        return [vals[0][tuple(index)]]
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": None}
    if op in binary and len(vals) == 2:
        if op == "Div":
            if vals[0].dtype.kind in "iu" and vals[1].dtype.kind in "iu":
                return [vals[0] // vals[1]]
            return [vals[0] / vals[1]]
        return [binary[op](vals[0], vals[1])]
    if op == "ConstantOfShape":
        from onnx import numpy_helper

        fill = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full([int(d) for d in vals[0].tolist()], fill.reshape(-1)[0])]
    return None
