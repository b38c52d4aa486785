"""Plain architecture data -> readable cnncalc YAML: one flow mapping per layer, one per line.

>>> print(emit({"name": "t", "input": [8, 8, 1], "layers": [{"conv": {"name": "c/1", "f": 3}}]}))
name: t
input: [8, 8, 1]
layers:
  - conv: {name: c/1, f: 3}
<BLANKLINE>
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..escape import yaml_string

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_/\-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:  # YAML 1.1 floats need a dot: 1.0e-05
            mantissa, exp = text.split("e")
            text = f"{mantissa}.0e{exp if exp[0] in '+-' else '+' + exp}"
        return text
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return yaml_string(text)  # a JSON string is a valid YAML scalar


def _layers(layers: list[dict[str, Any]], indent: str) -> list[str]:
    out = []
    for layer in layers:
        (kind, args), = layer.items()
        out.append(f"{indent}- {kind}: {scalar(args)}" if args else f"{indent}- {kind}")
    return out


def emit(data: dict[str, Any], comment: str | None = None) -> str:
    lines = [f"# {line}" for line in (comment or "").splitlines()]
    for key, value in data.items():
        if key == "layers":
            lines.append("layers:")
            lines += _layers(value, "  ")
        elif key == "blocks":  # Ultralytics modules: args in one line, a layer a line
            lines.append("blocks:")
            for name, block in value.items():
                lines.append(f"  {scalar(name)}:")
                if block.get("args"):
                    lines.append(f"    args: {scalar(block['args'])}")
                lines.append("    layers:")
                lines += _layers(block["layers"], "      ")
        else:
            lines.append(f"{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"
