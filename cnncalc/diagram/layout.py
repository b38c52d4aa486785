"""Report -> boxes, texts and paths as plain data: where everything goes, not how it is written.

The picture follows the course's LeNet-5 and AlexNet figures. Each volume is a box whose
height stands for n_H, whose width (thickness) stands for n_C and whose oblique depth stands
for n_W, on a compressed scale; vectors (FC, flatten) are thin vertical bars. The layer
between two volumes is named under the arrow. Layers that keep the shape and the course never
draws (activations, batch-norm, dropout, LRN) are notes under the arrow into the volume they
follow instead of boxes of their own.

Branches are found from the graph itself: a volume read by several layers splits, and the
branches meet again at its nearest post-dominator. Branches of a concat (inception) are lanes
stacked vertically between the split and the merge; the short side paths of an add (ResNet
shortcuts) are arcs over the boxes, labelled with their layers if they have any. Long
networks wrap into several lines: a line ends after a volume and the next starts with a dashed
copy of it, so skip arcs never cross lines.
"""


from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..graph import INPUT
from ..render.values import count
from ..report import Report, Row, fold
from . import labels
from .geometry import (
    ARC_CLEAR,
    BUS,
    EXTRA_CLEAR,
    GHOST_LEAD,
    LANE_GAP,
    LINE,
    LINE_GAP,
    MARGIN,
    MAX_WIDTH,
    MIN_GAP,
    SHAPE_FONT,
    TITLE_FONT,
    Box,
    Diagram,
    Item,
    Path,
    Text,
    text_width,
)
from .structure import _Fork, _Node, _Point, _Structure, _Vol, _volumes


@dataclass(slots=True)
class _Extent:
    width: float
    above: float
    below: float


def _label_width(vol: _Vol) -> float:
    return max((text_width(t) for _, t in vol.lines()), default=0.0)


def _gap(vol: _Vol) -> float:
    return max(MIN_GAP, _label_width(vol) + 14)


def _arc_lines(vol: _Vol) -> list[tuple[str, str]]:
    if vol.row is None:  # pragma: no cover - the input is never on a side path
        return []
    first = f"{' + '.join(labels.lines(vol.row))} \u2192 {vol.shape_text}"
    return [(vol.row.name, first)] + [(n.name, labels.describe(n)) for n in vol.notes]


def _arc_label(arc: list[_Vol]) -> tuple[list[tuple[str, str]], float]:
    """The label lines over an arc, and the height they (and the arc) take."""
    lines = [ln for v in arc for ln in _arc_lines(v)]
    return lines, LINE * len(lines) + (8 if lines else 0) + 6


