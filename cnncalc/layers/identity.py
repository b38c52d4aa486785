"""identity: passes its input on; also stands for parameter-free heads (Darknet's yolo, region)."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape
from .steps import QUIET, Work, unchanged


class Identity(Layer):
    """Passes its input on; also stands for parameter-free heads (Darknet's yolo, region)."""

    KIND = "identity"
    ARGS = {"role": Arg(str, None, "what it stands for, such as 'yolo'")}

    role: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        unchanged(work, inputs[0], "identity works on each value apart")
        return Cost(output=tuple(inputs[0]))
