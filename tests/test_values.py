"""cnncalc/values.py: the engine's value classes behave as the dataclasses they replaced (checked
against `dataclasses` itself), without their cost at import. CPU budget: well under 1 s."""

from __future__ import annotations

import copy
import dataclasses
import doctest
import inspect
import pickle

import pytest

from cnncalc import entries, graph, report, source, spec, tree, values
from cnncalc.errors import Location
from cnncalc.layers import base, steps, window

FROZEN = [base.Cost, base.Window, base.Arg, steps.Step, report.Row, report.Totals, report.Verdict, spec.Block,
          spec.Expectation, tree.Residual, tree.Parallel, tree.BlockUse, tree.Item, tree.Network, window.Slide]
MUTABLE = [report.Report, spec.Architecture, graph.Leaf, graph.Group, graph.Graph, graph._Scope, source.Node,
           entries.Entry]


def test_the_module_examples() -> None:
    assert doctest.testmod(values).failed == 0


def _parameters(cls: type) -> list[inspect.Parameter]:
    return list(inspect.signature(cls).parameters.values())


def _filled(cls: type) -> tuple[object, dict[str, object]]:
    """An instance whose every argument is a distinct marker, and the markers by name."""
    given = {p.name: [] if p.name == "leaves" else (p.name, "marker") for p in _parameters(cls)}  # Graph indexes leaves
    return cls(**given), given


@pytest.mark.parametrize("cls", FROZEN + MUTABLE, ids=lambda c: c.__qualname__)
def test_every_field_is_an_argument_and_is_stored(cls: type) -> None:
    """__init__ takes the fields in their order and stores each (a field forgotten in a
    hand-written __init__ would be unset, one stored under another name would differ)."""
    assert [p.name for p in _parameters(cls)] == list(cls.FIELDS)
    value, given = _filled(cls)
    assert {name: getattr(value, name) for name in cls.FIELDS} == given


def _as_dataclass(cls: type, frozen: bool) -> type:
    """The same fields as a dataclass: the behaviour the class must keep."""
    params = _parameters(cls)
    spec_ = [(p.name, object) if p.default is p.empty else (p.name, object, dataclasses.field(default=p.default))
             for p in params]
    return dataclasses.make_dataclass(cls.__name__, spec_, frozen=frozen)


@pytest.mark.parametrize("cls", FROZEN, ids=lambda c: c.__qualname__)
def test_frozen_classes_compare_hash_and_show_as_dataclasses(cls: type) -> None:
    twin = _as_dataclass(cls, frozen=True)
    value, given = _filled(cls)
    other = cls(**{**given, cls.FIELDS[-1]: "changed"})
    ref, ref_other = twin(**given), twin(**{**given, cls.FIELDS[-1]: "changed"})
    assert repr(value).replace(cls.__qualname__, cls.__name__) == repr(ref)
    assert (value == cls(**given), value == other, value != other) == (ref == twin(**given), ref == ref_other,
                                                                     ref != ref_other)
    assert hash(value) == hash(cls(**given)) and hash(ref) == hash(twin(**given))
    assert value != ref  # another class: never equal, as between two dataclasses
    for name in cls.FIELDS:
        with pytest.raises(AttributeError, match="frozen"):
            setattr(value, name, 1)
        with pytest.raises(AttributeError, match="frozen"):
            delattr(value, name)
    assert copy.copy(value) == value and copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(base.Cost((1, 2, 3), 4, 5))) == base.Cost((1, 2, 3), 4, 5)


@pytest.mark.parametrize("cls", [c for c in MUTABLE if c is not source.Node], ids=lambda c: c.__qualname__)
def test_mutable_classes_compare_and_show_as_dataclasses(cls: type) -> None:
    twin = _as_dataclass(cls, frozen=False)
    value, given = _filled(cls)
    assert repr(value).replace(cls.__qualname__, cls.__name__) == repr(twin(**given))
    assert value == cls(**given) and value != cls(**{**given, cls.FIELDS[0]: "changed"})
    with pytest.raises(TypeError):
        hash(value)  # mutable: unhashable, as an eq dataclass
    setattr(value, cls.FIELDS[0], "set")
    assert getattr(value, cls.FIELDS[0]) == "set"
    with pytest.raises(AttributeError):
        value.not_a_field = 1  # slots: no stray attributes


def test_nodes_are_equal_only_to_themselves() -> None:
    loc = Location("f.yaml", 1, 1)
    a, b = source.Node(1, loc), source.Node(1, loc)
    assert a == a and a != b and len({a, b}) == 2
    assert repr(a) == "Node(value=1, loc=Location(file='f.yaml', line=1, col=1), key_locs={}, size=1)"


def test_defaults_are_fresh_for_each_instance() -> None:
    """What was `field(default_factory=list)` is a new list per instance."""
    loc = Location("f.yaml", 1, 1)
    g1, g2 = graph.Group("a", "block", loc), graph.Group("b", "block", loc)
    g1.expect.append("x")
    assert g2.expect == []
    assert source.Node(1, loc).key_locs is not source.Node(1, loc).key_locs


def test_replace() -> None:
    cost = base.Cost((4, 4, 8), weights=10, biases=2, macs=5)
    changed = values.replace(cost, weights=0, biases=0)
    assert (changed.output, changed.weights, changed.biases, changed.macs, changed.params) == ((4, 4, 8), 0, 0, 5, 0)
    assert cost.weights == 10  # the original is untouched
    with pytest.raises(TypeError, match="no field 'nope'"):
        values.replace(cost, nope=1)
    g = graph.Graph((2, 2, 1), [], {}, "x")
    assert values.replace(g, output="y").output == "y" and "by_name" not in repr(g)


def test_the_engine_defines_no_dataclass_on_the_summarize_path() -> None:
    for module in (base, steps, window, report, spec, tree, graph, source, entries):
        found = [name for name, v in vars(module).items()
                 if isinstance(v, type) and v.__module__ == module.__name__ and dataclasses.is_dataclass(v)]
        assert found == [], f"{module.__name__}: {found}"
