"""Hostile names through the reader and through every writer (issue 13, items 3, 4 and 10).

Names with a control character are rejected where they are read; the same names, injected past
the reader (its check patched out), and the printable hostile names must still stay in their
place in every output: a property of each target is asserted, not a fixed text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hostile_names import ALL, CONTROL, PRINTABLE, injection

from cnncalc import entries, spec, tree
from cnncalc.cli import main
from cnncalc.importers import caffe


def _control(ch: str) -> bool:  # worked out here, not with cnncalc.escape: an independent check
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def network(name: str, title: str = "t", filters: int = 2) -> str:
    """Three layers: `name` is a layer name, a `from` of two others, and in a floor warning."""
    q = json.dumps(name)  # a JSON string is a YAML double-quoted scalar
    return (
        f"name: {json.dumps(title)}\n"
        "input: [8, 8, 1]\n"
        "layers:\n"
        f"  - conv: {{name: {q}, filters: {filters}, f: 3, s: 2}}\n"
        f"  - conv: {{name: other, filters: {filters}, f: 1, from: {q}}}\n"
        f"  - add: {{from: [{q}, other]}}\n"
    )


def run(args: list[str]) -> Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture
def past_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names reach the writers as written: the writers' own escaping is what is tested."""
    for module in (spec, entries, tree, caffe):
        monkeypatch.setattr(module, "check_printable", lambda *args: None)


# ---- the reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTROL.values(), ids=CONTROL.keys())
def test_a_layer_name_with_a_control_character_is_a_located_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(network(name), encoding="utf-8")
    for command in (["summarize"], ["validate"], ["export", "--to", "pytorch"], ["diagram", "--format", "dot"]):
        result = run([*command, str(path)])
        assert result.exit_code == 2, command
        bad = next(ch for ch in name if _control(ch))
        lines = result.stderr.splitlines() if command[0] != "validate" else result.stdout.splitlines()[:-1]
        assert lines, command
        first = lines[0]
        assert first.startswith(f"{path}:4:"), first
        shown = "".join(ch.encode("unicode_escape").decode() if _control(ch) else ch for ch in name)
        assert f"error: layer name '{shown}'" in first
        assert f"holds a control character (U+{ord(bad):04X})" in first
        assert not any(_control(ch) for line in lines for ch in line)  # each diagnostic one line


def test_the_rejected_name_is_shown_escaped_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(network("a\nb"), encoding="utf-8")
    result = run(["summarize", str(path)])
    assert result.stderr.splitlines() == [
        f"{path}:4:18: error: layer name 'a\\nb' holds a control character (U+000A); names are printed in "
        "tables, diagrams and code, so they must be printable text"
    ]


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ('name: "n\\x1b[2J"\ninput: [8, 8, 1]\nlayers: [{fc: {units: 2}}]\n', ":1:7:", "network name 'n\\x1b[2J'"),
        ('input: [8, 8, 1]\nlayers: [{fc: {units: 2}}, {fc: {units: 2, from: "a\\u202e"}}]\n', ":2:",
         "'from' name 'a\\u202e'"),
        ('input: [8, 8, 1]\nvars: {"v\\n": 1}\nlayers: [{fc: {units: 2}}]\n', ":2:8:", "variable name 'v\\n'"),
        ('input: [8, 8, 1]\nblocks: {"b\\x07": {layers: [{fc: {units: 2}}]}}\nlayers: [{fc: {units: 2}}]\n',
         ":2:10:", "block name 'b\\x07'"),
    ],
    ids=["network", "from", "var", "block"],
)
def test_every_kind_of_name_is_checked(tmp_path: Path, text: str, where: str, what: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    result = run(["summarize", str(path)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{path}{where}") and f"error: {what} holds a control character" in line, line


def proto_string(text: str) -> str:
    """A protobuf text-format string: C0 and DEL as \\xNN, the rest as UTF-8."""
    body = "".join(
        "\\" + ch if ch in '"\\' else f"\\x{ord(ch):02x}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
        for ch in text
    )
    return f'"{body}"'


def prototxt(layer_name: str, top: str = "c") -> str:
    return (
        'name: "n"\ninput: "data"\ninput_shape { dim: 1 dim: 1 dim: 8 dim: 8 }\n'
        f"layer {{ name: {proto_string(layer_name)} type: \"Convolution\" bottom: \"data\" top: {proto_string(top)}\n"
        "  convolution_param { num_output: 2 kernel_size: 3 } }\n"
    )


@pytest.mark.parametrize(("layer", "top", "what"), [("c\nx", "c", "layer name"), ("c", "c\x1b[2J", "blob name")])
def test_caffe_names_are_checked_where_they_are_read(tmp_path: Path, layer: str, top: str, what: str) -> None:
    path = tmp_path / "net.prototxt"
    path.write_text(prototxt(layer, top), encoding="utf-8")
    for command in (["import"], ["summarize"]):
        result = run([*command, str(path)])
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"{path}:4:") and f"error: {what} '" in line and "control character" in line


# ---- every writer, with names past the reader ---------------------------------------------------


def terminal_safe(text: str) -> None:
    """No ESC, BEL, CR, C1, bidi override...: only the renderer's own newlines."""
    bad = sorted({f"U+{ord(ch):04X}" for ch in text if _control(ch) and ch != "\n"})
    assert not bad, bad


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line.replace("\\\\", "")))


