"""export --to onnx for the kinds the Keras reader brought (rescaling, normalization, reshape,
cropping, custom) and for `local`: each model passes onnx.checker (full_check), onnxruntime runs
it to our output shape, its initializers hold exactly our params + buffers, and the values are
checked against an independent source: Keras itself on the same weights (models built and saved
at test time by one KERAS_BACKEND=torch process), or a loop written from the definition (local).

CPU budget: about 35 s (two Keras processes: import 2 x 6 s, four tiny models, two applications on
the meta device; EfficientNetB0 and MobileNetV3Small run in onnxruntime 4 s; 60 random networks 8 s;
the rest under 4 s).
"""

from __future__ import annotations

import importlib.util
import mmap
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import numpy as np  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.export.onnx import nchw, to_onnx  # noqa: E402
from cnncalc.report import Report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def exported(report: Report) -> Any:
    """The model, checked the way every export must pass: full_check, initializer total, ORT shape."""
    model = to_onnx(report)
    onnx.checker.check_model(model, full_check=True)
    assert sum(int(np.prod(t.dims)) for t in model.graph.initializer) == report.totals.params + report.totals.buffers
    return model


def run(model: Any, x: Any) -> Any:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": x.astype(np.float32)})
    return out


def yaml_report(body: str, input_shape: str = "[12, 10, 8]") -> Report:
    return analyze_text(f"input: {input_shape}\nlayers:\n" + textwrap.dedent(body), "net.yaml")


def random_input(report: Report, seed: int = 1) -> Any:
    return np.random.default_rng(seed).standard_normal(nchw(report.input)).astype(np.float32)


def weights(model: Any) -> dict[str, Any]:
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


# ---- Keras twins: rescaling, normalization, reshape, cropping ----------------------------------

KERAS_TWINS = r"""
import sys
from pathlib import Path

import keras
import numpy as np

folder = Path(sys.argv[1])
rng = np.random.default_rng(0)


def save(name, outputs, inputs, x):
    model = keras.Model(inputs, outputs)
    model.save(folder / f"{name}.keras")
    np.save(folder / f"{name}.x.npy", x)
    np.save(folder / f"{name}.y.npy", keras.ops.convert_to_numpy(model(x)))
    np.savez(folder / f"{name}.weights.npz", **{f"{layer.name}/{i}": keras.ops.convert_to_numpy(w)
                                                for layer in model.layers for i, w in enumerate(layer.weights)})


x = (rng.standard_normal((1, 6, 5, 3)) * 50 + 100).astype("float32")
i = keras.Input((6, 5, 3))
save("rescaling", keras.layers.Rescaling(1 / 255, offset=-0.5, name="rescale")(i), i, x)

i = keras.Input((6, 5, 3))
norm = keras.layers.Normalization(axis=-1, name="norm")
norm.adapt((rng.standard_normal((64, 6, 5, 3)) * [1, 5, 20] + [3, -2, 10]).astype("float32"))
save("normalization", norm(i), i, (rng.standard_normal((1, 6, 5, 3)) * 10).astype("float32"))

# every direction of a Keras Reshape: image -> image, -> vector, -> image, -> sequence, -> 1 x 1, -> image
i = keras.Input((4, 6, 3))
y = keras.layers.Reshape((6, 4, 3), name="r1")(i)
y = keras.layers.Reshape((72,), name="r2")(y)
y = keras.layers.Reshape((2, 4, 9), name="r3")(y)
y = keras.layers.Reshape((8, 9), name="r4")(y)
y = keras.layers.Reshape((1, 1, 72), name="r5")(y)
y = keras.layers.Reshape((3, 8, 3), name="r6")(y)
save("reshape", y, i, rng.standard_normal((1, 4, 6, 3)).astype("float32"))

i = keras.Input((7, 6, 3))
save("cropping", keras.layers.Cropping2D(((1, 2), (0, 3)), name="crop")(i), i,
     rng.standard_normal((1, 7, 6, 3)).astype("float32"))
"""
TWINS = ["rescaling", "normalization", "reshape", "cropping"]
KERAS_WEIGHTS = {"mean": 0, "variance": 1, "count": 2}  # Normalization's adapt_mean, adapt_variance, count


@pytest.fixture(scope="module")
def keras_twins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("keras") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("needs keras and torch (KERAS_BACKEND=torch)")
    folder = tmp_path_factory.mktemp("keras_twins")
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    env.pop("KERAS_TORCH_DEVICE", None)
    done = subprocess.run([sys.executable, "-c", KERAS_TWINS, str(folder)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


@pytest.fixture(scope="module")
def keras_applications(keras_twins: Path) -> Path:
    """Two keras.applications models (their Rescaling and Normalization layers, the Keras kinds'
    first users), built on the meta device by tests/data/keras/build_reference.py."""
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    env.pop("KERAS_TORCH_DEVICE", None)
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "data" / "keras" / "build_reference.py"),
                           str(keras_twins), *APPLICATIONS], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return keras_twins


