"""`channel_shuffle`: ShuffleNet's interleaving of channel groups.

The channels, seen as `groups` x (C/groups), are transposed to (C/groups) x `groups` and read
back in order, so each group after a grouped convolution feeds every group of the next one
(ShuffleNet V1 and V2; torchvision's `channel_shuffle` is view, transpose, view). The shape is
kept; nothing is learned and nothing multiplied by a weight.

>>> ChannelShuffle(groups=2).infer([(28, 28, 116)]).output
(28, 28, 116)
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, positive
from .steps import QUIET, Work, X, free, num, shape


class ChannelShuffle(Layer):
    """Interleaves `groups` channel groups (ShuffleNet); shape kept, no parameters."""

    KIND = "channel_shuffle"
    ARGS = {"groups": Arg(positive, doc="number of channel groups interleaved")}
    MAIN_ARG = "groups"

    groups: int

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c, g = inputs[0][-1], self.groups
        if dims.is_true(dims.mod(c, g) != 0):
            raise ShapeError(f"{c} channels do not shuffle in {g} equal groups")
        out = tuple(inputs[0])
        if work:
            per = num(dims.floordiv(c, g))
            work.add("output", "unchanged: n_C_prev channels as groups × (n_C_prev/groups), read transposed",
                     (f"{g}{X}{per} read as {per}{X}{g}",), shape(out),
                     "each group of the next grouped layer sees channels of every group", key="output")
            work.extend(free(out))
        return Cost(output=out)
