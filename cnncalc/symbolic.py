"""Symbolic sizes: sympy is imported here, and only when an input size is a name."""

from __future__ import annotations

from typing import Any

import sympy


def symbol(name: str) -> Any:
    return sympy.Symbol(name, integer=True, positive=True)


def sym_floordiv(a: Any, b: Any) -> Any:
    """floor(a/b), with floor(floor(x/m)/n) = floor(x/(m n)) for positive integers m, n
    (true for every integer x), so that repeated halvings read floor(H/4), not nested floors."""
    if isinstance(b, int) and b > 0:
        inner = _floor_of_quotient(a)
        if inner is not None:
            x, m = inner
            return sympy.floor(x / (m * b))
    return sympy.floor(sympy.Rational(1, 1) * a / b)


def _floor_of_quotient(a: Any) -> tuple[Any, int] | None:
    """(x + c m, m) when a = floor(x/m) + c, with x an integer expression and c, m integers,
    m > 0: then floor(a/n) = floor((x + c m)/(m n)). A ceiling counts too, as
    ceil(x/m) = floor((x + m - 1)/m) for every integer x."""
    inner = _quotient_in(a, (sympy.floor, sympy.ceiling))
    if inner is None:
        return None
    kind, x, m, c = inner
    if kind is sympy.ceiling:
        x = x + m - 1
    return sympy.expand(x + c * m), m


def _quotient_in(a: Any, kinds: tuple[Any, ...]) -> tuple[Any, Any, int, Any] | None:
    """(kind, x, m, c) when a = kind(x/m) + c: x an integer expression, m > 0 and c integers."""
    c, rest = sympy.sympify(a).as_coeff_Add()
    kind = next((k for k in kinds if isinstance(rest, k)), None)
    if kind is None or not c.is_Integer:
        return None
    num, den = sympy.fraction(sympy.together(rest.args[0]))
    if den.is_Integer and int(den) > 0 and num.is_integer:
        return kind, num, int(den), c
    return None


def sym_ceildiv(a: Any, b: Any) -> Any:
    """ceil(a/b), nested ones collapsed as in sym_floordiv: ceil((ceil(x/m) + c)/n) =
    ceil((x + c m)/(m n)); over a floor, ceil(y/n) = floor((y + n - 1)/n) makes one floor.
    (Caffe's and PyTorch's ceil-mode pools after floored convs: GoogLeNet's pool5 read as
    four nested ceilings and a floor.)"""
    if isinstance(b, int) and b > 0:
        inner = _quotient_in(a, (sympy.floor, sympy.ceiling))
        if inner is not None:
            kind, x, m, c = inner
            if kind is sympy.ceiling:
                return sympy.ceiling(sympy.expand(x + c * m) / (m * b))
            return sym_floordiv(a + b - 1, b)
    return sympy.ceiling(sympy.Rational(1, 1) * a / b)


def sym_widest_bin(n: Any, m: int) -> Any:
    """The widest adaptive bin from symbolic n to m (see `layers.pool.widest_bin`): it depends on
    n mod m, so it is a Piecewise, which `bounded_field` then reads as "depends on H"."""
    q, r = sym_floordiv(n, m), sympy.Mod(n, m)
    divides = sympy.Or(*(sympy.Eq(r, d) for d in sympy.divisors(m) if d < m))
    return q + sympy.Piecewise((0, sympy.Eq(r, 0)), (1, divides), (2, True))


DEPENDS = "depends on "
FIELD_OPS_LIMIT = 40  # EfficientNet-B0's longest exact rf has 30 (docs/performance.md)


def bounded_field(value: Any) -> Any:
    """A symbolic rf or jump as it is, or, when it is a case analysis (Piecewise, Max) or longer
    than FIELD_OPS_LIMIT operations, the opaque symbol `depends on H`: a user reads that better
    than a screenful of nested maxima, and printing such expressions took 51 s on EfficientNet-B0
    (issue 13). Anything computed from `depends on H` depends on H too."""
    names = sorted({str(s) for s in value.free_symbols})
    if any(name.startswith(DEPENDS) for name in names):
        inputs = sorted({part for name in names for part in _depends_on(name)})
    elif value.has(sympy.Piecewise, sympy.Max) or sympy.count_ops(value) > FIELD_OPS_LIMIT:
        inputs = names
    else:
        return value
    return sympy.Symbol(DEPENDS + ", ".join(inputs))


def is_depends(value: Any) -> bool:
    return isinstance(value, sympy.Symbol) and value.name.startswith(DEPENDS)


def _depends_on(name: str) -> list[str]:
    return name[len(DEPENDS):].split(", ") if name.startswith(DEPENDS) else [name]


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


def sym_equal(a: Any, b: Any) -> bool | None:
    diff = sympy.simplify(a - b)
    if diff == 0:
        return True
    if diff.is_number:
        return False
    return None


def shortcut_stride(n_in: Any, n_out: Any) -> int | None:
    """The smallest s with floor((n_in - 1)/s) + 1 = n_out, for symbolic sizes.

    A candidate must first hold at a few sample sizes (exact integer arithmetic, microseconds)
    before sympy.simplify (tens of milliseconds) is asked: 64 simplifications took 5 s when no
    stride fits."""
    n_in, n_out = sympy.sympify(n_in), sympy.sympify(n_out)
    names = sorted(n_in.free_symbols | n_out.free_symbols, key=str)
    samples = [dict.fromkeys(names, v) for v in (997, 1024, 1531)]
    for s in range(1, 65):
        diff = sym_floordiv(n_in - 1, s) + 1 - n_out
        if any(sympy.sympify(diff).subs(sample) != 0 for sample in samples):
            continue
        if sympy.simplify(diff) == 0:
            return s
    return None


def substitute(value: Any, values: dict[str, int]) -> Any:
    if isinstance(value, int):
        return value
    return value.subs({symbol(k): v for k, v in values.items()})


class _Printer(sympy.printing.str.StrPrinter):
    """floor((H - 1)/2) rather than sympy's floor(H/2 - 1/2): the course's way of writing it."""

    def _print_floor(self, expr: Any) -> str:
        return f"floor({self._quotient(expr.args[0])})"

    def _print_ceiling(self, expr: Any) -> str:
        return f"ceil({self._quotient(expr.args[0])})"

    def _quotient(self, arg: Any) -> str:
        num, den = sympy.fraction(sympy.together(arg))
        if den == 1:
            return self._print(num)
        top = self._print(sympy.expand(num))
        if not (num.is_Symbol or num.is_Integer):
            top = f"({top})"
        return f"{top}/{self._print(den)}"


_PRINTER = _Printer()


def show(value: Any) -> str:
    return _PRINTER.doprint(value)
