"""The volumes of a report and how they branch: a volume read by several layers splits, and the
branches meet again at its nearest post-dominator (forks, lanes and arcs for `layout`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph import INPUT
from ..render.values import count
from ..report import Row
from . import labels
from .geometry import BAR_WIDTH, SHAPE_FONT, bar_height, box_depth, box_height, box_width, text_width


@dataclass(slots=True)
class _Vol:
    name: str
    row: Row | None  # None for the network input
    shape: tuple[Any, ...]
    notes: list[Row] = field(default_factory=list)

    @property
    def flat(self) -> bool:
        return len(self.shape) != 3

    def size(self) -> tuple[float, float, float]:
        if self.flat:
            return BAR_WIDTH, bar_height(self.shape[0]), 0.0
        h, w, c = self.shape
        return box_width(c), box_height(h), box_depth(w)

    def lines(self) -> list[tuple[str, str]]:
        """(row name, text) of the label under the arrow into this volume."""
        if self.row is None:
            return []
        out = [(self.row.name, t) for t in labels.lines(self.row)]
        return out + [(n.name, labels.describe(n)) for n in self.notes]

    @property
    def shape_text(self) -> str:
        return labels.shape(self.shape) if not self.flat else count(self.shape[0])

    def extent(self) -> float:
        w, _, d = self.size()
        return w + d * 0.62

    def slot(self) -> float:
        return max(self.extent(), text_width(self.shape_text, SHAPE_FONT)) + 10

    def above(self) -> float:
        _, h, d = self.size()
        return h / 2 + d * 0.5 + 2

    def below(self) -> float:
        _, h, _ = self.size()
        return h / 2 + 6 + SHAPE_FONT


def _volumes(rows: list[Row], input_shape: tuple[Any, ...]) -> tuple[list[_Vol], dict[str, list[str]]]:
    """Volumes in execution order and, for each, the volumes it reads."""
    readers: dict[str, int] = {}
    for row in rows:
        for i in row.inputs:
            readers[i] = readers.get(i, 0) + 1
    vols = {INPUT: _Vol(INPUT, None, tuple(input_shape))}
    order = [vols[INPUT]]
    owner: dict[str, str] = {INPUT: INPUT}
    shapes = {INPUT: tuple(input_shape)}
    preds: dict[str, list[str]] = {INPUT: []}
    for row in rows:
        shapes[row.name] = tuple(row.output)
        src = row.inputs[0] if len(row.inputs) == 1 else None
        if (labels.is_note(row) and src is not None and src in owner and owner[src] != INPUT
                and readers.get(src, 0) == 1 and shapes.get(src) == tuple(row.output)):
            owner[row.name] = owner[src]
            vols[owner[src]].notes.append(row)
            continue
        vol = _Vol(row.name, row, tuple(row.output))
        vols[row.name] = vol
        order.append(vol)
        owner[row.name] = row.name
        preds[row.name] = list(dict.fromkeys(owner.get(i, i) for i in row.inputs if owner.get(i, i) in vols))
    return order, preds


# ---- series-parallel decomposition ---------------------------------------------------------


@dataclass(slots=True)
class _Node:
    vol: _Vol


@dataclass(slots=True)
class _Fork:
    split: _Vol
    branches: list[list[Any]]  # each a sequence of _Node/_Fork; [] is a direct edge
    merge: _Vol | None  # None: the branches end the network
    stacked: bool = True
    arcs: list[list[_Vol]] = field(default_factory=list)  # inline mode: side paths drawn as arcs


_SINK = "\0sink"


class _Structure:
    def __init__(self, order: list[_Vol], preds: dict[str, list[str]]) -> None:
        self.vols = {v.name: v for v in order}
        self.index = {v.name: k for k, v in enumerate(order)}
        self.succ: dict[str, list[str]] = {v.name: [] for v in order}
        for name, ps in preds.items():
            for p in ps:
                self.succ[p].append(name)
        self.ipdom = self._post_dominators(order)
        self.claimed: set[str] = set()
        self.drawn: set[tuple[str, str]] = set()  # edges the layout draws

    def _post_dominators(self, order: list[_Vol]) -> dict[str, str]:
        """Nearest post-dominator of each volume (where its branches meet again), computed in
        reverse execution order as the meeting point of its readers' post-dominator chains."""
        self.ipdom = {}
        for v in reversed(order):
            succs = self.succ[v.name]
            d = succs[0] if succs else _SINK
            for s in succs[1:]:
                d = self._meet(d, s)
            self.ipdom[v.name] = d
        return self.ipdom

    def sequence(self, start: str, stop: str | None) -> list[Any]:
        out: list[Any] = []
        v: str | None = start
        while v is not None and v != stop and v != _SINK and v not in self.claimed:
            self.claimed.add(v)
            out.append(_Node(self.vols[v]))
            succs = self.succ[v]
            if len(succs) == 1:
                self.drawn.add((v, succs[0]))
                v = succs[0]
                continue
            if not succs:
                break
            merge = self.ipdom[v]
            if merge == stop and stop is not None:
                out.append(self._fork(v, succs, merge, tail=True))
                break
            out.append(self._fork(v, succs, merge, tail=False))
            v = merge if merge != _SINK else None
        return out

    def _fork(self, v: str, succs: list[str], merge: str, tail: bool) -> _Fork:
        branches: list[list[Any]] = []
        for meet, members in self._clusters(succs, merge):
            if len(members) > 1:  # readers that meet before the merge: a fork of their own
                inner = self._fork(v, members, meet, tail=False)
                branch = [inner, *self.sequence(meet, merge)]
                if merge != _SINK:
                    self._mark_end(branch, merge)
                branches.append(branch)
                continue
            s = members[0]
            if s == merge:
                self.drawn.add((v, s))
                branches.append([])
            elif s not in self.claimed:
                self.drawn.add((v, s))
                branch = self.sequence(s, merge)
                if branch and merge != _SINK:
                    self._mark_end(branch, merge)
                branches.append(branch)
        fork = _Fork(self.vols[v], branches, self.vols.get(merge))
        nonempty = [b for b in branches if b]
        if tail or fork.merge is None:
            return fork
        main = max(nonempty, key=len) if nonempty else []
        side = [b for b in branches if b is not main]
        short = all(len(b) <= 3 and all(isinstance(e, _Node) for e in b) for b in side)
        is_add = fork.merge is not None and fork.merge.row is not None and fork.merge.row.kind != "concat"
        if len(nonempty) <= 1 or (is_add and short):
            fork.stacked = False
            fork.branches = [main]
            fork.arcs = [[e.vol for e in b] for b in side]
        return fork

    def _clusters(self, succs: list[str], merge: str) -> list[tuple[str, list[str]]]:
        """Readers grouped by where they meet again, when that is before `merge` (an inception
        module inside a residual block: its branches meet at the concat, then the add)."""
        out: list[tuple[str, list[str]]] = []
        for s in succs:
            for k, (meet, members) in enumerate(out):
                m = self._meet(meet, s)
                if m != merge and s != merge and meet != merge:
                    out[k] = (m, [*members, s])
                    break
            else:
                out.append((s, [s]))
        return out

    def _meet(self, a: str, b: str) -> str:
        big = len(self.index) + 1
        while a != b:
            while self.index.get(a, big) < self.index.get(b, big):
                a = self.ipdom[a]
            while self.index.get(b, big) < self.index.get(a, big):
                b = self.ipdom[b]
        return a

    def _mark_end(self, branch: list[Any], merge: str) -> None:
        last = branch[-1]
        if isinstance(last, _Node):
            self.drawn.add((last.vol.name, merge))
        elif isinstance(last, _Fork):
            for b in last.branches:
                if b:
                    self._mark_end(b, merge)
                else:
                    self.drawn.add((last.split.name, merge))


_Point = tuple[float, float]

# ---- geometry ------------------------------------------------------------------------------


