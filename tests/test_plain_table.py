"""render/plain_table.py draws summarize's table without rich: byte for byte what rich draws.

The reference is rich itself (a dependency, so always here): `table.to_text(..., plain=False)`
lays the same sheet out with rich's Table, as the table was drawn before. Every bundled network
is drawn under eight option sets (a 120-column terminal, --wide, 80 and 60 columns, the extra
columns, frozen layers in dim rows, another convention, a title too long for one line), with
colour (the ANSI sequences of color_system="standard") and without.

CPU budget: 23 s measured (user time of the whole file under a load average of 6 on the two
shared cores; under 20 s wanted). rich lays a row out in about 0.5 to 1 ms, so each network
is drawn by rich once on up to 170 rows (120 columns, in colour; rich's colourless text is that
text without its escape sequences, which test_rich_without_colour_is_rich_with_colour_minus_its_codes
checks on three networks), and the seven other option sets on a sample of its rows (the first,
the last, the widest of every column and the frozen ones), which both drawers fit alike. The
memory and sweep tables, drawn by the same module, are checked the same way on samples.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from cnncalc import bundled
from cnncalc.analysis import analyze_text
from cnncalc.cli import read_source
from cnncalc.conventions import apply
from cnncalc.memory import Memory, estimate
from cnncalc.render import memory_table, plain_table, sweep, table
from cnncalc.render.terminal import without_trailing_spaces
from cnncalc.render.values import extra_cells, extra_keys, row_cells
from cnncalc.report import Report, Row, fold
from cnncalc.values import replace
from tests.hostile_names import ALL

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = sorted(p.stem for p in (ROOT / "architectures").glob("*.yaml"))
EVERY_EXTRA = ("rf", "jump", "from", "trainable", "buffers", "bytes")
_CODE = re.compile(r"\x1b\[[0-9;]*m")


def test_every_bundled_network_is_drawn() -> None:
    assert NETWORKS == bundled.names() and len(NETWORKS) >= 50


@functools.cache
def analysed(name: str, input_size: str | None = None) -> Report:
    text, display = read_source(name)
    return analyze_text(text, display, {}, input_size)


def sample(report: Report, rows: list[Row], keys: tuple[str, ...], first: int = 3) -> list[Row]:
    """The first rows, the last, the widest of every column and the frozen ones, in order."""
    picked = set(range(min(first, len(rows)))) | {len(rows) - 1}
    cells = [[*row_cells(r, True), *extra_cells(report, r, list(keys))] for r in rows]
    for i in range(len(cells[0])):
        picked.add(max(range(len(rows)), key=lambda n: len(cells[n][i])))
    picked.update([n for n, r in enumerate(rows) if r.trainable == 0 and r.params][:2])
    return [rows[n] for n in sorted(picked)]


def frozen(rows: list[Row]) -> list[Row]:
    """Every other layer holding parameters frozen (trainable 0): a dim row."""
    learned = [n for n, r in enumerate(rows) if r.params]
    return [replace(r, trainable=0) if n in learned[::2] else r for n, r in enumerate(rows)]


def case(name: str, option: str) -> tuple[Report, list[Row], tuple[str, ...], int | None]:
    """The report, its rows, the extra columns and the width that `option` gives."""
    report = analysed(name)
    extra: tuple[str, ...] = ()
    width: int | None = 120
    if option == "convention":
        report = apply(copy.copy(report), "fvcore")
    elif option == "long-title":  # two heading lines at 80 columns, the title shortened in the middle
        report = copy.copy(report)
        report.name = f"{report.name} as trained on a very long data set name, {report.name} again"
        width = 80
    rows = fold(report, None)
    if option == "frozen":
        rows = frozen(rows)
    elif option == "extra":
        extra = EVERY_EXTRA
    width = {"wide": None, "80": 80, "60": 60}.get(option, width)
    return report, rows, extra, width


def plain(reports: list[tuple[Report, list[Row]]], extra: tuple[str, ...], width: int | None,
          color: bool) -> str:
    """What the plain drawer writes, and that it is the plain drawer which wrote it."""
    for report, rows in reports:
        s, folding = table.sheet(report, rows, extra, width)
        assert not folding and plain_table.draw(s, width or max(table.natural(s), 20), color) is not None
    return table.to_text(reports, extra, width, color)


FULL = 170  # rows: 31 of the 50 networks (resnet50's 167 among them); the larger ones on a sample


@pytest.mark.parametrize("name", NETWORKS)
def test_every_network_is_drawn_as_rich_draws_it(name: str) -> None:
    """In full up to FULL rows; a larger network on its first 150 rows, its last and the widest of
    every column (so its columns are as wide, and fitted alike)."""
    report, rows, extra, width = case(name, "default")
    if len(rows) > FULL:
        rows = sample(report, rows, tuple(extra_keys(report, extra)), first=150)
    reference = table.to_text([(report, rows)], extra, width, True, plain=False)
    assert plain([(report, rows)], extra, width, True) == reference
    colourless = without_trailing_spaces(_CODE.sub("", reference))
    assert plain([(report, rows)], extra, width, False) == colourless
    assert "\x1b[3minput" in reference and "─" * 20 in reference  # an italic input row, the rule


OPTIONS = ["wide", "80", "60", "extra", "frozen", "convention", "long-title"]


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("name", NETWORKS)
def test_every_option_set_is_drawn_as_rich_draws_it(name: str, option: str) -> None:
    report, rows, extra, width = case(name, option)
    rows = sample(report, rows, tuple(extra_keys(report, extra)))
    reference = table.to_text([(report, rows)], extra, width, True, plain=False)
    assert plain([(report, rows)], extra, width, True) == reference
    colourless = without_trailing_spaces(_CODE.sub("", reference))
    assert plain([(report, rows)], extra, width, False) == colourless
    # the feature each option set is there for is in the drawing
    lines = _CODE.sub("", reference).splitlines()
    if option == "frozen":
        assert "\x1b[2m" in reference
    elif option == "convention":
        assert "Convention: fvcore" in reference
    elif option == "long-title":
        assert "…" in lines[0] and lines[1] == f"(input {' x '.join(map(str, report.input))})"
    elif option == "extra":
        # each extra column heads the table, or the fit note names it left out
        left_out = " ".join(lines).partition("left out: ")[2].split(";")[0].split(", ")
        shown = [c.strip() for c in lines[2].split("   ") + left_out]
        assert {"RF", "Jump", "From", "Trainable", "Buffers", "Param bytes"} <= set(shown), shown
    elif option in ("80", "60"):
        assert max(len(_CODE.sub("", line)) for line in lines) <= int(option)


def test_rich_without_colour_is_rich_with_colour_minus_its_codes() -> None:
    for name, width in (("lenet5", 60), ("resnet18", 120), ("googlenet", 80)):
        report = analysed(name)
        rows = frozen(fold(report, None))
        coloured = table.to_text([(report, rows)], (), width, True, plain=False)
        assert "\x1b[2m" in coloured and "\x1b[1m" in coloured and "\x1b[3m" in coloured
        colourless = table.to_text([(report, rows)], (), width, False, plain=False)
        assert without_trailing_spaces(_CODE.sub("", coloured)) == colourless


def test_several_files_are_drawn_one_after_another() -> None:
    reports = [(analysed(n), fold(analysed(n), None)) for n in ("lenet5", "alexnet", "popquiz")]
    for width in (80, None):
        for color in (False, True):
            assert plain(reports, ("rf",), width, color) == table.to_text(reports, ("rf",), width, color, plain=False)


SYMBOLIC = [("lenet5", "HxWx1", 120, ()), ("lenet5", "HxWx1", None, EVERY_EXTRA), ("lenet5", "HxWx1", 80, ()),
            ("lenet5", "HxWx1", None, ()), ("alexnet", "HxWx3", None, ())]


@pytest.mark.parametrize(("name", "size", "width", "extra"), SYMBOLIC)
def test_symbolic_tables_fold_with_rich_and_fit_without(name: str, size: str, width: int | None,
                                                       extra: tuple[str, ...]) -> None:
    """A symbolic table wider than the terminal folds its expressions (rich's work); one that fits
    is drawn plainly. Either way the text is rich's."""
    report = analysed(name, size)
    rows = fold(report, None)
    s, folding = table.sheet(report, rows, extra, width)
    fits = sum(s.widths()) + 3 * (len(s.columns) - 1) <= (width or 10**6)
    assert folding == (not fits)
    console = width or max(table.natural(s), 20)  # --wide: the table's width; the footer may pass it
    footer = max(len(label) for label, _ in s.footer) + 2 + max(len(value) for _, value in s.footer)
    drawn = plain_table.draw(s, console, False)
    assert (drawn is None) == (not fits or footer > console)
    if drawn is not None:  # (otherwise to_text calls rich, the reference itself)
        for color in (False, True):
            reference = table.to_text([(report, rows)], extra, width, color, plain=False)
            assert table.to_text([(report, rows)], extra, width, color) == reference


@pytest.mark.parametrize("hostile", ALL.values(), ids=ALL.keys())
def test_a_hostile_name_is_drawn_as_rich_draws_it(hostile: str) -> None:
    """Names rich would not draw one column per character (wide, combining, escaped control
    characters are narrow) go to rich; the others are drawn plainly; the text is rich's."""
    report = copy.copy(analysed("lenet5"))
    report.name = hostile
    rows = [replace(r, name=hostile if i == 2 else r.name) for i, r in enumerate(fold(report, None))]
    for width in (80, None) if len(hostile) < 200 else (80,):  # rich takes 20 s for a 5,000-column line
        reference = table.to_text([(report, rows)], ("from",), width, True, plain=False)
        assert table.to_text([(report, rows)], ("from",), width, True) == reference
        colourless = without_trailing_spaces(_CODE.sub("", reference))
        assert table.to_text([(report, rows)], ("from",), width, False) == colourless


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" ab;(),-", max_size=60), st.integers(min_value=1, max_value=30))
def test_wrap_breaks_lines_where_rich_does(text: str, width: int) -> None:
    ours = plain_table.wrap(text, width)
    console = Console(width=width, file=None)
    theirs = [str(line) for line in Text(text).wrap(console, width)]
    if ours is None:  # a word (with the spaces before it) longer than the line: rich folds it,
        assert any(len(w) > width for w in re.findall(r"\s*\S+", text))  # and rich draws the table
    else:
        assert ours == theirs


