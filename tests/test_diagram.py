"""cnncalc diagram: the SVG picture in the course's style, and the graph as Mermaid and DOT.

Shapes and labels expected here are worked by hand from the architecture files (the formula
n_out = floor((n + 2p - f)/s) + 1 in comments); the picture's geometry is checked for the
properties a reader relies on: one group per layer, sizes that grow with the dimension they
stand for, lanes side by side, arcs for skips, nothing clipped and no two texts or boxes
overlapping.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc import bundled
from cnncalc.analysis import analyze_text
from cnncalc.cli import main, read_source
from cnncalc.diagram import dot, geometry, layout, mermaid, svg
from cnncalc.report import Report, fold

SVG_NS = "{http://www.w3.org/2000/svg}"


def _report(name_or_text: str) -> Report:
    if "\n" in name_or_text:
        return analyze_text(name_or_text, "t.yaml")
    text, display = read_source(name_or_text)
    return analyze_text(text, display)


def _svg(name_or_text: str, depth: int | None = None) -> ET.Element:
    return ET.fromstring(svg.render(layout.layout(_report(name_or_text), depth)))


def _groups(root: ET.Element, role: str = "layer") -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG_NS}g") if role in g.get("class", "").split()]


def _by_name(root: ET.Element) -> dict[str, ET.Element]:
    groups = _groups(root)
    names = [g.get("data-name") for g in groups]
    assert len(names) == len(set(names)), "a layer drawn twice"
    return {g.get("data-name"): g for g in groups}  # type: ignore[misc]


def _texts(group: ET.Element) -> list[str]:
    return [t.text or "" for t in group.iter(f"{SVG_NS}text")]


def _box(group: ET.Element) -> tuple[float, float, float]:
    width, height, depth = (float(v) for v in group.get("data-box", "").split())
    return width, height, depth


# ---- one group per layer, labelled as the course does --------------------------------------

LENET5 = {  # name: (label under the arrow, output shape), from architectures/lenet5.yaml
    "conv1": ("conv 5x5 s1", "28x28x6"),  # 32 - 5 + 1 = 28
    "pool1": ("max-pool 2x2 s2", "14x14x6"),  # (28 - 2)/2 + 1 = 14
    "conv2": ("conv 5x5 s1", "10x10x16"),  # 14 - 5 + 1 = 10
    "pool2": ("max-pool 2x2 s2", "5x5x16"),  # (10 - 2)/2 + 1 = 5
    "fc1": ("FC 120", "120"),
    "fc2": ("FC 84", "84"),
    "fc3": ("FC 10", "10"),
}


def test_lenet5_has_one_labelled_group_per_layer() -> None:
    root = _svg("lenet5")
    groups = _by_name(root)
    assert set(groups) == set(LENET5)
    for name, (label, shape) in LENET5.items():
        g = groups[name]
        assert g.get("data-shape") == shape
        assert label in _texts(g), (name, _texts(g))
        assert shape in _texts(g)
    (inp,) = _groups(root, "input")
    assert inp.get("data-shape") == "32x32x1"


def test_activation_rows_are_notes_on_the_arrow_not_boxes() -> None:
    text = "input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, f: 3}\n  - bn\n  - relu\n  - dropout: 0.5\n"
    groups = _by_name(_svg(text))
    assert set(groups) == {"conv1", "bn1", "relu1", "dropout1"}
    assert groups["conv1"].get("data-box") is not None
    for note, label in (("bn1", "batch-norm"), ("relu1", "relu"), ("dropout1", "dropout 0.5")):
        assert groups[note].get("data-box") is None
        assert _texts(groups[note]) == [label]


@pytest.mark.parametrize("name", bundled.names())
@pytest.mark.parametrize("depth", [None, 1])
def test_every_bundled_architecture_draws_cleanly(name: str, depth: int | None) -> None:
    report = _report(name)
    diagram = layout.layout(report, depth)
    root = ET.fromstring(svg.render(diagram))
    assert set(_by_name(root)) == {row.name for row in fold(report, depth)}
    assert _problems(diagram) == []


def _rectangles(diagram: geometry.Diagram) -> list[tuple[str, float, float, float, float]]:
    out = []
    for item in diagram.items:
        if item.box is not None:
            b = item.box
            out.append((f"box {item.name}", b.x, b.y - b.oy, b.x + b.extent, b.y + b.height))
        for t in item.texts:
            # DejaVu Sans averages ~0.57 em per glyph on these labels; the layout budgets 0.62.
            half = len(t.text) * t.size * 0.57 / 2
            out.append((f"text {item.name} {t.text!r}", t.x - half, t.y - t.size * 0.75, t.x + half,
                        t.y + t.size * 0.22))
    return out


def _problems(diagram: geometry.Diagram) -> list[str]:
    """Anything outside the canvas, and any two boxes or texts that overlap."""
    rects = _rectangles(diagram)
    w, h = diagram.width, diagram.height
    bad = [f"clipped: {r[0]}" for r in rects if r[1] < 0 or r[2] < 0 or r[3] > w or r[4] > h]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            if a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5 and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5:
                bad.append(f"overlap: {a[0]} / {b[0]}")
    return bad


# ---- branches, skips, folding, wrapping ----------------------------------------------------


def test_inception_branches_are_lanes_side_by_side() -> None:
    groups = _by_name(_svg("inception3a"))
    firsts = [groups[f"inception3a.{b}"] for b in ("b1.conv1", "b2.conv1", "b3.conv1", "b4.pool1")]
    boxes = [_front(g) for g in firsts]
    ys = [y for _, y, _, _ in boxes]
    assert len(set(ys)) == 4 and ys == sorted(ys)  # stacked top to bottom in branch order
    left = max(x for x, _, _, _ in boxes)
    right = min(x + w for x, _, w, _ in boxes)
    assert left < right + 40  # the same column (within the slack of different label widths)
    concat = groups["inception3a.concat"]
    assert concat.get("data-shape") == "28x28x256"  # 64 + 128 + 32 + 32 channels
    every_branch = [g for n, g in groups.items() if ".b" in n]
    assert _front(concat)[0] > max(x + w for x, _, w, _ in map(_front, every_branch))
    assert "concat" in _texts(concat)


def _front(group: ET.Element) -> tuple[float, float, float, float]:
    rect = next(r for r in group.iter(f"{SVG_NS}rect") if "front" in r.get("class", ""))
    return tuple(float(rect.get(k, "0")) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def test_resnet18_skips_are_arcs_with_projections_labelled() -> None:
    root = _svg("resnet18")
    arcs = [p for p in root.iter(f"{SVG_NS}path") if "arc" in p.get("class", "").split()]
    assert len(arcs) == 8  # 2 + 2 + 2 + 2 basic blocks, one shortcut each
    groups = _by_name(root)
    # stage entries: 1x1 stride-2 projections; floor((56 - 1)/2) + 1 = 28, then 14, then 7
    for block, shape in (("basic3", "28x28x128"), ("basic5", "14x14x256"), ("basic7", "7x7x512")):
        conv = groups[f"{block}.shortcut.conv1"]
        assert conv.get("data-box") is None  # drawn on its arc, not as a box in the row
        assert _texts(conv) == [f"conv 1x1 s2 \u2192 {shape}"]
        assert _texts(groups[f"{block}.shortcut.bn1"]) == ["batch-norm"]


def test_depth_1_folds_each_inception_block_into_one_box() -> None:
    groups = _by_name(_svg("googlenet", depth=1))
    blocks = ["inception3a", "inception3b", "inception4a", "inception4b", "inception4c", "inception4d",
              "inception4e", "inception5a", "inception5b"]
    for name in blocks:
        assert "folded" in groups[name].get("class", "").split()
        assert name in _texts(groups[name])
    assert not [n for n in groups if n.startswith("inception") and "." in n]
    # Table 1 of the paper: inception (3a) outputs 28x28x256, (5b) 7x7x1024
    assert groups["inception3a"].get("data-shape") == "28x28x256"
    assert groups["inception5b"].get("data-shape") == "7x7x1024"


def test_long_networks_wrap_into_lines_that_repeat_the_last_volume() -> None:
    diagram = layout.layout(_report("resnet50"))
    assert diagram.width <= layout.MAX_WIDTH + 2 * geometry.MARGIN + 60
    ghosts = [i for i in diagram.items if i.role == "ghost"]
    assert len(ghosts) >= 3
    placed = {i.name for i in diagram.items if i.role == "layer" and i.box is not None}
    assert {g.name for g in ghosts} <= placed  # a ghost repeats a volume drawn on the line before
    wraps = [p for p in diagram.paths if p.role == "wrap"]
    assert len(wraps) == len(ghosts)


def test_short_networks_stay_on_one_line() -> None:
    diagram = layout.layout(_report("lenet5"))
    assert not [i for i in diagram.items if i.role == "ghost"]


# ---- sizes follow the dimensions -----------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 100_000), st.integers(1, 100_000))
def test_scales_are_strictly_increasing(a: int, b: int) -> None:
    for scale in (geometry.box_height, geometry.box_width, geometry.box_depth, geometry.bar_height):
        assert (scale(a) < scale(b)) == (a < b)


def test_scales_keep_both_ends_readable() -> None:
    # 224x224x3 and 7x7x2048 in one picture: neither a needle nor a wall
    assert 100 <= geometry.box_height(224) <= 130 and geometry.box_height(7) >= 20
    assert geometry.box_width(3) >= 3 and geometry.box_width(2048) <= 40
    assert geometry.box_height(1) >= 10  # a 1x1 volume is still a visible box


NON_SQUARE = """
input: [96, 24, 3]
layers:
  - conv: {filters: 16, f: 3, s: [2, 1], padding: 1}
  - conv: {filters: 64, f: 3, s: [1, 2], padding: 1}
  - pool: {f: 2}
  - conv: {filters: 8, f: 1}
  - gap
  - fc: 300
  - fc: 12
