"""No input breaks cnncalc: whatever the bytes, the answer is a located CnnError (exit 2) or a
result, quickly, in bounded memory, and nothing in a file is ever evaluated as code."""

from __future__ import annotations

import builtins
import copy
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cnncalc import bundled, source
from cnncalc.analysis import analyze_text
from cnncalc.cli import main
from cnncalc.errors import CnnError
from cnncalc.validate import validate_text

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# the standard library's code generation from fixed strings (dataclasses' __init__ on a lazy import)
_MACHINERY = ("dataclasses", "collections", "typing", "importlib", "enum", "functools", "string")
# sympy (and mpmath) generate code with exec while they are imported: import them, lazily used
# by symbolic mode, before any guarded call, so that whatever runs under the guard is cnncalc's
analyze_text("input: [H, W, 3]\nlayers:\n  - conv: {filters: 2, f: 3, s: 2, padding: same}\n", "warm-up")


@contextmanager
def no_eval() -> Iterator[None]:
    """Nothing from a file may reach eval or exec while cnncalc runs (the standard library's
    own code generation, such as dataclasses building __init__ on a lazy import, is allowed)."""
    saved_eval, saved_exec = builtins.eval, builtins.exec

    def guard(real: Any) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.split(".")[0] in _MACHINERY:
                return real(*args, **kwargs)
            raise AssertionError(f"eval/exec called from {caller}")

        return refuse

    builtins.eval, builtins.exec = guard(saved_eval), guard(saved_exec)  # type: ignore[assignment]
    try:
        yield
    finally:
        builtins.eval, builtins.exec = saved_eval, saved_exec


def outcome(text: str, name: str = "f.yaml") -> str:
    """'ok', or the error line; any other exception fails the test."""
    try:
        with no_eval():
            analyze_text(text, name)
    except CnnError as exc:
        assert exc.loc is not None, f"error without a location: {exc.message}"
        assert exc.loc.file == name and exc.loc.line >= 1 and exc.loc.col >= 1
        assert exc.message and "\n" not in exc.message
        return str(exc)
    return "ok"


def check_validate(text: str) -> None:
    """validate never raises, and every problem it finds is located."""
    with no_eval():
        result = validate_text(text, "f.yaml")
    for p in result.problems:
        assert p.loc.file == "f.yaml" and p.loc.line >= 1 and p.loc.col >= 1
    assert result.status in (0, 1, 2)


def cli(*args: str) -> tuple[int, str, float]:
    start = time.perf_counter()
    with no_eval():
        result = CliRunner().invoke(main, list(args))
    elapsed = time.perf_counter() - start
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output, elapsed


# ---- arbitrary YAML ------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True),
    st.sampled_from(["conv", "relu", "fc", "pool", "same", "valid", "$x", "${x * 2}", "input", "3x3x3",
                     "residual", "parallel", "main", "branches", "repeat", "from", "expect", "", "~"]),
    st.text(max_size=8),
)
KEYS = st.sampled_from([
    "input", "layers", "name", "vars", "blocks", "expect", "conv", "fc", "pool", "relu", "filters", "f", "s",
    "padding", "units", "repeat", "from", "main", "shortcut", "branches", "args", "params", "output", "x",
    "max", "min", "residual", "parallel", "dropout", "bn", "groups", "dilation", "trainable",
])
TREES = st.recursive(
    SCALARS,
    lambda kids: st.one_of(st.lists(kids, max_size=5), st.dictionaries(KEYS, kids, max_size=5)),
    max_leaves=30,
)


@FAST
@given(TREES)
def test_any_yaml_data_gives_a_located_error_or_a_result(tree: Any) -> None:
    text = yaml.safe_dump(tree)
    outcome(text)
    check_validate(text)


@FAST
@given(st.dictionaries(KEYS, TREES, max_size=6).map(lambda d: {"input": [8, 8, 3], **d}))
def test_any_mapping_with_an_input(tree: dict[str, Any]) -> None:
    text = yaml.safe_dump(tree)
    outcome(text)
    check_validate(text)


