"""cnncalc.graph: naming, repeat, blocks, composites, `from`, `trainable`, `shortcut: auto`."""

from __future__ import annotations

import textwrap

import pytest

from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError
from cnncalc.graph import Graph, Leaf, build
from cnncalc.source import load
from cnncalc.spec import parse
from cnncalc.tree import resolve_network

BASIC = """\
blocks:
  basic:
    args: {filters: null, s: 1}
    layers:
      - residual:
          main:
            - conv: {filters: $filters, f: 3, s: $s, padding: same, bias: false}
            - bn
            - relu
            - conv: {filters: $filters, f: 3, padding: same, bias: false}
            - bn
          shortcut: auto
          activation: relu
"""


def graph(text: str) -> Graph:
    return build(resolve_network(parse(load(textwrap.dedent(text), "g.yaml"))))


def leaves(text: str) -> dict[str, Leaf]:
    return graph(text).by_name


def names(text: str) -> list[str]:
    return [leaf.name for leaf in graph(text).leaves]


def error_of(text: str) -> str:
    with pytest.raises(CnnError) as info:
        graph(text)
    return str(info.value)


def test_default_names_count_per_type() -> None:
    assert names("""
        input: [32, 32, 1]
        layers:
          - conv: {filters: 6, f: 5}
          - pool: {f: 2}
          - conv: {filters: 16, f: 5}
          - pool: {f: 2}
          - relu
          - fc: 120
          - fc: 10
    """) == ["conv1", "pool1", "conv2", "pool2", "relu1", "fc1", "fc2"]


def test_aliases_count_under_their_kind() -> None:
    assert names("""
        input: [8, 8, 1]
        layers: [conv2d: {filters: 1, f: 1}, conv: {filters: 1, f: 1}, maxpool: {f: 2}, dense: 3, linear: 2]
    """) == ["conv1", "conv2", "pool1", "fc1", "fc2"]


def test_repeat_continues_the_counters() -> None:
    assert names("""
        input: [8, 8, 1]
        layers:
          - conv: {filters: 2, f: 1}
          - conv: {filters: 2, f: 1, repeat: 3}
          - conv: {filters: 2, f: 1}
    """) == ["conv1", "conv2", "conv3", "conv4", "conv5"]


def test_named_repeat() -> None:
    g = leaves("""
        input: [8, 8, 1]
        layers:
          - conv: {filters: 2, f: 1, name: x, repeat: 3}
          - conv: {filters: 2, f: 1}
    """)
    assert list(g) == ["x_1", "x_2", "x_3", "conv1"]
    assert [g[n].inputs for n in g] == [("input",), ("x_1",), ("x_2",), ("x_3",)]


def test_explicit_names_are_skipped_by_the_counter() -> None:
    assert names("""
        input: [8, 8, 1]
        layers:
          - conv: {filters: 2, f: 1, name: conv2}
          - conv: {filters: 2, f: 1}
          - conv: {filters: 2, f: 1}
    """) == ["conv2", "conv1", "conv3"]


def test_block_with_a_single_residual_adds_no_level() -> None:
    g = leaves(
        BASIC
        + """
        input: [56, 56, 64]
        layers:
          - basic: {filters: 64, repeat: 2}
          - basic: {filters: 128, s: 2}
    """.replace("\n        ", "\n")
    )
    assert list(g)[:6] == [
        "basic1.main.conv1",
        "basic1.main.bn1",
        "basic1.main.relu1",
        "basic1.main.conv2",
        "basic1.main.bn2",
        "basic1.add",
    ]
    assert "basic2.add" in g
    assert [n for n in g if n.startswith("basic3.shortcut")] == [
        "basic3.shortcut.conv1",
        "basic3.shortcut.bn1",
    ]
    assert g["basic1.add"].inputs == ("basic1.main.bn2", "input")  # identity: same shape
    assert g["basic3.add"].inputs == ("basic3.main.bn2", "basic3.shortcut.bn1")
    # the merge row carries the residual's activation
    assert g["basic1.add"].kind == "add" and g["basic1.add"].layer.activation == "relu"


def test_parallel_branches_and_merge_row() -> None:
    g = leaves("""
        input: [28, 28, 192]
        blocks:
          inception:
            args: {c1: null}
            layers:
              - parallel:
                  branches:
                    - [conv: {filters: $c1, f: 1}]
                    - [conv: {filters: 96, f: 1}, conv: {filters: 128, f: 3, padding: same}]
                    - [pool: {f: 3, s: 1, padding: same}, conv: {filters: 32, f: 1}]
        layers:
          - inception: {c1: 64, name: inception3a}
    """)
    assert list(g) == [
        "inception3a.b1.conv1",
        "inception3a.b2.conv1",
        "inception3a.b2.conv2",
        "inception3a.b3.pool1",
        "inception3a.b3.conv1",
        "inception3a.concat",
    ]
    # 64 + 128 + 32 = 224 channels
    assert g["inception3a.concat"].output == (28, 28, 224)
    assert g["inception3a.concat"].inputs == (
        "inception3a.b1.conv1",
        "inception3a.b2.conv2",
        "inception3a.b3.conv1",
    )


