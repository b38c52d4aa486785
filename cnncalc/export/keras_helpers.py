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

    def call(self, inputs):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        return ops.zeros((ops.shape(first)[0], *self.target))
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
    "Pad2D": '''
class Pad2D(keras.layers.Layer):
    \"\"\"Rows and columns that repeat the input: 'reflect' mirrors it without repeating the edge,
    'edge' repeats the edge value, 'wrap' continues from the other side (PyTorch's ReflectionPad2d,
    ReplicationPad2d and CircularPad2d; ONNX Pad's modes). A gather (keras.ops.take) of computed
    rows, then columns: the same on every backend, where ops.pad's modes are not.\"\"\"

    def __init__(self, padding, mode="reflect", **kwargs):
        super().__init__(**kwargs)
        self.padding, self.mode = tuple(tuple(p) for p in padding), mode

    def index(self, n, before, after):
        taken = []
        for i in range(-before, n + after):
            if self.mode == "reflect":
                i = -i if i < 0 else 2 * (n - 1) - i if i >= n else i
            elif self.mode == "edge":
                i = min(max(i, 0), n - 1)
            else:  # wrap
                i %= n
            taken.append(i)
        return taken

    def call(self, x):
        (top, bottom), (left, right) = self.padding
        x = ops.take(x, self.index(x.shape[1], top, bottom), axis=1)
        return ops.take(x, self.index(x.shape[2], left, right), axis=2)
''',
    "SelfAttention": '''
class SelfAttention(keras.layers.Layer):
    \"\"\"Multi-head self-attention over the H x W positions of a q, k, v volume (cnncalc's
    `attention`, as Ultralytics' Attention computes it): each head's channels are its query, key
    and value (key_dim, key_dim, head_dim); softmax(q k^T / sqrt(key_dim)) weighs the values.
    No weights: the projections are the convolutions around it.\"\"\"

    def __init__(self, heads, key_dim, head_dim, **kwargs):
        super().__init__(**kwargs)
        self.heads, self.key_dim, self.head_dim = heads, key_dim, head_dim

    def call(self, qkv):
        (h, w), e, k = qkv.shape[1:3], self.heads, self.key_dim
        x = ops.reshape(qkv, (-1, h * w, e, 2 * k + self.head_dim))
        q, key, v = x[..., :k], x[..., k : 2 * k], x[..., 2 * k :]
        attn = ops.softmax(ops.einsum("bnhk,bmhk->bhnm", q, key) * k**-0.5, axis=-1)
        return ops.reshape(ops.einsum("bhnm,bmhd->bnhd", attn, v), (-1, h, w, e * self.head_dim))
''',
    "DFL": '''
class DFL(keras.layers.Layer):
    \"\"\"YOLO's distribution focal loss integral: each box side's reg_max bins -> one distance, the
    softmax of the bins weighed by fixed weights 0 .. reg_max - 1 (YOLO never trains them).
    Reads every level's box volume (4 reg_max channels); returns the 4 distances of each anchor,
    side by side ([4 A], as Ultralytics' DFL flattens them).\"\"\"

    def __init__(self, reg_max=16, **kwargs):
        super().__init__(**kwargs)
        self.reg_max = reg_max

    def build(self, input_shape):
        self.bins = self.add_weight(shape=(self.reg_max,), name="bins",
                                    initializer=lambda shape, dtype=None: ops.cast(ops.arange(shape[0]), dtype))

    def call(self, inputs):
        levels = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        x = ops.concatenate([ops.reshape(v, (-1, v.shape[1] * v.shape[2], v.shape[3])) for v in levels], axis=1)
        anchors = x.shape[1]
        x = ops.softmax(ops.reshape(x, (-1, anchors, 4, self.reg_max)), axis=-1)
        return ops.reshape(ops.transpose(ops.matmul(x, self.bins), (0, 2, 1)), (-1, 4 * anchors))
''',
    "OperatorPlaceholder": '''
class OperatorPlaceholder(keras.layers.Layer):
    \"\"\"A stand-in for an operator of an imported model that cnncalc has no arithmetic for: it
    holds as many weights as the operator reads (`params` trainable, `buffers` not) and returns
    zeros of the output shape the model file gave. Replace it with the real operation.\"\"\"

    def __init__(self, op, shape, params=0, buffers=0, **kwargs):
        super().__init__(**kwargs)
        self.op, self.target, self.counts = op, tuple(shape), (params, buffers)

    def build(self, input_shape):
        params, buffers = self.counts
        self.learned = self.add_weight(shape=(params,), name="weight", initializer="zeros") if params else None
        self.fixed = self.add_weight(shape=(buffers,), name="state", initializer="zeros", trainable=False) \\
            if buffers else None

    def call(self, inputs):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        return ops.zeros((ops.shape(first)[0], *self.target))
''',
    "DarknetShortcut": '''
class DarknetShortcut(keras.layers.Layer):
    \"\"\"Darknet's [shortcut] of unequal shapes: each later input is added into the first where
    they overlap (channels up to the smaller count; a larger map sampled with stride
    n_big / n_small, as Darknet's shortcut_cpu does). The output has the first input's shape.\"\"\"

    def call(self, inputs):
        out, *rest = inputs
        h, w, c = out.shape[1:]
        for x in rest:
            n = min(c, x.shape[3])
            step = (max(x.shape[1] // h, 1), max(x.shape[2] // w, 1))  # read every step-th of x
            every = (max(h // x.shape[1], 1), max(w // x.shape[2], 1))  # into every every-th of out
            src = x[:, :: step[0], :: step[1], :n]
            rows, cols = min(src.shape[1], -(-h // every[0])), min(src.shape[2], -(-w // every[1]))
            src = ops.reshape(src[:, :rows, :cols, :], (-1, rows, 1, cols, 1, n))
            src = ops.pad(src, [[0, 0], [0, 0], [0, every[0] - 1], [0, 0], [0, every[1] - 1], [0, 0]])
            src = ops.reshape(src, (-1, rows * every[0], cols * every[1], n))[:, :h, :w, :]
            out = out + ops.pad(src, [[0, 0], [0, h - src.shape[1]], [0, w - src.shape[2]], [0, c - n]])
        return out
''',
    "Subsample2D": '''
class Subsample2D(keras.layers.Layer):
    """Every s-th row and column from the first: a stride-1 convolution's output as the strided
    convolution's (Keras' Conv2D takes no stride with a dilation)."""

    def __init__(self, strides, **kwargs):
        super().__init__(**kwargs)
        self.strides = tuple(strides)

    def call(self, x):
        return x[:, :: self.strides[0], :: self.strides[1], :]
''',
    "ZeroInsert2D": '''
class ZeroInsert2D(keras.layers.Layer):
    """s - 1 rows (columns) of zeros between the input's, and `extra` after the last: a
    stride-1 transposed convolution of it is the strided one's (Keras' Conv2DTranspose takes no
    stride with a dilation, nor an output_padding of the stride or more)."""

    def __init__(self, strides, extra=(0, 0), **kwargs):
        super().__init__(**kwargs)
        self.strides, self.extra = tuple(strides), tuple(extra)

    def call(self, x):
        (h, w, c), (sh, sw), (eh, ew) = x.shape[1:], self.strides, self.extra
        x = ops.pad(ops.reshape(x, (-1, h, 1, w, 1, c)), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]])
        x = ops.reshape(x, (-1, h * sh, w * sw, c))[:, : (h - 1) * sh + 1, : (w - 1) * sw + 1, :]
        return ops.pad(x, [[0, 0], [0, eh], [0, ew], [0, 0]])
''',
}