def no_forged_line(out: str, name: str) -> None:
    """What follows a newline in a name never starts a line of its own."""
    for part in name.splitlines()[1:]:
        assert not [line for line in out.splitlines() if line.strip() == part or len(part) > 3
                    and line.lstrip().startswith(part)], part


def check_table(out: str, plain: str, name: str) -> None:
    """rich wraps a long warning to the console's width, so lines are not counted here."""
    terminal_safe(out)
    no_forged_line(out, name)
    if "[" in name and not any(_control(ch) for ch in name):
        assert name in out  # rich markup is shown as written


def check_keras_summary(out: str, plain: str, name: str) -> None:
    """Keras' layout: the same lines as the plain network's; '/' and '.' read '_' (Keras' rule)."""
    terminal_safe(out)
    no_forged_line(out, name)
    assert len(out.splitlines()) >= len(plain.splitlines())
    shown = name.replace("/", "_").replace(".", "_")
    if "[" in name and not any(_control(ch) for ch in name) and len(shown) < 20:
        assert shown in out  # rich markup is shown as written


def check_json(out: str, plain: str, name: str) -> None:
    data = json.loads(out)
    assert data["layers"][0]["name"] == name and data["layers"][2]["from"] == [name, "other"]
    terminal_safe(out)


def check_csv(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 4 and all(len(r) == len(rows[0]) for r in rows)
    for row in rows[1:]:
        for cell in row[:4]:  # name, type, from, output: text a spreadsheet must not run
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert all(cell.isdigit() for cell in row[4:9])  # numbers stay numbers


def check_markdown(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    assert len(out.splitlines()) == len(plain.splitlines())
    tables = re.split(r"\n(?!\|)", out)  # runs of lines that start with '|'
    for table in tables:
        rows = [line for line in table.splitlines() if line.startswith("|")]
        assert len({unescaped_pipes(r) for r in rows}) <= 1, rows  # every row has the header's cells
    for line in out.splitlines():
        outside_code = re.sub(r"(`+).*?(?<!`)\1(?!`)", "", line)
        assert "<" not in outside_code.replace("\\<", ""), line  # no HTML outside code spans


def check_explain_markdown(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    assert len(out.splitlines()) == len(plain.splitlines())


def check_validate_text(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    *diagnostics, last = out.splitlines()
    assert last == "1 file checked, 0 failed"
    assert diagnostics and all(re.match(r"^\S.*\.yaml:\d+:\d+: (warning|error): ", d) for d in diagnostics)
    assert len(diagnostics) == len(plain.splitlines()) - 1


def check_github(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    *annotations, last = out.splitlines()
    assert last.endswith("checked, 0 failed") and len(annotations) == len(plain.splitlines()) - 1
    for a in annotations:
        assert re.fullmatch(r"::(warning|error) file=[^,:]+,line=\d+,col=\d+::.*", a), a


def check_svg(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    root = ET.fromstring(out)
    elements = list(root.iter())
    assert not [e for e in elements if e.tag.rsplit("}", 1)[-1].lower() in ("script", "foreignobject")]
    assert not [k for e in elements for k in e.attrib if k.lower().startswith("on")]
    names = [e.get("data-name") for e in elements if e.get("data-name") is not None]
    assert len(names) == len([e for e in ET.fromstring(plain).iter() if e.get("data-name") is not None])


def check_mermaid(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    assert len(out.splitlines()) == len(plain.splitlines())
    for line in out.splitlines():
        if "[" in line:
            m = re.fullmatch(r'    n_\w+\["([^"]*)"\]', line)
            assert m, line
            assert "<" not in m.group(1).replace("<br/>", "") and "`" not in m.group(1), line


def dot_strings_closed(line: str) -> bool:
    inside = False
    i = 0
    while i < len(line):
        if inside and line[i] == "\\":
            i += 2
            continue
        if line[i] == '"':
            inside = not inside
        i += 1
    return not inside


def check_dot(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    assert len(out.splitlines()) == len(plain.splitlines())
    assert all(dot_strings_closed(line) for line in out.splitlines())
    for line in out.splitlines():
        if "label=" in line:
            assert re.fullmatch(r'    n_\w+ \[label=".*", kind=".*", tooltip=".*"\];', line), line


def check_text(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    no_forged_line(out, name)
    assert len(out.splitlines()) == len(plain.splitlines())


def check_sweep_csv(out: str, plain: str, name: str) -> None:
    terminal_safe(out)
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == len(plain.splitlines()) and all(len(r) == len(rows[0]) for r in rows)
    assert not [c for r in rows[1:] for c in r[1:3] if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def check_html(out: str, plain: str, name: str) -> None:
    """The report page: the same elements as the plain network's, none a name made, and the
    script's data block still holding the name (its `<`, `>`, `&` as JSON escapes)."""
    terminal_safe(out)
    seen, base = _Elements(), _Elements()
    seen.feed(out)
    base.feed(plain)
    assert [t for t, _ in seen.found] == [t for t, _ in base.found]
    assert not [k for _, a in seen.found for k in a if k.lower().startswith("on")]
    block = re.search(r'<script type="application/json" id="cnncalc-data">(.*?)</script>', out, re.S)
    assert block is not None and "<" not in block.group(1)
    if not any(_control(ch) for ch in name):  # (a control character is written as its escape)
        assert json.loads(block.group(1))["networks"][0]["sort"]["name"][0] == name


SWEEP = ["summarize", "--input", "8x8x1", "--input", "9x9x1"]
WRITERS: dict[str, tuple[list[str], Callable[[str, str, str], None]]] = {
    "summarize-table": (["summarize", "--columns", "from"], check_table),
    "summarize-json": (["summarize", "--format", "json"], check_json),
    "summarize-csv": (["summarize", "--format", "csv"], check_csv),
    "summarize-markdown": (["summarize", "--format", "markdown", "--columns", "from"], check_markdown),
    "explain-text": (["explain"], check_text),
    "explain-markdown": (["explain", "--format", "markdown"], check_explain_markdown),
    "validate-text": (["validate"], check_validate_text),
    "validate-json": (["validate", "--format", "json"], lambda out, plain, name: json.loads(out)),
    "validate-github": (["validate", "--format", "github"], check_github),
    "summarize-savings": (["summarize", "--savings"], check_table),
    "summarize-course": (["summarize", "--format", "course"], check_text),
    "summarize-variables": (["summarize", "--format", "variables"], check_text),
    "summarize-variables-torch": (["summarize", "--format", "variables", "--layout", "torch"], check_text),
    "sweep-table": (SWEEP, check_table),
    "sweep-markdown": ([*SWEEP, "--format", "markdown"], check_markdown),
    "sweep-csv": ([*SWEEP, "--format", "csv"], check_sweep_csv),
    "sweep-json": ([*SWEEP, "--format", "json"], lambda out, plain, name: terminal_safe(out) or json.loads(out)),
    "symbolic": (["summarize", "--input", "HxWx1"], check_table),
    "constraints": (["constraints"], check_text),
    "memory": (["memory"], check_table),
    "diagram-svg": (["diagram"], check_svg),
    "diagram-mermaid": (["diagram", "--format", "mermaid"], check_mermaid),
    "diagram-dot": (["diagram", "--format", "dot"], check_dot),
    "report-html": (["report"], check_html),
    "summarize-keras": (["summarize", "--format", "keras"], check_keras_summary),
}


def write_pair(tmp_path: Path, name: str) -> tuple[Path, Path]:
    hostile, plain = tmp_path / "hostile.yaml", tmp_path / "plain.yaml"
    hostile.write_text(network(name, title=name), encoding="utf-8")
    plain.write_text(network("plainname", title="plain"), encoding="utf-8")
    return hostile, plain


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("writer", WRITERS, ids=WRITERS.keys())
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_every_writer_keeps_a_hostile_name_in_its_place(tmp_path: Path, name: str, writer: str) -> None:
    hostile, plain = write_pair(tmp_path, name)
    args, check = WRITERS[writer]
    result, baseline = run([*args, str(hostile)]), run([*args, str(plain)])
    assert result.exit_code == baseline.exit_code == 0, result.output
    terminal_safe(result.stderr)
    check(result.stdout, baseline.stdout, name)


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_compare_keeps_a_hostile_name_in_its_place(tmp_path: Path, name: str) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(network(name, title=name), encoding="utf-8")
    b.write_text(network(name, title=name, filters=3), encoding="utf-8")
    pa, pb = tmp_path / "pa.yaml", tmp_path / "pb.yaml"
    pa.write_text(network("plainname"), encoding="utf-8")
    pb.write_text(network("plainname", filters=3), encoding="utf-8")
    for fmt, check in (("text", check_text), ("markdown", check_text), ("json", None)):
        result = run(["compare", str(a), str(b), "--format", fmt])
        baseline = run(["compare", str(pa), str(pb), "--format", fmt])
        assert result.exit_code == 0, result.output
        if check is None:
            assert json.loads(result.stdout)["layers"][0]["name"] == name
        else:
            check(result.stdout, baseline.stdout, name)
        if fmt == "markdown":
            rows = [line for line in result.stdout.splitlines() if line.startswith("|")]
            assert all(unescaped_pipes(r) == unescaped_pipes(rows[-1]) for r in rows[-4:])


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_compare_of_three_keeps_a_hostile_name_in_its_place(tmp_path: Path, name: str) -> None:
    """Three files: the ratio rows under each value (issue 16)."""
    hostile = [tmp_path / f"{x}.yaml" for x in "abc"]
    plain = [tmp_path / f"p{x}.yaml" for x in "abc"]
    for i, (h, p) in enumerate(zip(hostile, plain, strict=True)):
        h.write_text(network(name, title=name, filters=2 + i), encoding="utf-8")
        p.write_text(network("plainname", filters=2 + i), encoding="utf-8")
    result = run(["compare", *map(str, hostile)])
    baseline = run(["compare", *map(str, plain)])
    assert result.exit_code == baseline.exit_code == 0, result.output
    check_text(result.stdout, baseline.stdout, name)


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_a_diagnostic_naming_a_hostile_layer_is_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(
        "input: [8, 8, 1]\nlayers:\n  - conv: {filters: 2, f: 3}\n"
        f"  - fc: {{units: 2, from: {json.dumps(name)}}}\n",
        encoding="utf-8",
    )
    for fmt in ("text", "github"):
        result = run(["validate", "--format", fmt, str(path)])
        assert result.exit_code == 2
        *problems, summary = result.stdout.splitlines()
        assert summary == "1 file checked, 1 failed" and len(problems) == 1, result.stdout
        terminal_safe(result.stdout)
    result = run(["summarize", str(path)])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    terminal_safe(result.stderr)


def test_a_file_name_with_a_newline_stays_on_its_diagnostic_line(tmp_path: Path) -> None:
    path = tmp_path / "a\nb:1:1: error: forged.yaml"
    path.write_text("input: [8, 8, 1]\nlayers:\n  - fc: {units: 2, from: nowhere}\n", encoding="utf-8")
    for fmt in ("text", "github"):
        result = run(["validate", "--format", fmt, str(path)])
        assert len(result.stdout.splitlines()) == 2, result.stdout
    result = run(["summarize", str(path)])
    assert len(result.stderr.splitlines()) == 1 and "a\\nb" in result.stderr


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_check_keeps_a_hostile_name_in_its_place(tmp_path: Path, name: str) -> None:
    hostile, _ = write_pair(tmp_path, name)
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"? {json.dumps(name)}\n: {{params: 3}}\n", encoding="utf-8")  # '?': keys over 1,024
    result = run(["check", str(hostile), str(answers)])
    assert result.exit_code == 1, result.output  # the answer is wrong: 20, not 3
    terminal_safe(result.stdout)
    no_forged_line(result.stdout, name)
    assert "the answer is 20" in result.stdout


# ---- export: compiles, imports, instantiates, runs nothing injected -----------------------------


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_the_pytorch_export_compiles_whatever_the_name(tmp_path: Path, name: str) -> None:
    hostile, _ = write_pair(tmp_path, name)
    result = run(["export", "--to", "pytorch", str(hostile)])
    assert result.exit_code == 0, result.output
    compile(result.stdout, "export.py", "exec")
    terminal_safe(result.stdout)


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ["marker", *ALL.values()], ids=["injection", *ALL.keys()])
def test_the_keras_export_compiles_and_runs_nothing_a_name_holds(tmp_path: Path, name: str) -> None:
    import ast

    if name == "marker":
        name = injection(str(tmp_path / "pwned"))
    hostile, plain = write_pair(tmp_path, name)
    result, baseline = run(["export", "--to", "keras", str(hostile)]), run(["export", "--to", "keras", str(plain)])
    assert result.exit_code == 0, result.output
    terminal_safe(result.stdout)
    tree_, base = ast.parse(result.stdout), ast.parse(baseline.stdout)
    # the same statements as the plain network's: a name adds none (it stays inside its literal)
    assert [type(n).__name__ for n in ast.walk(tree_)] == [type(n).__name__ for n in ast.walk(base)]


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ["marker", *ALL.values()], ids=["injection", *ALL.keys()])
def test_the_exported_module_imports_and_runs_without_running_a_name(tmp_path: Path, name: str) -> None:
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    if name == "marker":
        name = injection(str(marker))
    hostile, _ = write_pair(tmp_path, name)
    out = tmp_path / "exported.py"
    result = run(["export", "--to", "pytorch", str(hostile), "-o", str(out)])
    assert result.exit_code == 0, result.output
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(out.read_text(encoding="utf-8"), str(out), "exec"), namespace)  # noqa: S102
    cls = next(v for v in namespace.values() if hasattr(v, "INPUT_SHAPE"))  # the network, not a helper
    model = cls().eval()
    y = model(torch.zeros(1, 1, 8, 8))
    assert tuple(y.shape) == (1, 2, 3, 3)
    assert sum(p.numel() for p in model.parameters()) == 26  # 3*3*1*2 + 2, then 1*1*2*2 + 2
    assert not marker.exists()


def test_names_equal_after_nfkc_are_two_attributes(tmp_path: Path) -> None:
    """`fi` and `ﬁ` are one identifier to Python: the second layer must not replace the first."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "net.yaml"
    path.write_text(
        "input: [8]\nlayers:\n  - fc: {name: fi, units: 3}\n  - fc: {name: \"ﬁ\", units: 5}\n"
        "  - fc: {name: \"a²\", units: 4}\n  - fc: {name: a2, units: 6}\n",
        encoding="utf-8",
    )
    result = run(["export", "--to", "pytorch", str(path)])
    assert result.exit_code == 0, result.output
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(result.stdout, "export.py", "exec"), namespace)  # noqa: S102
    model = namespace["Net"]()
    shapes = [tuple(m.weight.shape) for m in model.children()]
    assert shapes == [(3, 8), (5, 3), (4, 5), (6, 4)]  # four layers, each its own
    assert tuple(model(torch.zeros(1, 8)).shape) == (1, 6)
    attrs = [n for n, _ in model.named_children()]
    assert len({unicodedata.normalize("NFKC", a) for a in attrs}) == 4


def test_a_source_that_does_not_compile_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never exit 0 with a broken file: the compile check raises, and the CLI's guard says exit 3."""
    from cnncalc.export import pytorch

    monkeypatch.setattr(pytorch, "python_comment", lambda text: text)  # as before the fix
    monkeypatch.setattr(spec, "check_printable", lambda *args: None)
    monkeypatch.setattr(entries, "check_printable", lambda *args: None)
    monkeypatch.setattr(tree, "check_printable", lambda *args: None)
    runner = CliRunner()
    with runner.isolated_filesystem():
        Path("net.yaml").write_text(network("a\x00b"), encoding="utf-8")
        result = runner.invoke(main, ["export", "--to", "pytorch", "net.yaml", "-o", "out.py"])
        assert result.exit_code == 3, result.output
        assert not Path("out.py").exists()
        assert "does not compile" in result.stderr and len(result.stderr.splitlines()) == 1


# ---- import -> YAML ---------------------------------------------------------------------------


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_an_imported_name_round_trips_through_the_yaml(tmp_path: Path, name: str) -> None:
    if "." in name:  # the importer turns dots into underscores, as cnncalc names hold none
        pytest.skip("dotted")
    path = tmp_path / "net.prototxt"
    path.write_text(prototxt(name), encoding="utf-8")
    result = run(["import", str(path)])
    assert result.exit_code == 0, result.output
    terminal_safe(result.stdout)
    data = yaml.safe_load(result.stdout)
    assert data["layers"][0]["conv"]["name"] == name
    assert sys.getsizeof(result.stdout) < 100_000


@pytest.mark.parametrize("name", PRINTABLE.values(), ids=PRINTABLE.keys())
def test_a_printable_hostile_name_is_accepted(tmp_path: Path, name: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(network(name), encoding="utf-8")
    result = run(["summarize", "--format", "json", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["layers"][0]["name"] == name


# ---- ONNX: the exporter writes names as data, the reader checks them (issue 17) ---------------


@pytest.mark.usefixtures("past_the_reader")
@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_the_onnx_export_keeps_a_hostile_name_as_the_node_name(tmp_path: Path, name: str) -> None:
    onnx = pytest.importorskip("onnx")
    hostile, _ = write_pair(tmp_path, name)
    out = tmp_path / "net.onnx"
    result = run(["export", str(hostile), "--to", "onnx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert model.graph.node[0].name == name and model.graph.node[0].output[0] == name
    assert model.graph.node[1].input[0] == name  # `from` reaches the next node's input


@pytest.mark.parametrize("name", ALL.values(), ids=ALL.keys())
def test_the_onnx_reader_checks_node_names(tmp_path: Path, name: str) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"], name=name)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])])
    path = tmp_path / "net.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    assert onnx is not None
    result = run(["summarize", str(path), "--format", "json"])
    terminal_safe(result.stdout + result.stderr)
    if any(_control(ch) for ch in name):
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        assert "node 0 (Relu" in result.stderr and "control character" in result.stderr
    else:
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["layers"][0]["name"] == name.replace(".", "_")
