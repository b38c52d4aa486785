"""Keras 3 layers for what keras.layers has no class for, written into the exported script
(only those it uses). Each is backend-independent (keras.ops only) and holds exactly the weights
cnncalc counts, so the script's count_params() stays cnncalc's total under --convention keras."""

from __future__ import annotations

HELPERS: dict[str, str] = {
    "LocalResponseNormalization": '''
class LocalResponseNormalization(keras.layers.Layer):
    """x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta (AlexNet's LRN)."""

    def __init__(self, size=5, alpha=1e-4, beta=0.75, k=1.0, **kwargs):
        super().__init__(**kwargs)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def call(self, x):
        c = x.shape[-1]
        squared = ops.pad(ops.square(x), [[0, 0]] * (len(x.shape) - 1) + [[self.size // 2, (self.size - 1) // 2]])
        total = sum(squared[..., i : i + c] for i in range(self.size))
        return x / ops.power(self.k + self.alpha / self.size * total, self.beta)
''',
    "LocallyConnected2D": '''
class LocallyConnected2D(keras.layers.Layer):
    """A convolution without weight sharing: a filter bank per output position."""

    def __init__(self, filters, kernel_size, strides, padding, out_size, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, tuple(kernel_size), tuple(strides)
        self.padding, self.out_size, self.use_bias = padding, tuple(out_size), use_bias

    def build(self, input_shape):
        h, w = self.out_size
        per_position = self.kernel_size[0] * self.kernel_size[1] * input_shape[-1]
        self.kernel = self.add_weight(shape=(h * w, per_position, self.filters), name="kernel")
        self.bias = self.add_weight(shape=(h, w, self.filters), name="bias", initializer="zeros") \\
            if self.use_bias else None

    def call(self, x):
        top, bottom, left, right = self.padding
        x = ops.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
        patches = ops.image.extract_patches(x, self.kernel_size, self.strides, padding="valid")
        h, w = self.out_size
        patches = ops.reshape(patches, (-1, h * w, patches.shape[-1]))
        out = ops.einsum("npk,pkf->npf", patches, self.kernel)
        out = ops.reshape(out, (-1, h, w, self.filters))
        return out if self.bias is None else out + self.bias
''',
    "ChannelSlice": '''
class ChannelSlice(keras.layers.Layer):
    """Channels start .. stop-1: one of `groups` equal slices (cnncalc's `split`)."""

    def __init__(self, start, stop, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop = start, stop

    def call(self, x):
        return x[..., self.start : self.stop]
''',
    "SpaceToDepth": '''
class SpaceToDepth(keras.layers.Layer):
    """Each block x block patch becomes block^2 channels (Darknet's reorg)."""

    def __init__(self, block, **kwargs):
        super().__init__(**kwargs)
        self.block = block

    def call(self, x):
        b, (h, w, c) = self.block, x.shape[1:]
        x = ops.reshape(x, (-1, h // b, b, w // b, b, c))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (-1, h // b, w // b, b * b * c))
''',
    "ChannelScale": '''
class ChannelScale(keras.layers.Layer):
    """y = gamma * x (+ beta), one gamma (and beta) per channel: Caffe's Scale layer."""

    def __init__(self, use_bias=False, **kwargs):
        super().__init__(**kwargs)
        self.use_bias = use_bias

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(input_shape[-1],), name="gamma", initializer="ones")
        self.beta = self.add_weight(shape=(input_shape[-1],), name="beta", initializer="zeros") \\
            if self.use_bias else None

    def call(self, x):
        return x * self.gamma if self.beta is None else x * self.gamma + self.beta
''',
    "AdaptivePooling2D": '''
class AdaptivePooling2D(keras.layers.Layer):
    """PyTorch's adaptive pooling: output bin i of n -> m spans floor(i n/m) .. ceil((i+1) n/m)."""

    def __init__(self, output_size, mode="avg", **kwargs):
        super().__init__(**kwargs)
        self.output_size, self.mode = tuple(output_size), mode

    def call(self, x):
        (h, w), (oh, ow) = x.shape[1:3], self.output_size
        reduce = ops.mean if self.mode == "avg" else ops.max
        rows = []
        for i in range(oh):
            r0, r1 = i * h // oh, -(-(i + 1) * h // oh)
            cells = [reduce(x[:, r0:r1, j * w // ow : -(-(j + 1) * w // ow), :], axis=(1, 2), keepdims=True)
                     for j in range(ow)]
            rows.append(ops.concatenate(cells, axis=2))
        return ops.concatenate(rows, axis=1)
''',
    "CustomPlaceholder": '''
class CustomPlaceholder(keras.layers.Layer):
    """Stands for a custom layer cnncalc could not read: zeros of the shape the file recorded."""

    def __init__(self, shape, **kwargs):
        super().__init__(**kwargs)
        self.target = tuple(shape)

    def call(self, *xs):
        return ops.zeros((ops.shape(xs[0])[0], *self.target))
''',
    "ChannelShuffle": '''
class ChannelShuffle(keras.layers.Layer):
    """ShuffleNet's shuffle: the channels of `groups` groups interleaved."""

    def __init__(self, groups, **kwargs):
        super().__init__(**kwargs)
        self.groups = groups

    def call(self, x):
        shape, g = x.shape[1:], self.groups
        x = ops.reshape(x, (-1, *shape[:-1], g, shape[-1] // g))
        x = ops.swapaxes(x, -1, -2)
        return ops.reshape(x, (-1, *shape))
''',
    "LayerScale": '''
class LayerScale(keras.layers.Layer):
    """A learned factor per channel (ConvNeXt's gamma), as keras.applications' convnext.py."""

    def __init__(self, init_values=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(input_shape[-1],), name="gamma",
                                     initializer=keras.initializers.Constant(self.init_values))

    def call(self, x):
        return x * self.gamma
''',
    "StochasticDepth": '''
class StochasticDepth(keras.layers.Layer):
    """Drops its input (a residual branch) at random in training; the identity at inference."""

    def __init__(self, rate=0.0, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, x, training=None):
        if not training or not self.rate:
            return x
        keep = keras.random.uniform((ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)) >= self.rate
        return ops.where(keep, x / (1 - self.rate), ops.zeros_like(x))
''',
}
