"""Worked steps: a kind's arithmetic records `label = formula = values = result` as it computes.

A kind's `infer(inputs, work)` takes a `Work`. `summarize` passes `QUIET`, which is false and
records nothing (a kind tests `if work:` before formatting any text, or calls `work.let`, which
hands the value straight back); `explain` passes a fresh `Work` and reads back the steps that
the very computation which produced the report's numbers recorded, so the two cannot disagree.

The notation is the course's: a volume is n_H x n_W x n_C, `_prev` marks the layer's input,
f is the filter size, s the stride, p the padding. Formulas use the Unicode floor brackets
⌊ ⌋ and the multiplication sign ×; renderers turn them into `floor(...)` and `x` for ASCII.

>>> work = Work()
>>> work.let(3 * 4, "weights", "f × n_C", lambda: ("3 × 4",))
12
>>> work.steps[0].values, work.steps[0].result
(('3 × 4',), '12')
>>> QUIET.let(12, "weights", "f × n_C", lambda: ("never formatted",)), QUIET.steps
(12, [])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .. import dims
from ..values import Frozen, init

X = " × "
T = TypeVar("T")


class Step(Frozen):
    """One number: `label = formula = values[0] = ... = result`, and what it says about flooring."""

    __slots__ = ("label", "formula", "values", "result", "note", "key")
    label: str
    formula: str
    values: tuple[str, ...]
    result: str
    note: str
    key: str  # the report number it explains: output, params, macs, activations, buffers

    def __init__(self, label: str, formula: str = "", values: tuple[str, ...] = (), result: str = "",
                 note: str = "", key: str = "") -> None:
        init(self, "label", label)
        init(self, "formula", formula)
        init(self, "values", values)
        init(self, "result", result)
        init(self, "note", note)
        init(self, "key", key)


class Work:
    """Where a computation writes its worked steps; `inputs` names the layer's input layers."""

    __slots__ = ("steps", "inputs")

    def __init__(self, inputs: Sequence[str] = ()) -> None:
        self.steps: list[Step] = []
        self.inputs = tuple(inputs)

    def __bool__(self) -> bool:
        return True

    def add(self, label: str, formula: str = "", values: tuple[str, ...] = (), result: str = "",
            note: str = "", key: str = "") -> None:
        self.steps.append(Step(label, formula, values, result, note, key))

    def let(self, value: T, label: str, formula: str,
            values: Callable[[], tuple[str, ...]] | tuple[str, ...] = (), key: str = "", note: str = "") -> T:
        """`value`, recorded as `label = formula = values = value` (values formatted only here)."""
        self.steps.append(Step(label, formula, values() if callable(values) else values, count(value), note, key))
        return value

    def extend(self, steps: Sequence[Step]) -> None:
        self.steps.extend(steps)


class _Quiet(Work):
    """The `Work` of summarize: records nothing, formats nothing."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def add(self, *args: Any, **kwargs: Any) -> None:
        return None

    def let(self, value: T, *args: Any, **kwargs: Any) -> T:
        return value

    def extend(self, steps: Sequence[Step]) -> None:
        return None


QUIET: Work = _Quiet()


# ---- numbers as text ------------------------------------------------------------------------


def _text(x: Any) -> str:
    """str(x), but a symbolic size as summarize writes it: floor((H - 1)/4), not floor(H/4 - 1/4)."""
    if type(x).__module__.startswith("sympy"):
        from ..symbolic import show

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


def quotient(a: int, b: int) -> str:
    q = a / b
    return f"{q:g}" if len(f"{q:g}") < 9 else f"{q:.4f}"


def pair(f: tuple[Any, Any], name: str = "f") -> tuple[str, str]:
    """('f × f', '3 × 3') or ('f_h × f_w', '3 × 5')."""
    if f[0] == f[1]:
        return f"{name}{X}{name}", f"{num(f[0])}{X}{num(f[1])}"
    return f"{name}_h{X}{name}_w", f"{num(f[0])}{X}{num(f[1])}"


# ---- steps many kinds end with ----------------------------------------------------------------


def activations(output: Sequence[Any]) -> Step:
    total = dims.product(output)
    if len(output) == 3:
        return Step("activations", f"n_H{X}n_W{X}n_C", (X.join(num(d) for d in output),), count(total),
                    key="activations")
    return Step("activations", "units", (), count(total), key="activations")


def free(output: Sequence[Any]) -> list[Step]:
    """The last steps of a layer with nothing to learn: no parameters, no MACs, its activations."""
    return [
        Step("parameters", "none", (), "0", key="params"),
        Step("MACs", "none", (), "0", key="macs"),
        activations(output),
    ]


def unchanged(work: Work, shape_in: Sequence[Any], why: str) -> None:
    """The steps of a layer that keeps its input's shape and learns nothing."""
    if work:
        work.add("output", f"unchanged: {why}", (), shape(shape_in), key="output")
        work.extend(free(tuple(shape_in)))


def per_channel(work: Work, shape_in: Sequence[Any], params: Any, what: str, factor: int, learned: bool,
                why_macs: str) -> None:
    """A layer that keeps its shape with `factor` learned values per channel and no MACs."""
    c = shape_in[-1]
    formula = f"{factor}{X}n_C ({what})" if factor != 1 else f"n_C ({what})"
    work.add("output", "unchanged", (), shape(shape_in), key="output")
    if learned:
        work.add("parameters", formula, (f"{factor}{X}{num(c)}",) if factor != 1 else (), count(params), key="params")
    else:
        work.add("parameters", "none: affine is false", (), "0", key="params")
    work.add("MACs", f"counted as 0: {why_macs}", (), "0", key="macs")
    work.extend([activations(tuple(shape_in))])


def totals(work: Work, output: Sequence[Any], params: Any, macs: Any) -> None:
    """Bare results (the rule is the SPEC's table): output, parameters, MACs, activations."""
    if work:
        work.add("output", "", (), shape(output), key="output")
        work.add("parameters", "", (), count(params), key="params")
        work.add("MACs", "", (), count(macs), key="macs")
        work.extend([activations(output)])
