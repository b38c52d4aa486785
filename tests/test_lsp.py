"""`cnncalc lsp` driven as an editor drives it: a subprocess spoken to in JSON-RPC over stdio.

Numbers are checked against hand-worked formulas (LeNet-5's conv1: (5*5*1 + 1)*6 = 156 params,
28*28*6 * 5*5*1 = 117,600 MACs) and messages against what `cnncalc validate` prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from click.testing import CliRunner  # noqa: E402
from lsp_client import Client, apply_edit  # noqa: E402

from cnncalc.cli import main  # noqa: E402
from cnncalc.layers import KIND_ALIASES, KINDS  # noqa: E402

ARCH = Path(__file__).resolve().parents[1] / "architectures"
LENET = (ARCH / "lenet5.yaml").read_text()
RESNET = (ARCH / "resnet50.yaml").read_text()


@pytest.fixture(scope="module")
def client():
    c = Client()
    caps = c.initialize()["capabilities"]
    assert caps["inlayHintProvider"] and caps["hoverProvider"] and caps["definitionProvider"]
    yield c
    c.close()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n")) if needle in line)


def labels(client: Client, uri: str) -> dict[int, str]:
    return {h["position"]["line"]: h["label"] for h in client.inlay_hints(uri)}


def cli_lines(text: str, tmp_path: Path, name: str = "net.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    out = CliRunner().invoke(main, ["validate", str(path)])
    return [line for line in out.output.splitlines() if ": error: " in line or ": warning: " in line]


# ---- diagnostics ----------------------------------------------------------------------------------


def test_diagnostics_on_open_are_the_cli_lines(client, tmp_path):
    text = LENET.replace("padding: valid", "paddin: valid").replace("params: 61706", "params: 61700")
    uri = "file:///virtual/lenet_typo.yaml"
    client.open(uri, text)
    found = client.wait_diagnostics(uri, 1)
    expected = cli_lines(text, tmp_path)
    assert len(found) == len(expected) == 1
    d = found[0]
    where = f"{d['range']['start']['line'] + 1}:{d['range']['start']['character'] + 1}"
    assert expected[0].endswith(f":{where}: error: {d['message']}")
    assert "did you mean 'padding'?" in d["message"] and d["severity"] == 1


def test_failed_expect_and_warning_are_diagnostics(client, tmp_path):
    text = LENET.replace("params: 61706", "params: 61700").replace("- pool: {mode: max, f: 2, s: 2}\n  - fc",
                                                                  "- pool: {mode: max, f: 2, s: 3}\n  - fc")
    uri = "file:///virtual/lenet_expect.yaml"
    client.open(uri, text)
    found = client.wait_diagnostics(uri, 1)
    messages = sorted(d["message"] for d in found)
    cli = [re.match(r".*?:\d+:\d+: (?:error|warning): (.*)$", line).group(1) for line in cli_lines(text, tmp_path)]
    assert messages == sorted(cli) and len(found) == 2
    # pool f 2, s 3 on 10 x 10: (10 - 2)/3 is not whole, so a warning (severity 2) as the CLI's
    assert any(d["severity"] == 2 and d["message"].startswith("pool2:") for d in found)
    assert any(d["message"].startswith("expected network params 61,700") for d in found)


def test_an_edit_fixes_and_a_half_line_keeps_the_last_hints(client):
    uri = "file:///virtual/lenet_edit.yaml"
    client.open(uri, LENET)
    assert client.wait_diagnostics(uri, 1) == []
    before = labels(client, uri)
    conv = line_of(LENET, "filters: 16")
    client.change(uri, 2, "  - conv: {filters: 16, f: 5, activ\n", line=conv)  # half typed
    broken = client.wait_diagnostics(uri, 2)
    assert len(broken) == 1 and broken[0]["severity"] == 1
    assert labels(client, uri) == before  # the last good analysis stays
    client.change(uri, 3, "   - conv: {filters: 16}\n", line=conv)  # a bad indent
    assert client.wait_diagnostics(uri, 3)
    assert labels(client, uri) == before
    client.change(uri, 4, "  - conv: {filters: 16, f: 3, activation: relu}\n", line=conv)
    # the whole network's params: 61,706 - (5*5*6 + 1)*16 + (3*3*6 + 1)*16, and fc1 now reads
    # 6*6*16 = 576 values, not 400: + 576*120 - 400*120 = 81,290
    assert [d["message"] for d in client.wait_diagnostics(uri, 4)] == ["expected network params 61,706, found 81,290"]
    after = labels(client, uri)
    # f: 3 on 14 x 14: n = 14 - 3 + 1 = 12; params (3*3*6 + 1)*16 = 880; MACs 12*12*16 * 3*3*6 = 124,416
    assert after[conv] == "-> 12 x 12 x 16 · 880 params · 124.4K MACs"


def test_every_truncation_of_resnet50_is_survived(client):
    uri = "file:///virtual/resnet_cut.yaml"
    client.open(uri, RESNET)
    first = client.wait_diagnostics(uri, 1)
    good = labels(client, uri)
    lines = RESNET.split("\n")
    for version, cut in enumerate(range(1, len(lines), 3), start=2):
        client.change(uri, version, "\n".join(lines[:cut]) + "\n  - conv: {filt")
        client.wait_diagnostics(uri, version)
    assert client.proc.poll() is None
    client.change(uri, 1000, RESNET)
    assert client.wait_diagnostics(uri, 1000) == first
    assert labels(client, uri) == good


# ---- inlay hints and hover ------------------------------------------------------------------------


def test_inlay_hints_for_lenet5(client):
    uri = "file:///virtual/lenet_hints.yaml"
    client.open(uri, LENET)
    client.wait_diagnostics(uri, 1)
    hints = client.inlay_hints(uri)
    by_line = {h["position"]["line"]: h for h in hints}
    conv1 = line_of(LENET, "filters: 6,")
    assert by_line[conv1]["label"] == "-> 28 x 28 x 6 · 156 params · 117.6K MACs"
    assert by_line[conv1]["position"]["character"] == len(LENET.split("\n")[conv1])
    # fc 120 on 5*5*16 = 400 inputs: 400*120 + 120 = 48,120 params, 48,000 MACs
    assert by_line[line_of(LENET, "units: 120")]["label"] == "-> [120] · 48.1K params · 48.0K MACs"
    assert len(hints) == 7


def test_inlay_hints_for_a_block_use_and_its_definition(client):
    uri = "file:///virtual/resnet_hints.yaml"
    client.open(uri, RESNET)
    client.wait_diagnostics(uri, 1)
    found = labels(client, uri)
    # three bottlenecks of width 64 on 56 x 56 x 64: the first with a projection
    assert found[line_of(RESNET, "width: 64, repeat: 3")].startswith("-> 56 x 56 x 256 · 215.8K params")
    assert found[line_of(RESNET, "width: 64, repeat: 3")].endswith("· ×3")
    assert found[line_of(RESNET, "- conv: {filters: $width, f: 1")].startswith("-> 56 x 56 x 64 … 7 x 7 x 512")


def test_hover_shows_costs_and_explain_steps(client):
    uri = "file:///virtual/lenet_hover.yaml"
    client.open(uri, LENET)
    client.wait_diagnostics(uri, 1)
    hover = client.at("textDocument/hover", uri, line_of(LENET, "filters: 6,"), 6)
    text = hover["contents"]["value"]
    assert hover["contents"]["kind"] == "markdown"
    assert "32 x 32 x 1 → 28 x 28 x 6" in text
    assert "params: 156 = 150 weights + 6 biases" in text
    assert "MACs: 117,600" in text and "receptive field: 5, jump 1" in text
    explained = CliRunner().invoke(main, ["explain", "lenet5", "conv1", "--format", "markdown"]).output
    steps = [line for line in explained.splitlines() if line.startswith("- `")]
    assert steps and all(step in text for step in steps)
    assert client.at("textDocument/hover", uri, 0, 0) is None  # `name:` is not a layer


# ---- completion -----------------------------------------------------------------------------------




@pytest.fixture
def editing(client):
    uri = "file:///virtual/resnet_edit.yaml"
    client.open(uri, RESNET)
    client.wait_diagnostics(uri, 1)
    state = {"version": 1}

    def complete(line_text: str, line: int) -> list[str]:
        """Completion at the end of `line_text` (which may span lines) inserted before `line`."""
        lines = RESNET.split("\n")
        lines.insert(line, line_text)
        state["version"] += 1
        client.change(uri, state["version"], "\n".join(lines))
        client.wait_diagnostics(uri, state["version"])
        *above, last = line_text.split("\n")
        result = client.at("textDocument/completion", uri, line + len(above), len(last))
        return [i["label"] for i in result["items"]]

    return complete


def test_completion_of_kinds_from_the_registry(editing):
    found = editing("  - ", line_of(RESNET, "  - gap"))
    assert set(KINDS) | set(KIND_ALIASES) | {"residual", "parallel", "bottleneck"} <= set(found)


def test_completion_of_keys_and_values(editing):
    at = line_of(RESNET, "  - gap")
    assert {"filters", "f", "s", "padding", "dilation", "groups", "bias", "kernel_size", "from", "expect"} <= set(
        editing("  - conv: {filters: 8, ", at))
    assert editing("  - conv: {filters: 8, f: 3, padding: ", at)[:2] == ["valid", "same"]
    assert editing("  - pool: {mode: ", at) == ["max", "avg"]
    assert editing("  - conv: {f: 1, filters: 2, bias: ", at) == ["true", "false"]
    assert {"width", "s"} <= set(editing("  - bottleneck: {", at))
    assert {"params", "output", "macs"} <= set(editing("  - conv: {expect: {", at))
    names = editing("  - add: {from: [pool1, ", at)
    assert {"input", "conv1", "pool1", "bottleneck1.add"} <= set(names)


def test_completion_of_block_style_keys_and_vars(editing):
    body = line_of(RESNET, "- conv: {filters: $width, f: 1")
    assert editing("            - conv: {filters: $", body) == ["$width", "$s"]
    at = line_of(RESNET, "  - gap")
    lines = ["  - pool:", "      "]
    found = editing("\n".join(lines), at)  # the cursor at the end of the indented empty line
    assert {"mode", "f", "s", "ceil"} <= set(found)


# ---- go to definition -----------------------------------------------------------------------------


def test_definition_of_block_var_and_from(client):
    text = RESNET.replace("  - gap\n", "  - gap\n  - fc: {units: 10, from: gap1}\n")
    uri = "file:///virtual/resnet_def.yaml"
    client.open(uri, text)
    client.wait_diagnostics(uri, 1)
    use = line_of(text, "width: 128, s: 2")
    found = client.at("textDocument/definition", uri, use, 6)
    assert found["range"]["start"] == {"line": line_of(text, "  bottleneck:"), "character": 2}
    var = line_of(text, "filters: $width, f: 1")
    found = client.at("textDocument/definition", uri, var, text.split("\n")[var].index("$width") + 2)
    assert found["range"]["start"] == {"line": line_of(text, "args: {width"), "character": 11}
    ref = line_of(text, "from: gap1")
    found = client.at("textDocument/definition", uri, ref, text.split("\n")[ref].index("gap1") + 1)
    assert found["range"]["start"]["line"] == line_of(text, "  - gap")


# ---- code actions ---------------------------------------------------------------------------------


def apply_first(client: Client, uri: str, text: str, line: int, title: str) -> str:
    found = [a for a in client.code_actions(uri, line) if title in a["title"]]
    assert found, client.code_actions(uri, line)
    (edit,) = found[0]["edit"]["changes"][uri]
    return apply_edit(text, edit)


def test_code_action_sets_expect_to_the_computed_value(client):
    text = LENET.replace("params: 61706", "params: 60000")
    uri = "file:///virtual/lenet_fix_expect.yaml"
    client.open(uri, text)
    assert len(client.wait_diagnostics(uri, 1)) == 1
    fixed = apply_first(client, uri, text, line_of(text, "params: 60000"), "Set expect params")
    assert fixed == LENET  # 61,706: LeCun's LeNet-5 as the course modifies it (lenet5.yaml's reference)
    client.change(uri, 2, fixed)
    assert client.wait_diagnostics(uri, 2) == []


def test_code_action_fixes_padding_to_keep_n_h(client):
    uri = "file:///virtual/lenet_fix_pad.yaml"
    client.open(uri, LENET)
    client.wait_diagnostics(uri, 1)
    conv1 = line_of(LENET, "filters: 6,")
    fixed = apply_first(client, uri, LENET, conv1, "padding to same")
    assert "padding: same" in fixed.split("\n")[conv1]
    conv2 = line_of(fixed, "filters: 16")
    fixed = apply_first(client, uri, fixed, conv2, "padding: same")
    client.change(uri, 2, fixed.replace("params: 61706", "params: 1"))
    client.wait_diagnostics(uri, 2)
    found = labels(client, uri)
    assert found[conv1].startswith("-> 32 x 32 x 6 ")  # same at stride 1: n_H kept
    assert found[conv2].startswith("-> 16 x 16 x 16 ")  # 32 -> pool 16 -> kept 16


def test_code_action_applies_did_you_mean(client):
    text = LENET.replace("- fc: {units: 84", "- fcc: {units: 84")
    uri = "file:///virtual/lenet_fix_kind.yaml"
    client.open(uri, text)
    (d,) = client.wait_diagnostics(uri, 1)
    assert "did you mean 'fc'?" in d["message"]
    fixed = apply_first(client, uri, text, d["range"]["start"]["line"], "Replace with 'fc'")
    assert fixed == LENET


# ---- other formats, and the missing extra ---------------------------------------------------------

DARKNET = """[net]
height=32
width=32
channels=3

