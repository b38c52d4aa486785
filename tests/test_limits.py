"""The size limits say what they are, in layers and nesting (issue 14 item 9)."""

from __future__ import annotations

import pytest

from cnncalc import entries, source
from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError


def _error(text: str) -> str:
    with pytest.raises(CnnError) as caught:
        analyze_text(text, "n.yaml")
    return str(caught.value)


def test_the_limits_agree() -> None:
    assert source.MAX_LAYERS == entries.MAX_LAYERS


def test_a_flat_file_is_refused_with_the_limit_in_layers() -> None:
    # `- conv: {filters: 1, f: 1}` is 3 values + 2 keys: the 100,000th value falls in entry 20,000
    text = "input: [8, 8, 1]\nlayers:\n" + "  - conv: {filters: 1, f: 1}\n" * 20_001
    message = _error(text)
    assert "more than 100,000 values, at layer entry 20,000:" in message
    assert "`repeat: N`" in message and "up to 200,000 layers" in message
    # one value short of the limit passes: 19,999 such layers and the top keys
    assert len(analyze_text("input: [8, 8, 1]\nlayers:\n" + "  - conv: {filters: 1, f: 1}\n" * 19_990,
                            "n.yaml").rows) == 19_990


def test_the_same_network_with_repeat_passes() -> None:
    report = analyze_text("input: [8, 8, 1]\nlayers:\n  - conv: {filters: 1, f: 1, repeat: 30000}\n", "r.yaml")
    assert len(report.rows) == 30_000


def _nested(kind: str, depth: int) -> str:
    body = "[relu]"
    for _ in range(depth):
        wrap = "{{residual: {{main: {0}}}}}" if kind == "residual" else "{{parallel: {{branches: [{0}, []]}}}}"
        body = "[" + wrap.format(body) + "]"
    return f"input: [4, 4, 1]\nlayers: {body}\n"


@pytest.mark.parametrize(("kind", "deepest"), [("residual", 32), ("parallel", 24)])
def test_nesting_limits_are_as_stated(kind: str, deepest: int) -> None:
    analyze_text(_nested(kind, deepest), "n.yaml")
    message = _error(_nested(kind, deepest + 1))
    assert "nesting deeper than 100 levels of YAML" in message
    assert "residuals nest up to 32 deep and parallels up to 24" in message
