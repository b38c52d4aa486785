"""What every layer kind shares: shapes, costs, and argument types declared as data."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from .. import dims
from ..dims import Dim
from ..errors import ShapeError
from ..values import Frozen, init
from .steps import QUIET, Work, num

Shape = tuple[Dim, ...]  # (n_H, n_W, n_C) or (units,)
Pair = tuple[Dim, Dim]
Padding = tuple[Dim, Dim, Dim, Dim]  # top, bottom, left, right


class Cost(Frozen):
    """What one layer does to its input: output shape and what it costs."""

    __slots__ = ("output", "weights", "biases", "buffers", "macs", "padding", "notes")
    output: Shape
    weights: Dim  # learned weights (kernels, gamma)
    biases: Dim  # learned biases (bias, beta)
    buffers: Dim  # non-learned state (BN running statistics)
    macs: Dim  # multiplications by weights
    padding: Padding | None  # padding actually applied (top, bottom, left, right)
    notes: tuple[str, ...]  # warnings, such as floored divisions

    def __init__(self, output: Shape, weights: Dim = 0, biases: Dim = 0, buffers: Dim = 0, macs: Dim = 0,
                 padding: Padding | None = None, notes: tuple[str, ...] = ()) -> None:
        init(self, "output", output)
        init(self, "weights", weights)
        init(self, "biases", biases)
        init(self, "buffers", buffers)
        init(self, "macs", macs)
        init(self, "padding", padding)
        init(self, "notes", notes)

    @property
    def params(self) -> Dim:
        return self.weights + self.biases


class Window(Frozen):
    """How a layer moves over its input, for receptive fields: r += (k-1)*jump, jump *= s."""

    __slots__ = ("kernel", "stride", "whole_input", "bins")
    kernel: tuple[Any, Any]  # effective size d(f-1)+1
    stride: tuple[Any, Any]  # may be a Fraction (upsampling)
    whole_input: bool  # global pools see all of their input
    bins: bool  # adaptive pooling: windows start n/m apart, not every s

    def __init__(self, kernel: tuple[Any, Any] = (1, 1), stride: tuple[Any, Any] = (1, 1),
                 whole_input: bool = False, bins: bool = False) -> None:
        init(self, "kernel", kernel)
        init(self, "stride", stride)
        init(self, "whole_input", whole_input)
        init(self, "bins", bins)


IDENTITY_WINDOW = Window()


class Layer:
    """Base of all layer kinds, with `ARGS` declared as data. A kind's fields are its annotated
    class attributes, with their defaults, as a dataclass would write them (`filters: int`,
    `s: Pair = (1, 1)`); this base gives it, without `dataclasses` (whose `exec` of five methods
    a class was most of a kind's import), what `@dataclass(frozen=True)` gave: `__init__` by
    position or keyword (then `__post_init__`, where a kind checks its arguments together),
    `==`, `hash` and `repr` from the fields, and no assignment after `__init__`. A kind that is
    still a dataclass (a plug-in's) keeps its own methods."""

    KIND: ClassVar[str]
    ARGS: ClassVar[dict[str, Arg]] = {}
    MAIN_ARG: ClassVar[str | None] = None  # the key of `- kind: SCALAR`
    MIN_INPUTS: ClassVar[int] = 1
    MAX_INPUTS: ClassVar[int] = 1
    FIELDS: ClassVar[tuple[str, ...]] = ()  # the annotated attributes, the base class's first
    DEFAULTS: ClassVar[dict[str, Any]] = {}  # each field's default: REQUIRED when it has none

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = list(cls.FIELDS)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if not str(annotation).startswith(("ClassVar", "typing.ClassVar")) and name not in names:
                names.append(name)
        cls.FIELDS = tuple(names)
        # a default is a value given in a kind's class body (not a method of Layer's of that name)
        cls.DEFAULTS = {name: next((k.__dict__[name] for k in cls.__mro__[:cls.__mro__.index(Layer)]
                                    if name in k.__dict__), REQUIRED) for name in names}
        if not cls.__dict__.get("__doc__"):  # as a dataclass: the signature (the schema shows it)
            cls.__doc__ = f"{cls.__name__}({', '.join(_parameter(cls, name) for name in names)})"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        if len(args) > len(cls.FIELDS):
            raise TypeError(f"{cls.__name__} takes {len(cls.FIELDS)} arguments, got {len(args)}")
        values = dict(zip(cls.FIELDS, args))
        for name, value in kwargs.items():
            if name not in cls.FIELDS or name in values:
                raise TypeError(f"{cls.__name__} got an unexpected or repeated argument '{name}'")
            values[name] = value
        for name in cls.FIELDS:
            if name not in values:
                default = cls.DEFAULTS[name]
                if default is REQUIRED:
                    raise TypeError(f"{cls.__name__} is missing the argument '{name}'")
                values[name] = default
        object.__setattr__(self, "__dict__", values)
        if hasattr(cls, "__post_init__"):
            self.__post_init__()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field '{name}' of a {type(self).__name__}: layers are values")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field '{name}' of a {type(self).__name__}: layers are values")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in type(self).FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).FIELDS)
        return f"{type(self).__qualname__}({shown})"

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:  # pragma: no cover - abstract
        """Output shape and costs; `work` records the worked steps (only `explain` passes one)."""
        raise NotImplementedError

    def window(self, inputs: Sequence[Shape]) -> Window:
        return IDENTITY_WINDOW

    def extent(self, n: Any, k: Any, axis: int) -> str:
        """Where k, the input values one output value reads along `axis`, comes from (explain)."""
        f, d = _hw(getattr(self, "f", None)), _hw(getattr(self, "dilation", 1))
        # k is its own note: "with k = d(f - 1) + 1 = 6 + (5 - 1) x 2 = 14" read as if k were 14
        if f is not None and d is not None and d[axis] != 1:
            return f"k = d(f - 1) + 1 = {num(d[axis])} × ({num(f[axis])} - 1) + 1 = {num(k)}"
        return f"k = {num(k)}, the window's size" + (" (f)" if f is not None else "")


