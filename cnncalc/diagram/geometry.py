"""Sizes and drawn items of a diagram as plain data: fonts, box sizes on a compressed scale,
and the Box, Text, Item, Path and Diagram values that the layout fills and the writers read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

FONT = 11.0  # layer labels under the arrows
SHAPE_FONT = 10.0  # shape labels under the boxes
TITLE_FONT = 15.0
CHAR = 0.62  # average glyph width / font size, a little generous for DejaVu Sans
LINE = 13.0  # line height of labels
MARGIN = 24.0
MIN_GAP = 34.0  # shortest arrow between two boxes
BUS = 22.0  # room for the vertical connectors around stacked lanes
LANE_GAP = 14.0
LINE_GAP = 40.0  # between wrapped lines
MAX_WIDTH = 1500.0  # a line wraps when longer than this
ARC_CLEAR = 12.0
EXTRA_CLEAR = 12.0
BAR_WIDTH = 7.0
GHOST_LEAD = 18.0


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * CHAR


# ---- scales --------------------------------------------------------------------------------


def _soft(n: float, knee: float) -> float:
    """sqrt(n) up to the knee, then logarithmic: strictly increasing and smooth."""
    n = max(float(n), 1.0)
    if n <= knee:
        return math.sqrt(n)
    return math.sqrt(knee) * (1 + 0.5 * math.log(n / knee))


def _number(d: Any) -> float:
    return float(d) if isinstance(d, int) else 32.0  # a symbolic size gets a middling box


def box_height(n_h: Any) -> float:
    return 4.0 + 7.5 * _soft(_number(n_h), 256)


def box_width(n_c: Any) -> float:
    return 2.0 + 0.9 * _soft(_number(n_c), 512)


def box_depth(n_w: Any) -> float:
    return 2.0 + 3.2 * _soft(_number(n_w), 256)


def bar_height(units: Any) -> float:
    return 10.0 + 9.0 * math.log2(_number(units) + 1)


# ---- plain data out ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Box:
    """A volume: front face at (x, y) of width x height; depth drawn up and to the right."""

    x: float
    y: float
    width: float  # stands for n_C (a bar: fixed)
    height: float  # stands for n_H (a bar: the number of units)
    depth: float  # stands for n_W (a bar: 0)

    @property
    def ox(self) -> float:
        return self.depth * 0.62

    @property
    def oy(self) -> float:
        return self.depth * 0.5

    @property
    def extent(self) -> float:
        return self.width + self.ox

    @property
    def out(self) -> tuple[float, float]:
        return (self.x + self.width + self.ox / 2, self.y + self.height / 2)

    def top(self, at: float) -> tuple[float, float]:
        """A point on the top face, `at` from 0 (front left) to 1 (back right)."""
        return (self.x + self.width * at + self.ox * at, self.y - self.oy * at)


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = FONT
    role: str = "label"  # label | shape | title | note


@dataclass(frozen=True, slots=True)
class Item:
    """One layer (or folded composite, or the input, or a dashed copy on a wrapped line)."""

    name: str
    kind: str
    role: str  # layer | input | ghost
    shape: str
    box: Box | None
    texts: tuple[Text, ...]
    fill: str = "conv"  # a colour family, chosen by svg.py
    folded: bool = False


@dataclass(frozen=True, slots=True)
class Path:
    points: tuple[tuple[float, float], ...]
    role: str = "arrow"  # arrow (head at the end) | line | arc | wrap
    head: bool = True


@dataclass(slots=True)
class Diagram:
    title: str
    subtitle: str
    width: float
    height: float
    items: list[Item]
    paths: list[Path]


# ---- volumes and their graph ---------------------------------------------------------------


