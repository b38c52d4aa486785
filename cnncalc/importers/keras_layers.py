"""Each Keras layer class as cnncalc rows: a table keyed by class name (a class missing from
it is one located error, or, where the file records its output shape, a `custom` row with a
warning). Arithmetic stays in cnncalc/layers: this only translates arguments.

Keras' own rules that need a translation: Dense on an image acts on the last axis (a 1x1
conv here); Conv2DTranspose with `valid` padding and a kernel smaller than its stride gives
n*s (output_padding s-f here); SeparableConv2D is a depthwise row (`NAME/depthwise`, no bias)
and the pointwise conv `NAME`; a 1-D layer reads a sequence as a 1 x L x C volume.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .keras_graph import Call

# Keras activation names -> cnncalc's (None: no row of its own, the identity)
ACTIVATIONS = {
    "linear": None, "relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "softmax": "softmax",
    "tanh": "tanh", "elu": "elu", "selu": "selu", "gelu": "gelu", "silu": "silu", "swish": "swish",
    "mish": "mish", "softplus": "softplus", "hard_sigmoid": "hard_sigmoid", "hard_silu": "hardswish",
    "hard_swish": "hardswish", "leaky_relu": "leaky_relu",
}  # fmt: skip


def _activation(c: Call, value: Any) -> str | None:
    """A layer's `activation` argument: a name, or Keras 3's serialized function."""
    if isinstance(value, dict):
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    if value is None:
        return None
    if not isinstance(value, str):
        raise c.fail("its activation is not a name")
    if value not in ACTIVATIONS:
        raise c.fail(f"activation '{value}' is not one cnncalc knows ({', '.join(sorted(ACTIVATIONS))})")
    return ACTIVATIONS[value]


def _pair(c: Call, key: str, default: Any = None) -> list[int]:
    v = c.config.get(key, default)
    if isinstance(v, int) and not isinstance(v, bool):
        return [v, v]
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return list(v)
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], int):
        return [v[0], v[0]]
    raise c.fail(f"'{key}' is not an integer or a pair of integers: {str(v)[:60]}")


def _one(c: Call, key: str, default: Any = None) -> int:
    v = c.config.get(key, default)
    if isinstance(v, list) and len(v) == 1:
        v = v[0]
    if not isinstance(v, int) or isinstance(v, bool):
        raise c.fail(f"'{key}' is not an integer: {str(v)[:60]}")
    return v


def _channels_last(c: Call) -> None:
    if c.config.get("data_format", "channels_last") not in ("channels_last", None):
        raise c.fail("data_format channels_first is not read (cnncalc is channels-last)")


def _padding(c: Call) -> str:
    p = c.config.get("padding", "valid")
    if p not in ("valid", "same"):
        raise c.fail(f"padding '{p}' is not valid or same")
    return str(p)


def _is_1d(c: Call) -> bool:
    return c.class_name.endswith("1D")


def _window(c: Call, size_key: str, stride_key: str, stride_default: int | None = 1) -> dict[str, Any]:
    """f and s of a 2-D layer, or [1, k] of a 1-D one; a stride not given is `stride_default`
    (None: the window's size, as Keras' pooling layers)."""
    given = c.config.get(stride_key) is not None
    if _is_1d(c):
        k = _one(c, size_key)
        s = _one(c, stride_key) if given else (k if stride_default is None else stride_default)
        return {"f": [1, k], "s": [1, s]}
    f = _pair(c, size_key)
    return {"f": f, "s": _pair(c, stride_key) if given else (f if stride_default is None else [stride_default] * 2)}


def _conv(c: Call) -> str:
    _channels_last(c)
    args = _window(c, "kernel_size", "strides")
    if _is_1d(c):
        d = _one(c, "dilation_rate", 1)
        args["dilation"] = [1, d]
        padding: Any = c.config.get("padding", "valid")
        if padding == "causal":  # all of it before the sequence
            padding = [0, 0, d * (args["f"][1] - 1), 0]
        elif padding not in ("valid", "same"):
            raise c.fail(f"padding '{padding}' is not valid, same or causal")
    else:
        args["dilation"] = _pair(c, "dilation_rate", 1)
        padding = _padding(c)
    args.update(filters=_one(c, "filters"), padding=padding, groups=_one(c, "groups", 1),
                bias=bool(c.config.get("use_bias", True)), activation=_activation(c, c.config.get("activation")))
    return c.add("conv", args)


def _deconv(c: Call) -> str:
    _channels_last(c)
    f, s, d = _pair(c, "kernel_size"), _pair(c, "strides", 1), _pair(c, "dilation_rate", 1)
    padding = _padding(c)
    given = c.config.get("output_padding")
    args: dict[str, Any] = {"filters": _one(c, "filters"), "f": f, "s": s, "dilation": d,
                            "bias": bool(c.config.get("use_bias", True)),
                            "activation": _activation(c, c.config.get("activation"))}
    # keras/src/ops/operation_utils.py compute_conv_transpose_output_length
    span = [d[i] * (f[i] - 1) + 1 for i in (0, 1)]
    if given is None:
        if padding == "same":
            args["padding"] = "same"
        else:
            args["padding"] = 0
            args["output_padding"] = [max(s[i] - span[i], 0) for i in (0, 1)]
    else:
        out_pad = _pair(c, "output_padding")
        pad = [span[i] // 2 if padding == "same" else 0 for i in (0, 1)]
        args.update(padding=[pad[0], pad[0], pad[1], pad[1]], output_padding=out_pad)
    return c.add("deconv", args)


def _depthwise(c: Call) -> str:
    _channels_last(c)
    args = _window(c, "kernel_size", "strides")
    args.update(dilation=[1, _one(c, "dilation_rate", 1)] if _is_1d(c) else _pair(c, "dilation_rate", 1),
                padding=_padding(c), multiplier=_one(c, "depth_multiplier", 1),
                bias=bool(c.config.get("use_bias", True)), activation=_activation(c, c.config.get("activation")))
    return c.add("depthwise", args)


def _separable(c: Call) -> str:
    _channels_last(c)
    args = _window(c, "kernel_size", "strides")
    args.update(dilation=[1, _one(c, "dilation_rate", 1)] if _is_1d(c) else _pair(c, "dilation_rate", 1),
                padding=_padding(c), multiplier=_one(c, "depth_multiplier", 1), bias=False)
    first = c.add("depthwise", args, name=f"{c.name}/depthwise")
    pointwise = {"filters": _one(c, "filters"), "f": 1, "bias": bool(c.config.get("use_bias", True)),
                 "activation": _activation(c, c.config.get("activation"))}
    return c.add("conv", pointwise, inputs=[first])


def _dense(c: Call) -> str:
    args = {"bias": bool(c.config.get("use_bias", True)), "activation": _activation(c, c.config.get("activation"))}
    shape = c.shapes[0] if c.shapes else None
    if isinstance(shape, list) and len(shape) > 2:  # Keras' Dense acts on the last axis of an image
        return c.add("conv", {"filters": _one(c, "units"), "f": 1, **args})
    return c.add("fc", {"units": _one(c, "units"), **args})


def _axis_last(c: Call, key: str = "axis") -> None:
    axis = c.config.get(key, -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    rank = len(c.shapes[0]) if c.shapes and isinstance(c.shapes[0], list) else None
    if axis != -1 and (rank is None or axis != rank - 1):
        raise c.fail(f"{key} {axis} is not the channel (last) axis")


def _bn(c: Call) -> str:
    _axis_last(c)
    return c.add("bn", {"scale": bool(c.config.get("scale", True)), "center": bool(c.config.get("center", True)),
                        "epsilon": c.config.get("epsilon"), "momentum": c.config.get("momentum")})


def _layer_norm(c: Call) -> str:
    _axis_last(c)
    center, scale = bool(c.config.get("center", True)), bool(c.config.get("scale", True))
    if center != scale or c.config.get("rms_scaling"):
        raise c.fail("a LayerNormalization with gamma or beta alone (or rms_scaling) is not read")
    return c.add("layer_norm", {"epsilon": c.config.get("epsilon"), "affine": center})


def _activation_layer(c: Call) -> str:
    value = c.config.get("activation")
    if isinstance(value, str) and value not in ACTIVATIONS:
        return c.add("identity", {"role": f"activation {value}"})
    name = _activation(c, value)
    return c.add(name or "identity")


def _relu(c: Call) -> str:
    top, slope, threshold = c.config.get("max_value"), c.config.get("negative_slope") or 0, c.config.get("threshold")
    if threshold:
        return c.add("identity", {"role": f"ReLU with threshold {threshold}"})
    if slope:
        return c.add("leaky_relu", {"alpha": slope})
    if top is None:
        return c.add("relu")
    return c.add("relu6") if top == 6 else c.add("identity", {"role": f"ReLU clipped at {top}"})


def _prelu(c: Call) -> str:
    axes = c.config.get("shared_axes") or []
    rank = len(c.shapes[0]) - 1 if c.shapes and isinstance(c.shapes[0], list) else None
    if rank is not None and sorted(axes) == list(range(1, rank + 1)):
        return c.add("prelu", {"shared": True})
    if rank is not None and sorted(axes) == list(range(1, rank)):
        return c.add("prelu")
    raise c.fail("only a slope per channel (shared_axes: every axis but the last) or one slope in all is read")


def _pool(mode: str) -> Callable[[Call], str]:
    def convert(c: Call) -> str:
        _channels_last(c)
        args = _window(c, "pool_size", "strides", None)
        return c.add("pool", {"mode": mode, **args, "padding": _padding(c)})

    return convert


def _global(kind: str) -> Callable[[Call], str]:
    def convert(c: Call) -> str:
        _channels_last(c)
        return c.add(kind, {"keepdims": bool(c.config.get("keepdims", False))})

    return convert


def _four(c: Call, key: str) -> list[int]:
    """ZeroPadding2D / Cropping2D amounts: p, [p_h, p_w] or [[top, bottom], [left, right]]."""
    v = c.config.get(key)
    if _is_1d(c):
        v = v if isinstance(v, list) else [v, v]
        return [0, 0, *[_int(c, key, x) for x in v]]
    if isinstance(v, int):
        return [v] * 4
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, list) and len(x) == 2 for x in v):
        return [_int(c, key, x) for pair in v for x in pair]
    if isinstance(v, list) and len(v) == 2:
        return [_int(c, key, v[0])] * 2 + [_int(c, key, v[1])] * 2
    raise c.fail(f"'{key}' is not p, [p_h, p_w] or [[top, bottom], [left, right]]")


def _int(c: Call, key: str, v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise c.fail(f"'{key}' holds {str(v)[:40]}, not a non-negative integer")
    return v


def _zeropad(c: Call) -> str:
    _channels_last(c)
    return c.add("zeropad", {"p": _four(c, "padding")})


def _cropping(c: Call) -> str:
    _channels_last(c)
    return c.add("cropping", {"p": _four(c, "cropping")})


def _upsample(c: Call) -> str:
    _channels_last(c)
    mode = c.config.get("interpolation", "nearest")
    if mode not in ("nearest", "bilinear"):
        raise c.fail(f"interpolation '{mode}' is not nearest or bilinear")
    return c.add("upsample", {"factor": [1, _one(c, "size", 2)] if _is_1d(c) else _pair(c, "size", 2), "mode": mode})


def _reshape(c: Call) -> str:
    target = c.config.get("target_shape")
    if not isinstance(target, list) or len(target) not in (1, 2, 3):
        raise c.fail(f"target_shape {str(target)[:40]} is not [units], [length, c] or [n_H, n_W, n_C]")
    return c.add("reshape", {"shape": [1, *target] if len(target) == 2 else target})


def _dropout(c: Call) -> str:
    rate = c.config.get("rate")
    if isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 <= rate < 1:
        return c.add("dropout", {"rate": rate})
    return c.add("dropout")


def _merge(kind: str) -> Callable[[Call], str]:
    def convert(c: Call) -> str:
        if len(c.inputs) < 2:
            if c.constants:  # an op on a tensor and a number: x + 3, x * (1/6)
                return c.add("identity", {"role": f"{c.class_name} by a constant"})
            raise c.fail(f"it reads {len(c.inputs)} input; a merge needs 2 or more")
        if kind == "concat":
            _axis_last(c)
        inputs = c.inputs
        if kind == "multiply" and all(isinstance(s, list) for s in c.shapes):
            # the full-size input first: the others broadcast over it (a gate times a volume)
            order = sorted(range(len(inputs)), key=lambda i: -sum(1 for d in c.shapes[i] if d != 1))
            inputs = [inputs[i] for i in order]
        return c.add(kind, inputs=inputs)

    return convert


def _custom(c: Call) -> str:
    """A layer cnncalc cannot read: a row when the file records its output shape, else an error."""
    shape = c.output_shape
    dims = shape[1:] if isinstance(shape, list) else None
    if dims and all(isinstance(d, int) for d in dims) and len(dims) in (1, 2, 3):
        out = [1, *dims] if len(dims) == 2 else dims
        return c.add("custom", {"output": out, "layer": c.class_name})
    if c.class_name == "Lambda":
        raise c.fail("a Lambda layer is Python code, which cnncalc does not run; its output shape is not "
                     "recorded either (replace it by a built-in layer, or save the model with Keras 3)")
    raise c.fail(f"a layer cnncalc does not know ({c.module or 'custom'}.{c.class_name}), and the file does "
                 "not record its output shape")


def _scaled_add(c: Call) -> str:
    """InceptionResNetV2's CustomScaleLayer: inputs[0] + inputs[1] * scale, no weights."""
    return c.add("add")


