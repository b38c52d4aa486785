"""The JSON contract (issue 14 item 5): `cnncalc schema output` describes what every
`--format json` prints, and every such output of every bundled network validates against it."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from click.testing import CliRunner

from cnncalc import __version__, bundled
from cnncalc.cli import main
from cnncalc.output_schema import build


def _json(*args: str) -> object:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(CliRunner().invoke(main, ["schema", "output"]).stdout)
    assert schema == build()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", bundled.names())
def test_every_networks_json_validates(validator: jsonschema.Draft202012Validator, name: str) -> None:
    for args in (["summarize", name, "--format", "json"], ["summarize", name, "--format", "json", "--depth", "1"],
                 ["memory", name, "--format", "json"], ["validate", name, "--format", "json"]):
        data = _json(*args)
        validator.validate(data)
        assert data["schema_version"] == 2 and data["cnncalc_version"] == __version__


@pytest.mark.parametrize("args", [
    ["summarize", "lenet5", "--input", "HxWx1", "--format", "json"],
    ["summarize", "lenet5", "resnet18", "--format", "json", "--layout", "torch"],
    ["summarize", "popquiz", "--input", "299x299x3", "--input", "HxWx3", "--format", "json"],
    ["compare", "naive_5x5", "bottleneck_5x5", "--format", "json"],
    ["constraints", "vgg16", "--format", "json"],
    ["calc", "600x600x3", "conv 10 f=3 s=2 x4", "fc 1", "--format", "json"],
    ["list", "--format", "json"],
])
def test_other_outputs_validate(validator: jsonschema.Draft202012Validator, args: list[str]) -> None:
    validator.validate(_json(*args))


def test_symbolic_counts_are_objects_not_strings(validator: jsonschema.Draft202012Validator) -> None:
    data = _json("summarize", "lenet5", "--input", "HxWx1", "--format", "json")
    conv1 = data["layers"][0]
    assert conv1["output"] == [{"expr": "H - 4"}, {"expr": "W - 4"}, 6]
    assert conv1["activations"] == {"expr": "6*(H - 4)*(W - 4)"} and conv1["params"] == 156
    broken = copy.deepcopy(data)
    broken["layers"][0]["activations"] = "6*(H - 4)*(W - 4)"  # the old contract: a string in place
    assert not validator.is_valid(broken)
    del broken["schema_version"]
    assert not validator.is_valid(broken)


def test_expected_and_actual_have_one_type() -> None:
    data = _json("summarize", "vgg16", "--format", "json")
    by_key = {(e["subject"], e["key"]): e for e in data["expectations"]}
    params = by_key[("totals", "params")]
    assert params["expected"] == params["actual"] == 138_357_544  # torchvision's VGG-16
    output = by_key[("stage1", "output")]
    assert output["expected"] == output["actual"] == [112, 112, 64]
    assert output["text"] == "112x112x64" and output["min"] is None and output["max"] is None


def test_sweep_layers_keep_summarize_fields() -> None:
    sweep = _json("summarize", "lenet5", "--input", "32x32x1", "--input", "28x28x1", "--format", "json")
    single = _json("summarize", "lenet5", "--format", "json")
    layer = sweep["sweep"]["layers"][0]
    wanted = set(single["layers"][0]) - {"name", "type", "tensors"}
    assert wanted <= set(layer)
    assert layer["params"] == [156, 156] and layer["output"] == [[28, 28, 6], [24, 24, 6]]
