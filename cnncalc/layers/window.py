"""The sliding-window rule that conv, pool and local layers share.

    n_out = floor((n + p_total - d(f-1) - 1) / s) + 1

>>> slide(600, 3, 2, 1, 0, 0).size
299
>>> same_padding(5, 3, 2, 1)   # TensorFlow: n_out = ceil(5/2) = 3, total 2, 1 before
(1, 1)
>>> same_padding(6, 3, 2, 1)   # total 1: the smaller half (0) before
(0, 1)
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from .. import dims
from ..dims import Dim
from ..errors import ShapeError
from ..values import Frozen, init
from .base import Pair, Shape, Window, need_volume
from .steps import QUIET, Step, Work, X, count, num, quotient


class Slide(Frozen):
    __slots__ = ("size", "remainder", "uncovered", "span")
    size: Dim
    remainder: Dim  # (n + p - d(f-1) - 1) mod s: padded positions after the last window
    uncovered: Dim  # of those, real input rows/columns (not padding)
    span: Dim  # n + p - d(f-1) - 1: what the stride divides

    def __init__(self, size: Dim, remainder: Dim, uncovered: Dim, span: Dim) -> None:
        init(self, "size", size)
        init(self, "remainder", remainder)
        init(self, "uncovered", uncovered)
        init(self, "span", span)


def same_padding(n: Dim, f: int, s: int, d: int) -> tuple[Dim, Dim]:
    """TensorFlow's `same`: n_out = ceil(n/s); total padding split with the smaller half first."""
    n_out = dims.ceildiv(n, s)
    total = dims.maximum((n_out - 1) * s + d * (f - 1) + 1 - n, 0)
    before = dims.floordiv(total, 2)
    return before, total - before


def slide(
    n: Dim, f: int, s: int, d: int, before: Dim, after: Dim, ceil: bool = False, axis: str = "n_H"
) -> Slide:
    span = n + before + after - d * (f - 1) - 1
    # ceil mode (PyTorch, Caffe) keeps a window that starts inside the input but overhangs it
    too_small = span < 0 if not ceil else dims.ceildiv(span, s) < 0
    if dims.is_true(too_small) is True:
        raise ShapeError(
            f"kernel of {d * (f - 1) + 1} (f={f}, dilation={d}) is larger than the padded input "
            f"{axis} = {n} + {before + after} = {n + before + after}"
        )
    if ceil:
        size = dims.ceildiv(span, s) + 1
        # PyTorch (and Caffe): the last window must start inside the input or the left padding
        last_outside = dims.is_true((size - 1) * s >= n + before)
        if last_outside is True:
            size = size - 1
        elif last_outside is None and isinstance(after, int) and after + s > d * (f - 1) + 1:
            # symbolic n: the window starts t*s kept are those <= min(span + s - 1, n + before - 1);
            # the second bound is the smaller for every n exactly when after + s > d(f-1) + 1
            size = dims.floordiv(n + before - 1, s) + 1
        return Slide(size, 0, 0, span)
    size = dims.floordiv(span, s) + 1
    rem = dims.mod(span, s)
    return Slide(size, rem, dims.maximum(rem - after, 0), span)


class FloorNote(str):
    """A floor's message; `harmless` when what no window covers is only padding, or no more
    input than the stride already skips between any two windows (a 1x1 conv of stride 2 never
    reads odd rows: the last one is no loss of its own). A harmless floor is a note, not a
    warning, so `--strict` passes it."""

    harmless: bool = False


def floor_note(slides: tuple[Slide, Slide], s: tuple[int, int],
               extent: tuple[int, int] = (1, 1)) -> FloorNote | None:
    """The warning for an inexact division in the output rule, naming what no window covers;
    `extent` is the window's reach d(f-1)+1 per axis.

    Only concrete sizes are checked here; symbolic ones become conditions (`cnncalc.symbolic`).
    """
    parts = []
    harmless = True
    for axis, word, sl, s_i, k in zip(("n_H", "n_W"), ("row", "column"), slides, s, extent):
        if not isinstance(sl.remainder, int) or sl.remainder == 0:
            continue
        span = sl.span
        lost = sl.uncovered
        gap = s_i - k  # input skipped between two neighbouring windows anyway
        harmless = harmless and lost <= max(gap, 0)
        what = (
            "only padding left uncovered" if not lost
            else f"{lost} input {word}{'s' if lost != 1 else ''} never covered"
            + (", as between any two windows (the stride skips them)" if lost <= gap else "")
        )
        parts.append((axis, f"{span}/{s_i} = {span / s_i:g} floored to {span // s_i}, {what}"))
    if not parts:
        return None
    if len(parts) == 2 and parts[0][1].replace("row", "column") == parts[1][1]:
        both = parts[0][1].replace(" rows ", " rows and columns ").replace(" row ", " row and column ")
        note = FloorNote(f"n_H and n_W: {both}")
    else:
        note = FloorNote("; ".join(f"{axis}: {text}" for axis, text in parts))
    note.harmless = harmless
    return note


