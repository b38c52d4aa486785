"""Progress (issue 14 item 6): on stderr only when enabled (the CLI enables it on a terminal),
only once the work has taken half a second, and gone when it ends."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from cnncalc import progress
from cnncalc.cli import main


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shown() -> tuple[io.StringIO, Clock]:
    stream, clock = io.StringIO(), Clock()
    progress.enable(stream, clock)
    yield stream, clock
    progress.disable()


def test_nothing_before_half_a_second(shown: tuple[io.StringIO, Clock]) -> None:
    stream, clock = shown
    for n in range(100):
        progress.step("layers", n)
        clock.now += 0.004  # 0.4 s in all
    assert stream.getvalue() == ""


def test_a_line_after_half_a_second_and_erased_at_the_end(shown: tuple[io.StringIO, Clock]) -> None:
    stream, clock = shown
    for n in range(200):
        progress.step("input sizes tried", n, 200)
        clock.now += 0.01  # 2 s in all
    drawn = stream.getvalue()
    assert "input sizes tried" in drawn and "/200" in drawn
    progress.finish("input sizes tried")
    assert progress._State.shown == {}


def test_off_unless_enabled() -> None:
    progress.disable()
    progress.step("layers", 1)  # no stream, no error
    assert progress._State.shown == {}


def test_a_pipe_gets_no_progress() -> None:
    # CliRunner's stderr is not a terminal: nothing but the diagnostics, whatever the work
    result = CliRunner().invoke(main, ["constraints", "lenet5"])
    assert result.exit_code == 0 and result.stderr == ""
