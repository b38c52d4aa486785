"""Layer names an attacker (or a careless file) could write, each with a short id for test names.

`CONTROL` holds the names the reader must reject (a control character: Unicode Cc, Cf, Zl, Zp);
`PRINTABLE` the names it accepts, which every writer must still keep in their place. Tests run
both sets through every writer, the control ones injected past the reader.
"""

from __future__ import annotations

MARKER = "cnncalc_pwned_marker"  # a file the injected code would create (tests put it in tmp_path)


def injection(marker_path: str) -> str:
    """The issue's repro: a name whose second line runs when the exported module is imported."""
    return f"x\ngetattr(__import__('os'), 'system')('touch {marker_path}')"


CONTROL: dict[str, str] = {
    "newline": "a\nb",
    "cr": "a\rb",
    "crlf-forged-error": "a\r\nx:1:1: error: forged",
    "nul": "a\x00b",
    "osc-title": "\x1b]0;pwned\x07",
    "clear-screen": "\x1b[2J",
    "osc8-link": "\x1b]8;;http://x\x1b\\click\x1b]8;;\x1b\\",
    "bel": "ding\x07",
    "c1-csi": "a\x9b2Jb",
    "del": "a\x7fb",
    "bidi-override": "abc\u202edcba",
    "zero-width-joiner": "a\u200db",
    "line-separator": "a\u2028b",
    "paragraph-separator": "a\u2029b",
    "forged-annotation": "a\n::error file=x,line=1::forged",
    "newline-pipe": "a\n| x | y |",
}

PRINTABLE: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "double-quote": 'a"b',
    "single-quote": "a'b",
    "backtick": "a`b",
    "triple-quote": 'a"""b',
    "backslash": "a\\nb",
    "hyperlink-formula": '=HYPERLINK("http://x")',
    "plus": "+1",
    "minus": "-2",
    "at": "@SUM(A1)",
    "pipe": "a|b",
    "rich-markup": "[bold]x[/]",
    "rich-link": "[link=http://x]y[/link]",
    "superscript": "a²",
    "ligature": "ﬁ",
    "keyword": "class",
    "self": "self",
    "import-call": "__import__('os')",
    "dunder-class": "__class__",
    "builtin": "print",
    "braces": "{}",
    "dollar": "a${x}",
    "percent": "100%,a:b",
    "ampersand": "a&amp;b",
    "hash-entity": "#quot;",
    "comment-end": "--><!--",
    "cdata": "]]>",
    "long": "n" * 5000,
    "spaces": "a b",
}

ALL: dict[str, str] = {**CONTROL, **PRINTABLE}
