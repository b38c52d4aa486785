"""The protobuf wire format, walked over a memory map: the fields of a message, and a file's
structure without its weights.

`fields` yields each field's number, wire type and byte span (every length checked against its
message), for `onnx_proto` to decode. `skeleton` copies every field of the model except the payload
of large initializers (their dims, type and name stay): a 500 MB model becomes a few hundred
kilobytes that `onnx.load` parses in milliseconds, for ONNX's shape inference when an operator
nobody here knows needs it (`onnx_infer.onnx_fallback`). Small initializers (shape and axis
constants, up to `KEEP_BYTES`) are kept whole.

Wire format: each field is a varint key (field number << 3 | wire type) then a varint (type
0), 8 bytes (1), a varint length and that many bytes (2), or 4 bytes (5).
"""

from __future__ import annotations

from collections.abc import Iterator

KEEP_BYTES = 4096
_MODEL_GRAPH = 7  # ModelProto.graph
_GRAPH_INITIALIZER = 5  # GraphProto.initializer
# TensorProto payloads: float_data, int32_data, string_data, int64_data, raw_data, double_data, uint64_data
_TENSOR_DATA = frozenset({4, 5, 6, 7, 9, 10, 11})


class WireError(ValueError):
    """Bytes that are not a protobuf message."""


def varint(buf: memoryview, at: int, end: int) -> tuple[int, int]:
    """The varint at `at` and the position after it."""
    value = shift = 0
    while True:
        if at >= end or shift > 63:
            raise WireError("truncated or malformed varint")
        b = buf[at]
        at += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, at
        shift += 7


def signed(value: int) -> int:
    """A varint read as a two's complement int64 (negative ints take ten bytes on the wire)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def fields(buf: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int, int, int]]:
    """(field number, wire type, field start, payload start, payload end) of each field."""
    at = start
    while at < end:
        first = at
        key, at = varint(buf, at, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire == 0:
            _, stop = varint(buf, at, end)
        elif wire == 1:
            stop = at + 8
        elif wire == 2:
            length, at = varint(buf, at, end)
            stop = at + length
        elif wire == 5:
            stop = at + 4
        else:
            raise WireError(f"wire type {wire}")
        if stop > end:
            raise WireError("a field runs past the end of its message")
        yield number, wire, first, at, stop
        at = stop


def _length_field(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


def _tensor(buf: memoryview, start: int, end: int) -> bytes:
    if end - start <= KEEP_BYTES:
        return bytes(buf[start:end])
    return b"".join(bytes(buf[f:e]) for n, _, f, _, e in fields(buf, start, end) if n not in _TENSOR_DATA)


def _graph(buf: memoryview, start: int, end: int) -> bytes:
    parts = []
    for number, wire, first, at, stop in fields(buf, start, end):
        if number == _GRAPH_INITIALIZER and wire == 2:
            parts.append(_length_field(number, _tensor(buf, at, stop)))
        else:
            parts.append(bytes(buf[first:stop]))
    return b"".join(parts)


def skeleton(data: object) -> bytes:
    """The model's bytes without large initializers' payloads (`data`: bytes or an mmap)."""
    buf = memoryview(data)  # type: ignore[arg-type]
    parts = []
    for number, wire, first, at, stop in fields(buf, 0, len(buf)):
        if number == _MODEL_GRAPH and wire == 2:
            parts.append(_length_field(number, _graph(buf, at, stop)))
        else:
            parts.append(bytes(buf[first:stop]))
    return b"".join(parts)