APPLICATIONS = ["EfficientNetB0", "MobileNetV3Small"]


@pytest.mark.parametrize("name", APPLICATIONS)
def test_a_keras_application_exports_with_keras_own_weight_count(keras_applications: Path, name: str) -> None:
    import json

    report = analyze_text(_mapped(keras_applications / f"{name}.keras"), f"{name}.keras", input_override="224x224x3")
    assert {"rescaling", "normalization"} & {r.kind for r in report.rows}
    model = exported(report)
    keras_count = json.loads((keras_applications / "reference.json").read_text())["models"][name]["params"]
    assert sum(int(np.prod(t.dims)) for t in model.graph.initializer) == keras_count  # Keras' count_params()
    out = run(model, random_input(report))
    assert list(out.shape) == nchw(report.output) == [1, 1000] and np.isfinite(out).all()


def _mapped(path: Path) -> Any:
    with open(path, "rb") as fh:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def read_keras(path: Path) -> Report:
    return analyze_text(_mapped(path), str(path))


@pytest.mark.parametrize("name", TWINS)
def test_a_keras_layer_exported_gives_keras_own_values(keras_twins: Path, name: str) -> None:
    report = read_keras(keras_twins / f"{name}.keras")
    assert name in {r.kind for r in report.rows} or (name == "normalization" and report.totals.buffers == 7)
    model = exported(report)
    keras_weights = np.load(keras_twins / f"{name}.weights.npz")
    for tensor in model.graph.initializer:  # Keras' weights into the file, by name
        layer, what = tensor.name.rsplit(".", 1)
        value = keras_weights[f"{layer}/{KERAS_WEIGHTS[what]}"].astype(np.float32).reshape(tuple(tensor.dims))
        tensor.CopyFrom(numpy_helper.from_array(value, tensor.name))
    held = {t.name for t in model.graph.initializer}
    assert held == ({"norm.mean", "norm.variance", "norm.count"} if name == "normalization" else set())
    x = np.load(keras_twins / f"{name}.x.npy")
    want = np.load(keras_twins / f"{name}.y.npy")
    out = run(model, x.transpose(0, 3, 1, 2))
    assert list(out.shape) == nchw(report.output)
    got = out.transpose(0, 2, 3, 1) if out.ndim == 4 else out  # back to Keras' channels last
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5, atol=1e-5)


def test_the_reshape_order_is_not_the_channels_first_one(keras_twins: Path) -> None:
    """The check above can fail: a plain NCHW Reshape (PyTorch's order) gives other values."""
    x = np.load(keras_twins / "reshape.x.npy")
    want = np.load(keras_twins / "reshape.y.npy")
    naive = x.transpose(0, 3, 1, 2).reshape(1, -1)[:, : want.size].reshape(want.shape)
    assert not np.allclose(naive, want)


# ---- the same kinds written in YAML ------------------------------------------------------------


def test_rescaling_holds_no_initializers_and_scales() -> None:
    report = yaml_report("  - rescaling: 0.25\n  - rescaling: {scale: 2, offset: -1}\n")
    model = exported(report)
    assert list(model.graph.initializer) == []
    x = random_input(report)
    np.testing.assert_allclose(run(model, x), x * 0.25 * 2 - 1, rtol=1e-6)


def test_normalization_counts_its_buffers_and_a_given_one_none() -> None:
    report = yaml_report("  - normalization\n  - normalization: {given: true}\n")
    assert report.totals.buffers == 2 * 8 + 1
    model = exported(report)
    w = weights(model)
    assert sorted(w) == ["normalization1.count", "normalization1.mean", "normalization1.variance"]
    # the count is read (by a node that adds 0 to the floor): no tool drops it as unused
    assert any("normalization1.count" in n.input for n in model.graph.node)
    x = random_input(report)
    first = (x - w["normalization1.mean"]) / np.maximum(np.sqrt(w["normalization1.variance"]), 1e-7)
    out = run(model, x)
    assert out.shape == x.shape and np.isfinite(out).all()
    assert not np.allclose(out, first)  # the second layer normalizes again, with its own constants
    only = exported(yaml_report("  - normalization\n"))
    np.testing.assert_allclose(run(only, x), first, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("target", "shape"), [("[-1, 4, 16]", (15, 4, 16)), ("[-1]", (960,)),
                                               ("[1, 1, -1]", (1, 1, 960))])
