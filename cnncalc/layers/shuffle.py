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
from dataclasses import dataclass

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, positive


@dataclass(frozen=True, slots=True)
class ChannelShuffle(Layer):
    """Interleaves `groups` channel groups (ShuffleNet); shape kept, no parameters."""

    KIND = "channel_shuffle"
    ARGS = {"groups": Arg(positive, doc="number of channel groups interleaved")}
    MAIN_ARG = "groups"

    groups: int

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = inputs[0][-1]
        if dims.is_true(dims.mod(c, self.groups) != 0):
            raise ShapeError(f"{c} channels do not shuffle in {self.groups} equal groups")
        return Cost(output=tuple(inputs[0]))
