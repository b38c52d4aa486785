"""The command group, its guard, and what every command shares: reading a file or a bundled
name, `--set` values, common options, and writing the output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

import click

from .. import bundled
from ..errors import CnnError, Location


class _State:
    debug = False


STDIN = "<stdin>"


def read_source(name: str, what: str = "") -> tuple[Any, str]:
    """(text, display name) of a file path or a bundled architecture name; `what` names a file
    of another kind (an answer sheet), which is only ever a path. A binary model format
    (importers.binary_format) comes as a read-only mmap instead of text."""
    from ..source import MAX_BYTES, decode

    if name == "-":  # standard input, read with the same size limit as a file
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(MAX_BYTES + 1) if stream is not None else sys.stdin.read(MAX_BYTES + 1).encode()
        return decode(data, STDIN), STDIN
    # os.path rather than pathlib (start-up time); the name as pathlib read it: no trailing
    # slash, and '' is the current folder
    path = name.rstrip("/") or ("/" if name.startswith("/") else ".")
    if not os.path.exists(path):
        if what:
            raise CnnError(f"no such {what} file", Location(name))
        found = bundled.file(name)
        if found is None:
            from ..suggest import did_you_mean

            hint = did_you_mean(name, bundled.names())
            raise CnnError(f"no such file or bundled architecture{hint}; `cnncalc list` shows them", Location(name))
        path, display = found, name
    else:
        display = name
    if os.path.isdir(path):
        raise CnnError(f"is a directory; the {what} is a YAML file" if what else
                       "is a directory, not an architecture file", Location(display))
    if not os.path.isfile(path):  # a FIFO or a terminal would block the read forever
        raise CnnError("is not a regular file (a pipe or device?)", Location(display))
    from ..importers import binary_format

    try:
        if binary_format(display) is not None and not what:
            return _mapped(path, display), display
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CnnError(f"cannot read: {exc.strerror}", Location(display)) from None
    return decode(data, display), display


def _mapped(path: str, display: str) -> Any:
    """A binary model file (ONNX, .keras) mapped read-only, not read: its importer looks at the
    few bytes it needs, so a 500 MB file costs neither the time nor the memory of reading it."""
    import mmap

    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
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
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get("cnncalc.scale"):
        out["scale"] = ctx.meta["cnncalc.scale"]
    return out


# The module that registers each command (`@main.command()` in cnncalc/cli/NAME.py): the group
# imports only the one it runs, so `summarize` does not pay for the other commands' imports and
# option definitions (start-up time). tests/test_startup.py checks this against the modules.
COMMAND_MODULES: dict[str, str] = {
    "summarize": "summarize", "list": "summarize", "constraints": "summarize",
    "explain": "work", "export": "work", "calc": "work", "diagram": "work",
    "validate": "tools", "schema": "tools", "check": "tools", "compare": "tools", "memory": "tools",
    "import": "tools", "report": "tools", "lsp": "tools",
}


class _GuardedGroup(click.Group):
    """Every command runs inside one guard: an escaped exception becomes the one line and the
    status of exits.for_exception (a traceback only with --debug). click's own exceptions (usage
    errors: exit 2) and sys.exit pass through. Commands are loaded lazily (COMMAND_MODULES), as
    click's documentation does it with a LazyGroup."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_commands()  # --help and completion: every command, even one missing from the table
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in COMMAND_MODULES:
                import_module(f"{__package__}.{COMMAND_MODULES[cmd_name]}")
            else:  # an unknown name loads every command: click's "Did you mean" reads self.commands
                _load_commands()
        return self.commands.get(cmd_name)

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
            from ..exits import for_exception

            status, message = for_exception(exc)
            click.echo(message, err=True)
            sys.exit(status)


def _load_commands() -> None:
    for module in sorted(set(COMMAND_MODULES.values())):
        import_module(f"{__package__}.{module}")


