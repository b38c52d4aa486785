"""What one leaf becomes in the PyTorch export: its constructor and how forward calls it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .pytorch_helpers import ACTIVATION_FUNCTIONS


@dataclass(slots=True)
class Code:
    """One leaf as code: its constructor, and how forward calls it on its inputs' variables."""

    init: str
    call: Callable[..., str]  # (input variables, one_a_line=False) -> forward's expression
    helpers: set[str] = field(default_factory=set)
    note: str = ""  # a remark for the constructor's comment


# ---- one leaf ----------------------------------------------------------------------------------


def _pair(p: Sequence[Any]) -> str:
    return str(p[0]) if p[0] == p[1] else f"({p[0]}, {p[1]})"


def _kwargs(**items: Any) -> str:
    return "".join(f", {k}={v}" for k, v in items.items() if v is not None)


def calls(attr: str, pre: str = "{}", activation: str | None = None) -> Callable[..., str]:
    """forward's expression: `pre` wraps the (single) input, the activation wraps the output."""
    post = ACTIVATION_FUNCTIONS[activation] if activation else "{}"

    def call(args: list[str], one_a_line: bool = False) -> str:
        if len(args) == 1:
            inner = pre.format(args[0])
        elif one_a_line:
            inner = "".join(f"\n            {a}," for a in args) + "\n        "
        else:
            inner = ", ".join(args)
        return post.format(f"self.{attr}({inner})")

    return call


def _pad_call(pad: Sequence[Any], value: str | None = None) -> str:
    """F.pad around the input for (top, bottom, left, right); F.pad takes (left, right, top, bottom)."""
    top, bottom, left, right = pad
    extra = f", value={value}" if value else ""
    return f"F.pad({{}}, ({left}, {right}, {top}, {bottom}){extra})"
