"""cnncalc.symbolic: nested floors and ceilings collapse to one, and symbolic sizes agree with
the concrete arithmetic (and with PyTorch) at every size."""

from __future__ import annotations

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.cli import read_source
from cnncalc.symbolic import show, substitute, sym_ceildiv, sym_floordiv, symbol

H = symbol("H")


@pytest.mark.parametrize("value,expected", [
    # ceil((ceil(H/2) + 1)/2) = ceil((H + 2)/4)  (H = 5: ceil(4/2) = 2 = ceil(7/4))
    (lambda: sym_ceildiv(sym_ceildiv(H, 2) + 1, 2), "ceil((H + 2)/4)"),
    # over a floor: ceil(y/2) = floor((y + 1)/2), y = floor((H - 1)/2) - 2, so
    # floor((floor((H - 1)/2) - 1)/2) = floor((H - 1 - 2)/4)  (H = 224: 111 - 2 = 109 -> 55 = 221 // 4)
    (lambda: sym_ceildiv(sym_floordiv(H - 1, 2) - 2, 2), "floor((H - 3)/4)"),
    # a floor over a ceiling: ceil(H/2) = floor((H + 1)/2), then floor(floor((H + 1)/2)/2) = floor((H + 1)/4)
    (lambda: sym_floordiv(sym_ceildiv(H, 2), 2), "floor((H + 1)/4)"),
])
def test_nested_roundings_collapse(value, expected: str) -> None:
    assert show(value()) == expected


def test_googlenet_pool5_is_one_floor() -> None:
    # Caffe's GoogLeNet: conv1 7/2 pad 3 -> floor((H - 1)/2) + 1, then 3/2 ceil-mode pools and
    # a 7x7 average pool.  One floor: floor((H - 223)/32) + 1, 1 at H = 224 and H = 223 (the
    # smallest input), 0 at 222.
    text, name = read_source("googlenet")
    report = analyze_text(text, name, {}, "HxWx3")
    pool5 = next(r for r in report.rows if r.name == "pool5")
    assert show(pool5.output[0]) == "floor((H - 223)/32) + 1"


CEIL_NET = """
input: [H, W, 3]
layers:
  - conv: {filters: 4, f: 3, s: 2, padding: same}
  - conv: {filters: 4, f: 3, s: 2, padding: same}
  - pool: {f: 3, s: 2, ceil: true}
  - conv: {filters: 4, f: 3, s: 2}
  - pool: {f: 2, s: 2, ceil: true, padding: 1}
  - conv: {filters: 4, f: 3, s: 3, padding: same}
"""


def test_symbolic_sizes_equal_concrete_ones_at_every_size() -> None:
    symbolic = analyze_text(CEIL_NET, "c.yaml")
    checked = 0
    for h in range(40, 200, 3):
        concrete = analyze_text(CEIL_NET, "c.yaml", {"H": h, "W": h + 1})
        for s, c in zip(symbolic.rows, concrete.rows, strict=True):
            assert tuple(substitute(d, {"H": h, "W": h + 1}) for d in s.output) == c.output, (h, s.name)
        checked += 1
    assert checked == 54


def test_ceil_pool_with_padding_drops_a_window_starting_in_the_padding() -> None:
    # 2x2/2 pad 1 ceil mode on n: ceil(n/2) + 1 windows, but when n is odd the last one starts
    # at n + 1 - 1 = n, in the right padding, and PyTorch drops it: (n + 1)/2; n even: n/2 + 1.
    # Both are floor(n/2) + 1.
    text = "input: [H, W, 1]\nlayers:\n  - pool: {f: 2, s: 2, padding: 1, ceil: true}\n"
    assert show(analyze_text(text, "p.yaml").rows[0].output[0]) == "floor(H/2) + 1"
    torch = pytest.importorskip("torch")
    pool = torch.nn.MaxPool2d(2, 2, padding=1, ceil_mode=True)
    for n in range(1, 12):
        assert pool(torch.zeros(1, 1, n, n)).shape[-1] == n // 2 + 1
