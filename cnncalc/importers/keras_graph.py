"""The layer graph of a Keras Functional or Sequential config, walked in the config's order:
which earlier rows each call of a layer reads (its inbound nodes, Keras 3's `args` form and
Keras 2's lists), where the input is, and nested models read in place (keras.py's reader)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import CnnError, Location
from .keras import MAX_NESTING, MODELS, Model, Reader, check_count

History = tuple[str, int, int]  # (layer name, node index, tensor index): one output of one call


@dataclass
class Call:
    """One call of one Keras layer, for the table in keras_layers.py."""

    reader: Reader
    class_name: str
    module: str
    config: dict[str, Any]
    name: str  # the row name: the layer's, prefixed inside a nested model, suffixed for a later call
    loc: Location
    what: str  # "layer 12 'conv1' of model 'resnet50'", for messages
    inputs: list[str]  # the rows it reads
    shapes: list[Any]  # the input shapes the config records (None where it does not)
    constants: list[Any]  # non-tensor arguments (an op's `x * 0.5`)
    output_shape: Any  # the output shape its readers record, or None
    owner: str | None  # a later call of a shared layer: the row of its first call

    def add(self, kind: str, args: dict[str, Any] | None = None, name: str | None = None,
            inputs: list[str] | None = None) -> str:
        args = _tidy(kind, args or {})
        if self.owner is not None:
            args["shares"] = self.owner if name is None else f"{self.owner}{name[len(self.name):]}"
        return self.reader.net.add(kind, name or self.name, self.loc, args, None,
                                   self.inputs if inputs is None else inputs)

    def fail(self, message: str) -> CnnError:
        return CnnError(f"{self.what} ({self.class_name}): {message}", self.loc)


# arguments left out of a row when they hold cnncalc's default (the imported YAML reads as written)
_DEFAULTS = {"s": 1, "dilation": 1, "groups": 1, "bias": True, "padding": "valid", "output_padding": 0,
             "multiplier": 1, "scale": True, "center": True, "affine": True}


def _tidy(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in args.items():
        if isinstance(value, list) and len(value) == 2 and value[0] == value[1]:
            value = value[0]  # [3, 3] is 3
        if kind == "pool" and key == "s":  # a pool's stride defaults to its size, not 1
            out[key] = value
            continue
        if key in _DEFAULTS and value == _DEFAULTS[key] and not isinstance(value, list):
            continue
        out[key] = value
    return out


def read_model(reader: Reader, model: Model, class_name: str, inputs: list[str] | None,
               input_override: str | None) -> str:
    """Rows for every layer of `model`; `inputs` are the rows a nested model reads (None at the
    top, where its input layer is the network's input). Returns the row of its output."""
    if model.depth > MAX_NESTING:
        raise CnnError(f"models nested deeper than {MAX_NESTING}", model.loc)
    layers = model.config.get("layers")
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise CnnError(f"model '{model.name}': 'layers' is not a list of layer configs", model.loc)
    check_count(len(layers), model.loc)
    if class_name == "Sequential":
        return _sequential(reader, model, layers, inputs)
    return _functional(reader, model, layers, inputs)


def _sequential(reader: Reader, model: Model, layers: list[dict[str, Any]], inputs: list[str] | None) -> str:
    current = inputs[0] if inputs else "input"
    if inputs is not None and len(inputs) != 1:
        raise CnnError(f"the Sequential model '{model.name}' reads one input, got {len(inputs)}", model.loc)
    for index, layer in enumerate(layers):
        name = _layer_name(layer, index, model)
        if layer.get("class_name") == "InputLayer":
            if inputs is None:
                _set_input(reader, layer.get("config", {}), reader.locator.find(name))
            continue
        if inputs is None and reader.shape is None:
            shape = _first_shape(model.config, layer)
            if shape is None:
                raise CnnError(f"the Sequential model '{model.name}' records no input shape (it was never "
                               "built); pass --input", model.loc)
            _set_input(reader, {"batch_shape": shape}, model.loc)
        build = layer.get("build_config")
        recorded = build.get("input_shape") if isinstance(build, dict) else None
        shapes = [recorded if isinstance(recorded, list) else None]
        current = _emit(reader, model, index, layer, name, [current], shapes, [], None, 0)
    return current


def _functional(reader: Reader, model: Model, layers: list[dict[str, Any]], inputs: list[str] | None) -> str:
    tensors: dict[History, str] = {}
    recorded: dict[History, Any] = {}
    for layer in layers:  # what each call's readers record of its shape
        for node in _nodes(layer):
            for item in _tensors(node):
                if isinstance(item, tuple) and item[1] is not None:
                    recorded.setdefault(item[0], item[1])
    heads = _history_list(model.config.get("input_layers"), model)
    if inputs is None and len(heads) != 1:
        raise CnnError(f"the model has {len(heads)} inputs; cnncalc reads networks with one input", model.loc)
    if inputs is not None and len(heads) != len(inputs):
        raise CnnError(f"the nested model '{model.name}' has {len(heads)} inputs, called with {len(inputs)}",
                       model.loc)
    for head, row in zip(heads, inputs or ["input"]):
        tensors[head] = row
    for index, layer in enumerate(layers):
        name = _layer_name(layer, index, model)
        if layer.get("class_name") == "InputLayer":
            if inputs is None and (name, 0, 0) in tensors:
                _set_input(reader, layer.get("config", {}), reader.locator.find(name))
            continue
        for k, node in enumerate(_nodes(layer)):
            ins, shapes, constants = [], [], []
            for item in _tensors(node):
                if not isinstance(item, tuple):
                    constants.append(item)
                    continue
                history, shape = item
                if history not in tensors:
                    loc = reader.locator.find(name)
                    raise CnnError(f"layer {index} '{name}' of model '{model.name}' reads "
                                   f"'{history[0]}' (call {history[1]}), which no earlier layer gives", loc)
                ins.append(tensors[history])
                shapes.append(shape)
            if not ins:
                raise CnnError(f"layer {index} '{name}' of model '{model.name}' reads no layer's output",
                               reader.locator.find(name))
            tensors[(name, k, 0)] = _emit(reader, model, index, layer, name, ins, shapes, constants,
                                          recorded.get((name, k, 0)), k)
    outputs = _history_list(model.config.get("output_layers"), model)
    if not outputs or outputs[0] not in tensors:
        raise CnnError(f"model '{model.name}': its output layer is not among its layers", model.loc)
    return tensors[outputs[0]]


def _emit(reader: Reader, model: Model, index: int, layer: dict[str, Any], name: str, ins: list[str],
          shapes: list[Any], constants: list[Any], output_shape: Any, call: int) -> str:
    from . import keras_layers

    loc, what = reader.where(model, index, name)
    full = model.prefix + name
    class_name = str(layer.get("class_name"))
    config = layer.get("config")
    if not isinstance(config, dict):
        raise CnnError(f"{what}: its 'config' is not an object", loc)
    row = full if call == 0 else reader.net.unique(f"{full}_call{call + 1}")
    owner = full if call > 0 else None
    if class_name in MODELS or ("layers" in config and class_name not in keras_layers.TABLE):
        inner = Model(name, config, loc, f"{row}/", model.depth + 1)
        start = len(reader.net.rows)
        out = read_model(reader, inner, "Sequential" if class_name == "Sequential" else "Functional", ins, None)
        if owner is not None:  # a nested model called again: each of its rows shares the first call's
            for r in reader.net.rows[start:]:
                first = f"{full}/{r.args[0][1][len(row) + 1:]}"
                r.args.append(("shares", first, loc))
        return out
    module = str(layer.get("module") or "")
    c = Call(reader, class_name, module, config, row, loc, what, ins, shapes, constants,
             output_shape, owner)
    return keras_layers.convert(c)


def _layer_name(layer: dict[str, Any], index: int, model: Model) -> str:
    name = layer.get("name") or (layer.get("config") or {}).get("name")
    if not isinstance(name, str) or not name:
        raise CnnError(f"layer {index} of model '{model.name}' has no name", model.loc)
    from ..spec import check_printable

    check_printable(name, model.loc, "layer")
    return name


def _nodes(layer: dict[str, Any]) -> list[Any]:
    nodes = layer.get("inbound_nodes") or []
    return nodes if isinstance(nodes, list) else []


def _tensors(node: Any) -> list[Any]:
    """A call's arguments in order: (history, recorded shape) for a tensor, the value otherwise."""
    out: list[Any] = []
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        _walk(node.get("args", []), out, 0)
    elif isinstance(node, list):  # Keras 2: [[name, node, tensor, kwargs], ...]
        for entry in node:
            if isinstance(entry, list) and len(entry) >= 3 and isinstance(entry[0], str):
                out.append(((entry[0], _int(entry[1]), _int(entry[2])), None))
    return out


def _walk(value: Any, out: list[Any], depth: int) -> None:
    if depth > 8:
        return
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        cfg = value.get("config") or {}
        hist = cfg.get("keras_history")
        if isinstance(hist, list) and len(hist) == 3 and isinstance(hist[0], str):
            shape = cfg.get("shape")
            out.append(((hist[0], _int(hist[1]), _int(hist[2])), shape if isinstance(shape, list) else None))
    elif isinstance(value, list):
        for v in value:
            _walk(v, out, depth + 1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(value)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _history_list(value: Any, model: Model) -> list[History]:
    """input_layers / output_layers: [name, node, tensor] or a list of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        value = [value]
    if not isinstance(value, list):
        raise CnnError(f"model '{model.name}' names no input or output layers", model.loc)
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)):
            raise CnnError(f"model '{model.name}': input/output layers must be [name, node, tensor]", model.loc)
        out.append((item[0], _int(item[1]), _int(item[2])))
    return out


def _first_shape(config: dict[str, Any], layer: dict[str, Any]) -> Any:
    cfg = layer.get("config") or {}
    build = layer.get("build_config") or {}
    for shape in (config.get("build_input_shape"), cfg.get("batch_shape"), cfg.get("batch_input_shape"),
                  build.get("input_shape") if isinstance(build, dict) else None):
        if isinstance(shape, list):
            return shape
    return None


def _set_input(reader: Reader, config: dict[str, Any], loc: Location) -> None:
    """[h, w, c], [units], or a sequence [L, C] read as 1 x L x C; unknown sizes become H, W, L."""
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if not isinstance(shape, list) or len(shape) < 2:
        raise CnnError("the input layer records no shape (batch_shape); pass --input", loc)
    dims = shape[1:]
    if len(dims) == 3:
        out = [d if d is not None else s for d, s in zip(dims, ("H", "W", None))]
    elif len(dims) == 2:
        out = [1, dims[0] if dims[0] is not None else "L", dims[1]]
    elif len(dims) == 1:
        out = list(dims)
    else:
        raise CnnError(f"an input of {len(dims)} dimensions; cnncalc reads images (h, w, c), sequences "
                       "(length, c) and vectors", loc)
    if out[-1] is None or not all(isinstance(d, (int, str)) and not isinstance(d, bool) for d in out):
        raise CnnError(f"the input's channels are not given ({shape}); pass --input", loc)
    if config.get("data_format") == "channels_first":
        raise CnnError("channels_first inputs are not read (cnncalc is channels-last)", loc)
    reader.shape, reader.shape_loc = out, loc
