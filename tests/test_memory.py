"""cnncalc/memory.py and `cnncalc memory`: bytes per layer, training estimate, inference peak."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cnncalc.analysis import analyze_text
from cnncalc.cli import main, read_source
from cnncalc.memory import estimate


def bundled(name: str, dtype: str = "float32"):
    text, display = read_source(name)
    return analyze_text(text, display, {}, None, dtype)


def test_inception3a_peak_worked_by_hand() -> None:
    # Values per tensor (28 x 28 = 784 positions): input 192 ch = 150,528; b1.conv1 64 = 50,176;
    # b2.conv1 96 = 75,264; b2.conv2 128 = 100,352; b3.conv1 16 = 12,544; b3.conv2 32 = 25,088;
    # b4.pool1 192 = 150,528; b4.conv1 32 = 25,088; concat 256 = 200,704.
    # The input is read by b1.conv1, b2.conv1, b3.conv1 and b4.pool1: it lives until step 6.
    # Alive while each layer runs (before it + its output), then what is freed:
    #   1 b1.conv1: input + b1               = 150,528 + 50,176        = 200,704
    #   2 b2.conv1: input + b1 + b2c1        = 200,704 + 75,264        = 275,968
    #   3 b2.conv2: input + b1 + b2c1 + b2c2 = 275,968 + 100,352       = 376,320; free b2c1 -> 301,056
    #   4 b3.conv1: input + b1 + b2c2 + b3c1 = 301,056 + 12,544        = 313,600
    #   5 b3.conv2: ... + b3c2               = 313,600 + 25,088        = 338,688; free b3c1 -> 326,144
    #   6 b4.pool1: input+b1+b2c2+b3c2+pool  = 326,144 + 150,528       = 476,672; free input -> 326,144
    #   7 b4.conv1: b1+b2c2+b3c2+pool+b4c1   = 326,144 + 25,088        = 351,232; free pool -> 200,704
    #   8 concat:   4 branch outputs + concat= 200,704 + 200,704       = 401,408
    # Peak 476,672 values at b4.pool1: the 3x3 max pool keeps a full copy of the input alive.
    m = estimate(bundled("inception3a"))
    live = [150_528 + 50_176, 275_968, 376_320, 313_600, 338_688, 476_672, 351_232, 401_408]
    assert [r.live_bytes for r in m.layers] == [4 * v for v in live]
    assert m.peak_bytes == 4 * 476_672 == 1_906_688
    assert m.peak_layer == "inception3a.b4.pool1"


RESIDUAL = """
input: 8x8x16
layers:
  - residual:
      name: res
      main:
        - conv: {filters: 4, f: 1}
        - conv: {filters: 4, f: 3, padding: 1}
        - conv: {filters: 16, f: 1}
"""

PLAIN = """
input: 8x8x16
layers:
  - conv: {filters: 4, f: 1}
  - conv: {filters: 4, f: 3, padding: 1}
  - conv: {filters: 16, f: 1}
