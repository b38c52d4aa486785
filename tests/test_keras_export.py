"""`cnncalc export --to keras` and `summarize --format keras` against Keras 3 itself
(KERAS_BACKEND=torch, built on the meta device in one process of its own), and against the
PyTorch export on real numbers.

Every bundled network, tests/data/keras/every_kind.yaml (each kind the exporter writes, the
script's own layers for LRN, locally connected, split, space_to_depth, scale, uneven adaptive
pooling and custom rows among them), tests/data/keras/new_kinds.yaml (the kinds the ONNX,
Ultralytics and Darknet readers bring: instance norm, every pad mode, attention, DFL, Darknet's
shortcut of unequal shapes, an operator without arithmetic), strided_dilated.yaml (strides with
dilations, which Keras' Conv2D and Conv2DTranspose refuse), four Ultralytics models read from
their YAMLs (YOLO11n and YOLOv10n with their attention and DFL, YOLOv8n-seg, YOLO11n-cls), an
ONNX file with instance norm, reflect / edge / constant pads and two operators cnncalc has no
arithmetic for, and 60 seeded random networks of test_export_pytorch.py's strategy, export to a
script whose model.count_params() is cnncalc's total under --convention keras, with the same
trainable / non-trainable split and output shape; and tests/data/keras/shared.yaml (a conv and
a dense used twice: one Keras layer called twice, its weights counted once: 1,488 params, as the
Keras-built siamese model of small_models.py); and for eight networks (a chain, a branching
module, a residual network, GoogLeNet with its two auxiliary classifiers as extra outputs (a
Keras model keeps only what leads to an output), and the four of tests/data/keras) our
--format keras text equals Keras' printed model.summary() line by line, at a fixed terminal width.

Numbers: new_kinds.yaml, strided_dilated.yaml and YOLO11n (at 128 x 128) run through their Keras
export and their PyTorch export (nn.InstanceNorm2d, nn.ReflectionPad2d, nn.ReplicationPad2d,
nn.CircularPad2d, and the PyTorch export's SelfAttention, DFL and DarknetShortcut) on one input
with the same weights: every layer's output agrees (tests/data/keras/compare_torch.py).

CPU budget (2-core machine): about 60 s for the whole file at load 5.5 (less on an idle machine):
the meta-device builds of the 120 networks in one Keras process (model.summary() only for the
eight compared), the numeric comparison in another, about 15 s.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import bundled
from cnncalc.analysis import analyze_node, analyze_text
from cnncalc.cli import main
from cnncalc.conventions import apply
from cnncalc.export import keras_plan
from cnncalc.export.keras import to_keras_source
from cnncalc.importers import ultralytics
from cnncalc.layers import KINDS

HERE = Path(__file__).parent / "data" / "keras"
OWN = {name: HERE / f"{name}.yaml" for name in ("every_kind", "shared", "new_kinds", "strided_dilated")}
YOLO = Path(__file__).parent / "data" / "ultralytics" / "yaml"
ULTRALYTICS = {"yolo11n": ("yolo11.yaml", "n"), "yolov10n": ("yolov10n.yaml", None),
               "yolov8n-seg": ("yolov8-seg.yaml", "n"), "yolo11n-cls": ("yolo11-cls.yaml", "n")}
HAS_ONNX = importlib.util.find_spec("onnx") is not None
ONNX = ["onnx_kinds"] if HAS_ONNX else []
RANDOM = [f"random_{seed}" for seed in range(60)]  # test_export_pytorch.py's random networks, seeded
EXPORTABLE = [*bundled.names(), *OWN, *ULTRALYTICS, *ONNX, *RANDOM]
SUMMARIES = ["lenet5", "inception3a", "resnet18", "googlenet_torchvision", *OWN]  # googlenet: 3 outputs
needs_keras = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None or importlib.util.find_spec("torch") is None,
    reason="needs keras and torch (KERAS_BACKEND=torch)",
)


def source(name: str) -> str:
    return str(OWN[name]) if name in OWN else name


def onnx_kinds() -> bytes:
    """An ONNX file with the ONNX reader's own kinds: instance norm, reflect / edge / constant
    pads (pad, pad, zeropad), and two operators cnncalc has no arithmetic for (CumSum, and Pow
    reading an 8-value weight: a stand-in holding 8 params)."""
    from onnx_build import Graph

    g = Graph([1, 3, 16, 16])
    g.node("Conv", ["x", g.weight("w1", [8, 3, 3, 3]), g.weight("b1", [8])], "conv1", pads=[1, 1, 1, 1])
    g.node("InstanceNormalization", ["conv1", g.weight("s", [8]), g.weight("b", [8])], "inorm", epsilon=1e-3)
    g.node("Pad", ["inorm", g.const("p1", [0, 0, 2, 1, 0, 0, 1, 3])], "reflect", mode="reflect")
    g.node("Pad", ["reflect", g.const("p2", [0, 0, 1, 0, 0, 0, 0, 2])], "edge", mode="edge")
    g.node("Pad", ["edge", g.const("p3", [0, 0, 1, 1, 0, 0, 1, 1])], "zeros", mode="constant")
    g.node("CumSum", ["zeros", g.const("axis", 1)], "cumsum")
    g.node("Pow", ["cumsum", g.weight("exponent", [1, 8, 1, 1])], "pow")
    g.node("GlobalAveragePool", None, "gap")
    return g.model().SerializeToString()


def random_network(seed: int) -> str:
    """The random network test_export_pytorch.py's strategy writes, its draws from a seeded
    random.Random instead of Hypothesis (every kind, blocks, repeats, merges, shared weights)."""
    import random

    from test_export_pytorch import Net

    class Seeded(Net):
        def __init__(self) -> None:
            super().__init__(self.boolean)
            self.rng = random.Random(seed)

        def boolean(self, strategy: Any) -> bool:  # the strategy's one draw of its own
            assert repr(strategy) == "booleans()", f"a draw the seeded network cannot make: {strategy!r}"
            return self.rng.random() < 0.5

        def int(self, low: int, high: int) -> int:
            return self.rng.randint(low, high)

        def pick(self, options: Any) -> Any:
            return self.rng.choice(list(options))

        def chance(self, p: float) -> bool:
            return self.rng.randint(0, 99) < p * 100

    return Seeded().network()


def report(name: str) -> Any:
    if name.startswith("random_"):
        return analyze_text(random_network(int(name.removeprefix("random_"))), f"{name}.yaml")
    if name in ULTRALYTICS:
        file, scale = ULTRALYTICS[name]
        return analyze_node(ultralytics.load((YOLO / file).read_text(), f"{name}.yaml", scale=scale), f"{name}.yaml")
    if name == "onnx_kinds":
        return analyze_text(onnx_kinds(), "onnx_kinds.onnx")
    path = OWN[name] if name in OWN else Path(bundled.file(name))
    return analyze_text(path.read_text(), source(name))


@pytest.fixture(scope="session")
def keras_says(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What Keras says of each export ("keras"), and cnncalc's count of the same report under
    --convention keras ("cnncalc"): each network read once (apply counts in place)."""
    folder = tmp_path_factory.mktemp("keras_exports")
    paths, ours = [], {}
    for name in EXPORTABLE:
        path = folder / f"{name}.py"
        network = report(name)
        path.write_text(to_keras_source(network))
        paths.append(str(path))
        t = apply(network, "keras").totals
        ours[name] = {"params": t.params, "trainable": t.trainable, "non_trainable": t.params - t.trainable,
                      "output": list(network.output)}
    env = {**os.environ, "KERAS_BACKEND": "torch", "KERAS_TORCH_DEVICE": "meta", "COLUMNS": "200"}
    summarized = [str(folder / f"{name}.py") for name in SUMMARIES]
    done = subprocess.run([sys.executable, str(HERE / "run_exports.py"), *paths, "--summary", *summarized], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    return {Path(p).stem: {"keras": v, "cnncalc": ours[Path(p).stem]} for p, v in found.items()}


@needs_keras
@pytest.mark.parametrize("name", EXPORTABLE)
def test_export_counts_as_keras_does(name: str, keras_says: dict[str, Any]) -> None:
    got, want = keras_says[name]["keras"], keras_says[name]["cnncalc"]
    assert {key: got[key] for key in want} == want


@needs_keras
@pytest.mark.parametrize("name", SUMMARIES)
def test_format_keras_equals_keras_summary(name: str, keras_says: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(main, ["summarize", source(name), "--format", "keras"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == keras_says[name]["keras"]["summary"].splitlines()


def test_every_registered_kind_has_a_keras_entry() -> None:
    kinds = {k.cls.KIND for k in KINDS.values()}
    assert kinds - set(keras_plan._TABLE) == set(), "kinds the Keras export cannot write"
    assert set(keras_plan._TABLE) - kinds == set(), "Keras entries for kinds that are not registered"


def test_export_of_a_kind_without_an_entry_is_one_located_error(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # every kind has an entry today; a kind added without one must fail this way, not guess
    monkeypatch.delitem(keras_plan._TABLE, "shortcut")
    path = tmp_path / "net.yaml"
    path.write_text("input: [8, 8, 4]\nlayers:\n  - conv: {filters: 2, f: 1, name: a}\n"
                    "  - shortcut: {from: [input, a]}\n")
    result = CliRunner().invoke(main, ["export", str(path), "--to", "keras"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "shortcut layer has no Keras 3 layer" in lines[0]
    assert lines[0].startswith(f"{path}:4:")


@needs_keras
def test_keras_computes_what_the_pytorch_export_computes(tmp_path: Path) -> None:
    """Same input, same weights: every layer's output as the PyTorch export's, for new_kinds.yaml
    (whose instance norm and pads are torch's own nn.InstanceNorm2d, ReflectionPad2d,
    ReplicationPad2d and CircularPad2d, and a max pool padded at the top and left), for the
    whole of YOLO11n at 128 x 128 (298 layers: its SPPF max pools, C2PSA attention and DFL
    among them) and for strided_dilated.yaml (what Keras' Conv2D and Conv2DTranspose refuse,
    written another way). float32: a difference at most 1e-3 of the output's largest value (Keras'
    GroupNormalization takes the variance as E[x^2] - E[x]^2: about 1e-4 here)."""
    from cnncalc.export import to_pytorch_source

    torch_source = to_pytorch_source(report("new_kinds"))
    for module in ("nn.InstanceNorm2d(", "nn.ReflectionPad2d(", "nn.ReplicationPad2d(", "nn.CircularPad2d(",
                   "SelfAttention(", "DFL(", "DarknetShortcut("):
        assert module in torch_source
    yolo = tmp_path / "yolo11n.yaml"  # the file name gives the scale
    yolo.write_text((YOLO / "yolo11.yaml").read_text())
    args = [str(OWN["new_kinds"]), f"{yolo}@128x128x3", str(OWN["strided_dilated"])]
    env = {k: v for k, v in os.environ.items() if k != "KERAS_TORCH_DEVICE"}
    done = subprocess.run([sys.executable, str(HERE / "compare_torch.py"), *args], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    kinds = json.loads(done.stdout)[args[0]]
    fused = {"into_big"}  # its relu is outside the PyTorch module: checked through box_big, which reads it
    assert set(kinds) == {row.name for row in report("new_kinds").rows} - fused
    assert kinds["dfl"]["scale"] > 1 and kinds["mystery"]["scale"] == 0  # distances; the stand-in's zeros
    yolo_rows = analyze_text(yolo.read_text(), "yolo11n.yaml", input_override="128x128x3").rows
    assert len(found[args[1]]) == len(yolo_rows) == 298
    for arg in args:
        for name, got in found[arg].items():
            assert got["keras"] == got["torch"], (arg, name)
            assert got["diff"] <= 1e-3 * max(got["scale"], 1.0), (arg, name, got)


def test_an_operator_is_a_commented_stand_in_whatever_its_name() -> None:
    import ast

    from hostile_names import ALL

    def script(op: str) -> str:
        text = f"input: [4, 4, 2]\nlayers:\n  - operator: {{type: {json.dumps(op)}, params: 3, output: [5]}}\n"
        return to_keras_source(analyze_text(text, "net.yaml"))

    plain = script("Foo")
    assert "    # a stand-in for the Foo operator" in plain
    assert "OperatorPlaceholder(op='Foo', shape=(5,), params=3, name='operator1')" in plain
    for op in ALL.values():
        text = script(op)
        assert [type(n).__name__ for n in ast.walk(ast.parse(text))] == \
               [type(n).__name__ for n in ast.walk(ast.parse(plain))], op
        assert len(text.splitlines()) == len(plain.splitlines()), op


def test_a_shared_layer_is_one_object_called_twice() -> None:
    text = to_keras_source(report("shared"))
    assert text.count("name='tower'") == 1 and text.count("layer3(") == 2 and text.count("layer6(") == 2


def test_export_script_is_python_and_names_are_literals() -> None:
    import ast

    text = "name: 'a\"b'\ninput: [8, 8, 1]\nlayers:\n  - conv: {filters: 2, f: 3, name: \"x'); import os #\"}\n"
    source = to_keras_source(analyze_text(text, "net.yaml"))
    tree = ast.parse(source)
    names = [kw.value.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and kw_is_name(node)
             for kw in [node]]
    assert "x'); import os #" in names
    assert "import os" not in [ast.unparse(n) for n in tree.body]


def kw_is_name(node: Any) -> bool:
    import ast

    return node.arg == "name" and isinstance(node.value, ast.Constant)