"""


@pytest.mark.parametrize("name", ["vgg16", "resnet50", "googlenet", NON_SQUARE])
def test_box_sizes_are_monotonic_in_their_dimensions(name: str) -> None:
    root = _svg(name)
    volumes, bars = [], []
    for g in _groups(root) + _groups(root, "input"):
        if g.get("data-box") is None:
            continue
        dims = [int(d) for d in g.get("data-shape", "").split("x")]
        (volumes if len(dims) == 3 else bars).append((dims, _box(g)))
    pairs = [(0, 1), (2, 0), (1, 2)]  # n_H -> height, n_C -> width, n_W -> depth
    for da, ba in volumes:
        for db, bb in volumes:
            for dim, size in pairs:
                if da[dim] > db[dim]:
                    assert ba[size] > bb[size], (da, db)
                elif da[dim] == db[dim]:
                    assert ba[size] == bb[size], (da, db)
    for (ua,), ba in bars:
        for (ub,), bb in bars:
            assert (ba[1] > bb[1]) == (ua > ub)
    assert volumes


# ---- Mermaid and DOT -----------------------------------------------------------------------

MERMAID_NODE = re.compile(r'^    (\w+)\["([^"]*)"\]$')
MERMAID_EDGE = re.compile(r"^    (\w+) --> (\w+)$")
MERMAID_CLASS = re.compile(r"^    (classDef \w+ [\w:#;]+|class [\w,]+ \w+)$")


def _mermaid(name: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    lines = mermaid.render(_report(name)).splitlines()
    assert lines[0] == "flowchart TD"
    nodes: dict[str, str] = {}
    edges = []
    for line in lines[1:]:
        if m := MERMAID_NODE.match(line):
            assert m.group(1) not in nodes
            nodes[m.group(1)] = m.group(2)
        elif m := MERMAID_EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        else:
            assert MERMAID_CLASS.match(line), line
    assert all(a in nodes and b in nodes for a, b in edges)
    return nodes, edges


def test_mermaid_lenet5_is_a_chain_of_labelled_nodes() -> None:
    nodes, edges = _mermaid("lenet5")
    assert len(nodes) == 8 and len(edges) == 7  # input + 7 layers, one chain
    labels = list(nodes.values())
    assert labels[0] == "input<br/>32x32x1"
    assert labels[1] == "conv1<br/>conv 5x5 s1 + relu<br/>28x28x6"
    assert labels[-1] == "fc3<br/>FC 10 + softmax<br/>10"


def test_mermaid_inception_edges_follow_from() -> None:
    nodes, edges = _mermaid("inception3a")
    # 4 branches read the input, 3 second layers read their branch, 4 ends meet in the concat
    assert len(edges) == 4 + 3 + 4
    concat = next(k for k, v in nodes.items() if v.startswith("inception3a.concat"))
    assert sum(b == concat for _, b in edges) == 4


DOT_NODE = re.compile(r'^    (\w+) \[label="((?:[^"\\]|\\.)*)", kind="(\w*)", tooltip="[^"]*"\];$')
DOT_EDGE = re.compile(r"^    (\w+) -> (\w+);$")


@pytest.mark.parametrize("name", ["lenet5", "inception3a", "resnet18"])
def test_dot_is_well_formed(name: str) -> None:
    text = dot.render(_report(name))
    lines = text.splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := DOT_NODE.match(line):
            nodes[m.group(1)] = m.group(3)
        elif m := DOT_EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
    assert all(a in nodes and b in nodes for a, b in edges)
    report = _report(name)
    assert len(nodes) == len(report.rows) + 1
    assert len(edges) == sum(len(r.inputs) for r in report.rows)
    if shutil.which("dot") is None:
        pytest.skip("graphviz `dot` not installed")
    run = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    ET.fromstring(run.stdout.split("\n", 3)[-1] if run.stdout.startswith("<?xml") else run.stdout)


# ---- the command ---------------------------------------------------------------------------


def test_cli_writes_svg_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "lenet5.svg"
    result = CliRunner().invoke(main, ["diagram", "lenet5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert set(_by_name(ET.fromstring(out.read_text()))) == set(LENET5)


@pytest.mark.parametrize(("fmt", "start"), [("mermaid", "flowchart TD"), ("dot", 'digraph "LeNet-5')])
def test_cli_prints_mermaid_and_dot(fmt: str, start: str) -> None:
    result = CliRunner().invoke(main, ["diagram", "lenet5", "--format", fmt])
    assert result.exit_code == 0
    assert result.output.startswith(start)


def test_cli_depth_folds(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["diagram", "resnet50", "--depth", "1", "--format", "mermaid"])
    assert result.exit_code == 0
    assert "bottleneck1.main" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diagram", "no_such_net"], "no_such_net:1:1: error: no such file or bundled architecture"),
        (["diagram", "lenet5", "-o", "/nonexistent/dir/x.svg"],
         "/nonexistent/dir/x.svg:1:1: error: cannot write"),
    ],
)
def test_cli_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.startswith(message) and result.output.count("\n") == 1


def test_readme_picture_is_the_commands_output() -> None:
    """docs/lenet5.svg is what `cnncalc diagram lenet5` draws today (regenerate it if not:
    `cnncalc diagram lenet5 -o docs/lenet5.svg`)."""
    committed = Path(__file__).parent.parent / "docs" / "lenet5.svg"
    if not committed.exists():
        pytest.skip("not run from a checkout")
    assert committed.read_text(encoding="utf-8") == svg.render(layout.layout(_report("lenet5")))


NESTED = """
input: [16, 16, 3]
layers:
  - conv: {filters: 4, f: 3, padding: same, name: a}
  - conv: {filters: 4, f: 3, padding: same, name: b}
  - add: {from: [b, a], name: s}
  - concat: {from: [s, a], name: r}
