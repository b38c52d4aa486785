"""Every number of a report as formula -> values put in -> result, in the course's notation.

The notation is the course's: a volume is n_H x n_W x n_C, `_prev` marks the layer's input,
f is the filter size, s the stride, p the padding. Formulas use the Unicode floor brackets
⌊ ⌋ and the multiplication sign ×; renderers turn them into `floor(...)` and `x` for ASCII.
Nothing here prints: `render/explain_text.py` does.

>>> steps = _slide_axis("H", 600, 3, 2, 1, 0, 0, ceil=False, pool=False)
>>> steps.formula, steps.values, steps.result
('⌊(n_H_prev + 2p - f)/s⌋ + 1', ('⌊(600 + 2×0 - 3)/2⌋ + 1', '⌊597/2⌋ + 1', '⌊298.5⌋ + 1'), '299')
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from typing import Any

from . import dims, savings
from .errors import CnnError, Location
from .graph import Leaf
from .layers.conv import Conv, Deconv, Depthwise, Local
from .layers.dense import Flatten, FullyConnected
from .layers.merge import Add, Concat
from .layers.norm import BatchNorm
from .layers.pool import AdaptivePool, GlobalAvgPool, GlobalMaxPool, Pool
from .layers.spatial import Crop, SpaceToDepth, Split, Upsample, ZeroPad
from .layers.window import same_padding, slide
from .report import Report, Row, bounded, is_broadcast, merge_fields

X = " × "


@dataclass(frozen=True, slots=True)
class Step:
    """One number: `label = formula = values[0] = ... = result`, and what it says about flooring."""

    label: str
    formula: str = ""
    values: tuple[str, ...] = ()
    result: str = ""
    note: str = ""
    key: str = ""  # the report number it explains: output, params, macs, activations, buffers


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


# ---- numbers as text ------------------------------------------------------------------------


def _text(x: Any) -> str:
    """str(x), but a symbolic size as summarize writes it: floor((H - 1)/4), not floor(H/4 - 1/4)."""
    if type(x).__module__.startswith("sympy"):
        from .symbolic import show

        return show(x)
    return str(x)


def num(x: Any) -> str:
    """A value put into a formula: plain digits (no separators); symbolic sums in parentheses."""
    text = _text(x)
    if isinstance(x, int) or not any(op in text for op in " +-*/"):
        return text
    return f"({text})"


def count(x: Any) -> str:
    """A result: 24,138,270."""
    return f"{x:,}" if isinstance(x, int) else _text(x)


def shape(s: Any) -> str:
    return " x ".join(num(d) for d in s) if len(s) != 1 else f"[{s[0]}]"


def _quotient(a: int, b: int) -> str:
    q = a / b
    return f"{q:g}" if len(f"{q:g}") < 9 else f"{q:.4f}"


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
                  num(row.rf[0]) + note, _extent(layer, ins[0][axis], k, axis), key="rf")
    if window.stride == (1, 1):
        return [rf, Step("jump", "j = j_prev" + jump_merge, (), num(row.jump[0]), key="jump")]
    if isinstance(st, Fraction) and st.numerator == 1:  # a transposed conv or upsample divides it
        formula, values = "j = j_prev/s", (f"{num(j0)}/{num(1 / st)}",)
    elif isinstance(layer, AdaptivePool) and not window.whole_input:  # bins start n/m apart
        n = ins[0][axis]
        formula, values = "j = j_prev × n_H_prev/n_H", (f"{num(j0)} × {num(n)}/{num(row.output[axis])}",)
    else:
        formula, values = "j = j_prev × s", (f"{num(j0)} × {num(st)}",)
    return [rf, Step("jump", formula + jump_merge, values, num(row.jump[0]), key="jump")]


def _extent(layer: Any, n: Any, k: Any, axis: int) -> str:
    """Where k, the input values one output value reads, comes from."""
    if isinstance(layer, AdaptivePool):
        return f"k = {num(k)}, the widest of PyTorch's bins from {num(n)} to {num(layer.output[axis])}"
    f, d = _hw(getattr(layer, "f", None)), _hw(getattr(layer, "dilation", 1))
    if isinstance(layer, Deconv) and f is not None and d is not None:
        span = d[axis] * (f[axis] - 1) + 1
        return f"k = ceil((d(f - 1) + 1)/s) = ceil({num(span)}/{num(layer.s[axis])}) = {num(k)} input values"
    # k is its own note: "with k = d(f - 1) + 1 = 6 + (5 - 1) x 2 = 14" read as if k were 14
    if f is not None and d is not None and d[axis] != 1:
        return f"k = d(f - 1) + 1 = {num(d[axis])} × ({num(f[axis])} - 1) + 1 = {num(k)}"
    return f"k = {num(k)}, the window's size" + (" (f)" if f is not None else "")


def _hw(value: Any) -> tuple[Any, Any] | None:
    """A size argument as (height, width), or None when the layer has no such argument."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (value[0], value[1])
    return None if value is None or isinstance(value, (tuple, list)) else (value, value)


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
    layer = leaf.layer
    for cls, fn in _EXPLAINERS:
        if isinstance(layer, cls):
            steps = fn(layer, ins, leaf)
            break
    else:
        steps = _generic(layer, ins, leaf)
    if not leaf.trainable and leaf.cost.params:
        steps.append(
            Step("trainable", "0: this layer is frozen, trainable is false", (), "0", key="trainable")
        )
    if saving is not None:
        steps.extend(saving_steps(saving))
    return LayerSteps(leaf.name, leaf.kind, settings(layer), leaf.inputs, ins, leaf.output, tuple(steps))


