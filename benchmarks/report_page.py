"""`cnncalc report` pages: time to write, size, and in headless chromium the first paint, a sort,
unfolding everything and opening a layer's formulas.

Run from the project root:  python benchmarks/report_page.py [--runs 5] [--screenshot docs/report.png]

Cases: resnet50 (bundled) and a generated network of 10,004 layers (bench.py's residual blocks
written with `repeat`), opened as written (`--depth 1`) and fully unfolded (`--depth 3`).
Write times are whole `cnncalc report` processes (median of --runs); browser times are taken
inside the page (performance.now around the click, then one animation frame so layout is
included). Nothing is asserted: the numbers are for docs/performance.md. Needs playwright and
/usr/bin/chromium for the browser columns (they print '-' without them).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import residual_network  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMED_CLICK = """async (selector) => {
  const start = performance.now();
  document.querySelector(selector).click();
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - start;
}"""


def write(args: list[str], out: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cnncalc", "report", *args, "-o", str(out)], cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return times


def in_browser(page_file: Path, runs: int, screenshot: str | None = None) -> dict[str, float] | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    found: dict[str, list[float]] = {"paint": [], "ready": [], "sort": [], "unfold": [], "formulas": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(runs):
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.goto(page_file.as_uri())
            tab.wait_for_function("performance.getEntriesByType('paint').length > 0")
            found["paint"].append(tab.evaluate("performance.getEntriesByType('paint')[0].startTime"))
            # the script has run (folding, sorting, formulas work) once the document is parsed
            found["ready"].append(tab.evaluate(
                "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
            found["sort"].append(tab.evaluate(TIMED_CLICK, "th.c-macs button.sort"))
            tab.click("button.unsort")
            found["unfold"].append(tab.evaluate(TIMED_CLICK, "button.unfold-all"))
            found["formulas"].append(tab.evaluate(TIMED_CLICK, "table.layers tbody tr:not([hidden]) td.c-kind"))
            if screenshot:
                tab.click("button.fold-all")
                tab.set_viewport_size({"width": 1000, "height": 700})
                for name, part in (("bottleneck1", "button.fold"), ("bottleneck1.main", "button.fold"),
                                   ("bottleneck1.main.conv2", "td.c-kind")):
                    tab.locator(f'tr:has(.nm:text-is("{name}")) {part}').click()
                tab.evaluate("document.querySelector('.controls').scrollIntoView()")
                tab.screenshot(path=screenshot, type="png")
                _shrink(screenshot)
                screenshot = None
            tab.close()
        browser.close()
    return {k: statistics.median(v) for k, v in found.items()}


def _shrink(png: str) -> None:
    """64 colours are plenty for a page of text: a quarter of the bytes (when Pillow is there)."""
    try:
        from PIL import Image
    except ImportError:
        return
    Image.open(png).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshot", help="save resnet50's page as a PNG here (docs/report.png)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        big.write_text(residual_network(1667), encoding="utf-8")
        cases = [("resnet50", ["resnet50"]), ("10,004 layers, --depth 1", [str(big)]),
                 ("10,004 layers, --depth 3", [str(big), "--depth", "3"])]
        print(f"{'case':<26} {'write s':>8} {'MB':>6} {'paint ms':>9} {'ready ms':>9} {'sort ms':>8}"
              f" {'unfold ms':>10} {'formulas ms':>12}")
        for label, args in cases:
            out = Path(tmp) / "page.html"
            times = write(args, out, opts.runs)
            shot = opts.screenshot if label == "resnet50" else None
            b = in_browser(out, opts.runs, shot)
            keys = ("paint", "ready", "sort", "unfold", "formulas")
            cells = ["-"] * 5 if b is None else [f"{b[k]:.0f}" for k in keys]
            print(f"{label:<26} {statistics.median(times):>8.3f} {out.stat().st_size / 1e6:>6.2f} {cells[0]:>9}"
                  f" {cells[1]:>9} {cells[2]:>8} {cells[3]:>10} {cells[4]:>12}")


if __name__ == "__main__":
    main()
