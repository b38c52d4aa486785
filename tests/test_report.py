"""cnncalc.report: rows, totals, receptive fields (SPEC §1 "Receptive field"), folding."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncalc.analysis import analyze_text
from cnncalc.cli import read_source
from cnncalc.report import Report, fold

LENET = read_source("lenet5")[0]


def report(text: str, **kwargs: Any) -> Report:
    return analyze_text(text, "r.yaml", **kwargs)


def net(input_: str, *entries: str) -> Report:
    return report(f"input: {input_}\nlayers:\n" + "".join(f"  - {e}\n" for e in entries))


def test_lenet5_rows_as_the_course_table() -> None:
    r = report(LENET)
    # shapes: (32-5)+1 = 28; 28/2 = 14; (14-5)+1 = 10; 10/2 = 5; then 120, 84, 10
    assert [row.output for row in r.rows] == [
        (28, 28, 6),
        (14, 14, 6),
        (10, 10, 16),
        (5, 5, 16),
        (120,),
        (84,),
        (10,),
    ]
    # sizes: 28*28*6 = 4,704; 14*14*6 = 1,176; 10*10*16 = 1,600; 5*5*16 = 400
    assert [row.activations for row in r.rows] == [4704, 1176, 1600, 400, 120, 84, 10]
    # params: 5*5*1*6 + 6 = 156; 5*5*6*16 + 16 = 2,416; 400*120 + 120 = 48,120; 120*84 + 84 = 10,164;
    # 84*10 + 10 = 850
    assert [row.params for row in r.rows] == [156, 0, 2416, 0, 48120, 10164, 850]
    # MACs: 28*28*6*25 = 117,600; 10*10*16*150 = 240,000; 48,000; 10,080; 840
    assert [row.macs for row in r.rows] == [117_600, 0, 240_000, 0, 48_000, 10_080, 840]


def test_lenet5_totals() -> None:
    t = report(LENET).totals
    # 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 params; 61,706 * 4 bytes = 246,824
    assert (t.params, t.trainable, t.buffers, t.param_bytes) == (61_706, 61_706, 0, 246_824)
    # 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520 MACs, FLOPs 2x
    assert (t.macs, t.flops) == (416_520, 833_040)
    # 4,704 + 1,176 + 1,600 + 400 + 120 + 84 + 10 = 8,094 (the input is not counted)
    assert t.activations == 8094


@pytest.mark.parametrize(("dtype", "nbytes"), [("float32", 4), ("float16", 2), ("int8", 1), ("float64", 8)])
def test_param_bytes_follow_the_dtype(dtype: str, nbytes: int) -> None:
    assert report(LENET, dtype=dtype).totals.param_bytes == 61_706 * nbytes


RESIDUAL = """
input: [16, 16, 8]
layers:
  - conv: {filters: 8, f: 3, padding: same}
  - bn
  - residual:
      main: [conv: {filters: 16, f: 3, s: 2, padding: 1, bias: false}, bn, relu]
      shortcut: auto
      activation: relu
  - residual:
      main: [conv: {filters: 16, f: 3, padding: same, trainable: false}]
  - gap
  - fc: 10