def settings(layer: Any) -> str:
    """The hyperparameters that differ from their defaults: `filters=10 f=3 s=2`."""
    parts = []
    for f in fields(layer):
        v = getattr(layer, f.name)
        if v is None or v == f.default:
            continue
        if isinstance(v, tuple) and len(v) == 2 and v[0] == v[1]:
            v = v[0]
        elif isinstance(v, tuple) and len(v) == 4 and len(set(v)) == 1:
            v = v[0]
        elif isinstance(v, tuple):
            v = "[" + ", ".join(str(x) for x in v) + "]"
        elif isinstance(v, bool):
            v = str(v).lower()
        parts.append(f"{f.name}={v}")
    return " ".join(parts)


# ---- shared pieces ----------------------------------------------------------------------------


def _activations(output: tuple[Any, ...]) -> Step:
    total = dims.product(output)
    if len(output) == 3:
        return Step(
            "activations",
            f"n_H{X}n_W{X}n_C",
            (X.join(num(d) for d in output),),
            count(total),
            key="activations",
        )
    return Step("activations", "units", (), count(total), key="activations")


def _free(output: tuple[Any, ...]) -> list[Step]:
    """The last steps of a layer with nothing to learn: no parameters, no MACs, its activations."""
    return [
        Step("parameters", "none", (), "0", key="params"),
        Step("MACs", "none", (), "0", key="macs"),
        _activations(output),
    ]


def _unchanged(ins: tuple[Any, ...], why: str) -> list[Step]:
    return [
        Step("output", f"unchanged: {why}", (), shape(ins[0]), key="output"),
        *_free(tuple(ins[0])),
    ]


def _pair(f: tuple[Any, Any], name: str = "f") -> tuple[str, str]:
    """('f × f', '3 × 3') or ('f_h × f_w', '3 × 5')."""
    if f[0] == f[1]:
        return f"{name}{X}{name}", f"{num(f[0])}{X}{num(f[1])}"
    return f"{name}_h{X}{name}_w", f"{num(f[0])}{X}{num(f[1])}"


def _axes(n: tuple[Any, Any], f: Any, s: Any, d: Any, pad: Any) -> bool:
    """True when height and width follow the same arithmetic (explain them once)."""
    return n[0] == n[1] and f[0] == f[1] and s[0] == s[1] and d[0] == d[1] and pad[0:2] == pad[2:4]


