"""`summarize`, `list` and `constraints`: a network's table, the bundled networks, the sizes that fit."""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import bundled
from ..errors import CnnError, Location
from ..exits import Exit
from .app import (
    INPUT_HELP,
    _State,
    _terminal_width,
    colour,
    convention_option,
    depth_option,
    dtype_option,
    format_option,
    main,
    output_option,
    parse_sets,
    print_diagnostics,
    read_source,
    set_option,
    strict_option,
    table_width,
    writing,
)


@main.command()
@click.argument("files", nargs=-1, required=True)
@format_option("table", "json", "csv", "markdown", "course", "variables", "keras",
               help="course: the lecture's table (an Input row, weights + bias); variables: each "
                    "weight tensor with its size and bytes, as TensorFlow lists them; keras: Keras 3's "
                    "model.summary() of the model `export --to keras` writes.")
@click.option("--layout", type=click.Choice(["tf", "torch"]), default="tf", show_default=True,
              help="Tensor shapes (variables, JSON): tf f x f x n_C_prev x n_C, torch n_C x n_C_prev x f x f.")
@click.option("--input", "input_sizes", multiple=True, metavar="HxWxC",
              help=INPUT_HELP + " Repeat it to compare sizes side by side.")
@set_option
@dtype_option
@click.option("--columns", metavar="LIST",
              help="Extra table columns, comma separated: rf, jump, from, trainable, buffers, bytes.")
@click.option("--wide", is_flag=True, help="Every column and whole names, however wide the table.")
@depth_option
@strict_option
@convention_option
@click.option("--savings", is_flag=True, help="Also show what 1x1 bottlenecks and depthwise-separable pairs save.")
@output_option
def summarize(files: tuple[str, ...], fmt: str, layout: str, input_sizes: tuple[str, ...], sets: tuple[str, ...],
              dtype: str, columns: str | None, wide: bool, depth: int | None, strict: bool,
              convention: str = "cnncalc", savings: bool = False, output_path: str | None = None) -> None:
    """The per-layer table: output shape, activations, parameters and MACs.

    FILE is a cnncalc YAML, Darknet .cfg, Caffe .prototxt or Ultralytics model YAML file, a bundled name
    (`cnncalc list`), or - for standard input.
    """
    from ..analysis import analyze_text
    from ..report import fold

    set_values = parse_sets(sets)
    extra = parse_columns(columns)
    results = []
    status = Exit.OK
    for name, input_size in [(n, size) for n in files for size in input_sizes or (None,)]:
        try:
            text, display = read_source(name)
            report = analyze_text(text, display, set_values, input_size, dtype)
        except CnnError as exc:
            if _State.debug:
                raise
            click.echo(str(exc), err=True)
            status = Exit.UNUSABLE
            continue
        if convention != "cnncalc":
            from ..conventions import apply

            apply(report, convention)
        if strict:  # --strict makes the floor warnings errors: say so, as validate does
            _warnings_as_errors(report)
        results.append((report, fold(report, depth)))
        if status != Exit.UNUSABLE:
            status = max(status, report.return_code(strict))
    with writing(output_path):
        if results:
            emit(results, fmt, extra, sweep=len(input_sizes) > 1, layout=layout, wide=wide)
        if savings:
            from ..savings import text as savings_text

            for report, _ in results:  # on stderr for json/csv, so stdout stays machine-readable
                to_err = fmt in ("json", "csv")
                click.echo("\n" + savings_text(report, None if to_err else _terminal_width()), nl=False,
                           err=to_err)
    for report, _ in results:  # diagnostics on stderr in every format; in a sweep, at which size
        print_diagnostics(report, _at_input(report) if len(input_sizes) > 1 else "")
    sys.exit(status)


def _warnings_as_errors(report: Any) -> None:
    """--strict: the report's floor warnings read 'error:' (as validate's do under --strict)."""
    from dataclasses import replace

    report.warnings = [replace(w, level="error") for w in report.warnings]


def parse_columns(value: str | None) -> tuple[str, ...]:
    from ..render.values import EXTRA_COLUMNS

    names = tuple(c.strip().lower() for c in (value or "").split(",") if c.strip())
    for c in names:
        if c not in EXTRA_COLUMNS:
            known = ", ".join(EXTRA_COLUMNS)
            raise click.BadParameter(f"'{c}' is not one of {known}", param_hint="--columns")
    return names


def emit(results: list[Any], fmt: str, extra: tuple[str, ...] = (), sweep: bool = False,
         layout: str = "tf", wide: bool = False) -> None:
    if sweep:
        if fmt in ("course", "variables"):
            raise click.UsageError(f"--format {fmt} shows one input size; give one --input")
        _emit_sweep(results, fmt, wide)
        return
    if fmt in ("course", "variables"):
        from ..render import course

        click.echo(course.render(results, fmt, layout), nl=False)
        return
    if fmt == "table":
        from ..render import table

        click.echo(table.to_text(results, extra, None if wide else table_width(), colour()), nl=False)
        return
    if fmt == "keras":  # Keras' model.summary() of the exported model, one per file
        from ..render import keras_summary

        click.echo("".join(keras_summary.render(report) for report, _ in results), nl=False)
        return
    if fmt == "markdown":
        from ..render import markdown

        click.echo(markdown.render(results, extra), nl=False)
        return
    if fmt == "json":
        from ..render import json_out as module
    elif fmt == "csv":
        from ..render import csv_out as module  # type: ignore[no-redef]
    else:
        from ..render import markdown as module  # type: ignore[no-redef]
    click.echo(module.render(results, layout) if fmt == "json" else module.render(results), nl=fmt == "json")


