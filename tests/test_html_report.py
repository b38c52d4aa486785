"""cnncalc/render/html_report.py, html_charts.py and `cnncalc report`, read as text (the page in
a real browser: test_html_browser.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import page
from cnncalc.analysis import analyze_text
from cnncalc.cli import main, read_source
from cnncalc.render import html_charts, html_report

HOSTILE = """
name: "<script>alert('title')</script> & \\"q\\""
reference: "</script><img src=x onerror=alert(2)>"
input: [32, 32, 3]
layers:
  - conv: {name: "<script>alert(1)</script>", filters: 4, f: 3}
  - conv: {name: "a\\"b'c<i>line</script><!--", filters: 4, f: 3, s: 2}
  - residual:
      name: "<img src=x onerror=alert(3)>"
      main: [{conv: {filters: 4, f: 3, padding: same}}]
  - fc: 10
expect:
  params: 5
"""
HOSTILE_NAMES = ["<script>alert(1)</script>", "a\"b'c<i>line</script><!--", "<img src=x onerror=alert(3)>"]


def _page(text: str, file: str = "t.yaml", depth: int = 1) -> str:
    return html_report.render([page.build(analyze_text(text, file), analyze_text(text, file), depth)])


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <dd data-key=...>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.totals: dict[str, tuple[str | None, str]] = {}
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        self._key = a.get("data-key") if tag == "dd" else None

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            value = self.tags[-1][1].get("data-value")
            self.totals[self._key] = (value, data)
            self._key = None


def _tags(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    return parser


def _data(text: str) -> dict:
    block = re.search(r'<script type="application/json" id="cnncalc-data">(.*?)</script>', text, re.S)
    assert block is not None
    return json.loads(block.group(1))


def test_hostile_names_are_text_everywhere() -> None:
    text = _page(HOSTILE)
    tags = _tags(text).tags
    # only our two script elements, and no element a name could have made
    assert [a for t, a in tags if t == "script"] == [{"type": "application/json", "id": "cnncalc-data"}, {}]
    assert not [t for t, _ in tags if t in ("img", "i")]
    assert not [a for _, a in tags if any(k.startswith("on") for k in a)]
    assert text.count("</script") == 2
    # the data block holds the names exactly, with < > & as JSON escapes
    data = _data(text)
    assert set(HOSTILE_NAMES) <= set(data["networks"][0]["sort"]["name"])
    block = text[text.index('id="cnncalc-data">'):text.index("</script>")]
    assert "<" not in block[len('id="cnncalc-data">'):] and "&" not in block
    # and the text shows them escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "a&quot;b&#x27;c&lt;i&gt;line&lt;/script&gt;&lt;!--" in text


def test_a_name_with_a_newline_is_refused_in_one_line(tmp_path: Path) -> None:
    src = tmp_path / "n.yaml"
    src.write_text('input: 8x8x1\nlayers:\n  - conv: {name: "a\\nb", filters: 1, f: 3}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(src), "-o", str(tmp_path / "n.html")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{src}:3:18: error: layer name 'a\\nb' holds a control character")
    assert not (tmp_path / "n.html").exists()


def test_script_json_escapes_what_could_end_the_block() -> None:
    out = html_report.script_json({"n": "</script><!--&"})
    assert out == '{"n":"\\u003c/script\\u003e\\u003c!--\\u0026"}'
    assert json.loads(out) == {"n": "</script><!--&"}


@pytest.mark.parametrize("convention", ["cnncalc", "torchinfo", "keras", "fvcore"])
def test_totals_shown_are_summarize_json(convention: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", "resnet50", "-o", str(out), "--convention", convention])
    assert result.exit_code == 0, result.output
    summary = json.loads(CliRunner().invoke(
        main, ["summarize", "resnet50", "--format", "json", "--convention", convention]).stdout)
    shown = _tags(out.read_text(encoding="utf-8")).totals
    t = summary["totals"]
    expected = {**{k: t[k] for k in ("params", "trainable", "buffers", "macs", "flops", "param_bytes",
                                     "activations")}, "frozen": t["params"] - t["trainable"]}
    for key, value in expected.items():
        raw, written = shown[key]
        assert int(raw) == value and int(written.replace(",", "")) == value, key


def test_peak_memory_is_the_memory_command_s(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    CliRunner().invoke(main, ["report", "googlenet", "-o", str(out), "--dtype", "float16"])
    found = json.loads(CliRunner().invoke(main, ["memory", "googlenet", "--format", "json", "--dtype",
                                                 "float16"]).stdout)
    raw, written = _tags(out.read_text(encoding="utf-8")).totals["peak_bytes"]
    assert int(raw) == int(written.replace(",", "")) == found["inference_peak"]["bytes"]


def test_diagram_layers_link_to_their_rows() -> None:
    text = _page(read_source("inception3a")[0], "inception3a", depth=2)
    tags = _tags(text).tags
    ids = {a["id"]: a for t, a in tags if t == "tr" and a.get("id")}
    linked = 0
    for k, (t, a) in enumerate(tags):
        if t == "a" and k + 1 < len(tags) and tags[k + 1][0] == "g":
            target = a["href"][1:]
            assert target in ids
            linked += 1
    # inception3a at depth 2: its 4 branches folded and the concat, as summarize --depth 2 prints
    drawn = [a for t, a in tags if t == "g" and "layer" in a.get("class", "").split()]
    assert linked == len(drawn) == 5


def test_the_diagram_command_is_unchanged_by_links() -> None:
    from cnncalc.diagram import layout, svg

    report = analyze_text(*read_source("resnet18"))
    plain = svg.render(layout.layout(report, 1))
    linked = svg.render(layout.layout(report, 1), {"conv1": "#x"}, prolog=False)
    assert linked.replace('<a href="#x">\n', "").replace("</g>\n</a>", "</g>", 1) == plain.split("\n", 1)[1]


def test_failed_expectation_writes_the_page_and_exits_1(tmp_path: Path) -> None:
    src = tmp_path / "h.yaml"
    src.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "h.html"
    result = CliRunner().invoke(main, ["report", str(src), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"{src}:13:3: error: expected network params 5, found 8,258\n"
    text = out.read_text(encoding="utf-8")
    assert '<details class="problems failed" open><summary>1 failed expectation, 1 warning</summary>' in text
    assert f'<li class="error">{src}:13:3: error: expected network params 5, found 8,258</li>' in text


@pytest.mark.parametrize(("args", "message"), [
    (["nosuch.yaml"], "nosuch.yaml:1:1: error: no such file or bundled architecture"),
    (["lenet5", "-o", "/nonexistent/dir/x.html"], "/nonexistent/dir/x.html:1:1: error: cannot write"),
])
def test_unusable_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_several_files_are_compared_on_one_page(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    assert CliRunner().invoke(main, ["report", "alexnet", "alexnet_no_fc7", "-o", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.count('<section class="network"') == 2
    # alexnet_no_fc7 drops fc7 (4096 x 4096 + 4096 = 16,781,312 params)
    a, b = (json.loads(CliRunner().invoke(main, ["summarize", n, "--format", "json"]).stdout)["totals"]["params"]
            for n in ("alexnet", "alexnet_no_fc7"))
    assert a - b == 16_781_312
    assert f'<td class="num">{a:,}</td><td class="num">{b:,}</td><td class="num">{b / a:.2f}×</td>' in text


def test_page_needs_no_network() -> None:
    text = _page(read_source("googlenet")[0], "googlenet")
    tags = _tags(text).tags
    assert not [a for t, a in tags if t in ("link", "img", "iframe") or (t == "script" and "src" in a)]
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)


def test_bars_merge_long_networks_and_keep_their_sum() -> None:
    bars = [html_charts.Bar(f"l{i}", i, f"#r{i}") for i in range(1000)]
    merged = html_charts._merged(bars)
    assert len(merged) <= html_charts.MAX_BARS and sum(v for _, v, _ in merged) == sum(range(1000))
    drawn = html_charts.bars(bars, "params")
    # 1000 rows in bars of 3: the last bar is l999 alone (999), the largest l996..l998 (2,991)
    assert drawn.count("<rect") == len(merged) == 334
    assert "largest: l996 … l998 (3 rows), 2,991 params" in drawn and "<title>l999: 999 params</title>" in drawn


def test_curve_keeps_the_peak_of_a_long_network() -> None:
    points = [(f"l{i}", 10) for i in range(5000)]
    points[3333] = ("l3333", 999)
    out = html_charts.curve(points, "l3333", 999)
    assert "peak 999 B at l3333" in out
    assert len(re.search(r'points="([^"]*)"', out.split("<polyline")[1]).group(1).split()) <= html_charts.MAX_POINTS
