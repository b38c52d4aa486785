"""`cnncalc report` pages in a real browser: Debian's chromium, driven headless by Playwright.

Skips cleanly where playwright or /usr/bin/chromium is missing (.ci/run installs both).
Screenshots and a PDF land in test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
HOSTILE = """
name: "<script>alert('title')</script>"
reference: "</script><img src=x onerror=alert(2)>"
input: [16, 16, 3]
layers:
  - conv: {name: "<script>alert(1)</script>", filters: 4, f: 3}
  - conv: {name: "a\\"b'c<img src=x onerror=alert(4)>line", filters: 4, f: 3, s: 2}
  - residual:
      name: "<img src=x onerror=alert(3)>"
      main: [{conv: {name: "</script><script>alert(5)</script><!--", filters: 4, f: 3, padding: same}}]
  - fc: 10
expect: {params: 5}
"""


def _cli(*args: str) -> str:
    return CliRunner().invoke(main, list(args)).stdout


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    src = folder / "hostile.yaml"
    src.write_text(HOSTILE, encoding="utf-8")
    out = {}
    for name, args in {"resnet50": ["resnet50"], "hostile": [str(src)], "googlenet": ["googlenet"]}.items():
        out[name] = folder / f"{name}.html"
        result = CliRunner().invoke(main, ["report", *args, "-o", str(out[name])])
        assert result.exit_code in (0, 1), result.output
    return out


@pytest.fixture
def open_page(browser, pages):  # noqa: ANN001, ANN201
    opened = []

    def go(name: str, width: int = 1280, height: int = 900):  # noqa: ANN202
        tab = browser.new_page(viewport={"width": width, "height": height})
        tab.problems = []
        tab.on("dialog", lambda d: (tab.problems.append(f"dialog: {d.message}"), d.dismiss()))
        tab.on("console", lambda m: tab.problems.append(f"console {m.type}: {m.text}"))
        tab.on("pageerror", lambda e: tab.problems.append(f"error: {e}"))
        tab.on("request", lambda r: r.url.startswith("file:") or tab.problems.append(f"request: {r.url}"))
        tab.goto(pages[name].as_uri())
        opened.append(tab)
        return tab

    yield go
    for tab in opened:
        tab.close()


def _visible_names(tab) -> list[str]:  # noqa: ANN001
    return tab.eval_on_selector_all("table.layers tbody tr:not([hidden]):not(.explain-row) .nm",
                                    "els => els.map(e => e.textContent)")


def _explained(name: str, layer: str) -> str:
    """What `cnncalc explain NAME LAYER` prints after its title line and the blank line."""
    return _cli("explain", name, layer).split("\n", 2)[2].rstrip("\n")


def test_totals_shown_are_summarize_json(open_page) -> None:  # noqa: ANN001
    tab = open_page("resnet50")
    shown = dict(tab.eval_on_selector_all("dd[data-key]", "els => els.map(e => [e.dataset.key, e.innerText])"))
    totals = json.loads(_cli("summarize", "resnet50", "--format", "json"))["totals"]
    for key in ("params", "trainable", "buffers", "macs", "flops", "param_bytes", "activations"):
        assert int(shown[key].replace(",", "")) == totals[key], key
    assert shown["params"] == "25,557,032"  # torchvision's num_params
    peak = json.loads(_cli("memory", "resnet50", "--format", "json"))["inference_peak"]["bytes"]
    assert int(shown["peak_bytes"].replace(",", "")) == peak
    assert tab.problems == []


def test_fold_and_unfold_a_composite(open_page) -> None:  # noqa: ANN001
    tab = open_page("resnet50")
    depth1 = [row["name"] for row in json.loads(_cli("summarize", "resnet50", "--depth", "1",
                                                     "--format", "json"))["layers"]]
    assert _visible_names(tab) == depth1
    row = tab.locator("tr", has=tab.locator(".nm", has_text="bottleneck1")).first
    row.locator("button.fold").click()
    assert row.locator("button.fold").get_attribute("aria-expanded") == "true"
    names = _visible_names(tab)
    at = names.index("bottleneck1")
    assert names[at: at + 4] == ["bottleneck1", "bottleneck1.main", "bottleneck1.shortcut", "bottleneck1.add"]
    row.locator("button.fold").click()
    assert _visible_names(tab) == depth1
    tab.click("button.unfold-all")
    leaves = [r["name"] for r in json.loads(_cli("summarize", "resnet50", "--format", "json"))["layers"]]
    shown = _visible_names(tab)
    assert [n for n in shown if n in set(leaves)] == leaves and len(shown) > len(leaves)
    tab.click("button.fold-all")
    assert _visible_names(tab) == depth1


def test_sort_a_column(open_page) -> None:  # noqa: ANN001
    tab = open_page("resnet50")
    rows = json.loads(_cli("summarize", "resnet50", "--depth", "1", "--format", "json"))["layers"]
    tab.click("th.c-params button.sort")
    names = _visible_names(tab)
    by_params = sorted(rows, key=lambda r: -r["params"])
    params = {r["name"]: r["params"] for r in rows}
    assert [params[n] for n in names] == [r["params"] for r in by_params]
    assert names[0] == "bottleneck14"  # 6,039,552: the 1x1 projection to 2048 channels
    assert tab.get_attribute("th.c-params", "aria-sort") == "descending"
    tab.click("th.c-params button.sort")
    assert [params[n] for n in _visible_names(tab)] == [r["params"] for r in reversed(by_params)]
    tab.click("th.c-name button.sort")
    assert _visible_names(tab) == sorted(params)
    tab.click("button.unsort")
    assert _visible_names(tab) == [r["name"] for r in rows]


def test_click_a_layer_shows_explain_s_steps(open_page) -> None:  # noqa: ANN001
    tab = open_page("resnet50")
    tab.locator("tr", has=tab.locator(".nm", has_text="conv1")).first.locator("td.c-kind").click()
    assert tab.text_content("pre.formulas") == _explained("resnet50", "conv1")
    assert "⌊(224 + 2×3 - 7)/2⌋ + 1" in tab.text_content("pre.formulas")
    # a composite: the steps of all its layers, as `explain resnet50 bottleneck2` prints them
    tab.locator("tr", has=tab.locator(".nm", has_text="bottleneck2")).first.locator("td.c-kind").click()
    assert tab.text_content("pre.formulas") == _explained("resnet50", "bottleneck2")
    assert tab.locator("pre.formulas").count() == 1


def test_diagram_and_problem_links_reveal_their_rows(open_page) -> None:  # noqa: ANN001
    tab = open_page("resnet50")
    tab.locator('svg a g[data-name="bottleneck3"] rect.front').click()
    assert tab.locator("tr.picked .nm").text_content() == "bottleneck3"
    assert tab.text_content("pre.formulas") == _explained("resnet50", "bottleneck3")
    # a note inside a folded block: its link unfolds the block and shows the row. 8 floors that
    # drop no input (notes since issue 14): conv1, pool1, and the stride-2 conv2 and shortcut of
    # bottleneck 4, 8 and 14
    assert tab.text_content("details.problems summary") == "8 notes"
    tab.click("details.problems summary")
    tab.locator(".problems a", has_text="bottleneck4.shortcut.conv1").click()
    assert tab.locator("tr.picked .nm").text_content() == "bottleneck4.shortcut.conv1"
    assert tab.locator("tr.picked").is_visible()
    assert "note: bottleneck4.shortcut.conv1" in tab.locator("tr.picked .diag").text_content()


def test_hostile_names_are_inert(open_page) -> None:  # noqa: ANN001
    tab = open_page("hostile")
    tab.click("button.unfold-all")
    for k in range(tab.locator("table.layers tbody tr").count()):
        row = tab.locator("table.layers tbody tr:not(.explain-row)").nth(k)
        row.locator("td.c-kind").click()
    for key in ("name", "params", "kind"):
        tab.click(f"th.c-{key} button.sort")
    tab.locator("svg a").first.hover()
    assert tab.problems == []
    assert tab.locator("img").count() == 0 and tab.locator("script").count() == 2
    names = _visible_names(tab)
    assert "<script>alert(1)</script>" in names and "a\"b'c<img src=x onerror=alert(4)>line" in names
    assert tab.title() == "<script>alert('title')</script>"
    assert tab.locator(".problems li.error").text_content().endswith("error: expected network params 5, found 1,858")
    # params by hand: conv 3x3x3x4 + 4 = 112, conv 3x3x4x4 + 4 = 148 (twice), fc 6x6x4x10 + 10 = 1,450


def test_phone_viewport_is_readable(open_page) -> None:  # noqa: ANN001
    tab = open_page("googlenet", 390, 844)
    # nothing but the table and the diagram (which scroll in their boxes) is wider than the phone
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    assert tab.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 14
    # the table's four columns (layer, shape, params, MACs) fit: no sideways scrolling to read them
    assert tab.evaluate("document.querySelector('table.layers').scrollWidth") <= 390 - 2 * 10
    box = tab.locator("dl.totals").bounding_box()
    assert box is not None and box["width"] <= 390
    cards = tab.locator("dl.totals .card").all()
    assert all(c.bounding_box()["width"] >= 150 for c in cards)  # two to a line, not squeezed
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "report-phone.png"))
    assert tab.problems == []


def test_print_media(open_page) -> None:  # noqa: ANN001
    tab = open_page("resnet50")
    tab.emulate_media(media="print")
    assert tab.locator(".controls").first.is_hidden()
    assert tab.locator("button.fold").first.is_hidden()
    assert tab.evaluate("getComputedStyle(document.querySelector('thead th')).position") == "static"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = tab.pdf(path=str(ARTIFACTS / "report-print.pdf"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_first_paint_under_a_second_and_screenshot(open_page) -> None:  # noqa: ANN001
    tab = open_page("resnet50")
    tab.wait_for_function("performance.getEntriesByType('paint').length > 0")
    paint = tab.evaluate("performance.getEntriesByType('paint').map(e => e.startTime)[0]")
    assert paint < 1000, f"first paint after {paint:.0f} ms"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "report-desktop.png"), full_page=True)
    assert (ARTIFACTS / "report-desktop.png").stat().st_size > 10_000


def test_a_10000_layer_page_stays_usable(browser, tmp_path: Path) -> None:  # noqa: ANN001
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench import residual_network
    from report_page import TIMED_CLICK

    src, out = tmp_path / "big.yaml", tmp_path / "big.html"
    src.write_text(residual_network(1667), encoding="utf-8")  # 1,667 blocks of 6 rows, gap, fc: 10,004
    assert CliRunner().invoke(main, ["report", str(src), "-o", str(out)]).exit_code == 0
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(out.as_uri())
    # measured about 0.15 s (sort, unfold) on the 2-core CI machine: 10x headroom for a busy one
    assert tab.evaluate(TIMED_CLICK, "button.unfold-all") < 1500
    assert tab.locator("table.layers tbody tr:not([hidden])").count() == 10_004 + 2 * 1667
    assert tab.evaluate(TIMED_CLICK, "th.c-macs button.sort") < 3000
    # largest first: a block, 2 convs of 8 x 8 x 16 outputs x 3 x 3 x 16 = 2 x 147,456 MACs (ties in order)
    first = tab.locator("table.layers tbody tr").first
    assert first.locator(".nm").text_content() == "unit1" and first.locator(".c-macs").text_content() == "294,912"
    tab.close()
