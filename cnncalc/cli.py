"""The command line: reads files, calls the pipeline, prints, and picks the exit status.

Exit status (cnncalc/exits.py): 0 success; 1 an expectation, answer or --strict warning failed;
2 the input could not be used; 3 an internal error. Errors read `FILE:LINE:COL: error: MESSAGE`;
no traceback unless --debug.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import bundled
from .errors import CnnError, Location
from .exits import Exit


class _State:
    debug = False


def read_source(name: str, what: str = "") -> tuple[Any, str]:
    """(text, display name) of a file path or a bundled architecture name; `what` names a file
    of another kind (an answer sheet), which is only ever a path. A binary model format
    (importers.binary_format) comes as a read-only mmap instead of text."""
    from .source import MAX_BYTES, decode

    path = Path(name)
    if not path.exists():
        if what:
            raise CnnError(f"no such {what} file", Location(name))
        found = bundled.path(name)
        if found is None:
            from .suggest import did_you_mean

            hint = did_you_mean(name, bundled.names())
            raise CnnError(f"no such file or bundled architecture{hint}; `cnncalc list` shows them", Location(name))
        path, display = found, name
    else:
        display = name
    if path.is_dir():
        raise CnnError(f"is a directory; the {what} is a YAML file" if what else
                       "is a directory, not an architecture file", Location(display))
    if not path.is_file():  # a FIFO or a terminal would block the read forever
        raise CnnError("is not a regular file (a pipe or device?)", Location(display))
    from .importers import binary_format

    try:
        if binary_format(display) is not None and not what:
            return _mapped(path, display), display
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CnnError(f"cannot read: {exc.strerror}", Location(display)) from None
    return decode(data, display), display


def _mapped(path: Path, display: str) -> Any:
    """A binary model file (ONNX, .keras) mapped read-only, not read: its importer looks at the
    few bytes it needs, so a 500 MB file costs neither the time nor the memory of reading it."""
    import mmap

    with path.open("rb") as fh:
        if path.stat().st_size == 0:
            raise CnnError("file is empty", Location(display))
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--set")
        v = value.strip()
        try:
            out[key] = int(v.replace("_", ""))
        except ValueError:
            try:
                out[key] = float(v)
            except ValueError:
                out[key] = {"true": True, "false": False}.get(v.lower(), v)
    return out


class _GuardedGroup(click.Group):
    """Every command runs inside one guard: an escaped exception becomes the one line and the
    status of exits.for_exception (a traceback only with --debug). click's own exceptions (usage
    errors: exit 2) and sys.exit pass through."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # the reader of our stdout went away (`| head`): stop quietly, as the shell's
            # tools do, and keep Python from complaining again when it flushes at exit
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:  # noqa: BLE001 - the one place that maps every escape
            if _State.debug:
                raise
            from .exits import for_exception

            status, message = for_exception(exc)
            click.echo(message, err=True)
            sys.exit(status)


@click.group(cls=_GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnncalc")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
def main(debug: bool) -> None:
    """Shapes, parameters and multiply costs of CNNs written in YAML, without running them."""
    _State.debug = debug
    # A short-lived process that builds many small acyclic objects: the cyclic collector
    # would only cost time (about a third of a 100,000-layer summary).
    import gc

    gc.disable()


_FORMATS = click.Choice(["table", "json", "csv", "markdown"])
_DTYPES = click.Choice(["float32", "float16", "bfloat16", "int8", "float64"])
# the names of cnncalc/conventions.py, listed here so --help does not import it
_CONVENTIONS = ["cnncalc", "torchinfo", "fvcore", "ptflops", "keras", "darknet", "darknet-pjreddie"]


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--input", "input_size", help="Input size n_H x n_W x n_C, such as 224x224x3.")(fn)
    fn = click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a var (repeatable).")(fn)
    fn = click.option("--dtype", type=_DTYPES, default="float32", show_default=True, help="Bytes per parameter.")(fn)
    return fn


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=_FORMATS, default="table", show_default=True)
@click.option("--input", "input_sizes", multiple=True,
              help="Input size n_H x n_W x n_C, such as 224x224x3; repeat it to compare sizes side by side.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a var (repeatable).")
@click.option("--dtype", type=_DTYPES, default="float32", show_default=True, help="Bytes per parameter.")
@click.option("--columns", metavar="LIST",
              help="Extra table columns, comma separated: rf, jump, from, trainable, buffers, bytes.")
@click.option("--depth", type=click.IntRange(min=1), help="Fold composites nested deeper than this.")
@click.option("--strict", is_flag=True, help="Treat warnings (floored divisions) as failures.")
@click.option("--convention", type=click.Choice(_CONVENTIONS), default="cnncalc", show_default=True,
              help="Count params, MACs and FLOPs the way this tool does (README: How cnncalc counts).")
