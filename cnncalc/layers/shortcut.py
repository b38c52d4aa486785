"""shortcut: Darknet's [shortcut], later inputs added into the first where they overlap."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, activation_name, format_shape, inputs_error
from .steps import QUIET, Work, totals


class Shortcut(Layer):
    """Darknet's [shortcut] when shapes differ: each later input is added into the first where
    they overlap (the smaller channel count; a larger map is sampled with stride n_big/n_small),
    and the output keeps the first input's shape. Equal shapes make it a plain `add`.

    >>> Shortcut().infer([(64, 64, 256), (64, 64, 64)]).output
    (64, 64, 256)
    """

    KIND = "shortcut"
    ARGS = {"activation": Arg(activation_name, None, "activation applied after the sum")}
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000

    activation: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != 3 or len(first) != 3:
                raise inputs_error(self.KIND, "n_H x n_W x n_C inputs", inputs)
            for a, b in zip(first[:2], other[:2], strict=True):
                if not (isinstance(a, int) and isinstance(b, int)):
                    continue
                big, small = max(a, b), min(a, b)
                if big % small:
                    raise ShapeError(
                        f"shortcut needs sizes that divide one another, got {format_shape(first)} "
                        f"and {format_shape(other)}"
                    )
        totals(work, first, 0, 0)
        return Cost(output=tuple(first))
