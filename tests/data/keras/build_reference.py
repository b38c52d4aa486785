"""Builds Keras models under KERAS_BACKEND=torch and writes, into the folder given, each one's
.keras file and what Keras itself says of it (reference.json): count_params(), the trainable
and non-trainable weights, and every layer's output shape per call. Run by tests/test_keras*.py
once per session, in a process of its own (Keras keeps global state).

Weights are never needed to read a config, so the models are built on PyTorch's meta device
(no memory, no initialisation: VGG16 in 0.07 s) and archived with Keras' own serializer
(saving_lib._serialize_model_as_json: the config.json and metadata.json that model.save
writes). The small models (small_models.py, built in a run of their own on the CPU) go through
model.save when their builder asks, the full path a user takes, and model.to_json() too.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile

os.environ.setdefault("KERAS_BACKEND", "torch")

APPLICATIONS = [
    "VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "InceptionV3", "InceptionResNetV2", "Xception", "MobileNet", "MobileNetV2", "MobileNetV3Small",
    "MobileNetV3Large", "DenseNet121", "DenseNet169", "DenseNet201", "NASNetMobile",
    *[f"EfficientNetB{i}" for i in range(8)],
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S",
    "ConvNeXtTiny",
]  # fmt: skip


def facts(model) -> dict:
    import keras

    def count(weights) -> int:
        return sum(_size(w.shape) for w in weights)

    layers = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        shapes = [list(node.output_tensors[0].shape) for node in layer._inbound_nodes]
        inner = None
        if isinstance(layer, keras.Model):  # a nested model: the row of its output layer
            inner = layer.layers[-1].name
        layers.append({"name": layer.name, "class": type(layer).__name__, "shapes": shapes, "inner": inner})
    return {"params": model.count_params(), "trainable": count(model.trainable_weights),
            "non_trainable": count(model.non_trainable_weights), "layers": layers}


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def archive(model, path: str) -> None:
    from keras.src.saving import saving_lib

    config, metadata = saving_lib._serialize_model_as_json(model)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", metadata)
        z.writestr("config.json", config)


def application(name: str):
    import keras

    if name == "NASNetMobile":
        # keras.applications.NASNetMobile refuses the torch backend ("an outstanding bug" of its
        # weights); the network itself builds: the same call NASNetMobile makes
        from keras.src.applications import nasnet

        return nasnet.NASNet((224, 224, 3), penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                             skip_reduction=False, filter_multiplier=2, include_top=True, weights=None,
                             name="nasnet_mobile")
    return getattr(keras.applications, name)(weights=None)


def main(out: str, names: list[str]) -> None:
    import keras
    from small_models import SMALL  # noqa: E402  (beside this file)

    reference = {}
    timing = {}
    for name in names:
        t = time.process_time()
        if name in SMALL:
            model, saved = SMALL[name](keras)
        else:
            model, saved = application(name), False
        path = os.path.join(out, f"{name}.keras")
        if saved:
            model.save(path)
        else:
            archive(model, path)
        if name in SMALL:
            with open(os.path.join(out, f"{name}.json"), "w") as fh:
                fh.write(model.to_json())
        reference[name] = facts(model)
        timing[name] = round(time.process_time() - t, 3)
    with open(os.path.join(out, "reference.json"), "w") as fh:
        json.dump({"models": reference, "cpu_seconds": timing}, fh)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from small_models import SMALL

    if not any(name in SMALL for name in sys.argv[2:]):  # the small ones are saved with their weights
        os.environ.setdefault("KERAS_TORCH_DEVICE", "meta")
    main(sys.argv[1], sys.argv[2:])
