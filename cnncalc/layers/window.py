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

from dataclasses import dataclass

from .. import dims
from ..dims import Dim
from ..errors import ShapeError


@dataclass(frozen=True, slots=True)
class Slide:
    size: Dim
    remainder: Dim  # (n + p - d(f-1) - 1) mod s: padded positions after the last window
    uncovered: Dim  # of those, real input rows/columns (not padding)
    span: Dim  # n + p - d(f-1) - 1: what the stride divides


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


def floor_note(slides: tuple[Slide, Slide], s: tuple[int, int]) -> str | None:
    """The warning for an inexact division in the output rule, naming what no window covers.

    Only concrete sizes are checked here; symbolic ones become conditions (`cnncalc.symbolic`).
    """
    parts = []
    for axis, word, sl, s_i in zip(("n_H", "n_W"), ("row", "column"), slides, s):
        if not isinstance(sl.remainder, int) or sl.remainder == 0:
            continue
        span = sl.span
        lost = sl.uncovered
        what = (
            f"{lost} input {word}{'s' if lost != 1 else ''} never covered"
            if lost
            else "only padding left uncovered"
        )
        parts.append((axis, f"{span}/{s_i} = {span / s_i:g} floored to {span // s_i}, {what}"))
    if not parts:
        return None
    if len(parts) == 2 and parts[0][1].replace("row", "column") == parts[1][1]:
        both = parts[0][1].replace(" rows ", " rows and columns ").replace(" row ", " row and column ")
        return f"n_H and n_W: {both}"
    return "; ".join(f"{axis}: {text}" for axis, text in parts)
