"""Escaping user-written text (layer, block and network names, file names) for each output target.

Names come from files cnncalc did not write. The reader rejects names holding control characters
(`control_character`, used by `spec.check_printable`), and every writer still escapes for its own
target, so a name that reaches a writer some other way (an importer, a report edited in Python,
a future reader) cannot break out of the place it is written to. One function per target:

- `visible`: any text for a human: control characters (Unicode Cc, Cf, Zl, Zp: newline, ESC,
  BEL, C1, bidi overrides) become Python-style escapes (`\\n`, `\\x1b`, `\\u202e`), so a line
  stays one line and no terminal sequence is sent. Used by `terminal` and diagnostics.
- `terminal`: text for a rich table or a plain line on stdout/stderr (rich markup is off in
  `render.terminal.console`, so `[bold]` is shown as written); `terminal_text` for a renderer's
  whole multi-line output, its own newlines kept.
- `diagnostic`: one `FILE:LINE:COL: level: message` line, whatever FILE or the message holds.
- `annotation`, `annotation_property`: GitHub workflow-command data and properties, escaped as
  GitHub documents (`%`, CR, LF; and `:` `,` in properties).
- `python_comment`, `python_docstring`: text inside a `#` comment or a triple-quoted string of
  generated Python; backslashes and control characters are escaped as `repr` does.
- `csv_cell`: a text cell a spreadsheet would run as a formula (`= + - @`, TAB, CR first) gets a
  leading `'` (OWASP); numbers are left alone by the caller.
- `markdown_text`, `markdown_code`: a cell or line of a Markdown table, and a code span.
- `xml`: element text or an attribute value in SVG (characters XML 1.0 forbids become `\\xNN`).
- `dot`: the inside of a DOT quoted string.
- `mermaid`: a Mermaid node label (entity codes; a backtick would start a Markdown string).
- `yaml_string`: a double-quoted YAML scalar (what `cnncalc import` writes).
JSON needs nothing here: `json.dumps` escapes what JSON must (and, ASCII-only, all the rest).
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Fast path for the common case: printable ASCII holds no control character.
_PLAIN_ASCII = re.compile(r"[ -~]*")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_control(ch: str) -> bool:
    """Cc (C0, DEL, C1), Cf (format: bidi overrides, zero-width joiners), Zl, Zp; and lone
    surrogates (Cs), which no output encoding can carry."""
    return unicodedata.category(ch) in _CONTROL_CATEGORIES or "\ud800" <= ch <= "\udfff"


def control_character(text: str) -> str | None:
    """The first control character in `text`, or None."""
    if _PLAIN_ASCII.fullmatch(text):
        return None
    return next((ch for ch in text if is_control(ch)), None)


def _escape_char(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with each control character written as its Python escape (`a\\nb` for a newline)."""
    if control_character(text) is None:
        return text
    return "".join(_escape_char(ch) if is_control(ch) else ch for ch in text)


def terminal(text: str) -> str:
    """Text for the terminal: no ESC, BEL, CR or C1 byte reaches it (rich markup is off)."""
    return visible(text)


def terminal_text(text: str) -> str:
    """A renderer's whole plain-text output: as `terminal`, but its own line breaks stay."""
    return "\n".join(visible(line) for line in text.split("\n"))


def diagnostic(line: str) -> str:
    """A diagnostic stays one line: nothing in a name or file name can start another."""
    return visible(line)


def annotation(text: str) -> str:
    """The message of a GitHub `::error ...::MESSAGE` command (GitHub's own escapes)."""
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def annotation_property(text: str) -> str:
    """A property value (`file=...`) of a GitHub workflow command."""
    return annotation(text).replace(":", "%3A").replace(",", "%2C")


def python_comment(text: str) -> str:
    """Text after `#` in generated Python: a newline (or any control character) cannot end the
    comment and start a statement, because it is written as an escape; backslashes are doubled
    so the escaped text reads back unambiguously."""
    out = text.replace("\\", "\\\\")
    return visible(out)


def python_docstring(text: str) -> str:
    """Text inside a generated triple-quoted string: as `python_comment`, and no `\"\"\"` ends it."""
    return python_comment(text).replace('"""', '\\"\\"\\"')


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text cell a spreadsheet would read as a formula gets a leading `'` (OWASP's advice);
    control characters are escaped so the file shown in a terminal sends no sequence."""
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return visible(text)


_MARKDOWN_SPECIAL = re.compile(r"([\\|`<*])")


def markdown_text(text: str) -> str:
    """A Markdown table cell or line as literal text: `|` would end a cell, a newline the row,
    `<` could start HTML, backticks and `*` would start code or emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", visible(text))


def markdown_code(text: str, in_table: bool = True) -> str:
    """A code span holding `text` literally: the fence is longer than any run of backticks
    inside; in a table `|` needs a backslash (GFM splits cells before it reads code spans),
    elsewhere nothing does (a backslash in a code span is shown as written)."""
    body = visible(text)
    if in_table:
        body = body.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    if longest or body.startswith(" ") or body.endswith(" "):
        body = f" {body} "
    return f"{fence}{body}{fence}"


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar: JSON's escapes (valid YAML) for C0, and `\\uXXXX` for the
    other control characters, which YAML forbids raw (C1, DEL) or a terminal would act on."""
    import json

    quoted = json.dumps(text, ensure_ascii=False)
    if control_character(quoted) is None:
        return quoted
    return "".join(
        (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}") if is_control(ch) else ch
        for ch in quoted
    )


def _xml_char_allowed(ch: str) -> bool:
    code = ord(ch)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def xml(text: str, attribute: bool = False) -> str:
    """Element text (or, with `attribute`, a double-quoted attribute value): `& < >` (and `"`)
    as entities, and characters XML 1.0 forbids even as references (C0 controls) as escapes."""
    text = visible(text)
    text = "".join(ch if _xml_char_allowed(ch) else _escape_char(ch) for ch in text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attribute else text


def dot(text: str) -> str:
    """The inside of a DOT `"..."` string: backslash and quote escaped, no raw newline."""
    return visible(text).replace("\\", "\\\\").replace('"', '\\"')


def mermaid(text: str) -> str:
    """A Mermaid `["..."]` label: quotes, `<`, `>`, `&` as Mermaid's `#...;` entity codes."""
    text = visible(text).replace("#", "#35;").replace("&", "#amp;").replace('"', "#quot;").replace("`", "#96;")
    return text.replace("<", "#lt;").replace(">", "#gt;")