def _parameter(cls: type, name: str) -> str:
    """`s: 'Pair' = (1, 1)`, as `inspect.signature` shows a dataclass's __init__ parameter."""
    annotation = next(k.__dict__["__annotations__"][name] for k in cls.__mro__
                      if name in k.__dict__.get("__annotations__", {}))
    default = cls.DEFAULTS[name]  # type: ignore[attr-defined]
    return f"{name}: {annotation!r}" + ("" if default is REQUIRED else f" = {default!r}")


def _hw(value: Any) -> tuple[Any, Any] | None:
    """A size argument as (height, width), or None when the layer has no such argument."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (value[0], value[1])
    return None if value is None or isinstance(value, (tuple, list)) else (value, value)


# ---- argument types -------------------------------------------------------------------------

REQUIRED = object()


def field_defaults(cls: type[Layer]) -> dict[str, Any]:
    """Each field of a kind, in order, with its default (REQUIRED when it has none)."""
    if "__dataclass_fields__" in cls.__dict__:  # a kind written as a dataclass (a plug-in's)
        import dataclasses

        return {f.name: REQUIRED if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(cls)}
    return dict(cls.DEFAULTS)


class ArgError(ValueError):
    """A value of the wrong type or range; the caller attaches the location."""


class Arg(Frozen):
    """One key of a kind: how its value is read and checked, its default (or REQUIRED), its help."""

    __slots__ = ("parse", "default", "doc")
    parse: Callable[[Any], Any]
    default: Any
    doc: str

    def __init__(self, parse: Callable[[Any], Any], default: Any = REQUIRED, doc: str = "") -> None:
        init(self, "parse", parse)
        init(self, "default", default)
        init(self, "doc", doc)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


MAX_SIZE = 10**9  # a single size beyond this is surely a typo, and keeps counts bounded


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:  # as the YAML reads: `padding:` or `padding: null`
        return "null"
    return repr(value) if not isinstance(value, bool) else str(value).lower()


def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or type(value).__module__.startswith(
        "sympy"
    )


def int_at_least(low: int) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if not _is_int(value):
            raise ArgError(f"expected an integer, got {_describe(value)}")
        if isinstance(value, int) and value < low:
            word = "a positive integer" if low == 1 else f"an integer of at least {low}"
            raise ArgError(f"expected {word}, got {value}")
        if isinstance(value, int) and value > MAX_SIZE:
            raise ArgError(f"{value:,} is larger than the limit of {MAX_SIZE:,}")
        return value

    parse.__doc__ = "integer" if low < 1 else "positive integer"
    return parse


positive = int_at_least(1)
nonnegative = int_at_least(0)


def pair_of(item: Callable[[Any], Any]) -> Callable[[Any], Pair]:
    """An int for both height and width, or an [h, w] pair."""

    def parse(value: Any) -> Pair:
        if isinstance(value, list):
            if len(value) != 2:
                raise ArgError(f"expected an integer or an [h, w] pair, got a list of {len(value)}")
            return (item(value[0]), item(value[1]))
        v = item(value)
        return (v, v)

    return parse


positive_pair = pair_of(positive)
nonnegative_pair = pair_of(nonnegative)


def padding_arg(value: Any) -> Any:
    """`valid`, `same`, p, [p_h, p_w] or [top, bottom, left, right]."""
    if isinstance(value, str):
        word = value.lower()
        if word in ("valid", "same"):
            return word
        raise ArgError(f"expected 'valid', 'same', an integer or a list, got '{value}'")
    if isinstance(value, list):
        if len(value) == 2:
            ph, pw = (nonnegative(v) for v in value)
            return (ph, ph, pw, pw)
        if len(value) == 4:
            return tuple(nonnegative(v) for v in value)
        raise ArgError(
            f"padding takes p, [p_h, p_w] or [top, bottom, left, right], got a list of {len(value)}"
        )
    p = nonnegative(value)
    return (p, p, p, p)


def pad_amount(value: Any) -> Any:
    """zeropad's: p, [p_h, p_w] or [top, bottom, left, right] (no `valid` or `same`)."""
    pad = padding_arg(value)
    if isinstance(pad, str):
        raise ArgError(f"zeropad takes p, [p_h, p_w] or [top, bottom, left, right], got '{value}'")
    return pad


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ArgError(f"expected true or false, got {_describe(value)}")
    return value


