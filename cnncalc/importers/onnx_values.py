"""Small constant tensors as plain Python lists (no numpy): the values of small initializers and
Constant nodes, decoded from their TensorProto bytes with `struct`, and the element-wise work the
shape arithmetic of torch.onnx.export needs (`onnx_fold`): broadcasting, indexing, reshaping.

A `Const` holds its dims and its items in row-major order. An item is an int, a float, a bool, a
str (a named dynamic axis, from `Shape`), or None when unknown; arithmetic on anything but numbers
gives None. Sizes are bounded: a value of more than `MAX_ITEMS` items is not worked out (None).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

from .onnx_proto import Tensor
from .onnx_wire import WireError, fields, signed, varint

MAX_ITEMS = 1 << 16
FLOAT_TYPES = frozenset({1, 10, 11, 16})  # FLOAT, FLOAT16, DOUBLE, BFLOAT16
INT_TYPES = frozenset({2, 3, 4, 5, 6, 7, 12, 13})
# raw_data layout of each element type: struct format (bfloat16 is read as its 16 bits)
_RAW = {1: "f", 2: "B", 3: "b", 4: "H", 5: "h", 6: "i", 7: "q", 9: "?", 10: "e", 11: "d", 12: "I", 13: "Q", 16: "H"}
# the typed field that holds each element type when raw_data is not used
_FIELD = {1: 4, 2: 5, 3: 5, 4: 5, 5: 5, 6: 5, 9: 5, 10: 5, 16: 5, 7: 7, 11: 10, 12: 11, 13: 11, 8: 6}


@dataclass(frozen=True, slots=True)
class Const:
    dims: tuple[int, ...]
    items: tuple[Any, ...]

    @property
    def size(self) -> int:
        return len(self.items)

    def first(self) -> Any:
        return self.items[0] if self.items else None

    def numbers(self) -> list[float] | None:
        """The items as floats, or None if one is not a number."""
        if not all(_is_number(x) for x in self.items):
            return None
        return [float(x) for x in self.items]

    @property
    def is_float(self) -> bool:
        return any(isinstance(x, float) for x in self.items)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def count(dims: tuple[int, ...] | list[int]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def make(dims: list[int] | tuple[int, ...], items: list[Any]) -> Const | None:
    dims = tuple(int(d) for d in dims)
    if any(d < 0 for d in dims) or count(dims) != len(items) or len(items) > MAX_ITEMS:
        return None
    return Const(dims, tuple(items))


def decode(t: Tensor) -> Const | None:
    """The values of a small tensor, or None (a large one, external data, an unknown type, a count
    that does not match its dims). Raises nothing."""
    if t.body is None or count(t.dims) > MAX_ITEMS:
        return None
    try:
        items = _items(t)
    except (WireError, struct.error, ValueError, OverflowError):
        return None
    return None if items is None else make(t.dims, items)


def _items(t: Tensor) -> list[Any] | None:
    buf = memoryview(t.body)  # type: ignore[arg-type]
    raw: memoryview | None = None
    typed: list[Any] = []
    want = _FIELD.get(t.data_type)
    for number, wire, _, at, stop in fields(buf, 0, len(buf)):
        if number == 9 and wire == 2:
            raw = buf[at:stop]
        elif number == want and want in (4, 10):
            size = 4 if want == 4 else 8
            fmt = "<f" if size == 4 else "<d"
            if wire == 2:
                typed.extend(v for (v,) in struct.iter_unpack(fmt, buf[at:stop]))
            elif wire == (5 if size == 4 else 1):
                typed.append(struct.unpack_from(fmt, buf, at)[0])
        elif number == want and want == 6 and wire == 2:
            typed.append(str(buf[at:stop], "utf-8"))
        elif number == want:
            if wire == 2:
                while at < stop:
                    value, at = varint(buf, at, stop)
                    typed.append(value)
            elif wire == 0:
                typed.append(varint(buf, at, stop)[0])
    n = count(t.dims)
    kind = t.data_type
    if raw is not None:
        fmt = _RAW.get(kind)
        if fmt is None or len(raw) != n * struct.calcsize(fmt):
            return None
        items = list(struct.unpack(f"<{n}{fmt}", raw))
        if kind == 16:
            items = [struct.unpack("<f", struct.pack("<I", b << 16))[0] for b in items]
        return items
    if len(typed) != n:
        return None
    if kind in (7, 6, 5, 3):  # signed: a negative value is a ten-byte varint
        return [_wrap(signed(v), kind) for v in typed]
    if kind == 9:
        return [bool(v) for v in typed]
    if kind == 10:
        return [struct.unpack("<e", struct.pack("<H", v & 0xFFFF))[0] for v in typed]
    if kind == 16:
        return [struct.unpack("<f", struct.pack("<I", (v & 0xFFFF) << 16))[0] for v in typed]
    return typed


def _wrap(v: int, kind: int) -> int:
    bits = {3: 8, 5: 16, 6: 32, 7: 64}[kind]
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >= 1 << (bits - 1) else v


def scalar(value: Any) -> Const:
    return Const((), (value,))


def vector(values: list[Any]) -> Const:
    return Const((len(values),), tuple(values))


# ---- indexing -----------------------------------------------------------------------------------


def _strides(dims: tuple[int, ...]) -> list[int]:
    out = [1] * len(dims)
    for i in range(len(dims) - 2, -1, -1):
        out[i] = out[i + 1] * dims[i + 1]
    return out


def _coords(dims: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every index of a tensor of `dims`, row-major (callers bound the count first)."""
    out: list[tuple[int, ...]] = [()]
    for d in dims:
        out = [c + (i,) for c in out for i in range(d)]
    return out


