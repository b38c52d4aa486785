"""Every number of a report as formula -> values put in -> result, in the course's notation.

Nothing here derives a layer's arithmetic: each kind's `infer` records its worked steps as it
computes (`cnncalc.layers.steps`), and `explain_leaf` runs that same code again with a `Work`
to read them back, so explain and summarize cannot disagree. This module adds what spans
layers: receptive fields, totals, savings and the choice of layers. Nothing here prints:
`render/explain_text.py` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from . import savings
from .errors import CnnError, Location
from .graph import Leaf
from .layers.base import field_defaults
from .layers.steps import Step, Work, X, count, num, pair, shape
from .report import Report, Row, bounded, is_broadcast, merge_fields

__all__ = ["Explanation", "LayerSteps", "Step", "count", "explain", "num", "shape"]


@dataclass(frozen=True, slots=True)
class LayerSteps:
    name: str
    kind: str
    settings: str  # "filters=10 f=3 s=2 padding=valid"
    inputs: tuple[str, ...]
    input_shapes: tuple[tuple[Any, ...], ...]
    output: tuple[Any, ...]
    steps: tuple[Step, ...]

    def for_key(self, key: str) -> list[Step]:
        return [s for s in self.steps if s.key == key]


@dataclass(slots=True)
class Explanation:
    title: str
    file: str
    input: tuple[Any, ...]
    layers: list[LayerSteps]
    totals: list[Step] = field(default_factory=list)


# ---- the whole report -----------------------------------------------------------------------


def explain(report: Report, names: list[str] | None = None, where: Location | None = None) -> Explanation:
    """Steps for every leaf (or the named leaves and composites); totals when all are shown."""
    assert report.graph is not None
    rows = {r.name: r for r in report.rows}
    chosen = select(report, names, where) if names else list(rows)
    pairs = {s.second: s for s in savings.find(report)}
    layers = []
    for name in chosen:
        row = rows[name]
        assert row.leaf is not None
        ins = tuple(report.graph.shape_of(i) for i in row.inputs)
        done = explain_leaf(row.leaf, ins, row, pairs.get(name))
        extra = field_steps(row, [rows.get(i) for i in row.inputs], ins)
        if extra:
            done = replace(done, steps=done.steps + tuple(extra))
        layers.append(done)
    out = Explanation(report.name or report.file, report.file, report.input, layers)
    if not names:
        out.totals = [total_step(report, key) for key in ("params", "macs", "activations")]
    return out


def field_steps(row: Row, in_rows: list[Row | None], ins: tuple[Any, ...]) -> list[Step]:
    """Receptive field and jump (effective stride) of the layer's output, on the input image:
    r = r_prev + (k - 1) × j_prev and j = j_prev × s (SPEC, Receptive field), with k the input
    values one output value reads along an axis. The values put in come from the same
    `merge_fields` and `window()` the report uses, so the two cannot disagree."""
    if row.rf is None or row.leaf is None:
        return []
    prev = [(r.rf, r.jump) if r is not None else ((1, 1), (1, 1)) for r in in_rows]
    if any(p[0] is None for p in prev):
        return []
    axis = 0  # height; width follows the same arithmetic unless the values differ
    r_in, j_in = merge_fields(prev, list(ins), row.output)
    r0, j0 = r_in[axis], j_in[axis]
    layer = row.leaf.layer
    window = layer.window(list(ins))
    note = "" if row.rf[0] == row.rf[1] and row.jump[0] == row.jump[1] else f" (n_W: {num(row.rf[1])})"
    merge = " (the largest over the inputs)" if len(prev) > 1 else ""
    gated = len(prev) > 1 and any(is_broadcast(sh, row.output) for sh in ins)
    jump_merge = " (the largest over the spatial inputs: a broadcast 1 × 1 input adds no jump)" if gated else merge
    k, st = bounded(window.kernel[axis]), window.stride[axis]  # a symbolic bin: `depends on H`
    if window.whole_input:
        n = ins[0][axis]
        rf = Step("receptive field", "r = r_prev + (n_H_prev - 1) × j_prev  (sees its whole input)",
                  (f"{num(r0)} + ({num(n)} - 1) × {num(j0)}",), num(row.rf[0]) + note, key="rf")
    elif window.kernel == (1, 1) and window.stride == (1, 1):
        rf = Step("receptive field", f"r = r_prev{merge}", (), num(row.rf[0]) + note, key="rf")
    else:
        rf = Step("receptive field", "r = r_prev + (k - 1) × j_prev", (f"{num(r0)} + ({num(k)} - 1) × {num(j0)}",),
                  num(row.rf[0]) + note, layer.extent(ins[0][axis], k, axis), key="rf")
    if window.stride == (1, 1):
        return [rf, Step("jump", "j = j_prev" + jump_merge, (), num(row.jump[0]), key="jump")]
    if isinstance(st, Fraction) and st.numerator == 1:  # a transposed conv or upsample divides it
        formula, values = "j = j_prev/s", (f"{num(j0)}/{num(1 / st)}",)
    elif window.bins and not window.whole_input:  # adaptive bins start n/m apart
        n = ins[0][axis]
        formula, values = "j = j_prev × n_H_prev/n_H", (f"{num(j0)} × {num(n)}/{num(row.output[axis])}",)
    else:
        formula, values = "j = j_prev × s", (f"{num(j0)} × {num(st)}",)
    return [rf, Step("jump", formula + jump_merge, values, num(row.jump[0]), key="jump")]


def select(report: Report, names: list[str], where: Location | None) -> list[str]:
    """Leaf names for the requested layers; a composite name stands for every leaf inside it."""
    from .suggest import nearest

    chosen: list[str] = []
    groups = report.graph.groups if report.graph is not None else {}
    for name in names:
        hits = [r.name for r in report.rows if r.name == name]
        if not hits and name in groups:
            hits = [r.name for r in report.rows if r.leaf is not None and name in r.leaf.groups]
        if not hits:
            known = [r.name for r in report.rows] + list(groups)
            close = nearest(name, known, 3)
            listed = ", ".join(close) if close else ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
            hint = "nearest" if close else "layers are"
            raise CnnError(f"no layer named '{name}' in {report.file} ({hint}: {listed})", where)
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def total_step(report: Report, key: str, rows: list[Row] | None = None) -> Step:
    """`params = 280 + 910 + ... = 15,971` (zero rows left out; long sums shortened)."""
    rows = report.rows if rows is None else rows
    label = {"params": "parameters", "macs": "MACs", "activations": "activations"}.get(key, key)
    terms = [getattr(r, key) for r in rows if getattr(r, key) != 0]
    total = sum(terms)
    if len(terms) <= 1:
        return Step(f"total {label}", "", (), count(total), key=key)
    if len(terms) <= 12:
        values = (" + ".join(count(t) for t in terms),)
    else:
        values = (" + ".join(count(t) for t in terms[:3]) + f" + ... ({len(terms)} layers)",)
    if values[0] == count(total):  # symbolic terms that add up to the same text: say it once
        values = ()
    return Step(f"total {label}", f"sum of every layer's {label}", values, count(total), key=key)


def explain_leaf(
    leaf: Leaf, ins: tuple[Any, ...], row: Row | None = None, saving: savings.Saving | None = None
) -> LayerSteps:
    """The steps the layer's own arithmetic records when run again with a `Work`."""
    work = Work(leaf.inputs)
    leaf.layer.infer(ins, work)
    steps = work.steps
    if not leaf.trainable and leaf.cost.params:
        steps.append(
            Step("trainable", "0: this layer is frozen, trainable is false", (), "0", key="trainable")
        )
    if saving is not None:
        steps.extend(saving_steps(saving))
    return LayerSteps(leaf.name, leaf.kind, settings(leaf.layer), leaf.inputs, ins, leaf.output, tuple(steps))


