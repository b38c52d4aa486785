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

from cnncalc.analysis import analyze_node, analyze_text
from cnncalc.conventions import apply
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
    assert rows["10.m0.r_attn.main.attn.matmul"].macs == 2 * 400 * 400 * 32 + 2 * 64 * 400 * 400
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