def test_reshape_takes_the_values_in_channels_last_order(target: str, shape: tuple[int, ...]) -> None:
    report = yaml_report(f"  - reshape: {target}\n")
    model = exported(report)
    assert "channels-last" in next(n.doc_string for n in model.graph.node if n.output[0] == "reshape1")
    x = random_input(report)
    out = run(model, x)
    want = x.transpose(0, 2, 3, 1).reshape(1, *shape)  # Keras' order, worked with numpy
    got = out.transpose(0, 2, 3, 1) if out.ndim == 4 else out
    np.testing.assert_array_equal(got, want)


def test_cropping_cuts_each_edge() -> None:
    report = yaml_report("  - cropping: [1, 2, 0, 3]\n")
    x = random_input(report)
    np.testing.assert_array_equal(run(exported(report), x), x[:, :, 1:-2, 0:-3])


def test_custom_is_a_connected_placeholder_of_its_recorded_shape() -> None:
    report = yaml_report("""\
  - conv: {name: a, filters: 8, f: 3, padding: same}
  - conv: {name: b, filters: 8, f: 1, from: input}
  - custom: {name: mine, output: [6, 5, 4], layer: MyBlock, from: [a, b]}
  - conv: {filters: 2, f: 1}
""")
    model = exported(report)
    assert "mine" in report.rows[2].name and report.rows[2].params == 0
    out = run(model, random_input(report))
    assert list(out.shape) == nchw(report.output) == [1, 2, 6, 5]
    placeholder = [n for n in model.graph.node if n.name.startswith("mine") and n.op_type != "Constant"]
    assert all("MyBlock" in n.doc_string for n in placeholder)
    assert {"a", "b"} <= {i for n in placeholder for i in n.input}  # it reads both: the convs stay in the graph
    assert "Warning" in model.doc_string and "MyBlock" in model.doc_string
    names = {n.name for n in model.graph.node}
    assert {"a", "b"} <= names


# ---- local: im2col by Gather and one batched MatMul --------------------------------------------


def local_by_hand(x: Any, weight: Any, bias: Any | None, f: tuple[int, int], s: tuple[int, int],
                  pads: tuple[int, int, int, int], out_hw: tuple[int, int]) -> Any:
    """Each output position (i, j) has its own filters: out[k, i, j] = sum over (c, a, b) of
    x[c, i s_h + a, j s_w + b] W[i, j, c, a, b, k] (+ b[i, j, k]), W laid out as the file says."""
    top, bottom, left, right = pads
    xp = np.pad(x[0], ((0, 0), (top, bottom), (left, right)))
    c = xp.shape[0]
    (oh, ow), (fh, fw) = out_hw, f
    k = weight.shape[-1]
    w = weight.reshape(oh, ow, c, fh, fw, k)
    out = np.zeros((k, oh, ow), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * s[0]: i * s[0] + fh, j * s[1]: j * s[1] + fw]
            for kk in range(k):
                out[kk, i, j] = np.sum(patch * w[i, j, :, :, :, kk])
                if bias is not None:
                    out[kk, i, j] += bias.reshape(oh, ow, k)[i, j, kk]
    return out[None]


@pytest.mark.parametrize("args", ["{filters: 3, f: 3, s: 2}", "{filters: 4, f: [3, 2], s: [1, 2], padding: same}",
                                  "{filters: 2, f: 2, bias: false, padding: [1, 0, 2, 1], activation: relu}"])
def test_local_is_a_locally_connected_layer(args: str) -> None:
    report = yaml_report(f"  - local: {args}\n", "[9, 8, 3]")
    row = report.rows[0]
    model = exported(report)
    w = weights(model)
    assert set(w) <= {"local1.weight", "local1.bias"}
    assert sum(v.size for v in w.values()) == row.params  # P * f*f*C * K (+ P * K)
    layer = report.graph.leaves[0]
    x = random_input(report)
    want = local_by_hand(x, w["local1.weight"], w.get("local1.bias"), layer.layer.f, layer.layer.s,
                         tuple(int(p) for p in (layer.cost.padding or (0, 0, 0, 0))), row.output[:2])
    if layer.layer.activation == "relu":
        want = np.maximum(want, 0)
    out = run(model, x)
    assert list(out.shape) == nchw(row.output)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)


def test_a_large_local_layer_is_a_handful_of_nodes() -> None:
    report = yaml_report("  - local: {filters: 8, f: 3, padding: same}\n", "[64, 64, 4]")
    model = to_onnx(report, fill=False)  # 4,096 positions: no weights needed to count the nodes
    assert len(model.graph.node) < 16


