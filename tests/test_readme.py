"""The README's examples run as written (issue 14 item 7): every `console` block's commands are
run by bash in `examples/` (where the files they name are), with `cnncalc` this checkout, in an
80-column pipe, and their output must be the block's, line for line. Only a figure that is a
timing (`0.02 s`) may differ. `CNNCALC_UPDATE_README=1` rewrites the blocks from the real output
(review the diff). About 15 s of CPU: one cnncalc process per command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
UPDATE = os.environ.get("CNNCALC_UPDATE_README") == "1"
MARK = "@@cnncalc-readme@@"
_TIMING = re.compile(r"\b\d+(?:\.\d+)? (?:s|ms)\b")


def blocks(text: str) -> list[tuple[int, int, list[tuple[str, list[str]]]]]:
    """(first line, last line, [(command, expected output lines)]) of each console block."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].strip() == "```")
            steps: list[tuple[str, list[str]]] = []
            for line in lines[start:end]:
                if line.startswith("$ "):
                    steps.append((line[2:], []))
                elif steps:
                    steps[-1][1].append(line)
            out.append((start, end, steps))
            i = end
        i += 1
    return out


def excerpt(steps: list[tuple[str, list[str]]]) -> bool:
    """A block that shows an excerpt, not a run: its output elides lines (`...`) or a command
    is commented as run on an edited file or by another program; it is not run (the
    Ultralytics section's blocks, which need Ultralytics' own files, are such)."""
    return any(line.strip() in ("...", "…") for _, out in steps for line in out) or any(
        "  # " in command or not command.startswith(("cnncalc ", "cat ", "echo ")) for command, _ in steps)


def run_block(steps: list[tuple[str, list[str]]], bin_dir: Path) -> list[list[str]]:
    """Each command's output (stdout and stderr as a terminal shows them), run in one shell so
    that `echo $?` sees the command before it."""
    script = ["__s=0"]
    for command, _ in steps:
        script.append(f"{command.replace('$?', '$__s')} 2>&1; __s=$?; echo {MARK}")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "80",
           "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    env.pop("CNNCALC_UPDATE_README", None)
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=EXAMPLES, env=env, capture_output=True,
                          text=True, timeout=300)
    parts = done.stdout.split(f"{MARK}\n")[: len(steps)]
    return [p.rstrip("\n").split("\n") if p.strip() else [] for p in parts]


def _normal(lines: list[str]) -> list[str]:
    return [_TIMING.sub("N s", line.rstrip()) for line in lines]


@pytest.fixture(scope="module")
def bin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `cnncalc` command that runs this checkout (as `pip install .` would give one)."""
    path = tmp_path_factory.mktemp("bin")
    (path / "cnncalc").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cnncalc "$@"\n')
    (path / "cnncalc").chmod(0o755)
    return path


def test_the_readme_names_only_files_that_exist() -> None:
    for _, _, steps in blocks(README.read_text(encoding="utf-8")):
        if excerpt(steps):
            continue
        for command, _ in steps:
            for word in command.split():
                if re.fullmatch(r"[\w./-]+\.(?:ya?ml|cfg|prototxt)", word):
                    assert (EXAMPLES / word).is_file(), f"{word} (in `{command}`) is not in examples/"


def test_every_console_block_prints_what_it_shows(bin_dir: Path) -> None:
    text = README.read_text(encoding="utf-8")
    lines = text.split("\n")
    found = [b for b in blocks(text) if not excerpt(b[2])]
    assert len(found) >= 10
    failures = []
    for start, end, steps in reversed(found):  # reversed: an update keeps earlier line numbers
        actual = run_block(steps, bin_dir)
        if UPDATE:
            new = [part for (command, _), out in zip(steps, actual) for part in [f"$ {command}", *out]]
            lines[start:end] = new
            continue
        for (command, expected), got in zip(steps, actual):
            if _normal(expected) != _normal(got):
                failures.append(f"$ {command}\n--- README\n" + "\n".join(expected) + "\n--- ran\n" + "\n".join(got))
    if UPDATE:
        README.write_text("\n".join(lines), encoding="utf-8")
    assert not failures, "\n\n".join(failures)


def test_json_examples_validate_against_the_output_schema() -> None:
    """Every `--format json` command of the README, its pipe left off, gives JSON that
    `cnncalc schema output` describes."""
    import json
    import shlex

    import jsonschema
    from click.testing import CliRunner

    from cnncalc.cli import main
    from cnncalc.output_schema import build

    validator = jsonschema.Draft202012Validator(build())
    seen = 0
    for _, _, steps in blocks(README.read_text(encoding="utf-8")):
        for command, _ in steps:
            words = shlex.split(command.split("|")[0])
            if words[0] == "cnncalc" and "json" in words and words[words.index("json") - 1] == "--format":
                cwd = os.getcwd()
                os.chdir(EXAMPLES)
                try:
                    result = CliRunner().invoke(main, words[1:])
                finally:
                    os.chdir(cwd)
                validator.validate(json.loads(result.stdout))
                seen += 1
    assert seen >= 1