"""


@pytest.mark.parametrize("key", ["params", "trainable", "buffers", "macs", "activations"])
def test_totals_are_sums_of_rows(key: str) -> None:
    r = report(RESIDUAL)
    assert getattr(r.totals, key) == sum(getattr(row, key) for row in r.rows)
    assert r.totals.flops == 2 * r.totals.macs


def test_trainable_and_buffers() -> None:
    r = report(RESIDUAL)
    frozen = 3 * 3 * 16 * 16 + 16  # the frozen conv: 2,320
    assert r.totals.params - r.totals.trainable == frozen
    # bn buffers 2C: 2*8 + 2*16 (main) + 2*16 (shortcut bn) = 80
    assert r.totals.buffers == 80


# ---- receptive fields -----------------------------------------------------------------------


def fields(r: Report) -> list[tuple[Any, Any]]:
    return [(row.rf, row.jump) for row in r.rows]


def test_lenet5_receptive_fields() -> None:
    # start rf 1, jump 1; conv f5: 1 + 4*1 = 5; pool f2 s2: 5 + 1*1 = 6, jump 2;
    # conv f5: 6 + 4*2 = 14; pool: 14 + 1*2 = 16, jump 4; fc and after: none
    assert fields(report(LENET)) == [
        ((5, 5), (1, 1)),
        ((6, 6), (2, 2)),
        ((14, 14), (2, 2)),
        ((16, 16), (4, 4)),
        (None, None),
        (None, None),
        (None, None),
    ]


def test_dilation_and_pairs() -> None:
    # conv f [3, 5] s [2, 1]: rf (1 + 2, 1 + 4) = (3, 5), jump (2, 1);
    # conv f 3 dilation 2: d(f-1) = 4 -> (3 + 4*2, 5 + 4*1) = (11, 9)
    r = net(
        "[32, 32, 1]", "conv: {filters: 1, f: [3, 5], s: [2, 1]}", "conv: {filters: 1, f: 3, dilation: 2}"
    )
    assert fields(r) == [((3, 5), (2, 1)), ((11, 9), (2, 1))]


def test_global_pool_covers_its_whole_input() -> None:
    # pool f2 s2 on 8: rf 2, jump 2, output 4; gap: 2 + (4 - 1)*2 = 8, the whole input
    r = net("[8, 8, 1]", "pool: {f: 2}", "gap")
    assert fields(r) == [((2, 2), (2, 2)), ((8, 8), (8, 8))]


def test_shape_keeping_layers_keep_the_field() -> None:
    r = net("[8, 8, 1]", "conv: {filters: 1, f: 3}", "bn", "relu", "dropout: 0.1")
    assert fields(r) == [((3, 3), (1, 1))] * 4


def test_upsample_divides_the_jump() -> None:
    # pool f2 s2: rf 2, jump 2; upsample 2: jump 2/2 = 1, rf unchanged; conv f3: 2 + 2*1 = 4
    r = net("[8, 8, 1]", "pool: {f: 2}", "upsample: 2", "conv: {filters: 1, f: 3}")
    assert fields(r) == [((2, 2), (2, 2)), ((2, 2), (1, 1)), ((4, 4), (1, 1))]


def test_deconv_divides_the_jump() -> None:
    # pool f4 s4: rf 4, jump 4; deconv f3 s2: jump 4/2 = 2; its kernel spans the upsampled grid:
    # rf 4 + (3 - 1)*2 = 8
    r = net("[16, 16, 1]", "pool: {f: 4}", "deconv: {filters: 1, f: 3, s: 2}")
    assert fields(r) == [((4, 4), (4, 4)), ((8, 8), (2, 2))]


def test_fractional_jump() -> None:
    # upsample 2 on the input: jump 1/2
    r = net("[4, 4, 1]", "upsample: 2")
    assert r.rows[0].jump == (Fraction(1, 2), Fraction(1, 2))


def test_merges_take_the_largest_field() -> None:
    # main: conv f3 -> rf 3; shortcut identity: rf 1; add: 3
    r = report("input: [8, 8, 4]\nlayers: [residual: {main: [conv: {filters: 4, f: 3, padding: same}]}]\n")
    assert fields(r) == [((3, 3), (1, 1)), ((3, 3), (1, 1))]
    # concat of a 5x5 path (rf 5) and a 1x1 stride-2 path (rf 1, jump 2): rf 5, jump 2
    r = net(
        "[9, 9, 1]",
        "conv: {filters: 1, f: 5, s: 2, padding: 2, name: a}",
        "conv: {filters: 1, f: 1, s: 2, from: input, name: b}",
        "concat: {from: [a, b]}",
    )
    assert r.rows[-1].rf == (5, 5) and r.rows[-1].jump == (2, 2)


def test_vector_input_has_no_field() -> None:
    assert fields(net("[10]", "fc: 5", "relu")) == [(None, None), (None, None)]


# ---- folding --------------------------------------------------------------------------------

BLOCKS = """
input: [16, 16, 8]
blocks:
  unit:
    args: {n: null}
    layers:
      - residual:
          main: [conv: {filters: $n, f: 3, padding: same}, bn]
          shortcut: auto
layers:
  - conv: {filters: 8, f: 1}
  - unit: {n: 8}
  - unit: {n: 16}
  - gap
"""


def test_fold_depth_1_one_row_per_block() -> None:
    r = report(BLOCKS)
    rows = fold(r, 1)
    assert [(row.name, row.kind) for row in rows] == [
        ("conv1", "conv"),
        ("unit1", "unit"),
        ("unit2", "unit"),
        ("gap1", "gap"),
    ]
    assert rows[1].inputs == ("conv1",) and rows[2].inputs == ("unit1",) and rows[3].inputs == ("unit2",)
    assert rows[2].output == (16, 16, 16)
    # unit2: conv 3*3*8*16 + 16 = 1,168; bn 32; shortcut conv 8*16 = 128, bn 32: 1,360
    assert rows[2].params == 1360


def test_fold_depth_2_folds_bodies() -> None:
    rows = fold(report(BLOCKS), 2)
    assert [row.name for row in rows] == [
        "conv1",
        "unit1.main",
        "unit1.add",
        "unit2.main",
        "unit2.shortcut",
        "unit2.add",
        "gap1",
    ]
    assert rows[5].inputs == ("unit2.main", "unit2.shortcut")


@pytest.mark.parametrize("depth", [None, 1, 2, 3])
@pytest.mark.parametrize("key", ["params", "trainable", "buffers", "macs", "activations"])
def test_folding_keeps_totals(depth: int | None, key: str) -> None:
    r = report(BLOCKS)
    assert sum(getattr(row, key) for row in fold(r, depth)) == getattr(r.totals, key)


def test_fold_without_composites_changes_nothing() -> None:
    r = report(LENET)
    assert fold(r, 1) == r.rows


# ---- warnings and expectations --------------------------------------------------------------


def test_warnings_name_the_layer_and_its_line() -> None:
    r = net("[8, 8, 1]", "relu", "conv: {filters: 1, f: 3, s: 2}")
    (w,) = r.warnings
    assert w.layer == "conv1" and w.loc is not None and w.loc.line == 4
    assert r.return_code(strict=False) == 0 and r.return_code(strict=True) == 1


def test_expectations() -> None:
    r = report(LENET.replace("params: 61706", "params: 61707"))
    (failed,) = r.failures
    assert failed.message == "expected network params 61,707, found 61,706"
    assert r.return_code() == 1


def test_per_layer_and_composite_expectations() -> None:
    r = report("""
