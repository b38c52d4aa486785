"""Start-up: a command imports only what it needs (issue 15's start-up target).

Timing is not asserted here (a shared CI machine is too noisy for it; benchmarks/startup.py
measures it). What is guarded is the cause of the gains, in a fresh process started as the
console script starts: which modules `summarize` and the other commands load. CPU budget: a dozen
short subprocesses (about 2 s of CPU together on an idle machine) and one in-process import of
the commands.
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
sys.stderr.write("\\n" + " ".join(sorted(sys.modules)) + f"\\n{status}")
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
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # cwd (this checkout) first, as `python -m pytest` has it
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    *err, _, modules, status = done.stderr.split("\n")
    return done.stdout, "".join(line + "\n" for line in err), set(modules.split()), int(status)


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
