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