def test_parallel_empty_branch_passes_the_input() -> None:
    # DenseNet layer: concat(x, conv(x)): 16 + 12 = 28 channels
    g = leaves("""
        input: [8, 8, 16]
        layers:
          - parallel:
              branches: [[], [bn, relu, conv: {filters: 12, f: 3, padding: same}]]
    """)
    assert g["parallel1.concat"].inputs == ("input", "parallel1.b2.conv1")
    assert g["parallel1.concat"].output == (8, 8, 28)


def test_parallel_add_merge_with_activation() -> None:
    g = leaves("""
        input: [8, 8, 4]
        layers:
          - parallel: {branches: [[conv: {filters: 4, f: 1}], []], merge: add, activation: relu}
    """)
    assert g["parallel1.add"].kind == "add" and g["parallel1.add"].layer.activation == "relu"
    assert g["parallel1.add"].output == (8, 8, 4)


def test_single_composite_body_inside_a_composite_adds_no_level() -> None:
    assert names("""
        input: [8, 8, 3]
        layers:
          - parallel:
              branches:
                - [residual: {main: [conv: {filters: 3, f: 1}]}]
                - [conv: {filters: 2, f: 1}]
    """) == ["parallel1.b1.main.conv1", "parallel1.b1.add", "parallel1.b2.conv1", "parallel1.concat"]


def test_residual_custom_shortcut() -> None:
    g = leaves("""
        input: [8, 8, 4]
        layers:
          - residual:
              main: [conv: {filters: 8, f: 3, s: 2, padding: 1}]
              shortcut: [conv: {filters: 8, f: 1, s: 2}]
    """)
    assert list(g) == ["residual1.main.conv1", "residual1.shortcut.conv1", "residual1.add"]
    assert g["residual1.shortcut.conv1"].inputs == ("input",)


# ---- from -----------------------------------------------------------------------------------

FROM = """
    input: [8, 8, 3]
    layers:
      - conv: {filters: 4, f: 1, name: a}
      - residual:
          main:
            - conv: {filters: 5, f: 1, name: a}
            - conv: {filters: 4, f: 1, from: a}
            - conv: {filters: 4, f: 1, from: input}
      - conv: {filters: 2, f: 1, from: a}
      - conv: {filters: 2, f: 1, from: residual1.main.a}
      - conv: {filters: 2, f: 1, from: input}
      - concat: {from: [conv1, conv2, conv3]}
"""


def test_from_resolves_locally_first_then_outward() -> None:
    g = leaves(FROM)
    assert g["residual1.main.conv1"].inputs == ("residual1.main.a",)  # the body's own 'a'
    assert g["residual1.main.conv2"].inputs == ("a",)  # 'input' is the body's input: top-level a
    assert g["conv1"].inputs == ("a",)  # at the top level, 'a' is the top-level layer
    assert g["conv2"].inputs == ("residual1.main.a",)  # a full dotted name works anywhere
    assert g["conv3"].inputs == ("input",)
    assert g["concat1"].inputs == ("conv1", "conv2", "conv3")
    assert g["concat1"].output == (8, 8, 6)


def test_from_outward_inside_a_block() -> None:
    g = leaves("""
        input: [8, 8, 3]
        blocks:
          b:
            layers: [conv: {filters: 2, f: 1}, concat: {from: [conv1, stem]}]
        layers:
          - conv: {filters: 4, f: 1, name: stem}
          - b
    """)
    assert g["b1.concat1"].inputs == ("b1.conv1", "stem")


def test_from_a_composite_name_means_its_output() -> None:
    g = leaves("""
        input: [8, 8, 3]
        layers:
          - residual: {main: [conv: {filters: 3, f: 1}], name: r}
          - conv: {filters: 1, f: 1}
          - conv: {filters: 1, f: 1, from: r}
    """)
    assert g["conv2"].inputs == ("r.add",)


def test_from_a_merge_row_or_auto_shortcut_by_its_full_name() -> None:
    # SPEC: "a full dotted name of an earlier layer is accepted anywhere": the rows no entry
    # names (r.add, r.shortcut.conv1/bn1) are earlier layers too (this was refused)
    g = leaves("""
        input: [8, 8, 4]
        layers:
          - residual: {main: [conv: {filters: 8, f: 3, s: 2, padding: same}], shortcut: auto, name: r}
          - conv: {filters: 8, f: 1}
          - add: {from: [r.add, conv1]}
          - concat: {from: [r.shortcut.conv1, r.shortcut.bn1]}
    """)
    assert g["add1"].inputs == ("r.add", "conv1")
    assert g["concat1"].inputs == ("r.shortcut.conv1", "r.shortcut.bn1")
    assert g["concat1"].cost.output == (4, 4, 16)  # 8 + 8 channels at ceil(8/2) = 4


