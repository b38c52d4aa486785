"""The course's two views of a network (`summarize --format course|variables`).

`course`: the lecture's table, an Input row, shapes as tuples, parameters written as weights
plus bias (`CONV1 (f=5, s=1)  (28,28,6)  4,704  150 + 6 bias = 156`).
`variables`: TensorFlow's variable list (slim's `model_analyzer.analyze_vars`), one line per
stored tensor with its size and bytes, then the two totals. Both read `cnncalc.tensors`.
"""

from __future__ import annotations

from typing import Any

from .. import dims, tensors
from ..escape import terminal
from ..report import DTYPE_BYTES, Report, Row
from .values import count, text

# kinds that start a new numbered layer in the course's count (CONV1, POOL1, CONV2, ..., FC3)
_NUMBERED = {"conv", "depthwise", "deconv", "local", "fc"}
_CONV_LIKE = {"conv", "depthwise", "deconv", "local"}


def _tuple(shape: Any) -> str:
    """(28,28,6), and a vector as the course writes it: (120,1)."""
    parts = [text(d) for d in shape]
    return f"({parts[0]},1)" if len(parts) == 1 else f"({','.join(parts)})"


def _pair(value: Any) -> str:
    a, b = value
    return text(a) if a == b else f"{text(a)}x{text(b)}"


def _labels(rows: list[Row]) -> list[str]:
    """CONV1, POOL1, CONV2, POOL2, FC3, FC4, Softmax: the lecture's names, numbered by the
    layers that have weights; other rows take the number of the layer they follow."""
    n = 0
    out = []
    for row in rows:
        layer = row.leaf.layer if row.leaf is not None else None
        kind = type(layer).KIND if layer is not None else ""
        if kind in _NUMBERED:
            n += 1
        if kind == "fc" and getattr(layer, "activation", None) == "softmax":
            out.append("Softmax")
        elif kind in _CONV_LIKE:
            out.append(f"{row.kind.upper()}{n} (f={_pair(layer.f)}, s={_pair(layer.s)})")
        elif layer is None:  # a composite folded by --depth keeps its own name
            out.append(terminal(row.name))
        else:
            out.append(f"{row.kind.upper()}{max(n, 1)}")
    return out


def _params(row: Row) -> str:
    """150 + 6 bias = 156 (convolutions), 48,000 + 120 = 48,120 (FC), as the lecture writes them."""
    if dims.is_true(dims.equal(row.weights, 0)) is True or dims.is_true(dims.equal(row.biases, 0)) is True:
        return count(row.params)
    word = " bias" if row.leaf is not None and type(row.leaf.layer).KIND in _CONV_LIKE else ""
    return f"{count(row.weights)} + {count(row.biases)}{word} = {count(row.params)}"


def course(report: Report, rows: list[Row]) -> str:
    head = ["", "Activation shape", "Activation size", "# parameters"]
    table = [["Input:", _tuple(report.input), count(dims.product(report.input)), "0"]]
    table += [[label, _tuple(r.output), count(r.activations), _params(r)] for label, r in zip(_labels(rows), rows)]
    widths = [max(len(line[i]) for line in [head, *table]) for i in range(4)]

    def line(cells: list[str]) -> str:
        return (f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}  "
                f"{cells[3]}").rstrip()

    title = terminal(report.name or report.file)
    lines = [title, "", line(head), *(line(c) for c in table), ""]
    lines.append(f"Total parameters: {count(report.totals.params)}")
    return "\n".join(lines) + "\n"


_MARKS = {
    "gamma": "BN scale (gamma), learned", "beta": "BN shift (beta), learned",
    "moving_mean": "BN moving statistic, not learned (a buffer)",
    "moving_variance": "BN moving statistic, not learned (a buffer)",
}


def variables(report: Report, rows: list[Row], layout: str = "tf") -> str:
    """TensorFlow's listing: `conv1/kernel:0 (float32 5x5x1x6) [150, bytes: 600]` (with
    `--layout torch`, `conv1.weight (float32 6x1x5x5) [150, bytes: 600]`), then the totals."""
    nbytes = DTYPE_BYTES[report.dtype]
    lines = [terminal(report.name or report.file), "---------", "Variables: name (type shape) [size]", "---------"]
    size: Any = 0
    stored: Any = 0
    for named in tensors.of_rows(report, rows):
        for holder, t, kind in named:
            full = f"{holder}/{t.name}:0" if layout == "tf" else f"{holder}.{t.torch_name}"
            shape = "x".join(text(d) for d in t.shape(layout))
            mark = _MARKS.get(t.name, "") if kind == "bn" else ""
            lines.append(f"{terminal(full)} ({report.dtype} {shape}) [{text(t.count)}, bytes: "
                         f"{text(t.count * nbytes)}]" + (f"  {mark}" if mark else ""))
            size = size + t.count
            stored = stored + (t.count if t.role == "buffers" else 0)
    lines.append(f"Total size of variables: {text(size)}")
    lines.append(f"Total bytes of variables: {text(size * nbytes)}")
    if dims.is_true(dims.equal(stored, 0)) is not True:
        lines.append(f"(learned: {text(size - stored)}; BN moving statistics, not learned: {text(stored)})")
    return "\n".join(lines) + "\n"


def render(reports: list[tuple[Report, list[Row]]], fmt: str, layout: str = "tf") -> str:
    parts = [course(r, rows) if fmt == "course" else variables(r, rows, layout) for r, rows in reports]
    return "\n".join(parts)