def test_a_kind_missing_from_the_writers_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc.errors import CnnError
    from cnncalc.export.onnx import _WRITERS

    monkeypatch.delitem(_WRITERS, "cropping")
    with pytest.raises(CnnError, match="cropping1: export to ONNX does not know the kind 'cropping'"):
        to_onnx(yaml_report("  - cropping: 1\n"))


def test_a_layer_that_shares_weights_reads_the_same_initializers() -> None:
    """`shares`: one initializer read by both nodes (ONNX's weight sharing), counted once as we count it."""
    report = analyze_text((ROOT / "tests" / "data" / "keras" / "shared.yaml").read_text(), "shared.yaml")
    model = exported(report)
    nodes = {n.name: list(n.input) for n in model.graph.node}
    assert nodes["tower_2"][1:] == nodes["tower"][1:] == ["tower.weight", "tower.bias"]
    assert nodes["dense_2"][1:] == ["dense.weight", "dense.bias"]
    assert list(run(model, random_input(report)).shape) == nchw(report.output)
    back = analyze_text(model.SerializeToString(), "shared.onnx")  # our reader counts a shared tensor once
    assert back.totals.params == report.totals.params


@pytest.mark.parametrize("path", ["tests/data/keras/every_kind.yaml", "tests/data/keras/tiny.json"])
def test_files_of_every_kind_export_and_run(path: str) -> None:
    """every_kind.yaml holds 40 kinds in one network; tiny.json is a Keras model whose global pool
    gives the vector [C] (keepdims false), which an fc reads as it is."""
    from cnncalc.cli.app import read_source

    text, display = read_source(str(ROOT / path))
    report = analyze_text(text, display)
    model = exported(report)
    out = run(model, random_input(report))
    assert list(out.shape) == nchw(report.output) and np.isfinite(out).all()


@pytest.mark.parametrize(("args", "learned"), [("{scale: false}", ["bn1.bias"]), ("{center: false}", ["bn1.weight"])])
def test_keras_batch_norm_without_gamma_or_beta(args: str, learned: list[str]) -> None:
    report = yaml_report(f"  - bn: {args}\n")
    model = exported(report)
    w = weights(model)
    assert sorted(w) == sorted([*learned, "bn1.running_mean", "bn1.running_var"])
    x = random_input(report)
    c = (-1, 1, 1)
    gamma = w.get("bn1.weight", np.ones(8, np.float32)).reshape(c)
    beta = w.get("bn1.bias", np.zeros(8, np.float32)).reshape(c)
    want = (x - w["bn1.running_mean"].reshape(c)) / np.sqrt(w["bn1.running_var"].reshape(c) + 1e-5) * gamma + beta
    np.testing.assert_allclose(run(model, x), want, rtol=1e-4, atol=1e-5)


# ---- what ONNX's operators cannot say as such (found by random networks) -----------------------

EDGE_CASES = {
    "a max pool padded past its kernel": "  - pool: {mode: max, f: 1, s: 3, padding: [2, 1], ceil: true}\n",
    "an average pool, a window in the padding": "  - pool: {mode: avg, f: [2, 1], s: 1, padding: 2, ceil: true}\n",
    "a max pool, asymmetric padding": "  - pool: {mode: max, f: 2, s: 3, padding: [2, 2, 2, 1], ceil: true}\n",
    "an LRN of an even size": "  - lrn: {size: 4}\n",
    "an LRN on a vector": "  - gap: {keepdims: false}\n  - lrn: {size: 3}\n",
    "a layer norm that learns nothing": "  - layer_norm: {affine: false}\n",
    "a channel shuffle of a vector": "  - gap: {keepdims: false}\n  - channel_shuffle: 4\n",
    "a custom layer giving a vector after an image": "  - custom: {output: [4], layer: MyLayer}\n  - dropout: 0.5\n",
}  # fmt: skip


