"""What every ONNX rule shares: the activation inputs, and the rows for operators without
arithmetic here (`unknown`) or reading weights an earlier node counted (`shared`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import CnnError
from .onnx import Reader, View

Rule = Callable[[Reader, View], None]


def unknown(r: Reader, v: View, why: str = "") -> None:
    """An operator without arithmetic here: a row if shape inference knows its output."""
    out = r.ours(v.outputs[0]) if v.outputs else None
    acts = _acts(r, v)
    if out is None or not acts:
        domain = v.domain or "ai.onnx"
        reason = f": {why}" if why else ""
        raise CnnError(f"unsupported operator {v.op} (domain {domain}){reason}", v.loc)
    _operator(r, v, acts, out)


def _operator(r: Reader, v: View, acts: list[str], out: list[Any] | None, stats: tuple[str, ...] = (),
              note: str | None = None) -> None:
    params = r.unclaimed([t for t in v.inputs if t and r.is_weight(t) and t not in stats])
    buffers = r.unclaimed(list(stats))
    args: dict[str, Any] = {"type": v.op}
    if out is not None:
        args["output"] = out
    if params:
        args["params"] = params
    if buffers:
        args["buffers"] = buffers
    if note:
        args["note"] = note
    r.row("operator", v, args, acts)


def shared(r: Reader, v: View, stats: tuple[str, ...] = ()) -> None:
    """A node reading a weight an earlier node counted (weight sharing, or tensors torch.onnx.export
    merged because they were equal): a row with only its own weights, its MACs left out, said so."""
    acts = _acts(r, v)
    out = r.ours(v.outputs[0])
    if out is None and r.shapes.get(v.outputs[0]) != r.shapes.get(acts[0]):
        raise CnnError(f"{v.op} reads weights an earlier node counted, and its output shape is unknown", v.loc)
    note = (f"{v.op} reads weights an earlier node counted (counted once, there); "
            "its own arithmetic, MACs included, is left out")
    _operator(r, v, acts, out, tuple(t for t in stats if t), note)


def _acts(r: Reader, v: View) -> list[str]:
    return [t for t in v.inputs if t and not r.is_const(t)]


# ---- convolutions and pooling ------------------------------------------------------------------


def _pair(values: list[int]) -> Any:
    return values[0] if values[0] == values[1] else list(values)


def _clean(args: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in args.items() if defaults.get(k, object()) != val}


def _axis(v: View, rank: int | None, default: int) -> int | None:
    axis = v.attrs.get("axis", default)
    return None if rank is None else axis % rank