def settings(layer: Any) -> str:
    """The hyperparameters that differ from their defaults: `filters=10 f=3 s=2`."""
    parts = []
    for name, default in field_defaults(type(layer)).items():
        v = getattr(layer, name)
        if v is None or v == default:
            continue
        if isinstance(v, tuple) and len(v) == 2 and v[0] == v[1]:
            v = v[0]
        elif isinstance(v, tuple) and len(v) == 4 and len(set(v)) == 1:
            v = v[0]
        elif isinstance(v, tuple):
            v = "[" + ", ".join(str(x) for x in v) + "]"
        elif isinstance(v, bool):
            v = str(v).lower()
        parts.append(f"{name}={v}")
    return " ".join(parts)


# ---- savings ---------------------------------------------------------------------------------


def saving_steps(s: savings.Saving) -> list[Step]:
    """The plain convolution a bottleneck or separable pair replaces, and the factor saved."""
    f = pair(s.f)
    oh, ow, oc = s.output
    plain = f"a plain {s.plain}"
    factor = f"; {s.macs_factor:.1f}x fewer" if s.macs_factor is not None else ""
    pfactor = f"; {s.params_factor:.1f}x fewer" if s.params_factor is not None else ""
    plus = " + 1" if s.bias else ""
    return [
        Step(f"saving ({s.pattern})", f"{s.first} → {s.second} ({s.via}) replaces {plain}"),
        Step(
            "plain MACs",
            f"(n_H{X}n_W{X}n_C){X}({f[0]}{X}n_C_prev)",
            (f"({num(oh)}{X}{num(ow)}{X}{num(oc)}){X}({f[1]}{X}{num(s.n_c_prev)})",),
            count(s.plain_macs),
            f"{s.first} + {s.second} need {count(s.actual_macs[0])} + {count(s.actual_macs[1])} = "
            f"{count(s.macs)}{factor}",
        ),
        Step(
            "plain parameters",
            f"({f[0]}{X}n_C_prev{plus}){X}n_C",
            (f"({f[1]}{X}{num(s.n_c_prev)}{plus}){X}{num(oc)}",),
            count(s.plain_params),
            f"{s.first} + {s.second} have {count(s.actual_params[0])} + {count(s.actual_params[1])} = "
            f"{count(s.params)}{pfactor}",
        ),
    ]
