"""The same exported Keras script under two backends, layer by layer: run once under
KERAS_BACKEND=torch with `save` (random weights, a random input, every layer's output kept in
STORE, an .npz), then under another backend (`check`: jax, tensorflow) with the same STORE; prints
the worst difference relative to the layer's largest value and the layers beyond 1e-3.

Not run by the tests (CI has one backend, torch); how the README's cross-backend figures were
measured, with a venv of its own holding keras and jax:

    cnncalc export NET --to keras -o net.py
    KERAS_BACKEND=torch python tests/data/keras/across_backends.py save net.py net.npz
    KERAS_BACKEND=jax /path/to/venv/bin/python tests/data/keras/across_backends.py check net.py net.npz
"""

from __future__ import annotations

import importlib.util
import sys

import keras
import numpy as np


def main(mode: str, path: str, store: str) -> None:
    spec = importlib.util.spec_from_file_location("exported", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.build_model()
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers[1:]])
    if mode == "save":
        rng = np.random.default_rng(0)
        weights = []
        for v in model.weights:
            w = rng.standard_normal(v.shape).astype("float32") * 0.3
            if "variance" in v.path or "gamma" in v.path:
                w = np.abs(w) + 1.0
            if v.path.startswith("normalization"):  # set at build; set_weights would not reach its call
                w = keras.ops.convert_to_numpy(v)
            weights.append(w)
        x = rng.standard_normal((2, *model.inputs[0].shape[1:])).astype("float32")
    else:
        saved = np.load(store)
        x, weights = saved["x"], [saved[f"w{i}"] for i in range(len(model.weights))]
    model.set_weights(weights)
    outs = [keras.ops.convert_to_numpy(o) for o in probe(x)]
    if mode == "save":
        np.savez(store, x=x, **{f"w{i}": w for i, w in enumerate(weights)}, **{f"o{i}": o for i, o in enumerate(outs)})
        print(f"{keras.backend.backend()}: {len(outs)} layers saved")
        return
    worst, bad = (0.0, ""), []
    for i, out in enumerate(outs):
        want, name = saved[f"o{i}"], model.layers[i + 1].name
        if out.shape != want.shape:
            bad.append(name)
            continue
        rel = float(np.abs(out - want).max() / max(1.0, float(np.abs(want).max())))
        worst = max(worst, (rel, name))
        if rel > 1e-3:
            bad.append(name)
    print(f"{keras.backend.backend()}: {len(outs)} layers, worst {worst[0]:.1e} ({worst[1]}), beyond 1e-3: {bad}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
