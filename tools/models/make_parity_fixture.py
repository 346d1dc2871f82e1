#!/usr/bin/python3
"""ONNX parity fixture for the Go inference code: testdata/onnx/parity/.

Builds a tiny, untrained but seeded UNet3D (tools/models/unet3d.py; 2 input
channels, 3 classes, widths 4-6-8, dynamic batch and spatial axes), exports it
to model.onnx (opset 17) and writes:

  input.f32   raw little-endian float32, shape meta.input_shape  (seeded normal noise)
  output.f32  raw little-endian float32, shape meta.output_shape (torch's logits)
  meta.json   {"input_shape", "output_shape", "input_name", "output_name",
               "torch_version", ...}

    /usr/bin/python3 tools/models/make_parity_fixture.py [--out testdata/onnx/parity]

Deterministic: the same torch version writes the same files.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet3d import UNet3D, export_onnx  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "testdata", "onnx", "parity"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(1234)
    torch.set_num_threads(1)
    model = UNet3D(2, 3, features=(4, 6, 8)).eval()
    # Untrained InstanceNorm affine params are 1/0; perturb them (and biases) so
    # that the fixture exercises the scale and shift paths too.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
    shape = [1, 2, 16, 24, 32]
    rng = np.random.default_rng(1234)
    x = rng.standard_normal(shape).astype("<f4")
    with torch.inference_mode():
        y = model(torch.from_numpy(x.astype(np.float32))).numpy().astype("<f4")
    path = os.path.join(args.out, "model.onnx")
    export_onnx(model, path, 2, example_shape=shape)
    x.tofile(os.path.join(args.out, "input.f32"))
    y.tofile(os.path.join(args.out, "output.f32"))
    meta = {
        "input_shape": list(x.shape),
        "output_shape": list(y.shape),
        "input_name": "input",
        "output_name": "logits",
        "dtype": "float32",
        "byte_order": "little",
        "torch_version": torch.__version__,
        "opset": 17,
        "dynamic_axes": ["N", "Z", "Y", "X"],
        "spatial_divisor": model.divisor(),
        "features": list(model.features),
        "seed": 1234,
        "generator": "tools/models/make_parity_fixture.py",
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps({"out": args.out, "onnx_bytes": os.path.getsize(path),
                      "output_min": float(y.min()), "output_max": float(y.max())}))


if __name__ == "__main__":
    main()