# ---- a whole volume: the padding, then n_H and n_W, recorded as worked steps -----------------


def resolve_padding(
    padding: Any, n: tuple[Dim, Dim], f: Pair, s: Pair, d: Pair
) -> tuple[Dim, Dim, Dim, Dim]:
    """(top, bottom, left, right) for `valid`, `same` or explicit padding."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        top, bottom = same_padding(n[0], f[0], s[0], d[0])
        left, right = same_padding(n[1], f[1], s[1], d[1])
        return (top, bottom, left, right)
    return padding


def slide_volume(
    shape: Shape, kind: str, f: Pair, s: Pair, d: Pair, padding: Any, ceil: bool = False,
    work: Work = QUIET, pool: bool = False,
) -> tuple[Dim, Dim, tuple[Dim, Dim, Dim, Dim], tuple[str, ...]]:
    """Output n_H, n_W of a sliding window, the padding applied and any floor warning; `work`
    gets the padding's steps (a pool's only when it has padding) and n_H's and n_W's."""
    h, w, _ = need_volume(kind, shape)
    pad = resolve_padding(padding, (h, w), f, s, d)
    sh = slide(h, f[0], s[0], d[0], pad[0], pad[1], ceil, "n_H")
    sw = slide(w, f[1], s[1], d[1], pad[2], pad[3], ceil, "n_W")
    # symbolic `same`: TF's definition, ceil(n/s), reads better than the padded rule it equals
    tf_same = padding == "same" and not (isinstance(h, int) and isinstance(w, int))
    size = (dims.ceildiv(h, s[0]), dims.ceildiv(w, s[1])) if tf_same else (sh.size, sw.size)
    if work:
        if not (pool and padding == "valid"):
            work.extend(padding_steps(padding, (h, w), f, s, d, pad))
        if tf_same and (sh.size != size[0] or sw.size != size[1]):  # the padded rule reads otherwise
            work.extend(same_steps((h, w), s, size))
        else:
            work.extend(hw_steps((h, w), f, s, d, pad, ceil, pool, (sh, sw)))
    note = None if ceil else floor_note((sh, sw), s, (d[0] * (f[0] - 1) + 1, d[1] * (f[1] - 1) + 1))
    return size[0], size[1], pad, (note,) if note else ()


def kernel_window(f: Pair, s: Pair, d: Pair) -> Window:
    return Window(kernel=(d[0] * (f[0] - 1) + 1, d[1] * (f[1] - 1) + 1), stride=s)


def whole_input_window(shape: Shape, out: Pair) -> Window:
    """A global pool's: it sees all of its input."""
    h, w = shape[0], shape[1]
    return Window(
        kernel=(h, w),
        stride=(Fraction(h, out[0]) if isinstance(h, int) else h / out[0],
                Fraction(w, out[1]) if isinstance(w, int) else w / out[1]),
        whole_input=True,
    )


def same_axes(n: tuple[Any, Any], f: Any, s: Any, d: Any, pad: Any) -> bool:
    """True when height and width follow the same arithmetic (explain them once)."""
    return n[0] == n[1] and f[0] == f[1] and s[0] == s[1] and d[0] == d[1] and pad[0:2] == pad[2:4]


