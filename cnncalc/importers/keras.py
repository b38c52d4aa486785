"""Keras models -> a located cnncalc layer list (SPEC §1), read statically: a `.keras` archive's
`config.json`, or the JSON of `model.to_json()` / `model.get_config()`. Only zipfile and json:
no Keras, no TensorFlow, nothing of the file is run or constructed.

Sequential and Functional models are read, a model nested as a layer too (its layers named
`outer/inner`); a layer called on several inputs (shared weights) is a row per call, its
parameters counted at the first. Each row keeps the Keras layer's name; its place is the line
and column of the layer's entry in the config (for an archive, inside its config.json), and
messages name the layer and its index. The layer kinds are the table in keras_layers.py.

Bounded: an archive member larger than MAX_CONFIG_BYTES (or compressed more than MAX_RATIO
times, a zip bomb) is refused before it is read, and so is a config of more layers than
cnncalc builds or models nested deeper than MAX_NESTING.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..entries import MAX_LAYERS
from ..errors import CnnError, Location
from ..source import Node
from .build import Net

MAX_CONFIG_BYTES = 64 * 1024 * 1024  # EfficientNetB7's config.json is 1.5 MB
MAX_RATIO = 1000  # Keras' JSON deflates up to ~50 times (EfficientNetB7: 47); deflate's limit is ~1030
MAX_NESTING = 16
MODELS = ("Functional", "Sequential", "Model")


def looks_like(text: str) -> bool:
    """JSON whose top object is a Keras model (to_json) or a model's get_config()."""
    head = text.lstrip()[:4096]
    return head.startswith("{") and '"class_name"' in text[:65536] or (
        head.startswith("{") and '"layers"' in head and ('"input_layers"' in text or '"build_input_shape"' in text)
    )


def config_text(data: Any, filename: str) -> str:
    """The JSON text: the file itself, or the config.json of a .keras (zip) archive."""
    if isinstance(data, str):
        return data
    if bytes(data[:4]) != b"PK\x03\x04":
        if bytes(data[:8]) == b"\x89HDF\r\n\x1a\n":
            raise CnnError("an HDF5 (.h5) Keras file: cnncalc reads .keras archives and JSON configs; "
                           "save with model.save('model.keras') or write model.to_json()", Location(filename))
        raise CnnError("not a .keras archive (a zip file holding config.json)", Location(filename))
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else _Seekable(data)) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise CnnError("the archive holds no config.json: not a Keras 3 .keras file",
                               Location(filename)) from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise CnnError(f"config.json is {info.file_size:,} bytes, more than the limit of "
                               f"{MAX_CONFIG_BYTES:,}", Location(filename))
            if info.compress_size and info.file_size > MAX_RATIO * info.compress_size + 4096:
                raise CnnError(f"config.json expands {info.file_size // max(info.compress_size, 1):,} times "
                               "(a zip bomb?): refused", Location(filename))
            with archive.open(info) as member:
                raw = member.read(MAX_CONFIG_BYTES + 1)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, OSError) as exc:
        raise CnnError(f"not a readable .keras archive: {exc}", Location(filename)) from None
    if len(raw) > MAX_CONFIG_BYTES:  # the header lied about the size
        raise CnnError(f"config.json is larger than the limit of {MAX_CONFIG_BYTES:,} bytes", Location(filename))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CnnError(f"config.json is not UTF-8 text (byte {exc.start})", Location(filename)) from None


class _Seekable:
    """A read-only mmap as the file object zipfile wants (mmap has no `seekable`); only the
    central directory and config.json are read from it, never the weights."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def seekable(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.data, name)


def parse_json(text: str, filename: str) -> Any:
    if len(text) > MAX_CONFIG_BYTES:
        raise CnnError(f"the config is larger than the limit of {MAX_CONFIG_BYTES:,} bytes", Location(filename))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CnnError(f"not valid JSON: {exc.msg}", Location(filename, exc.lineno, exc.colno)) from None
    except RecursionError:
        raise CnnError("the JSON is nested too deeply to be a Keras config", Location(filename)) from None


class Locator:
    """Line and column of a layer's entry: its `"name": "..."` in the text, searched onward from
    the previous layer's (Keras writes layers in order), else anywhere."""

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        self.cursor = 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def find(self, name: str) -> Location:
        pattern = re.compile(r'"name"\s*:\s*' + re.escape(json.dumps(name)))
        found = pattern.search(self.text, self.cursor) or pattern.search(self.text)
        if found is None:
            return Location(self.filename)
        self.cursor = found.end()
        line = bisect.bisect_right(self.starts, found.start())
        return Location(self.filename, line, found.start() - self.starts[line - 1] + 1)


@dataclass
class Model:
    """One (possibly nested) model's config being read."""

    name: str
    config: dict[str, Any]
    loc: Location
    prefix: str  # '' at the top, 'outer/' inside a nested model
    depth: int = 0


@dataclass
class Reader:
    net: Net
    locator: Locator
    shape: Any = None
    shape_loc: Location | None = None
    calls: dict[str, int] = field(default_factory=dict)  # layer (full name) -> times called
    owners: dict[str, str] = field(default_factory=dict)  # a shared layer's later rows -> its first

    def where(self, model: Model, index: int, name: str) -> tuple[Location, str]:
        """The place of layer `index` of `model`, and how messages name it."""
        return self.locator.find(name), f"layer {index} '{name}' of model '{model.name}'"


def load(data: Any, filename: str, input_override: str | None = None) -> Node:
    text = config_text(data, filename)
    top = parse_json(text, filename)
    class_name, config = model_config(top, filename)
    reader = Reader(Net(filename), Locator(text, filename))
    name = config.get("name") if isinstance(config.get("name"), str) else PurePath(filename).stem
    from . import keras_graph

    model = Model(name, config, Location(filename, 1, 1), "")
    keras_graph.read_model(reader, model, class_name, None, input_override)
    if reader.shape is None:
        raise CnnError("the model records no input shape; pass --input (such as 224x224x3)", Location(filename))
    from ..spec import check_printable

    check_printable(name, Location(filename), "model")
    kind = "archive" if not isinstance(data, str) else "JSON config"
    return reader.net.root(name, reader.shape, reader.shape_loc or Location(filename),
                           f"Keras {class_name} model, {kind} {PurePath(filename).name}")


def model_config(top: Any, filename: str) -> tuple[str, dict[str, Any]]:
    """('Functional' | 'Sequential', config) of to_json()'s {class_name, config} or of get_config()."""
    loc = Location(filename)
    if not isinstance(top, dict):
        raise CnnError("not a Keras model config (the JSON is not an object)", loc)
    if "class_name" in top:
        class_name, config = top.get("class_name"), top.get("config")
        if class_name not in MODELS or not isinstance(config, dict):
            raise CnnError(f"not a Keras model config: its class_name is {json.dumps(class_name)[:80]}, not "
                           "Sequential or Functional (a custom Model subclass has no readable layer graph)", loc)
        if "layers" not in config:
            raise CnnError(f"the {class_name} config lists no layers (a subclassed model?)", loc)
        return ("Sequential" if class_name == "Sequential" else "Functional"), config
    if isinstance(top.get("layers"), list):  # get_config()
        return ("Functional" if "input_layers" in top else "Sequential"), top
    raise CnnError("not a Keras model config: no 'class_name' and no 'layers'", loc)


def check_count(n: int, loc: Location) -> None:
    if n > MAX_LAYERS:
        raise CnnError(f"the model has {n:,} layers, more than the limit of {MAX_LAYERS:,}", loc)
