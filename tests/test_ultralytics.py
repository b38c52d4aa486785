"""Ultralytics model YAMLs (issue 18): read as parse_model reads them, counted as model.info() counts.

Every number here was printed by Ultralytics itself (`model.info()`, recorded with the command,
Ultralytics and thop versions in tests/data/ultralytics/reference.json). The YAMLs are the
repository's own test copies (tests/data/ultralytics/yaml/, each naming the file it follows),
so CI checks every number without Ultralytics; where Ultralytics is installed, its shipped
originals are read too. CPU budget: about 5 s for the whole file.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc.analysis import analyze_node, analyze_text
from cnncalc.cli import main
from cnncalc.conventions import apply
from cnncalc.errors import CnnError
from cnncalc.importers import detect
from cnncalc.importers import ultralytics as U
from cnncalc.report import fold

DATA = Path(__file__).parent / "data" / "ultralytics"
YAMLS = DATA / "yaml"


@cache
def reference() -> dict[str, Any]:
    return json.loads((DATA / "reference.json").read_text())


def split_name(model: str) -> tuple[str, str]:
    """'yolov8s-seg' -> ('yolov8-seg.yaml', 's'); 'yolov10b' -> ('yolov10b.yaml', 'b')."""
    if model.startswith("yolov10"):
        return f"{model}.yaml", ""
    m = re.fullmatch(r"(yolov?\d+)([nsmlx])(-\w+)?", model)
    assert m is not None, model
    return f"{m.group(1)}{m.group(3) or ''}.yaml", m.group(2)


def counted(path: Path, scale: str | None = None, name: str | None = None) -> Any:
    text = path.read_text()
    filename = name or path.name
    root = U.load(text, filename, scale=scale or None)
    return apply(analyze_node(root, filename), "ultralytics")


# ---- the first two, by their YAML comments (independent of the recorded file) -------------


@pytest.mark.parametrize(
    ("model", "params", "gradients", "gflops"),
    [
        # yolov8.yaml: "YOLOv8n summary: 129 layers, 3157200 parameters, 3157184 gradients, 8.9 GFLOPs"
        ("yolov8n", 3_157_200, 3_157_184, "8.9"),
        # yolo11.yaml: "2624080 parameters, 2624064 gradients, 6.6 GFLOPs"; thop 2.2 adds the
        # attention's matrix products: 6.7 (issue 18: "YOLO11n is 6.67 GFLOPs now")
        ("yolo11n", 2_624_080, 2_624_064, "6.7"),
    ],
)
def test_yolov8n_and_yolo11n_as_their_yaml_comments_say(model: str, params: int, gradients: int, gflops: str) -> None:
    file, scale = split_name(model)
    t = counted(YAMLS / file, name=f"{model}.yaml").totals
    assert (t.params, t.trainable, f"{t.flops / 1e9:.1f}") == (params, gradients, gflops)


def test_yolo11n_flops_by_hand_from_its_attention() -> None:
    # C2PSA at P5 (20 x 20 = 400 positions) has one PSABlock: 2 heads of key_dim 32, head_dim 64:
    # q^T k = 2 x 400 x 400 x 32 and v attn^T = 2 x 64 x 400 x 400 multiplications
    report = counted(YAMLS / "yolo11.yaml", name="yolo11n.yaml")
    rows = {r.name: r for r in report.rows}
    assert rows["10.m0.attn.matmul"].macs == 2 * 400 * 400 * 32 + 2 * 64 * 400 * 400
    # the DFL: 16 fixed weights, params but not gradients; 4 x 8400 anchors x 16 bins
    dfl = rows["23.dfl"]
    assert (dfl.params, dfl.trainable, dfl.macs) == (16, 0, 4 * (80 * 80 + 40 * 40 + 20 * 20) * 16)


def test_detected_by_backbone_and_head() -> None:
    text = (YAMLS / "yolo11.yaml").read_text()
    assert detect(text, "yolo11n.yaml") == "ultralytics"
    assert detect("input: [8, 8, 1]\nlayers:\n  - relu\n", "x.yaml") is None


def test_depth_1_is_one_row_per_yaml_row() -> None:
    report = analyze_text((YAMLS / "yolov8.yaml").read_text(), "yolov8n.yaml")
    rows = fold(report, 1)
    assert [r.name for r in rows] == [str(i) for i in range(23)]
    assert [r.kind for r in rows][:3] == ["Conv", "Conv", "C2f"]
    assert rows[22].kind == "Detect" and rows[22].inputs == ("15", "18", "21")


# ---- located errors --------------------------------------------------------------------------


def yolo11n_with(old: str, new: str) -> str:
    text = (YAMLS / "yolo11.yaml").read_text()
    assert old in text
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # P4's concat reading the P5 row: 40 x 40 (upsampled P5) against 20 x 20
        ("[[-1, 6], 1, Concat, [1]]", "[[-1, 8], 1, Concat, [1]]",
         "12: concat needs equal n_H and n_W, got 40 x 40 x 256, 20 x 20 x 256"),
        ("[-1, 2, C2PSA, [1024]]", "[-1, 2, C2PS, [1024]]", "unknown module 'C2PS' (did you mean 'C2PSA'?)"),
        ("[-1, 1, SPPF, [1024, 5]]", "[-1, 1, SPPF, [1024, 5], 7]", "a row is [from, repeats, module, args]"),
        ("[-1, 1, SPPF, [1024, 5]]", "[-3, 0, SPPF, [1024, 5]]", "repeats must be a positive integer, got 0"),
        ("[-1, 1, SPPF, [1024, 5]]", "[30, 1, SPPF, [1024, 5]]", "'from' 30 names no earlier row (this is row 9)"),
        ("[-1, 1, SPPF, [1024, 5]]", "[-1, 1, SPPF, [1024, 5, 10000000000]]", "SPPF cannot take the arguments"),
        ("[-1, 2, C3k2, [256, False, 0.25]]", "[-1, 99999999, C3k2, [256, False, 0.25]]",
         "50,000,000 repeats are more than the limit of 1,000"),  # round(99999999 x 0.5), as Python rounds
        ("[-1, 1, Conv, [64, 3, 2]]", "[-1, 1, Conv, [big, 3, 2]]",
         "Conv's output channels must be a positive integer"),
    ],
)
def test_errors_point_at_the_row(old: str, new: str, message: str) -> None:
    text = yolo11n_with(old, new)
    with pytest.raises(CnnError) as info:
        analyze_text(text, "yolo11n.yaml")
    err = info.value
    assert message in err.message
    assert err.loc is not None and (err.loc.file, err.loc.line) == ("yolo11n.yaml", line_of(text, new))


def test_scale_from_the_name_from_the_option_and_unknown() -> None:
    text = (YAMLS / "yolov8.yaml").read_text()
    ref = {"n": 3_157_200, "s": 11_166_560}  # yolov8.yaml's summary comments
    assert analyze_text(text, "yolov8s.yaml").totals.params == ref["s"]
    assert analyze_text(text, "yolov8.yaml", {"scale": "s"}).totals.params == ref["s"]
    assert analyze_text(text, "yolov8.yaml").totals.params == ref["n"]  # Ultralytics: the first scale
    with pytest.raises(CnnError, match="scale 'b' is not among the file's scales"):
        analyze_text(text, "yolov8.yaml", {"scale": "b"})


def test_cli_summarize_scale_and_convention() -> None:
    path = str(YAMLS / "yolo11.yaml")
    result = CliRunner().invoke(main, ["summarize", path, "--scale", "n", "--convention", "ultralytics",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["convention"], data["totals"]["params"], data["totals"]["trainable"]) == (
        "ultralytics", 2_624_080, 2_624_064)


def test_import_writes_yaml_with_the_same_numbers(tmp_path: Path) -> None:
    out = tmp_path / "yolo11n_cnncalc.yaml"
    result = CliRunner().invoke(main, ["import", str(YAMLS / "yolo11.yaml"), "--scale", "n", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Ultralytics model YAML" in text.splitlines()[0]
    again = analyze_text(text, out.name)
    assert (again.totals.params, again.totals.trainable) == (2_624_080, 2_624_064)


# ---- every recorded model: parameters, gradients, GFLOPs, rows and shapes ----------------------


@cache
def records() -> dict[str, dict[str, Any]]:
    """Model name -> what Ultralytics printed: the four families (reference.json) and other
    shipped YAMLs for the modules they do not use (extra.json)."""
    out = dict(reference()["models"])
    extra = DATA / "extra.json"
    if extra.exists():
        out.update(json.loads(extra.read_text())["models"])
    return out


def recorded() -> list[str]:
    return sorted(records())


def model_report(model: str, path: Path | None = None) -> Any:
    """As Ultralytics builds `MODEL.yaml`: the family's file, the scale from the model's name."""
    rec = records()[model]
    return counted(path or YAMLS / rec["yaml"], name=f"{model}.yaml")


def test_the_record_names_its_versions_and_covers_every_family() -> None:
    ref = reference()
    assert ref["ultralytics"].startswith("8.4") and ref["ultralytics-thop"].startswith("2.2")
    assert "record.py" in ref["command"] and "ultralytics" in ref["install"]
    models = ref["models"]
    for family, tasks in (("yolov5", [""]), ("yolov8", ["", "-seg", "-pose", "-obb", "-cls"]),
                          ("yolo11", ["", "-seg", "-pose", "-obb", "-cls"])):
        for task in tasks:
            for scale in "nsmlx":
                assert f"{family}{scale}{task}" in models
    assert {f"yolov10{s}" for s in "nsmblx"} <= set(models)


@pytest.mark.parametrize("model", recorded())
def test_model_info_numbers(model: str) -> None:
    rec = records()[model]
    report = model_report(model)
    t = report.totals
    assert (t.params, t.trainable) == (rec["parameters"], rec["gradients"])
    # thop sums float64 counts; ours are exact integers: equal to well under one FLOP in 10^9
    assert t.flops / 1e9 == pytest.approx(rec["gflops"], rel=1e-12, abs=1e-9)
    assert f"{t.flops / 1e9:.1f}" == rec["printed"].rsplit(", ", 1)[1].split()[0]
    # each YAML row's parameters, as parse_model prints them (m.np)
    rows = fold(report, 1)
    assert [r.params for r in rows if r.name != "input"] == rec["rows"]


@pytest.mark.parametrize("model", [m for m in recorded() if "shapes" in records()[m]])
def test_each_rows_output_shape(model: str) -> None:
    rec = records()[model]
    rows = [r for r in fold(model_report(model), 1) if r.name != "input"]
    checked = 0
    for row, shape in zip(rows, rec["shapes"], strict=True):
        if shape and isinstance(shape[0], int) and len(shape) == 4:  # NCHW tensors; heads give tuples
            n, c, h, w = shape
            assert (row.name, tuple(row.output)) == (row.name, (h, w, c))
            checked += 1
    assert checked >= len(rows) - 2


# ---- the originals, where Ultralytics is installed (not in CI) --------------------------------


def installed_models() -> Path | None:
    import importlib.util
    import os

    where = os.environ.get("CNNCALC_ULTRALYTICS_CFG")  # .../ultralytics/cfg/models, without importing torch
    if where:
        return Path(where)
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "cfg" / "models"


def original(file: str) -> Path:
    models = installed_models()
    if models is None:
        pytest.skip("ultralytics is not installed (pip install ultralytics; or set CNNCALC_ULTRALYTICS_CFG)")
    found = sorted(models.glob(f"*/{file}"))
    assert found, f"{file} is not among the installed models"
    return found[0]


@pytest.mark.parametrize("file", sorted(p.name for p in YAMLS.glob("*.yaml")))
def test_test_copies_hold_the_originals_rows(file: str) -> None:
    import yaml

    ours = yaml.safe_load((YAMLS / file).read_text())
    theirs = yaml.safe_load(original(file).read_text())
    assert ours == theirs


@pytest.mark.parametrize("model", recorded())
def test_originals_give_the_recorded_numbers(model: str) -> None:
    rec = records()[model]
    t = model_report(model, original(rec["yaml"])).totals
    assert (t.params, t.trainable, round(t.flops / 1e9, 6)) == (
        rec["parameters"], rec["gradients"], round(rec["gflops"], 6))


def test_a_hostile_module_name_is_shown_escaped() -> None:
    text = 'nc: 2\nbackbone:\n  - [-1, 1, "C\\x1b[31mX", [8]]\nhead:\n  - [-1, 1, Conv, [8]]\n'
    with pytest.raises(CnnError) as info:
        analyze_text(text, "yolov8n.yaml")
    assert "\x1b" not in str(info.value) and "unknown module 'C\\x1b[31mX'" in str(info.value)
    assert info.value.loc is not None and info.value.loc.line == 3


def test_export_to_onnx_runs_with_the_same_counts() -> None:
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import numpy as np

    from cnncalc.export.onnx import to_onnx

    text = (YAMLS / "yolo11.yaml").read_text()
    report = analyze_text(text, "yolo11n.yaml", None, "128x128x3")
    model = to_onnx(report)
    stored = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    assert stored == report.totals.params + report.totals.buffers == 2_624_080 + 15_664
    session = ort.InferenceSession(model.SerializeToString())
    (out,) = session.run(None, {session.get_inputs()[0].name: np.zeros((1, 3, 128, 128), np.float32)})
    anchors = 16 * 16 + 8 * 8 + 4 * 4  # strides 8, 16, 32 of 128
    assert out.shape == (1, anchors * (4 + 80))
    assert tuple(report.rows[-1].output) == (anchors * 84,)
    assert onnx.checker is not None


# `--scale` rides with `--set` on every command that takes vars (issue 18: "or from --scale")
_SCALED = Path(__file__).parent / "data" / "ultralytics" / "yaml" / "yolo11.yaml"


@pytest.mark.parametrize("command", [
    ["summarize", "--format", "json"], ["validate", "--format", "json"], ["memory", "--format", "json"],
    ["explain", "--format", "markdown"], ["diagram", "--format", "mermaid"], ["export", "--to", "pytorch"],
    ["report", "-o", "{tmp}/page.html"],
])
def test_every_command_takes_scale(command: list[str], tmp_path: Path) -> None:
    want = json.loads((Path(__file__).parent / "data" / "ultralytics" / "reference.json").read_text())
    args = [command[0], str(_SCALED), "--scale", "s", *(a.replace("{tmp}", str(tmp_path)) for a in command[1:])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    if command[0] == "summarize":  # yolo11s as Ultralytics printed it, not the file's first scale (n)
        totals = json.loads(result.stdout)["totals"]
        assert totals["params"] == want["models"]["yolo11s"]["parameters"] == 9_458_752
    if command[0] == "export":  # the s widths: 0.conv has 32 filters at s (16 at n)
        assert "nn.Conv2d(3, 32, " in result.stdout


def test_scale_is_checked_and_wins_over_the_name() -> None:
    bad = CliRunner().invoke(main, ["validate", str(_SCALED), "--scale", "q"])
    assert bad.exit_code == 2 and "'q' is not one of" in bad.output
    report = CliRunner().invoke(main, ["summarize", str(_SCALED), "--scale", "n", "--set", "scale=m",
                                       "--format", "json"])
    assert json.loads(report.stdout)["totals"]["params"] == 2_624_080  # --scale n: yolo11n's count
