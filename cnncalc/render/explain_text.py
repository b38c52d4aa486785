"""`cnncalc explain` as text or Markdown: one line per number, `label = formula = values = result`.

Formulas arrive with ⌊ ⌋ ⌈ ⌉ × →; `ascii=True` writes floor(...), ceil(...), x and -> instead,
for terminals and files that cannot take Unicode.
"""

from __future__ import annotations

from ..explain import Explanation, LayerSteps, Step, shape

_ASCII = {"⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "×": "x", "→": "->", "γ": "gamma", "β": "beta"}
UNICODE_PROBE = "⌊⌋⌈⌉×→γβ"


def to_ascii(text: str) -> str:
    for a, b in _ASCII.items():
        text = text.replace(a, b)
    return text


def line(step: Step) -> str:
    """`n_H = ⌊(n_H_prev + 2p - f)/s⌋ + 1 = ... = 299`, or `n_C = 10  (number of filters)`."""
    if step.values or (step.formula and not step.result):
        parts = [step.label, *([step.formula] if step.formula else []), *step.values]
        if step.result:
            parts.append(step.result)
        return " = ".join(parts)
    if step.formula:
        return f"{step.label} = {step.result}  ({step.formula})"
    return f"{step.label} = {step.result}"


def header(layer: LayerSteps) -> str:
    if len(layer.inputs) == 1:
        ins = shape(layer.input_shapes[0])
    else:
        ins = " + ".join(f"{n} ({shape(s)})" for n, s in zip(layer.inputs, layer.input_shapes, strict=True))
    return f"{layer.name} ({layer.kind}): {ins} → {shape(layer.output)}"


def text(exp: Explanation, ascii: bool = False) -> str:
    out = [f"{exp.title}  (input {shape(exp.input)})", ""]
    for layer in exp.layers:
        out.append(header(layer) + (f"   [{layer.settings}]" if layer.settings else ""))
        for step in layer.steps:
            out.append("  " + line(step))
            if step.note:
                out.append("      " + step.note)
        out.append("")
    if exp.totals:
        out.append("totals")
        out.extend("  " + line(step) for step in exp.totals)
        out.append("")
    result = "\n".join(out).rstrip("\n") + "\n"
    return to_ascii(result) if ascii else result


def markdown(exp: Explanation, ascii: bool = False) -> str:
    out = [f"### {exp.title} (input {shape(exp.input)})", ""]
    for layer in exp.layers:
        out.append(f"#### `{layer.name}` ({layer.kind}): {header(layer).split(': ', 1)[1]}")
        out.append("")
        if layer.settings:
            out.append(f"`{layer.settings}`")
            out.append("")
        for step in layer.steps:
            out.append(f"- `{line(step)}`")
            if step.note:
                out.append(f"  - {step.note}")
        out.append("")
    if exp.totals:
        out.append("#### Totals")
        out.append("")
        out.extend(f"- `{line(step)}`" for step in exp.totals)
        out.append("")
    result = "\n".join(out).rstrip("\n") + "\n"
    return to_ascii(result) if ascii else result


def render(exp: Explanation, fmt: str = "text", ascii: bool = False) -> str:
    return markdown(exp, ascii) if fmt == "markdown" else text(exp, ascii)
