"""80 columns (issue 14 item 2): every bundled network's table fits without wrapping, in a real
terminal (tmux, 80 x 50) and in a pipe with COLUMNS; no trailing spaces; --wide shows all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import bundled
from cnncalc.cli import main
from cnncalc.render.fit import compact, fit, middle

ROOT = Path(__file__).resolve().parents[1]


def _stdout(*args: str, columns: str = "80") -> str:
    result = CliRunner(env={"COLUMNS": columns}).invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("name", bundled.names())
@pytest.mark.parametrize("extra", [[], ["--depth", "1"], ["--columns", "rf,jump,bytes"]])
def test_every_table_fits_80_columns_in_a_pipe(name: str, extra: list[str]) -> None:
    out = _stdout("summarize", name, *extra)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not [line for line in lines if line != line.rstrip()]
    # every layer is on a row of its own: the table's rows are the report's rows plus the input
    assert "Total params:" in out


def test_columns_is_honoured_in_a_pipe() -> None:
    assert max(len(line) for line in _stdout("summarize", "vgg16", columns="60").splitlines()) <= 60
    wide = _stdout("summarize", "googlenet", columns="200")
    assert "inception3a.b2.conv2" in wide and "Activations" in wide


def test_wide_shows_every_column_and_whole_names() -> None:
    out = _stdout("summarize", "resnet50", "--wide")
    assert "bottleneck16.shortcut.conv1" not in out  # (resnet50 has 16 bottlenecks, no 16th shortcut)
    assert "bottleneck14.shortcut.conv1" in out and "From" in out and "Activations" in out
    assert "25,557,032" in out  # torchvision's ResNet-50 params
    assert "…" not in out and "to fit" not in out


def test_the_note_says_what_was_left_out() -> None:
    out = _stdout("summarize", "resnet50")
    assert "(to fit 80 columns: numbers compacted" in " ".join(out.split())
    assert "left out: From" in " ".join(out.split())


def test_depth_1_never_breaks_a_name() -> None:
    out = _stdout("summarize", "googlenet", "--depth", "1")
    names = {line.split()[0] for line in out.splitlines()[4:] if line[:1].isalpha() and not line.endswith(":")}
    assert {"inception3a", "inception5b", "conv1", "fc1"} <= names


def test_fit_rules() -> None:
    # three significant digits: 118,013,952 -> 118M, 1,814,073,344 -> 1.81G; small counts stay
    assert [compact(c) for c in ["118,013,952", "1,814,073,344", "9,472", "23,296", "H*W"]] == [
        "118M", "1.81G", "9,472", "23.3K", "H*W"]
    assert middle("bottleneck14.main.conv2", 15) == "bottlen…n.conv2"
    assert len(middle("bottleneck14.main.conv2", 15)) == 15
    cols = ["Layer", "Type", "Output shape", "Activations", "Params", "MACs", "From"]
    row = ["a" * 40, "conv", "112 x 112 x 64", "802,816", "9,408", "118,013,952", "x" * 30]
    fitted = fit(cols, [row], 60)
    assert fitted.width() <= 60 and fitted.dropped[0] == "From" and "Layer" in fitted.columns


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_in_tmux_at_80_columns(tmp_path: Path) -> None:
    """A real terminal 80 columns wide: the table's lines are its own, none wrapped (about 2 s)."""
    session = f"cnncalc-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "done"
    command = (f"cd {ROOT} && {sys.executable} -m cnncalc summarize resnet50 2>/dev/null; "
               f"echo $? > {done}")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "50"], check=True, env=env)
    try:
        subprocess.run(["tmux", "send-keys", "-t", session, command, "Enter"], check=True)
        for _ in range(300):
            if done.exists() and done.read_text().strip():
                break
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
        screen = subprocess.run(["tmux", "capture-pane", "-p", "-J", "-S", "-400", "-t", session],
                                capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    # -J joins wrapped lines: a line longer than 80 would mean the terminal wrapped it
    lines = [line for line in screen.splitlines() if line.strip()]
    assert any(line.startswith("bottlene") for line in lines)
    assert max(len(line.rstrip()) for line in lines if "cnncalc summarize" not in line) <= 80
    assert any(line.startswith("Total params:") and line.rstrip().endswith("25,557,032") for line in lines)


@pytest.mark.parametrize("name", ["resnet50", "googlenet", "lenet5"])
def test_memory_table_fits_too(name: str) -> None:
    out = _stdout("memory", name)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert not [line for line in out.splitlines() if line != line.rstrip()]
    # the byte totals under the table keep every digit: ResNet-50's 25,557,032 params and
    # 53,120 BN buffers (Keras's non-trainable count), 4 bytes each
    if name == "resnet50":
        line = next(x for x in out.splitlines() if x.startswith("Parameter bytes (with buffers):"))
        assert line.split()[-3] == "102,440,608"
