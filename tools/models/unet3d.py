"""Small nnU-Net-like 3D U-Net shared by the kidney3d demo-model tooling.

Architecture (per resolution level): two (Conv3d 3x3x3 -> InstanceNorm3d(affine)
-> LeakyReLU(0.01)) blocks; down-sampling by a strided 3x3x3 convolution (the
first conv of the next level), up-sampling by a transposed convolution with
kernel == stride, skip connections by channel concatenation, and a 1x1x1
convolution head that produces raw logits.

Tensor layout is [N, C, Z, Y, X] (X = NIfTI i axis, fastest; Z = k axis).
Spatial sizes must be divisible by prod(strides) per axis.
"""
import inspect

import torch
import torch.nn as nn


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=True)
        self.norm = nn.InstanceNorm3d(cout, eps=1e-5, affine=True)
        self.act = nn.LeakyReLU(0.01, inplace=True)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class Stage(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.c1 = ConvBlock(cin, cout, stride)
        self.c2 = ConvBlock(cout, cout, 1)

    def forward(self, x):
        return self.c2(self.c1(x))


class UNet3D(nn.Module):
    """features: channels per level, e.g. (8, 16, 32, 64).
    strides: per-level down-sampling stride (len(features) - 1 entries), each an
    int or a (z, y, x) tuple; defaults to 2 on all axes."""

    def __init__(self, in_channels, num_classes, features=(8, 16, 32, 64), strides=None):
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.features = tuple(int(f) for f in features)
        if strides is None:
            strides = [2] * (len(features) - 1)
        self.strides = [tuple(s) if isinstance(s, (list, tuple)) else (s, s, s) for s in strides]
        assert len(self.strides) == len(features) - 1
        self.enc = nn.ModuleList()
        cin = in_channels
        for lvl, f in enumerate(self.features):
            self.enc.append(Stage(cin, f, 1 if lvl == 0 else self.strides[lvl - 1]))
            cin = f
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for lvl in range(len(self.features) - 1, 0, -1):
            f_hi, f_lo = self.features[lvl], self.features[lvl - 1]
            s = self.strides[lvl - 1]
            self.up.append(nn.ConvTranspose3d(f_hi, f_lo, kernel_size=s, stride=s, bias=True))
            self.dec.append(Stage(2 * f_lo, f_lo, 1))
        self.head = nn.Conv3d(self.features[0], num_classes, 1, bias=True)

    def divisor(self):
        d = [1, 1, 1]
        for s in self.strides:
            d = [a * b for a, b in zip(d, s)]
        return d

    def forward(self, x):
        skips = []
        for st in self.enc:
            x = st(x)
            skips.append(x)
        x = skips.pop()
        for up, dec in zip(self.up, self.dec):
            x = up(x)
            x = dec(torch.cat([x, skips.pop()], dim=1))
        return self.head(x)


def export_onnx(model, path, in_channels, example_shape=(1, 0, 16, 32, 32), dynamic_spatial=True):
    """Export to ONNX opset 17: input 'input' [N,C,Z,Y,X] float32, output 'logits'."""
    model = model.eval()
    shape = list(example_shape)
    shape[1] = in_channels
    x = torch.zeros(*shape, dtype=torch.float32)
    axes = {0: "N"}
    if dynamic_spatial:
        axes.update({2: "Z", 3: "Y", 4: "X"})
    torch.onnx.export(
        model, x, path,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": dict(axes), "logits": dict(axes)},
        opset_version=17, do_constant_folding=False,
        # torch >= 2.5 defaults to the dynamo exporter; the graphs here are the TorchScript one's
        **({"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}),
    )
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m