def _emit_sweep(results: list[Any], fmt: str, wide: bool = False) -> None:
    """One side-by-side table (or JSON object) per file, over the --input sizes."""
    from ..render import sweep

    by_file: dict[str, list[Any]] = {}
    for report, rows in results:
        by_file.setdefault(report.file, []).append((report, rows))
    groups = list(by_file.values())
    if fmt == "table":
        click.echo(sweep.to_text(groups, None if wide else table_width(), colour()), nl=False)
    elif fmt == "json":
        import json

        items = [sweep.sweep_dict(g) for g in groups]
        click.echo(json.dumps(items[0] if len(items) == 1 else items, indent=1))
    elif fmt == "csv":
        click.echo("".join(sweep.to_csv(g) for g in groups), nl=False)
    else:
        click.echo("\n".join(sweep.to_markdown(g) for g in groups), nl=False)


def _at_input(report: Any) -> str:
    """'  (input 224x224x3)': which size of a sweep a warning or failed expectation is about."""
    return f"  (input {'x'.join(str(n) for n in report.input)})"


@main.command("list")
@format_option("table", "json")
@click.option("--sort", type=click.Choice(["family", "name", "params", "macs", "input"]), default="family",
              show_default=True,
              help="family: grouped, smallest first in each; otherwise one list ordered by that column.")
@click.option("--family", "only", metavar="TEXT", help="Only the families whose name holds TEXT (any case).")
@output_option
def list_(fmt: str, sort: str, only: str | None, output_path: str | None) -> None:
    """The bundled architectures (use a name anywhere a FILE is taken), by family, with their
    parameters, multiply-accumulates and default input.

    \b
    Examples: cnncalc list --sort macs
              cnncalc list --family mobilenet
    """
    from ..render.zoo_list import catalogue, render

    items = catalogue(bundled.names(), lambda name: read_source(name)[0])
    if only is not None:
        items = [i for i in items if only.lower() in i["family"].lower()]
        if not items:
            families = ", ".join(title for title, _ in bundled.FAMILIES)
            raise click.BadParameter(f"no family holds '{only}' (families: {families})", param_hint="--family")
    with writing(output_path):
        click.echo(render(items, fmt, sort), nl=False)


@main.command()
@click.argument("file")
@click.option("--input", "input_size", metavar="HxWxC",
              help="Symbolic input such as HxWx3 (default: H x W x the file's n_C).")
@set_option
@format_option("table", "json")
@output_option
def constraints(file: str, input_size: str | None, sets: tuple[str, ...], fmt: str, output_path: str | None) -> None:
    """Input sizes the network accepts: the smallest, and those where nothing floors."""
    with writing(output_path):
        _constraints(file, input_size, sets, fmt)


def _constraints(file: str, input_size: str | None, sets: tuple[str, ...], fmt: str) -> None:
    import json

    from ..analysis import analyze_text
    from ..constraints import TIME_LIMIT, find
    from ..escape import terminal

    text, display = read_source(file)
    set_values = parse_sets(sets)
    if input_size is None:
        concrete = analyze_text(text, display, set_values)
        if not concrete.symbols:  # vary the file's concrete size: H x W x its n_C
            if len(concrete.input) != 3:
                raise CnnError("the input is not a volume, so there is no size to vary", Location(display))
            input_size = f"HxWx{concrete.input[2]}"
    found = find(text, display, set_values, input_size)
    names = " x ".join(found.symbols)
    if fmt == "json":
        from ..render.values import envelope

        click.echo(json.dumps({
            **envelope("constraints"),
            "symbols": list(found.symbols), "period": found.period, "smallest": found.smallest,
            "smallest_fails_below_because": found.smallest_error,
            "clean_residues": list(found.clean_residues), "clean_examples": list(found.examples),
            "condition": found.describe(),
            "padding_only_residues": list(found.padding_residues),
            "padding_only_examples": list(found.padding_examples or found.examples),
            "padding_only_condition": found.describe(found.padding_residues),
            "complete": found.complete,
        }, indent=2))
        return
    if found.smallest is None:
        click.echo(f"{terminal(display)}: no size up to the search limit gives every layer a positive size")
        return
    click.echo(f"{terminal(display)}: input sizes {names} (every symbol set alike)")
    click.echo(f"  smallest input: {found.smallest} (every layer has a positive size)")
    if found.smallest_error:
        click.echo(f"  at {found.smallest - 1}: {found.smallest_error}")
    click.echo(f"  no division floors and every add/concat aligns when: {found.describe()}")
    if found.examples:  # the period of the condition as stated (32 for VGG, 2 for "odd")
        click.echo(f"  such sizes: {', '.join(str(n) for n in found.examples)}, ... (period {found.reduced()[0]})")
    if found.padding_residues != found.clean_residues:
        click.echo("  every add/concat aligns and every floor drops nothing (only padding, or what the"
                   f" stride skips anyway: --strict passes) when: {found.describe(found.padding_residues)}")
        if found.padding_examples:
            click.echo(f"  such sizes: {', '.join(str(n) for n in found.padding_examples)}, ..."
                       f" (period {found.reduced(found.padding_residues)[0]})")
    if not found.complete:
        click.echo(f"  (the search stopped after {TIME_LIMIT:g} s: sizes of some residues were not tried)")
