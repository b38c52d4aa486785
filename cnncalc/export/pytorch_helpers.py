"""Text the PyTorch export writes: activation modules and functions, and the small modules
(`Add`, `CenterCrop`, ...) for what torch.nn has no class for; a file includes only those it uses."""

from __future__ import annotations

# An activation row, as a module.
ACTIVATION_MODULES: dict[str, str] = {
    "relu": "nn.ReLU()", "relu6": "nn.ReLU6()", "leaky_relu": "nn.LeakyReLU({alpha})",
    "elu": "nn.ELU({alpha})", "selu": "nn.SELU()", "gelu": "nn.GELU()", "silu": "nn.SiLU()",
    "swish": "nn.SiLU()", "mish": "nn.Mish()", "sigmoid": "nn.Sigmoid()",
    "hard_sigmoid": "nn.Hardsigmoid()", "hardswish": "nn.Hardswish()", "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim=1)", "softplus": "nn.Softplus()", "linear": "nn.Identity()",
    "identity": "nn.Identity()",
}  # fmt: skip
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}

# An `activation:` key on a conv/fc/merge row, as a function applied to the layer's output.
ACTIVATION_FUNCTIONS: dict[str, str] = {
    "relu": "F.relu({})", "relu6": "F.relu6({})", "leaky_relu": "F.leaky_relu({}, 0.01)",
    "elu": "F.elu({})", "selu": "F.selu({})", "gelu": "F.gelu({})", "silu": "F.silu({})",
    "swish": "F.silu({})", "mish": "F.mish({})", "sigmoid": "torch.sigmoid({})",
    "hard_sigmoid": "F.hardsigmoid({})", "hardswish": "F.hardswish({})", "tanh": "torch.tanh({})",
    "softmax": "F.softmax({}, dim=1)", "softplus": "F.softplus({})", "linear": "{}", "identity": "{}",
}  # fmt: skip

