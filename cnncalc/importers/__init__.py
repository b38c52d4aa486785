"""Architecture files of other tools, read into cnncalc's located Node tree (SPEC §1).

`detect` names the format of a file (by extension, else by content) and `load` converts it;
everything downstream (spec, graph, report) is the same as for cnncalc's own YAML.
"""

from __future__ import annotations

import os
import re

from ..source import Node

FORMATS = ("darknet", "caffe", "onnx", "keras", "ultralytics")
_EXTENSIONS = {".cfg": "darknet", ".prototxt": "caffe", ".pbtxt": "caffe", ".keras": "keras"}
# binary model files, known by their suffix alone; the CLI maps them instead of decoding them
_BINARY: dict[str, str] = {".onnx": "onnx", ".keras": "keras"}


def binary_format(filename: str) -> str | None:
    """The format of a binary model file, by its suffix; None for text formats."""
    return _BINARY.get(_suffix(filename))


def _suffix(filename: str) -> str:
    """'.cfg' of 'yolo.CFG' (what PurePath.suffix gives, without importing pathlib at start-up)."""
    name = os.path.basename(filename.rstrip("/"))
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def detect(text: str, filename: str) -> str | None:
    """'darknet', 'caffe', or None for cnncalc YAML."""
    suffix = _suffix(filename)
    if suffix in (".yaml", ".yml"):  # the common case decides without importing an importer
        return "ultralytics" if _ULTRALYTICS_LIKE.search(text) and _ULTRALYTICS_HEAD.search(text) else None
    by_ext = _EXTENSIONS.get(suffix) or _BINARY.get(suffix)
    if by_ext is not None:
        return by_ext
    if _darknet_like(text):
        return "darknet"
    if _CAFFE_LIKE.search(text) is not None:
        return "caffe"
    if suffix == ".json":
        from .keras import looks_like

        return "keras" if looks_like(text) else None
    return None


# an Ultralytics model YAML has top-level `backbone:` and `head:` keys
_ULTRALYTICS_LIKE = re.compile(r"^backbone\s*:", re.MULTILINE)
_ULTRALYTICS_HEAD = re.compile(r"^head\s*:", re.MULTILINE)
_CAFFE_LIKE = re.compile(r"^\s*(layers?\s*\{|input_dim\s*:|input_shape\s*\{)", re.MULTILINE)


def _darknet_like(text: str) -> bool:
    """A Darknet cfg's first section is [net] or [network]."""
    for raw in text.splitlines():
        s = raw.strip()
        if not s or s[0] in "#;":
            continue
        return s.lower().startswith(("[net]", "[network]"))
    return False


def load(text: str, filename: str, fmt: str, input_override: str | None = None, scale: str | None = None) -> Node:
    if fmt == "ultralytics":
        from . import ultralytics

        return ultralytics.load(text, filename, input_override, scale)
    if fmt == "darknet":
        from . import darknet

        return darknet.load(text, filename, input_override)
    if fmt == "onnx":
        from . import onnx

        return onnx.load(text, filename, input_override)
    if fmt == "keras":
        from . import keras

        return keras.load(text, filename, input_override)
    from . import caffe

    return caffe.load(text, filename, input_override)


def convert(text: str, filename: str, input_override: str | None = None, scale: str | None = None) -> str:
    """A Darknet, Caffe or Ultralytics file as readable cnncalc YAML, headed by a comment naming the source."""
    from pathlib import Path

    from ..errors import CnnError, Location
    from .emit import emit

    fmt = detect(text, filename)
    if fmt is None:
        raise CnnError("not a Darknet .cfg, Caffe .prototxt, ONNX, Keras (.keras, JSON) or Ultralytics model YAML "
                       "file (nothing to import)", Location(filename))
    root = load(text, filename, fmt, input_override, scale)
    data = root.plain()
    if input_override:
        parts = [p.strip() for p in input_override.lower().replace("×", "x").split("x")]
        data["input"] = [int(p) for p in parts] if all(p.isdigit() for p in parts) else input_override
    tool = {"darknet": "Darknet", "caffe": "Caffe", "onnx": "ONNX", "keras": "Keras",
            "ultralytics": "Ultralytics model YAML"}[fmt]
    comment = (
        f"Imported by `cnncalc import` from the {tool} file {Path(filename).name}.\n"
        "Layer names are the original ones; `cnncalc summarize` on this file gives the same numbers."
    )
    return emit(data, comment)
