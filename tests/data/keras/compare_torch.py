"""Runs the Keras export and the PyTorch export of each network on the same input, with the same
weights, and prints, as JSON, per layer: the largest absolute difference between the two outputs,
the two shapes, and the largest value. Arguments: network files, each optionally with `@HxWxC`,
the input to read it with. Run by tests/test_keras_export.py in a process of its own
(KERAS_BACKEND=torch, on the CPU: real arithmetic, not the meta device).

Weights: PyTorch's (random) are copied into Keras for conv (kernel H x W x C_in/groups x C_out
from C_out x C_in/groups x H x W), deconv (H x W x C_out x C_in from C_in x C_out x H x W), batch
norm (gamma, beta, moving mean and variance) and instance norm (gamma, beta); the norms' are drawn
at random first, so that they are tested too. DFL's fixed bins (0 .. reg_max - 1) are not copied:
each export makes its own. A row whose output is
followed by a fused activation (a layer's `activation:` key) is compared through the layers that
read it: PyTorch applies it outside the module. A flatten's values come in another order in
Keras (H, W, C) than in PyTorch (C, H, W): a flatten and what reads it are compared sorted."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"
os.environ.pop("KERAS_TORCH_DEVICE", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # this checkout's cnncalc

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from cnncalc.analysis import analyze_text  # noqa: E402
from cnncalc.export import build_module, layer_attributes  # noqa: E402
from cnncalc.export.keras import to_keras_source  # noqa: E402
from cnncalc.export.keras_plan import keras_name  # noqa: E402


def keras_model(report) -> keras.Model:  # type: ignore[no-untyped-def]
    namespace = {"__name__": "keras_export"}
    exec(compile(to_keras_source(report), "<keras export>", "exec"), namespace)  # noqa: S102
    return namespace["build_model"]()


def copy_weights(report, model: keras.Model, net: torch.nn.Module, attrs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    gen = torch.Generator().manual_seed(0)

    def drawn(*tensors: torch.Tensor) -> list[np.ndarray]:
        with torch.no_grad():
            for t, low in zip(tensors, (0.5, -1.0, -1.0, 0.5), strict=False):  # gamma, beta, mean, variance
                t.copy_(torch.rand(t.shape, generator=gen) * (1.0 if low > 0 else 2.0) + low)
        return [t.detach().numpy() for t in tensors]

    names = {layer.name for layer in model.layers}
    for row in report.rows:
        module = getattr(net, attrs[row.name])
        # the layer holding the row's weights: a stride-1 conv before its Subsample2D (_dense), a
        # transposed conv before its crop (_full), else the row's own
        held = [n for n in (keras_name(row.name) + "_dense", keras_name(row.name) + "_full") if n in names]
        layer = model.get_layer(held[0] if held else keras_name(row.name))
        if row.kind in ("conv", "deconv"):  # C_out x C_in x H x W, or C_in x C_out x H x W: H x W x last two
            kernel = module.weight.detach().numpy().transpose(2, 3, 1, 0)
            layer.set_weights([kernel, module.bias.detach().numpy()] if module.bias is not None else [kernel])
        elif row.kind == "bn":
            layer.set_weights(drawn(module.weight, module.bias, module.running_mean, module.running_var))
        elif row.kind == "instance_norm" and module.affine:
            layer.set_weights(drawn(module.weight, module.bias))
        elif row.params:
            assert row.kind in ("dfl", "operator"), f"{row.name}: no rule to copy a {row.kind}'s weights"


def compare(arg: str) -> dict[str, object]:
    path, _, size = arg.partition("@")
    report = analyze_text(Path(path).read_text(), Path(path).name, input_override=size or None)
    model = keras_model(report)
    net = build_module(report).eval()
    attrs = layer_attributes(report.graph.leaves)
    copy_weights(report, model, net, attrs)
    got: dict[str, torch.Tensor] = {}
    for row in report.rows:
        getattr(net, attrs[row.name]).register_forward_hook(
            lambda module, args, out, name=row.name: got.__setitem__(name, out))
    x = np.random.default_rng(0).standard_normal((2, *report.input)).astype("float32")
    with torch.no_grad():
        net(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    rows = [row for row in report.rows if not getattr(row.leaf.layer, "activation", None)]
    reordered: set[str] = set()  # a flatten, and every row that reads one
    for row in report.rows:
        if row.kind == "flatten" or reordered.intersection(row.inputs):
            reordered.add(row.name)
    probe = keras.Model(model.inputs, [model.get_layer(keras_name(row.name)).output for row in rows])
    outs = probe(x)
    found = {}
    for row, out in zip(rows, outs if isinstance(outs, list) else [outs], strict=True):
        mine = keras.ops.convert_to_numpy(out)
        theirs = got[row.name].numpy()
        if theirs.ndim == 4:
            theirs = theirs.transpose(0, 2, 3, 1)
        if row.name in reordered and mine.shape == theirs.shape:
            mine, theirs = np.sort(mine.reshape(len(x), -1)), np.sort(theirs.reshape(len(x), -1))
        found[row.name] = {"keras": list(mine.shape), "torch": list(theirs.shape),
                           "diff": float(np.abs(mine - theirs).max()) if mine.shape == theirs.shape else None,
                           "scale": float(np.abs(theirs).max())}
    return found


if __name__ == "__main__":
    json.dump({arg: compare(arg) for arg in sys.argv[1:]}, sys.stdout)