def _slide_axis(
    axis: str, n: Any, f: int, s: int, d: int, before: Any, after: Any, ceil: bool, pool: bool
) -> Step:
    """n_out = ⌊(n_prev + 2p - f)/s⌋ + 1 with the values put in, and what the floor dropped."""
    sides = ("top", "bottom") if axis == "H" else ("left", "right")
    open_, close = ("⌈", "⌉") if ceil else ("⌊", "⌋")
    prev = f"n_{axis}_prev"
    if before == after:
        p_f, p_v = ("", "") if pool and before == 0 else (" + 2p", f" + 2×{num(before)}")
    else:
        p_f, p_v = f" + p_{sides[0]} + p_{sides[1]}", f" + {num(before)} + {num(after)}"
    if d == 1:
        k_f, k_v = " - f", f" - {num(f)}"
    else:
        k_f, k_v = " - d(f - 1) - 1", f" - {num(d)}×({num(f)} - 1) - 1"
    formula = f"{open_}({prev}{p_f}{k_f})/s{close} + 1"
    values = [f"{open_}({num(n)}{p_v}{k_v})/{num(s)}{close} + 1"]
    result = slide(n, f, s, d, before, after, ceil, f"n_{axis}")
    span = n + before + after - d * (f - 1) - 1
    note = ""
    if isinstance(span, int):
        values.append(f"{open_}{span}/{s}{close} + 1")
        if span % s:
            values.append(f"{open_}{_quotient(span, s)}{close} + 1")
            if not ceil:
                word = "row" if axis == "H" else "column"
                lost = result.uncovered
                where_ = "bottom" if axis == "H" else "right"
                dropped = (
                    f"{lost} input {word}{'s' if lost != 1 else ''} at the {where_} never covered by a window"
                    if lost
                    else f"only padding is left uncovered, no input {word} is dropped"
                )
                note = f"floored: {span}/{s} = {_quotient(span, s)} rounds down to {span // s}; {dropped}"
            elif isinstance(result.size, int) and result.size != -(-span // s) + 1:
                note = "rounded up, then one less: the last window must start inside the input (PyTorch)"
        elif s == 1:
            values[-1] = f"{span} + 1"
    return Step(f"n_{axis}", formula, tuple(values), count(result.size), note, key="output")


def _hw_steps(n: tuple[Any, Any], f: Any, s: Any, d: Any, pad: Any, ceil: bool, pool: bool) -> list[Step]:
    h = _slide_axis("H", n[0], f[0], s[0], d[0], pad[0], pad[1], ceil, pool)
    if _axes(n, f, s, d, pad):
        return [Step("n_H = n_W", h.formula, h.values, h.result, _both_axes(h.note), "output")]
    w = _slide_axis("W", n[1], f[1], s[1], d[1], pad[2], pad[3], ceil, pool)
    return [h, w]


def _both_axes(note: str) -> str:
    for a, b in (
        ("input rows ", "input rows and columns "),
        ("input row ", "input row and column "),
        ("at the bottom", "at the bottom and right"),
        ("no input row", "no input row or column"),
    ):
        note = note.replace(a, b)
    return note


def _padding_steps(padding: Any, n: tuple[Any, Any], f: Any, s: Any, d: Any, pad: Any) -> list[Step]:
    """The padding actually applied on each side; TensorFlow's `same` can be asymmetric."""
    if padding == "valid":
        return [Step("p", "valid: no padding", (), "0")]
    if padding != "same":
        if len(set(pad)) == 1:
            return [Step("p", "given", (), f"{num(pad[0])} on every side")]
        return [Step("padding", "given (top, bottom, left, right)", (), ", ".join(num(v) for v in pad))]
    out = []
    axes = (
        (("H", "top", "bottom"),)
        if _axes(n, f, s, d, (0, 0, 0, 0))
        else (("H", "top", "bottom"), ("W", "left", "right"))
    )
    for i, (axis, a, b) in enumerate(axes):
        k = "d(f - 1) + 1" if d[i] != 1 else "f"
        k_v = f"{num(d[i])}×({num(f[i])} - 1) + 1" if d[i] != 1 else num(f[i])
        total = pad[2 * i] + pad[2 * i + 1]
        before, after = same_padding(n[i], f[i], s[i], d[i])
        both = len(axes) == 1
        out.append(
            Step(
                "p_total (same)" if both else f"p_total along n_{axis} (same)",
                f"max((⌈n_{axis}_prev/s⌉ - 1){X}s + {k} - n_{axis}_prev, 0)",
                (f"max((⌈{num(n[i])}/{num(s[i])}⌉ - 1){X}{num(s[i])} + {k_v} - {num(n[i])}, 0)",),
                num(total),
                "TensorFlow's same: the output is ⌈n_prev/s⌉, padded as little as that needs",
            )
        )
        out.append(
            Step(
                f"p_{a}, p_{b}" + (" (and p_left, p_right)" if both else ""),
                "⌊p_total/2⌋, the rest",
                (f"⌊{num(total)}/2⌋, {num(total)} - {num(before)}",),
                f"{num(before)}, {num(after)}",
                f"asymmetric: the extra {'row' if axis == 'H' else 'column'} goes to the {b}"
                + (" (and right)" if both else "")
                if before != after
                else "",
            )
        )
    return out


# ---- layer kinds ------------------------------------------------------------------------------


def _conv(layer: Conv, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    cost = leaf.cost
    pad = cost.padding or (0, 0, 0, 0)
    out_h, out_w, out_c = cost.output
    steps = _padding_steps(layer.padding, (h, w), layer.f, layer.s, layer.dilation, pad)
    steps += _hw_steps((h, w), layer.f, layer.s, layer.dilation, pad, False, False)
    ff, ff_v = _pair(layer.f)
    g = layer.groups
    depthwise = isinstance(leaf.layer, Depthwise) or (g > 1 and g == c)
    if isinstance(leaf.layer, Depthwise):
        m = leaf.layer.multiplier
        steps.append(Step("n_C", f"n_C_prev{X}multiplier", (f"{num(c)}{X}{m}",), count(out_c), key="output"))
    else:
        steps.append(Step("n_C", "number of filters", (), count(out_c), key="output"))
    if depthwise:
        per, per_v = ff, ff_v
        why = " (each filter sees one channel)"
    elif g > 1:
        per, per_v = f"{ff}{X}n_C_prev/groups", f"{ff_v}{X}{num(c)}/{g}"
        why = ""
    else:
        per, per_v = f"{ff}{X}n_C_prev", f"{ff_v}{X}{num(c)}"
        why = ""
    steps.append(Step("weights", f"{per}{X}n_C{why}", (f"{per_v}{X}{num(out_c)}",), count(cost.weights)))
    if layer.bias:
        steps.append(Step("biases", "n_C, one per filter", (), count(cost.biases)))
        steps.append(
            Step(
                "parameters",
                f"({per} + 1){X}n_C",
                (f"({per_v} + 1){X}{num(out_c)}",),
                count(cost.params),
                key="params",
            )
        )
    else:
        steps.append(Step("biases", "none: bias is false", (), "0"))
        steps.append(Step("parameters", "weights", (), count(cost.params), key="params"))
    outs = f"{num(out_h)}{X}{num(out_w)}{X}{num(out_c)}"
    mid = (
        (f"{count(out_h * out_w * out_c)}{X}{count(cost.macs // (out_h * out_w * out_c))}",)
        if isinstance(cost.macs, int)
        else ()
    )
    steps.append(
        Step(
            "MACs",
            f"(n_H{X}n_W{X}n_C){X}({per})",
            (f"({outs}){X}({per_v})", *mid),
            count(cost.macs),
            key="macs",
        )
    )
    steps.append(_activations(cost.output))
    return steps


def _depthwise(layer: Depthwise, ins: Any, leaf: Leaf) -> list[Step]:
    return _conv(layer.as_conv(ins), ins, leaf)


def _local(layer: Local, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    cost = leaf.cost
    pad = cost.padding or (0, 0, 0, 0)
    oh, ow, oc = cost.output
    steps = _padding_steps(layer.padding, (h, w), layer.f, layer.s, (1, 1), pad)
    steps += _hw_steps((h, w), layer.f, layer.s, (1, 1), pad, False, False)
    steps.append(Step("n_C", "number of filters", (), count(oc), key="output"))
    ff, ff_v = _pair(layer.f)
    at = f"{num(oh)}{X}{num(ow)}{X}{num(oc)}"
    plus, plus_v = (" + 1", " + 1") if layer.bias else ("", "")
    steps.append(
        Step(
            "parameters",
            f"n_H{X}n_W{X}n_C{X}({ff}{X}n_C_prev{plus}) (no weight sharing)",
            (f"{at}{X}({ff_v}{X}{num(c)}{plus_v})",),
            count(cost.params),
            key="params",
        )
    )
    steps.append(
        Step(
            "MACs",
            f"(n_H{X}n_W{X}n_C){X}({ff}{X}n_C_prev)",
            (f"({at}){X}({ff_v}{X}{num(c)})",),
            count(cost.macs),
            key="macs",
        )
    )
    steps.append(_activations(cost.output))
    return steps


def _deconv(layer: Deconv, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    cost = leaf.cost
    oh, ow, oc = cost.output
    steps = []
    axes = [("H", h, oh, 0), ("W", w, ow, 1)]
    if (
        h == w
        and layer.f[0] == layer.f[1]
        and layer.s[0] == layer.s[1]
        and layer.output_padding[0] == layer.output_padding[1]
        and (not isinstance(layer.padding, tuple) or layer.padding[0:2] == layer.padding[2:4])
    ):
        axes = [("H = n_W", h, oh, 0)]
    for label, n, o, i in axes:
        a = label[0]
        f, s, d, op = layer.f[i], layer.s[i], layer.dilation[i], layer.output_padding[i]
        if layer.padding == "same":
            steps.append(
                Step(f"n_{label}", f"n_{a}_prev{X}s (same)", (f"{num(n)}{X}{s}",), count(o), key="output")
            )
        elif layer.padding == "valid":
            steps.append(
                Step(
                    f"n_{label}",
                    f"(n_{a}_prev - 1){X}s + f",
                    (f"({num(n)} - 1){X}{s} + {f}",),
                    count(o),
                    key="output",
                )
            )
        else:
            p = layer.padding[2 * i] + layer.padding[2 * i + 1]
            steps.append(
                Step(
                    f"n_{label}",
                    f"(n_{a}_prev - 1){X}s - 2p + d(f - 1) + output_padding + 1",
                    (f"({num(n)} - 1){X}{s} - {p} + {d}×({f} - 1) + {op} + 1",),
                    count(o),
                    key="output",
                )
            )
    steps.append(Step("n_C", "number of filters", (), count(oc), key="output"))
    ff, ff_v = _pair(layer.f)
    steps.append(
        Step("weights", f"{ff}{X}n_C_prev{X}n_C", (f"{ff_v}{X}{num(c)}{X}{num(oc)}",), count(cost.weights))
    )
    if layer.bias:
        steps.append(
            Step(
                "parameters",
                f"({ff}{X}n_C_prev + 1){X}n_C",
                (f"({ff_v}{X}{num(c)} + 1){X}{num(oc)}",),
                count(cost.params),
                key="params",
            )
        )
    else:
        steps.append(Step("parameters", "weights only: bias is false", (), count(cost.params), key="params"))
    steps.append(
        Step(
            "MACs",
            f"(n_H_prev{X}n_W_prev{X}n_C_prev){X}({ff}{X}n_C)",
            (f"({num(h)}{X}{num(w)}{X}{num(c)}){X}({ff_v}{X}{num(oc)})",),
            count(cost.macs),
            key="macs",
        )
    )
    steps.append(_activations(cost.output))
    return steps


def _pool(layer: Pool, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    pad = leaf.cost.padding or (0, 0, 0, 0)
    steps = (
        _padding_steps(layer.padding, (h, w), layer.f, layer.stride, (1, 1), pad)
        if layer.padding != "valid"
        else []
    )
    steps += _hw_steps((h, w), layer.f, layer.stride, (1, 1), pad, layer.ceil, True)
    steps.append(Step("n_C", "n_C_prev: pooling works on each channel apart", (), count(c), key="output"))
    article = "an" if layer.mode[:1] in "aeiou" else "a"  # "an avg pool"
    steps.append(Step("parameters", f"none: {article} {layer.mode} pool has nothing to learn", (), "0",
                      key="params"))
    steps.append(Step("MACs", "none: no weights to multiply by", (), "0", key="macs"))
    steps.append(_activations(leaf.output))
    return steps


def _global_pool(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    what = "mean" if isinstance(layer, GlobalAvgPool) and not isinstance(layer, GlobalMaxPool) else "maximum"
    if not getattr(layer, "keepdims", True):  # Keras' default: the vector [C]
        return [
            Step("units", f"n_C_prev: the {what} of each channel over the whole n_H_prev{X}n_W_prev",
                 (f"{num(h)}{X}{num(w)} → 1",), count(c), key="output"),
            *_free(leaf.output),
        ]
    return [
        Step(
            "n_H = n_W",
            f"1: the {what} over the whole n_H_prev{X}n_W_prev",
            (f"{num(h)}{X}{num(w)} → 1",),
            "1",
            key="output",
        ),
        Step("n_C", "n_C_prev", (), count(c), key="output"),
        *_free(leaf.output),
    ]


def _adaptive(layer: AdaptivePool, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    return [
        Step(
            "n_H, n_W",
            f"output (windows adapt to the {num(h)}{X}{num(w)} input)",
            (),
            f"{layer.output[0]}, {layer.output[1]}",
            key="output",
        ),
        Step("n_C", "n_C_prev", (), count(c), key="output"),
        *_free(leaf.output),
    ]


def _flatten_step(s: Any, label: str = "flatten") -> Step:
    return Step(label, f"n_H{X}n_W{X}n_C", (X.join(num(d) for d in s),), count(dims.product(s)))


def _fc(layer: FullyConnected, ins: Any, leaf: Leaf) -> list[Step]:
    cost = leaf.cost
    s = ins[0]
    steps = []
    if len(s) == 3:
        st = _flatten_step(s, "n_in (implicit flatten)")
        steps.append(
            Step(
                st.label,
                st.formula,
                st.values,
                st.result,
                f"the {shape(s)} volume is stretched into one vector of {count(dims.product(s))} values",
            )
        )
    else:
        steps.append(Step("n_in", "units of the previous layer", (), count(s[0])))
    n_in = dims.product(s)
    u = layer.units
    steps.append(Step("n_out", "units", (), count(u), key="output"))
    steps.append(Step("weights", f"n_in{X}n_out", (f"{num(n_in)}{X}{num(u)}",), count(cost.weights)))
    if layer.bias:
        steps.append(Step("biases", "n_out, one per unit", (), count(cost.biases)))
        steps.append(
            Step(
                "parameters",
                f"(n_in + 1){X}n_out",
                (f"({num(n_in)} + 1){X}{num(u)}",),
                count(cost.params),
                key="params",
            )
        )
    else:
        steps.append(Step("parameters", "weights only: bias is false", (), count(cost.params), key="params"))
    steps.append(Step("MACs", f"n_in{X}n_out", (f"{num(n_in)}{X}{num(u)}",), count(cost.macs), key="macs"))
    steps.append(_activations(cost.output))
    return steps


def _flatten(layer: Flatten, ins: Any, leaf: Leaf) -> list[Step]:
    s = ins[0]
    st = _flatten_step(s, "n_out") if len(s) == 3 else Step("n_out", "unchanged", (), count(s[0]))
    return [
        Step(st.label, st.formula, st.values, st.result, key="output"),
        *_free(leaf.output),
    ]


def _bn(layer: BatchNorm, ins: Any, leaf: Leaf) -> list[Step]:
    c = ins[0][-1]
    cost = leaf.cost
    if layer.affine:
        params = Step(
            "parameters",
            f"2{X}n_C (γ and β, one of each per channel)",
            (f"2{X}{num(c)}",),
            count(cost.params),
            key="params",
        )
    else:
        params = Step("parameters", "none: affine is false", (), "0", key="params")
    return [
        Step("output", "unchanged", (), shape(ins[0]), key="output"),
        params,
        Step(
            "buffers",
            f"2{X}n_C (running mean and variance: not learned, not parameters)",
            (f"2{X}{num(c)}",),
            count(cost.buffers),
            key="buffers",
        ),
        Step("MACs", "counted as 0: it folds into the conv before it at inference", (), "0", key="macs"),
        _activations(leaf.output),
    ]


def _add(layer: Add, ins: Any, leaf: Leaf) -> list[Step]:
    listed = " + ".join(f"{n} ({shape(s)})" for n, s in zip(leaf.inputs, ins, strict=True))
    rule = "an add needs all inputs of equal shapes, and keeps that shape"
    act = f"  (then {layer.activation}, which keeps it)" if layer.activation else ""
    return [
        Step("output", "", (listed,), shape(leaf.output) + act, rule, key="output"),
        Step("parameters", "none", (), "0", key="params"),
        Step("MACs", "none: additions are not counted", (), "0", key="macs"),
        _activations(leaf.output),
    ]


def _concat(layer: Concat, ins: Any, leaf: Leaf) -> list[Step]:
    out = leaf.output
    steps = []
    if len(out) == 3:
        steps.append(
            Step(
                "n_H, n_W",
                "must be equal in every input",
                (", ".join(f"{n} {num(s[0])}{X}{num(s[1])}" for n, s in zip(leaf.inputs, ins, strict=True)),),
                f"{num(out[0])}, {num(out[1])}",
                key="output",
            )
        )
    steps.append(
        Step(
            "n_C" if len(out) == 3 else "units",
            "the inputs' channels add up",
            (" + ".join(num(s[-1]) for s in ins),),
            count(out[-1]),
            key="output",
        )
    )
    return steps + _free(out)


def _zeropad(layer: ZeroPad, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    t, b, left, right = layer.p
    oh, ow, _ = leaf.output
    if (h, t, b) == (w, left, right):  # the same arithmetic: once, as for conv
        sizes = [Step("n_H = n_W", "n_H_prev + p_top + p_bottom", (f"{num(h)} + {t} + {b}",), count(oh),
                      key="output")]
    else:
        sizes = [
            Step("n_H", "n_H_prev + p_top + p_bottom", (f"{num(h)} + {t} + {b}",), count(oh), key="output"),
            Step("n_W", "n_W_prev + p_left + p_right", (f"{num(w)} + {left} + {right}",), count(ow),
                 key="output"),
        ]
    return [
        *sizes,
        Step("n_C", "n_C_prev", (), count(c), key="output"),
        *_free(leaf.output),
    ]


def _upsample(layer: Upsample, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    oh, ow, _ = leaf.output
    if (h, layer.factor[0]) == (w, layer.factor[1]):  # the same arithmetic: once, as for conv
        sizes = [Step("n_H = n_W", f"n_H_prev{X}factor", (f"{num(h)}{X}{layer.factor[0]}",), count(oh),
                      key="output")]
    else:
        sizes = [
            Step("n_H", f"n_H_prev{X}factor", (f"{num(h)}{X}{layer.factor[0]}",), count(oh), key="output"),
            Step("n_W", f"n_W_prev{X}factor", (f"{num(w)}{X}{layer.factor[1]}",), count(ow), key="output"),
        ]
    return [
        *sizes,
        Step("n_C", "n_C_prev", (), count(c), key="output"),
        Step("parameters", f"none: {layer.mode} interpolation", (), "0", key="params"),
        Step("MACs", "none", (), "0", key="macs"),
        _activations(leaf.output),
    ]


def _crop(layer: Crop, ins: Any, leaf: Leaf) -> list[Step]:
    top, left = layer.offsets(ins[0])
    return [
        Step(
            "n_H, n_W",
            "output (a centre crop)",
            (f"offsets: {num(top)} from the top, {num(left)} from the left",),
            f"{layer.output[0]}, {layer.output[1]}",
            key="output",
        ),
        Step("n_C", "n_C_prev", (), count(ins[0][2]), key="output"),
        *_free(leaf.output),
    ]


def _split(layer: Split, ins: Any, leaf: Leaf) -> list[Step]:
    c = ins[0][-1]
    return [
        Step(
            "n_C",
            f"n_C_prev/groups (slice {layer.index} of {layer.groups}, from 0)",
            (f"{num(c)}/{layer.groups}",),
            count(leaf.output[-1]),
            key="output",
        ),
        *_free(leaf.output),
    ]


def _space_to_depth(layer: SpaceToDepth, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    b = layer.block
    oh, ow, oc = leaf.output
    return [
        Step(
            "n_H, n_W",
            "n_prev/block",
            (f"{num(h)}/{b}, {num(w)}/{b}",),
            f"{num(oh)}, {num(ow)}",
            key="output",
        ),
        Step("n_C", f"n_C_prev{X}block{X}block", (f"{num(c)}{X}{b}{X}{b}",), count(oc), key="output"),
        *_free(leaf.output),
    ]


def _attention(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    h, w, c = ins[0]
    n = h * w
    qk, av = layer.products(n)
    e, k, d = layer.heads, layer.key_dim, layer.head_dim
    return [
        Step("N", f"n_H{X}n_W (positions)", (f"{num(h)}{X}{num(w)}",), count(n)),
        Step("n_C_prev", f"heads{X}(2 key_dim + head_dim): q, k and v of each head",
             (f"{e}{X}(2{X}{k} + {d})",), count(c)),
        Step("output", f"n_H x n_W x heads{X}head_dim", (f"{num(h)} x {num(w)} x {e}{X}{d}",),
             shape(leaf.output), key="output"),
        Step("MACs of q^T k (matrix product)", f"heads{X}N{X}N{X}key_dim", (f"{e}{X}{num(n)}{X}{num(n)}{X}{k}",),
             count(qk), "the attention scores; the softmax and the 1/sqrt(key_dim) scale are free"),
        Step("MACs of v attn^T (matrix product)", f"heads{X}head_dim{X}N{X}N",
             (f"{e}{X}{d}{X}{num(n)}{X}{num(n)}",), count(av)),
        Step("MACs", "q^T k + v attn^T", (f"{num(qk)} + {num(av)}",), count(leaf.cost.macs), key="macs"),
        Step("parameters", "none (the projections are the convolutions around it)", (), "0", key="params"),
        _activations(leaf.output),
    ]


def _dfl(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    anchors = sum((s[0] * s[1] for s in ins[1:]), ins[0][0] * ins[0][1])
    r = layer.reg_max
    terms = " + ".join(f"{num(s[0])}{X}{num(s[1])}" for s in ins)
    return [
        Step("A (anchors)", "sum of n_H x n_W over the levels", (terms,), count(anchors)),
        Step("output", "4 distances per anchor: [4 A]", (f"4{X}{num(anchors)}",), shape(leaf.output), key="output"),
        Step("parameters", "reg_max fixed weights 0 .. reg_max - 1 (not trained)", (), count(r), key="params"),
        Step("MACs", f"4{X}A{X}reg_max (a 1x1 convolution over the bins)", (f"4{X}{num(anchors)}{X}{r}",),
             count(leaf.cost.macs), key="macs"),
        _activations(leaf.output),
    ]


def _channel_shuffle(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    c, g = ins[0][-1], layer.groups
    return [
        Step("output", "unchanged: n_C_prev channels as groups × (n_C_prev/groups), read transposed",
             (f"{g}{X}{num(dims.floordiv(c, g))} read as {num(dims.floordiv(c, g))}{X}{g}",), shape(leaf.output),
             "each group of the next grouped layer sees channels of every group", key="output"),
        *_free(leaf.output),
    ]


def _per_channel(what: str, factor: int, learned: bool, why_macs: str) -> Any:
    """Explains a layer with `factor` learned values per channel and no MACs of its own."""

    def steps(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
        c = ins[0][-1]
        has = learned if factor == 1 else getattr(layer, "affine", True)
        formula = f"{factor}{X}n_C ({what})" if factor != 1 else f"n_C ({what})"
        params = (Step("parameters", formula, (f"{factor}{X}{num(c)}",) if factor != 1 else (),
                       count(leaf.cost.params), key="params")
                  if has else Step("parameters", "none: affine is false", (), "0", key="params"))
        return [
            Step("output", "unchanged", (), shape(ins[0]), key="output"),
            params,
            Step("MACs", f"counted as 0: {why_macs}", (), "0", key="macs"),
            _activations(leaf.output),
        ]

    return steps


_layer_norm = _per_channel("γ and β, one of each per channel; no running statistics", 2, True,
                           "a normalization, as bn")
_layer_scale = _per_channel("one γ per channel", 1, True, "an element-wise product, not a weight product")


def _slice(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    c = ins[0][-1]
    start, stop = layer.bounds(c)
    written = f"{layer.start}:{'' if layer.stop is None else layer.stop}"
    return [
        Step("n_C", "stop - start", (f"{num(stop)} - {num(start)}",), count(leaf.output[-1]),
             f"channels {written} of {num(c)}", key="output"),
        *_free(leaf.output),
    ]


def _shape_keeping(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    what = getattr(layer, "function", None) or getattr(layer, "KIND", leaf.kind)
    if what == "stochastic_depth":
        return _unchanged(ins, "it drops whole samples in training only; at inference it passes its input on")
    if what == "lrn":  # it divides each value by a sum over neighbouring channels
        return _unchanged(ins, "lrn scales each value by its neighbours across channels")
    return _unchanged(ins, f"{what} works on each value apart")


def _generic(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    cost = leaf.cost
    return [
        Step("output", "", (), shape(cost.output), key="output"),
        Step("parameters", "", (), count(cost.params), key="params"),
        Step("MACs", "", (), count(cost.macs), key="macs"),
        _activations(cost.output),
    ]


_EXPLAINERS: list[tuple[type, Any]] = [
    (Depthwise, _depthwise),
    (Conv, _conv),
    (Local, _local),
    (Deconv, _deconv),
    (Pool, _pool),
    (GlobalAvgPool, _global_pool),
    (AdaptivePool, _adaptive),
    (FullyConnected, _fc),
    (Flatten, _flatten),
    (BatchNorm, _bn),
    (Add, _add),
    (Concat, _concat),
    (ZeroPad, _zeropad),
    (Upsample, _upsample),
    (Crop, _crop),
    (Split, _split),
    (SpaceToDepth, _space_to_depth),
]


def _instance_norm(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    c = ins[0][-1]
    if layer.affine:
        params = Step("parameters", f"2{X}n_C (scale and bias, one of each per channel)", (f"2{X}{num(c)}",),
                      count(leaf.cost.params), key="params")
    else:
        params = Step("parameters", "none: affine is false", (), "0", key="params")
    return [
        Step("output", "unchanged", (), shape(ins[0]), key="output"),
        params,
        Step("buffers", "none: each example is normalized by its own statistics", (), "0", key="buffers"),
        Step("MACs", "counted as 0, as for bn", (), "0", key="macs"),
        _activations(leaf.output),
    ]


def _operator(layer: Any, ins: Any, leaf: Leaf) -> list[Step]:
    cost = leaf.cost
    return [
        Step("output", f"as the model file gives it ({layer.type} has no arithmetic in cnncalc)", (),
             shape(cost.output), key="output"),
        Step("parameters", "the values of the weight tensors it reads", (), count(cost.params), key="params"),
        Step("buffers", "the values of the non-learned tensors it reads", (), count(cost.buffers), key="buffers"),
        Step("MACs", "counted as 0: unknown operator", (), "0", key="macs"),
        _activations(cost.output),
    ]


def _register_attention() -> None:
    from .layers.attention import Attention, DistributionFocalLoss

    _EXPLAINERS.extend([(Attention, _attention), (DistributionFocalLoss, _dfl)])


_register_attention()


def _register_zoo_kinds() -> None:
    from .layers.layer_norm import LayerNorm
    from .layers.layer_scale import LayerScale
    from .layers.shuffle import ChannelShuffle
    from .layers.slice import ChannelSlice
    from .layers.stochastic_depth import StochasticDepth

    _EXPLAINERS.extend([(ChannelShuffle, _channel_shuffle), (LayerNorm, _layer_norm), (LayerScale, _layer_scale),
                        (ChannelSlice, _slice), (StochasticDepth, _shape_keeping)])


_register_zoo_kinds()


def _register_shape_keeping() -> None:
    from .layers.instance_norm import InstanceNorm
    from .layers.norm import LocalResponseNorm
    from .layers.operator import Operator
    from .layers.pointwise import Activation, Dropout, Identity

    _EXPLAINERS.extend([(InstanceNorm, _instance_norm), (Operator, _operator)])
    for cls in (Activation, Dropout, Identity, LocalResponseNorm):
        _EXPLAINERS.append((cls, _shape_keeping))


_register_shape_keeping()


# ---- savings ---------------------------------------------------------------------------------


def saving_steps(s: savings.Saving) -> list[Step]:
    """The plain convolution a bottleneck or separable pair replaces, and the factor saved."""
    f = _pair(s.f)
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
