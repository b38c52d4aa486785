"""The JSON Schema (cnncalc/schema.py): valid draft 2020-12, in step with the registry, and
accepting every file cnncalc accepts (bundled architectures, tests/positive)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import bundled
from cnncalc.cli import main
from cnncalc.graph import COMMON_KEYS
from cnncalc.layers import KEY_ALIASES, KIND_ALIASES, KINDS
from cnncalc.schema import build
from cnncalc.source import load
from cnncalc.spec import COMPOSITES, EXPECT_KEYS, TOP_KEYS

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = build()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
POSITIVE = Path(__file__).parent / "positive"


def as_data(text: str) -> object:
    """The document as cnncalc reads it (its own loader: YAML 1.1 timestamps stay text)."""
    return load(text, "f.yaml").plain()


def errors(text: str) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(as_data(text))]


def test_cli_prints_a_valid_draft_2020_12_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert printed == SCHEMA
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(printed)


def test_top_level_keys_match_spec() -> None:
    assert tuple(SCHEMA["properties"]) == TOP_KEYS
    assert SCHEMA["required"] == ["input", "layers"]
    assert set(SCHEMA["$defs"]["expect"]["properties"]) == set(EXPECT_KEYS)


@pytest.mark.parametrize("entry", ["entry", "entry_closed"])
def test_every_kind_alias_and_composite_is_a_layer_type(entry: str) -> None:
    types = SCHEMA["$defs"][entry]["anyOf"][1]["properties"]
    assert set(types) == set(KINDS) | set(KIND_ALIASES) | set(COMPOSITES)


def test_a_misspelled_type_is_flagged_unless_blocks_could_define_it() -> None:
    for layer in ("convv: {filters: 4, f: 3}", "rellu", "residual: {main: [convv: {filters: 4, f: 3}]}"):
        assert errors(f"input: [8, 8, 3]\nlayers:\n  - {layer}\n") != [], layer
    with_blocks = "input: [8, 8, 3]\nblocks:\n  unit: {layers: [relu]}\nlayers:\n  - unit\n  - unit: {repeat: 2}\n"
    assert errors(with_blocks) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_lists_exactly_its_args(kind: str) -> None:
    args = KINDS[kind].cls.ARGS
    (mapping,) = [o for o in SCHEMA["$defs"][f"kind_{kind}"]["anyOf"] if o.get("type") == "object"]
    aliases = {a for a, target in KEY_ALIASES.items() if target in args}
    assert set(mapping["properties"]) == set(args) | set(COMMON_KEYS) | aliases
    assert mapping["additionalProperties"] is False


@pytest.mark.parametrize("name", bundled.names())
def test_bundled_architectures_validate(name: str) -> None:
    path = bundled.path(name)
    assert path is not None
    assert errors(path.read_text()) == []


@pytest.mark.parametrize("path", sorted(POSITIVE.glob("*.yaml")), ids=lambda p: p.name)
def test_positive_examples_validate(path: Path) -> None:
    assert errors(path.read_text()) == []


@pytest.mark.parametrize(
    "text",
    [
        "input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, kernel_size: 3, stride: 2}\n",  # aliases
        "input: [8, 8, 3]\nlayers:\n  - fc: 10\n  - dropout: 0.5\n",  # main-argument shorthands
        "input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, f: 3, activation: ReLU, padding: SAME}\n",
        "input: 8x8x3\nvars: {w: 4}\nlayers:\n  - conv: {filters: $w, f: '${w - 1}'}\n",
        "input: [H, W, 3]\nlayers:\n  - conv: {filters: 4, f: [3, 1], padding: [1, 1, 0, 0]}\n",
        "input: [8, 8, 3]\nblocks:\n  b:\n    args: {n: null}\n    layers: [conv: {filters: $n, f: 1}]\n"
        "layers:\n  - b: {n: 4, repeat: 2}\n  - b: {n: 2}\n",
        "input: [8, 8, 3]\nlayers:\n  - bn:\n  - relu\nexpect: {params: {max: 5M}, output: 8x8x3}\n",
    ],
)
def test_files_cnncalc_reads_are_accepted(text: str) -> None:
    from cnncalc.analysis import analyze_text

    analyze_text(text, "f.yaml")  # cnncalc reads it, so the schema must too
    assert errors(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "input: [8, 8, 3]\nlayers: [relu]\ncolour: red\n",  # unknown top-level key
        "layers: [relu]\n",  # no input
        "input: [8, 8, 3]\nlayers: []\n",  # no layers
        "input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, f: 3, strid: 2}\n",  # unknown key
        "input: [8, 8, 3]\nlayers:\n  - conv: {f: 3}\n",  # filters is required
        "input: [8, 8, 3]\nlayers:\n  - conv: {filters: -4, f: 3}\n",
        "input: [8, 8, 3]\nlayers:\n  - conv: {filters: 4, f: 3, padding: [1, 1, 1]}\n",
        "input: [8, 8, 3]\nlayers:\n  - pool: {f: 2, mode: median}\n",
        "input: [8, 8, 3]\nlayers:\n  - dropout: 1.5\n",
        "input: [8, 8, 3]\nlayers: [relu]\nexpect: {parms: 5}\n",
        "input: [8, 8, 3]\nlayers: [relu]\nexpect: {params: {maximum: 5}}\n",
        "input: [8, 8, 3]\nlayers:\n  - residual: {shortcut: identity}\n",  # main is required
        "input: [8, 8, 3]\nblocks:\n  conv: {layers: [relu]}\nlayers: [relu]\n",  # a kind's name
    ],
)
def test_mistakes_are_flagged(text: str) -> None:
    assert errors(text) != []
