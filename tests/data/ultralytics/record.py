"""Records what Ultralytics itself prints for its shipped model YAMLs (run outside CI).

Command (from the repository root, in a venv made with
`python -m venv /work/venvs/ultra && /work/venvs/ultra/bin/pip install torch==2.14.1 torchvision==0.29.1 ultralytics`):

    /work/venvs/ultra/bin/python tests/data/ultralytics/record.py tests/data/ultralytics/reference.json
    /work/venvs/ultra/bin/python tests/data/ultralytics/record.py tests/data/ultralytics/extra.json extra

(the second: other shipped YAMLs, for the modules the four families do not use).

For each YAML and scale: `model.info()`'s layers, parameters, gradients and GFLOPs (imgsz 640),
each top-level row's parameter count (`m.np`, what parse_model prints), and for a few models
each row's output shape (a forward hook, eval mode, one 640x640 image).
"""

import contextlib
import io
import json
import sys
from importlib.metadata import version

import torch
from ultralytics.nn.tasks import ClassificationModel, DetectionModel, OBBModel, PoseModel, SegmentationModel
from ultralytics.utils.torch_utils import model_info

FAMILIES = {
    "yolov5": ["yolov5"],
    "yolov8": ["yolov8", "yolov8-seg", "yolov8-pose", "yolov8-obb", "yolov8-cls"],
    "yolo11": ["yolo11", "yolo11-seg", "yolo11-pose", "yolo11-obb", "yolo11-cls"],
}
V10 = ["yolov10n", "yolov10s", "yolov10m", "yolov10b", "yolov10l", "yolov10x"]
# other shipped YAMLs (model name -> YAML stem): YOLOv9's ELAN1, RepNCSPELAN4, ADown, AConv and SPPELAN,
# GhostConv and C3Ghost, YOLOv3's Bottleneck and SPP, YOLOv6's nn.ConvTranspose2d, P2 and P6 heads
EXTRA = {
    "yolov9t": "yolov9t", "yolov9s": "yolov9s", "yolov9m": "yolov9m", "yolov9c": "yolov9c",
    "yolov9c-seg": "yolov9c-seg", "yolov8n-ghost": "yolov8-ghost", "yolov3": "yolov3", "yolov3-spp": "yolov3-spp",
    "yolov6n": "yolov6", "yolov5n-p6": "yolov5-p6", "yolov8n-p2": "yolov8-p2", "yolov8n-p6": "yolov8-p6",
}  # fmt: skip
SHAPES = {"yolov8n", "yolo11n", "yolov10n", "yolo11n-seg", "yolov8n-cls", "yolov5n", "yolo11n-pose", "yolo11n-obb"}
TASK = {"seg": SegmentationModel, "pose": PoseModel, "obb": OBBModel, "cls": ClassificationModel}


def names():
    if sys.argv[2:] == ["extra"]:
        for name, stem in EXTRA.items():
            yield name, stem, stem.partition("-")[2] if stem.endswith("-seg") else ""
        return
    for stems in FAMILIES.values():
        for stem in stems:
            base, _, task = stem.partition("-")
            for s in "nsmlx":
                yield f"{base}{s}{'-' + task if task else ''}", stem, task
    for v in V10:
        yield v, v, ""


def shapes(model, ch=3):
    out = {}
    hooks = [m.register_forward_hook(lambda m, i, o, k=k: out.__setitem__(k, o)) for k, m in enumerate(model.model)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, ch, 640, 640))
    for h in hooks:
        h.remove()

    def shape(o):
        if isinstance(o, torch.Tensor):
            return list(o.shape)
        if isinstance(o, dict):
            return None
        return [shape(x) for x in o]

    return [shape(out[k]) for k in range(len(model.model))]


def main():
    torch.manual_seed(0)
    records = {}
    for name, stem, task in names():
        cls = TASK.get(task, DetectionModel)
        with contextlib.redirect_stdout(io.StringIO()):
            model = cls(f"{name}.yaml", verbose=False)
        n_l, n_p, n_g, flops = model_info(model, verbose=True)
        rec = {
            "yaml": f"{stem}.yaml",
            "layers": n_l,
            "parameters": n_p,
            "gradients": n_g,
            "gflops": flops,
            "printed": f"{n_l:,} layers, {n_p:,} parameters, {n_g:,} gradients, {flops:.1f} GFLOPs",
            "rows": [int(m.np) for m in model.model],
            "types": [m.type.rsplit(".", 1)[-1] for m in model.model],
        }
        if name in SHAPES:
            rec["shapes"] = shapes(model)
        records[name] = rec
        print(name, rec["printed"], file=sys.stderr, flush=True)
    data = {
        "command": "/work/venvs/ultra/bin/python tests/data/ultralytics/record.py "
        "tests/data/ultralytics/reference.json",
        "install": "pip install torch==2.14.1 torchvision==0.29.1 ultralytics",
        "ultralytics": version("ultralytics"),
        "ultralytics-thop": version("ultralytics-thop"),
        "torch": version("torch"),
        "imgsz": 640,
        "models": records,
    }
    with open(sys.argv[1], "w") as out:  # not stdout: model.info() logs there
        json.dump(data, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
