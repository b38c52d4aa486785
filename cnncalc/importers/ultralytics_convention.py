"""What Ultralytics' `model.info()` prints: parameters, gradients and GFLOPs (`--convention ultralytics`).

`ultralytics/utils/torch_utils.py` (8.4) `get_flops` profiles the model in eval mode with
`ultralytics-thop` 2.2 and prints `2 x total_ops / 1e9`; thop 2.2 measures small stride-sized
images and extrapolates, exactly (its cost is a polynomial in the image's cells: linear for
convolutions, quadratic for attention), so its figure is the count of a full-size image:
- nn.Conv2d / nn.ConvTranspose2d (`count_convNd`): the weight multiplications (bias free);
- nn.BatchNorm2d (`count_normalization`): 2 per input value, doubled when affine: 4;
- nn.Linear: in_features per output value; nn.AdaptiveAvgPool2d: one per input value + one
  per output value; nn.Upsample: 0 (nearest), 11 per output value (bilinear);
- matrix products run functionally (`q^T @ k`, `v @ attn^T`, the `attention` kind): counted;
- SiLU and other activations without a rule, max pools, `F.avg_pool2d`, cat, add: 0;
- the DFL's 1x1 convolution of its 16 fixed weights runs in eval mode: counted.
"parameters" is every parameter, "gradients" those with requires_grad (the DFL's are not).
"""

from __future__ import annotations

from typing import Any


def count(v: Any) -> Any:
    """(params, macs, flops) of one row as thop counts it (`v` is a conventions.RowView)."""
    from ..conventions import Cost

    kind = v.kind
    if kind in ("conv", "depthwise", "deconv", "fc", "attention", "dfl"):
        ops = v.row.macs
    elif kind == "bn":
        ops = 4 * v.in_values
    elif kind == "gap":
        ops = v.in_values + v.out_values
    elif kind == "upsample" and getattr(v.layer, "mode", "nearest") == "bilinear":
        ops = 11 * v.out_values
    else:
        ops = 0
    return Cost(v.row.params, ops, 2 * ops)

