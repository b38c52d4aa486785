"""cnncalc.tree: the spec is resolved once, before any shape; errors wait in their slot."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from cnncalc.analysis import analyze_text
from cnncalc.errors import CnnError
from cnncalc.layers.conv import Conv
from cnncalc.source import load
from cnncalc.spec import parse
from cnncalc.tree import BlockUse, Item, Residual, resolve_network

ROOT = Path(__file__).resolve().parents[1]


def network(text: str):
    return resolve_network(parse(load(textwrap.dedent(text), "t.yaml")))


def first_error(text: str) -> str:
    try:
        analyze_text(textwrap.dedent(text), "t.yaml")
    except CnnError as exc:
        return str(exc)
    raise AssertionError("no error")


def test_values_are_resolved_into_the_tree() -> None:
    net = network("""\
        input: [32, 32, 3]
        vars: {w: 8}
        layers:
          - conv: {filters: "${w * 2}", f: 3, repeat: 2, name: c, trainable: false}
          - relu: {from: c_1}
        """)
    conv, relu = net.layers
    assert isinstance(conv, Item) and conv.part == Conv(filters=16, f=(3, 3))
    assert (conv.repeat, conv.name, conv.trainable, conv.sources) == (2, "c", False, None)
    assert isinstance(relu, Item) and relu.sources == ("c_1",)


def test_a_block_used_twice_with_the_same_arguments_is_resolved_once() -> None:
    net = network("""\
        input: [8, 8, 4]
        blocks:
          unit: {args: {k: 4}, layers: [conv: {filters: $k, f: 1}, relu]}
        layers: [unit, unit, unit: {k: 2}]
        """)
    a, b, c = net.layers
    assert isinstance(a.part, BlockUse) and isinstance(b.part, BlockUse) and isinstance(c.part, BlockUse)
    assert a.part.layers is b.part.layers and a.part.layers is not c.part.layers
    assert c.part.layers[0].part == Conv(filters=2, f=(1, 1))


def test_a_bad_value_is_kept_in_its_slot_not_raised() -> None:
    net = network("""\
        input: [8, 8, 4]
        layers:
          - residual: {main: [conv: {filters: 4, f: 1, nope: 1}], shortcut: sideways}
        """)
    (item,) = net.layers
    assert isinstance(item.part, Residual)
    assert isinstance(item.part.main[0].part, CnnError) and isinstance(item.part.shortcut, CnnError)


def test_the_first_error_is_the_first_in_execution_order() -> None:
    """A shape error at line 3 comes before a bad key at line 4, as it did when the spec was
    resolved while the graph was built."""
    text = """\
        input: [4, 4, 1]
        layers:
          - conv: {filters: 2, f: 9}
          - relu: {nope: 1}
        """
    assert first_error(text).startswith("t.yaml:3:5: error: conv1:")
    swapped = """\
        input: [4, 4, 1]
        layers:
          - relu: {nope: 1}
          - conv: {filters: 2, f: 9}
        """
    assert first_error(swapped).startswith("t.yaml:3:12: error: unknown key 'nope' for relu")


def test_graph_building_reads_no_yaml_node_and_calls_no_spec_function() -> None:
    """Data flows one way: spec -> tree -> graph. graph.py may name spec's Expectation type, nothing else."""
    tree = ast.parse((ROOT / "cnncalc" / "graph.py").read_text())
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert not {m for m, _ in imported} & {"source", "spec.resolve", "entries.make_layer"}
    assert {name for m, name in imported if m == "spec"} == {"Expectation"}
    assert "source" not in {m for m, _ in imported}


ENGINE = ("source", "spec", "entries", "tree", "graph", "report", "analysis", "expr", "dims", "errors")


def test_the_engine_imports_nothing_of_the_cli_or_the_renderers() -> None:
    """Data flows down: no engine module imports cli, render, diagram or rich (not even lazily)."""
    for name in ENGINE:
        module = ast.parse((ROOT / "cnncalc" / f"{name}.py").read_text())
        for node in ast.walk(module):
            if isinstance(node, ast.ImportFrom):
                targets = [node.module] if node.module else [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                assert target.split(".")[0] not in ("cli", "render", "diagram", "rich"), (name, target)