def broadcast_dims(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a2, b2):
        if x != y and 1 not in (x, y):
            return None
        out.append(y if x == 1 else x)
    return tuple(out)


def broadcast(x: Const, dims: tuple[int, ...]) -> Const | None:
    """x's items repeated to `dims` (numpy's broadcasting)."""
    if count(dims) > MAX_ITEMS or broadcast_dims(x.dims, dims) != dims:
        return None
    pad = (1,) * (len(dims) - len(x.dims)) + x.dims
    strides = _strides(pad)
    items = [x.items[sum(i * s for i, s, d in zip(c, strides, pad) if d != 1)] for c in _coords(dims)]
    return Const(dims, tuple(items))


def elementwise(fn: Any, *args: Const) -> Const | None:
    dims: tuple[int, ...] | None = args[0].dims
    for a in args[1:]:
        dims = broadcast_dims(dims, a.dims) if dims is not None else None
    if dims is None:
        return None
    spread = [broadcast(a, dims) for a in args]
    if any(s is None for s in spread):
        return None
    out = []
    for values in zip(*(s.items for s in spread)):  # type: ignore[union-attr]
        try:
            out.append(fn(*values))
        except (TypeError, ValueError, ArithmeticError):
            out.append(None)
    return Const(dims, tuple(out))


def reshape(x: Const, target: list[int], allowzero: bool = False) -> Const | None:
    dims = resolve_reshape(list(x.dims), target, allowzero)
    if dims is None or any(not isinstance(d, int) for d in dims):
        return None
    return make(dims, list(x.items))


def resolve_reshape(src: list[Any], target: list[Any], allowzero: bool = False) -> list[Any] | None:
    """Reshape's output dims: 0 copies the input's dim (unless allowzero), one -1 takes the rest.
    Dims may be names (dynamic axes) or None; the -1 is worked out when the names cancel."""
    out = [src[i] if d == 0 and not allowzero and i < len(src) else d for i, d in enumerate(target)]
    if sum(1 for d in out if d == -1) > 1 or any(isinstance(d, int) and d < -1 for d in out):
        return None
    if -1 not in out:
        return out
    num, den = _factors(src), _factors([d for d in out if d != -1])
    if num is None or den is None:
        out[out.index(-1)] = None
        return out
    (n_int, n_sym), (d_int, d_sym) = num, den
    rest = list(n_sym)
    for s in d_sym:
        if s in rest:
            rest.remove(s)
        else:
            rest = ["?"]
            break
    ok = not rest and d_int and n_int % d_int == 0
    out[out.index(-1)] = n_int // d_int if ok else None
    return out


