"""One home per layer kind: every registered kind has its module, its worked steps and an entry
in every target's table, and `explain` shows the numbers `summarize` computed.

A failure names the kind and the target. CPU budget: about 3 s (27 small networks, each
analysed once and explained once).
"""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from pathlib import Path

import pytest

from cnncalc import layers
from cnncalc.analysis import analyze_text
from cnncalc.conventions_onnx_tool import MACS as ONNX_TOOL_MACS
from cnncalc.diagram.labels import LABELS
from cnncalc.explain import explain
from cnncalc.export.keras_plan import _TABLE as KERAS_TABLE
from cnncalc.export.onnx_writers import _WRITERS as ONNX_WRITERS
from cnncalc.export.pytorch_kinds import EMITTERS
from cnncalc.layers import all_kinds
from cnncalc.layers.steps import count
from cnncalc.tensors import RULES as TENSOR_RULES
from cnncalc.tool_costs import KIND_COSTS

ROOT = Path(__file__).resolve().parents[1]
KINDS = all_kinds()  # every class imported (a kind's module is otherwise loaded on first use)

# Targets every registered kind must support: name -> the table keyed by `Layer.KIND`.
TARGETS = {
    "PyTorch export (cnncalc/export/pytorch_kinds.py EMITTERS)": EMITTERS,
    "ONNX export (cnncalc/export/onnx_writers.py _WRITERS)": ONNX_WRITERS,
    "Keras export (cnncalc/export/keras_plan.py _TABLE)": KERAS_TABLE,
    "diagram labels (cnncalc/diagram/labels.py LABELS)": LABELS,
    "convention costs (cnncalc/tool_costs.py KIND_COSTS)": KIND_COSTS,
    "learned tensors (cnncalc/tensors.py RULES)": TENSOR_RULES,
    "onnx-tool convention (cnncalc/conventions_onnx_tool.py MACS)": ONNX_TOOL_MACS,
}
CLASS_KINDS = sorted({k.cls.KIND for k in KINDS.values()})
SHARED = {"base", "steps", "window", "__init__"}  # the modules under layers/ that hold no kind


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("kind", CLASS_KINDS)
def test_every_kind_has_an_entry_in_every_target(kind: str, target: str) -> None:
    assert kind in TARGETS[target], f"layer kind '{kind}' has no entry in {target}"


@pytest.mark.parametrize("target", list(TARGETS))
def test_no_target_has_an_entry_for_an_unknown_kind(target: str) -> None:
    stale = set(TARGETS[target]) - set(CLASS_KINDS)
    assert not stale, f"{target} has entries for kinds that are not registered: {sorted(stale)}"


@pytest.mark.parametrize("kind", CLASS_KINDS)
def test_each_kind_lives_in_a_module_of_its_own(kind: str) -> None:
    for cls in {k.cls for k in KINDS.values() if k.cls.KIND == kind}:  # `activation` has two spellings
        assert cls.__module__ == f"cnncalc.layers.{kind}", f"kind '{kind}' lives in {cls.__module__}"


def test_every_module_under_layers_is_one_kind_or_shared() -> None:
    names = {m.name for m in pkgutil.iter_modules(layers.__path__)}
    kinds = set(CLASS_KINDS)
    assert names - SHARED == kinds, f"modules without a kind: {sorted(names - SHARED - kinds)}"
    for name in sorted(names - SHARED):
        module = importlib.import_module(f"cnncalc.layers.{name}")
        defined = {
            v.KIND for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, layers.Layer) and v.__module__ == module.__name__
        }
        assert defined == {name}, f"cnncalc/layers/{name}.py defines kinds {sorted(defined)}"


@pytest.mark.parametrize(
    "path",
    sorted(
        [*(ROOT / "cnncalc" / "layers").glob("*.py"), *(ROOT / "cnncalc" / "export").glob("pytorch*.py"),
         ROOT / "cnncalc" / "explain.py", ROOT / "cnncalc" / "conventions.py", ROOT / "cnncalc" / "tool_costs.py",
         ROOT / "cnncalc" / "diagram" / "labels.py", ROOT / "cnncalc" / "render" / "explain_text.py"]
    ),
    ids=lambda p: p.name,
)
def test_the_kind_modules_and_their_targets_stay_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines (the limit is ~400)"


# ---- explain reads what the arithmetic recorded ------------------------------------------------

