"""Property: `constraints` says what `summarize --strict` does, size by size (issue 13 item 6).

For random small networks (convs and pools of several strides and paddings, residuals,
concats of two strides, squeeze-and-excitation gates), the sizes `find` calls clean are
exactly those where the network is valid and nothing floors, checked by brute force from 1 to
a few periods past the smallest size.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc.analysis import analyze_text
from cnncalc.constraints import find
from cnncalc.errors import CnnError

_conv = st.builds(
    lambda f, s, p: f"conv: {{filters: 4, f: {f}, s: {s}, padding: {min(p, f - 1)}}}",
    st.sampled_from([1, 3, 5]), st.sampled_from([1, 2, 3]), st.integers(0, 2),
)
_pool = st.builds(
    lambda f, s, ceil: f"pool: {{f: {f}, s: {s}{', ceil: true' if ceil else ''}}}",
    st.sampled_from([2, 3]), st.sampled_from([1, 2]), st.booleans(),
)


def _residual(f: int, s: int) -> list[str]:
    # padding (f-1)/2: the main path gives floor((H-1)/s) + 1, which `shortcut: auto` matches
    # for every H. (Other paddings give sizes no stride matches symbolically, though a few
    # concrete H happen to match: find then refuses the symbolic net, a limit of `auto`.)
    conv = f"conv: {{filters: 4, f: {f}, s: {s}, padding: {(f - 1) // 2}}}"
    return ["residual:", f"    main: [{{{conv}}}, bn]", "    shortcut: auto"]


def _gate(conv: str, n: int) -> list[str]:
    # issue 13's SE: x, gap, a 1x1 conv as the gate, multiply, then the next layer
    return [f"{conv[:-1]}, name: x{n}}}", "gap", f"conv: {{filters: 4, f: 1, name: g{n}}}",
            f"multiply: {{from: [x{n}, g{n}]}}"]


def _concat(n: int) -> list[str]:
    # a strided conv and a pool + conv beside it: they align only for some sizes
    return [f"conv: {{filters: 4, f: 3, s: 2, padding: 1, name: a{n}}}",
            f"pool: {{f: 2, from: input, name: b{n}}}" if n == 0 else f"pool: {{f: 2, from: a{n - 1}, name: b{n}}}",
            f"concat: {{from: [a{n}, b{n}]}}"]


_block = st.one_of(
    _conv.map(lambda c: [c]), _pool.map(lambda p: [p]),
    st.tuples(st.sampled_from([1, 3, 5]), st.sampled_from([1, 2, 3])).map(lambda t: _residual(*t)),
    st.tuples(_conv, st.integers(0, 9)).map(lambda t: _gate(*t)),
)


@st.composite
def networks(draw) -> str:
    blocks = draw(st.lists(_block, min_size=1, max_size=4))
    if draw(st.booleans()):  # a concat of two strides at the start
        blocks.insert(0, _concat(0))
    lines = []
    for n, block in enumerate(blocks):
        text = "\n".join(block).replace("name: x", f"name: x{n}_").replace("[x", f"[x{n}_")
        text = text.replace("name: g", f"name: g{n}_").replace(", g", f", g{n}_")
        first, *rest = text.split("\n")
        lines.append(f"  - {first}")
        lines += [f"      {line.strip()}" if line.startswith("    ") else f"  - {line}" for line in rest]
    return "input: [H, H, 4]\nlayers:\n" + "\n".join(lines) + "\n"


def _strict_passes(text: str, n: int, notes_too: bool = True) -> bool:
    """A valid network at H = n without a floor warning (what `summarize --strict --set H=n`
    passes) and, unless `notes_too` is False, without a harmless floor (a note) either: the
    sizes where nothing floors at all."""
    try:
        report = analyze_text(text, "t.yaml", {"H": n}, None, "float32")
    except CnnError:
        return False
    return not report.warnings and not (notes_too and report.notes)


# derandomized: CI tries the same 40 networks every run (a random draw found the open
# residual 1x1/3 case below; it is tracked in the closing note, not left to chance in CI)
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_constraints_equal_brute_force_summarize_strict(text: str) -> None:
    try:
        conditions = find(text, "t.yaml")
    except CnnError:  # no valid size at all (find reports it as an error): brute force agrees
        assert not any(_strict_passes(text, n) for n in range(1, 65)), text
        return
    if conditions.smallest is None:
        assert not any(_strict_passes(text, n) for n in range(1, 65)), text
        return
    top = min(conditions.smallest + 3 * conditions.period, conditions.smallest + 200)
    top = max([top, *conditions.examples])
    for n in range(1, top + 1):
        assert conditions.is_clean(n) == _strict_passes(text, n), f"H = {n}, {conditions}:\n{text}"
        strict = conditions.is_clean(n, conditions.padding_residues)
        assert strict == _strict_passes(text, n, notes_too=False), f"--strict, H = {n}, {conditions}:\n{text}"
    clean = [n for n in range(conditions.smallest, top + 1) if _strict_passes(text, n)]
    assert list(conditions.examples) == clean[: len(conditions.examples)]


def test_residual_one_by_one_stride_three_after_a_valid_conv() -> None:
    """A draw of the property test above: at H = 6 the auto shortcut takes 4 rows to 2 with s = 2
    (the smallest stride that fits, SPEC), which floors, while from H = 9 on it is s = 3, exact for
    every H divisible by 3. The residues were read at 6..8 and took H = 6 for the rule."""
    text = ("input: [H, H, 4]\nlayers:\n  - conv: {filters: 4, f: 3, s: 1, padding: 0}\n  - residual:\n"
            "      main: [{conv: {filters: 4, f: 1, s: 3, padding: 0}}, bn]\n      shortcut: auto\n")
    conditions = find(text, "t.yaml")
    brute = [n for n in range(1, 61) if _strict_passes(text, n)]
    assert brute[:4] == [3, 9, 12, 15]  # worked by hand: 6 floors (3/2 = 1.5), 9, 12, 15 are exact
    assert [n for n in range(1, 61) if conditions.is_clean(n)] == brute
    assert conditions.describe() == "H divisible by 3 from 9 on; below 9, not H = 6"
