"""`validate`, `schema`, `check`, `compare`, `memory`, `import`, `report` and `lsp`."""

from __future__ import annotations

import sys

import click

from ..errors import CnnError, Location
from .app import (
    _State,
    _terminal_width,
    _wants_ascii,
    common_options,
    convention_option,
    deliver,
    format_option,
    input_option,
    main,
    output_option,
    parse_sets,
    print_diagnostics,
    read_source,
    strict_option,
    writing,
)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@format_option("table", "json", "github", help="github: workflow commands that annotate the lines in a pull request.")
@common_options
@strict_option
@output_option
def validate(paths: tuple[str, ...], fmt: str, input_size: str | None, sets: tuple[str, ...],
             dtype: str, strict: bool, output_path: str | None) -> None:
    """For CI: check files, folders (*.yaml, *.yml) and globs; report every problem.

    Exit status: 0 all good; 1 an `expect` entry (or, with --strict, a warning) failed;
    2 a file could not be used.
    """
    from ..render.validate_out import render
    from ..validate import validate_paths

    summary = validate_paths(paths, _checked_read, parse_sets(sets), input_size, strict, dtype, _State.debug)
    with writing(output_path):
        click.echo(render(summary, fmt))
    sys.exit(summary.return_code)


def _checked_read(name: str) -> tuple[str, str]:
    """read_source, with anything the pipeline could not turn into a CnnError located at the file."""
    try:
        return read_source(name)
    except (OSError, ValueError) as exc:
        raise CnnError(f"cannot read: {exc}", Location(name)) from None


@main.command()
@click.argument("which", type=click.Choice(["file", "output"]), default="file")
@click.option("--indent", type=click.IntRange(min=0), default=2, show_default=True)
@output_option
def schema(which: str, indent: int, output_path: str | None) -> None:
    """A JSON Schema (draft 2020-12). WHICH: `file` (the default), the architecture file format,
    for editors' YAML language servers; `output`, what every `--format json` prints."""
    import json

    if which == "output":
        from ..output_schema import build
    else:
        from ..schema import build  # type: ignore[no-redef]
    deliver(json.dumps(build(), indent=indent or None) + "\n", output_path)


@main.command()
@click.argument("file")
@click.argument("answers")
@format_option("table", "json")
@click.option("--ascii", "ascii_", is_flag=True, help="Write floor(...) and x instead of Unicode symbols.")
@common_options
@output_option
def check(file: str, answers: str, fmt: str, ascii_: bool, input_size: str | None, sets: tuple[str, ...],
          dtype: str, output_path: str | None) -> None:
    """Grade ANSWERS (YAML: layer name or `totals` -> output, params, trainable, buffers, macs,
    activations). Each answer is marked right or wrong; a wrong one shows the right value and its
    formula with the values put in. Exit status 1 when any answer is wrong.

    \b
    Answers are read as students write them: 28x28x6, "28 x 28 x 6",
    [28, 28, 6], [10]; 48120, "48,120", 48_120; approximately: 2.4M, ~2.4M,
    "about 2.4M", {approx: 2.4M} (right when the true value rounds to it:
    2.4M accepts 2,350,000 to 2,450,000).
    """
    from ..analysis import analyze_text
    from ..check import grade
    from ..render import check_text

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size, dtype)
    answers_text, answers_display = read_source(answers, "answer sheet")
    grading = grade(report, answers_text, answers_display)
    with writing(output_path):
        if fmt == "json":
            click.echo(check_text.as_json(grading))
        else:
            click.echo(check_text.text(grading, _wants_ascii(ascii_), _terminal_width()), nl=False)
    sys.exit(grading.return_code)


@main.command()
@click.argument("files", nargs=-1, required=True)
@format_option("table", "markdown", "json")
@common_options
@convention_option
@strict_option
@output_option
def compare(files: tuple[str, ...], fmt: str, input_size: str | None, sets: tuple[str, ...], dtype: str,
            convention: str, strict: bool, output_path: str | None) -> None:
    """Totals side by side (differences and ratios against the first FILE), and the per-layer
    rows that differ, matched by name.

    \b
    Example: cnncalc compare alexnet alexnet_no_fc7
    """
    from ..analysis import analyze_text
    from ..compare import compare as build_comparison
    from ..render.compare_text import render

    if len(files) < 2:
        raise click.UsageError("compare needs two or more files")
    set_values = parse_sets(sets)
    reports = []
    for name in files:
        text, display = read_source(name)
        report = analyze_text(text, display, set_values, input_size, dtype)
        if convention != "cnncalc":
            from ..conventions import apply

            apply(report, convention)
        reports.append(report)
    with writing(output_path):
        click.echo(render(build_comparison(reports), "text" if fmt == "table" else fmt), nl=False)
    for report in reports:
        if strict:
            from .summarize import _warnings_as_errors

            _warnings_as_errors(report)
        print_diagnostics(report)
    sys.exit(max(r.return_code(strict) for r in reports))


