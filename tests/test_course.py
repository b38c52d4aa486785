"""The course's views (issue 14 item 1): `--format course` and `--format variables` held to the
lecture's numbers, and every layer's tensors checked against PyTorch's and Keras's own."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import bundled, tensors
from cnncalc.analysis import analyze_text
from cnncalc.cli import main, read_source
from cnncalc.layers import KINDS as KIND_REGISTRY

# a net with every tensor-holding kind PyTorch and Keras both have (grouped conv, depthwise
# with a multiplier, bn, prelu, transposed conv, fc)
KINDS = """input: [16, 16, 4]
layers:
  - conv: {filters: 8, f: 3, groups: 2, padding: 1}
  - depthwise: {f: 3, multiplier: 2}
  - bn
  - prelu
  - deconv: {filters: 3, f: 2, s: 2}
  - fc: 5
"""


def _out(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _squeezed(text: str) -> list[str]:
    return [re.sub(r"  +", " ", line.strip()) for line in text.splitlines()]


def test_course_table_is_the_lectures() -> None:
    lines = _squeezed(_out("summarize", "lenet5", "--format", "course"))
    # the lecture's LeNet-5 (gray, 32x32x1): 5*5*1*6 = 150 weights + 6 biases; FC3 400*120
    assert "Input: (32,32,1) 1,024 0" in lines
    assert "CONV1 (f=5, s=1) (28,28,6) 4,704 150 + 6 bias = 156" in lines
    assert "POOL1 (14,14,6) 1,176 0" in lines
    assert "CONV2 (f=5, s=1) (10,10,16) 1,600 2,400 + 16 bias = 2,416" in lines
    assert "FC3 (120,1) 120 48,000 + 120 = 48,120" in lines
    assert "FC4 (84,1) 84 10,080 + 84 = 10,164" in lines
    assert "Softmax (10,1) 10 840 + 10 = 850" in lines
    assert "Total parameters: 61,706" in lines


def test_course_table_rgb() -> None:
    lines = _squeezed(_out("summarize", "lenet5_rgb", "--format", "course"))
    # 5*5*3*6 = 450 weights + 6 biases
    assert "Input: (32,32,3) 3,072 0" in lines
    assert "CONV1 (f=5, s=1) (28,28,6) 4,704 450 + 6 bias = 456" in lines


def test_variables_are_tensorflows_list() -> None:
    lines = _out("summarize", "lenet5", "--format", "variables").splitlines()
    assert lines[1:4] == ["---------", "Variables: name (type shape) [size]", "---------"]
    assert lines[4:8] == [
        "conv1/kernel:0 (float32 5x5x1x6) [150, bytes: 600]",
        "conv1/bias:0 (float32 6) [6, bytes: 24]",
        "conv2/kernel:0 (float32 5x5x6x16) [2400, bytes: 9600]",
        "conv2/bias:0 (float32 16) [16, bytes: 64]",
    ]
    assert "fc1/kernel:0 (float32 400x120) [48000, bytes: 192000]" in lines
    # the lecture's totals: 61,706 values of 4 bytes
    assert lines[-2:] == ["Total size of variables: 61706", "Total bytes of variables: 246824"]


def test_variables_torch_layout_and_dtype() -> None:
    lines = _out("summarize", "lenet5", "--format", "variables", "--layout", "torch", "--dtype", "float16").splitlines()
    assert "conv1.weight (float16 6x1x5x5) [150, bytes: 300]" in lines
    assert "fc1.weight (float16 120x400) [48000, bytes: 96000]" in lines
    assert lines[-1] == "Total bytes of variables: 123412"  # 61,706 x 2


def test_variables_mark_batch_norm() -> None:
    lines = _out("summarize", "resnet18", "--format", "variables").splitlines()
    assert "bn1/gamma:0 (float32 64) [64, bytes: 256]  BN scale (gamma), learned" in lines
    assert "bn1/moving_variance:0 (float32 64) [64, bytes: 256]  BN moving statistic, not learned (a buffer)" in lines
    # torchvision's 11,689,512 parameters + 9,600 running statistics (2 x the 4,800 BN channels)
    assert lines[-3:] == ["Total size of variables: 11699112", "Total bytes of variables: 46796448",
                          "(learned: 11689512; BN moving statistics, not learned: 9600)"]


@pytest.mark.parametrize("kind", sorted({k.cls.KIND for k in KIND_REGISTRY.values()}))
def test_every_registered_kind_has_a_tensors_rule(kind: str) -> None:
    assert kind in tensors.RULES, f"cnncalc.tensors has no rule for the registered kind '{kind}'"


@pytest.mark.parametrize("name", bundled.names())
def test_tensors_add_up_to_each_layers_counts(name: str) -> None:
    report = analyze_text(*read_source(name))
    held = tensors.of_graph(report.graph)
    for leaf in report.graph.leaves:
        for role, want in (("weights", leaf.cost.weights), ("biases", leaf.cost.biases),
                           ("buffers", leaf.cost.buffers)):
            assert sum(t.count for t in held[leaf.name] if t.role == role) == want, (leaf.name, role)


def test_json_weights_biases_and_tensors() -> None:
    data = json.loads(_out("summarize", "lenet5", "--format", "json"))
    conv1 = data["layers"][0]
    assert (conv1["weights"], conv1["biases"], conv1["params"]) == (150, 6, 156)
    assert conv1["tensors"] == [{"name": "kernel", "role": "weights", "shape": [5, 5, 1, 6], "count": 150},
                                {"name": "bias", "role": "biases", "shape": [6], "count": 6}]
    torch_layout = json.loads(_out("summarize", "lenet5", "--format", "json", "--layout", "torch"))
    assert torch_layout["layers"][0]["tensors"][0] == {"name": "weight", "role": "weights",
                                                       "shape": [6, 1, 5, 5], "count": 150}


def test_json_folded_rows_list_their_layers_tensors() -> None:
    data = json.loads(_out("summarize", "resnet18", "--format", "json", "--depth", "1"))
    basic3 = next(r for r in data["layers"] if r["name"] == "basic3")
    names = [t["name"] for t in basic3["tensors"]]
    assert names[0] == "main.conv1/kernel" and "shortcut.conv1/kernel" in names
    assert sum(t["count"] for t in basic3["tensors"] if t["role"] != "buffers") == basic3["params"]
    assert basic3["weights"] + basic3["biases"] == basic3["params"]


def test_torch_state_dict_shapes(tmp_path: Path) -> None:
    """The torch layout is what the exported module's state_dict holds, BN buffers included
    (torch import and two modules: about 3 s of CPU)."""
    torch = pytest.importorskip("torch")
    from cnncalc.export import to_pytorch_source

    for report in (analyze_text(KINDS, "k.yaml"), analyze_text(*read_source("resnet18")),
                   analyze_text(*read_source("convnext_tiny"))):  # layer_norm, layer_scale
        namespace: dict = {}
        exec(compile(to_pytorch_source(report), "exported", "exec"), namespace)  # our own generated code
        module = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, torch.nn.Module)
                  and v is not torch.nn.Module][-1]()
        theirs = sorted(tuple(v.shape) for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked"))
        ours = sorted(t.torch_shape for ts in tensors.of_graph(report.graph).values() for t in ts)
        assert ours == theirs


def test_keras_weight_shapes() -> None:
    """The tf layout is what Keras stores (Keras import with the torch backend: about 7 s of CPU)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((16, 16, 4)), layers.Conv2D(8, 3, groups=2, padding="same"),
        layers.DepthwiseConv2D(3, depth_multiplier=2), layers.BatchNormalization(),
        layers.PReLU(shared_axes=[1, 2]), layers.Conv2DTranspose(3, 2, strides=2), layers.Flatten(), layers.Dense(5),
    ])
    theirs = sorted(tuple(w.shape) for w in model.weights)
    report = analyze_text(KINDS, "k.yaml")
    assert sorted(t.tf_shape for ts in tensors.of_graph(report.graph).values() for t in ts) == theirs