def _factors(dims: list[Any]) -> tuple[int, list[Any]] | None:
    n, syms = 1, []
    for d in dims:
        if isinstance(d, bool) or d is None:
            return None
        if isinstance(d, int):
            n *= d
        else:
            syms.append(d)
    return n, syms


def gather(x: Const, idx: Const, axis: int) -> Const | None:
    if not x.dims:
        return None
    axis %= len(x.dims)
    size = x.dims[axis]
    dims = x.dims[:axis] + idx.dims + x.dims[axis + 1:]
    if count(dims) > MAX_ITEMS or not all(isinstance(i, int) and -size <= i < size for i in idx.items):
        return None
    strides = _strides(x.dims)
    items = []
    for c in _coords(dims):
        before, picked, after = c[:axis], c[axis:axis + len(idx.dims)], c[axis + len(idx.dims):]
        i = idx.items[sum(p * s for p, s in zip(picked, _strides(idx.dims)))] % size
        full = before + (i,) + after
        items.append(x.items[sum(a * s for a, s in zip(full, strides))])
    return Const(dims, tuple(items))


def concat(parts: list[Const], axis: int) -> Const | None:
    parts = [p if p.dims else Const((1,), p.items) for p in parts]
    rank = len(parts[0].dims)
    if any(len(p.dims) != rank for p in parts) or sum(p.size for p in parts) > MAX_ITEMS:
        return None
    axis %= rank
    if any(p.dims[:axis] != parts[0].dims[:axis] or p.dims[axis + 1:] != parts[0].dims[axis + 1:] for p in parts):
        return None
    outer = count(parts[0].dims[:axis])
    items: list[Any] = []
    for o in range(outer):
        for p in parts:
            block = count(p.dims[axis:])
            items.extend(p.items[o * block:(o + 1) * block])
    dims = parts[0].dims[:axis] + (sum(p.dims[axis] for p in parts),) + parts[0].dims[axis + 1:]
    return make(dims, items)


def take(x: Const, starts: list[int], ends: list[int], axes: list[int], steps: list[int]) -> Const | None:
    """Slice: per axis, range(start, end, step) clamped as ONNX (and Python) do."""
    rank = len(x.dims)
    ranges = [range(d) for d in x.dims]
    for s, e, a, st in zip(starts, ends, axes, steps):
        if not rank or st == 0:
            return None
        a %= rank
        ranges[a] = range(x.dims[a])[slice(s, e, st)]
    dims = tuple(len(r) for r in ranges)
    if count(dims) > MAX_ITEMS:
        return None
    strides = _strides(x.dims)
    out: list[tuple[int, ...]] = [()]
    for r in ranges:
        out = [c + (i,) for c in out for i in r]
    return Const(dims, tuple(x.items[sum(i * s for i, s in zip(c, strides))] for c in out))


def transpose(x: Const, perm: list[int] | None) -> Const | None:
    rank = len(x.dims)
    if rank == 0:
        return x
    perm = list(perm) if perm is not None else list(range(rank))[::-1]
    if len(perm) != rank or sorted(p % rank for p in perm) != list(range(rank)):
        return None
    perm = [p % rank for p in perm]
    dims = tuple(x.dims[p] for p in perm)
    strides = _strides(x.dims)
    return Const(dims, tuple(x.items[sum(c[perm.index(a)] * strides[a] for a in range(rank))] for c in _coords(dims)))


def arange(start: Any, limit: Any, delta: Any) -> Const | None:
    if not all(_is_number(v) for v in (start, limit, delta)) or delta == 0:
        return None
    n = max(math.ceil((limit - start) / delta), 0)
    if n > MAX_ITEMS:
        return None
    return vector([start + i * delta for i in range(n)])