"""


def test_skips_that_nest_are_arcs_one_above_the_other() -> None:
    root = _svg(NESTED)
    arcs = [p for p in root.iter(f"{SVG_NS}path") if "arc" in p.get("class", "").split()]
    assert len(arcs) == 2  # a -> s inside a -> r
    assert len({_top(p) for p in arcs}) == 2
    assert _problems(layout.layout(_report(NESTED))) == []


CROSS = """
input: [16, 16, 3]
layers:
  - conv: {filters: 4, f: 3, padding: same, name: a}
  - conv: {filters: 4, f: 3, padding: same, name: b}
  - add: {from: [a, b], name: c}
  - concat: {from: [b, c], name: d}
"""


def _top(path: ET.Element) -> float:
    return min(float(y) for y in re.findall(r"[ML][\d.]+,([\d.]+)", path.get("d", "")))


def test_wiring_that_is_not_series_parallel_is_still_drawn_above_the_rest() -> None:
    # a -> c jumps into the middle of b's fork: no nesting draws it, so it goes dashed over all
    diagram = layout.layout(_report(CROSS))
    root = ET.fromstring(svg.render(diagram))
    paths = list(root.iter(f"{SVG_NS}path"))
    extra = [p for p in paths if "extra" in p.get("class", "").split()]
    assert len(extra) == 1
    others = [p for p in paths if "edge" in p.get("class", "") and p is not extra[0]]
    assert _top(extra[0]) < min(_top(p) for p in others) - 5
    assert set(_by_name(root)) == {"a", "b", "c", "d"}
    assert _problems(diagram) == []


TWO_HEADS = """
input: [16, 16, 3]
layers:
  - conv: {filters: 8, f: 3, padding: same, name: trunk}
  - conv: {filters: 4, f: 1, name: head1}
  - conv: {filters: 4, f: 1, from: trunk, name: head2}