@pytest.mark.parametrize("body", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_what_onnx_cannot_say_directly_still_gives_our_shape(body: str) -> None:
    report = yaml_report(body)
    model = exported(report)
    out = run(model, random_input(report))
    assert list(out.shape) == nchw(report.output) and np.isfinite(out).all()


@pytest.mark.parametrize("size", [2, 4, 5])
def test_lrn_gives_pytorchs_values(size: int) -> None:
    """Odd sizes are ONNX's LRN, even ones the same sum written out: PyTorch's values either way."""
    torch = pytest.importorskip("torch")
    report = yaml_report(f"  - lrn: {{size: {size}, alpha: 0.5, beta: 0.75, k: 2}}\n")
    x = random_input(report)
    want = torch.nn.LocalResponseNorm(size, alpha=0.5, beta=0.75, k=2)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(run(exported(report), x), want, rtol=1e-5, atol=1e-6)


def test_a_pool_padded_past_its_kernel_gives_the_windows_by_hand() -> None:
    """f 1, s 3, 2 rows of padding on top: the windows are rows -2, 1, 4, ... of the input padded
    with the lowest float (max pooling), i.e. the padding row then every third row from 1."""
    report = yaml_report("  - pool: {mode: max, f: 1, s: 3, padding: [2, 0, 0, 0], ceil: true}\n")
    x = random_input(report)
    out = run(exported(report), x)
    assert list(out.shape) == nchw(report.output)
    np.testing.assert_array_equal(out[:, :, 1:, :], x[:, :, 1::3, ::3][:, :, : out.shape[2] - 1, :])
    assert (out[:, :, 0, :] < -1e38).all()  # the first window holds padding only


def test_random_networks_export_and_run() -> None:
    """Networks drawn by the PyTorch export's strategy (every kind, blocks, branches, odd
    paddings): each exports, passes full_check, holds our params + buffers and runs to our shape;
    the only refusal is the documented one (a YAML operator ONNX does not define). CPU: about 8 s
    (torch's import for the strategy, 60 networks)."""
    pytest.importorskip("torch")
    from hypothesis import HealthCheck, given, settings
    from test_export_pytorch import networks

    from cnncalc.errors import CnnError

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(networks())
    def check(text: str) -> None:
        report = analyze_text(text, "net.yaml")
        try:
            model = exported(report)
        except CnnError as exc:
            assert "is not a standard ONNX operator" in str(exc), str(exc)
            return
        out = run(model, random_input(report))
        assert list(out.shape) == nchw(report.output)

    check()


def darknet_shortcut(out: Any, add: Any) -> Any:
    """Darknet's shortcut_cpu (blas.c), its loops as written: `out` (the first input, c2 x h2 x w2)
    gets `add` (c1 x h1 x w1) where they overlap, stride = w1 / w2, sample = w2 / w1."""
    out = out.copy()
    _, c2, h2, w2 = out.shape
    _, c1, h1, w1 = add.shape
    stride, sample = max(w1 // w2, 1), max(w2 // w1, 1)
    for k in range(min(c1, c2)):
        for j in range(min(h1, h2)):
            for i in range(min(w1, w2)):
                out[0, k, j * sample, i * sample] += add[0, k, j * stride, i * stride]
    return out


@pytest.mark.parametrize("other", [
    "  - upsample: {factor: 2}\n  - conv: {filters: 3, f: 1, name: other}\n",  # larger, fewer channels
    "  - conv: {filters: 6, f: 1, s: 2, name: other}\n",  # smaller, more channels
    "  - conv: {filters: 2, f: 1, name: other}\n",  # the same size, fewer channels
])
def test_a_darknet_shortcut_of_unequal_shapes_adds_where_they_overlap(other: str) -> None:
    """A larger map sampled, a smaller one spread, more and fewer channels: Darknet's own loops."""
    report = yaml_report(other + "  - shortcut: {from: [input, other]}\n", "[8, 8, 4]")
    model = exported(report)
    model.graph.output.append(onnx.helper.make_empty_tensor_value_info("other"))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = random_input(report)
    out, added = session.run(None, {"input": x})
    assert list(out.shape) == nchw(report.output) == [1, 4, 8, 8]
    np.testing.assert_allclose(out, darknet_shortcut(x, added), rtol=1e-6, atol=1e-6)


def test_a_transposed_conv_with_an_output_padding_onnx_refuses_gives_pytorchs_values() -> None:
    """output_padding 1 at stride 1 (dilation 2): onnxruntime wants it below the stride; the extra
    row holds the bias alone, as in PyTorch's ConvTranspose2d (which takes it below the dilation)."""
    torch = pytest.importorskip("torch")
    report = yaml_report("  - deconv: {filters: 2, f: 2, dilation: 2, output_padding: [1, 0], padding: valid}\n",
                         "[5, 4, 3]")
    model = exported(report)
    w = weights(model)
    conv = torch.nn.ConvTranspose2d(3, 2, 2, dilation=2, output_padding=(1, 0))
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(w["deconv1.weight"].copy()))
        conv.bias.copy_(torch.from_numpy(w["deconv1.bias"].reshape(2).copy()))
        x = random_input(report)
        want = conv(torch.from_numpy(x)).numpy()
    out = run(model, x)
    assert list(out.shape) == nchw(report.output) == list(want.shape)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
