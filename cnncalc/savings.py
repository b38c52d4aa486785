"""What a 1x1 bottleneck or a depthwise-separable pair saves over the plain convolution it replaces.

Two patterns, found on the leaf rows of a report (shape-keeping layers such as bn and relu may
sit between the pair, as long as nothing else reads them):

- bottleneck: a 1x1 conv that reduces channels, then a larger conv. The plain conv it replaces
  is the larger conv applied to the 1x1's input: (n_H x n_W x n_C) x (f x f x n_C_prev).
- separable: a depthwise conv, then a 1x1 conv. The plain conv it replaces has the depthwise
  conv's window and stride and the 1x1's output channels.

>>> plain_macs((28, 28, 32), (5, 5), 192)   # the course's 5x5 example
120422400
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .escape import visible
from .graph import Leaf
from .layers.conv import Conv
from .layers.depthwise import Depthwise
from .report import Report

# Layers that keep the shape and cost nothing worth counting: they may sit inside a pair.
_PASS_THROUGH = ("bn", "dropout", "identity", "activation")


@dataclass(frozen=True, slots=True)
class Saving:
    """A pair of layers and the plain convolution they replace."""

    pattern: str  # "bottleneck" | "separable"
    first: str  # the 1x1 (bottleneck) or depthwise (separable) layer
    second: str  # the larger conv (bottleneck) or the 1x1 (separable)
    f: tuple[int, int]
    n_c_prev: int  # channels into the pair
    middle: int  # channels between the two layers
    output: tuple[Any, ...]  # n_H, n_W, n_C out of the pair
    plain_macs: Any
    plain_params: Any
    actual_macs: tuple[Any, Any]  # first, second
    actual_params: tuple[Any, Any]
    bias: bool  # whether the plain conv would carry a bias (as the second layer does)

    @property
    def macs(self) -> Any:
        return self.actual_macs[0] + self.actual_macs[1]

    @property
    def params(self) -> Any:
        return self.actual_params[0] + self.actual_params[1]

    @property
    def macs_factor(self) -> float | None:
        return _ratio(self.plain_macs, self.macs)

    @property
    def params_factor(self) -> float | None:
        return _ratio(self.plain_params, self.params)

    @property
    def plain(self) -> str:
        """'5 x 5 conv, 192 -> 32 channels'."""
        return f"{self.f[0]} x {self.f[1]} conv, {self.n_c_prev} -> {self.output[2]} channels"

    @property
    def via(self) -> str:
        if self.pattern == "bottleneck":
            return f"1 x 1 bottleneck to {self.middle} channels, then {self.f[0]} x {self.f[1]}"
        return f"{self.f[0]} x {self.f[1]} depthwise, then 1 x 1 to {self.output[2]} channels"


def _ratio(a: Any, b: Any) -> float | None:
    if isinstance(a, int) and isinstance(b, int) and b:
        return a / b
    return None


def plain_macs(output: tuple[Any, ...], f: tuple[int, int], n_c_prev: Any) -> Any:
    """(n_H x n_W x n_C) x (f x f x n_C_prev)."""
    return output[0] * output[1] * output[2] * f[0] * f[1] * n_c_prev


def find(report: Report) -> list[Saving]:
    """Every bottleneck and separable pair in the report, in execution order."""
    if report.graph is None:
        return []
    leaves = report.graph.leaves
    readers: dict[str, list[Leaf]] = {}
    for leaf in leaves:
        for name in leaf.inputs:
            readers.setdefault(name, []).append(leaf)
    found = []
    for leaf in leaves:
        second = _next_conv(leaf, readers)
        if second is None or len(leaf.inputs) != 1:
            continue
        n_in = report.graph.shape_of(leaf.inputs[0])
        if len(n_in) != 3:
            continue
        saving = _bottleneck(leaf, second, n_in) or _separable(leaf, second, n_in)
        if saving is not None:
            found.append(saving)
    return found


def _next_conv(leaf: Leaf, readers: dict[str, list[Leaf]]) -> Leaf | None:
    """The one layer reading `leaf` through any shape-keeping layers, if nothing else reads it."""
    current = leaf
    while True:
        after = readers.get(current.name, [])
        if len(after) != 1 or len(after[0].inputs) != 1:
            return None
        nxt = after[0]
        if _kind(nxt) in _PASS_THROUGH:
            current = nxt
            continue
        return nxt if isinstance(nxt.layer, (Conv, Depthwise)) else None


def _kind(leaf: Leaf) -> str:
    return getattr(leaf.layer, "KIND", leaf.kind)


def _plain_conv(layer: Any) -> bool:
    return isinstance(layer, Conv) and layer.groups == 1 and layer.dilation == (1, 1)


def _is_1x1(layer: Any) -> bool:
    return _plain_conv(layer) and layer.f == (1, 1) and layer.s == (1, 1)


def _is_depthwise(layer: Any, c_in: Any) -> bool:
    if isinstance(layer, Depthwise):
        return layer.multiplier == 1 and layer.dilation == (1, 1)
    return isinstance(layer, Conv) and layer.groups == c_in == layer.filters and c_in != 1


def _bottleneck(first: Leaf, second: Leaf, n_in: tuple[Any, ...]) -> Saving | None:
    a, b = first.layer, second.layer
    c_in = n_in[2]
    if not (_is_1x1(a) and _plain_conv(b) and b.f != (1, 1)):
        return None
    if not (isinstance(c_in, int) and a.filters < c_in):
        return None
    if a.padding not in ("valid", (0, 0, 0, 0)):
        return None
    return _saving("bottleneck", first, second, b.f, c_in, a.filters, b.bias)


def _separable(first: Leaf, second: Leaf, n_in: tuple[Any, ...]) -> Saving | None:
    a, b = first.layer, second.layer
    c_in = n_in[2]
    if not (_is_depthwise(a, c_in) and _is_1x1(b)):
        return None
    if b.padding not in ("valid", (0, 0, 0, 0)):
        return None
    return _saving("separable", first, second, a.f, c_in, c_in, b.bias)


def _saving(
    pattern: str, first: Leaf, second: Leaf, f: tuple[int, int], c_in: Any, middle: Any, bias: bool
) -> Saving:
    out = tuple(second.output)
    weights = f[0] * f[1] * c_in * out[2]
    return Saving(
        pattern=pattern,
        first=first.name,
        second=second.name,
        f=f,
        n_c_prev=c_in,
        middle=middle,
        output=out,
        plain_macs=plain_macs(out, f, c_in),
        plain_params=weights + (out[2] if bias else 0),
        actual_macs=(first.cost.macs, second.cost.macs),
        actual_params=(first.cost.params, second.cost.params),
        bias=bias,
    )


def describe(s: Saving) -> list[str]:
    """Plain-text lines for `summarize --savings`."""

    def times(x: float | None) -> str:
        return f" ({x:.1f}x fewer)" if x is not None else ""

    return [
        f"{s.first} -> {s.second}: {s.via}, instead of a plain {s.plain}",
        f"  MACs:   plain {_count(s.plain_macs)} vs {_count(s.actual_macs[0])} + "
        f"{_count(s.actual_macs[1])} = {_count(s.macs)}{times(s.macs_factor)}",
        f"  params: plain {_count(s.plain_params)} vs {_count(s.actual_params[0])} + "
        f"{_count(s.actual_params[1])} = {_count(s.params)}{times(s.params_factor)}",
    ]


def _count(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


def text(report: Report, width: int | None = None) -> str:
    """`width` (a terminal's) breaks long lines at spaces, continuations indented under their line."""
    found = find(report)
    title = report.name or report.file
    if not found:
        lines = [f"Savings in {title}: no 1x1 bottleneck or depthwise-separable pair found"]
    else:
        lines = [f"Savings in {title} (the plain convolution each pair replaces):"]
        for s in found:
            lines.extend("  " + line for line in describe(s))
    lines = [visible(line) for line in lines]  # each one line, whatever the layer names hold
    if width is not None:
        import textwrap

        glue = "\0"  # keeps "(9.7x fewer)" on one line
        lines = [
            part.replace(glue, " ")
            for line in lines
            for part in textwrap.wrap(line.replace("x fewer)", f"x{glue}fewer)"), width,
                                      subsequent_indent=" " * (len(line) - len(line.lstrip()) + 4),
                                      break_long_words=False, break_on_hyphens=False) or [line]
        ]
    return "\n".join(lines) + "\n"
