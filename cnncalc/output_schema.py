"""The JSON Schema (draft 2020-12) of what cnncalc prints as JSON: `cnncalc schema output`.

Every JSON output is an object that starts with the envelope (`schema_version`, `cnncalc_version`,
`kind`; `dtype` and `convention` where they apply) and is told apart by `kind`; several files
summarized at once give an array of summaries. A count is an integer; a count that depends on a
symbolic input size is an object `{"expr": "..."}`; a jump may be a fraction (a number).
"""

from __future__ import annotations

from typing import Any

from .render.values import SCHEMA_VERSION

_NULL = {"type": "null"}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _obj(props: dict[str, Any], required: list[str] | None = None, extra: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props,
                           "required": list(props) if required is None else required}
    if not extra:
        out["additionalProperties"] = False
    return out


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, _NULL]}


def _envelope(kind: str, dtype: bool = False, convention: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {
        "schema_version": {"const": SCHEMA_VERSION, "description": "this contract's version"},
        "cnncalc_version": {"type": "string"},
        "kind": {"const": kind},
    }
    if dtype:
        props["dtype"] = {"enum": ["float32", "float16", "bfloat16", "int8", "float64"]}
    if convention:
        props["convention"] = {"type": "string", "description": "whose counting rules the figures follow"}
    return props


def _diagnostic() -> dict[str, Any]:
    return _obj({"layer": _nullable({"type": "string"}), "message": {"type": "string"},
                 "file": {"type": "string"}, "line": _nullable({"type": "integer"}),
                 "col": _nullable({"type": "integer"})})


def _summary() -> dict[str, Any]:
    count, shape = _ref("count"), _ref("shape")
    pair = _nullable(_list(_ref("number")) | {"minItems": 2, "maxItems": 2})
    tensor = _obj({"name": {"type": "string"}, "role": {"enum": ["weights", "biases", "buffers"]},
                   "shape": shape, "count": count})
    layer = _obj({
        "name": {"type": "string"}, "type": {"type": "string"}, "from": _list({"type": "string"}),
        "output": shape, **{k: count for k in ("activations", "params", "weights", "biases", "trainable",
                                                  "buffers", "macs")},
        "rf": pair, "jump": pair, "tensors": _list(tensor),
    })
    totals = _obj({k: count for k in ("params", "trainable", "buffers", "macs", "flops", "activations",
                                       "param_bytes")})
    expectation = _obj({
        "subject": {"type": "string"}, "key": {"type": "string"},
        "expected": {"description": "the exact value, of the type of `actual`; null for a budget",
                     "anyOf": [count, shape, _NULL]},
        "min": _nullable({"type": "integer"}), "max": _nullable({"type": "integer"}),
        "text": {"type": "string"}, "actual": {"anyOf": [count, shape]},
        "status": {"enum": ["ok", "failed", "skipped"]},
        "ok": _nullable({"type": "boolean"}), "reason": _nullable({"type": "string"}),
        "line": {"type": "integer"}, "col": {"type": "integer"},
    })
    return _obj({
        **_envelope("summary", True, True),
        "name": {"type": "string"}, "file": {"type": "string"}, "input": shape, "output": shape,
        "layout": {"enum": ["tf", "torch"]}, "layers": _list(layer), "totals": totals,
        "warnings": _list(_diagnostic()), "notes": _list(_diagnostic()), "expectations": _list(expectation),
    })


def _sweep() -> dict[str, Any]:
    each = {"type": "array", "description": "one value per input size; null where the layer is absent"}
    layer = {"type": "object", "required": ["name", "type", "output", "params", "macs", "activations"],
             "properties": {"name": {"type": "string"}, "type": {"type": "string"},
                            **{k: each for k in ("from", "output", "activations", "params", "weights", "biases",
                                                 "trainable", "buffers", "macs", "rf", "jump")}}}
    totals = _obj({"input": _ref("shape"), **{k: _ref("count") for k in (
        "params", "trainable", "buffers", "macs", "flops", "activations", "param_bytes")}})
    body = _obj({"name": {"type": "string"}, "file": {"type": "string"}, "inputs": _list(_ref("shape")),
                 "layers": _list(layer), "totals": _list(totals)})
    return _obj({**_envelope("sweep", True, True), "sweep": body})


def _loose(kind: str, fields: dict[str, Any], dtype: bool = False) -> dict[str, Any]:
    return _obj({**_envelope(kind, dtype, dtype), **fields})


def build() -> dict[str, Any]:
    kinds = {
        "summary": _summary(),
        "sweep": _sweep(),
        "validation": _loose("validation", {"checked": {"type": "integer"}, "failed": {"type": "integer"},
                                            "exit_code": {"type": "integer"}, "files": _list({"type": "object"})}),
        "memory": _loose("memory", {"name": {"type": "string"}, "layers": _list({"type": "object"}),
                                    "inference_peak": {"type": "object"}, "training": {"type": "object"}}, True),
        "comparison": _loose("comparison", {"files": _list({"type": "string"}), "totals": {"type": "object"},
                                            "layers": _list({"type": "object"})}),
        "grading": _loose("grading", {"file": {"type": "string"}, "score": {"type": "integer"},
                                      "items": _list({"type": "object"})}),
        "catalogue": _loose("catalogue", {"networks": _list(_obj(
            {"name": {"type": "string"}, "family": {"type": "string"}, "params": {"type": "integer"},
             "macs": {"type": "integer"}, "input": _list({"type": "integer"})}, ["name", "params", "macs", "input"]))}),
        "constraints": _loose("constraints", {"symbols": _list({"type": "string"}), "period": {"type": "integer"}}),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cnncalc.invalid/output.schema.json",
        "title": "cnncalc JSON output",
        "description": __doc__.strip().split("\n\n")[1].replace("\n", " "),
        "anyOf": [*({"$ref": f"#/$defs/{k}"} for k in kinds), _list(_ref("summary"))],
        "$defs": {
            **kinds,
            "expr": _obj({"expr": {"type": "string", "description": "a value that depends on symbolic sizes"}},
                         extra=False),
            "count": {"anyOf": [{"type": "integer"}, _ref("expr")]},
            "number": {"anyOf": [{"type": "number"}, _ref("expr")]},
            "shape": _list(_ref("count")) | {"minItems": 1},
        },
    }