# ---- cnncalc memory: the same drawer ---------------------------------------------------------


def memory_sample(name: str) -> Memory:
    """The memory table of a bundled network on a sample of its layers (the first, the last, the
    peak, the widest of every column)."""
    m = estimate(analysed(name))
    cells = [[r.name, r.kind, f"{r.activation_bytes:,}", f"{r.param_bytes:,}", f"{r.live_bytes:,}"] for r in m.layers]
    picked = {0, len(m.layers) - 1, next(n for n, r in enumerate(m.layers) if r.name == m.peak_layer)}
    picked |= {max(range(len(cells)), key=lambda n: len(cells[n][i])) for i in range(5)}
    return replace(m, layers=[m.layers[n] for n in sorted(picked)])


@pytest.mark.parametrize("name", NETWORKS)
def test_every_memory_table_is_drawn_as_rich_draws_it(name: str) -> None:
    m = memory_sample(name)
    for width in (120, 80):  # (at 60 the footer of many networks wraps: rich draws those)
        assert memory_table.draw(memory_table.sheet(m, width), width, True) is not None
        reference = memory_table.to_text(m, width, True, plain=False)
        assert memory_table.to_text(m, width, True) == reference
        bold = [line for line in reference.splitlines() if line.startswith("\x1b[1m")]
        title = reference.split("\n\n")[0].count("\n") + 1  # a long title wraps
        assert len(bold) == title + 2  # the title, the header and the peak's row
        colourless = without_trailing_spaces(_CODE.sub("", reference))
        assert memory_table.to_text(m, width, False) == colourless