TABLE: dict[str, Callable[[Call], str]] = {
    "Conv1D": _conv, "Conv2D": _conv, "Convolution2D": _conv, "Conv2DTranspose": _deconv,
    "DepthwiseConv2D": _depthwise, "DepthwiseConv1D": _depthwise,
    "SeparableConv2D": _separable, "SeparableConv1D": _separable,
    "Dense": _dense, "BatchNormalization": _bn, "LayerNormalization": _layer_norm,
    "Activation": _activation_layer, "ReLU": _relu, "LeakyReLU": lambda c: c.add(
        "leaky_relu", {"alpha": c.config.get("negative_slope", c.config.get("alpha", 0.3))}),
    "ELU": lambda c: c.add("elu"), "Softmax": lambda c: c.add("softmax"), "PReLU": _prelu,
    "MaxPooling2D": _pool("max"), "MaxPooling1D": _pool("max"),
    "AveragePooling2D": _pool("avg"), "AveragePooling1D": _pool("avg"),
    "GlobalAveragePooling2D": _global("gap"), "GlobalAveragePooling1D": _global("gap"),
    "GlobalMaxPooling2D": _global("gmp"), "GlobalMaxPooling1D": _global("gmp"),
    "ZeroPadding2D": _zeropad, "ZeroPadding1D": _zeropad, "Cropping2D": _cropping, "Cropping1D": _cropping,
    "UpSampling2D": _upsample, "UpSampling1D": _upsample,
    "Flatten": lambda c: c.add("flatten"), "Reshape": _reshape,
    "Dropout": _dropout, "SpatialDropout1D": _dropout, "SpatialDropout2D": _dropout,
    "GaussianDropout": _dropout, "AlphaDropout": _dropout, "GaussianNoise": lambda c: c.add("dropout"),
    "ActivityRegularization": lambda c: c.add("identity", {"role": "activity regularization"}),
    "Identity": lambda c: c.add("identity"),
    "Add": _merge("add"), "Average": _merge("add"), "Subtract": _merge("add"),
    "Multiply": _merge("multiply"), "Maximum": _merge("maximum"), "Minimum": _merge("maximum"),
    "Concatenate": _merge("concat"),
    "Rescaling": lambda c: c.add("rescaling", {k: v for k, v in (("scale", c.config.get("scale")),
                                                                 ("offset", c.config.get("offset")))
                                               if isinstance(v, (int, float)) and not isinstance(v, bool)}),
    "Normalization": lambda c: (_axis_last(c), c.add("normalization", {
        "given": c.config.get("mean") is not None}))[1],
    # keras.applications' own layers (their arithmetic read from keras/src/applications/*.py)
    "CustomScaleLayer": _scaled_add,
    "LayerScale": lambda c: c.add("layer_scale", {"init": c.config.get("init_values")}),
    # convnext.py's StochasticDepth drops the branch for the whole batch
    "StochasticDepth": lambda c: c.add("stochastic_depth", {"rate": c.config.get("drop_path_rate"), "mode": "batch"}),
}  # fmt: skip

# keras.src.ops classes a functional model records when an op is applied to tensors (x * y)
OPS = {"Add": _merge("add"), "Subtract": _merge("add"), "Multiply": _merge("multiply"),
       "Divide": _merge("multiply"), "Maximum": _merge("maximum"), "Minimum": _merge("maximum")}


def convert(c: Call) -> str:
    if c.module.startswith("keras.src.ops") or c.module.startswith("keras.ops"):
        op = OPS.get(c.class_name)
        return op(c) if op is not None else _custom(c)
    convert_one = TABLE.get(c.class_name)
    if convert_one is None:
        return _custom(c)
    return convert_one(c)