class _Placer:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.paths: list[Path] = []
        self.boxes: dict[str, Box] = {}

    # measuring

    def measure(self, seq: list[Any], lead: bool) -> _Extent:
        """Width and height of a sequence; `lead`: its first node has an incoming arrow."""
        ext = _Extent(0.0, 0.0, 0.0)
        for k, el in enumerate(seq):
            e = self._measure_one(el, lead or k > 0)
            ext.width += e.width
            ext.above = max(ext.above, e.above)
            ext.below = max(ext.below, e.below)
        return ext

    def _measure_one(self, el: Any, lead: bool) -> _Extent:
        if isinstance(el, _Node):
            vol = el.vol
            gap = _gap(vol) if lead else 0.0
            below = max(vol.below(), 8 + LINE * len(vol.lines())) if lead else vol.below()
            return _Extent(gap + vol.slot(), vol.above(), below)
        if el.stacked:
            lanes = [self.measure(b, True) if b else _Extent(0, 6, 6) for b in el.branches]
            total = sum(x.above + x.below for x in lanes) + LANE_GAP * (len(lanes) - 1)
            return _Extent(BUS + max(x.width for x in lanes) + BUS, total / 2, total / 2)
        main, top = self._under_arcs(el)
        above = top + ARC_CLEAR
        width = main.width
        for arc in el.arcs:
            lines, height = _arc_label(arc)
            above += height
            width = max(width, max((text_width(t) for _, t in lines), default=0) + 24)
        return _Extent(width, above, main.below)

    def _under_arcs(self, fork: _Fork) -> tuple[_Extent, float]:
        """An inline fork's main branch, and how high above the centre line it and its ends reach
        (the lowest arc runs ARC_CLEAR above that)."""
        main = self.measure(fork.branches[0], True) if fork.branches[0] else _Extent(0, 0, 0)
        ends = [fork.split.above()] + ([fork.merge.above()] if fork.merge is not None else [])
        return main, max([main.above, *ends])

    # placing

    def place(self, seq: list[Any], x: float, yc: float, attach: _Point | None) -> _Point:
        """Draw a sequence from x on the centre line yc; returns where the next arrow starts."""
        pending: list[tuple[_Fork, float, float, float]] = []
        for el in seq:
            ext = self._measure_one(el, attach is not None)
            if isinstance(el, _Node):
                attach = self._node(el.vol, x, yc, attach)
                for fork, y_arc, left, right in [p for p in pending if p[0].merge is el.vol]:
                    self._arcs(fork, y_arc, left, right)
                    pending = [p for p in pending if p[0] is not fork]
            elif el.stacked:
                attach = self._stacked(el, x, yc, attach, ext)
            else:
                if el.branches[0]:
                    attach = self.place(el.branches[0], x, yc, attach)
                y_arc = yc - self._under_arcs(el)[1] - ARC_CLEAR
                pending.append((el, y_arc, x, x + ext.width))
            x += ext.width
        return attach if attach is not None else (x, yc)

    def _node(self, vol: _Vol, x: float, yc: float, attach: _Point | None) -> _Point:
        w, h, d = vol.size()
        gap = _gap(vol) if attach is not None else 0.0
        slot = vol.slot()
        box = Box(x + gap + (slot - vol.extent()) / 2, yc - h / 2, w, h, d)
        texts = []
        if attach is not None:
            self.paths.append(Path(((attach[0], yc), (box.x - 1, yc))))
            by_row: dict[str, list[Text]] = {}
            for k, (name, t) in enumerate(vol.lines()):
                by_row.setdefault(name, []).append(Text(x + gap / 2, yc + 14 + LINE * k, t))
            for note in vol.notes:
                self.items.append(Item(note.name, note.kind, "layer", labels.shape(vol.shape), None,
                                       tuple(by_row.get(note.name, ())), "note"))
            texts = by_row.get(vol.name, [])
        texts.append(Text(x + gap + slot / 2, yc + h / 2 + 4 + SHAPE_FONT, vol.shape_text, SHAPE_FONT,
                          "shape"))
        self.boxes[vol.name] = box
        self._add_volume(vol, box, texts)
        return box.out

    def _add_volume(self, vol: _Vol, box: Box, texts: list[Text]) -> None:
        row = vol.row
        shape = labels.shape(vol.shape)
        if row is None:
            self.items.append(Item(INPUT, "input", "input", shape, box, tuple(texts), "input"))
            return
        folded = row.leaf is None
        self.items.append(Item(row.name, row.kind, "layer", shape, box, tuple(texts), _family(row), folded))

    def ghost(self, vol: _Vol, x: float, yc: float) -> tuple[float, float]:
        w, h, d = vol.size()
        box = Box(x + (vol.slot() - vol.extent()) / 2, yc - h / 2, w, h, d)
        self.boxes[vol.name] = box
        label = Text(x + vol.slot() / 2, yc + h / 2 + 4 + SHAPE_FONT, vol.shape_text, SHAPE_FONT, "shape")
        family = _family(vol.row) if vol.row is not None else "input"
        kind = vol.row.kind if vol.row else "input"
        folded = vol.row is not None and vol.row.leaf is None
        shape = labels.shape(vol.shape)
        self.items.append(Item(vol.name, kind, "ghost", shape, box, (label,), family, folded))
        return box.out

    def _stacked(self, fork: _Fork, x: float, yc: float, attach: tuple[float, float] | None,
                 ext: _Extent) -> tuple[float, float]:
        assert attach is not None
        lanes = [self.measure(b, True) if b else _Extent(0, 6, 6) for b in fork.branches]
        bus_in, bus_out = x + BUS / 2, x + ext.width - BUS / 2
        y = yc - ext.above
        for branch, lane in zip(fork.branches, lanes, strict=True):
            ly = y + lane.above
            self.paths.append(Path(((attach[0], yc), (bus_in, yc), (bus_in, ly)), "line", head=False))
            if branch:
                end = self.place(branch, x + BUS, ly, (bus_in, ly))
            else:
                end = (bus_in, ly)
            if fork.merge is not None:  # branches that end the network (two heads) stay open
                self.paths.append(Path(((end[0], ly), (bus_out, ly), (bus_out, yc)), "line", head=False))
            y = ly + lane.below + LANE_GAP
        return (bus_out, yc)

    def _arcs(self, fork: _Fork, y_arc: float, left: float, right: float) -> None:
        start, end = self.boxes[fork.split.name], self.boxes[fork.merge.name] if fork.merge else None
        if end is None:  # pragma: no cover - inline forks always have a merge
            return
        for arc in fork.arcs:
            a = start.top(0.7)
            b = end.top(0.3)
            lines, height = _arc_label(arc)
            self.paths.append(Path((a, (a[0], y_arc), (b[0], y_arc), b), "arc"))
            mid = (a[0] + b[0]) / 2
            for j, (name, t) in enumerate(reversed(lines)):
                text = Text(mid, y_arc - 5 - LINE * j, t)
                vol = next((v for v in arc if v.name == name), None)
                row = vol.row if vol is not None else next(n for v in arc for n in v.notes if n.name == name)
                assert row is not None
                self.items.append(Item(name, row.kind, "layer", labels.shape(row.output), None, (text,),
                                       _family(row)))
            y_arc -= height


