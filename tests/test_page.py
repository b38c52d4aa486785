"""cnncalc/page.py: the report page's rows as a tree, checked against `summarize --depth` (the
rows the page opens with), `explain` (each leaf's formulas) and `memory` (the peak)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cnncalc import page
from cnncalc.analysis import analyze_text
from cnncalc.cli import main, read_source
from cnncalc.render.values import json_number


def _report(name: str):
    text, display = read_source(name)
    return analyze_text(text, display)


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.mark.parametrize(("name", "depth"), [("resnet50", 1), ("resnet50", 2), ("resnet50", 3),
                                             ("googlenet", 1), ("googlenet", 2), ("lenet5", 1)])
def test_rows_shown_are_what_summarize_depth_prints(name: str, depth: int) -> None:
    built = page.build(_report(name), _report(name), depth)
    expected = json.loads(_cli("summarize", name, "--depth", str(depth), "--format", "json"))["layers"]
    shown = [{"name": r.row.name, "params": json_number(r.row.params), "macs": json_number(r.row.macs),
              "activations": json_number(r.row.activations)} for _, r in built.shown]
    assert shown == [{k: e[k] for k in ("name", "params", "macs", "activations")} for e in expected]


def test_tree_of_a_bottleneck() -> None:
    rows = page.build(_report("resnet50"), _report("resnet50")).rows
    names = [r.row.name for r in rows]
    block = names.index("bottleneck1")
    main_body = names.index("bottleneck1.main")
    # bottleneck1 holds main (8 leaves) and shortcut (2 leaves) and the add: 1+1+8+1+2+1 rows
    assert rows[block].end == block + 13 and names[block + 13] == "bottleneck1.add"
    assert rows[main_body].parent == block and rows[main_body].level == 1
    assert rows[main_body + 1].row.name == "bottleneck1.main.conv1" and rows[main_body + 1].parent == main_body
    # at depth 1 every composite opens folded: unfolding bottleneck1 shows main and shortcut folded
    assert rows[block].folded and rows[main_body].hidden and rows[main_body].folded
    # a folded row holds the sums of its leaves
    leaves = [r.row for r in rows[block + 1: rows[block].end + 1] if not r.is_group]
    assert rows[block].row.params == sum(r.params for r in leaves) == 75_008


def test_every_leaf_explained_as_explain_prints_it() -> None:
    rows = page.build(_report("inception3a"), _report("inception3a")).rows
    for r in rows:
        if r.is_group:
            assert r.explanation == ""
            continue
        printed = _cli("explain", "inception3a", r.row.name)
        # explain FILE NAME: a title line, a blank line, then the layer
        assert r.explanation == printed.split("\n", 2)[2].rstrip("\n")


def test_warnings_and_failed_expectations_sit_at_their_rows() -> None:
    text = """
input: 9x9x1
layers:
  - residual:
      name: res
      main:
        - conv: {filters: 1, f: 3, s: 2, padding: 1, expect: {params: 1}}
        - conv: {filters: 1, f: 3, padding: same}
      shortcut: auto
  - pool: {f: 2}
expect: {macs: 1}
"""
    report = analyze_text(text, "t.yaml")
    built = page.build(report, analyze_text(text, "t.yaml"))
    by_name = {r.row.name: r for r in built.rows}
    conv = by_name["res.main.conv1"]
    assert [str(d) for d in conv.diagnostics] == ["t.yaml:7:63: error: expected res.main.conv1 params 1, found 10"]
    assert by_name["res"].inner_problems == 1 and by_name["res.main"].inner_problems == 1
    # 5 x 5 into a 2 x 2 pool of stride 2: (5 - 2)/2 = 1.5, one row and column never read
    assert [d.level for d in by_name["pool1"].diagnostics] == ["warning"]
    assert str(by_name["pool1"].diagnostics[0]).startswith("t.yaml:10:5: warning: pool1: ")
    # MACs: conv1 5x5 outputs x 3x3 = 225, conv2 (same) 225, the auto shortcut's 1x1 conv 25
    assert [str(d) for d in built.header_problems] == ["t.yaml:11:10: error: expected network macs 1, found 475"]


def test_memory_peak_is_the_memory_command_s() -> None:
    built = page.build(_report("resnet50"), _report("resnet50"))
    found = json.loads(_cli("memory", "resnet50", "--format", "json"))["inference_peak"]
    assert built.memory is not None
    assert (built.memory.peak_bytes, built.memory.peak_layer) == (found["bytes"], found["layer"])


def test_symbolic_network_has_no_curve_and_says_why() -> None:
    text = "input: [H, W, 3]\nlayers:\n  - conv: {filters: 4, f: 3}\n"
    built = page.build(analyze_text(text, "s.yaml"), analyze_text(text, "s.yaml"))
    assert built.memory is None and "concrete input size" in built.memory_note
    assert built.rows[0].explanation.startswith("conv1 (conv): H x W x 3")


def test_a_huge_table_gets_no_diagram(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "MAX_DIAGRAM_ROWS", 5)
    built = page.build(_report("lenet5"), _report("lenet5"))
    assert built.diagram is None and "7 rows" in built.diagram_note