input: [8, 8, 3]
layers:
  - conv: {filters: 4, f: 3, expect: {output: 6x6x4, params: 112, macs: {max: 1K}}}
  - residual: {main: [conv: {filters: 4, f: 1}], expect: {params: 20}}
""")
    # conv: 3*3*3*4 + 4 = 112, MACs 6*6*4*27 = 3,888 > 1,000; residual conv 1*1*4*4 + 4 = 20
    assert [(v.subject, v.expectation.key, v.ok) for v in r.verdicts] == [
        ("conv1", "output", True),
        ("conv1", "params", True),
        ("conv1", "macs", False),
        ("residual1", "params", True),
    ]
    assert r.failures[0].message == "expected conv1 macs at most 1,000, found 3,888"


def test_expectations_on_a_composite_that_is_a_whole_body() -> None:
    # the residual is the block's whole body (and a branch's): its `expect` applies to the
    # block instance (and the branch); conv 1*1*4*4 + 4 = 20 params, MACs 8*8*4*4 = 1,024
    r = report("""
input: [8, 8, 4]
blocks:
  b:
    layers:
      - residual: {main: [conv: {filters: 4, f: 1}], expect: {params: 20}}
layers:
  - b: {repeat: 2, expect: {macs: 1024}}
  - parallel:
      branches:
        - [residual: {main: [conv: {filters: 4, f: 1}], expect: {params: 21}}]
        - []
""")
    found = sorted((v.subject, v.expectation.key, v.ok) for v in r.verdicts)
    assert found == [
        ("b1", "macs", True),
        ("b1", "params", True),
        ("b2", "macs", True),
        ("b2", "params", True),
        ("parallel1.b1", "params", False),
    ]


def test_a_tree_built_in_python_gives_the_same_numbers() -> None:
    from cnncalc.analysis import analyze_node
    from cnncalc.errors import Location
    from cnncalc.source import node

    tree = {
        "input": [32, 32, 1],
        "layers": [
            {"conv": {"filters": 6, "f": 5}}, {"pool": {"f": 2}}, {"conv": {"filters": 16, "f": 5}},
            {"pool": {"f": 2}}, {"fc": 120}, {"fc": 84}, {"fc": 10},
        ],
    }  # fmt: skip
    r = analyze_node(node(tree, Location("<built>")), "<built>")
    assert r.totals.params == 61_706  # the course's LeNet-5 total
    assert [row.name for row in r.rows] == ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"]


# ---- receptive fields against autograd -----------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    layers=st.lists(
        st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2)),
        min_size=1,
        max_size=4,
    )
)
def test_receptive_field_and_jump_against_autograd(layers: list[tuple[str, int, int, int]]) -> None:
    """rf is the extent of input rows an output row depends on; jump the shift between neighbours.

    With positive weights (conv all ones, average pools) every dependency shows as a non-zero
    gradient, so autograd measures both without using cnncalc's formula.
    """
    torch = pytest.importorskip("torch")
    n = 400
    entries, modules = [], []
    for kind, f, s, d in layers:
        if kind == "conv":
            entries.append(f"conv: {{filters: 1, f: [{f}, 1], s: [{s}, 1], dilation: [{d}, 1], bias: false}}")
            conv = torch.nn.Conv2d(1, 1, (f, 1), (s, 1), dilation=(d, 1), bias=False)
            torch.nn.init.ones_(conv.weight)
            modules.append(conv)
        else:
            entries.append(f"pool: {{mode: avg, f: [{f}, 1], s: [{s}, 1]}}")
            modules.append(torch.nn.AvgPool2d((f, 1), (s, 1)))
    row = net(f"[{n}, 1, 1]", *entries).rows[-1]
    assume(row.output[0] >= 2)
    x = torch.zeros(1, 1, n, 1, requires_grad=True)
    y = torch.nn.Sequential(*modules)(x)
    spans = []
    for i in (0, 1):
        (grad,) = torch.autograd.grad(y[0, 0, i, 0], x, retain_graph=True)
        rows = grad[0, 0, :, 0].nonzero().flatten().tolist()
        spans.append((rows[0], rows[-1]))
    assert row.rf[0] == spans[0][1] - spans[0][0] + 1
    assert row.jump[0] == spans[1][0] - spans[0][0]
