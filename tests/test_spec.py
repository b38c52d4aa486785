"""cnncalc.spec: top-level keys, vars, blocks, `--set`, input and `expect`."""

from __future__ import annotations

from typing import Any

import pytest

from cnncalc.errors import CnnError, Location
from cnncalc.source import load
from cnncalc.spec import Architecture, parse, parse_amount, parse_shape_value

LAYERS = "layers: [fc: 1]\n"


def arch(text: str, **kwargs: Any) -> Architecture:
    return parse(load(text, "f.yaml"), **kwargs)


def error_of(text: str, **kwargs: Any) -> str:
    with pytest.raises(CnnError) as info:
        arch(text, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "input: [32, 32, 1]\nlayer: [fc: 1]\n",
            "f.yaml:2:1: error: unknown key 'layer' (did you mean 'layers'?)",
        ),
        (
            "input: [32, 32, 1]\n" + LAYERS + "references: x\n",
            "f.yaml:3:1: error: unknown key 'references' (did you mean 'reference'?)",
        ),
        ("inptu: [32, 32, 1]\n" + LAYERS, "f.yaml:1:1: error: unknown key 'inptu' (did you mean 'input'?)"),
        (  # nothing near 'colour': the valid keys are listed instead
            "input: [32, 32, 1]\n" + LAYERS + "colour: red\n",
            "f.yaml:3:1: error: unknown key 'colour' "
            "(valid keys: name, reference, input, vars, blocks, layers, expect)",
        ),
        (LAYERS, "f.yaml:1:1: error: missing required key 'input'"),
        ("input: [32, 32, 1]\n", "f.yaml:1:1: error: missing required key 'layers'"),
        ("- a\n", "f.yaml:1:1: error: an architecture file is a mapping with 'input' and 'layers'"),
        ("input: [32, 32, 1]\nlayers: []\n", "f.yaml:2:9: error: 'layers' must be a non-empty list"),
        (
            "input: [32, 32]\n" + LAYERS,
            "f.yaml:1:8: error: 'input' must be [n_H, n_W, n_C] (or [units]), such as [32, 32, 1] or 32x32x1",
        ),
        (
            "input: [0, 32, 1]\n" + LAYERS,
            "f.yaml:1:8: error: input size 0 must be a positive integer (at most 10^9)",
        ),
        (
            "input: 32x32x1.5\n" + LAYERS,
            "f.yaml:1:8: error: input size '1.5' is neither an integer nor a name",
        ),
        ("name: [a]\ninput: [3]\n" + LAYERS, "f.yaml:1:7: error: 'name' must be text"),
    ],
)
def test_top_level_errors(text: str, message: str) -> None:
    assert error_of(text) == message


def test_no_suggestion_for_a_key_far_from_any() -> None:
    assert "did you mean" not in error_of("input: [3]\n" + LAYERS + "zzzz: 1\n")


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        ("[32, 32, 1]", (32, 32, 1)),
        ("32x32x1", (32, 32, 1)),
        ("32 x 32 x 1", (32, 32, 1)),
        ("[10]", (10,)),
        ("10", (10,)),
        ("'224,224,3'", (224, 224, 3)),
    ],
)
def test_input_forms(value: str, shape: tuple[int, ...]) -> None:
    assert arch(f"input: {value}\n" + LAYERS).input == shape


def test_input_override() -> None:
    assert arch("input: [32, 32, 1]\n" + LAYERS, input_override="224x224x3").input == (224, 224, 3)


def test_name_and_reference() -> None:
    a = arch("name: LeNet\nreference: LeCun 1998\ninput: [3]\n" + LAYERS)
    assert (a.name, a.reference) == ("LeNet", "LeCun 1998")


def test_vars_and_expressions() -> None:
    a = arch("vars: {s: 28, t: '${s * 2}', u: $t}\ninput: [$s, $t, 1]\n" + LAYERS)
    assert a.env == {"s": 28, "t": 56, "u": 56}  # 28 * 2 = 56
    assert a.input == (28, 56, 1)


def test_input_names_a_var() -> None:
    assert arch("vars: {s: 28}\ninput: [s, s, 1]\n" + LAYERS).input == (28, 28, 1)


def test_set_overrides_vars_and_what_depends_on_them() -> None:
    a = arch("vars: {s: 28, t: '${s * 2}'}\ninput: [$s, $t, 1]\n" + LAYERS, sets={"s": 10})
    assert a.env["t"] == 20  # 10 * 2
    assert a.input == (10, 20, 1)


def test_set_adds_new_names() -> None:
    assert arch("input: [$n, $n, 3]\n" + LAYERS, sets={"n": 7}).input == (7, 7, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vars: {a: $b}\ninput: [3]\n" + LAYERS, "f.yaml:1:11: error: unknown name 'b'"),
        (
            "vars: {a-b: 1}\ninput: [3]\n" + LAYERS,
            "f.yaml:1:8: error: 'a-b' is not a valid variable name (letters, digits, _)",
        ),
        (
            "vars: [1]\ninput: [3]\n" + LAYERS,
            "f.yaml:1:7: error: 'vars' must be a mapping of names to values",
        ),
        (
            "vars: {w: 3}\ninput: ['${w / 2}', 4, 1]\n" + LAYERS,
            "f.yaml:2:9: error: 3 / 2 is not a whole number in 'w / 2' (use // to round down)",
        ),
    ],
)
def test_vars_errors(text: str, message: str) -> None:
    assert error_of(text) == message


