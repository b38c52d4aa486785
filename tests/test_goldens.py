"""Golden outputs: every command on every bundled network, byte for byte.

They pin what the CLI prints so that a redesign (one home per layer kind) can be checked to
change nothing. A change that is meant to alter output regenerates the files it touches with
`CNNCALC_UPDATE_GOLDENS=1 python -m pytest tests/test_goldens.py` and says why in its commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "goldens"
SHARED = HERE.parents[1] / "shared" / "data"
UPDATE = os.environ.get("CNNCALC_UPDATE_GOLDENS") == "1"

CONVENTIONS = ["torchinfo", "fvcore", "ptflops", "keras", "darknet", "darknet-pjreddie"]

# (file stem, arguments after the network name)
PER_NETWORK: list[tuple[str, list[str]]] = [
    ("summarize.table", ["summarize"]),
    ("summarize.json", ["summarize", "--format", "json"]),
    ("summarize.csv", ["summarize", "--format", "csv"]),
    ("summarize.markdown", ["summarize", "--format", "markdown"]),
    ("summarize.depth1", ["summarize", "--depth", "1"]),
    ("summarize.rf", ["summarize", "--format", "csv", "--columns", "rf,jump"]),
    ("summarize.savings", ["summarize", "--savings"]),
    ("summarize.course", ["summarize", "--format", "course"]),
    ("summarize.variables", ["summarize", "--format", "variables"]),
    *((f"summarize.{c}", ["summarize", "--format", "csv", "--convention", c]) for c in CONVENTIONS),
    ("explain.text", ["explain"]),
    ("explain.ascii", ["explain", "--ascii"]),
    ("explain.markdown", ["explain", "--format", "markdown"]),
    ("memory.table", ["memory"]),
    ("memory.json", ["memory", "--format", "json", "--optimizer", "adam", "--batch", "8"]),
    ("diagram.svg", ["diagram"]),
    ("diagram.mermaid", ["diagram", "--format", "mermaid"]),
    ("diagram.dot", ["diagram", "--format", "dot"]),
    ("export.pytorch", ["export", "--to", "pytorch"]),
    ("validate.text", ["validate"]),
    ("validate.json", ["validate", "--format", "json"]),
]

# whole command lines that are not one per network
SINGLE: list[tuple[str, list[str]]] = [
    ("calc.conv", ["calc", "600x600x3", "conv 10 f=3 s=2 x4", "fc 1"]),
    ("calc.explain", ["calc", "32x32x3", "conv 8 f=5 s=1 p=same", "pool f=2", "--explain"]),
    ("compare.alexnet", ["compare", "alexnet", "alexnet_no_fc7"]),
    ("compare.json", ["compare", "naive_5x5", "bottleneck_5x5", "--format", "json"]),
    ("constraints.vgg16", ["constraints", "vgg16"]),
    ("constraints.resnet50", ["constraints", "resnet50", "--format", "json"]),
    ("summarize.symbolic", ["summarize", "lenet5", "--input", "HxWx1"]),
    ("summarize.sweep", ["summarize", "popquiz", "--input", "299x299x3", "--input", "227x227x3"]),
    ("list.table", ["list"]),
    ("list.json", ["list", "--format", "json"]),
    ("schema", ["schema"]),
]

IMPORTED = sorted(SHARED.glob("*/*.cfg")) + sorted(SHARED.glob("*/*.prototxt"))

# Every command on the twelve course networks, and on a sample of the zoo that uses each of its
# kinds and features (SE composites, a chosen activation, channel_shuffle and split, layer_norm,
# layer_scale, stochastic_depth, repeat: 0, deconv and a block-argument `from`): all ~45 zoo
# networks would take CI past its budget. tests/test_zoo_torch.py checks each of them.
CLASSIC = ["alexnet", "alexnet_no_fc7", "bottleneck_5x5", "googlenet", "inception3a", "lenet5", "lenet5_rgb",
           "naive_5x5", "popquiz", "resnet18", "resnet50", "vgg16"]
ZOO_SAMPLE = ["convnext_tiny", "efficientnet_b0", "mobilenet_v3_large", "shufflenet_v2_x0_5", "unet_small"]
NETWORKS = CLASSIC + ZOO_SAMPLE


def _invoke(args: list[str]) -> str:
    result = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"}).invoke(main, args)
    return f"$ cnncalc {' '.join(args)}\n[exit {result.exit_code}]\n{result.output}"


def _compare(path: Path, text: str) -> None:
    # an internal error is never an output worth pinning (a regenerated golden once held one)
    assert "\n[exit 3]\n" not in text, f"internal error in {path.relative_to(HERE)}:\n{text[-500:]}"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden {path.relative_to(HERE)}; regenerate with CNNCALC_UPDATE_GOLDENS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"output differs from {path.relative_to(HERE)}"


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize(("stem", "args"), PER_NETWORK, ids=[s for s, _ in PER_NETWORK])
def test_network_golden(network: str, stem: str, args: list[str]) -> None:
    command = [args[0], network, *args[1:]]
    _compare(GOLDEN / network / f"{stem}.txt", _invoke(command))


@pytest.mark.parametrize(("stem", "args"), SINGLE, ids=[s for s, _ in SINGLE])
def test_single_golden(stem: str, args: list[str]) -> None:
    _compare(GOLDEN / "_commands" / f"{stem}.txt", _invoke(args))


@pytest.mark.skipif(not IMPORTED, reason="../shared/data is not beside the checkout")
@pytest.mark.parametrize("source", IMPORTED, ids=[p.name for p in IMPORTED])
def test_imported_golden(source: Path) -> None:
    text = _invoke(["import", str(source)]) + _invoke(["summarize", str(source), "--format", "csv"])
    text = text.replace(str(SHARED), "SHARED")
    _compare(GOLDEN / "_imported" / f"{source.name}.txt", text)
