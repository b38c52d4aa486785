"""`cnncalc import` and reading .cfg/.prototxt wherever a FILE is taken: the emitted YAML is
readable (names, `from` by name, a comment naming the source) and gives the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cnncalc.analysis import analyze_text
from cnncalc.cli import main
from cnncalc.importers import convert, detect
from cnncalc.importers.emit import emit, scalar

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

CFG = """[net]
height=8
width=8
channels=3

[convolutional]
batch_normalize=1
filters=4
size=3
stride=1
pad=1
activation=leaky

[convolutional]
filters=4
size=1
activation=linear

[shortcut]
from=-2

[route]
layers=-1,0
"""

PROTOTXT = """name: "Tiny"
input: "data"
input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "conv1/3x3" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
        pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "side" type: "Convolution" bottom: "conv1" top: "side"
        convolution_param { num_output: 2 kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "cat" type: "Concat" bottom: "pool1" bottom: "side" top: "cat" }
"""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_import_cfg_is_readable_yaml(tmp_path):
    src = tmp_path / "tiny.cfg"
    src.write_text(CFG)
    result = invoke("import", str(src))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("#") and "tiny.cfg" in lines[0] and "Darknet" in lines[0]
    assert "  - conv: {name: conv_0, filters: 4, f: 3, padding: 1, bias: false}" in lines
    assert "  - bn: {name: bn_0}" in lines
    assert "  - leaky_relu: {name: leaky_0, alpha: 0.1}" in lines
    assert "  - add: {name: shortcut_2, from: [conv_1, leaky_0]}" in lines
    assert "  - concat: {name: route_3, from: [shortcut_2, leaky_0]}" in lines
    data = yaml.safe_load(result.output)
    assert data["input"] == [8, 8, 3]


def test_import_prototxt_keeps_caffe_names_and_blobs_become_from(tmp_path):
    src = tmp_path / "tiny.prototxt"
    src.write_text(PROTOTXT)
    result = invoke("import", str(src))
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    assert data["name"] == "Tiny" and data["input"] == [8, 8, 3]
    layers = [(kind, args) for item in data["layers"] for kind, args in item.items()]
    assert layers[0] == ("conv", {"name": "conv1/3x3", "filters": 4, "f": 3, "padding": 1})
    assert layers[1] == ("relu", {"name": "relu1"})
    assert layers[3][1]["from"] == "relu1"  # blob 'conv1', last written in place by relu1
    assert layers[4] == ("concat", {"name": "cat", "from": ["pool1", "side"]})


@pytest.mark.parametrize("name, text", [("tiny.cfg", CFG), ("tiny.prototxt", PROTOTXT)])
def test_summarizing_the_import_gives_the_same_numbers(tmp_path, name, text):
    src = tmp_path / name
    src.write_text(text)
    out = tmp_path / "out.yaml"
    assert invoke("import", str(src), "-o", str(out)).exit_code == 0
    a = json.loads(invoke("summarize", "--format", "json", str(src)).stdout)
    b = json.loads(invoke("summarize", "--format", "json", str(out)).stdout)
    assert a["totals"] == b["totals"]
    assert [(x["name"], x["output"], x["params"], x["macs"]) for x in a["layers"]] == [
        (x["name"], x["output"], x["params"], x["macs"]) for x in b["layers"]
    ]


def test_summarize_reads_cfg_and_prototxt_with_hand_worked_totals(tmp_path):
    cfg = tmp_path / "tiny.cfg"
    cfg.write_text(CFG)
    totals = json.loads(invoke("summarize", "--format", "json", str(cfg)).stdout)["totals"]
    # conv_0: 3*3*3*4 = 108 weights + bn 8; conv_1: 1*1*4*4 + 4 = 20
    assert totals["params"] == 108 + 8 + 20 and totals["buffers"] == 8
    assert totals["macs"] == 8 * 8 * 4 * 27 + 8 * 8 * 4 * 4  # 6,912 + 1,024
    proto = tmp_path / "tiny.prototxt"
    proto.write_text(PROTOTXT)
    rows = json.loads(invoke("summarize", "--format", "json", str(proto)).stdout)["layers"]
    out = {r["name"]: r["output"] for r in rows}
    assert out["pool1"] == [4, 4, 4]  # Caffe rounds pooling up: ceil((8 - 3)/2) + 1 = 4
    assert out["side"] == [4, 4, 2]  # and convolution down: floor((8 + 2 - 3)/2) + 1 = 4
    assert out["cat"] == [4, 4, 6]


def test_bad_files_exit_2_with_one_located_line(tmp_path):
    proto = tmp_path / "tiny.prototxt"
    proto.write_text(PROTOTXT.replace("stride: 2 pad: 1", "stride: 2"))  # side: floor(5/2) + 1 = 3
    result = invoke("summarize", str(proto))
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"{proto}:11:1: error: cat: concat needs equal n_H and n_W, got 4 x 4 x 4, 3 x 3 x 2"
    )
    cfg = tmp_path / "bad.cfg"
    cfg.write_text(CFG + "\n[wobble]\n")
    result = invoke("import", str(cfg))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip() == f"{cfg}:25:1: error: unsupported Darknet section [wobble]"


def test_import_of_yaml_is_refused(tmp_path):
    result = invoke("import", "lenet5")
    assert result.exit_code == 2
    assert "not a Darknet .cfg, Caffe .prototxt, ONNX, Keras (.keras, JSON) or Ultralytics model YAML" in result.output


def test_detection_by_extension_and_content():
    assert detect("", "x.cfg") == "darknet" and detect("", "x.PROTOTXT") == "caffe"
    assert detect(CFG, "model.txt") == "darknet"
    assert detect(PROTOTXT, "deploy.txt") == "caffe"
    assert detect("input: [8, 8, 1]\nlayers:\n  - relu\n", "a.yaml") is None
    assert analyze_text(CFG, "model.txt").totals.params == 136


def test_import_input_override_for_a_data_layer():
    text = ('layer { name: "d" type: "Data" top: "data" top: "label" }\n'
            'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
            "convolution_param { num_output: 2 kernel_size: 3 } }\n")
    data = yaml.safe_load(convert(text, "t.prototxt", "10x10x1"))
    assert data["input"] == [10, 10, 1]
    assert analyze_text(emit(data), "t.yaml").rows[0].output == (8, 8, 2)


@pytest.mark.parametrize(
    "value",
    ["yes", "No", "null", "on", "two words", "conv1/3x3", "3x3", "a:b", "#x", "", "input_",
     1e-05, 0.1, 1.0, -2.5e20, 7, True, False, None, [1, "y", 0.5]],
)
def test_scalars_read_back_as_written(value):
    assert yaml.safe_load(f"k: {scalar(value)}")["k"] == value


def test_emit_layer_without_arguments_is_a_bare_word():
    assert emit({"layers": [{"flatten": {}}]}) == "layers:\n  - flatten\n"


# ---- every shared file: import, then summarize, gives the same rows ---------------------

FILES = sorted(DATA.glob("darknet/*.cfg")) + sorted(DATA.glob("caffe/*.prototxt")) if DATA.is_dir() else []


@pytest.mark.skipif(not FILES, reason="../shared/data is absent")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_round_trip_of_shared_files(path):
    text = path.read_text()
    original = analyze_text(text, str(path))
    imported = analyze_text(convert(text, str(path)), "imported.yaml")
    assert imported.totals == original.totals
    def table(rep):
        return [(r.name, r.kind, r.inputs, tuple(r.output), r.params, r.buffers, r.macs) for r in rep.rows]

    assert table(imported) == table(original)


@pytest.mark.parametrize("command", [["explain"], ["validate"], ["export", "--to", "pytorch"]])
def test_other_commands_take_cfg_and_prototxt(tmp_path, command):
    for name, text in (("tiny.cfg", CFG), ("tiny.prototxt", PROTOTXT)):
        src = tmp_path / name
        src.write_text(text)
        result = invoke(*command, str(src))
        assert result.exit_code == 0, (name, result.output)


def test_explain_shows_an_imported_layer(tmp_path):
    src = tmp_path / "tiny.cfg"
    src.write_text(CFG)
    result = invoke("explain", str(src), "conv_0")
    assert result.exit_code == 0
    assert "conv_0" in result.output and "8 x 8 x 4" in result.output


def test_compare_a_cfg_with_its_import(tmp_path):
    src = tmp_path / "tiny.cfg"
    src.write_text(CFG)
    out = tmp_path / "tiny.yaml"
    invoke("import", str(src), "-o", str(out))
    result = invoke("compare", "--format", "json", str(src), str(out))
    assert result.exit_code == 0, result.output
    params = json.loads(result.stdout)["totals"]["params"]
    assert params["values"] == [136, 136] and params["differences"] == [0]  # 108 + 8 + 20
