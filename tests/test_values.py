"""cnncalc/values.py: the engine's value classes behave as the dataclasses they replaced (checked
against `dataclasses` itself), without their cost at import. CPU budget: well under 1 s."""

from __future__ import annotations

import ast
import copy
import dataclasses
import doctest
import inspect
import pickle
import textwrap

import pytest

from cnncalc import entries, graph, report, source, spec, tensors, tree, values
from cnncalc.errors import Location
from cnncalc.layers import all_kinds, base, steps, window

FROZEN = [base.Cost, base.Window, base.Arg, steps.Step, report.Row, report.Totals, report.Verdict, spec.Block,
          spec.Expectation, tree.Residual, tree.Parallel, tree.BlockUse, tree.Item, tree.Network, window.Slide,
          tensors.Tensor]
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
    loc = Location("f.yaml", 1, 1)  # a dataclass: handed to dataclasses.replace
    assert values.replace(loc, line=7) == Location("f.yaml", 7, 1)


def test_the_engine_defines_no_dataclass_on_the_summarize_path() -> None:
    for module in (base, steps, window, report, spec, tree, graph, source, entries, tensors):
        found = [name for name, v in vars(module).items()
                 if isinstance(v, type) and v.__module__ == module.__name__ and dataclasses.is_dataclass(v)]
        assert found == [], f"{module.__name__}: {found}"


# ---- layer kinds: plain classes whose annotated attributes are their fields (layers/base.Layer) ----

KIND_CLASSES = sorted({k.cls for k in all_kinds().values()}, key=lambda c: c.__name__)


def _annotated(cls: type) -> tuple[dict[str, str], bool]:
    """The dataclass rule, read from the source: annotated names of the class bodies, bases first,
    ClassVar ones left out, with their annotations; and whether the class has a docstring."""
    names: dict[str, str] = {}
    documented = False
    for klass in reversed(cls.__mro__):
        if klass in (object, base.Layer):
            continue
        body = ast.parse(textwrap.dedent(inspect.getsource(klass))).body[0]
        documented = ast.get_docstring(body) is not None
        for stmt in body.body:
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and "ClassVar" not in ast.unparse(stmt.annotation)):
                names[stmt.target.id] = ast.unparse(stmt.annotation)
    return names, documented


@pytest.mark.parametrize("cls", KIND_CLASSES, ids=lambda c: c.__name__)
def test_a_kinds_fields_are_its_annotations_and_behave_as_a_frozen_dataclass(cls: type) -> None:
    annotations, documented = _annotated(cls)
    assert list(cls.FIELDS) == list(annotations) and not dataclasses.is_dataclass(cls)
    defaults = base.field_defaults(cls)
    twin = dataclasses.make_dataclass(cls.__name__, [
        (n, annotations[n]) if d is base.REQUIRED else (n, annotations[n], dataclasses.field(default=d))
        for n, d in defaults.items()
    ], frozen=True)
    if not documented:  # the schema's description: the dataclass's signature line, as before
        assert cls.__doc__ == twin.__doc__
    markers = {n: (n, "marker") for n in cls.FIELDS}
    layer = object.__new__(cls)  # without __post_init__, which checks real values
    object.__setattr__(layer, "__dict__", dict(markers))
    assert repr(layer) == repr(twin(**markers)) and hash(layer) == hash(twin(**markers))
    for name in cls.FIELDS:
        with pytest.raises(AttributeError, match="layers are values"):
            setattr(layer, name, 1)
    for key, arg in cls.ARGS.items():  # the YAML's default and the class's are one value
        if key in defaults and arg.default is not base.REQUIRED and defaults[key] is not base.REQUIRED:
            assert arg.default == defaults[key], (cls.__name__, key)


def test_a_kind_is_built_by_position_or_keyword_and_checks_its_arguments() -> None:
    from cnncalc.layers.conv import Conv
    from cnncalc.layers.split import Split

    conv = Conv(6, (5, 5))
    assert conv == Conv(filters=6, f=(5, 5), s=(1, 1)) and conv != Conv(6, (3, 3))
    assert (conv.s, conv.padding, conv.groups, conv.bias) == ((1, 1), "valid", 1, True)
    assert repr(conv) == ("Conv(filters=6, f=(5, 5), s=(1, 1), padding='valid', dilation=(1, 1), groups=1, "
                          "bias=True, activation=None)")
    assert len({conv, Conv(filters=6, f=(5, 5))}) == 1
    with pytest.raises(TypeError, match="missing the argument 'f'"):
        Conv(6)
    with pytest.raises(TypeError, match="'nope'"):
        Conv(6, (5, 5), nope=1)
    with pytest.raises(TypeError, match="'filters'"):
        Conv(6, (5, 5), filters=2)
    with pytest.raises(TypeError, match="takes 8 arguments"):
        Conv(*range(9))
    with pytest.raises(base.ArgError, match="out of range"):  # __post_init__ runs
        Split(groups=2, index=2)
    assert copy.deepcopy(conv) == conv and pickle.loads(pickle.dumps(conv)) == conv


def test_a_kind_written_as_a_dataclass_still_works() -> None:
    """A plug-in's kind may still be a frozen dataclass: its fields and defaults are read the same."""
    from cnncalc.explain import settings

    @dataclasses.dataclass(frozen=True, slots=True)
    class Old(base.Layer):
        KIND = "old"
        width: int
        height: int = 3

    assert Old.FIELDS == ("width", "height")
    assert base.field_defaults(Old) == {"width": base.REQUIRED, "height": 3}
    assert settings(Old(5)) == "width=5" and settings(Old(5, 4)) == "width=5 height=4"


def test_a_field_named_as_a_layer_method_has_no_default_from_it() -> None:
    """Only a value in a kind's own class body is a default, not Layer's method of that name."""

    class Odd(base.Layer):
        KIND = "odd"
        window: int
        extent: int = 2

    assert base.field_defaults(Odd) == {"window": base.REQUIRED, "extent": 2}
    with pytest.raises(TypeError, match="missing the argument 'window'"):
        Odd()
    assert (Odd(3).window, Odd(3).extent) == (3, 2) and Odd.__doc__ == "Odd(window: 'int', extent: 'int' = 2)"