"""


def test_branches_that_end_the_network_stay_open() -> None:
    # two detection heads (YOLO): no layer reads head1 or head2, so nothing joins them; the
    # lines out of the split reach both heads and no line runs to the right of the last box
    diagram = layout.layout(_report(TWO_HEADS))
    root = ET.fromstring(svg.render(diagram))
    names = _by_name(root)
    assert set(names) == {"trunk", "head1", "head2"}
    right = max(b.x + b.extent for b in (i.box for i in diagram.items) if b is not None)
    for p in root.iter(f"{SVG_NS}path"):
        xs = [float(x) for x in re.findall(r"[MLQ ]([\d.]+),", p.get("d", ""))]
        assert all(x <= right + 0.5 for x in xs), p.get("d")
    assert _problems(diagram) == []


def test_wiring_on_a_wrapped_line_stays_on_that_line() -> None:
    # twelve convs wrap the picture into lines; the a/b/c/d cross wiring is on the last line, so
    # its dashed arc rises above that line's boxes but stays below every box of the lines above
    # (it went up over the whole picture, crossing them: yolov4-tiny's CSP routes did)
    chain = "".join(f"  - conv: {{filters: 8, f: 3, padding: same, name: c{k}}}\n" for k in range(12))
    text = CROSS.replace("layers:\n", "layers:\n" + chain)
    diagram = layout.layout(_report(text))
    root = ET.fromstring(svg.render(diagram))
    paths = list(root.iter(f"{SVG_NS}path"))
    (extra,) = [p for p in paths if "extra" in p.get("class", "").split()]
    boxes = {i.name: i.box for i in diagram.items if i.box is not None and i.role == "layer"}
    assert boxes["c0"].y + boxes["c0"].height < boxes["a"].y  # a is on a later line than c0
    above = [b for n, b in boxes.items() if b.y + b.height < boxes["a"].y - 20]
    assert above and _top(extra) > max(b.y + b.height for b in above)
    assert _top(extra) < boxes["a"].y - boxes["a"].oy
    assert _problems(diagram) == []
