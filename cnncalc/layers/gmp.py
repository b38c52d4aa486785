"""gmp: global max pooling, n_H x n_W x n_C to 1 x 1 x n_C (gap's arithmetic, the maximum)."""

from __future__ import annotations

from typing import ClassVar

from .gap import GlobalAvgPool


class GlobalMaxPool(GlobalAvgPool):
    KIND = "gmp"
    WHAT: ClassVar[str] = "maximum"
