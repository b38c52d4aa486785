"""Ultralytics' attention modules as cnncalc bodies: Attention, PSABlock, PSA and C2PSA
(`ultralytics/nn/modules/block.py`, 8.4), with the `attention` kind for the matrix products."""

from __future__ import annotations

from typing import Any

from .ultralytics import Context
from .ultralytics_modules import Entry, _plus, _use


def attention(ctx: Context, dim: int, num_heads: int, attn_ratio: float, name: str = "attn") -> Entry:
    """q, k and v from one 1x1 conv; `attention` costs q^T k and v attn^T; pe(v) is added after.
    Ultralytics' pe reads v.reshape(B, C, H, W) (each head's v channels, interleaved with q and k
    in qkv); a `slice` of as many channels has the same shape and costs."""
    head_dim = dim // num_heads
    key_dim = int(head_dim * attn_ratio)
    h = dim + 2 * key_dim * num_heads
    # v is each head's last head_dim channels; pe counts only how many, so one slice says it
    body = [ctx.conv("qkv", h, 1, 1, None, 1, 1, False),
            {"attention": {"name": "matmul", "heads": num_heads, "key_dim": key_dim, "head_dim": head_dim}},
            {"slice": {"name": "v", "start": 2 * key_dim * num_heads, "from": "qkv"}},
            ctx.conv("pe", dim, 3, 1, None, dim, 1, False),
            {"add": {"name": "sum", "from": ["matmul", "pe"]}}, ctx.conv("proj", dim, 1, 1, None, 1, 1, False)]
    return _use(ctx, "Attention", body, {"name": name})


def psa_block(ctx: Context, c: int, attn_ratio: float, num_heads: int, shortcut: bool = True,
              name: str = "m0") -> Entry:
    att = [attention(ctx, c, num_heads, attn_ratio)]
    ffn = [ctx.conv("ffn0", c * 2, 1), ctx.conv("ffn1", c, 1, 1, None, 1, 1, False)]
    body = [*_plus(att, "add_attn"), *_plus(ffn, "add_ffn", "add_attn")] if shortcut else [*att, *ffn]
    return _use(ctx, "PSABlock", body, {"name": name})


def psa(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, e = (a + [0.5][len(a) - 2:])[:3]
    if c1 != c2:
        raise ValueError(f"PSA keeps its channels: c1 {c1} != c2 {c2}")
    c = int(c1 * e)
    att = [attention(ctx, c, max(c // 64, 1), 0.5)]
    ffn = [ctx.conv("ffn0", c * 2, 1), ctx.conv("ffn1", c, 1, 1, None, 1, 1, False)]
    body = [ctx.conv("cv1", 2 * c, 1, 1), {"split": {"name": "a", "groups": 2, "index": 0}},
            {"split": {"name": "b", "groups": 2, "index": 1, "from": "cv1"}},
            *_plus(att, "add_attn", "b"), *_plus(ffn, "add_ffn", "add_attn"),
            {"concat": {"name": "cat", "from": ["a", "add_ffn"]}}, ctx.conv("cv2", c1, 1)]
    return _use(ctx, "PSA", body, common)


def c2psa(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, e = (a + [1, 0.5][len(a) - 2:])[:4]
    if c1 != c2:
        raise ValueError(f"C2PSA keeps its channels: c1 {c1} != c2 {c2}")
    c = int(c1 * e)
    m = [psa_block(ctx, c, 0.5, max(c // 64, 1), name=f"m{i}") for i in range(n)]
    body = [ctx.conv("cv1", 2 * c, 1, 1), {"split": {"name": "a", "groups": 2, "index": 0}},
            {"split": {"name": "b", "groups": 2, "index": 1, "from": "cv1"}}, *m,
            {"concat": {"name": "cat", "from": ["a", f"m{n - 1}"]}}, ctx.conv("cv2", c1, 1)]
    return _use(ctx, "C2PSA", body, common)
