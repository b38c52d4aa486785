"""A small parser of protobuf text format (what Caffe's .prototxt files are), keeping locations.

No schema is needed: a message is a list of fields in file order, each a name with a scalar
(number, string, or enum word) or a nested message, so repeated fields (`bottom`, `dim`,
`layer`) simply occur more than once. Accepted: `name: value`, `name { ... }`, `name: { ... }`,
`< ... >` as braces, `[a, b]` lists of scalars, `#` comments, `,`/`;` separators, single- or
double-quoted strings with C escapes, adjacent strings concatenated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnError, Location

MAX_DEPTH = 100

_TOKEN = re.compile(
    r"""(?P<ws>[ \t\r\f\v]+)|(?P<nl>\n)|(?P<comment>\#[^\n]*)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<number>[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fF]?)(?![A-Za-z_0-9]))
    |(?P<ident>[-+]?[A-Za-z_][A-Za-z0-9_.]*)
    |(?P<punct>[{}<>:\[\],;])""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b",
            "f": "\f", "v": "\v", "?": "?"}


@dataclass(frozen=True, slots=True)
class Enum:
    """An unquoted word value (`MAX`, `CONVOLUTION`, `true`)."""

    word: str

    def __str__(self) -> str:
        return self.word


@dataclass(slots=True)
class Field:
    name: str
    value: Any  # int | float | str | Enum | Message
    loc: Location  # of the field name
    value_loc: Location


@dataclass(slots=True)
class Message:
    loc: Location
    fields: list[Field] = field(default_factory=list)

    def all(self, name: str) -> list[Field]:
        return [f for f in self.fields if f.name == name]

    def first(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def values(self, name: str) -> list[Any]:
        return [f.value for f in self.fields if f.name == name]

    def get(self, name: str, default: Any = None) -> Any:
        """The last value of a field (protobuf: a repeated scalar read as optional takes the last)."""
        found = self.all(name)
        return found[-1].value if found else default

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    def loc_of(self, name: str) -> Location:
        f = self.first(name)
        return f.loc if f is not None else self.loc


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    loc: Location


def _tokens(text: str, filename: str) -> Iterator[_Tok]:
    line, line_start, pos = 1, 0, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        loc = Location(filename, line, pos - line_start + 1)
        if m is None:
            raise CnnError(f"unexpected character {text[pos]!r} in protobuf text", loc)
        kind = m.lastgroup or ""
        if kind == "nl":
            line, line_start = line + 1, m.end()
        elif kind not in ("ws", "comment"):
            yield _Tok(kind, m.group(), loc)
        pos = m.end()


def _unquote(raw: str, loc: Location) -> str:
    body, out, i = raw[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            assert m is not None
            out.append(chr(int(m.group(), 8)))
            i += 1 + len(m.group())
        elif nxt in "xX":
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:])
            if m is None:
                raise CnnError("bad \\x escape in a string", loc)
            out.append(chr(int(m.group(), 16)))
            i += 2 + len(m.group())
        else:
            raise CnnError(f"unknown escape '\\{nxt}' in a string", loc)
    return "".join(out)


def _number(text: str) -> int | float:
    t = text.rstrip("fF") if not text.lower().startswith(("0x", "-0x", "+0x")) else text
    if re.fullmatch(r"[-+]?\d+", t):
        return int(t)
    if re.fullmatch(r"[-+]?0[xX][0-9a-fA-F]+", t):
        return int(t, 16)
    return float(t)


def parse(text: str, filename: str) -> Message:
    """The top-level message of a protobuf text file; syntax errors are located."""
    toks = list(_tokens(text, filename))
    end = Location(filename, text.count("\n") + 1, 1)
    root = Message(Location(filename))
    stack: list[tuple[Message, str]] = [(root, "")]  # message, its closing brace
    i = 0

    def peek(k: int = 0) -> _Tok | None:
        return toks[i + k] if i + k < len(toks) else None

    while i < len(toks):
        tok = toks[i]
        msg, closer = stack[-1]
        if tok.kind == "punct" and tok.text in ",;":
            i += 1
            continue
        if tok.kind == "punct" and tok.text in "}>":
            if tok.text != closer:
                why = "" if closer else " (no message is open)"
                raise CnnError(f"unexpected '{tok.text}'{why}", tok.loc)
            stack.pop()
            i += 1
            continue
        if tok.kind != "ident":
            raise CnnError(f"expected a field name, got '{tok.text}'", tok.loc)
        name = tok.text
        i += 1
        nxt = peek()
        colon = nxt is not None and nxt.kind == "punct" and nxt.text == ":"
        if colon:
            i += 1
            nxt = peek()
        if nxt is None:
            raise CnnError(f"field '{name}' has no value (file ends)", end)
        if nxt.kind == "punct" and nxt.text in "{<":
            if len(stack) > MAX_DEPTH:
                raise CnnError(f"messages nested deeper than {MAX_DEPTH} levels", nxt.loc)
            child = Message(nxt.loc)
            msg.fields.append(Field(name, child, tok.loc, nxt.loc))
            stack.append((child, "}" if nxt.text == "{" else ">"))
            i += 1
            continue
        if not colon:
            raise CnnError(f"expected ':' or '{{' after field '{name}', got '{nxt.text}'", nxt.loc)
        if nxt.kind == "punct" and nxt.text == "[":
            i += 1
            while True:
                item = peek()
                if item is None:
                    raise CnnError(f"list of '{name}' is not closed with ']'", end)
                if item.kind == "punct" and item.text == "]":
                    i += 1
                    break
                if item.kind == "punct" and item.text == ",":
                    i += 1
                    continue
                i += 1
                msg.fields.append(Field(name, _scalar(item, name), tok.loc, item.loc))
            continue
        i += 1
        value = _scalar(nxt, name)
        while isinstance(value, str) and (follow := peek()) is not None and follow.kind == "string":
            value += _unquote(follow.text, follow.loc)  # "a" "b" is "ab"
            i += 1
        msg.fields.append(Field(name, value, tok.loc, nxt.loc))
    if len(stack) > 1:
        raise CnnError("a message is not closed (missing '}')", stack[-1][0].loc)
    return root


def _scalar(tok: _Tok, name: str) -> Any:
    if tok.kind == "string":
        return _unquote(tok.text, tok.loc)
    if tok.kind == "number":
        return _number(tok.text)
    if tok.kind == "ident":
        word = tok.text
        if word.lstrip("-+").lower() in ("inf", "infinity", "nan"):
            return float(word)
        return Enum(word)
    raise CnnError(f"expected a value for '{name}', got '{tok.text}'", tok.loc)
