"""`explain`, `export`, `calc` and `diagram`: one network worked out, written as code, or drawn."""

from __future__ import annotations

import sys

import click

from .app import (
    _terminal_width,
    _wants_ascii,
    common_options,
    convention_option,
    deliver,
    depth_option,
    dtype_option,
    format_option,
    input_option,
    main,
    output_option,
    parse_sets,
    print_diagnostics,
    read_source,
    set_option,
    strict_option,
    writing,
)
from .summarize import _warnings_as_errors, emit


@main.command()
@click.argument("file")
@click.argument("layers", nargs=-1)
@format_option("table", "markdown", help="table: plain lines for the terminal; markdown: for a write-up.")
@click.option("--ascii", "ascii_", is_flag=True, help="Write floor(...) and x instead of Unicode symbols.")
@common_options
@strict_option
@output_option
def explain(file: str, layers: tuple[str, ...], fmt: str, ascii_: bool, input_size: str | None,
            sets: tuple[str, ...], dtype: str, strict: bool, output_path: str | None) -> None:
    """Every number with its formula and the values put in, step by step.

    LAYER names (or composite names) pick layers; without them every layer is explained,
    then the totals.
    """
    from ..analysis import analyze_node, load_root
    from ..explain import explain as build_explanation
    from ..render.explain_text import render

    text, display = read_source(file)
    set_values = parse_sets(sets)
    root = load_root(text, display, input_size, set_values)
    report = analyze_node(root, display, set_values, input_size, dtype)
    where = root.key_locs.get("layers") if root.is_map else None
    exp = build_explanation(report, list(layers) or None, where)
    with writing(output_path):
        click.echo(render(exp, "text" if fmt == "table" else fmt, _wants_ascii(ascii_),
                          _terminal_width() if output_path is None else None), nl=False)
    if strict:
        from .summarize import _warnings_as_errors

        _warnings_as_errors(report)
    print_diagnostics(report)
    sys.exit(report.return_code(strict))


@main.command("export")
@click.argument("file")
@click.option("--to", "target", type=click.Choice(["pytorch", "onnx", "keras"]), default="pytorch", show_default=True,
              help="The framework.")
@output_option
@input_option
@set_option
def export_command(file: str, target: str, output_path: str | None, input_size: str | None,
                   sets: tuple[str, ...]) -> None:
    """The network as code: a runnable PyTorch nn.Module (channels first), a Keras 3 functional
    model (channels last, any backend), or an ONNX model (opset 20, random weights; -o FILE, or
    stdout when it is not a terminal)."""
    from ..analysis import analyze_text

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size)
    if target == "onnx":
        from ..export.onnx import deliver_model

        deliver_model(report, output_path)
        return
    if target == "keras":
        from ..export.keras import to_keras_source

        source = to_keras_source(report)
    else:
        from ..export import to_pytorch_source

        source = to_pytorch_source(report)
    deliver(source, output_path)


@main.command(epilog=None)
@click.argument("words", nargs=-1, required=True, metavar="INPUT LAYER...")
@format_option("table", "json", "csv", "markdown", "course", "variables",
               help="With --explain: table (plain lines) or markdown.")
@click.option("--explain", "show_work", is_flag=True, help="Show every number's formula, as `explain` does.")
@click.option("--ascii", "ascii_", is_flag=True, help="With --explain: floor(...) and x instead of Unicode.")
@strict_option
@dtype_option
@convention_option
@output_option
def calc(words: tuple[str, ...], fmt: str, show_work: bool, ascii_: bool, strict: bool, dtype: str,
         convention: str, output_path: str | None) -> None:
    """A layer or a short chain without a file, for pop quizzes: the same numbers as summarize.

    \b
    INPUT is n_H x n_W x n_C (600x600x3) or a number of units (3072).
    Each LAYER is  KIND [MAIN] [key=value]... [xN]   or   KIND:MAIN,key=value,...
    (several layers may share one argument, split by '->' or ';').

    \b
    MAIN is the kind's main number: filters (conv, deconv, local), units (fc),
    f (pool, depthwise), rate (dropout), p (zeropad), factor (upsample),
    output (adaptive_pool, crop), groups (split), block (space_to_depth).
    For conv, deconv and local a second number is f; for pool it is s.
    Bare words: same / valid (padding), relu, sigmoid, ... (activation),
    max / avg (pool mode), ceil, nobias, frozen.  xN or *N repeats N times.
    Values: 3x5 is an [h, w] pair; 1,2,1,2 a list (top, bottom, left, right).
    Short keys: p = padding, k = f, d = dilation, r = repeat; the file format's
    keys and aliases work too (filters, stride, kernel_size, units, name, from).

    \b
    Examples:
      cnncalc calc 600x600x3 "conv 10 f=3 s=2 x4" "fc 1"
      cnncalc calc 32x32x3 conv:filters=6,f=5
      cnncalc calc 32x32x3 "conv 100 f=3"              # 2,800 params
      cnncalc calc 32x32x1 "conv 6 5 relu" "pool 2" "conv 16 5 relu" \\
                   "pool 2" "fc 120" "fc 84" "fc 10"
      cnncalc calc 28x28x192 "conv 16 f=1 -> conv 32 f=5 same" --explain
      cnncalc calc 5x5x1 "conv 1 f=3 s=2 same" --explain
      cnncalc calc 3072 "fc 10"
    """
    from ..analysis import analyze_node
    from ..calc import FILE, parse

    if show_work and fmt not in ("table", "markdown"):
        raise click.BadParameter(f"'{fmt}' is not one of table, markdown with --explain", param_hint="--format")
    report = analyze_node(parse(words), FILE, dtype=dtype)
    if strict:
        _warnings_as_errors(report)
    with writing(output_path):
        if show_work:
            from ..explain import explain as build_explanation
            from ..render.explain_text import render

            click.echo(render(build_explanation(report), "text" if fmt == "table" else fmt, _wants_ascii(ascii_),
                              _terminal_width()), nl=False)
        else:
            if convention != "cnncalc":
                from ..conventions import apply

                apply(report, convention)
            emit([(report, report.rows)], fmt)
    print_diagnostics(report)
    sys.exit(report.return_code(strict))


@main.command()
@click.argument("file")
@output_option
@click.option("--format", "fmt", type=click.Choice(["svg", "mermaid", "dot"]), default="svg",
              show_default=True)
@depth_option
@input_option
@set_option
def diagram(file: str, output_path: str | None, fmt: str, depth: int | None, input_size: str | None,
            sets: tuple[str, ...]) -> None:
    """Draw the network: SVG volumes in the course's style, or its graph as Mermaid or DOT."""
    from .. import diagram as pictures
    from ..analysis import analyze_text

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size)
    picture = pictures.render(report, fmt, depth)
    deliver(picture, output_path)