def _family(row: Row) -> str:
    if row.leaf is None:
        return "folded"
    if labels.is_note(row):
        return "note"
    kind = row.kind
    if kind in ("conv", "depthwise", "deconv", "local"):
        return "conv"
    if kind in ("pool", "gap", "gmp", "adaptive_pool"):
        return "pool"
    if kind in ("fc", "flatten"):
        return "fc"
    if kind in ("add", "concat"):
        return "merge"
    return "other"


# ---- whole picture -------------------------------------------------------------------------


def layout(report: Report, depth: int | None = None, max_width: float = MAX_WIDTH) -> Diagram:
    rows = fold(report, depth)
    order, preds = _volumes(rows, report.input)
    structure = _Structure(order, preds)
    top = structure.sequence(INPUT, None)
    for vol in order:  # anything the decomposition did not reach (it reaches all in practice)
        if vol.name not in structure.claimed:
            top.append(_Node(vol))
    placer = _Placer()
    lines = _wrap(placer, top, max_width)
    missing = _missing(structure, preds)

    title_h = MARGIN + TITLE_FONT + LINE + 10
    y = title_h
    width = 0.0
    previous_end: tuple[float, float, float] | None = None  # attach x, y, bottom of the line
    previous_right = 0.0
    bands: list[tuple[float, float]] = []  # each line's top and bottom
    for k, line in enumerate(lines):
        ghost = line[0] if k > 0 else None
        seq = line[1:] if k > 0 else line
        ext = placer.measure(seq, k > 0)
        inside = _names(seq)
        extra = sum(1 for name, _ in missing if name in inside)
        above, below = ext.above + EXTRA_CLEAR * extra, ext.below
        if ghost is not None:
            above, below = max(above, ghost.vol.above()), max(below, ghost.vol.below())
        yc = y + above
        x = MARGIN
        attach = None
        if ghost is not None:
            x += GHOST_LEAD
            attach = placer.ghost(ghost.vol, x, yc)
            assert previous_end is not None
            ax, ay, bottom = previous_end
            box = placer.boxes[ghost.vol.name]
            mid = bottom + (y - bottom) / 2
            right = max(ax + 12, previous_right + 4)  # clear of the last shape label
            placer.paths.append(Path(((ax, ay), (right, ay), (right, mid), (MARGIN + 4, mid),
                                      (MARGIN + 4, yc), (box.x - 1, yc)), "wrap"))
            x += ghost.vol.slot()
        end = placer.place(seq, x, yc, attach)
        line_width = x + ext.width - MARGIN
        width = max(width, line_width + 8, end[0] + 12 - MARGIN)
        previous_end = (end[0], end[1], yc + below)
        previous_right = x + ext.width
        bands.append((y, yc + below))
        y = yc + below + LINE_GAP
    _extra_edges(placer, structure, preds, bands)

    title = report.name or report.file
    subtitle = f"input {labels.shape(report.input)} \u00b7 {count(report.totals.params)} params \u00b7 " \
               f"{count(report.totals.macs)} MACs"
    width = max(width, text_width(title, TITLE_FONT), text_width(subtitle))
    texts = [t for i in placer.items for t in i.texts]
    texts_right = max((t.x + text_width(t.text, t.size) / 2 for t in texts), default=0)
    width = max(width, texts_right - MARGIN)
    return Diagram(title, subtitle, width + 2 * MARGIN, y - LINE_GAP + MARGIN, placer.items, placer.paths)