# Small modules for what torch.nn has no class for; a file includes only those it uses.
HELPERS: dict[str, str] = {
    "Add": '''
class Add(nn.Module):
    """The element-wise sum of its inputs (a residual or parallel merge), then its activation
    module if any (as torchvision's residual blocks call their nn.ReLU after the sum)."""

    def __init__(self, activation: nn.Module | None = None) -> None:
        super().__init__()
        self.activation = activation

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out if self.activation is None else self.activation(out)
''',
    "Concat": '''
class Concat(nn.Module):
    """Its inputs joined along the channels (dim 1)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)
''',
    "CenterCrop": '''
class CenterCrop(nn.Module):
    """Keeps height x width from (top, left): a centre crop, any odd row/column cut from the end."""

    def __init__(self, top: int, left: int, height: int, width: int) -> None:
        super().__init__()
        self.top, self.left, self.height, self.width = top, left, height, width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, self.top : self.top + self.height, self.left : self.left + self.width]
''',
    "ChannelSlice": '''
class ChannelSlice(nn.Module):
    """Channels start .. stop-1 (cnncalc's `slice`, and `split`: one of `groups` equal slices)."""

    def __init__(self, start: int, stop: int) -> None:
        super().__init__()
        self.start, self.stop = start, stop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.start : self.stop]
''',
    "Placeholder": '''
class Placeholder(nn.Module):
    """Stands for an operator of an imported model that cnncalc has no arithmetic for: it holds
    as many parameters (and buffers) as the operator's weights and returns zeros of its shape."""

    def __init__(self, params: int, buffers: int, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(params)) if params else None
        if buffers:
            self.register_buffer("state", torch.zeros(buffers))
        self.shape = shape

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return xs[0].new_zeros((xs[0].shape[0], *self.shape))
''',
    "LocallyConnected2d": '''
class LocallyConnected2d(nn.Module):
    """A convolution without weight sharing: every output position has its own filters.

    weight: (H_out * W_out, out_channels, in_channels * f_h * f_w), one filter bank per position;
    bias: (out_channels, H_out, W_out). `padding` is (left, right, top, bottom), as F.pad takes it.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 out_size: tuple[int, int], stride: int | tuple[int, int] = 1,
                 padding: tuple[int, int, int, int] = (0, 0, 0, 0), bias: bool = True) -> None:
        super().__init__()
        kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.stride = (stride, stride) if isinstance(stride, int) else stride
        self.kernel_size, self.padding, self.out_size = kernel_size, padding, out_size
        fan_in = in_channels * kernel_size[0] * kernel_size[1]
        bound = fan_in**-0.5
        positions = out_size[0] * out_size[1]
        self.weight = nn.Parameter(torch.empty(positions, out_channels, fan_in).uniform_(-bound, bound))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels, *out_size).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # unfold gathers each window's C_in * f_h * f_w values: N x (C_in f_h f_w) x (H_out W_out)
        patches = F.unfold(F.pad(x, self.padding), self.kernel_size, stride=self.stride)
        # one matrix product per position: (N x C_in f_h f_w) @ (C_in f_h f_w x out_channels)
        out = torch.bmm(patches.permute(2, 0, 1), self.weight.transpose(1, 2))
        out = out.permute(1, 2, 0).reshape(x.shape[0], -1, *self.out_size)
        return out if self.bias is None else out + self.bias
''',
    "ConvTranspose2dTrimmed": '''
class ConvTranspose2dTrimmed(nn.ConvTranspose2d):
    """A ConvTranspose2d without padding whose output is then trimmed per side.

    For padding that PyTorch's symmetric `padding` cannot say (asymmetric, or TensorFlow `same`
    with f < s). `trim` is (left, right, top, bottom), as F.pad takes it: a negative value removes
    rows/columns, a positive one adds rows/columns that, as with output_padding, get only the bias.
    """

    def __init__(self, *args: Any, trim: tuple[int, int, int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trim = trim

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        y = F.conv_transpose2d(x, self.weight, None, self.stride, 0, 0, self.groups, self.dilation)
        # add first, then remove: F.pad cannot remove more than a side holds (width 1, (-2, 2))
        y = F.pad(F.pad(y, tuple(max(t, 0) for t in self.trim)), tuple(min(t, 0) for t in self.trim))
        return y if self.bias is None else y + self.bias[:, None, None]
''',
    "SelfAttention": '''
class SelfAttention(nn.Module):
    """Multi-head self-attention over the H x W positions of a q, k, v volume (cnncalc's
    `attention`, as Ultralytics' Attention computes it): softmax(q^T k / sqrt(key_dim)) then v attn^T."""

    def __init__(self, heads: int, key_dim: int, head_dim: int) -> None:
        super().__init__()
        self.heads, self.key_dim, self.head_dim = heads, key_dim, head_dim

    def forward(self, qkv: torch.Tensor) -> torch.Tensor:
        b, _, h, w = qkv.shape
        q, k, v = qkv.reshape(b, self.heads, 2 * self.key_dim + self.head_dim, h * w).split(
            [self.key_dim, self.key_dim, self.head_dim], dim=2)
        attn = ((q * self.key_dim**-0.5).transpose(-2, -1) @ k).softmax(dim=-1)
        return (v @ attn.transpose(-2, -1)).reshape(b, self.heads * self.head_dim, h, w)
''',
    "DFL": '''
class DFL(nn.Module):
    """YOLO's distribution focal loss integral: each box side's reg_max bins -> one distance, by a
    1x1 convolution with the fixed weights 0 .. reg_max - 1 (YOLO freezes them: `trainable: false`).
    Reads every level's box volume; returns the 4 distances of each anchor, flattened."""

    def __init__(self, reg_max: int = 16) -> None:
        super().__init__()
        self.conv = nn.Conv2d(reg_max, 1, 1, bias=False)
        self.conv.weight.data[:] = torch.arange(reg_max, dtype=torch.float).view(1, reg_max, 1, 1)
        self.reg_max = reg_max

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x.flatten(2) for x in xs], dim=2)
        b, _, a = x.shape
        return self.conv(x.reshape(b, 4, self.reg_max, a).transpose(2, 1).softmax(1)).reshape(b, 4 * a)
''',
    "Multiply": '''
class Multiply(nn.Module):
    """The element-wise product of its inputs; later ones may broadcast (a 1 x 1 channel gate)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out
''',
    "Maximum": '''
class Maximum(nn.Module):
    """The element-wise maximum of its inputs."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = torch.maximum(out, x)
        return out
''',
    "DarknetShortcut": '''
class DarknetShortcut(nn.Module):
    """Darknet's [shortcut]: each later input is added into the first where they overlap.

    Channels up to the smaller count; a larger map is sampled with stride n_big / n_small,
    as Darknet's shortcut_cpu does. The output has the first input's shape.
    """

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0].clone()
        for x in xs[1:]:
            c = min(out.shape[1], x.shape[1])
            stride = max(x.shape[2] // out.shape[2], 1), max(x.shape[3] // out.shape[3], 1)
            sample = max(out.shape[2] // x.shape[2], 1), max(out.shape[3] // x.shape[3], 1)
            src = x[:, :c, :: stride[0], :: stride[1]]
            dst = out[:, :c, :: sample[0], :: sample[1]]
            h, w = min(src.shape[2], dst.shape[2]), min(src.shape[3], dst.shape[3])
            dst[:, :, :h, :w] += src[:, :, :h, :w]
        return out
''',
    "ChannelScale": '''
class ChannelScale(nn.Module):
    """y = gamma * x (+ beta), one gamma (and beta) per channel: Caffe's Scale layer."""

    def __init__(self, channels: int, bias: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        if bias:
            self.bias = nn.Parameter(torch.zeros(channels))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (-1,) + (1,) * (x.dim() - 2)  # channels are dim 1
        out = x * self.weight.view(shape)
        return out if self.bias is None else out + self.bias.view(shape)
''',
    "ChannelShuffle": '''
class ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle, as torchvision's channel_shuffle: view, transpose, view."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = x.view(shape[0], self.groups, shape[1] // self.groups, *shape[2:])
        return torch.transpose(x, 1, 2).contiguous().view(shape)
''',
    "LayerNorm2d": '''
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of each position, as torchvision's ConvNeXt writes it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
''',
    "LayerScale": '''
class LayerScale(nn.Module):
    """y = gamma * x, one gamma per channel, initialised small (ConvNeXt's layer scale)."""

    def __init__(self, channels: int, init: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight.view((-1,) + (1,) * (x.dim() - 2))
''',
    "StochasticDepth": '''
class StochasticDepth(nn.Module):
    """torchvision's StochasticDepth: in training, zero a sample's (row) or the batch's input
    with probability p and scale the rest by 1/(1 - p); the identity in eval mode."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        size = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(1 - self.p)
        return x * noise.div_(1 - self.p)
''',
}