def test_unknown_from_suggests() -> None:
    assert (
        error_of("""
        input: [8, 8, 3]
        layers:
          - conv: {filters: 4, f: 1, name: stem}
          - conv: {filters: 4, f: 1, from: stme}
    """)
        == "g.yaml:5:36: error: 'from' names 'stme', which is not an earlier layer (did you mean 'stem'?)"
    )


def test_from_a_later_layer_is_an_error() -> None:
    assert "'from' names 'later', which is not an earlier layer" in error_of("""
        input: [8, 8, 3]
        layers:
          - conv: {filters: 4, f: 1, from: later}
          - conv: {filters: 4, f: 1, name: later}
    """)


# ---- trainable ------------------------------------------------------------------------------


def test_trainable_false_on_a_layer() -> None:
    g = leaves("""
        input: [8, 8, 3]
        layers: [conv: {filters: 4, f: 1, trainable: false}, conv: {filters: 4, f: 1}]
    """)
    assert (g["conv1"].trainable, g["conv2"].trainable) == (False, True)


def test_trainable_false_on_a_composite_freezes_all_inside() -> None:
    g = leaves(
        BASIC
        + """
        input: [8, 8, 4]
        layers:
          - basic: {filters: 8, s: 2, trainable: false}
          - fc: 2
    """.replace("\n        ", "\n")
    )
    inside = [leaf for name, leaf in g.items() if name.startswith("basic1.")]
    assert len(inside) == 8 and not any(leaf.trainable for leaf in inside)
    assert g["fc1"].trainable


def test_trainable_true_inside_a_frozen_composite_stays_frozen() -> None:
    g = leaves("""
        input: [8, 8, 3]
        layers:
          - residual: {main: [conv: {filters: 3, f: 1, trainable: true}], trainable: false}
    """)
    assert not g["residual1.main.conv1"].trainable


def test_trainable_counts_in_the_report() -> None:
    # conv 1*1*3*4 + 4 = 16 frozen; fc 8*8*4*2 + 2 = 514 trainable
    report = analyze_text(
        "input: [8, 8, 3]\nlayers: [conv: {filters: 4, f: 1, trainable: false}, fc: 2]\n", "g"
    )
    assert (report.totals.params, report.totals.trainable) == (530, 514)


# ---- shortcut: auto -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_in", "s_main", "stride"),
    [
        (56, 2, 2),  # 56 -> 28: floor(55/2) + 1 = 28
        (7, 2, 2),  # 7 -> 4: floor(6/2) + 1 = 4
        (7, 3, 3),  # 7 -> 3: floor(6/2) + 1 = 4 no, floor(6/3) + 1 = 3
        (9, 4, 3),  # 9 -> 3 (main: floor(8/4) + 1 = 3); smallest s: floor(8/3) + 1 = 3
    ],
)
def test_auto_shortcut_stride(n_in: int, s_main: int, stride: int) -> None:
    g = leaves(f"""
        input: [{n_in}, {n_in}, 4]
        layers:
          - residual:
              main: [conv: {{filters: 8, f: 1, s: {s_main}}}]
              shortcut: auto
    """)
    conv = g["residual1.shortcut.conv1"]
    assert conv.layer.s == (stride, stride) and conv.layer.f == (1, 1) and conv.layer.bias is False
    assert g["residual1.shortcut.bn1"].kind == "bn"
    assert conv.output == g["residual1.main.conv1"].output
    # params: 1*1*4*8 = 32 (no bias), bn 2*8 = 16
    assert (conv.cost.params, g["residual1.shortcut.bn1"].cost.params) == (32, 16)


def test_auto_shortcut_channels_only() -> None:
    g = leaves("""
        input: [8, 8, 4]
        layers: [residual: {main: [conv: {filters: 6, f: 3, padding: same}], shortcut: auto}]
    """)
    assert g["residual1.shortcut.conv1"].layer.s == (1, 1)


def test_auto_shortcut_identity_when_the_shape_is_kept() -> None:
    g = leaves("""
        input: [8, 8, 4]
        layers: [residual: {main: [conv: {filters: 4, f: 3, padding: same}], shortcut: auto}]
    """)
    assert list(g) == ["residual1.main.conv1", "residual1.add"]
    assert g["residual1.add"].inputs == ("residual1.main.conv1", "input")