YAML_CHARS = st.sampled_from(list("[]{}:,-&*!|>'\"#%@`?\n\t x3$")) | st.characters()


@FAST
@given(st.text(YAML_CHARS, max_size=80))
def test_any_text(text: str) -> None:
    outcome(text)
    check_validate(text)


# ---- mutations of the bundled architectures ----------------------------------------------------------

BUNDLED = {n: yaml.safe_load((bundled.directory() / f"{n}.yaml").read_text()) for n in bundled.names()}


def paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += paths(v, (*prefix, i))
    return out


REPLACEMENTS = [-1, 0, -(10**6), 10**9 + 1, 10**15, 10**40, "a string", "$nope", "${1/0}", [1, 2, 3], [],
                {}, None, True, 2.5, [[[]]], {"max": "5Q"}, "0x10", "1e400"]
MUTATIONS = ["remove", "rename", "replace"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BUNDLED)), st.data())
def test_mutated_bundled_files(name: str, data: st.DataObject) -> None:
    tree = copy.deepcopy(BUNDLED[name])
    path = data.draw(st.sampled_from(paths(tree)[1:]))
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    how = data.draw(st.sampled_from(MUTATIONS))
    if how == "remove":
        del parent[last]
    elif how == "rename" and isinstance(parent, dict):
        new = data.draw(st.sampled_from([f"{last}x", str(last)[:-1] or "k", "filter", "kernel", "unknown"]))
        assume(new not in parent)
        parent[new] = parent.pop(last)
    else:
        parent[last] = data.draw(st.sampled_from(REPLACEMENTS))
    text = yaml.safe_dump(tree, sort_keys=False)
    outcome(text)
    check_validate(text)