def _wrap(placer: _Placer, top: list[Any], max_width: float) -> list[list[Any]]:
    """Split the top-level sequence into lines of about equal width, none (if it can be helped)
    wider than max_width; a new line starts with a ghost of the last volume of the line before."""
    lines = _greedy(placer, top, max_width)
    if len(lines) < 2:
        return lines
    total = sum(placer.measure(line, True).width for line in lines)
    target = total / len(lines)
    while target < max_width:
        balanced = _greedy(placer, top, target)
        if len(balanced) <= len(lines):
            return balanced
        target *= 1.04
    return lines


def _greedy(placer: _Placer, top: list[Any], max_width: float) -> list[list[Any]]:
    lines: list[list[Any]] = [[]]
    width = 0.0
    k = 0
    while k < len(top):
        unit = [top[k]]
        if isinstance(top[k], _Fork) and k + 1 < len(top):
            unit.append(top[k + 1])  # a fork and its merge stay together
        w = placer.measure(unit, True).width
        line = lines[-1]
        can_break = len(line) >= 2 and isinstance(line[-1], _Node)
        if can_break and width + w > max_width:
            ghost = line[-1]
            lines.append([ghost])
            width = GHOST_LEAD + ghost.vol.slot()
        lines[-1].extend(unit)
        width += w
        k += len(unit)
    return lines


def _extra_edges(placer: _Placer, structure: _Structure, preds: dict[str, list[str]],
                 bands: list[tuple[float, float]]) -> None:
    """Edges the decomposition did not draw (unusual `from` wiring): dashed arcs over the boxes,
    above everything already drawn between their ends (each line reserves room for them) on
    the lines they join: not above the whole picture when the lines wrap."""
    for name, p in _missing(structure, preds):
        if p not in placer.boxes or name not in placer.boxes:  # pragma: no cover - all are placed
            continue
        a, b = placer.boxes[p].top(0.5), placer.boxes[name].top(0.5)
        lo, hi = min(a[0], b[0]), max(a[0], b[0])
        first = min((top for top, bottom in bands if top <= a[1] <= bottom), default=-1e9)

        def near(y: float, first: float = first) -> bool:
            return y >= first

        tops = [y for path in placer.paths for x, y in path.points
                if lo <= x <= hi and path.role != "wrap" and near(y)]
        tops += [box.y - box.oy for box in placer.boxes.values() if lo <= box.x + box.extent and box.x <= hi
                 and near(box.y + box.height / 2)]
        lift = min([a[1], b[1], *tops]) - EXTRA_CLEAR
        placer.paths.append(Path((a, (a[0], lift), (b[0], lift), b), "extra"))


def _missing(structure: _Structure, preds: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, p) for name, ps in preds.items() for p in ps if (p, name) not in structure.drawn]


def _names(seq: list[Any]) -> set[str]:
    out: set[str] = set()
    for el in seq:
        if isinstance(el, _Node):
            out.add(el.vol.name)
        else:
            for branch in el.branches:
                out |= _names(branch)
    return out

