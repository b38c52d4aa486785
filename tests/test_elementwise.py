"""multiply, maximum and shortcut: shapes by hand, broadcasting against PyTorch's."""

from __future__ import annotations

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError, ShapeError
from cnncalc.layers.maximum import Maximum
from cnncalc.layers.multiply import Multiply
from cnncalc.layers.shortcut import Shortcut


@pytest.mark.parametrize(
    "shapes, out",
    [
        ([(13, 13, 256), (1, 1, 256)], (13, 13, 256)),  # squeeze-and-excitation gate
        ([(13, 13, 256), (13, 13, 1)], (13, 13, 256)),  # spatial attention map
        ([(4, 4, 8), (4, 4, 8), (4, 4, 8)], (4, 4, 8)),
        ([(10,), (10,)], (10,)),
    ],
)
def test_multiply_broadcasts(shapes, out):
    assert Multiply().infer(shapes).output == out
    cost = Multiply().infer(shapes)
    assert cost.params == 0 and cost.macs == 0


@pytest.mark.parametrize("shapes", [[(4, 4, 8), (4, 4, 4)], [(4, 4, 8), (2, 2, 8)], [(4, 4, 8), (8,)]])
def test_multiply_refuses_shapes_that_do_not_broadcast(shapes):
    with pytest.raises(ShapeError, match="multiply needs"):
        Multiply().infer(shapes)


def test_multiply_matches_torch_broadcasting():
    torch = pytest.importorskip("torch")
    for big, small in [((13, 13, 256), (1, 1, 256)), ((7, 5, 3), (7, 5, 1))]:
        t = torch.zeros(1, big[2], big[0], big[1]) * torch.zeros(1, small[2], small[0], small[1])
        assert Multiply().infer([big, small]).output == (t.shape[2], t.shape[3], t.shape[1])


def test_maximum_needs_equal_shapes():
    assert Maximum().infer([(4, 4, 8), (4, 4, 8)]).output == (4, 4, 8)
    with pytest.raises(ShapeError, match="maximum needs equal shapes"):
        Maximum().infer([(4, 4, 8), (1, 1, 8)])


@pytest.mark.parametrize(
    "shapes, out",
    [
        ([(64, 64, 256), (64, 64, 64)], (64, 64, 256)),  # pjreddie resnet50.cfg: 64 added into 256
        ([(32, 32, 64), (64, 64, 64)], (32, 32, 64)),  # larger map sampled with stride 2
        ([(8, 8, 4), (8, 8, 4)], (8, 8, 4)),
    ],
)
def test_shortcut_keeps_the_first_shape(shapes, out):
    assert Shortcut().infer(shapes).output == out


def test_shortcut_refuses_sizes_that_do_not_divide():
    with pytest.raises(ShapeError, match="divide one another"):
        Shortcut().infer([(6, 6, 4), (4, 4, 4)])


def test_kinds_in_a_yaml_file():
    text = """
input: [8, 8, 4]
layers:
  - conv: {filters: 4, f: 1, name: a}
  - gap: {name: squeeze}
  - conv: {filters: 4, f: 1, activation: sigmoid, name: gate}
  - multiply: {from: [a, gate], name: scaled}
  - maximum: {from: [scaled, a]}
  - shortcut: {from: [maximum1, input], activation: relu}
"""
    r = {x.name: x for x in analyze_text(text, "t.yaml").rows}
    assert tuple(r["scaled"].output) == (8, 8, 4) and r["scaled"].params == 0
    assert tuple(r["maximum1"].output) == (8, 8, 4)
    assert r["shortcut1"].inputs == ("maximum1", "input")


def test_a_flat_gate_is_a_located_error():
    text = "input: [8, 8, 4]\nlayers:\n  - gap\n  - fc: 4\n  - multiply: {from: [input, fc1]}\n"
    with pytest.raises(CnnError) as info:
        analyze_text(text, "t.yaml")
    assert str(info.value).startswith("t.yaml:5:5: error: multiply1: multiply needs")


def test_maximum_of_symbolic_sizes_that_may_be_equal_is_accepted_as_add_is() -> None:
    # a: 3x3 s2 same -> ceil(H/2); b: 2x2/2 pool -> floor(H/2); equal for even H, so neither
    # add nor maximum may refuse them (only `constraints` can say when they align)
    from cnncalc.analysis import analyze_text

    text = """input: [H, W, 4]
layers:
  - conv: {filters: 4, f: 3, s: 2, padding: same, name: a}
  - pool: {f: 2, from: input, name: b}
  - maximum: {from: [a, b]}
  - add: {from: [a, b]}
"""
    report = analyze_text(text, "m.yaml")
    assert [r.kind for r in report.rows][-2:] == ["maximum", "add"]
