"""cnncalc.source: YAML -> located nodes; safe, bounded, and every problem located."""

from __future__ import annotations

import pytest

from cnncalc.errors import CnnError, Location
from cnncalc.source import MAX_DEPTH, MAX_EXPANDED_NODES, decode, load, node


def error_of(text: str) -> str:
    with pytest.raises(CnnError) as info:
        load(text, "f.yaml")
    return str(info.value)


def test_every_node_knows_its_line_and_column() -> None:
    root = load("a: 1\nb:\n  - x\n  - {y: 2}\n", "f.yaml")
    assert root.plain() == {"a": 1, "b": ["x", {"y": 2}]}
    assert root.loc == Location("f.yaml", 1, 1)
    assert root.key_locs == {"a": Location("f.yaml", 1, 1), "b": Location("f.yaml", 2, 1)}
    assert root.value["a"].loc == Location("f.yaml", 1, 4)
    item = root.value["b"].value[1]
    assert item.loc == Location("f.yaml", 4, 5)  # the '{' after "  - "
    assert item.key_locs["y"] == Location("f.yaml", 4, 6)
    assert item.value["y"].loc == Location("f.yaml", 4, 9)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: 1_000", 1000),
        ("a: 0x1F", 31),
        ("a: -3", -3),
        ("a: 1.5", 1.5),
        ("a: true", True),
        ("a: no", False),
        ("a: ~", None),
        ("a: null", None),
        ("a: '5'", "5"),
        ("a: !!str 5", "5"),
        ("a: 2026-01-01", "2026-01-01"),  # timestamps stay text: nothing is constructed
        ("a: 28x28x6", "28x28x6"),
    ],
)
def test_scalars(text: str, value: object) -> None:
    got = load(text, "f.yaml").value["a"].value
    assert got == value and type(got) is type(value)


def test_duplicate_key_names_the_first() -> None:
    assert (
        error_of("a: 1\nb: 2\na: 3\n") == "f.yaml:3:1: error: duplicate key 'a' (first at line 1, column 1)"
    )


def test_a_key_that_yaml_reads_as_a_boolean_keeps_its_word() -> None:
    # YAML 1.1 reads `on`, `yes`, `off` as booleans: "unknown key 'True'" pointed at a line saying `on:`
    root = load("on: push\nyes: 1\nflag: off\n", "f.yaml")
    assert list(root.value) == ["on", "yes", "flag"]
    assert root.value["flag"].value is False  # values are still read as YAML reads them
    assert root.key_locs["yes"] == Location("f.yaml", 2, 1)
    assert error_of("on: 1\n'on': 2\n") == "f.yaml:2:1: error: duplicate key 'on' (first at line 1, column 1)"


def test_duplicate_key_in_flow_mapping() -> None:
    assert (
        error_of("conv: {f: 3, f: 5}") == "f.yaml:1:14: error: duplicate key 'f' (first at line 1, column 8)"
    )


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!python/object/apply:os.system [ls]", "tag:yaml.org,2002:python/object/apply:os.system"),
        ("a: !!python/name:os.system", "tag:yaml.org,2002:python/name:os.system"),
        ("a: !custom {x: 1}", "!custom"),
        ("a: !custom 3", "!custom"),
        ("a: !!set {x}", "tag:yaml.org,2002:set"),
    ],
)
def test_tags_are_refused(text: str, tag: str) -> None:
    assert (
        error_of(text) == f"f.yaml:1:4: error: YAML tag '{tag}' is not allowed (cnncalc files are plain data)"
    )


def test_aliases_expand() -> None:
    root = load("a: &x [1, 2]\nb: *x\n", "f.yaml")
    assert root.plain() == {"a": [1, 2], "b": [1, 2]}


def test_unknown_alias() -> None:
    assert error_of("a: *nope") == "f.yaml:1:4: error: alias *nope refers to an unknown anchor or to itself"


def test_billion_laughs_is_bounded() -> None:
    # 10 values, each level ten times the one before: 10^9 values once expanded
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    message = error_of("\n".join(lines))
    assert f"the document expands to more than {MAX_EXPANDED_NODES:,} values" in message
    assert message.startswith("f.yaml:")


def test_nesting_is_bounded() -> None:
    depth = MAX_DEPTH + 5
    message = error_of("a: " + "[" * depth + "]" * depth)
    assert f"nesting deeper than {MAX_DEPTH} levels" in message


def test_huge_integer_is_refused() -> None:
    assert "integer with 40 digits is too large" in error_of("a: " + "9" * 40)


def test_merge_keys() -> None:
    root = load("d: &d {f: 3, s: 1}\ne: {<<: *d, s: 2}\ng: {s: 4, <<: *d}\n", "f.yaml")
    # explicit keys win over merged ones, whichever comes first
    assert root.plain()["e"] == {"f": 3, "s": 2}
    assert root.plain()["g"] == {"f": 3, "s": 4}


def test_merge_of_a_list_of_mappings() -> None:
    root = load("a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc: {<<: [*a, *b]}\n", "f.yaml")
    assert root.plain()["c"] == {"x": 1, "y": 3}  # the first mapping listed wins


def test_merge_of_a_scalar_is_an_error() -> None:
    assert "'<<' merges only mappings" in error_of("a: &a 3\nb: {<<: *a}\n")


def test_explicit_duplicate_after_merge_is_still_an_error() -> None:
    assert "duplicate key 's'" in error_of("d: &d {s: 1}\ne: {<<: *d, s: 2, s: 3}\n")


def test_syntax_error_is_located() -> None:
    assert error_of("a: [1, 2\n") == "f.yaml:2:1: error: invalid YAML: did not find expected ',' or ']'"


def test_empty_file() -> None:
    assert error_of("") == "f.yaml:1:1: error: the file is empty"
    assert error_of("# only a comment\n") == "f.yaml:1:1: error: the file is empty"


def test_one_document_only() -> None:
    assert (
        error_of("a: 1\n---\nb: 2\n") == "f.yaml:2:1: error: expected one YAML document, found a second one"
    )


def test_complex_keys_are_refused() -> None:
    assert "a mapping key must be a plain value" in error_of("? [a, b]\n: 1\n")


def test_non_utf8_is_located() -> None:
    with pytest.raises(CnnError) as info:
        decode(b"a: 1\nbb: \xff\n", "f.yaml")
    # line 2, the 5th byte of the line
    assert str(info.value) == "f.yaml:2:5: error: file is not UTF-8 text (byte 0xff)"


def test_utf8_bom_is_dropped() -> None:
    assert decode("\ufeffa: é".encode(), "f.yaml") == "a: é"


def test_node_wraps_plain_data() -> None:
    loc = Location("<cli>", 1, 1)
    wrapped = node({"input": [32, 32, 1], "layers": [{"fc": 10}]}, loc)
    assert wrapped.plain() == {"input": [32, 32, 1], "layers": [{"fc": 10}]}
    assert wrapped.value["layers"].value[0].key_locs["fc"] == loc
