"""The wrong answers students give for known reasons (issue 14 item 8): for a wrong answer to a
layer's `params`, `output` or `macs`, which slip gives exactly that number, said with the right
step. Each rule recomputes the slip from the layer's own values, so a hint is given only when
the wrong answer is what that slip produces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .graph import INPUT
from .report import Report, Row

_CONV = {"conv", "depthwise", "local", "deconv"}


def _inputs(report: Report, row: Row) -> list[Any]:
    if report.graph is None or row.leaf is None:
        return []
    shapes = {INPUT: report.graph.input, **{leaf.name: leaf.output for leaf in report.graph.leaves}}
    return [shapes[i] for i in row.leaf.inputs]


def _params(row: Row, answer: int, ins: list[Any]) -> str | None:
    kind = type(row.leaf.layer).KIND if row.leaf is not None else ""
    w, b = row.weights, row.biases
    if b and answer == w:
        per = "one per filter" if kind in _CONV else "one per unit" if kind == "fc" else "one per channel"
        return f"the {b:,} biases are missing ({per}): {w:,} weights + {b:,} biases = {row.params:,}"
    if b and answer == w + 2 * b and kind in _CONV | {"fc"}:
        return f"a layer has one bias per output channel, not two: {w:,} + {b:,} = {row.params:,}"
    layer = row.leaf.layer if row.leaf is not None else None
    if kind == "conv" and ins and len(ins[0]) == 3:
        fh, fw = layer.f
        c_in = ins[0][2] // layer.groups
        if c_in > 1 and answer in (fh * fw * layer.filters, (fh * fw + 1) * layer.filters):
            return (f"a filter spans all n_C_prev = {c_in} input channels: f x f x n_C_prev = {fh} x {fw} x "
                    f"{c_in} = {fh * fw * c_in} weights per filter, not {fh * fw}; "
                    f"({fh * fw * c_in} + 1) x {layer.filters} = {row.params:,}")
    return None


def _side(n: int, f: int, s: int, d: int, before: int, after: int) -> dict[str, int]:
    """Output sizes of one axis under each known slip, by the slip's name."""
    k = d * (f - 1) + 1
    p = before + after
    out = {
        "right": (n + p - k) // s + 1,
        "ceil": -(-(n + p - k) // s) + 1,
        "no_plus_one": (n + p - k) // s,
        "plus_two": (n + p - k) // s + 2,
    }
    if before == after and before:
        out["n_plus_p"] = (n + before - k) // s + 1
        out["no_padding"] = (n - k) // s + 1
    return out


def _output(row: Row, answer: tuple[int, ...], ins: list[Any]) -> str | None:
    kind = type(row.leaf.layer).KIND if row.leaf is not None else ""
    layer = row.leaf.layer if row.leaf is not None else None
    if kind not in ("conv", "depthwise", "pool", "local") or not ins or len(ins[0]) != 3 or len(answer) != 3:
        return None
    pad = row.leaf.cost.padding or (0, 0, 0, 0)
    f, s = layer.f, getattr(layer, "s", None) or layer.stride
    d = getattr(layer, "dilation", (1, 1))
    n, want = ins[0][0], row.output[0]
    slips = _side(n, f[0], s[0], d[0], pad[0], pad[1])
    span = n + pad[0] + pad[1] - (d[0] * (f[0] - 1) + 1)
    if answer[2] != row.output[2] and answer[:2] == tuple(row.output[:2]):
        if kind == "conv" and answer[2] == ins[0][2]:
            return f"a conv's output has one channel per filter: n_C = {layer.filters}, not n_C_prev = {ins[0][2]}"
        return None
    got = answer[0]
    if got == want:
        return None
    step = f"⌊(n + 2p - f)/s⌋ + 1 = ⌊({n} + {pad[0] + pad[1]} - {f[0]})/{s[0]}⌋ + 1 = {want}"
    why = []  # two slips may give the same number: say each
    if got == slips["ceil"] and span % s[0]:
        why.append(f"the division rounds down (floor), not up: {span}/{s[0]} = {span / s[0]:g} -> {span // s[0]}")
    if got == slips["no_plus_one"]:
        why.append("the + 1 is missing (it counts the window at position 0)")
    if got == slips["plus_two"] or (got == want + 1 and not span % s[0]):
        why.append("the + 1 is added once, after the division")
    if got == slips.get("n_plus_p"):
        why.append("padding is added on both sides: n + 2p, not n + p")
    if got == slips.get("no_padding"):
        why.append(f"the padding is missing: p = {pad[0]} on each side")
    return f"{'; or '.join(why)}; {step}" if why else None


def _macs(row: Row, answer: int, ins: list[Any]) -> str | None:
    kind = type(row.leaf.layer).KIND if row.leaf is not None else ""
    if kind != "conv" or not ins or len(ins[0]) != 3 or len(row.output) != 3:
        return None
    h, w, c = row.output
    layer = row.leaf.layer
    per = layer.f[0] * layer.f[1]
    c_in = ins[0][2] // layer.groups
    if row.biases and answer == h * w * row.params:
        return (f"MACs count multiplications by weights: the bias adds are not; "
                f"(n_H x n_W x n_C) x (f x f x n_C_prev) = {h * w * c:,} x {per * c_in} = {row.macs:,}")
    if c_in > 1 and answer == h * w * c * per:
        return (f"each output value multiplies f x f x n_C_prev = {per * c_in} inputs, not f x f = {per}; "
                f"{h * w * c:,} x {per * c_in} = {row.macs:,}")
    return None


RULES: dict[str, Callable[[Row, Any, list[Any]], str | None]] = {
    "params": _params, "trainable": _params, "output": _output, "macs": _macs,
}


def diagnose(report: Report, row: Row | None, key: str, answer: Any) -> str:
    """Why `answer` is wrong, when a known slip gives it exactly ('' otherwise)."""
    rule = RULES.get(key)
    if rule is None or row is None or row.leaf is None or not isinstance(answer, (int, tuple)):
        return ""
    if isinstance(answer, tuple) != (key == "output"):
        return ""
    return rule(row, answer, _inputs(report, row)) or ""
