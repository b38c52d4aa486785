"""maximum: the element-wise maximum of inputs of equal shapes (Caffe's Eltwise MAX)."""

from __future__ import annotations

from typing import ClassVar

from .multiply import Multiply


class Maximum(Multiply):
    """The element-wise maximum of inputs of equal shapes (Caffe's Eltwise MAX)."""

    KIND = "maximum"
    BROADCAST: ClassVar[bool] = False