@main.command("memory")
@click.argument("file")
@common_options
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam"]), default="sgd", show_default=True,
              help="Optimizer state in the training estimate: none, 1x or 2x the trainable params.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Examples per batch.")
@format_option("table", "json")
@output_option
def memory_command(file: str, input_size: str | None, sets: tuple[str, ...], dtype: str, optimizer: str,
                   batch: int, fmt: str, output_path: str | None) -> None:
    """Activation and parameter bytes, a training estimate, and the inference peak (the most
    bytes alive at once while the layers run in order)."""
    with writing(output_path):
        _memory(file, input_size, sets, dtype, optimizer, batch, fmt)


def _memory(file: str, input_size: str | None, sets: tuple[str, ...], dtype: str, optimizer: str,
            batch: int, fmt: str) -> None:
    from ..analysis import analyze_text
    from ..memory import as_dict, estimate

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size, dtype)
    found = estimate(report, dtype, optimizer, batch)
    if fmt == "json":
        import json

        from ..render.values import envelope

        click.echo(json.dumps({**envelope("memory", dtype, report.convention), **as_dict(found)}, indent=2))
        return
    from ..render import memory_table
    from .app import colour, table_width

    click.echo(memory_table.to_text(found, table_width(), colour()), nl=False)


@main.command("import")
@click.argument("file")
@output_option
@input_option
@click.option("--scale", type=click.Choice(list("nsmlxb")),
              help="An Ultralytics model YAML's scale (default: the letter in its name).")
def import_command(file: str, output_path: str | None, input_size: str | None, scale: str | None = None) -> None:
    """A Darknet .cfg, Caffe .prototxt or Ultralytics model YAML as cnncalc YAML (original names)."""
    from ..importers import convert

    text, display = read_source(file)
    yaml_text = convert(text, display, input_size, scale)
    deliver(yaml_text, output_path)


@main.command("report")
@click.argument("files", nargs=-1, required=True)
@output_option
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="Fold composites nested this deep or deeper into one row each (the page unfolds them).")
@convention_option
@common_options
def report_command(files: tuple[str, ...], output_path: str | None, depth: int, convention: str,
                   input_size: str | None, sets: tuple[str, ...], dtype: str) -> None:
    """One self-contained HTML page: totals, the foldable, sortable table, the diagram, charts
    of params, MACs and memory, and each layer's formulas. Several FILEs: one page, compared.

    Exit status 1 when an `expect` fails (the page marks it), 2 when a file cannot be used.
    """
    from .. import page
    from ..analysis import analyze_text
    from ..render import html_report

    set_values = parse_sets(sets)
    pages = []
    for name in files:
        text, display = read_source(name)
        plain = analyze_text(text, display, set_values, input_size, dtype)
        counted = plain
        if convention != "cnncalc":  # apply() rewrites the report: the formulas keep cnncalc's own
            from ..conventions import apply

            counted = apply(analyze_text(text, display, set_values, input_size, dtype), convention)
        pages.append(page.build(counted, plain, depth))
    deliver(html_report.render(pages), output_path)
    for p in pages:
        for d in p.report.failures:
            click.echo(str(d), err=True)
    sys.exit(max(p.report.return_code() for p in pages))


@main.command()
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the default; editors often pass it).")
def lsp(stdio: bool) -> None:
    """The language server for editors (LSP over stdio): diagnostics, shapes, hover, completion.
    Needs pip install 'cnncalc[lsp]'."""
    from ..lsp import PYGLS_MISSING, pygls_available

    if not pygls_available():
        raise CnnError(PYGLS_MISSING)
    from ..lsp.server import serve

    serve()


if __name__ == "__main__":  # pragma: no cover
    main()