@click.option("--savings", is_flag=True, help="Also show what 1x1 bottlenecks and depthwise-separable pairs save.")
def summarize(files: tuple[str, ...], fmt: str, input_sizes: tuple[str, ...], sets: tuple[str, ...],
              dtype: str, columns: str | None, depth: int | None, strict: bool, convention: str = "cnncalc",
              savings: bool = False) -> None:
    """The per-layer table: output shape, activations, parameters and MACs."""
    from .analysis import analyze_text
    from .report import fold

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
            from .conventions import apply

            apply(report, convention)
        if strict:  # --strict makes the floor warnings errors: say so, as validate does
            _warnings_as_errors(report)
        results.append((report, fold(report, depth)))
        if status != Exit.UNUSABLE:
            status = max(status, report.return_code(strict))
    if results:
        emit(results, fmt, extra, sweep=len(input_sizes) > 1)
    if savings:
        from .savings import text as savings_text

        for report, _ in results:  # on stderr for json/csv, so stdout stays machine-readable
            to_err = fmt in ("json", "csv")
            click.echo("\n" + savings_text(report, None if to_err else _terminal_width()), nl=False, err=to_err)
    if fmt != "table":
        for report, _ in results:
            # in a sweep, say at which size (the table's sweep writes these the same way)
            at = _at_input(report) if len(input_sizes) > 1 else ""
            for d in report.failures + (report.warnings if strict else []):
                click.echo(f"{d}{at}", err=True)
    sys.exit(status)


def _warnings_as_errors(report: Any) -> None:
    """--strict: the report's floor warnings read 'error:' (as validate's do under --strict)."""
    from dataclasses import replace

    report.warnings = [replace(w, level="error") for w in report.warnings]


def parse_columns(value: str | None) -> tuple[str, ...]:
    from .render.values import EXTRA_COLUMNS

    names = tuple(c.strip().lower() for c in (value or "").split(",") if c.strip())
    for c in names:
        if c not in EXTRA_COLUMNS:
            known = ", ".join(EXTRA_COLUMNS)
            raise click.BadParameter(f"'{c}' is not one of {known}", param_hint="--columns")
    return names


def emit(results: list[Any], fmt: str, extra: tuple[str, ...] = (), sweep: bool = False) -> None:
    if sweep:
        _emit_sweep(results, fmt)
        return
    if fmt == "table":
        from .render import table, terminal

        console = terminal.console(200)
        table.render(results, console, extra)
        return
    if fmt == "markdown":
        from .render import markdown

        click.echo(markdown.render(results, extra), nl=False)
        return
    if fmt == "json":
        from .render import json_out as module
    elif fmt == "csv":
        from .render import csv_out as module  # type: ignore[no-redef]
    else:
        from .render import markdown as module  # type: ignore[no-redef]
    click.echo(module.render(results), nl=fmt == "json")


def _emit_sweep(results: list[Any], fmt: str) -> None:
    """One side-by-side table (or JSON object) per file, over the --input sizes."""
    from .render import sweep

    by_file: dict[str, list[Any]] = {}
    for report, rows in results:
        by_file.setdefault(report.file, []).append((report, rows))
    groups = list(by_file.values())
    if fmt == "table":
        from .render import terminal

        console = terminal.console(240)
        for i, group in enumerate(groups):
            if i:
                console.print()
            sweep.table(group, console)
        for report, _ in results:  # the single-size table shows these under it; here, on stderr
            for d in report.warnings + report.failures:
                click.echo(f"{d}{_at_input(report)}", err=True)
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
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_(fmt: str) -> None:
    """The bundled architectures (use a name anywhere a FILE is taken)."""
    import json

    from .analysis import analyze_text

    items = []
    for name in bundled.names():
        text, display = read_source(name)
        report = analyze_text(text, display)
        items.append({"name": name, "title": report.name, "input": [int(d) for d in report.input],
                      "params": report.totals.params, "macs": report.totals.macs,
                      "reference": report.reference})
    if fmt == "json":
        click.echo(json.dumps(items, indent=2))
        return
    width = max(len(i["name"]) for i in items)
    for i in items:
        size = "x".join(str(d) for d in i["input"])
        click.echo(f"{i['name']:<{width}}  {size:>11}  {i['params']:>13,} params  {i['macs']:>15,} MACs  {i['title']}")