def test_auto_shortcut_without_a_stride_is_an_error() -> None:
    # 10 -> 7 (f 4 valid): floor(9/s) + 1 is 10, 5, 4, ... never 7
    assert error_of("""
        input: [10, 10, 4]
        layers: [residual: {main: [conv: {filters: 4, f: 4}], shortcut: auto}]
    """) == (
        "g.yaml:3:65: error: residual1: shortcut: auto finds no stride s with "
        "floor((10 - 1)/s) + 1 = 7 (n_H); "
        "write the shortcut layers out"
    )


def test_identity_shortcut_shape_mismatch_is_an_add_error() -> None:
    message = error_of("""
        input: [8, 8, 4]
        layers: [residual: {main: [conv: {filters: 6, f: 1}]}]
    """)
    assert "residual1.add: add needs equal shapes, got 8 x 8 x 6, 8 x 8 x 4" in message


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            "[conv: {filters: 4, f: 1, name: a}, conv: {filters: 4, f: 1, name: a}]",
            "duplicate layer name 'a'",
        ),
        ("[conv: {filters: 4, f: 1}, conv: {filters: 4, f: 1, name: conv1}]", "duplicate layer name 'conv1'"),
        (  # one node twice: "first at" named the very place of the error
            "[&c {conv: {filters: 4, f: 1, name: x}}, *c]",
            "2:14: error: duplicate layer name 'x' (a YAML alias repeats a named entry: drop its name, or use repeat)",
        ),
        (
            "[conv: {filters: 4, f: 1, name: a.b}]",
            "'name' must be a word without dots (and not 'input'), got 'a.b'",
        ),
        ("[conv: {filters: 4, f: 1, repeat: -1}]", "'repeat' must be 0 (no copies) or a positive integer, got -1"),
        (  # copy 2 would read copy 1 alone (it said "add reads 2 or more inputs, got 1" at 'from')
            "[conv: {filters: 3, f: 1}, add: {from: [input, conv1], repeat: 2}]",
            "add cannot repeat: the copies after the first read only the copy before them, "
            "and add reads 2 or more inputs",
        ),
        ("[conv: {filters: 4, f: 1, trainable: maybe}]", "'trainable' must be true or false, got 'maybe'"),
        ("[residual: {mian: [relu]}]", "unknown key 'mian' for residual (did you mean 'main'?)"),
        (
            "[residual: {main: [relu], shortcut: other}]",
            "'shortcut' is identity, auto, none or a list of layers, got 'other'",
        ),
        ("[parallel: {branches: [[relu]]}]", "parallel needs 'branches': a list of two or more layer lists"),
        ("[parallel: {branches: [[relu], []], merge: max}]", "'merge' is concat, add or multiply, got 'max'"),
        ("[{conv: {filters: 1, f: 1}, relu: null}]", "a layer entry has exactly one key, its type; found 2"),
        ("[conv: 3]", "'conv' takes a mapping of arguments such as {key: value}"),
        ("[conv: {filters: 4, kernel_size: 1, f: 1}]", "'f' is given twice (once as an alias)"),
    ],
)
def test_graph_errors(layers: str, message: str) -> None:
    assert message in error_of(f"input: [8, 8, 3]\nlayers: {layers}\n")


def test_block_uses_itself() -> None:
    assert "block 'b' uses itself" in error_of("""
        input: [8, 8, 3]
        blocks: {b: {layers: [relu, b]}}
        layers: [b]
    """)


def test_block_argument_errors() -> None:
    text = "input: [8, 8, 3]\nblocks: {b: {args: {n: null}, layers: [fc: $n]}}\nlayers: [%s]\n"
    assert "block b needs argument 'n'" in error_of(text % "b")
    assert "unknown argument 'm' for block b" in error_of(text % "b: {m: 1}")


def test_block_args_shadow_vars_and_defaults_see_vars() -> None:
    g = leaves("""
        input: [8, 8, 3]
        vars: {filters: 7, base: 5}
        blocks:
          cb:
            args: {filters: 2, more: "${base + 1}"}
            layers: [conv: {filters: $filters, f: 1}, conv: {filters: $more, f: 1}]
        layers:
          - cb
          - cb: {filters: 3}
          - conv: {filters: $filters, f: 1}
    """)
    assert g["cb1.conv1"].output[2] == 2  # the arg's default, not the var
    assert g["cb1.conv2"].output[2] == 6  # base + 1
    assert g["cb2.conv1"].output[2] == 3
    assert g["conv1"].output[2] == 7  # outside the block, the var


def test_a_type_ending_in_a_digit_is_counted_after_an_underscore() -> None:
    # relu6 twice: relu6_1, relu6_2 (relu61 would read as the 61st relu)
    from cnncalc.analysis import analyze_text

    report = analyze_text("input: [4, 4, 1]\nlayers:\n  - relu6\n  - relu6\n  - relu\n", "d.yaml")
    assert [r.name for r in report.rows] == ["relu6_1", "relu6_2", "relu1"]
