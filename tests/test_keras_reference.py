"""The Keras reader against Keras itself (KERAS_BACKEND=torch): every keras.applications model
and the small models of tests/data/keras/small_models.py, built and saved at test time by
build_reference.py in processes of their own, then read by cnncalc without Keras.

For each model: total, trainable and non-trainable parameters equal Keras' count_params() and
its trainable / non-trainable weights, and every layer's output shape (each call of a shared
layer) equals Keras' own. CPU: about 60 s for the two builder processes (keras import 2 x 6 s,
the 32 applications 45 s on the meta device) and 25 s for cnncalc to read them all.
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

from cnncalc.analysis import analyze_text
from cnncalc.report import Report

HERE = Path(__file__).parent / "data" / "keras"
sys.path.insert(0, str(HERE))
from build_reference import APPLICATIONS  # noqa: E402
from small_models import SMALL  # noqa: E402

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None or importlib.util.find_spec("torch") is None,
    reason="needs keras and torch (KERAS_BACKEND=torch)",
)


def _build(folder: Path, names: list[str]) -> dict[str, Any]:
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    env.pop("KERAS_TORCH_DEVICE", None)
    done = subprocess.run([sys.executable, str(HERE / "build_reference.py"), str(folder), *names],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((folder / "reference.json").read_text())["models"]


@pytest.fixture(scope="session")
def applications(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("keras_applications")
    return folder, _build(folder, APPLICATIONS)


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("keras_small")
    return folder, _build(folder, list(SMALL))


def read(path: Path) -> Report:
    if path.suffix == ".keras":
        import mmap

        with open(path, "rb") as fh:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return analyze_text(data, str(path))
    return analyze_text(path.read_text(), str(path))


def row_name(layer: dict[str, Any], call: int) -> str:
    name = layer["name"] if call == 0 else f"{layer['name']}_call{call + 1}"
    return f"{name}/{layer['inner']}" if layer["inner"] else name


def ours(shape: tuple[Any, ...]) -> list[Any]:
    return [d if isinstance(d, int) else None for d in shape]


def theirs(shape: list[Any]) -> list[Any]:
    dims = shape[1:]
    return [1, *dims] if len(dims) == 2 else dims  # a sequence (L, C) is read as 1 x L x C


def assert_agrees(report: Report, want: dict[str, Any]) -> None:
    t = report.totals
    assert (t.params + t.buffers, t.trainable, t.buffers + t.params - t.trainable) == (
        want["params"], want["trainable"], want["non_trainable"])
    rows = {row.name: row for row in report.rows}
    for layer in want["layers"]:
        for call, shape in enumerate(layer["shapes"]):
            row = rows[row_name(layer, call)]
            assert ours(row.output) == theirs(shape), f"{row.name} ({layer['class']})"


@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_agrees_with_keras(name: str, applications: tuple[Path, dict[str, Any]]) -> None:
    folder, reference = applications
    assert_agrees(read(folder / f"{name}.keras"), reference[name])


@pytest.mark.parametrize("name", list(SMALL))
@pytest.mark.parametrize("form", ["keras", "json"])
def test_small_model_agrees_with_keras(name: str, form: str, small: tuple[Path, dict[str, Any]]) -> None:
    folder, reference = small
    assert_agrees(read(folder / f"{name}.{form}"), reference[name])


def test_shared_layers_count_once(small: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = small
    rows = {row.name: row for row in read(folder / "siamese.keras").rows}
    # Dense(5) on 216 values: 216 * 5 + 5 = 1085 at its first call, none at its second
    assert (rows["shared_dense"].params, rows["shared_dense_call2"].params) == (1085, 0)
    # the nested tower's conv: 3 * 3 * 4 * 6 + 6 = 222, once
    assert (rows["tower/tower_conv"].params, rows["tower_call2/tower_conv"].params) == (222, 0)
    assert rows["tower_call2/tower_conv"].macs == rows["tower/tower_conv"].macs == 6 * 6 * 6 * 3 * 3 * 4


@pytest.mark.parametrize("name", ["ResNet50", "MobileNetV3Small", "NASNetMobile", "EfficientNetB0", "ConvNeXtTiny",
                                  "InceptionResNetV2"])
def test_import_writes_yaml_with_the_same_rows(name: str, applications: tuple[Path, dict[str, Any]]) -> None:
    from cnncalc.importers import convert

    folder, _ = applications
    direct = read(folder / f"{name}.keras")
    text = convert((folder / f"{name}.keras").read_bytes(), f"{name}.keras")
    again = analyze_text(text, f"{name}.yaml")
    assert [(r.name, r.output, r.params, r.buffers, r.macs) for r in again.rows] == [
        (r.name, r.output, r.params, r.buffers, r.macs) for r in direct.rows]