@click.group(cls=_GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnncalc")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
def main(debug: bool) -> None:
    """Shapes, parameters and multiply costs of CNNs written in YAML, without running them."""
    _State.debug = debug
    if sys.stderr.isatty() and not os.environ.get("CNNCALC_NO_PROGRESS"):
        from .. import progress

        progress.enable()
    # A short-lived process that builds many small acyclic objects: the cyclic collector
    # would only cost time (about a third of a 100,000-layer summary).
    import gc

    gc.disable()


_FORMATS = click.Choice(["table", "json", "csv", "markdown", "keras"])
_DTYPES = click.Choice(["float32", "float16", "bfloat16", "int8", "float64"])
# the names of cnncalc/conventions.py, listed here so --help does not import it
_CONVENTIONS = ["cnncalc", "torchinfo", "fvcore", "ptflops", "keras", "darknet", "darknet-pjreddie", "onnx-tool",
                "ultralytics"]


# ---- the options commands share: one definition each, so every command's --help says the same

INPUT_HELP = "Input size n_H x n_W x n_C (224x224x3), instead of the file's; a name (HxWx3) is symbolic."


def input_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--input", "input_size", metavar="HxWxC", help=INPUT_HELP)(fn)


def _keep_scale(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta["cnncalc.scale"] = value  # read by parse_sets, as `--set scale=X`


def set_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    # --scale rides with --set: every command that takes vars takes an Ultralytics scale too
    fn = click.option("--scale", type=click.Choice(list("nsmlxb")), expose_value=False, callback=_keep_scale,
                      help="An Ultralytics model YAML's scale (default: the letter in its name; = --set scale=X).")(fn)
    return click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                        help="Give a var of the file, or a symbolic size, this value (repeatable).")(fn)


def dtype_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--dtype", type=_DTYPES, default="float32", show_default=True,
                        help="Number format: the bytes of each parameter (and value).")(fn)


def convention_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--convention", type=click.Choice(_CONVENTIONS), default="cnncalc", show_default=True,
                        metavar="NAME",  # the choices in the help text, where they wrap within 80 columns
                        help=f"Count params, MACs and FLOPs the way this tool does: {', '.join(_CONVENTIONS)}.")(fn)


def depth_option(fn: Callable[..., Any], default: int | None = None) -> Callable[..., Any]:
    return click.option("--depth", type=click.IntRange(min=1), default=default, show_default=default is not None,
                        help="Fold composites nested this deep or deeper into one row each.")(fn)


def strict_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--strict", is_flag=True,
                        help="Fail (exit 1) on a floor that drops input rows or columns.")(fn)


def output_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False),
                        help="Write the result to this file instead of stdout.")(fn)


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--input, --set and --dtype."""
    return input_option(set_option(dtype_option(fn)))


class FormatChoice(click.Choice):
    """--format: `table` is the human format in every command; `text`, its old name in some,
    is still read as `table` (and not listed)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if value == "text" and "table" in self.choices:
            value = "table"
        return super().convert(value, param, ctx)


def format_option(*names: str, default: str = "table", help: str | None = None) -> Callable[..., Any]:
    return click.option("--format", "fmt", type=FormatChoice(list(names)), default=default, show_default=True,
                        help=help)


class writing:  # noqa: N801 - used as `with writing(path):`, like open
    """Standard output sent to `path` (-o/--output) while the command writes its result;
    diagnostics still go to stderr. No path: stdout as it is."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._fh: Any = None
        self._saved: Any = None

    def __enter__(self) -> writing:
        if self.path is not None and self.path != "-":
            try:
                self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
            except OSError as exc:
                raise CnnError(f"cannot write: {exc.strerror}", Location(self.path)) from None
            self._saved, sys.stdout = sys.stdout, self._fh
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fh is not None:
            sys.stdout = self._saved
            self._fh.close()




_COLOURS = {"error": "red", "warning": "yellow", "note": "cyan"}


def print_diagnostics(report: Any, suffix: str = "") -> None:
    """A report's floors, failed and unchecked expectations on stderr, whatever the format of
    stdout (coloured only on a terminal: click strips the colour elsewhere)."""
    for d in report.diagnostics():
        click.secho(f"{d}{suffix}", err=True, fg=_COLOURS.get(d.level))


def deliver(text: str, output: str | None) -> None:
    """Write text to the file output names, or to standard output when there is none."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise CnnError(f"cannot write: {exc.strerror}", Location(output)) from None


def table_width() -> int:
    """The columns a table must fit: the terminal's; when piped, $COLUMNS, else 80."""
    if sys.stdout.isatty():
        import shutil

        return max(shutil.get_terminal_size().columns, 40)
    columns = os.environ.get("COLUMNS", "")
    return max(int(columns), 40) if columns.isdigit() else 80


def colour() -> bool:
    """Styles (bold heading, dim frozen rows) only on a terminal, and never under NO_COLOR."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _terminal_width() -> int | None:
    """The terminal's columns, for breaking long formula lines; None when piped (one line each)."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return max(shutil.get_terminal_size().columns, 40)


def _wants_ascii(flag: bool) -> bool:
    """--ascii, or a stdout that cannot encode the floor brackets."""
    from ..render.explain_text import UNICODE_PROBE

    if flag:
        return True
    try:
        UNICODE_PROBE.encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return True
    return False
