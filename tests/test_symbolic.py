"""cnncalc.symbolic: symbolic sizes agree with the concrete arithmetic (and with PyTorch) at every size."""

from __future__ import annotations

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.symbolic import show, substitute

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
