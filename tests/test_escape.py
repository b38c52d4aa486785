"""cnncalc.escape: each target's escaping, worked by hand, and the target's own parser where
one is at hand (Python's compiler, the csv module, an XML parser, PyYAML)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
import yaml

from cnncalc import escape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("conv1", None),
        ("a²", None),
        ("ﬁ", None),
        ("a b", None),
        ("a\nb", "\n"),
        ("\x1b[2J", "\x1b"),
        ("x\x9b", "\x9b"),
        ("x\x7f", "\x7f"),
        ("ab\u202e", "\u202e"),
        ("a\u200bb", "\u200b"),  # zero-width space is Cf
        ("a\u2028", "\u2028"),
        ("a\u2029", "\u2029"),
    ],
)
def test_control_character_is_the_first_cc_cf_zl_zp(text: str, expected: str | None) -> None:
    assert escape.control_character(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("conv1", "conv1"),
        ("a\nb", "a\\nb"),
        ("a\r\tb", "a\\r\\tb"),
        ("\x00", "\\x00"),
        ("\x1b]0;t\x07", "\\x1b]0;t\\x07"),
        ("\x9b", "\\x9b"),
        ("\u202e", "\\u202e"),
        ("\U000e0001", "\\U000e0001"),
        ("a²", "a²"),
    ],
)
def test_visible_writes_control_characters_as_python_escapes(text: str, expected: str) -> None:
    assert escape.visible(text) == expected


def test_terminal_text_keeps_the_renderers_own_lines() -> None:
    assert escape.terminal_text("a\x1b[2J\nb\x07\n") == "a\\x1b[2J\nb\\x07\n"


def test_a_diagnostic_stays_one_line() -> None:
    assert escape.diagnostic("f.yaml:1:2: error: 'a\nf.yaml:9:9: error: forged'").count("\n") == 0


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("50%", "50%25", "50%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("x:1,y", "x:1,y", "x%3A1%2Cy"),
    ],
)
def test_annotations_use_githubs_escapes(text: str, data: str, prop: str) -> None:
    assert escape.annotation(text) == data
    assert escape.annotation_property(text) == prop


@pytest.mark.parametrize("text", ["a\nprint('x')", "a\\", 'a"""b', "a\x00b", "\u202e", "x\r\ny"])
def test_python_comment_and_docstring_text_compile_and_read_back(text: str) -> None:
    source = f'"""{escape.python_docstring(text)}"""\nx = 1  # {escape.python_comment(text)}\n'
    namespace: dict = {}
    exec(compile(source, "t.py", "exec"), namespace)  # noqa: S102
    assert namespace["__doc__"] == text and namespace["x"] == 1  # the escapes read back exactly


@pytest.mark.parametrize(
    ("text", "expected"),
    [("conv1", "conv1"), ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\\tx"), ("\rx", "'\\rx"), ("a=b", "a=b")],
)
def test_csv_cell_neutralizes_formulas(text: str, expected: str) -> None:
    assert escape.csv_cell(text) == expected


def test_csv_cells_survive_the_csv_module() -> None:
    out = io.StringIO()
    csv.writer(out).writerow([escape.csv_cell('a,"b"\nc'), 3])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [['a,"b"\\nc', "3"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("conv1", "conv1"), ("a|b", "a\\|b"), ("a\\b", "a\\\\b"), ("`x`", "\\`x\\`"), ("<b>", "\\<b>"),
     ("a\nb", "a\\\\nb"), ("6*H", "6\\*H")],
)
def test_markdown_text(text: str, expected: str) -> None:
    assert escape.markdown_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("conv1", "`conv1`"), ("a|b", "`a\\|b`"), ("a`b", "`` a`b ``"), ("``", "``` `` ```"), ("a\nb", "`a\\nb`")],
)
def test_markdown_code_fences_past_any_backticks(text: str, expected: str) -> None:
    assert escape.markdown_code(text) == expected
    assert escape.markdown_code(text, in_table=False) == expected.replace("\\|", "|")


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", 'a"b', "a&b", "\x00\x1b\x07", "]]>", "a\ud800"])
def test_xml_text_and_attributes_parse(text: str) -> None:
    doc = f'<g data-name="{escape.xml(text, True)}"><title>{escape.xml(text)}</title></g>'
    root = ET.fromstring(doc)
    assert root.find("script") is None and len(list(root.iter())) == 2
    if escape.control_character(text) is None and "\ud800" not in text:
        assert root.get("data-name") == text and root.find("title").text == text  # exact when printable


@pytest.mark.parametrize(("text", "expected"), [('a"b', 'a\\"b'), ("a\\b", "a\\\\b"), ("a\nb", "a\\\\nb")])
def test_dot_string(text: str, expected: str) -> None:
    assert escape.dot(text) == expected


def test_mermaid_label_has_only_entities() -> None:
    assert escape.mermaid('<a href="x">&`#') == "#lt;a href=#quot;x#quot;#gt;#amp;#96;#35;"


@pytest.mark.parametrize("text", ["plain", "a\x9bb", "x\u202e", "\U000e0001", 'a\nb"\\', "\x00"])
def test_yaml_string_reads_back_and_holds_no_raw_control(text: str) -> None:
    quoted = escape.yaml_string(text)
    assert yaml.safe_load(quoted) == text
    assert escape.control_character(quoted) is None
