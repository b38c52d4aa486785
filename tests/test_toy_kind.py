"""ARCHITECTURE.md's worked example, done the documented way: a toy kind `channel_pad` (zero
channels appended) is one class, one registry line and one entry per target table, and then it
is in summarize, explain, schema and export with no other change.

CPU budget: under 1 s (the torch check, when torch is installed, about 1 s more).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main
from cnncalc.conventions_onnx_tool import MACS as ONNX_TOOL_MACS
from cnncalc.diagram.labels import LABELS
from cnncalc.export.pytorch_kinds import EMITTERS, Code, calls
from cnncalc.graph import Leaf
from cnncalc.layers import KINDS, Kind
from cnncalc.layers.base import Arg, Cost, Layer, Shape, need_volume, positive
from cnncalc.layers.steps import QUIET, Work, count, free, num
from cnncalc.tensors import RULES as TENSOR_RULES
from cnncalc.tool_costs import KIND_COSTS, KindCosts, params_once, zero

# ---- 1. the kind's module (cnncalc/layers/channel_pad.py) ---------------------------------------


class ChannelPad(Layer):
    """`extra` channels of zeros after the input's: n_H x n_W x (n_C + extra). Nothing learned."""

    KIND = "channel_pad"
    ARGS = {"extra": Arg(positive, doc="zero channels appended")}
    MAIN_ARG = "extra"

    extra: int

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        n_c = work.let(c + self.extra, "n_C", "n_C_prev + extra", lambda: (f"{num(c)} + {self.extra}",),
                       key="output")
        if work:
            work.add("n_H, n_W", "unchanged", (), f"{count(h)}, {count(w)}", key="output")
            work.extend(free((h, w, n_c)))
        return Cost(output=(h, w, n_c))


# ---- 2. its entries in the targets' tables ------------------------------------------------------


def _emit(leaf: Leaf, inputs: list[Shape], attr: str) -> Code:
    # F.pad's pairs run from the last dimension: (W left, W right, H top, H bottom, C front, C back)
    return Code(f"nn.ConstantPad3d((0, 0, 0, 0, 0, {leaf.layer.extra}), 0.0)", calls(attr))


@pytest.fixture
def channel_pad(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(KINDS, "channel_pad", Kind("channel_pad", ChannelPad))  # the registry line
    monkeypatch.setitem(EMITTERS, "channel_pad", _emit)
    monkeypatch.setitem(LABELS, "channel_pad", lambda layer: f"channel-pad +{layer.extra}")
    monkeypatch.setitem(KIND_COSTS, "channel_pad", KindCosts(params_once, zero, zero, lambda v: (0, 0), zero))
    monkeypatch.setitem(TENSOR_RULES, "channel_pad", lambda layer, ins, out: [])  # nothing learned
    monkeypatch.setitem(ONNX_TOOL_MACS, "channel_pad", zero)
    yield


NET = """\
name: toy
input: [8, 8, 3]
layers:
  - conv: {filters: 4, f: 3}
  - channel_pad: 5
  - conv: {filters: 2, f: 1, bias: false}
"""


def _run(tmp_path: Path, *args: str) -> str:
    path = tmp_path / "toy.yaml"
    path.write_text(NET)
    result = CliRunner().invoke(main, [args[0], str(path), *args[1:]])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_toy_kind_is_summarized(channel_pad: None, tmp_path: Path) -> None:
    rows = json.loads(_run(tmp_path, "summarize", "--format", "json"))["layers"]
    pad = next(r for r in rows if r["type"] == "channel_pad")
    # by hand: conv 3x3 valid on 8x8 -> 6x6x4, then 4 + 5 = 9 channels, nothing learned
    assert pad["output"] == [6, 6, 9] and pad["params"] == 0 and pad["macs"] == 0
    # the next conv reads the 9 channels: 1 x 1 x 9 x 2 = 18 weights, 6 x 6 x 2 x 9 = 648 MACs
    assert rows[-1]["params"] == 18 and rows[-1]["macs"] == 648


def test_the_toy_kind_is_explained(channel_pad: None, tmp_path: Path) -> None:
    out = _run(tmp_path, "explain")
    assert "channel_pad1 (channel_pad): 6 x 6 x 4 → 6 x 6 x 9   [extra=5]" in out
    assert "  n_C = n_C_prev + extra = 4 + 5 = 9" in out
    assert "  activations = n_H × n_W × n_C = 6 × 6 × 9 = 324" in out


def test_the_toy_kind_is_in_the_schema(channel_pad: None) -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    toy = schema["$defs"]["kind_channel_pad"]
    assert "extra" in json.dumps(toy)


def test_the_toy_kind_is_drawn_and_counted_by_every_convention(channel_pad: None, tmp_path: Path) -> None:
    assert "channel-pad +5" in _run(tmp_path, "diagram", "--format", "mermaid")
    for convention in ("torchinfo", "fvcore", "ptflops", "darknet"):
        assert "channel_pad1" in _run(tmp_path, "summarize", "--format", "csv", "--convention", convention)


def test_the_toy_kind_is_exported(channel_pad: None, tmp_path: Path) -> None:
    source = _run(tmp_path, "export", "--to", "pytorch")
    assert "self.channel_pad1 = nn.ConstantPad3d((0, 0, 0, 0, 0, 5), 0.0)" in source
    torch = pytest.importorskip("torch")
    namespace: dict[str, object] = {}
    exec(source, namespace)  # noqa: S102 - the exported module, as a user runs it
    model = namespace["Toy"]()  # type: ignore[operator]
    # PyTorch itself agrees with the summary: 2 x 6 x 6 out, 4*3*3*3 + 4 + 9*2 = 130 parameters
    assert tuple(model(torch.zeros(1, 3, 8, 8)).shape) == (1, 2, 6, 6)
    assert sum(p.numel() for p in model.parameters()) == 130
