"""`explain`, `export`, `calc` and `diagram`: one network worked out, written as code, or drawn."""

from __future__ import annotations

import sys

import click

from .app import (
    _DTYPES,
    _terminal_width,
    _wants_ascii,
    common_options,
    deliver,
    main,
    parse_sets,
    print_diagnostics,
    read_source,
)
from .summarize import _warnings_as_errors, emit


@main.command()
@click.argument("file")
@click.argument("layers", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--ascii", "ascii_", is_flag=True, help="Write floor(...) and x instead of Unicode symbols.")
@common_options
def explain(file: str, layers: tuple[str, ...], fmt: str, ascii_: bool, input_size: str | None,
            sets: tuple[str, ...], dtype: str) -> None:
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
    click.echo(render(exp, fmt, _wants_ascii(ascii_), _terminal_width()), nl=False)


@main.command("export")
@click.argument("file")
@click.option("--to", "target", type=click.Choice(["pytorch"]), required=True, help="The framework.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of to stdout.")
@click.option("--input", "input_size", help="Input size n_H x n_W x n_C, such as 224x224x3.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a var (repeatable).")
def export_command(file: str, target: str, output: str | None, input_size: str | None,
                   sets: tuple[str, ...]) -> None:
    """The network as code: a runnable PyTorch nn.Module (channels first)."""
    from ..analysis import analyze_text
    from ..export import to_pytorch_source

    text, display = read_source(file)
    source = to_pytorch_source(analyze_text(text, display, parse_sets(sets), input_size))
    deliver(source, output)


@main.command(epilog=None)
@click.argument("words", nargs=-1, required=True, metavar="INPUT LAYER...")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown", "text"]), default=None,
              help="table (default), json, csv or markdown; with --explain: text (default) or markdown.")
@click.option("--explain", "show_work", is_flag=True, help="Show every number's formula, as `explain` does.")
@click.option("--ascii", "ascii_", is_flag=True, help="With --explain: floor(...) and x instead of Unicode.")
@click.option("--strict", is_flag=True, help="Treat warnings (floored divisions) as failures.")
@click.option("--dtype", type=_DTYPES, default="float32", show_default=True, help="Bytes per parameter.")
def calc(words: tuple[str, ...], fmt: str | None, show_work: bool, ascii_: bool, strict: bool, dtype: str) -> None:
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
      cnncalc calc 32x32x1 "conv 6 5 relu" "pool 2" "conv 16 5 relu" "pool 2" "fc 120" "fc 84" "fc 10"
      cnncalc calc 28x28x192 "conv 16 f=1 -> conv 32 f=5 same" --explain
      cnncalc calc 5x5x1 "conv 1 f=3 s=2 same" --explain
      cnncalc calc 3072 "fc 10"
    """
    from ..analysis import analyze_node
    from ..calc import FILE, parse

    allowed = ("text", "markdown") if show_work else ("table", "json", "csv", "markdown")
    fmt = fmt or allowed[0]
    if fmt not in allowed:
        raise click.BadParameter(f"'{fmt}' is not one of {', '.join(allowed)}"
                                 + (" with --explain" if show_work else " (text needs --explain)"),
                                 param_hint="--format")
    report = analyze_node(parse(words), FILE, dtype=dtype)
    if strict:
        _warnings_as_errors(report)
    if show_work:
        from ..explain import explain as build_explanation
        from ..render.explain_text import render

        click.echo(render(build_explanation(report), fmt, _wants_ascii(ascii_), _terminal_width()), nl=False)
    else:
        emit([(report, report.rows)], fmt)
    print_diagnostics(report)
    sys.exit(report.return_code(strict))


@main.command()
@click.argument("file")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write here instead of standard output.")
@click.option("--format", "fmt", type=click.Choice(["svg", "mermaid", "dot"]), default="svg",
              show_default=True)
@click.option("--depth", type=click.IntRange(min=1), help="Fold composites nested deeper than this.")
@click.option("--input", "input_size", help="Input size n_H x n_W x n_C, such as 224x224x3.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a var (repeatable).")
def diagram(file: str, output: str | None, fmt: str, depth: int | None, input_size: str | None,
            sets: tuple[str, ...]) -> None:
    """Draw the network: SVG volumes in the course's style, or its graph as Mermaid or DOT."""
    from .. import diagram as pictures
    from ..analysis import analyze_text

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size)
    picture = pictures.render(report, fmt, depth)
    deliver(picture, output)
