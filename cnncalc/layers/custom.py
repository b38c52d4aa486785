"""`custom`: a layer cnncalc cannot read (a Keras Lambda or a user's own class) whose output
shape the file records. The row keeps the network's shapes flowing; its parameters and cost
are unknown, so they count 0 and a warning says so.

>>> Custom((7, 7, 64), "MyBlock").infer([(14, 14, 64)]).notes[0][:27]
'MyBlock is a custom layer: '
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Arg, ArgError, Cost, Layer, Shape, positive
from .steps import QUIET, Work, totals


def _shape(value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value]
    if len(items) not in (1, 3):
        raise ArgError(f"expected [units] or [n_H, n_W, n_C], got a list of {len(items)}")
    return tuple(positive(v) for v in items)


class Custom(Layer):
    KIND = "custom"
    ARGS = {
        "output": Arg(_shape, doc="its output shape, as the file records it"),
        "layer": Arg(str, "custom", "what it is (a class name)"),
    }
    MAIN_ARG = "output"
    MAX_INPUTS = 1_000

    output: tuple[int, ...]
    layer: str = "custom"

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        note = (f"{self.layer} is a custom layer: its output shape is the one the file records, and its "
                "parameters and MACs are unknown (counted 0)")
        totals(work, self.output, 0, 0)
        return Cost(output=self.output, notes=(note,))
