"""Small Keras models for what the applications do not show: shared layers, nested models,
Sequential configs, 1-D layers, transposed convolutions, and the layers a reader must refuse
or flag. Each builder returns (model, save_with_model_save)."""

from __future__ import annotations

from typing import Any


def siamese(keras: Any) -> Any:
    """One Dense and one nested model, each called on two inputs' features: weights counted once."""
    L = keras.layers
    tower_in = keras.Input((8, 8, 4))
    tower = keras.Model(tower_in, L.Conv2D(6, 3, name="tower_conv")(tower_in), name="tower")
    x = keras.Input((16, 16, 4), name="image")
    left = L.Conv2D(4, 3, padding="same", name="left")(x)
    a = L.MaxPooling2D(2, name="pool_a")(left)
    b = L.AveragePooling2D(2, name="pool_b")(x)
    fa, fb = tower(a), tower(b)
    shared = L.Dense(5, name="shared_dense")
    ga, gb = shared(L.Flatten(name="flat_a")(fa)), shared(L.Flatten(name="flat_b")(fb))
    out = L.Concatenate(name="join")([ga, gb])
    return keras.Model(x, L.Dense(3, activation="softmax", name="head")(out), name="siamese"), True


def sequential(keras: Any) -> Any:
    """A Sequential without an InputLayer, built by build(): its shape is in build_input_shape."""
    L = keras.layers
    model = keras.Sequential([
        L.Conv2D(8, 5, strides=2, padding="same", activation="relu", name="c1"),
        L.BatchNormalization(center=False, name="bn"),
        L.SeparableConv2D(16, 3, depth_multiplier=2, name="sep"),
        L.UpSampling2D((2, 3), interpolation="bilinear", name="up"),
        L.Cropping2D(((1, 2), (0, 3)), name="crop"),
        L.ZeroPadding2D(((2, 0), (1, 1)), name="pad"),
        L.Conv2DTranspose(4, 2, strides=3, name="deconv_small_kernel"),
        L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1, name="deconv_out_pad"),
        L.DepthwiseConv2D(3, depth_multiplier=3, dilation_rate=2, use_bias=False, name="dw"),
        L.PReLU(shared_axes=[1, 2], name="prelu"),
        L.SpatialDropout2D(0.1, name="sdrop"),
        L.GlobalMaxPooling2D(keepdims=True, name="gmp"),
        L.Reshape((-1,), name="squeeze"),
        L.Dense(7, name="fc"),
        L.LeakyReLU(negative_slope=0.2, name="leaky"),
        L.Dropout(0.5, name="drop"),
        L.Softmax(name="softmax"),
    ], name="seq")
    model.build((None, 40, 40, 3))
    return model, True


def sequence(keras: Any) -> Any:
    """1-D layers on a (length, channels) input."""
    L = keras.layers
    x = keras.Input((100, 12), name="signal")
    y = L.Conv1D(16, 5, padding="causal", dilation_rate=2, name="causal")(x)
    y = L.Conv1D(16, 3, strides=2, padding="same", name="strided")(y)
    y = L.MaxPooling1D(2, name="pool")(y)
    y = L.SeparableConv1D(8, 3, name="sep")(y)
    y = L.UpSampling1D(3, name="up")(y)
    y = L.ZeroPadding1D((1, 2), name="pad")(y)
    y = L.GlobalAveragePooling1D(name="gap")(y)
    return keras.Model(x, L.Dense(2, name="out")(y), name="sequence"), False


def gates(keras: Any) -> Any:
    """Squeeze-and-excitation with the gate first in Multiply, ops on tensors, Dense on an image,
    Normalization with and without given statistics, LayerNormalization, ReLU variants."""
    L = keras.layers
    x = keras.Input((None, None, 3), name="img")
    y = L.Normalization(name="norm_adapted")(x)
    y = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0], name="norm_given")(y)
    y = L.Rescaling(1 / 255, offset=-0.5, name="rescale")(y)
    y = L.Conv2D(8, 3, padding="same", name="conv")(y)
    y = L.ReLU(max_value=6.0, name="relu6")(y)
    g = L.GlobalAveragePooling2D(keepdims=True, name="squeeze")(y)
    g = L.Dense(8, activation="hard_sigmoid", name="excite")(g)  # Dense on a 1 x 1 x C volume
    y = L.Multiply(name="gate")([g, y])
    z = keras.ops.multiply(y, 0.5)  # an op with a constant
    y = keras.ops.add(y, z)  # an op on two tensors
    y = L.Dense(4, name="pointwise")(y)
    y = L.Activation("gelu", name="gelu")(y)
    y = L.Average(name="avg")([y, L.Subtract(name="sub")([y, y])])
    y = L.Maximum(name="max")([y, L.Minimum(name="min")([y, y])])
    return keras.Model(x, L.GlobalAveragePooling2D(name="gap")(y), name="gates"), False


SMALL = {"siamese": siamese, "sequential": sequential, "sequence": sequence, "gates": gates}
