"""Symbolic sizes: sympy is imported here, and only when an input size is a name."""

from __future__ import annotations

from typing import Any

import sympy


def symbol(name: str) -> Any:
    return sympy.Symbol(name, integer=True, positive=True)


def sym_floordiv(a: Any, b: Any) -> Any:
    return sympy.floor(sympy.Rational(1, 1) * a / b)


def sym_ceildiv(a: Any, b: Any) -> Any:
    return sympy.ceiling(sympy.Rational(1, 1) * a / b)


def sym_mod(a: Any, b: Any) -> Any:
    return sympy.Mod(a, b)


def sym_max(a: Any, b: Any) -> Any:
    return sympy.Max(a, b)


def sym_truth(cond: Any) -> bool | None:
    """A decided comparison as a bool; None while it depends on the symbols."""
    if cond in (sympy.true, True):
        return True
    if cond in (sympy.false, False):
        return False
    return None


def shortcut_stride(n_in: Any, n_out: Any) -> int | None:
    """The smallest s with floor((n_in - 1)/s) + 1 = n_out, for symbolic sizes."""
    for s in range(1, 65):
        if sympy.simplify(sym_floordiv(n_in - 1, s) + 1 - n_out) == 0:
            return s
    return None


def substitute(value: Any, values: dict[str, int]) -> Any:
    if isinstance(value, int):
        return value
    return value.subs({sympy.Symbol(k, integer=True, positive=True): v for k, v in values.items()})
