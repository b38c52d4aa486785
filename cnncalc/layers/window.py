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
