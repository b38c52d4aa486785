"""One CLI (issue 14 item 4): `table` everywhere, -o/--output, shared options with one help
text, --set naming no variable, export's default target, help within 80 columns and without
README references, `-` for standard input, click's shell completion."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cnncalc.cli import main

COMMANDS = ["summarize", "explain", "validate", "check", "compare", "list", "schema", "import", "export",
            "calc", "diagram", "memory", "report", "constraints", "lsp"]


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def helps() -> dict[str, str]:
    return {c: run(c, "--help")[1] for c in COMMANDS}


def option_helps(option: str) -> dict[str, str]:
    """The help text of `option` in every command that has it."""
    ctx = click.Context(main)
    out = {}
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        for param in command.params:
            if option in getattr(param, "opts", ()):
                out[name] = param.help
    return out


def test_help_fits_80_columns_and_names_no_readme() -> None:
    for command, text in {"": run("--help")[1], **helps()}.items():
        assert text, command
        assert not [line for line in text.splitlines() if len(line) > 80], command
        assert "README" not in text, command


@pytest.mark.parametrize("option", ["--input", "--set", "--dtype", "--convention", "--strict", "--depth", "--output"])
def test_shared_options_say_the_same_everywhere(option: str) -> None:
    texts = option_helps(option)
    if option == "--input":  # constraints' --input is a symbolic size, and says so
        texts.pop("constraints")
        texts = {c: t.removesuffix(" Repeat it to compare sizes side by side.") for c, t in texts.items()}
    if option == "--depth":  # the page opens folded at 1 and unfolds
        texts["report"] = texts["report"].removesuffix(" (the page unfolds them).") + "."
    assert len(texts) >= 3, texts
    assert len(set(texts.values())) == 1, texts


def test_table_is_the_human_format_everywhere() -> None:
    for command, text in helps().items():
        formats = re.search(r"--format \[([^\]]*)\]", text)
        if formats and command != "diagram":
            assert formats.group(1).split("|")[0] == "table", command
            assert "text" not in formats.group(1).split("|"), command
    # the old name still works where it was the default
    assert run("validate", "lenet5", "--format", "text")[1] == run("validate", "lenet5")[1]


@pytest.mark.parametrize("args", [
    ["summarize", "lenet5"], ["summarize", "lenet5", "--format", "json"], ["explain", "lenet5", "conv1"],
    ["validate", "lenet5"], ["compare", "lenet5", "lenet5_rgb"], ["list"], ["schema", "output"],
    ["export", "lenet5"], ["calc", "8x8x1", "conv 2 f=3"], ["diagram", "lenet5", "--format", "dot"],
    ["memory", "lenet5"], ["constraints", "vgg16"], ["import", "lenet5"],
])
def test_output_option_writes_what_stdout_would(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "out.txt"
    if args[0] == "import":
        src = tmp_path / "t.cfg"
        src.write_text("[net]\nheight=8\nwidth=8\nchannels=1\n[convolutional]\nfilters=2\nsize=3\n")
        args = ["import", str(src)]
    status, out, _ = run(*args)
    status_o, out_o, _ = run(*args, "-o", str(path))
    assert status == status_o == 0 and out_o == ""
    assert path.read_text() == out


def test_set_naming_no_variable_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("vars: {width: 4}\ninput: [8, 8, 3]\nlayers: [conv: {filters: $width, f: 1}]\n")
    status, _, err = run("summarize", str(path), "--set", "widht=3")
    assert status == 2
    assert err.strip() == (f"{path}:1:1: error: --set widht: the file has no var or symbolic size "
                           "named 'widht' (did you mean 'width'?)")
    assert run("summarize", str(path), "--set", "width=3", "--format", "csv")[1].splitlines()[1].startswith(
        "conv1,conv,input,8x8x3,")
    # a symbolic size is a name --set may give (H from the input)
    assert run("summarize", "lenet5", "--input", "HxWx1", "--set", "H=32", "--set", "W=32")[0] == 0
    status, _, err = run("summarize", "resnet18", "--set", "filters=3")  # a block argument, not a var
    assert status == 2 and "no var or symbolic size named 'filters'" in err


def test_export_defaults_to_pytorch() -> None:
    assert run("export", "lenet5")[1] == run("export", "lenet5", "--to", "pytorch")[1]


def test_dash_reads_standard_input() -> None:
    text = (Path(__file__).parents[1] / "architectures" / "lenet5.yaml").read_text()
    status, out, _ = run("summarize", "-", "--format", "csv", stdin=text)
    assert status == 0 and out == run("summarize", "lenet5", "--format", "csv")[1]
    status, _, err = run("summarize", "-", stdin="input: [8, 8]\nlayers: [relu]\n")
    assert status == 2 and err.startswith("<stdin>:1:8: error:")


def test_shell_completion_script() -> None:
    result = CliRunner(env={"_CNNCALC_COMPLETE": "bash_source"}).invoke(main, [], prog_name="cnncalc")
    assert "_cnncalc_completion()" in result.stdout
    assert "complete -o nosort -F _cnncalc_completion cnncalc" in result.stdout
