"""`slice`: channels `start` up to (not including) `stop`, for splits into unequal parts.

Indices count from 0 as Python's `x[:, start:stop]` does; a negative one counts from the end
(`start: -16` keeps the last 16 channels) and `stop` left out means "to the end". `split` is
the special case of equal slices. No parameters, no MACs.

>>> ChannelSlice(start=64, stop=96).infer([(28, 28, 256)]).output
(28, 28, 32)
>>> ChannelSlice(start=-16).infer([(28, 28, 256)]).output
(28, 28, 16)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import MAX_SIZE, Arg, ArgError, Cost, Layer, Shape, _describe, _is_int
from .steps import QUIET, Work, free, num


def channel_index(value: Any) -> Any:
    if not _is_int(value):
        raise ArgError(f"expected an integer channel index, got {_describe(value)}")
    if isinstance(value, int) and abs(value) > MAX_SIZE:
        raise ArgError(f"{value:,} is beyond the limit of {MAX_SIZE:,}")
    return value


channel_index.__doc__ = "integer"


class ChannelSlice(Layer):
    """Channels start up to (not including) stop, as Python's x[:, start:stop]."""

    KIND = "slice"
    ARGS = {
        "start": Arg(channel_index, 0, "first channel kept, from 0 (negative: from the end)"),
        "stop": Arg(channel_index, None, "channel after the last kept (default: the end)"),
    }

    start: Any = 0
    stop: Any = None

    def bounds(self, channels: Any) -> tuple[Any, Any]:
        """(start, stop) as non-negative channel numbers for an input of `channels`."""

        def at(i: Any) -> Any:
            return channels + i if isinstance(i, int) and i < 0 else i

        return at(self.start), channels if self.stop is None else at(self.stop)

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c = inputs[0][-1]
        start, stop = self.bounds(c)
        written = f"{self.start}:{'' if self.stop is None else self.stop}"
        if dims.is_true(start < 0) or dims.is_true(stop > c):
            raise ShapeError(f"slice {written} is outside the {c} channels of its input")
        if dims.is_true(stop <= start):
            raise ShapeError(f"slice {written} of {c} channels keeps none (stop must be after start)")
        out = (*inputs[0][:-1], work.let(stop - start, "n_C", "stop - start", lambda: (f"{num(stop)} - {num(start)}",),
                                         key="output", note=f"channels {written} of {num(c)}"))
        work.extend(free(out) if work else ())
        return Cost(output=out)
