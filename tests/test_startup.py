"""Start-up: a command imports only what it needs (issue 15's start-up target).

Timing is not asserted here (a shared CI machine is too noisy for it; benchmarks/startup.py
measures it). What is guarded is the cause of the gains, in a fresh process started as the
console script starts: which modules `summarize` and the other commands load (of the layer
kinds, only those the file uses), which dataclasses they build, and the collector frozen at exit.
CPU budget: about 16 short subprocesses (about 3 s of CPU together on an idle machine) and one
in-process import of the commands.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cnncalc.cli import app, main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "goldens" / "resnet50"

# What the installed console script does (pip writes `import re`, then imports `main`), then the
# names of the loaded modules, after the output, on stderr's last line.
_SCRIPT = """
import re, sys
from cnncalc.cli import main
try:
    main(prog_name="cnncalc")
except SystemExit as exc:
    status = exc.code
sys.stdout.flush()
made = [f"{m.__name__}.{n}" for m in list(sys.modules.values()) if m.__name__.startswith("cnncalc")
        for n, v in vars(m).items() if isinstance(v, type) and v.__module__ == m.__name__
        and "__dataclass_fields__" in v.__dict__]
sys.stderr.write("\\n" + " ".join(sorted(sys.modules)) + "\\n" + " ".join(sorted(made)) + f"\\n{status}")
"""

# Not needed to summarize a network whatever the format: the other commands, symbolic sizes,
# other readers and writers, and what pathlib, click's completion or testing would pull in.
NEVER_FOR_SUMMARIZE = [
    "cnncalc.cli.tools", "cnncalc.cli.work", "cnncalc.symbolic", "cnncalc.conventions",
    "cnncalc.explain", "cnncalc.savings", "cnncalc.export", "cnncalc.diagram", "cnncalc.schema",
    "cnncalc.validate", "cnncalc.importers.darknet", "cnncalc.importers.caffe", "cnncalc.lsp",
    "sympy", "mpmath", "jsonschema", "pygls", "numpy", "torch",
    "pathlib", "urllib", "ipaddress", "tempfile", "subprocess", "zipfile", "shutil", "argparse",
    "importlib.metadata", "click.shell_completion", "click.testing", "click._termui_impl",
]


def _run(*args: str) -> tuple[str, str, set[str], int]:
    """stdout, stderr (the diagnostics), the loaded modules and the exit status of one fresh
    `cnncalc ARGS` process."""
    out, err, modules, _, status = _run_counting(*args)
    return out, err, modules, status


def _run_counting(*args: str) -> tuple[str, str, set[str], set[str], int]:
    """_run's, and the dataclasses that cnncalc's loaded modules define."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # cwd (this checkout) first, as `python -m pytest` has it
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    *err, _, modules, made, status = done.stderr.split("\n")
    return done.stdout, "".join(line + "\n" for line in err), set(modules.split()), set(made.split()), int(status)


