"""Graph -> rows and totals as plain data, receptive fields, warnings and expectation verdicts.

Nothing here prints: renderers turn a `Report` into text, and the CLI picks the exit status
from `Report.return_code`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import dims
from .errors import Diagnostic, Location
from .exits import Exit
from .graph import INPUT, Graph, Leaf
from .layers import Shape, Window
from .layers.base import IDENTITY_WINDOW
from .spec import Architecture, Expectation, show_value
from .values import Frozen, Record, init, replace

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8}


class Row(Frozen):
    __slots__ = ("name", "kind", "inputs", "output", "activations", "params", "trainable", "buffers", "macs",
                 "rf", "jump", "loc", "leaf", "weights", "biases")  # fmt: skip
    name: str
    kind: str
    inputs: tuple[str, ...]
    output: Shape
    activations: Any
    params: Any
    trainable: Any
    buffers: Any
    macs: Any
    rf: tuple[Any, Any] | None
    jump: tuple[Any, Any] | None
    loc: Location
    leaf: Leaf | None  # None for a folded composite
    weights: Any
    biases: Any

    def __init__(self, name: str, kind: str, inputs: tuple[str, ...], output: Shape, activations: Any, params: Any,
                 trainable: Any, buffers: Any, macs: Any, rf: tuple[Any, Any] | None, jump: tuple[Any, Any] | None,
                 loc: Location, leaf: Leaf | None = None, weights: Any = 0, biases: Any = 0) -> None:
        init(self, "name", name)
        init(self, "kind", kind)
        init(self, "inputs", inputs)
        init(self, "output", output)
        init(self, "activations", activations)
        init(self, "params", params)
        init(self, "trainable", trainable)
        init(self, "buffers", buffers)
        init(self, "macs", macs)
        init(self, "rf", rf)
        init(self, "jump", jump)
        init(self, "loc", loc)
        init(self, "leaf", leaf)
        init(self, "weights", weights)
        init(self, "biases", biases)


class Totals(Frozen):
    __slots__ = ("params", "trainable", "buffers", "macs", "flops", "activations", "param_bytes")
    params: Any
    trainable: Any
    buffers: Any
    macs: Any
    flops: Any
    activations: Any
    param_bytes: Any

    def __init__(self, params: Any, trainable: Any, buffers: Any, macs: Any, flops: Any, activations: Any,
                 param_bytes: Any) -> None:
        init(self, "params", params)
        init(self, "trainable", trainable)
        init(self, "buffers", buffers)
        init(self, "macs", macs)
        init(self, "flops", flops)
        init(self, "activations", activations)
        init(self, "param_bytes", param_bytes)

    def get(self, key: str) -> Any:
        return getattr(self, key)


class Verdict(Frozen):
    """An `expect` entry checked: where it applies, what was found, whether it holds."""

    __slots__ = ("expectation", "subject", "actual", "ok", "skipped")
    expectation: Expectation
    subject: str  # a layer or composite name, or 'totals'
    actual: Any
    ok: bool
    skipped: str  # why it was not checked: a symbolic value, or another input than the file's

    def __init__(self, expectation: Expectation, subject: str, actual: Any, ok: bool, skipped: str = "") -> None:
        init(self, "expectation", expectation)
        init(self, "subject", subject)
        init(self, "actual", actual)
        init(self, "ok", ok)
        init(self, "skipped", skipped)

    @property
    def status(self) -> str:
        """ok, failed or skipped (not checked: `skipped` says why)."""
        return "skipped" if self.skipped else "ok" if self.ok else "failed"

    @property
    def message(self) -> str:
        e = self.expectation
        what = "network" if self.subject == "totals" else self.subject
        if self.skipped:
            return f"expected {what} {e.key} {e.describe()} {self.skipped}"
        return f"expected {what} {e.key} {e.describe()}, found {show_value(self.actual)}"


class Report(Record):
    __slots__ = ("name", "reference", "file", "input", "output", "rows", "totals", "warnings", "verdicts", "graph",
                 "convention", "dtype", "symbols", "notes")  # fmt: skip
    name: str
    reference: str | None
    file: str
    input: Shape
    output: Shape
    rows: list[Row]
    totals: Totals
    warnings: list[Diagnostic]
    verdicts: list[Verdict]
    graph: Graph | None
    convention: str
    dtype: str
    symbols: tuple[str, ...]
    notes: list[Diagnostic]  # harmless floors (window.FloorNote)

    def __init__(self, name: str, reference: str | None, file: str, input: Shape, output: Shape, rows: list[Row],
                 totals: Totals, warnings: list[Diagnostic] | None = None, verdicts: list[Verdict] | None = None,
                 graph: Graph | None = None, convention: str = "cnncalc", dtype: str = "float32",
                 symbols: tuple[str, ...] = (), notes: list[Diagnostic] | None = None) -> None:
        self.name = name
        self.reference = reference
        self.file = file
        self.input = input
        self.output = output
        self.rows = rows
        self.totals = totals
        self.warnings = [] if warnings is None else warnings
        self.verdicts = [] if verdicts is None else verdicts
        self.graph = graph
        self.convention = convention
        self.dtype = dtype
        self.symbols = symbols
        self.notes = [] if notes is None else notes

    @property
    def failures(self) -> list[Diagnostic]:
        return [
            Diagnostic("error", v.message, v.expectation.loc, v.subject) for v in self.verdicts
            if v.status == "failed"
        ]

    @property
    def unchecked(self) -> list[Diagnostic]:
        """Expectations that were not checked, as notes saying why; those of a what-if --input
        as one note (each is in the JSON's expectations)."""
        what_if = [v for v in self.verdicts if v.skipped.startswith(_WHAT_IF)]
        out = [Diagnostic("note", v.message, v.expectation.loc, v.subject)
               for v in self.verdicts if v.skipped and v not in what_if]
        if len(what_if) == 1:
            out.insert(0, Diagnostic("note", what_if[0].message, what_if[0].expectation.loc, what_if[0].subject))
        elif what_if:
            written = what_if[0].skipped[len(_WHAT_IF):].strip()
            out.insert(0, Diagnostic("note", f"the file's {len(what_if)} expect entries are not checked at this "
                                     f"input {written}", what_if[0].expectation.loc))
        return out

    def diagnostics(self) -> list[Diagnostic]:
        """Everything for stderr, in layer order: floors (warnings and notes), then the
        expectations that failed or were not checked."""
        order = {row.name: i for i, row in enumerate(self.rows)}
        floors = sorted(self.warnings + self.notes, key=lambda d: order.get(d.layer or "", -1))
        return floors + self.failures + self.unchecked

    def return_code(self, strict: bool = False) -> Exit:
        """0 all good; 1 an expectation failed, or a warning under --strict."""
        return Exit.FAILED if self.failures or (strict and self.warnings) else Exit.OK

    @property
    def branches(self) -> bool:
        """True when some row reads other than the row before it (show a 'from' column)."""
        previous = INPUT
        for row in self.rows:
            if row.inputs != (previous,):
                return True
            previous = row.name
        return False


def analyze(arch: Architecture, graph: Graph, file: str, dtype: str = "float32") -> Report:
    fields_ = _receptive_fields(graph)
    rows = [_leaf_row(leaf, *fields_[leaf.name]) for leaf in graph.leaves]
    totals = _totals(rows, DTYPE_BYTES[dtype])
    floors = [
        Diagnostic("note" if getattr(note, "harmless", False) else "warning", f"{leaf.name}: {note}",
                   leaf.loc, leaf.name)
        for leaf in graph.leaves
        for note in leaf.cost.notes
    ]
    output = graph.leaves[-1].output
    report = Report(
        arch.name, arch.reference, file, graph.input, output, rows, totals,
        [d for d in floors if d.level == "warning"], [], graph, dtype=dtype, symbols=arch.symbols,
        notes=[d for d in floors if d.level == "note"],
    )
    report.verdicts = _verdicts(arch, graph, rows, totals, output)
    declared = getattr(arch, "declared_input", None)
    if declared is not None and tuple(declared) != tuple(graph.input):
        written = "x".join(str(d) for d in declared)
        report.verdicts = [replace(v, skipped=v.skipped or f"{_WHAT_IF} (the file's input is {written})")
                           for v in report.verdicts]
    return report


def _leaf_row(leaf: Leaf, rf: Any, jump: Any) -> Row:
    c = leaf.cost
    if leaf.shares is not None:  # the weights are its first user's: counted once, there
        c = replace(c, weights=0, biases=0, buffers=0)
    return Row(
        name=leaf.name,
        kind=leaf.kind,
        inputs=leaf.inputs,
        output=c.output,
        activations=dims.product(c.output),
        params=c.params,
        trainable=c.params if leaf.trainable else 0,
        buffers=c.buffers,
        macs=c.macs,
        rf=rf,
        jump=jump,
        loc=leaf.loc,
        leaf=leaf,
        weights=c.weights,
        biases=c.biases,
    )


def _totals(rows: list[Row], nbytes: int) -> Totals:
    params = sum(r.params for r in rows)
    macs = sum(r.macs for r in rows)
    return Totals(
        params=params,
        trainable=sum(r.trainable for r in rows),
        buffers=sum(r.buffers for r in rows),
        macs=macs,
        flops=2 * macs,
        activations=sum(r.activations for r in rows),
        param_bytes=params * nbytes,
    )


# ---- receptive fields -------------------------------------------------------------------


def _receptive_fields(graph: Graph) -> dict[str, tuple[Any, Any]]:
    """rf and jump per leaf (SPEC: Receptive field): r += (k-1)*jump, jump *= s, where k is
    how many input values along an axis one output value reads."""
    one = (1, 1)  # ints while strides are whole; Fractions appear after upsampling
    spatial = len(graph.input) == 3
    known: dict[str, tuple[Any, Any]] = {INPUT: (one, one) if spatial else (None, None)}
    shapes = {INPUT: graph.input}
    for leaf in graph.leaves:
        ins = [known[i] for i in leaf.inputs]
        shapes[leaf.name] = leaf.output
        if len(leaf.output) != 3 or any(rf is None for rf, _ in ins):
            known[leaf.name] = (None, None)
            continue
        rf, jump = merge_fields(ins, [shapes[i] for i in leaf.inputs], leaf.output)
        window: Window = leaf.layer.window([shapes[i] for i in leaf.inputs])
        if window is IDENTITY_WINDOW:  # most rows (bn, activations, merges): nothing moves
            known[leaf.name] = (rf, jump)
            continue
        known[leaf.name] = (
            _bounded_pair(tuple(rf[k] + (window.kernel[k] - 1) * jump[k] for k in (0, 1))),
            _bounded_pair(tuple(jump[k] * window.stride[k] for k in (0, 1))),
        )
    return {name: (_plain(rf), _plain(j)) for name, (rf, j) in known.items() if name != INPUT}


def merge_fields(fields: list[tuple[Any, Any]], shapes: list[Shape], output: Shape) -> tuple[Any, Any]:
    """The (rf, jump) a layer reads: the largest rf of its inputs, and the largest jump of its
    spatial ones. A 1 x 1 input broadcast over a larger output (a squeeze-and-excitation gate)
    has a jump that steps over its whole input: it is no step on the output's grid, so only its
    rf counts."""
    if len(fields) == 1:
        return fields[0]
    rf = _bounded_pair(tuple(_largest(r[k] for r, _ in fields) for k in (0, 1)))
    spatial = [j for (_, j), shape in zip(fields, shapes) if not is_broadcast(shape, output)]
    jumps = spatial or [j for _, j in fields]
    return rf, _bounded_pair(tuple(_largest(j[k] for j in jumps) for k in (0, 1)))


def is_broadcast(shape: Shape, output: Shape) -> bool:
    """A 1 x 1 input spread over an output larger than 1 x 1."""
    ones = all(dims.equal(shape[k], 1) is True for k in (0, 1))
    return ones and not all(dims.equal(output[k], 1) is True for k in (0, 1))


def bounded(value: Any) -> Any:
    """Concrete values as they are; a symbolic one bounded (`symbolic.bounded_field`)."""
    if isinstance(value, (int, Fraction)):
        return value
    from .symbolic import bounded_field

    return bounded_field(value)


def _bounded_pair(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """Both axes bounded; when both become `depends on ...`, one marker naming every symbol, so
    that a table cell reads `depends on H, W`, not `depends on Hxdepends on W`."""
    a, b = bounded(pair[0]), bounded(pair[1])
    if isinstance(a, (int, Fraction)) or isinstance(b, (int, Fraction)) or a == b:
        return a, b
    from .symbolic import bounded_field, is_depends

    if is_depends(a) and is_depends(b):
        both = bounded_field(a + b)
        return both, both
    return a, b


def _largest(values: Any) -> Any:
    values = list(values)
    out = values[0]
    for v in values[1:]:
        concrete = isinstance(out, (int, Fraction)) and isinstance(v, (int, Fraction))
        out = max(out, v) if concrete else dims.maximum(out, v)
    return out


def _plain(pair: Any) -> Any:
    if pair is None or (type(pair[0]) is int and type(pair[1]) is int):
        return pair
    return tuple(int(v) if isinstance(v, Fraction) and v.denominator == 1 else v for v in pair)


# ---- folding (--depth) ------------------------------------------------------------------


def fold(report: Report, depth: int | None) -> list[Row]:
    """Rows with composites nested deeper than `depth` folded into one row each."""
    if depth is None or report.graph is None:
        return report.rows
    out: list[Row] = []
    members: dict[str, list[Row]] = {}
    owner_of: dict[str, str] = {}
    for row in report.rows:
        leaf = row.leaf
        assert leaf is not None
        if len(leaf.groups) < depth or depth < 0:
            out.append(row)
            continue
        owner = leaf.groups[max(depth, 1) - 1]
        owner_of[row.name] = owner
        if owner not in members:
            members[owner] = []
            out.append(Row(owner, "", (), (), 0, 0, 0, 0, 0, None, None, row.loc))
        members[owner].append(row)
    folded = []
    for row in out:
        if row.name not in members:
            folded.append(replace(row, inputs=tuple(owner_of.get(i, i) for i in row.inputs)))
            continue
        group = report.graph.groups[row.name]
        rows = members[row.name]
        names = {r.name for r in rows}
        inputs = tuple(dict.fromkeys(owner_of.get(i, i) for r in rows for i in r.inputs if i not in names))
        last = rows[-1]
        folded.append(Row(
            name=row.name, kind=group.kind, inputs=inputs, output=last.output,
            activations=sum(r.activations for r in rows), params=sum(r.params for r in rows),
            trainable=sum(r.trainable for r in rows), buffers=sum(r.buffers for r in rows),
            macs=sum(r.macs for r in rows), rf=last.rf, jump=last.jump, loc=group.loc,
            weights=sum(r.weights for r in rows), biases=sum(r.biases for r in rows),
        ))
    return folded


# ---- expectations -----------------------------------------------------------------------


def _verdicts(arch: Architecture, graph: Graph, rows: list[Row], totals: Totals, output: Shape) -> list[Verdict]:
    found: list[tuple[Expectation, str, Any]] = [
        (e, "totals", output if e.key == "output" else totals.get(e.key)) for e in arch.expect
    ]
    for row in rows:
        assert row.leaf is not None
        for e in row.leaf.expect:
            found.append((e, row.name, _row_value(row, e.key)))
    group_rows: dict[str, list[Row]] = {}
    for row in rows:
        assert row.leaf is not None
        for g in row.leaf.groups:
            group_rows.setdefault(g, []).append(row)
    for name, group in graph.groups.items():
        if not group.expect:
            continue
        members = group_rows.get(name, [])
        sums = _totals(members, 4)
        for e in group.expect:
            actual = members[-1].output if e.key == "output" else sums.get(e.key)
            found.append((e, name, actual))
    return [Verdict(e, subject, actual, e.check(actual), "" if _concrete(actual) else _SYMBOLIC)
            for e, subject, actual in found]


_WHAT_IF = "not checked at this input"
_SYMBOLIC = "not checked: the value depends on the symbolic input sizes (give them with --input or --set)"


def _concrete(value: Any) -> bool:
    values = value if isinstance(value, (tuple, list)) else (value,)
    return all(isinstance(v, int) for v in values)


def _row_value(row: Row, key: str) -> Any:
    return row.output if key == "output" else getattr(row, key)
