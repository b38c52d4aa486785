"""How numbers, shapes and receptive fields are written, shared by every renderer."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..escape import visible


def text(value: Any) -> str:
    """A size as written: ints plainly, symbolic expressions the course's way."""
    if type(value).__module__.startswith("sympy"):
        from ..symbolic import show

        return show(value)
    return str(value)


def count(value: Any) -> str:
    """61706 -> '61,706'; symbolic expressions as they are."""
    return f"{value:,}" if isinstance(value, int) else text(value)


def shape(dims: Any) -> str:
    """28 x 28 x 6; a symbolic sum in parentheses, (H - 4) x (W - 4) x 6, as explain writes it."""
    if len(dims) == 1:
        return f"{count(dims[0])}"
    return " x ".join(bracketed(text(d)) for d in dims)


def bracketed(size: str) -> str:
    """'H - 4' -> '(H - 4)': a sum next to ' x ' would read as H - (4 x W)."""
    depth = 0
    for i, ch in enumerate(size):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch in "+-" and 0 < i and size[i - 1] == " ":
            return f"({size})"
    return size


def json_number(value: Any) -> Any:
    """ints stay ints; fractions become floats (or ints); symbolic values become strings."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, float):
        return value
    return text(value)


def json_value(value: Any) -> Any:
    """A count or size for JSON: a number stays a number (an int, or a float for a fractional
    jump); a symbolic one is an object, {"expr": "6*(H - 4)*(W - 4)"}, never a string in a
    number's place (README: The JSON contract)."""
    if isinstance(value, str):  # `depends on H, W` markers and the like
        return {"expr": value}
    out = json_number(value)
    return {"expr": out} if isinstance(out, str) else out


SCHEMA_VERSION = 2  # 1: SPEC §3 as first written (symbolic values as strings, no envelope)


def envelope(what: str, dtype: str | None = None, convention: str | None = None) -> dict[str, Any]:
    """The keys every JSON output starts with: what it is, which contract, which cnncalc."""
    from .. import __version__

    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "cnncalc_version": __version__, "kind": what}
    if dtype is not None:
        out["dtype"] = dtype
    if convention is not None:
        out["convention"] = convention
    return out


def pair(value: Any) -> str:
    """rf / jump for a table or CSV cell; a fractional jump stays exact: 8/3, not 2.6666666666666665."""
    if value is None:
        return "-"
    a, b = (str(v) if isinstance(v, Fraction) else str(json_number(v)) for v in value)
    return a if a == b else f"{a}x{b}"


def human_bytes(n: Any) -> str:
    if not isinstance(n, int):
        return str(n)
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    return str(n)  # pragma: no cover


def totals_lines(report: Any) -> list[tuple[str, str]]:
    """The footer under every table: labels and values."""
    t = report.totals
    # under --convention the figures are that tool's (fvcore's FLOPs are MACs): say whose
    tool = getattr(report, "convention", "cnncalc")
    own = tool == "cnncalc"
    macs_label = "MACs (multiplications)" if own else f"MACs ({tool})"
    flops_label = "FLOPs (2 x MACs)" if own else f"FLOPs ({tool})"
    return [
        ("Total params", count(t.params)),
        ("Trainable params", count(t.trainable)),
        ("Non-trainable params", count(t.params - t.trainable)),
        ("Buffers (BN statistics)", count(t.buffers)),
        (macs_label, count(t.macs)),
        (flops_label, count(t.flops)),
        ("Activations (values output)", count(t.activations)),
        (f"Parameter bytes ({report.dtype})",
         f"{count(t.param_bytes)} ({human_bytes(t.param_bytes)})" if isinstance(t.param_bytes, int)
         else count(t.param_bytes)),
    ]


COLUMNS = ("Layer", "Type", "Output shape", "Activations", "Params", "MACs")


def row_cells(row: Any, with_from: bool) -> list[str]:
    # names come from user files: no control character reaches a table, whatever the target
    cells = [visible(row.name), visible(row.kind), shape(row.output),
             count(row.activations), count(row.params), count(row.macs)]
    if with_from:
        cells.append(visible(", ".join(row.inputs)))
    return cells


def input_cells(report: Any, keys: list[str]) -> list[str]:
    """The Input row at the top of a table, as the course's and Keras's tables have: its volume
    and how many values it holds (not counted in the activations total), nothing learned."""
    from .. import dims

    spatial = len(report.input) == 3
    extra = {"rf": "1" if spatial else "-", "jump": "1" if spatial else "-", "from": "",
             "trainable": "0", "buffers": "0", "bytes": "0"}
    return ["input", "input", shape(report.input), count(dims.product(report.input)), "0", "0",
            *(extra[k] for k in keys)]


# ---- extra columns (summarize --columns) ----------------------------------------------------

EXTRA_COLUMNS = {
    "rf": "RF", "jump": "Jump", "from": "From", "trainable": "Trainable", "buffers": "Buffers",
    "bytes": "Param bytes",
}


def extra_keys(report: Any, asked: tuple[str, ...] = ()) -> list[str]:
    """The extra columns to show: those asked for, then `from` when the graph branches."""
    keys = list(dict.fromkeys(asked))
    if report.branches and "from" not in keys:
        keys.append("from")
    return keys


def extra_cells(report: Any, row: Any, keys: list[str]) -> list[str]:
    from ..report import DTYPE_BYTES

    cells = {
        "rf": lambda: pair(row.rf),
        "jump": lambda: pair(row.jump),
        "from": lambda: visible(", ".join(row.inputs)),
        "trainable": lambda: count(row.trainable),
        "buffers": lambda: count(row.buffers),
        "bytes": lambda: count(row.params * DTYPE_BYTES[report.dtype]),
    }
    return [cells[k]() for k in keys]
