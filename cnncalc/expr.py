"""`$name` and `${expression}` in architecture files, evaluated without `eval`.

An expression is integers, names, `+ - * / // % ( )` and nothing else; `/` must divide exactly.
A small recursive-descent parser over a bounded token list keeps the work bounded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import dims
from .errors import CnnError

MAX_LENGTH = 500
MAX_NESTING = 50
MAX_MAGNITUDE = 10**18

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*/%()]))")
_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class ExprError(CnnError):
    pass


def substitute(text: str, env: Mapping[str, Any]) -> Any:
    """Value of a `$name` or `${expr}` string; other strings are returned unchanged."""
    if not text.startswith("$"):
        return text
    if text.startswith("${"):
        if not text.endswith("}"):
            raise ExprError(f"unterminated expression '{text}': expected '}}' at the end")
        return evaluate(text[2:-1], env)
    m = _REF.fullmatch(text)
    if m is None:
        raise ExprError(f"'{text}' is not a reference: write $name or ${{expression}}")
    return lookup(m.group(1), env)


def lookup(name: str, env: Mapping[str, Any]) -> Any:
    if name not in env:
        from .suggest import did_you_mean

        raise ExprError(f"unknown name '{name}'{did_you_mean(name, env)}")
    return env[name]


def evaluate(text: str, env: Mapping[str, Any]) -> Any:
    """Integer value (or symbolic expression) of `text`."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    tokens = _tokenize(text)
    parser = _Parser(tokens, env, text)
    value = parser.expr(0)
    if parser.pos != len(tokens):
        raise ExprError(f"unexpected '{tokens[parser.pos][1]}' in expression '{text}'")
    return value


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if m is None or m.end() == pos:
            bad = stripped[pos:].lstrip()[:1]
            hint = {
                ".": "attribute access and decimals are not allowed",
                "[": "subscripts are not allowed",
                "'": "strings are not allowed",
                '"': "strings are not allowed",
            }.get(bad, "only integers, names, + - * / // % and parentheses are allowed")
            raise ExprError(f"unexpected '{bad}' in expression '{text}': {hint}")
        if m.group(1):
            tokens.append(("int", m.group(1)))
        elif m.group(2):
            tokens.append(("name", m.group(2)))
        else:
            tokens.append(("op", m.group(3)))
        pos = m.end()
    if not tokens:
        raise ExprError("empty expression")
    for (k1, v1), (k2, v2) in zip(tokens, tokens[1:]):
        if k1 == "op" and k2 == "op" and v1 == "*" and v2 == "*":
            raise ExprError(f"'**' in expression '{text}': exponents are not allowed")
        if k1 in ("name",) and (k2, v2) == ("op", "("):
            raise ExprError(f"'{v1}(' in expression '{text}': calls are not allowed")
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], env: Mapping[str, Any], text: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.env = env
        self.text = text

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def expr(self, depth: int) -> Any:
        value = self.term(depth)
        while self.peek() in ("+", "-"):
            op = self.tokens[self.pos][1]
            self.pos += 1
            rhs = self.term(depth)
            value = _bounded(value + rhs if op == "+" else value - rhs)
        return value

    def term(self, depth: int) -> Any:
        value = self.unary(depth)
        while self.peek() in ("*", "/", "//", "%"):
            op = self.tokens[self.pos][1]
            self.pos += 1
            rhs = self.unary(depth)
            if op == "*":
                value = _bounded(value * rhs)
                continue
            if isinstance(rhs, int) and rhs == 0:
                raise ExprError(f"division by zero in expression '{self.text}'")
            if op == "//":
                value = dims.floordiv(value, rhs)
            elif op == "%":
                value = dims.mod(value, rhs)
            elif isinstance(value, int) and isinstance(rhs, int):
                if value % rhs:
                    raise ExprError(
                        f"{value} / {rhs} is not a whole number in '{self.text}' (use // to round down)"
                    )
                value = value // rhs
            else:
                value = value / rhs
        return value

    def unary(self, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise ExprError(f"expression nested deeper than {MAX_NESTING} levels")
        tok = self.peek()
        if tok in ("-", "+"):
            self.pos += 1
            value = self.unary(depth + 1)
            return -value if tok == "-" else value
        return self.atom(depth)

    def atom(self, depth: int) -> Any:
        if self.pos >= len(self.tokens):
            raise ExprError(f"expression '{self.text}' ends too early")
        kind, tok = self.tokens[self.pos]
        self.pos += 1
        if kind == "int":
            return _bounded(int(tok)) if len(tok) < 20 else _bounded(10**19)
        if kind == "name":
            value = lookup(tok, self.env)
            if isinstance(value, bool) or not _is_number(value):
                raise ExprError(f"'{tok}' is {value!r}, not an integer, in '{self.text}'")
            return value
        if tok == "(":
            value = self.expr(depth + 1)
            if self.peek() != ")":
                raise ExprError(f"missing ')' in expression '{self.text}'")
            self.pos += 1
            return value
        raise ExprError(f"unexpected '{tok}' in expression '{self.text}'")


def _is_number(value: Any) -> bool:
    if isinstance(value, int):
        return True
    return type(value).__module__.startswith("sympy")


def _bounded(value: Any) -> Any:
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"value larger than {MAX_MAGNITUDE:.0e} in expression")
    return value
