"""Integer arithmetic on sizes that may also be symbolic (sympy) expressions.

Concrete sizes are Python ints and never touch sympy; symbolic ones are sympy expressions,
and sympy is imported only when one exists (see `cnncalc.symbolic`).
"""

from __future__ import annotations

from typing import Any

Dim = Any  # int, or a sympy expression in symbolic mode


def is_concrete(x: Dim) -> bool:
    return isinstance(x, int)


def floordiv(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a // b
    from .symbolic import sym_floordiv

    return sym_floordiv(a, b)


def ceildiv(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return -(-a // b)
    from .symbolic import sym_ceildiv

    return sym_ceildiv(a, b)


def mod(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a % b
    from .symbolic import sym_mod

    return sym_mod(a, b)


def maximum(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return max(a, b)
    from .symbolic import sym_max

    return sym_max(a, b)


def is_true(cond: Any) -> bool | None:
    """True/False when a comparison is decided, None when it depends on the symbols."""
    if isinstance(cond, bool):
        return cond
    from .symbolic import sym_truth

    return sym_truth(cond)


def equal(a: Dim, b: Dim) -> bool | None:
    """a == b for sizes: None when it depends on the symbols."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    from .symbolic import sym_equal

    return sym_equal(a, b)


def product(values: Any) -> Dim:
    out: Dim = 1
    for v in values:
        out = out * v
    return out