"""


def test_residual_block_peak_worked_by_hand() -> None:
    # 8 x 8 = 64 positions: input 16 ch = 1,024 values; conv1 4 = 256; conv2 4 = 256; conv3 16
    # = 1,024; add 1,024. The identity shortcut keeps the input alive until the add.
    #   conv1: input + c1          = 1,024 + 256   = 1,280
    #   conv2: input + c1 + c2     = 1,280 + 256   = 1,536; free c1 -> 1,280
    #   conv3: input + c2 + c3     = 1,280 + 1,024 = 2,304; free c2 -> 2,048
    #   add:   input + c3 + add    = 2,048 + 1,024 = 3,072  <- peak; free input and c3 -> 1,024
    m = estimate(analyze_text(RESIDUAL, "r.yaml", {}, None, "float32"), "float16")
    assert [r.live_bytes for r in m.layers] == [2 * v for v in (1_280, 1_536, 2_304, 3_072)]
    assert (m.peak_bytes, m.peak_layer) == (2 * 3_072, "res.add")
    assert m.layers[-1].freed == ("input", "res.main.conv3")  # the output itself is kept


def test_without_the_skip_the_input_is_freed_early() -> None:
    # Same layers, no shortcut: input freed after conv1.
    #   conv1: 1,024 + 256 = 1,280; free input -> 256
    #   conv2: 256 + 256   = 512;   free c1 -> 256
    #   conv3: 256 + 1,024 = 1,280  (peak ties conv1; the first is named)
    m = estimate(analyze_text(PLAIN, "p.yaml", {}, None, "float32"))
    assert [r.live_bytes for r in m.layers] == [4 * v for v in (1_280, 512, 1_280)]
    assert (m.peak_bytes, m.peak_layer) == (4 * 1_280, "conv1")


@pytest.mark.parametrize(("optimizer", "states"), [("sgd", 0), ("momentum", 1), ("adam", 2)])
def test_training_estimate_lenet5(optimizer: str, states: int) -> None:
    # LeNet-5: 61,706 params, all trainable, no buffers (SPEC §1 example). float32 = 4 B.
    # Activations: input 32*32*1 = 1,024; conv1 28*28*6 = 4,704; pool1 14*14*6 = 1,176;
    # conv2 10*10*16 = 1,600; pool2 5*5*16 = 400; fc 120 + 84 + 10 = 214
    # sum with the input = 9,118 values, x batch 8 x 4 B = 291,776.
    m = estimate(bundled("lenet5"), "float32", optimizer, batch=8)
    t = m.training
    assert t.weights == 61_706 * 4 == 246_824
    assert t.gradients == 246_824
    assert t.optimizer_state == states * 246_824
    assert t.activations == 9_118 * 8 * 4 == 291_776
    assert t.total == (2 + states) * 246_824 + 291_776


@pytest.mark.parametrize(("dtype", "size"), [("float32", 4), ("float16", 2), ("bfloat16", 2), ("int8", 1)])
def test_dtype_sizes(dtype: str, size: int) -> None:
    m = estimate(bundled("lenet5"), dtype)
    assert m.layers[0].activation_bytes == 28 * 28 * 6 * size
    # conv1: 5*5*1*6 + 6 = 156 params
    assert m.layers[0].param_bytes == 156 * size
    # lenet5 peak at pool1: conv1 (4,704) still alive while pool1 (1,176) is written = 5,880
    assert (m.peak_bytes, m.peak_layer) == (5_880 * size, "pool1")


def test_buffers_count_as_weights_not_gradients() -> None:
    # bn on 4 channels: 2*4 = 8 params (gamma, beta) + 8 buffers (running mean, variance).
    report = analyze_text("input: 2x2x4\nlayers: [bn]\n", "b.yaml", {}, None, "float32")
    m = estimate(report, "float32", "adam")
    assert m.training.weights == 16 * 4
    assert m.training.gradients == 8 * 4
    assert m.training.optimizer_state == 2 * 8 * 4


def test_cli_json_and_table() -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["memory", "inception3a", "--format", "json", "--dtype", "int8"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["inference_peak"] == {"bytes": 476_672, "layer": "inception3a.b4.pool1"}
    table = runner.invoke(main, ["memory", "resnet18", "--optimizer", "momentum", "--batch", "2"])
    assert table.exit_code == 0 and "Inference peak" in table.output


def test_cli_symbolic_input_is_refused() -> None:
    out = CliRunner().invoke(main, ["memory", "lenet5", "--input", "HxWx1"])
    assert out.exit_code == 2
    assert "error: memory needs a concrete input size" in out.output


def test_table_title_names_the_file_when_the_network_has_no_name(tmp_path, monkeypatch) -> None:
    # one 3x3 'same' conv on 4x4x1: input 16 values x 4 B = 64 B, output 16 x 4 = 64 B.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "anon.yaml").write_text("input: [4, 4, 1]\nlayers:\n  - conv: {filters: 1, f: 3, padding: same}\n")
    out = CliRunner().invoke(main, ["memory", "anon.yaml"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].startswith("anon.yaml  (float32, 4 B per value, batch 1)")
    assert "Inference peak (at conv1):" in out.output and "128 (128 B)" in out.output  # 64 + 64