def test_blocks() -> None:
    a = arch("blocks:\n  b:\n    args: {x: null, y: 2}\n    layers: [fc: $x]\ninput: [3]\n" + LAYERS)
    block = a.blocks["b"]
    assert block.args["x"] is None  # required
    assert block.args["y"] is not None and block.args["y"].value == 2
    assert block.loc == Location("f.yaml", 2, 3)


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ("{conv: {layers: [fc: 1]}}", "f.yaml:3:10: error: block name 'conv' is already a layer type"),
        ("{residual: {layers: [fc: 1]}}", "block name 'residual' is already a layer type"),
        (
            "{b: {layer: [fc: 1]}}",
            "f.yaml:3:14: error: unknown key 'layer' in block 'b' (did you mean 'layers'?)",
        ),
        ("{b: {args: {x: 1}}}", "block 'b' has no 'layers'"),
        ("{b: {layers: []}}", "'layers' of block 'b' must be a non-empty list"),
        ("{b: [fc: 1]}", "block 'b' must be a mapping with 'layers' (and 'args')"),
        ("{b: {args: [x], layers: [fc: 1]}}", "'args' of block 'b' must be a mapping of names to defaults"),
    ],
)
def test_block_errors(blocks: str, message: str) -> None:
    assert message in error_of("input: [3]\n" + LAYERS + f"blocks: {blocks}\n")


# ---- expect ---------------------------------------------------------------------------------


def expectations(body: str) -> dict[str, tuple[Any, Any, Any]]:
    a = arch("input: [3]\n" + LAYERS + f"expect: {body}\n")
    return {e.key: (e.exact, e.low, e.high) for e in a.expect}


@pytest.mark.parametrize(
    ("body", "key", "parsed"),
    [
        ("{params: 61706}", "params", (61706, None, None)),
        ("{params: 61_706}", "params", (61706, None, None)),
        ("{params: '61,706'}", "params", (61706, None, None)),
        ("{macs: {max: 5M}}", "macs", (None, None, 5_000_000)),
        ("{macs: {min: 1K}}", "macs", (None, 1000, None)),
        ("{activations: {min: 1.5K, max: 2.5G}}", "activations", (None, 1500, 2_500_000_000)),
        ("{trainable: 0}", "trainable", (0, None, None)),
        ("{buffers: 2k}", "buffers", (2000, None, None)),
        ("{output: [28, 28, 6]}", "output", ((28, 28, 6), None, None)),
        ("{output: 28x28x6}", "output", ((28, 28, 6), None, None)),
        ("{output: [10]}", "output", ((10,), None, None)),
        ("{output: 10}", "output", ((10,), None, None)),
    ],
)
def test_expect_forms(body: str, key: str, parsed: tuple[Any, Any, Any]) -> None:
    assert expectations(body)[key] == parsed


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{param: 3}", "f.yaml:3:10: error: unknown expectation 'param' (did you mean 'params'?)"),
        ("{params: {maxx: 3}}", "f.yaml:3:19: error: a budget takes 'min' and 'max', not 'maxx'"),
        ("{params: 5Q}", "f.yaml:3:18: error: expected a count such as 61706, 61_706, 5M or 1.5K, got '5Q'"),
        ("{params: 1.2345K}", "got '1.2345K'"),  # 1234.5 is not a whole count
        ("{output: [28, 28]}", "expected a shape such as [28, 28, 6], 28x28x6 or [10], got [28, 28]"),
        ("{params: {}}", "a budget needs 'min' or 'max'"),
        # 2G = 2,000,000,000 > 1G = 1,000,000,000: no count passes, so the file is at fault (exit 2);
        # col 18 is the budget
        (
            "{params: {max: 1G, min: 2G}}",
            "f.yaml:3:18: error: a budget's min (2,000,000,000) is larger than its max (1,000,000,000)",
        ),
        ("[1]", "'expect' must be a mapping with keys params, trainable, buffers, macs, activations, output"),
    ],
)
def test_expect_errors(body: str, message: str) -> None:
    assert message in error_of("input: [3]\n" + LAYERS + f"expect: {body}\n")


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (61706, 61706),
        ("61_706", 61706),
        ("61,706", 61706),
        ("5M", 5_000_000),
        ("2.5M", 2_500_000),
        ("1K", 1000),
        ("3G", 3_000_000_000),
        (" 7 ", 7),
        # 4.1 x 10^6 and 2.11 x 10^9 are whole numbers; as floats they came to 4099999.9999999995
        # and 2109999999.9999998 and were refused as "not a count"
        ("4.1M", 4_100_000),
        ("2.11G", 2_110_000_000),
        ("123456789123456789123456789G", 123_456_789_123_456_789_123_456_789 * 10**9),  # exact, no float
    ],
)
def test_parse_amount(value: Any, amount: int) -> None:
    assert parse_amount(value, Location("f")) == amount


@pytest.mark.parametrize("value", ["1.5", "0.0001K", True, [1], "M"])
def test_parse_amount_refuses(value: Any) -> None:
    with pytest.raises(CnnError):
        parse_amount(value, Location("f"))


@pytest.mark.parametrize(("value", "shown"), [(None, "null"), (True, "true"), ("4.1.1M", "'4.1.1M'")])
def test_parse_amount_error_shows_yaml_words(value: Any, shown: str) -> None:
    with pytest.raises(CnnError) as info:
        parse_amount(value, Location("f"))
    assert info.value.message == f"expected a count such as 61706, 61_706, 5M or 1.5K, got {shown}"


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        ([28, 28, 6], (28, 28, 6)),
        ("28x28x6", (28, 28, 6)),
        ("28 x 28 x 6", (28, 28, 6)),
        (10, (10,)),
        ("[10]", (10,)),
    ],
)
def test_parse_shape_value(value: Any, shape: tuple[int, ...]) -> None:
    assert parse_shape_value(value, Location("f")) == shape