_EXPONENT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+")


def number(value: Any) -> float:
    if isinstance(value, str) and _EXPONENT.fullmatch(value.strip()):
        value = float(value)  # YAML 1.1 reads `1e-6` (no dot) as text; it means a number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ArgError(f"expected a number, got {_describe(value)}")
    return float(value)


def fraction(value: Any) -> float:
    v = number(value)
    if not 0 <= v < 1:
        raise ArgError(f"expected a rate from 0 up to (not including) 1, got {value}")
    return v


def choice(*options: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            listed = ", ".join(options)
            raise ArgError(f"expected one of {listed}, got {_describe(value)}")
        return value.lower()

    parse.__doc__ = " | ".join(options)
    return parse


def size_pair(value: Any) -> Pair:
    """[h, w] (or one integer for both)."""
    return positive_pair(value)


ACTIVATIONS = (
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish",
    "sigmoid", "hard_sigmoid", "hardswish", "tanh", "softmax", "softplus", "linear", "identity",
)  # fmt: skip


def activation_name(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ArgError(f"expected an activation name, got {_describe(value)}")
    name = value.lower()
    if name not in ACTIVATIONS:
        from ..suggest import did_you_mean

        raise ArgError(f"unknown activation '{value}'{did_you_mean(name, ACTIVATIONS)}")
    return name


# ---- shape helpers --------------------------------------------------------------------------


def need_volume(kind: str, shape: Shape) -> tuple[Dim, Dim, Dim]:
    if len(shape) != 3:
        raise ShapeError(
            f"{kind} needs an n_H x n_W x n_C input, got {format_shape(shape)} "
            "(a flatten or fc before it makes a vector)"
        )
    return shape[0], shape[1], shape[2]


def format_shape(shape: Sequence[Any]) -> str:
    return " x ".join(str(d) for d in shape) if len(shape) != 1 else f"[{shape[0]}]"


def inputs_error(kind: str, needs: str, inputs: Sequence[Shape]) -> ShapeError:
    """`KIND needs RULE, got A, B`: a merge whose inputs do not line up, every input's shape named."""
    return ShapeError(f"{kind} needs {needs}, got {', '.join(format_shape(s) for s in inputs)}")


def need_equal(kind: str, needs: str, inputs: Sequence[Shape], last_may_differ: bool = False) -> None:
    """Every input of the rank of the first and of its sizes (all but the last axis, when
    `last_may_differ`); a symbolic size counts as equal unless provably different (`constraints`
    finds when they align)."""
    first = inputs[0]
    upto = len(first) - 1 if last_may_differ else len(first)
    for other in inputs[1:]:
        if len(other) != len(first) or any(dims.equal(a, b) is False for a, b in zip(first[:upto], other[:upto])):
            raise inputs_error(kind, needs, inputs)


def positive_or_error(value: Dim, what: str) -> None:
    if dims.is_true(value <= 0) is True:
        raise ShapeError(f"{what} would be {value}, not positive")

