"""0-based (line, character) positions in a text, as LSP counts them, from 1-based Locations.

Characters are counted in code points; the server asks the client for that encoding and
falls back to UTF-16, which differs only on lines with characters beyond the BMP (rare in
network files: an emoji in a comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Location

_TOKEN = re.compile(r"\$\{[^}\n]*\}|\"[^\"\n]*\"|'[^'\n]*'|\[[^\]\n]*\]|\{[^}\n]*\}|[\w$.\-+]+|\S")
_WORD = re.compile(r"[\w$.\-]+")


@dataclass(frozen=True, slots=True)
class Span:
    line: int  # 0-based
    start: int
    end: int


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def span_at(lines: list[str], loc: Location) -> Span:
    """The token a diagnostic points at (a key, a value, a flow list), else one character."""
    line = min(max(loc.line - 1, 0), max(len(lines) - 1, 0))
    text = lines[line] if lines else ""
    start = min(max(loc.col - 1, 0), len(text))
    found = _TOKEN.match(text, start)
    end = found.end() if found else min(start + 1, len(text))
    return Span(line, start, max(end, start))


def word_at(lines: list[str], line: int, character: int) -> tuple[str, Span] | None:
    """The name under the cursor (letters, digits, `_ . - $`)."""
    if not 0 <= line < len(lines):
        return None
    text = lines[line]
    for found in _WORD.finditer(text):
        if found.start() <= character <= found.end():
            return found.group(), Span(line, found.start(), found.end())
    return None
