"""The language server's pure parts (cnncalc/lsp/*.py but server.py): no pygls needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.errors import Location
from cnncalc.lsp import actions, completion, definition, document, hints, outline, positions

ARCH = Path(__file__).resolve().parents[1] / "architectures"
RESNET = (ARCH / "resnet50.yaml").read_text()


@pytest.mark.parametrize("value, text", [
    (0, "0"), (156, "156"), (999, "999"), (1000, "1.0K"), (117_600, "117.6K"),
    (25_557_032, "25.6M"), (4_089_184_256, "4.1G"), (-2500, "-2.5K"),
])
def test_short_numbers(value, text):
    assert hints.short(value) == text


def test_top_level_lines_add_up_to_the_published_resnet50_total():
    analysis = document.analyze(RESNET, "resnet50.yaml")
    facts = hints.by_line(analysis.report)
    layers_line = RESNET.split("\n").index("layers:") + 1
    top = [f for line, f in facts.items() if line > layers_line]
    # torchvision's ResNet50_Weights.IMAGENET1K_V1: 25,557,032 parameters
    assert sum(r.params for f in top for r in f.rows) == 25_557_032
    assert len({r.name for f in top for r in f.rows}) == len(analysis.report.rows)  # each row once


def test_symbolic_sizes_show_symbolically():
    text = "input: [H, W, 3]\nlayers:\n  - conv: {filters: 8, f: 3}\n"
    facts = hints.by_line(document.analyze(text, "s.yaml").report)
    # (3*3*3 + 1)*8 = 224 params; MACs (H-2)(W-2)*8 * 27
    assert facts[3].label() == "-> (H - 2) x (W - 2) x 8 · 224 params · 216*(H - 2)*(W - 2) MACs"


def test_a_broken_text_keeps_the_last_report():
    good = document.analyze(RESNET, "r.yaml")
    broken = document.analyze(RESNET + "\n  - conv: {filt", "r.yaml", good)
    assert broken.report is good.report and broken.stale and broken.problems
    assert not good.stale


def test_analysis_never_raises(monkeypatch):
    def boom(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr(document, "validate_text", boom)
    result = document.analyze("input: [1, 1, 1]\n", "a.yaml")
    assert result.report is None and "internal error (KeyError" in result.problems[0].message


@pytest.mark.parametrize("line, col, token", [
    ("  - conv: {f: 3, paddin: 1}", 18, "paddin"),
    ("expect: {output: 56x56x256}", 18, "56x56x256"),
    ("expect: {output: [28, 28, 6]}", 18, "[28, 28, 6]"),
    ("  - conv: {filters: \"${w * 2}\"}", 21, '"${w * 2}"'),
    ("x", 5, ""),
])
def test_span_of_a_located_token(line, col, token):
    span = positions.span_at([line], Location("f", 1, col))
    assert line[span.start:span.end] == token


def test_outline_and_block_style_completion():
    text = RESNET.replace("  - gap\n", "  - pool:\n      mode: max\n      \n  - gap\n")
    lines = positions.lines_of(text)
    names = outline.outline(text, "r.yaml")
    assert names is not None and list(names.blocks) == ["bottleneck"]
    assert names.blocks["bottleneck"].args == {"width": Location("r.yaml", 11, 12), "s": Location("r.yaml", 11, 25)}
    empty = lines.index("      ")
    items = {i.label for i in completion.complete(lines, empty, 6, None, names)}
    assert {"mode", "f", "s", "padding", "ceil", "name", "from"} <= items
    value = lines.index("      mode: max")
    assert [i.label for i in completion.complete(lines, value, len("      mode: "), None, names)] == ["max", "avg"]


def test_completion_offers_a_new_kind_without_server_changes(monkeypatch):
    from cnncalc import layers
    from cnncalc.layers.identity import Identity

    monkeypatch.setitem(layers.KINDS, "shiny", layers.Kind("shiny", Identity))
    assert "shiny" in {i.label for i in completion.complete(["  - "], 0, 4, None, None)}


def test_definition_of_a_from_name_inside_a_block():
    text = RESNET.replace("shortcut: auto", "shortcut: auto\n          from: conv1")
    lines = positions.lines_of(text)
    report = document.analyze(text, "r.yaml").report
    at = lines.index("          from: conv1")
    found = definition.definition(lines, at, len("          from: co"), report, outline.outline(text, "r.yaml"))
    stem = next(i for i, line in enumerate(lines) if line.startswith("  - conv: {filters: 64, f: 7"))
    assert found == Location("r.yaml", stem + 1, 5)  # the network's conv1, written after the block


def test_no_expect_fix_when_copies_disagree():
    text = "input: [32, 32, 3]\nlayers:\n  - conv: {filters: 8, f: 3, repeat: 2, expect: {output: 30x30x8}}\n"
    analysis = document.analyze(text, "r.yaml")
    assert [p.message for p in analysis.problems] == ["expected conv2 output 30x30x8, found 28x28x8"]
    found = actions.actions(positions.lines_of(text), 0, 5, analysis.report, analysis.problems, analysis.stale)
    assert not [a for a in found if a.title.startswith("Set expect")]


def test_a_darknet_section_sums_its_conv_and_activation_without_a_count():
    text = "[net]\nheight=8\nwidth=8\nchannels=3\n\n[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n"
    facts = hints.by_line(document.analyze(text, "t.cfg").report)
    # (3*3*3)*4 weights + 4 biases = 112; MACs 8*8*4 * 27 = 6,912
    assert facts[6].label() == "-> 8 x 8 x 4 · 112 params · 6.9K MACs"