@main.command()
@click.argument("file")
@click.option("--input", "input_size", help="Symbolic input such as HxWx3 (default: H x W x the file's n_C).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a var (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def constraints(file: str, input_size: str | None, sets: tuple[str, ...], fmt: str) -> None:
    """Input sizes the network accepts: the smallest, and those where nothing floors."""
    import json

    from .analysis import analyze_text
    from .constraints import TIME_LIMIT, find
    from .escape import terminal

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
        click.echo(json.dumps({
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
        click.echo("  every add/concat aligns and a floor leaves only padding uncovered (no input row or"
                   f" column dropped) when: {found.describe(found.padding_residues)}")
        if found.padding_examples:
            click.echo(f"  such sizes: {', '.join(str(n) for n in found.padding_examples)}, ..."
                       f" (period {found.reduced(found.padding_residues)[0]})")
    if not found.complete:
        click.echo(f"  (the search stopped after {TIME_LIMIT:g} s: sizes of some residues were not tried)")


def deliver(text: str, output: str | None) -> None:
    """Write text to the file output names, or to standard output when there is none."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CnnError(f"cannot write: {exc.strerror}", Location(output)) from None


def _terminal_width() -> int | None:
    """The terminal's columns, for breaking long formula lines; None when piped (one line each)."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return max(shutil.get_terminal_size().columns, 40)


def _wants_ascii(flag: bool) -> bool:
    """--ascii, or a stdout that cannot encode the floor brackets."""
    from .render.explain_text import UNICODE_PROBE

    if flag:
        return True
    try:
        UNICODE_PROBE.encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return True
    return False


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
    from .analysis import analyze_node, load_root
    from .explain import explain as build_explanation
    from .render.explain_text import render

    text, display = read_source(file)
    root = load_root(text, display, input_size)
    report = analyze_node(root, display, parse_sets(sets), input_size, dtype)
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
    from .analysis import analyze_text
    from .export import to_pytorch_source

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
    from .analysis import analyze_node
    from .calc import FILE, parse

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
        from .explain import explain as build_explanation
        from .render.explain_text import render

        click.echo(render(build_explanation(report), fmt, _wants_ascii(ascii_), _terminal_width()), nl=False)
    else:
        emit([(report, report.rows)], fmt)
    if strict and fmt != "table":  # the table shows them under it; --explain's formats are never "table"
        for w in report.warnings:
            click.echo(str(w), err=True)
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
    from . import diagram as pictures
    from .analysis import analyze_text

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size)
    picture = pictures.render(report, fmt, depth)
    deliver(picture, output)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="github: workflow commands that annotate the lines in a pull request.")
@common_options
@click.option("--strict", is_flag=True, help="Treat warnings (floored divisions) as failures.")
def validate(paths: tuple[str, ...], fmt: str, input_size: str | None, sets: tuple[str, ...],
             dtype: str, strict: bool) -> None:
    """For CI: check files, folders (*.yaml, *.yml) and globs; report every problem.

    Exit status: 0 all good; 1 an `expect` entry (or, with --strict, a warning) failed;
    2 a file could not be used.
    """
    from .render.validate_out import render
    from .validate import validate_paths

    summary = validate_paths(paths, _checked_read, parse_sets(sets), input_size, strict, dtype, _State.debug)
    click.echo(render(summary, fmt))
    sys.exit(summary.return_code)


def _checked_read(name: str) -> tuple[str, str]:
    """read_source, with anything the pipeline could not turn into a CnnError located at the file."""
    try:
        return read_source(name)
    except (OSError, ValueError) as exc:
        raise CnnError(f"cannot read: {exc}", Location(name)) from None


@main.command()
@click.option("--indent", type=click.IntRange(min=0), default=2, show_default=True)
def schema(indent: int) -> None:
    """The JSON Schema (draft 2020-12) of architecture files, for editors' YAML language servers."""
    import json

    from .schema import build

    click.echo(json.dumps(build(), indent=indent or None))


@main.command()
@click.argument("file")
@click.argument("answers")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--ascii", "ascii_", is_flag=True, help="Write floor(...) and x instead of Unicode symbols.")
@common_options
def check(file: str, answers: str, fmt: str, ascii_: bool, input_size: str | None, sets: tuple[str, ...],
          dtype: str) -> None:
    """Grade ANSWERS (YAML: layer name or `totals` -> output, params, trainable, buffers, macs,
    activations). Each answer is marked right or wrong; a wrong one shows the right value and its
    formula with the values put in. Exit status 1 when any answer is wrong.

    \b
    Answers are read as students write them: 28x28x6, "28 x 28 x 6", [28, 28, 6], [10];
    48120, "48,120", 48_120; approximately: 2.4M, ~2.4M, "about 2.4M", {approx: 2.4M}
    (right when the true value rounds to it: 2.4M accepts 2,350,000 to 2,450,000).
    """
    from .analysis import analyze_text
    from .check import grade
    from .render import check_text

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size, dtype)
    answers_text, answers_display = read_source(answers, "answer sheet")
    grading = grade(report, answers_text, answers_display)
    if fmt == "json":
        click.echo(check_text.as_json(grading))
    else:
        click.echo(check_text.text(grading, _wants_ascii(ascii_), _terminal_width()), nl=False)
    sys.exit(grading.return_code)


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@common_options
def compare(files: tuple[str, ...], fmt: str, input_size: str | None, sets: tuple[str, ...], dtype: str) -> None:
    """Totals side by side (differences and ratios against the first FILE), and the per-layer
    rows that differ, matched by name.

    \b
    Example: cnncalc compare alexnet alexnet_no_fc7
    """
    from .analysis import analyze_text
    from .compare import compare as build_comparison
    from .render.compare_text import render

    if len(files) < 2:
        raise click.UsageError("compare needs two or more files")
    set_values = parse_sets(sets)
    reports = []
    for name in files:
        text, display = read_source(name)
        reports.append(analyze_text(text, display, set_values, input_size, dtype))
    click.echo(render(build_comparison(reports), fmt), nl=False)


@main.command("memory")
@click.argument("file")
@click.option("--input", "input_size", help="Input size n_H x n_W x n_C, such as 224x224x3.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a var (repeatable).")
@click.option("--dtype", type=_DTYPES, default="float32", show_default=True, help="Bytes per value.")
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam"]), default="sgd", show_default=True,
              help="Optimizer state in the training estimate: none, 1x or 2x the trainable params.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Examples per batch.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def memory_command(file: str, input_size: str | None, sets: tuple[str, ...], dtype: str, optimizer: str,
                   batch: int, fmt: str) -> None:
    """Activation and parameter bytes, a training estimate, and the inference peak (README: Memory)."""
    from .analysis import analyze_text
    from .memory import as_dict, estimate

    text, display = read_source(file)
    report = analyze_text(text, display, parse_sets(sets), input_size, dtype)
    found = estimate(report, dtype, optimizer, batch)
    if fmt == "json":
        import json

        click.echo(json.dumps(as_dict(found), indent=2))
        return
    from .render import memory_table, terminal

    memory_table.render(found, terminal.console(200))