def test_memory_tables_in_full_and_with_a_wrapped_title() -> None:
    """Every layer of a network; a title longer than the terminal wraps at spaces, as rich's."""
    for name, width in (("resnet50", 80),):
        m = estimate(analysed(name))
        for color in (False, True):
            assert memory_table.to_text(m, width, color) == memory_table.to_text(m, width, color, plain=False)
    m = replace(memory_sample("alexnet"), name="AlexNet " * 12)
    out = memory_table.to_text(m, 60, False)
    assert out.startswith("AlexNet AlexNet") and out.splitlines()[1].startswith("AlexNet")
    for color in (False, True):
        assert memory_table.to_text(m, 60, color) == memory_table.to_text(m, 60, color, plain=False)


# ---- summarize --input A --input B: the sweep table, the same drawer -------------------------


def sweep_group(name: str) -> list[tuple[Report, list[Row]]]:
    """A bundled network at its own input and at twice its height and width, on a sample of its
    layers (the first, the last, the longest name, every fifth), the same layers at both sizes."""
    report = analysed(name)
    h, w, c = report.input
    twice = analysed(name, f"{2 * h}x{2 * w}x{c}")
    rows = fold(report, None)
    picked = {*range(min(3, len(rows))), len(rows) - 1, max(range(len(rows)), key=lambda n: len(rows[n].name))}
    names = {rows[n].name for n in picked | set(range(0, len(rows), max(len(rows) // 5, 1)))}
    return [(r, [row for row in fold(r, None) if row.name in names]) for r in (report, twice)]


@pytest.mark.parametrize("name", NETWORKS)
def test_every_sweep_table_is_drawn_as_rich_draws_it(name: str) -> None:
    group = sweep_group(name)
    for width in (120, 80):
        assert sweep.plain(group, width, True) is not None
        reference = sweep.to_text([group], width, True, use_plain=False)
        assert sweep.to_text([group], width, True) == reference
        assert reference.startswith("\x1b[1m") and "\x1b[1mTotals" in reference  # bold title and headers
        assert sweep.to_text([group], width, False) == without_trailing_spaces(_CODE.sub("", reference))


def test_sweep_tables_in_full_and_several_files() -> None:
    """Every layer of resnet50 at 224 and 320, and two files' sweeps one after the other, --wide
    too; at 60 columns, where the sweep cannot fit, rich shrinks it (and draws it)."""
    groups = [[(analysed(n, s), fold(analysed(n, s), None)) for s in sizes]
              for n, sizes in (("resnet50", ("224x224x3", "320x320x3")), ("lenet5", ("32x32x1", "28x28x1")))]
    for width in (80, None):
        assert sweep.plain(groups[0], width, True) is not None
        reference = sweep.to_text(groups, width, True, use_plain=False)
        assert sweep.to_text(groups, width, True) == reference
        assert sweep.to_text(groups, width, False) == without_trailing_spaces(_CODE.sub("", reference))
    assert sweep.plain(groups[0], 60, False) is None
    assert sweep.to_text(groups[:1], 60, False) == sweep.to_text(groups[:1], 60, False, use_plain=False)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" ab\n\t\r", max_size=40))
def test_trailing_spaces_go_as_the_expression_takes_them(text: str) -> None:
    """The fast path for text without escape sequences strips what the expression strips."""
    assert without_trailing_spaces(text) == re.sub(r" +((?:\x1b\[[0-9;]*m)*)$", r"\1", text, flags=re.M)
    coloured = text.replace("a", "\x1b[2ma \x1b[0m")
    assert without_trailing_spaces(coloured) == re.sub(r" +((?:\x1b\[[0-9;]*m)*)$", r"\1", coloured, flags=re.M)
