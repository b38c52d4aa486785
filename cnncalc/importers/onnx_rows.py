"""What every ONNX rule shares: the activation inputs, and the rows for operators without
arithmetic here (`unknown`) or reading weights an earlier node counted (`shared`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import CnnError
from .onnx import Reader, View
from .onnx_infer import ours

Rule = Callable[[Reader, View], None]


def unknown(r: Reader, v: View, why: str = "") -> None:
    """An operator without arithmetic here: a row if its output shape is known (`onnx_infer`)."""
    from .onnx_infer import output_dims

    acts = _acts(r, v)
    domain = v.domain or "ai.onnx"
    reason = f": {why}" if why else ""
    outputs = {o.name for o in r.graph.output}
    read_later = [t for t in v.outputs[1:] if t and (t in r.consumers or t in outputs)]
    if read_later:  # an `operator` row stands for one output
        raise CnnError(f"unsupported operator {v.op} (domain {domain}){reason}; its output '{read_later[0]}' "
                       "is read too, and an operator row has one output", v.loc)
    dims = output_dims(r, v) if v.outputs and acts else None
    out = ours(dims)
    if out is None or not all(isinstance(d, int) and d > 0 for d in out):
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


def shared(r: Reader, v: View, stats: tuple[str, ...] = (), kind: str | None = None,
           args: dict[str, Any] | None = None) -> None:
    """A node reading a weight an earlier node counted (weight sharing, or tensors torch.onnx.export
    merged because they were equal): a row with only its own weights, its MACs left out, said so.
    Its output shape is what `kind` with `args` gives (a conv, an fc), else its input's."""
    from .onnx_infer import kind_output

    acts = _acts(r, v)
    dims = kind_output(kind, args, [r.dims(acts[0])]) if kind and acts else r.dims(acts[0]) if acts else None
    out = ours(dims)
    if out is None or not all(isinstance(d, int) and d > 0 for d in out):
        if kind is not None or not acts:
            raise CnnError(f"{v.op} reads weights an earlier node counted, and its output shape is unknown", v.loc)
        out = None  # the input's shape, symbolic or not
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