# ---- random valid networks ------------------------------------------------------------------------------


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[int], list[dict[str, Any]], list[tuple[Any, ...]]]:
    """A sequential network and the shapes it must give, worked with the course's rules:
    valid: floor((n - f)/s) + 1; same: ceil(n/s); p: floor((n + 2p - f)/s) + 1."""
    n, c = draw(st.integers(8, 64)), draw(st.integers(1, 8))
    shape: tuple[Any, ...] = (n, n, c)
    layers: list[dict[str, Any]] = []
    shapes: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["conv", "pool", "bn", "relu"]))
        size = shape[0]
        if kind == "conv":
            filters, f, s = draw(st.integers(1, 16)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
            padding = draw(st.sampled_from(["valid", "same", 0, 1, 2]))
            if padding == "same":
                out = -(-size // s)
            else:
                p = 0 if padding == "valid" else padding
                if size + 2 * p < f:
                    continue
                out = (size + 2 * p - f) // s + 1
            layers.append({"conv": {"filters": filters, "f": f, "s": s, "padding": padding}})
            shape = (out, out, filters)
        elif kind == "pool":
            f = draw(st.integers(1, 3))
            if size < f:
                continue
            layers.append({"pool": {"mode": draw(st.sampled_from(["max", "avg"])), "f": f}})
            shape = (size - f) // f + 1, (size - f) // f + 1, shape[2]
        else:
            layers.append(kind)
        shapes.append(shape)
    if draw(st.booleans()):
        units = draw(st.integers(1, 20))
        layers.append({"fc": units})
        shapes.append((units,))
    assume(layers)
    return [n, n, c], layers, shapes


@settings(max_examples=80, deadline=None)
@given(networks())
def test_random_valid_networks(net: tuple[list[int], list[dict[str, Any]], list[tuple[Any, ...]]]) -> None:
    size, layers, shapes = net
    report = analyze_text(yaml.safe_dump({"input": size, "layers": layers}), "r.yaml")
    assert [tuple(r.output) for r in report.rows] == shapes
    assert all(d > 0 for r in report.rows for d in r.output)
    c_in = size[2]
    for row, layer in zip(report.rows, layers, strict=True):
        if isinstance(layer, dict) and "conv" in layer:  # f*f*C_in*filters + filters
            spec = layer["conv"]
            assert row.params == spec["f"] ** 2 * c_in * spec["filters"] + spec["filters"]
        if len(row.output) == 3:
            c_in = row.output[2]
    totals = report.totals
    for key in ("params", "trainable", "buffers", "macs", "activations"):
        assert totals.get(key) == sum(getattr(r, key) for r in report.rows)
    assert totals.flops == 2 * totals.macs


# ---- explicit attacks -------------------------------------------------------------------------


def laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "input: [8, 8, 3]\nlayers: [relu]\nvars:\n" + "\n".join("  " + x for x in lines) + "\n"


# Cases that must load 100,000 values (or build a 10,000-layer file) before the limit trips take a
# few tenths of a second on an idle machine; they get 3 s so a busy CI runner does not make
# them flaky. The rest get 1 s.
LOADS_A_LOT = {"million flow layers", "many keys", "long network, bad last layer"}

NET = "input: [8, 8, 3]\n"
CASES: dict[str, tuple[str, str]] = {
    # name: (text, what the error says)
    "billion laughs": (laughs(), "the document expands to more than 100,000 values"),
    "repeat 10^12": (NET + "layers:\n  - relu: {repeat: 1000000000000}\n", "is more than the limit of 200,000"),
    "nested repeats": (
        NET + "blocks:\n  b: {layers: [relu: {repeat: 2000}]}\nlayers:\n  - b: {repeat: 1000}\n",
        "repeat 1,000 of 2,000 layer(s) makes more than 200,000 layers",
    ),
    # every layer up to the limit is built before the mistake in the last one is found
    "long network, bad last layer": (
        NET + "layers:\n  - conv: {filters: 4, f: 3, padding: same, repeat: 9999}\n  - fc: {units: 10, bais: 1}\n",
        "unknown key 'bais' for fc",
    ),
    "million flow layers": (NET + "layers: [" + "relu, " * 1_000_000 + "]\n", "more than 100,000 values"),
    "deep flow nesting": ("input: " + "[" * 100_000, "nesting deeper than 100 levels"),
    "deep block nesting": (NET + "layers:\n" + "- " * 100_000 + "relu\n", "nesting deeper than 100 levels"),
    "huge integer": (NET + "layers:\n  - fc: " + "9" * 100_000 + "\n", "integer with 100000 digits"),
    "huge hex integer": (NET + "layers:\n  - fc: 0x" + "f" * 10_000 + "\n", "is too large"),
    "huge sexagesimal": (NET + "layers:\n  - fc: " + ":".join(["59"] * 40) + "\n", "is too large"),
    "huge input size": ("input: [1000000000000, 8, 3]\nlayers: [relu]\n", "must be a positive integer"),
    "huge float size": (NET + "layers:\n  - fc: 1e400\n", "expected an integer"),
    "recursive alias": ("a: &a [*a]\n", "refers to an unknown anchor or to itself"),
    "python tag": ("input: !!python/object/apply:os.system ['echo hi']\nlayers: [relu]\n", "is not allowed"),
    "many keys": (
        NET + "layers: [relu]\nvars: {" + ", ".join(f"v{i}: {i}" for i in range(200_000)) + "}\n",
        "more than 100,000 values",
    ),
    "long expression": (NET + "layers:\n  - fc: '${" + "1+" * 10_000 + "1}'\n", "longer than 500"),
    "nested parentheses": (NET + "layers:\n  - fc: '${" + "(" * 200 + "1" + ")" * 200 + "}'\n",
                           "nested deeper than 50"),
    "block cycle": (NET + "blocks:\n  a: {layers: [b]}\n  b: {layers: [a]}\nlayers: [a]\n", "uses itself"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_attack_is_rejected_quickly_with_a_located_message(case: str) -> None:
    text, says = CASES[case]
    start = time.perf_counter()
    line = outcome(text, "attack.yaml")
    elapsed = time.perf_counter() - start
    assert elapsed < (3.0 if case in LOADS_A_LOT else 1.0), f"{case}: {elapsed:.2f} s"
    assert line.startswith("attack.yaml:") and ": error: " in line
    if says is not None:
        assert says in line


def test_huge_product_is_exact_not_a_crash() -> None:
    # 10^9 x 10^9 x 10^9 inputs to an fc of 10^9 units: 10^36 weights, exact Python ints
    report = analyze_text("input: [1000000000, 1000000000, 1000000000]\nlayers:\n  - fc: 1000000000\n", "f")
    assert report.totals.params == 10**36 + 10**9


@pytest.mark.parametrize(
    "expression",
    [
        "width.bit_length()", "().__class__.__bases__", "__import__('os').system('touch /tmp/pwned')",
        "abs(-3)", "width[0]", "lambda: 1", "'a' * 3", '"x"', "9**9**9**9", "2 ** 10", "width if 1 else 2",
        "[1, 2]", "{1: 2}", "1 < 2", "not 1", "1; 2", "x := 3", "width @ 2", "1.5", "1e9", "~1", "1 << 40",
        "0x10", "f'{width}'", "width,", "*width", "", "   ",
    ],
)
def test_expressions_outside_integer_arithmetic_are_errors(expression: str) -> None:
    tree = {"input": [8, 8, 3], "vars": {"width": 4}, "layers": [{"fc": "${" + expression + "}"}]}
    line = outcome(yaml.safe_dump(tree, sort_keys=False, width=1000))
    # safe_dump writes input and vars in block style (7 lines); line 8 is "- fc: VALUE"
    assert line.startswith("f.yaml:8:7: error: ")
    assert not Path("/tmp/pwned").exists()


@pytest.mark.parametrize(
    ("expression", "units"),
    [("width * 2 + 1", 9), ("(width + 2) // 4", 1), ("width % 3", 1), ("-width + 10", 6), ("width / 2", 2)],
)
def test_integer_arithmetic_on_names_is_allowed(expression: str, units: int) -> None:
    text = f'input: [8, 8, 3]\nvars: {{width: 4}}\nlayers:\n  - fc: "${{{expression}}}"\n'
    assert analyze_text(text, "f.yaml").rows[0].output == (units,)


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_deep_nesting_with_both_parsers(loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both PyYAML parsers are event-driven (no recursion), and the tree builder stops at
    MAX_DEPTH. The pure-Python scanner looks ahead up to 1,024 characters for a possible simple
    key at every level, so it needs about a second whatever the depth: bounded, not a hang."""
    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML built without {loader}")
    monkeypatch.setattr(source, "_Loader", getattr(yaml, loader))
    for text in ("input: " + "[" * 100_000, "input: " + "{a: " * 100_000, "- " * 100_000):
        start = time.perf_counter()
        assert "nesting deeper than 100 levels" in outcome(text)
        assert time.perf_counter() - start < (1.0 if loader == "CSafeLoader" else 5.0)


# ---- files -----------------------------------------------------------------------------------------


def test_100_mb_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.write(b"input: [8, 8, 3]\nlayers:\n")
        fh.write(b"  - relu\n" * (100 * 2**20 // 9))
    assert path.stat().st_size > 100 * 10**6 - 100
    tracemalloc.start()
    status, out, elapsed = cli("validate", str(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert status == 2
    limit = source.MAX_BYTES
    assert out.splitlines()[0] == f"{path}:1:1: error: file is larger than the limit of {limit:,} bytes"
    assert elapsed < 1.0
    assert peak < 3 * source.MAX_BYTES  # it reads at most MAX_BYTES + 1 bytes


def test_millions_of_layers_file(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("input: [8, 8, 3]\nlayers:\n" + "  - relu\n" * 1_500_000)  # 13.5 MB
    status, out, elapsed = cli("summarize", str(path))
    assert status == 2
    # values: 'input' and its 3 sizes, 'layers' (5), then one per line from line 3: line L
    # brings the count to L + 3, past 100,000 at line 99,998
    assert f"{path}:99998:5: error: the document expands to more than 100,000 values" in out
    assert elapsed < 3.0  # most of the file is never parsed
    tracemalloc.start()
    cli("validate", str(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 200 * 2**20


@pytest.mark.parametrize("command", ["summarize", "validate"])
def test_non_utf8_bytes(command: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: Fa\xe7ade\ninput: [8, 8, 3]\nlayers: [relu]\n")
    status, out, _ = cli(command, str(path))
    assert status == 2
    assert f"{path}:1:9: error: file is not UTF-8 text (byte 0xe7)" in out


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 10)
    status, out, elapsed = cli("validate", str(path))
    # byte 10 ends line 1, so byte 0x80 (offset 128) is on line 2, column 128 - 11 + 1
    assert status == 2 and elapsed < 1.0
    assert out.splitlines()[0] == f"{path}:2:118: error: file is not UTF-8 text (byte 0x80)"
    path.write_bytes(b"input: [8, 8, 3]\nlayers: [relu]\nname: a\x01b\n")  # UTF-8, but a control character
    status, out, _ = cli("validate", str(path))
    assert out.splitlines()[0] == f"{path}:3:8: error: invalid YAML: control character U+0001 is not allowed"


def test_directory_and_missing_file_as_file(tmp_path: Path) -> None:
    status, out, _ = cli("summarize", str(tmp_path))
    assert (status, out.strip()) == (2, f"{tmp_path}:1:1: error: is a directory, not an architecture file")
    missing = tmp_path / "nope.yaml"
    status, out, _ = cli("summarize", str(missing))
    assert status == 2
    assert out.startswith(f"{missing}:1:1: error: no such file or bundled architecture")
    status, out, _ = cli("validate", str(missing))
    assert status == 2 and out.endswith("1 file checked, 1 failed\n")


def test_unreadable_file(tmp_path: Path) -> None:
    import os

    path = tmp_path / "secret.yaml"
    path.write_text("input: [8, 8, 3]\nlayers: [relu]\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who can read anything (root)")
    status, out, _ = cli("validate", str(path))
    assert status == 2 and f"{path}:1:1: error: cannot read" in out


def test_everything_in_the_invalid_corpus_is_quick_through_summarize() -> None:
    folder = Path(__file__).parent / "invalid"
    for path in sorted(folder.glob("*.yaml")):
        status, out, elapsed = cli("summarize", str(path), "--format", "json")
        assert status in (1, 2), path.name
        assert elapsed < 1.0, path.name


def test_a_pipe_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    status, out, elapsed = cli("validate", str(pipe))
    assert status == 2 and elapsed < 1.0
    assert out.splitlines()[0] == f"{pipe}:1:1: error: is not a regular file (a pipe or device?)"


def test_a_long_symbolic_network_stops_at_its_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc import graph

    monkeypatch.setattr(graph, "SYMBOLIC_SECONDS", 0.5)  # 30 s in use; the rule, not the number
    text = "input: [H, W, 3]\nlayers:\n  - conv: {filters: 4, f: 3, s: 2, padding: same, repeat: 9000}\n"
    start = time.perf_counter()
    line = outcome(text)
    assert time.perf_counter() - start < 3.0
    assert line.startswith("f.yaml:3:5: error: conv")
    assert line.endswith("symbolic sizes took more than 0.5 s to work out up to here; give concrete sizes "
                         "with --input or --set")


@pytest.mark.parametrize("case", sorted(CASES))
def test_attack_through_the_cli_exits_2_with_one_line(case: str, tmp_path: Path) -> None:
    path = tmp_path / "attack.yaml"
    path.write_text(CASES[case][0])
    status, out, elapsed = cli("validate", str(path))
    lines = out.splitlines()
    assert status == 2
    assert len(lines) == 2 and lines[0].startswith(f"{path}:") and CASES[case][1] in lines[0]
    assert lines[1] == "1 file checked, 1 failed"
    assert elapsed < (3.0 if case in LOADS_A_LOT else 1.0)


def test_a_lone_surrogate_in_text_built_in_python() -> None:
    # only an API caller can pass one (UTF-8 decoding never yields it); found by test_any_text
    assert outcome("name: ok\nx: a\ud800") == "f.yaml:2:5: error: invalid text: U+D800 is not a Unicode character"