def slide_step(
    axis: str, n: Any, f: int, s: int, d: int, before: Any, after: Any, ceil: bool, pool: bool, result: Slide
) -> Step:
    """n_out = ⌊(n_prev + 2p - f)/s⌋ + 1 with the values put in, and what the floor dropped.

    >>> slide_step("H", 600, 3, 2, 1, 0, 0, False, False, slide(600, 3, 2, 1, 0, 0)).values
    ('⌊(600 + 2×0 - 3)/2⌋ + 1', '⌊597/2⌋ + 1', '⌊298.5⌋ + 1')
    """
    sides = ("top", "bottom") if axis == "H" else ("left", "right")
    open_, close = ("⌈", "⌉") if ceil else ("⌊", "⌋")
    prev = f"n_{axis}_prev"
    if before == after:
        p_f, p_v = ("", "") if pool and before == 0 else (" + 2p", f" + 2×{num(before)}")
    else:
        p_f, p_v = f" + p_{sides[0]} + p_{sides[1]}", f" + {num(before)} + {num(after)}"
    if d == 1:
        k_f, k_v = " - f", f" - {num(f)}"
    else:
        k_f, k_v = " - d(f - 1) - 1", f" - {num(d)}×({num(f)} - 1) - 1"
    formula = f"{open_}({prev}{p_f}{k_f})/s{close} + 1"
    values = [f"{open_}({num(n)}{p_v}{k_v})/{num(s)}{close} + 1"]
    span = result.span
    note = ""
    if isinstance(span, int):
        values.append(f"{open_}{span}/{s}{close} + 1")
        if span % s:
            values.append(f"{open_}{quotient(span, s)}{close} + 1")
            if not ceil:
                word = "row" if axis == "H" else "column"
                lost = result.uncovered
                where_ = "bottom" if axis == "H" else "right"
                dropped = (
                    f"{lost} input {word}{'s' if lost != 1 else ''} at the {where_} never covered by a window"
                    if lost
                    else f"only padding is left uncovered, no input {word} is dropped"
                )
                note = f"floored: {span}/{s} = {quotient(span, s)} rounds down to {span // s}; {dropped}"
            elif isinstance(result.size, int) and result.size != -(-span // s) + 1:
                note = "rounded up, then one less: the last window must start inside the input (PyTorch)"
        elif s == 1:
            values[-1] = f"{span} + 1"
    return Step(f"n_{axis}", formula, tuple(values), count(result.size), note, key="output")


def hw_steps(
    n: tuple[Any, Any], f: Any, s: Any, d: Any, pad: Any, ceil: bool, pool: bool, slides: tuple[Slide, Slide]
) -> list[Step]:
    h = slide_step("H", n[0], f[0], s[0], d[0], pad[0], pad[1], ceil, pool, slides[0])
    if same_axes(n, f, s, d, pad):
        return [Step("n_H = n_W", h.formula, h.values, h.result, _both_axes(h.note), "output")]
    w = slide_step("W", n[1], f[1], s[1], d[1], pad[2], pad[3], ceil, pool, slides[1])
    return [h, w]


def same_steps(n: tuple[Any, Any], s: Any, size: tuple[Any, Any]) -> list[Step]:
    """n_H = ⌈n_H_prev/s⌉: `same` on a symbolic size, in the form the report writes it."""
    if n[0] == n[1] and s[0] == s[1]:
        return [Step("n_H = n_W", "⌈n_H_prev/s⌉ (same)", (f"⌈{num(n[0])}/{num(s[0])}⌉",), count(size[0]), key="output")]
    return [
        Step(f"n_{a}", f"⌈n_{a}_prev/s⌉ (same)", (f"⌈{num(n[i])}/{num(s[i])}⌉",), count(size[i]), key="output")
        for i, a in enumerate("HW")
    ]


_BOTH_AXES = {
    "no input row ": "no input row or column ",
    "input rows ": "input rows and columns ",
    "input row ": "input row and column ",
    "at the bottom": "at the bottom and right",
}


def _both_axes(note: str) -> str:
    """One axis's floor note said of both: each phrase replaced once, in one pass (replacing
    in turn read "no input row or column and column")."""
    return re.sub("|".join(map(re.escape, _BOTH_AXES)), lambda m: _BOTH_AXES[m.group(0)], note)


def padding_steps(padding: Any, n: tuple[Any, Any], f: Any, s: Any, d: Any, pad: Any) -> list[Step]:
    """The padding actually applied on each side; TensorFlow's `same` can be asymmetric."""
    if padding == "valid":
        return [Step("p", "valid: no padding", (), "0")]
    if padding != "same":
        if len(set(pad)) == 1:
            return [Step("p", "given", (), f"{num(pad[0])} on every side")]
        return [Step("padding", "given (top, bottom, left, right)", (), ", ".join(num(v) for v in pad))]
    out = []
    axes = (
        (("H", "top", "bottom"),)
        if same_axes(n, f, s, d, (0, 0, 0, 0))
        else (("H", "top", "bottom"), ("W", "left", "right"))
    )
    for i, (axis, a, b) in enumerate(axes):
        k = "d(f - 1) + 1" if d[i] != 1 else "f"
        k_v = f"{num(d[i])}×({num(f[i])} - 1) + 1" if d[i] != 1 else num(f[i])
        before, after = pad[2 * i], pad[2 * i + 1]
        total = before + after
        both = len(axes) == 1
        out.append(
            Step(
                "p_total (same)" if both else f"p_total along n_{axis} (same)",
                f"max((⌈n_{axis}_prev/s⌉ - 1){X}s + {k} - n_{axis}_prev, 0)",
                (f"max((⌈{num(n[i])}/{num(s[i])}⌉ - 1){X}{num(s[i])} + {k_v} - {num(n[i])}, 0)",),
                num(total),
                "TensorFlow's same: the output is ⌈n_prev/s⌉, padded as little as that needs",
            )
        )
        out.append(
            Step(
                f"p_{a}, p_{b}" + (" (and p_left, p_right)" if both else ""),
                "⌊p_total/2⌋, the rest",
                (f"⌊{num(total)}/2⌋, {num(total)} - {num(before)}",),
                f"{num(before)}, {num(after)}",
                _asymmetry(before, after, "row" if axis == "H" else "column", b + (" (and right)" if both else "")),
            )
        )
    return out


def _asymmetry(before: Any, after: Any, word: str, side: str) -> str:
    """Where the odd row of `same` padding goes; on a symbolic size, only when p_total is odd."""
    same = dims.equal(before, after)
    if same is None:
        return f"when p_total is odd, the extra {word} goes to the {side}"
    return "" if same else f"asymmetric: the extra {word} goes to the {side}"
