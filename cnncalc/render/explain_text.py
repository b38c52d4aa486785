"""`cnncalc explain` as text or Markdown: one line per number, `label = formula = values = result`.

Formulas arrive with ⌊ ⌋ ⌈ ⌉ × →; `ascii=True` writes floor(...), ceil(...), x and -> instead,
for terminals and files that cannot take Unicode.
"""

from __future__ import annotations

from collections.abc import Callable

from ..escape import markdown_code, markdown_text, terminal_text, visible
from ..explain import Explanation, LayerSteps, Step, shape

_ASCII = {"⌊": "floor(", "⌋": ")", "⌈": "ceil(", "⌉": ")", "×": "x", "→": "->", "γ": "gamma", "β": "beta"}
UNICODE_PROBE = "⌊⌋⌈⌉×→γβ"


def to_ascii(text: str) -> str:
    for a, b in _ASCII.items():
        text = text.replace(a, b)
    return text


def parts(step: Step) -> list[str]:
    """The pieces `line` joins with ' = ': label, formula, values put in, result; each one line
    (a merge's values name its input layers: their names are the user's)."""
    return [visible(p) for p in _pieces(step)]


def _pieces(step: Step) -> list[str]:
    if step.values or (step.formula and not step.result):
        out = [step.label, *([step.formula] if step.formula else []), *step.values]
        return [*out, step.result] if step.result else out
    if step.formula:
        return [step.label, f"{step.result}  ({step.formula})"]
    return [step.label, step.result]


def line(step: Step) -> str:
    """`n_H = ⌊(n_H_prev + 2p - f)/s⌋ + 1 = ... = 299`, or `n_C = 10  (number of filters)`."""
    return " = ".join(parts(step))


def fit(pieces: list[str], indent: str, width: int | None) -> list[str]:
    """`label = a = b = c` in lines of at most `width` columns: each line that does not fit
    goes on below, its '=' under the first one (a piece longer than a line stays whole)."""
    first = indent + " = ".join(pieces)
    if width is None or len(first) <= width:
        return [first]
    if len(pieces) < 2:
        return wrap(first.lstrip(" "), indent, width, indent + "  ")
    cont = " " * (len(indent) + len(pieces[0]) + 1) + "= "
    out = [indent + pieces[0] + " = " + pieces[1]]
    for piece in pieces[2:]:
        if len(out[-1]) + 3 + len(piece) <= width:
            out[-1] += " = " + piece
        else:
            out.append(cont + piece)
    # a piece wider than the line by itself (a long merge, a note in parentheses) breaks at spaces
    deeper = " " * (len(cont) + 2)
    return [w for one in out for w in wrap(one.lstrip(" "), one[: len(one) - len(one.lstrip(" "))], width, deeper)]


def wrap(text: str, indent: str, width: int | None, more: str | None = None) -> list[str]:
    """`text` at `indent`, broken at spaces to `width`; later lines at `more` (default: indent)."""
    if width is None or len(indent + text) <= width:
        return [indent + text]
    import textwrap

    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent if more is None else more,
                         break_long_words=False, break_on_hyphens=False)


def header(layer: LayerSteps) -> str:
    return f"{visible(layer.name)} ({layer.kind}): {flow(layer)}"


def flow(layer: LayerSteps, name: Callable[[str], str] = visible) -> str:
    """`INPUTS → OUTPUT`; `name` escapes the input layers' names for the target."""
    if len(layer.inputs) == 1:
        ins = shape(layer.input_shapes[0])
    else:
        ins = " + ".join(f"{name(n)} ({shape(s)})" for n, s in zip(layer.inputs, layer.input_shapes, strict=True))
    return f"{ins} → {shape(layer.output)}"


def text(exp: Explanation, ascii: bool = False, width: int | None = None) -> str:
    """`width` (a terminal's) breaks long lines at their ' = ', aligned; None keeps one line each."""
    conv = to_ascii if ascii else str

    def step_lines(step: Step) -> list[str]:
        lines = fit([conv(p) for p in parts(step)], "  ", width)
        return lines + (wrap(conv(visible(step.note)), "      ", width) if step.note else [])

    out = [*wrap(conv(f"{visible(exp.title)}  (input {shape(exp.input)})"), "", width), ""]
    for layer in exp.layers:
        head, settings = conv(header(layer)), f"   [{layer.settings}]" if layer.settings else ""
        if width is not None and len(head + settings) > width and settings:
            out += [*wrap(head, "", width, "    "), "  " + settings.strip()]
        else:
            out += wrap(head + settings, "", width, "    ")
        for step in layer.steps:
            out += step_lines(step)
        out.append("")
    if exp.totals:
        out.append("totals")
        for step in exp.totals:
            out += step_lines(step)
        out.append("")
    return terminal_text("\n".join(out).rstrip("\n") + "\n")


def markdown(exp: Explanation, ascii: bool = False) -> str:
    out = [f"### {markdown_text(exp.title)} (input {shape(exp.input)})", ""]
    for layer in exp.layers:
        out.append(f"#### {markdown_code(layer.name, in_table=False)} ({layer.kind}): {flow(layer, markdown_text)}")
        out.append("")
        if layer.settings:
            out.append(f"`{layer.settings}`")
            out.append("")
        for step in layer.steps:
            out.append(f"- {markdown_code(line(step), in_table=False)}")
            if step.note:
                out.append(f"  - {markdown_text(step.note)}")
        out.append("")
    if exp.totals:
        out.append("#### Totals")
        out.append("")
        out.extend(f"- {markdown_code(line(step), in_table=False)}" for step in exp.totals)
        out.append("")
    result = "\n".join(out).rstrip("\n") + "\n"
    return to_ascii(result) if ascii else result


def render(exp: Explanation, fmt: str = "text", ascii: bool = False, width: int | None = None) -> str:
    return markdown(exp, ascii) if fmt == "markdown" else text(exp, ascii, width)
