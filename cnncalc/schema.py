"""The JSON Schema (draft 2020-12) of architecture files, generated from the layer registry.

Generated rather than shipped as a file so it cannot drift from `KINDS` and each kind's `ARGS`.
It is what an editor needs (completion, hover docs, squiggles under unknown keys); cnncalc
itself checks more (shapes, names in `from`, expression values). Where the schema cannot say
exactly what cnncalc accepts it accepts more, so an editor never flags a file cnncalc reads.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .entries import COMMON_KEYS
from .layers import KEY_ALIASES, KIND_ALIASES, KINDS, all_kinds, base
from .layers.base import ACTIVATIONS, Arg
from .spec import COMPOSITES, EXPECT_KEYS, TOP_KEYS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REF = {"type": "string", "pattern": r"^\$", "description": "$name or ${expression}"}
_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"


def build() -> dict[str, Any]:
    defs: dict[str, Any] = {
        "ref": _REF,
        "activation": {"anyOf": [_type_of(base.activation_name), _REF]},
        **_common_defs(),
        "expect": _expect(),
        "count": _count(),
        "shape": _shape(),
        "block_use": {
            "description": "a block defined under 'blocks', with its arguments",
            "type": ["object", "null"],
            "properties": _common(),
        },
        **_layer_lists(""),
        # a file without `blocks` has no layer types beyond the built-in ones, so there an
        # unknown type (a typo such as `convv`) is flagged: the same lists, closed
        **_layer_lists("_closed"),
    }
    for name, kind in all_kinds().items():
        defs[f"kind_{name}"] = _kind(name, kind.cls)
    text = {"type": ["string", "number", "boolean", "null"]}
    top = {
        "name": {**text, "description": "title shown above the table"},
        "reference": {**text, "description": "where the network comes from (free text)"},
        "input": _input(),
        "vars": {
            "description": "names usable as $name and in ${expressions}",
            "type": ["object", "null"],
            "propertyNames": {"pattern": _NAME_PATTERN},
        },
        "blocks": _blocks(),
        "layers": {"$ref": "#/$defs/layers"},
        "expect": {"$ref": "#/$defs/expect"},
    }
    assert tuple(top) == TOP_KEYS
    return {
        "$schema": DIALECT,
        "title": "cnncalc architecture",
        "description": "A convolutional network for cnncalc: input volume, layers, optional expectations.",
        "type": "object",
        "required": ["input", "layers"],
        "additionalProperties": False,
        "properties": top,
        "if": {"required": ["blocks"]},
        "else": {"properties": {"layers": {"$ref": "#/$defs/layers_closed"}}},
        "$defs": defs,
    }


def _layer_lists(suffix: str) -> dict[str, Any]:
    """Layer lists, entries and composites; `suffix` '_closed' admits no block names."""

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/$defs/{name}{suffix}"}

    return {
        f"layers{suffix}": {"type": "array", "minItems": 1, "items": ref("entry")},
        f"branch{suffix}": {"type": "array", "items": ref("entry")},
        f"entry{suffix}": _entry(suffix),
        f"residual{suffix}": _composite(
            "output = activation(main(x) + shortcut(x))",
            {
                "main": ref("layers"),
                "shortcut": {"anyOf": [{"enum": ["identity", "auto", "none"]}, ref("layers"), _REF]},
                "activation": _value(base.activation_name),
            },
            ["main"],
        ),
        f"parallel{suffix}": _composite(
            "inception-style branches on the same input, merged",
            {
                "branches": {"type": "array", "minItems": 2, "items": ref("branch")},
                "merge": {"anyOf": [{"enum": ["concat", "add", "multiply"]}, _REF]},
                "activation": _value(base.activation_name),
            },
            ["branches"],
        ),
    }


# ---- pieces ---------------------------------------------------------------------------------


def _entry(suffix: str = "") -> dict[str, Any]:
    kinds = {name: {"$ref": f"#/$defs/kind_{name}"} for name in KINDS}
    aliases = {alias: {"$ref": f"#/$defs/kind_{target}"} for alias, (target, _) in KIND_ALIASES.items()}
    composites = {name: {"$ref": f"#/$defs/{name}{suffix}"} for name in COMPOSITES}
    words = sorted([*KINDS, *KIND_ALIASES, *COMPOSITES])
    closed = suffix == "_closed"
    return {
        "description": "'- TYPE', '- TYPE: {key: value}' or '- TYPE: VALUE' (the type's main argument)",
        "anyOf": [
            {"enum": words} if closed else {"anyOf": [{"enum": words}, {"type": "string"}]},  # or a block
            {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {**kinds, **aliases, **composites},
                "additionalProperties": False if closed else {"$ref": "#/$defs/block_use"},
            },
        ],
    }


def _kind(name: str, cls: type) -> dict[str, Any]:
    args: dict[str, Arg] = cls.ARGS  # type: ignore[attr-defined]
    props = {key: {**_value(arg.parse), **_doc(arg)} for key, arg in args.items()}
    for alias, target in KEY_ALIASES.items():
        if target in props:
            props[alias] = {**props[target], "description": f"same as '{target}'"}
    props.update(_common())
    required = [k for k, a in args.items() if a.required]
    mapping: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        # a required key may also come under its alias (kernel_size for f)
        mapping["allOf"] = [
            {"anyOf": [{"required": [k]}] + [{"required": [a]} for a, t in KEY_ALIASES.items() if t == k]}
            for k in required
        ]
    options: list[dict[str, Any]] = [mapping]
    if not required:
        options.append({"type": "null"})
    main = getattr(cls, "MAIN_ARG", None)
    if main:
        options.append(_value(args[main].parse))
    doc = (cls.__doc__ or "").strip().splitlines()
    return {"description": doc[0] if doc else name, "anyOf": options}


def _doc(arg: Arg) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if arg.doc:
        out["description"] = arg.doc
    if not arg.required and isinstance(arg.default, (int, float, str, bool)):
        out["default"] = arg.default
    return out


def _common() -> dict[str, Any]:
    """The keys every layer takes, each a reference to its one definition in $defs."""
    return {key: {"$ref": f"#/$defs/common_{key}"} for key in COMMON_KEYS}


def _common_defs() -> dict[str, Any]:
    props = {
        "name": {"type": "string", "description": "unique name (default: type plus a counter)"},
        "from": {
            "description": "the earlier layer(s) it reads; 'input' is the network input",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
        },
        "repeat": {"description": "N copies in sequence (0: none)", "anyOf": [{"type": "integer", "minimum": 0}, _REF]},
        "trainable": {"description": "false freezes its parameters", "anyOf": [{"type": "boolean"}, _REF]},
        "expect": {"$ref": "#/$defs/expect"},
        "shares": {"type": "string", "description": "the earlier layer whose weights it uses (counted there)"},
    }
    assert tuple(props) == COMMON_KEYS
    return {f"common_{key}": value for key, value in props.items()}


def _composite(doc: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "description": doc,
        "type": "object",
        "properties": {**props, **_common()},
        "required": required,
        "additionalProperties": False,
    }


def _blocks() -> dict[str, Any]:
    return {
        "description": "reusable groups of layers, used like a layer type",
        "type": ["object", "null"],
        "propertyNames": {"pattern": _NAME_PATTERN, "not": {"enum": [*KINDS, *KIND_ALIASES, *COMPOSITES]}},
        "additionalProperties": {
            "type": "object",
            "required": ["layers"],
            "additionalProperties": False,
            "properties": {
                "args": {
                    "description": "argument names and defaults (null: required)",
                    "type": ["object", "null"],
                    "propertyNames": {"pattern": _NAME_PATTERN},
                },
                "layers": {"$ref": "#/$defs/layers"},
            },
        },
    }


def _size_item() -> dict[str, Any]:
    return {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string"}]}


def _input() -> dict[str, Any]:
    return {
        "description": "n_H, n_W, n_C such as [32, 32, 1] or 32x32x1 ([units]); a name is a symbol",
        "anyOf": [
            {"type": "array", "minItems": 1, "maxItems": 3, "items": _size_item()},
            {"type": "string"},
            {"type": "integer", "minimum": 1},
        ],
    }


def _expect() -> dict[str, Any]:
    props = {key: {"$ref": "#/$defs/count"} for key in EXPECT_KEYS if key != "output"}
    props["output"] = {"$ref": "#/$defs/shape"}
    assert set(props) == set(EXPECT_KEYS)
    return {
        "description": "assertions checked by `cnncalc validate`: exact values or {min, max} budgets",
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }


def _count() -> dict[str, Any]:
    written = {"type": "string", "pattern": r"^\s*[0-9][0-9_,.]*\s*[kKmMgG]?\s*$"}  # 61_706, 5M, 1.5K
    amount = {"anyOf": [{"type": "integer", "minimum": 0}, written]}
    return {
        "anyOf": [
            amount,
            {
                "type": "object",
                "properties": {"min": amount, "max": amount},
                "additionalProperties": False,
                "minProperties": 1,
            },
            _REF,
        ]
    }


def _shape() -> dict[str, Any]:
    return {
        "description": "[28, 28, 6], 28x28x6 or [10]",
        "anyOf": [
            {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": ["integer", "string"]}},
            {"type": "string"},
            {"type": "integer", "minimum": 1},
        ],
    }


# ---- argument types -------------------------------------------------------------------------


def _int(low: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low}


def _pair(low: int) -> dict[str, Any]:
    return {"anyOf": [_int(low), {"type": "array", "minItems": 2, "maxItems": 2, "items": _int(low)}]}


def _padding(words: bool) -> dict[str, Any]:
    sides = {"type": "array", "items": _int(0), "minItems": 2, "maxItems": 4,
             "not": {"minItems": 3, "maxItems": 3}}  # [p_h, p_w] or [top, bottom, left, right]
    options = [_int(0), sides]
    if words:
        options.insert(0, _choice(("valid", "same")))
    return {"anyOf": options}


def _choice(options: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """An enum for completion, and any capitalization (cnncalc lowercases)."""
    pattern = "^(?:" + "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in o)
                                for o in options) + ")$"
    return {"anyOf": [{"enum": list(options)}, {"type": "string", "pattern": pattern}]}


def _value(parse: Callable[[Any], Any]) -> dict[str, Any]:
    """The schema of one argument type; any value may also be $name or ${expression}."""
    if parse is base.activation_name:  # on most kinds: written once, in $defs
        return {"$ref": "#/$defs/activation"}
    return {"anyOf": [_type_of(parse), _REF]}


def _type_of(parse: Callable[[Any], Any]) -> dict[str, Any]:
    from .layers import slice

    known: dict[Any, dict[str, Any]] = {
        base.boolean: {"type": "boolean"},
        # YAML 1.1 reads 1e-6 (no dot) as text; cnncalc takes it as the number it means
        base.number: {"anyOf": [{"type": "number"}, {"type": "string", "pattern": base._EXPONENT.pattern}]},
        slice.channel_index: {"type": ["integer", "null"]},
        base.fraction: {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        base.padding_arg: _padding(True),
        base.pad_amount: _padding(False),
        base.size_pair: _pair(1),
        str: {"type": "string"},
    }
    if parse is base.activation_name:
        return {"anyOf": [_choice(ACTIVATIONS), {"type": "null"}]}
    if parse in known:
        return known[parse]
    qualname = getattr(parse, "__qualname__", "")
    if qualname.startswith(("int_at_least.", "choice.", "pair_of.")):
        cells = inspect.getclosurevars(parse).nonlocals
        if "low" in cells:
            return _int(cells["low"])
        if "options" in cells:
            return _choice(cells["options"])
        item = cells.get("item")
        low = inspect.getclosurevars(item).nonlocals.get("low") if item is not None else None
        if isinstance(low, int):
            return _pair(low)
    return {}  # an argument type this module does not know: accept anything