@functools.cache
def _at_start() -> frozenset[str]:
    """What this interpreter loads before any command (site-packages' .pth files: an editable
    install's finder, setuptools' distutils shim...): not the command's doing."""
    done = subprocess.run([sys.executable, "-c", "import sys; print(' '.join(sys.modules))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    return frozenset(done.stdout.split())


def _third_party(modules: set[str]) -> set[str]:
    tops = {m.partition(".")[0] for m in modules - _at_start()}
    # cython_runtime and _cython_*: the runtime of PyYAML's C parser, which we use
    return {t for t in tops if t not in sys.stdlib_module_names and t not in ("cnncalc", "__main__")
            and t != "cython_runtime" and not t.startswith("_cython_")}


def _golden(stem: str) -> str:
    """The output a golden file pins, without its command line and exit status."""
    return GOLDEN.joinpath(f"{stem}.txt").read_text(encoding="utf-8").split("\n", 2)[2]


def test_summarize_json_loads_neither_rich_nor_the_other_commands() -> None:
    out, err, modules, status = _run("summarize", "resnet50", "--format", "json")
    assert status == 0
    assert out + err == _golden("summarize.json")  # the guarded path is the real one
    assert json.loads(out)["totals"]["params"] == 25_557_032  # torchvision's resnet50
    assert _third_party(modules) <= {"click", "yaml", "_yaml"}, _third_party(modules)
    assert "rich" not in modules
    assert [m for m in NEVER_FOR_SUMMARIZE if m in modules - _at_start()] == []
    assert {"cnncalc.cli.summarize", "cnncalc.render.json_out"} <= modules  # the check can fail


def test_summarize_table_loads_no_rich() -> None:
    """Every column at its natural width: render/plain_table.py draws what rich would, rich unloaded."""
    out, err, modules, status = _run("summarize", "resnet50")
    assert status == 0
    assert out + err == _golden("summarize.table")
    assert _third_party(modules) <= {"click", "yaml", "_yaml"}, _third_party(modules)
    assert "rich" not in modules
    assert [m for m in NEVER_FOR_SUMMARIZE if m in modules - _at_start()] == []
    assert "cnncalc.render.plain_table" in modules  # the check can fail


def test_a_sweep_table_loads_no_rich() -> None:
    out, err, modules, status = _run("summarize", "popquiz", "--input", "299x299x3", "--input", "227x227x3")
    golden = ROOT / "tests" / "goldens" / "_commands" / "summarize.sweep.txt"
    assert status == 0
    assert out + err == golden.read_text(encoding="utf-8").split("\n", 2)[2]
    assert "rich" not in modules and "cnncalc.render.plain_table" in modules


def test_a_table_that_must_fold_still_gets_rich() -> None:
    """A symbolic table wider than the terminal folds its expressions: that is rich's work."""
    out, _, modules, status = _run("summarize", "lenet5", "--input", "HxWx1", "--columns", "rf,jump,bytes")
    assert status == 0
    # conv1's MACs, 150*(H - 4)*(W - 4) (5*5*1 weights by 6 filters), folded over two lines
    conv1 = out.splitlines().index(next(line for line in out.splitlines() if line.startswith("conv1 ")))
    assert "150*(H - 4)*(W -" in out.splitlines()[conv1] and out.splitlines()[conv1 + 1].endswith(" 4)")
    assert max(len(line) for line in out.splitlines()) <= 120  # $COLUMNS in _run
    assert "rich.table" in modules


# Commands whose output is not a rich table (memory's table is drawn as summarize's): no rich, no
# sympy, and of the command modules only their own (work.py borrows summarize.py's writer).
PLAIN_COMMANDS = [
    ["validate", "lenet5"], ["explain", "lenet5"], ["compare", "lenet5", "alexnet"], ["diagram", "lenet5"],
    ["export", "lenet5", "--to", "pytorch"], ["schema"], ["list", "--format", "json"],
    ["memory", "lenet5", "--format", "json"], ["memory", "lenet5"],
    ["calc", "32x32x3", "conv 6 f=5", "--format", "json"],
]


@pytest.mark.parametrize("args", PLAIN_COMMANDS, ids=[a[0] for a in PLAIN_COMMANDS])
def test_plain_commands_load_only_their_own_module(args: list[str]) -> None:
    out, _, modules, status = _run(*args)
    assert status == 0 and out
    assert _third_party(modules) <= {"click", "yaml", "_yaml"}, _third_party(modules)
    own = app.COMMAND_MODULES[args[0]]
    allowed = {own, "app", *(["summarize"] if own == "work" else [])}
    loaded = {m.rpartition(".")[2] for m in modules if m.startswith("cnncalc.cli.")}
    assert loaded == allowed
    assert [m for m in ("rich", "sympy", "jsonschema") if m in modules] == []


def test_every_command_is_found_where_the_lazy_group_looks() -> None:
    """app.COMMAND_MODULES names, for each command, the module that registers it."""
    for module in sorted(set(app.COMMAND_MODULES.values())):
        __import__(f"cnncalc.cli.{module}")
    registered = {name: cmd.callback.__module__.rpartition(".")[2] for name, cmd in main.commands.items()}
    assert registered == app.COMMAND_MODULES


@pytest.mark.parametrize("name", sorted(app.COMMAND_MODULES))
def test_each_command_resolves(name: str) -> None:
    ctx = click.Context(main)
    command = main.get_command(ctx, name)
    assert command is not None and command.name == name
    assert name in main.list_commands(ctx)


def test_an_unknown_command_still_gets_did_you_mean() -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["summarise"])
    assert result.exit_code == 2
    assert "No such command 'summarise'. Did you mean 'summarize'?" in result.output


def test_the_command_line_freezes_the_collector_at_exit() -> None:
    """cli/__init__.py registers gc.freeze with atexit: the shutdown's collections skip the
    modules' objects (benchmarks/startup.py --floor: the exit's CPU). Seen by a handler
    registered before it, which runs after it (atexit runs handlers last in, first out)."""
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: sys.stdout.write(f'frozen {gc.get_freeze_count() > 1000}\\n'))\n"
             "BODY\n")
    for body, expected in (("import cnncalc.cli", "frozen True"), ("import cnncalc.analysis", "frozen False")):
        done = subprocess.run([sys.executable, "-c", probe.replace("BODY", body)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.stdout.strip() == expected, (body, done.stdout, done.stderr)


def _kinds_written(data: object) -> set[str]:
    """Every layer type a parsed architecture names, at any depth: the key of each one-key
    mapping in a list, or the list item itself when it is a bare word."""
    found: set[str] = set()
    if isinstance(data, list):
        for item in data:
            if isinstance(item, str):
                found.add(item)
            elif isinstance(item, dict) and len(item) == 1:
                found.add(next(iter(item)))
    for value in (data.values() if isinstance(data, dict) else data if isinstance(data, list) else []):
        found |= _kinds_written(value)
    return found


def test_summarize_json_imports_only_the_kinds_the_file_uses() -> None:
    """resnet50 writes conv, bn, relu, pool, gap, fc and residual (joined by add): their modules,
    and the shared base, steps and window, are the only ones of cnncalc/layers/ it loads."""
    import yaml

    from cnncalc import bundled
    from cnncalc.layers import KIND_ALIASES, KINDS

    with open(bundled.file("resnet50"), encoding="utf-8") as f:
        data = yaml.safe_load(f)
    written = {KIND_ALIASES.get(k, (k, {}))[0] for k in _kinds_written(data["layers"]) | _kinds_written(data["blocks"])}
    used = {k for k in written if k in KINDS} | ({"add"} if "residual" in written else set())
    expected = {KINDS[k].cls.__module__.rpartition(".")[2] for k in used} | {"base", "steps", "window"}
    assert {"conv", "bn", "activation", "pool", "gap", "fc", "add"} <= expected  # the reading above works
    out, _, modules, made, status = _run_counting("summarize", "resnet50", "--format", "json")
    assert status == 0 and json.loads(out)["totals"]["params"] == 25_557_032
    loaded = {m.rpartition(".")[2] for m in modules if m.startswith("cnncalc.layers.")}
    assert loaded == expected, f"not used by resnet50: {sorted(loaded - expected)}"
    # the engine's values are not dataclasses (cnncalc/values.py); errors.Location stays one, as the
    # importers subclass it
    assert made == {"cnncalc.errors.Location", "cnncalc.errors.Diagnostic"}, sorted(made)
    assert "difflib" not in modules  # loaded by the first "did you mean"


def test_the_registry_imports_a_kind_when_it_is_first_used() -> None:
    """`import cnncalc.layers` loads no kind's module; `Kind.cls`, a `from cnncalc.layers import
    Conv` (PEP 562) or `all_kinds()` load them, and each resolves to its module's own class."""
    probe = """
import sys
from cnncalc import layers
kinds = lambda: sorted(m.rpartition(".")[2] for m in sys.modules if m.startswith("cnncalc.layers."))
print(kinds())
from cnncalc.layers import Conv
print(kinds(), Conv is sys.modules["cnncalc.layers.conv"].Conv, layers.KINDS["conv"].cls is Conv)
try:
    layers.NoSuchKind
except AttributeError as exc:
    print(exc)
modules = {k.cls.__module__.rpartition(".")[2] for k in layers.all_kinds().values()}
print(kinds() == sorted(modules | {"base", "steps", "window"}))
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == [
        "['base', 'steps']",
        "['base', 'conv', 'steps', 'window'] True True",
        "module 'cnncalc.layers' has no attribute 'NoSuchKind'",
        "True",
    ], done.stderr
