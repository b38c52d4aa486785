"""`cnncalc export --to keras` and `summarize --format keras` against Keras 3 itself
(KERAS_BACKEND=torch, built on the meta device in one process of its own: 60 s of CPU in all for
the 52 networks (50 bundled, two of its own), most of it the zoo's).

Every bundled network, and tests/data/keras/every_kind.yaml (each kind the exporter writes,
the script's own layers for LRN, locally connected, split, space_to_depth, scale, uneven adaptive
pooling and custom rows among them), exports to a script whose model.count_params() is cnncalc's
total under --convention keras, with the same trainable / non-trainable split and output shape;
and tests/data/keras/shared.yaml (a conv and a dense used twice: one Keras layer called twice,
its weights counted once: 1,488 params, as the Keras-built siamese model of small_models.py);
and for six networks (a chain, a branching module, a residual network, GoogLeNet with its two
auxiliary classifiers as extra outputs (a Keras model keeps only what leads to an output), every
kind, shared) our
--format keras text equals Keras' printed model.summary() line by line, at a fixed terminal width.
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
from cnncalc.analysis import analyze_text
from cnncalc.cli import main
from cnncalc.conventions import apply
from cnncalc.export.keras import to_keras_source

HERE = Path(__file__).parent / "data" / "keras"
OWN = {"every_kind": HERE / "every_kind.yaml", "shared": HERE / "shared.yaml"}
EXPORTABLE = [*bundled.names(), *OWN]
SUMMARIES = ["lenet5", "inception3a", "resnet18", "googlenet_torchvision", *OWN]  # googlenet: 3 outputs
needs_keras = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None or importlib.util.find_spec("torch") is None,
    reason="needs keras and torch (KERAS_BACKEND=torch)",
)


def source(name: str) -> str:
    return str(OWN[name]) if name in OWN else name


def report(name: str) -> Any:
    path = OWN[name] if name in OWN else Path(bundled.file(name))
    return analyze_text(path.read_text(), source(name))


@pytest.fixture(scope="session")
def keras_says(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("keras_exports")
    paths = []
    for name in EXPORTABLE:
        path = folder / f"{name}.py"
        path.write_text(to_keras_source(report(name)))
        paths.append(str(path))
    env = {**os.environ, "KERAS_BACKEND": "torch", "KERAS_TORCH_DEVICE": "meta", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, str(HERE / "run_exports.py"), *paths], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    return {Path(p).stem: v for p, v in found.items()}


@needs_keras
@pytest.mark.parametrize("name", EXPORTABLE)
def test_export_counts_as_keras_does(name: str, keras_says: dict[str, Any]) -> None:
    counted = apply(report(name), "keras")
    got = keras_says[name]
    t = counted.totals
    assert (got["params"], got["trainable"], got["non_trainable"]) == (t.params, t.trainable, t.params - t.trainable)
    assert got["output"] == list(counted.output)


@needs_keras
@pytest.mark.parametrize("name", SUMMARIES)
def test_format_keras_equals_keras_summary(name: str, keras_says: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(main, ["summarize", source(name), "--format", "keras"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == keras_says[name]["summary"].splitlines()


def test_export_of_a_kind_keras_lacks_is_one_located_error(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("input: [8, 8, 4]\nlayers:\n  - conv: {filters: 2, f: 1, name: a}\n"
                    "  - shortcut: {from: [input, a]}\n")
    result = CliRunner().invoke(main, ["export", str(path), "--to", "keras"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "shortcut layer has no Keras 3 layer" in lines[0]
    assert lines[0].startswith(f"{path}:4:")


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
