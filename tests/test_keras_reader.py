"""The Keras reader without Keras: hand-written configs (Keras 3's to_json and get_config, a
Keras 2 to_json), every number worked by hand; Lambda and custom layers; bounded archives
(zip bombs, oversize, not a zip, HDF5); located errors. Fast: no Keras import, under 2 s."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc.analysis import analyze_text
from cnncalc.cli import main
from cnncalc.importers import keras as reader


def tensor(name: str, shape: list[Any] | None = None, node: int = 0) -> dict[str, Any]:
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32",
                                                         "keras_history": [name, node, 0]}}


def layer(cls: str, name: str, config: dict[str, Any], *calls: Any, module: str = "keras.layers") -> dict[str, Any]:
    nodes = [{"args": list(args), "kwargs": {}} for args in calls]
    return {"module": module, "class_name": cls, "config": {"name": name, **config}, "name": name,
            "inbound_nodes": nodes}


def functional(layers: list[dict[str, Any]], out: str, shape: list[Any] | None = None) -> dict[str, Any]:
    first = {"module": "keras.layers", "class_name": "InputLayer", "name": "in",
             "config": {"batch_shape": [None, *(shape or [32, 32, 3])], "name": "in"}, "inbound_nodes": []}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "net", "layers": [first, *layers], "input_layers": [["in", 0, 0]],
                       "output_layers": [[out, 0, 0]]}}


SMALL = functional([
    layer("Conv2D", "c", {"filters": 8, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
                          "activation": "relu", "use_bias": True}, [tensor("in", [None, 32, 32, 3])]),
    layer("BatchNormalization", "bn", {"axis": -1}, [tensor("c", [None, 16, 16, 8])]),
    layer("GlobalAveragePooling2D", "gap", {}, [tensor("bn", [None, 16, 16, 8])]),
    layer("Dense", "fc", {"units": 10}, [tensor("gap", [None, 8])]),
], "fc")


def write(tmp_path: Path, data: Any, name: str = "model.json") -> Path:
    path = tmp_path / name
    if name.endswith(".keras"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("metadata.json", "{}")
            z.writestr("config.json", data if isinstance(data, str) else json.dumps(data))
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    return path


def summarize(path: Path, *extra: str) -> Any:
    return CliRunner().invoke(main, ["summarize", str(path), "--format", "json", *extra])


def totals(path: Path) -> dict[str, Any]:
    result = summarize(path)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("form", ["model.json", "model.keras"])
def test_a_small_functional_model_worked_by_hand(tmp_path: Path, form: str) -> None:
    found = totals(write(tmp_path, SMALL, form))
    # conv 3*3*3*8 + 8 = 224; bn 2*8 learned + 2*8 statistics; fc 8*10 + 10 = 90
    assert found["totals"]["params"] == 224 + 16 + 90 and found["totals"]["buffers"] == 16
    assert [r["output"] for r in found["layers"]] == [[16, 16, 8], [16, 16, 8], [8], [10]]
    assert [r["name"] for r in found["layers"]] == ["c", "bn", "gap", "fc"]


def test_get_config_without_class_name(tmp_path: Path) -> None:
    assert totals(write(tmp_path, SMALL["config"]))["totals"]["params"] == 330


def test_a_keras2_sequential_to_json(tmp_path: Path) -> None:
    config = {"class_name": "Sequential", "config": {"name": "old", "layers": [
        {"class_name": "Conv2D", "config": {"name": "c", "batch_input_shape": [None, 28, 28, 1], "filters": 4,
                                            "kernel_size": [5, 5], "strides": [1, 1], "padding": "valid"}},
        {"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [2, 2], "strides": None}},
        {"class_name": "Flatten", "config": {"name": "f"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 3}},
    ]}}
    found = totals(write(tmp_path, config))
    # conv 5*5*1*4 + 4 = 104 -> 24x24x4, pool -> 12x12x4 = 576, dense 576*3 + 3 = 1731
    assert found["totals"]["params"] == 104 + 1731
    assert found["output"] == [3]


def test_keras2_functional_inbound_lists(tmp_path: Path) -> None:
    config = {"class_name": "Model", "config": {"name": "m", "input_layers": [["x", 0, 0]],
              "output_layers": [["sum", 0, 0]], "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [None, 8, 8, 2], "name": "x"},
         "inbound_nodes": []},
        {"class_name": "Conv2D", "name": "a", "config": {"name": "a", "filters": 2, "kernel_size": 1},
         "inbound_nodes": [[["x", 0, 0, {}]]]},
        {"class_name": "Add", "name": "sum", "config": {"name": "sum"},
         "inbound_nodes": [[["a", 0, 0, {}], ["x", 0, 0, {}]]]},
    ]}}
    found = totals(write(tmp_path, config))
    assert found["totals"]["params"] == 1 * 1 * 2 * 2 + 2 and found["layers"][1]["from"] == ["a", "input"]


def test_unknown_sizes_become_symbols(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["config"]["layers"][0]["config"]["batch_shape"] = [None, None, None, 3]
    found = totals(write(tmp_path, data))
    assert found["layers"][0]["output"] == [{"expr": "ceil(H/2)"}, {"expr": "ceil(W/2)"}, 8]
    assert totals(write(tmp_path, data))["totals"]["params"] == 330  # no size enters a count here
    sized = summarize(write(tmp_path, data), "--input", "64x64x3")
    assert json.loads(sized.stdout)["layers"][0]["output"] == [32, 32, 8]


def test_a_lambda_is_one_error_naming_it_and_its_place(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["config"]["layers"].insert(2, layer("Lambda", "my_lambda", {"function": "..."},
                                             [tensor("c", [None, 16, 16, 8])]))
    data["config"]["layers"][3]["inbound_nodes"] = [{"args": [tensor("my_lambda", None)], "kwargs": {}}]
    path = write(tmp_path, data)
    result = summarize(path)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1
    line_no = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if '"my_lambda"' in t)
    assert lines[0].startswith(f"{path}:{line_no}:")
    assert "layer 2 'my_lambda' of model 'net' (Lambda)" in lines[0] and "Python code" in lines[0]


def test_a_custom_layer_with_a_recorded_shape_is_a_row_with_a_warning(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["config"]["layers"].insert(2, layer("MyBlock", "mine", {}, [tensor("c", [None, 16, 16, 8])],
                                             module="my_package.layers"))
    data["config"]["layers"][3]["inbound_nodes"] = [{"args": [tensor("mine", [None, 16, 16, 8])], "kwargs": {}}]
    result = CliRunner().invoke(main, ["summarize", str(write(tmp_path, data))])
    assert result.exit_code == 0
    assert "MyBlock is a custom layer" in result.output and "mine" in result.output


def test_two_inputs_are_refused(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["config"]["input_layers"] = [["in", 0, 0], ["in2", 0, 0]]
    result = summarize(write(tmp_path, data))
    assert result.exit_code == 2 and "2 inputs" in result.output


@pytest.mark.parametrize(("content", "message"), [
    (b"not a zip at all", "not a .keras archive"),
    (b"\x89HDF\r\n\x1a\n" + b"\0" * 100, "an HDF5 (.h5) Keras file"),
])
def test_a_keras_file_that_is_not_an_archive(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.keras"
    path.write_bytes(content)
    result = summarize(path)
    assert result.exit_code == 2 and message in result.output and len(result.output.strip().splitlines()) == 1


def test_an_archive_without_config(tmp_path: Path) -> None:
    path = tmp_path / "empty.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}")
    assert "no config.json" in summarize(path).output


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", " " * 5_000_000)  # 5 MB of spaces deflate to about 5 KB
    result = summarize(path)
    assert result.exit_code == 2 and "zip bomb" in result.output
    monkeypatch.setattr(reader, "MAX_CONFIG_BYTES", 1_000_000)
    assert "more than the limit" in summarize(path).output


def test_invalid_json_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, '{"class_name": "Sequential",\n "config": {"layers": [}\n}')
    result = CliRunner().invoke(main, ["summarize", str(path)])
    assert result.exit_code == 2 and f"{path}:2:" in result.output


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    text = '{"class_name": "Sequential", "config": {"layers": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    result = summarize(write(tmp_path, text, "deep.keras"))
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_import_writes_yaml_with_the_same_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL, "model.keras")
    out = tmp_path / "model.yaml"
    result = CliRunner().invoke(main, ["import", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    again = analyze_text(out.read_text(), str(out))
    assert (again.totals.params, again.totals.buffers) == (330, 16)


def test_every_command_reads_it(tmp_path: Path) -> None:
    path = str(write(tmp_path, SMALL, "model.keras"))
    for args in (["explain", path, "c"], ["validate", path], ["diagram", path, "--format", "mermaid"],
                 ["memory", path], ["export", path, "--to", "pytorch"], ["export", path, "--to", "keras"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)


def test_explain_a_keras_global_pool_that_drops_its_1x1(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["explain", str(write(tmp_path, SMALL)), "gap"])
    # GlobalAveragePooling2D's default keepdims=False: 16 x 16 x 8 -> the vector [8]
    assert result.exit_code == 0 and "16 x 16 x 8 → [8]" in result.stdout
    assert "units = n_C_prev: the mean of each channel" in result.stdout and "= 8" in result.stdout


def test_symbolic_sizes_need_an_input_to_be_written_for_keras(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["config"]["layers"][0]["config"]["batch_shape"] = [None, None, None, 3]
    path = write(tmp_path, data)
    result = CliRunner().invoke(main, ["summarize", str(path), "--format", "keras"])
    assert result.exit_code == 2 and result.stderr.startswith(f"{path}:") and "--input" in result.stderr
    assert CliRunner().invoke(main, ["summarize", str(path), "--format", "keras", "--input", "32x32x3"]).exit_code == 0


def test_a_layer_name_with_a_control_character_is_refused(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["config"]["layers"][1]["name"] = "c\x1b[2J"
    result = summarize(write(tmp_path, data))
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "\x1b" not in result.output and "control character" in result.output