# A small network using each kind once, as the last layer (a merge reads `a` and `b`).
PRELUDE = """\
input: [12, 10, 8]
layers:
  - conv: {name: a, filters: 8, f: 3, padding: same}
  - conv: {name: b, filters: 8, f: 1, from: input}
"""
SAMPLES = {
    "conv": "conv: {filters: 6, f: [3, 2], s: 2, padding: [1, 0, 1, 1], dilation: [1, 2], groups: 2}",
    "depthwise": "depthwise: {f: 3, s: 2, multiplier: 2, padding: same}",
    "deconv": "deconv: {filters: 4, f: 3, s: 2, padding: 1, output_padding: 1}",
    "local": "local: {filters: 3, f: 3, s: 2}",
    "pool": "pool: {f: 3, s: 2, ceil: true}",
    "gap": "gap",
    "gmp": "gmp",
    "adaptive_pool": "adaptive_pool: [5, 3]",
    "fc": "fc: {units: 7, bias: false}",
    "flatten": "flatten",
    "bn": "bn",
    "lrn": "lrn: {size: 3}",
    "dropout": "dropout: 0.2",
    "activation": "leaky_relu: 0.1",
    "identity": "identity",
    "zeropad": "zeropad: [1, 0, 2, 3]",
    "upsample": "upsample: {factor: [2, 3]}",
    "crop": "crop: [9, 7]",
    "split": "split: {groups: 4, index: 2}",
    "space_to_depth": "space_to_depth: 2",
    "add": "add: {from: [a, b], activation: relu}",
    "concat": "concat: {from: [a, b]}",
    "multiply": "multiply: {from: [a, b]}",
    "maximum": "maximum: {from: [a, b]}",
    "shortcut": "shortcut: {from: [a, b]}",
    "scale": "scale: {bias: true}",
    "prelu": "prelu",
    "channel_shuffle": "channel_shuffle: 4",
    "slice": "slice: {start: 2, stop: -1}",
    "layer_norm": "layer_norm",
    "layer_scale": "layer_scale: 0.001",
    "stochastic_depth": "stochastic_depth: 0.1",
    "instance_norm": "instance_norm",
    "operator": "operator: {type: Einsum, output: [12, 10, 8], params: 40, buffers: 3}",
    "reshape": "reshape: [-1, 4, 16]",
    "rescaling": "rescaling: 0.5",
    "normalization": "normalization",
    "cropping": "cropping: [1, 2, 0, 3]",
    "custom": "custom: {output: [6, 5, 4], layer: Mine}",
    "pad": "pad: {p: [1, 2, 3, 0], mode: reflect}",
    "attention": "attention: {heads: 2, key_dim: 1, head_dim: 2}",
    "dfl": "dfl: {reg_max: 2, from: [a, b]}",
}


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(CLASS_KINDS)


@pytest.mark.parametrize("kind", CLASS_KINDS)
def test_explain_shows_the_numbers_summarize_computed(kind: str) -> None:
    text = PRELUDE + f"  - {SAMPLES[kind]}\n"
    report = analyze_text(text, f"{kind}.yaml")
    row = report.rows[-1]
    assert row.leaf is not None and row.leaf.layer.KIND == kind
    (layer,) = explain(report, [row.name]).layers
    results = {}
    for step in layer.steps:
        results.setdefault(step.key, step.result)
    assert {"output", "params", "macs", "activations"} <= set(results), f"kind '{kind}' records {set(results)}"
    # the worked results are the report's figures: one computation gives both
    assert results["params"] == count(row.params), kind
    assert results["macs"] == count(row.macs), kind
    assert results["activations"] == count(row.activations), kind
    if "buffers" in results:
        assert results["buffers"] == count(row.buffers), kind


def test_summarize_records_nothing() -> None:
    """QUIET is what the graph passes: no steps are formatted while summarizing."""
    from cnncalc.layers.conv import Conv
    from cnncalc.layers.steps import QUIET, Work

    conv = Conv(filters=6, f=(5, 5))
    assert conv.infer([(32, 32, 3)], QUIET) == conv.infer([(32, 32, 3)], Work())
    assert QUIET.steps == [] and not QUIET
    work = Work()
    conv.infer([(32, 32, 3)], work)
    # the SPEC's rule by hand: (32 + 0 - 5)/1 + 1 = 28, and 5 x 5 x 3 x 6 weights + 6 biases = 456
    step = next(s for s in work.steps if s.key == "output")
    assert (step.label, step.values[0], step.result) == ("n_H = n_W", "⌊(32 + 2×0 - 5)/1⌋ + 1", "28")
    assert next(s for s in work.steps if s.key == "params").result == "456"


def test_a_kind_missing_from_the_export_table_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc.errors import CnnError
    from cnncalc.export import to_pytorch_source

    monkeypatch.delitem(EMITTERS, "lrn")
    report = analyze_text(textwrap.dedent(PRELUDE + "  - lrn\n"), "n.yaml")
    with pytest.raises(CnnError, match="export to PyTorch does not know 'lrn'"):
        to_pytorch_source(report)


def test_the_kinds_and_their_steps_import_nothing_above_them() -> None:
    """Data flows down: a kind's module, explain and the conventions import no command, renderer,
    picture or export (not even lazily), so the steps are data the renderers read."""
    import ast

    paths = [*(ROOT / "cnncalc" / "layers").glob("*.py"), ROOT / "cnncalc" / "explain.py",
             ROOT / "cnncalc" / "conventions.py", ROOT / "cnncalc" / "tool_costs.py"]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                targets = [(node.module or "").lstrip(".")] if node.module else [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                top = target.split(".")[1] if target.startswith("cnncalc.") else target.split(".")[0]
                assert top not in ("cli", "render", "diagram", "export", "rich", "click"), (path.name, target)