@main.command("import")
@click.argument("file")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of to stdout.")
@click.option("--input", "input_size", help="Input size n_H x n_W x n_C (instead of the file's).")
def import_command(file: str, output: str | None, input_size: str | None) -> None:
    """A Darknet .cfg or Caffe .prototxt as cnncalc YAML (original names, `from` by name)."""
    from .importers import convert

    text, display = read_source(file)
    yaml_text = convert(text, display, input_size)
    deliver(yaml_text, output)


@main.command("report")
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the page here instead of to stdout.")
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="Composites nested deeper than this open folded (the page unfolds them).")
@click.option("--convention", type=click.Choice(_CONVENTIONS), default="cnncalc", show_default=True,
              help="Count params, MACs and FLOPs the way this tool does.")
@common_options
def report_command(files: tuple[str, ...], output: str | None, depth: int, convention: str,
                   input_size: str | None, sets: tuple[str, ...], dtype: str) -> None:
    """One self-contained HTML page: totals, the foldable, sortable table, the diagram, charts
    of params, MACs and memory, and each layer's formulas. Several FILEs: one page, compared.

    Exit status 1 when an `expect` fails (the page marks it), 2 when a file cannot be used.
    """
    from . import page
    from .analysis import analyze_text
    from .render import html_report

    set_values = parse_sets(sets)
    pages = []
    for name in files:
        text, display = read_source(name)
        plain = analyze_text(text, display, set_values, input_size, dtype)
        counted = plain
        if convention != "cnncalc":  # apply() rewrites the report: the formulas keep cnncalc's own
            from .conventions import apply

            counted = apply(analyze_text(text, display, set_values, input_size, dtype), convention)
        pages.append(page.build(counted, plain, depth))
    deliver(html_report.render(pages), output)
    for p in pages:
        for d in p.report.failures:
            click.echo(str(d), err=True)
    sys.exit(max(p.report.return_code() for p in pages))


@main.command()
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the default; editors often pass it).")
def lsp(stdio: bool) -> None:
    """The language server for editors (README: Editors): diagnostics, shapes, hover, completion."""
    from .lsp import PYGLS_MISSING, pygls_available

    if not pygls_available():
        raise CnnError(PYGLS_MISSING)
    from .lsp.server import serve

    serve()


if __name__ == "__main__":  # pragma: no cover
    main()