[convolutional]
filters=16
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2
"""


def test_a_darknet_cfg_gets_hints_and_hover(client):
    uri = "file:///virtual/tiny.cfg"
    client.open(uri, DARKNET)
    # Darknet pads a maxpool by size - 1 (its own rule): a floor that leaves only padding
    # uncovered, the CLI's note, shown as information (3), nothing worse
    assert [d["severity"] for d in client.wait_diagnostics(uri, 1)] == [3]
    found = labels(client, uri)
    # 3x3 conv, pad 1, 16 filters on 32 x 32 x 3: (3*3*3)*16 = 432 weights; Darknet's conv has
    # a bias (or BN) per filter: 16 more
    conv = next(line for line, label in found.items() if label.startswith("-> 32 x 32 x 16"))
    assert "448 params" in found[conv]
    assert any(label.startswith("-> 16 x 16 x 16") for label in found.values())
    hover = client.at("textDocument/hover", uri, conv, 0)
    assert "MACs: 442,368" in hover["contents"]["value"]  # 32*32*16 * 3*3*3


def test_without_pygls_one_line_and_exit_2(monkeypatch):
    import cnncalc.lsp

    monkeypatch.setattr(cnncalc.lsp, "pygls_available", lambda: False)
    result = CliRunner().invoke(main, ["lsp"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["error: the language server needs pygls: pip install 'cnncalc[lsp]'"]


def test_no_pygls_import_on_the_main_path():
    import subprocess
    import sys

    code = "import sys, cnncalc.cli; assert 'pygls' not in sys.modules and 'lsprotocol' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_messages_name_no_path_from_the_uri(client):
    uri = "file:///virtual/dir%20with%20space/bad.yaml"
    client.open(uri, "input: [32, 32, 1]\nlayers:\n  - conv: {filters: 0, f: 3}\n")
    (d,) = client.wait_diagnostics(uri, 1)
    assert not re.search(r"virtual|%20", d["message"])
