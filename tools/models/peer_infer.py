#!/usr/bin/python3
"""Torch peer for the ONNX inference benchmarks.

    /usr/bin/python3 tools/models/peer_infer.py MODEL_DIR --patch Z Y X \
        [--batch B] [--repeat R] [--threads T] [--seed S]

MODEL_DIR holds a model.onnx exported from tools/models/unet3d.py:UNet3D (the
demo models in assets/models/*, or testdata/onnx/parity). The network is rebuilt
in torch from the ONNX initializers alone (widths, strides, channel and class
counts are read from their names and shapes; nothing outside the committed
files is needed), run under torch.inference_mode() on a seeded random
[B, C, Z, Y, X] float32 patch R times, and ONE JSON line is printed:

  {"tool": "torch", "version": ..., "model": ..., "patch": [Z, Y, X], "batch": B,
   "threads": T, "seconds_per_run": best of R, "peak_rss_mb": ...}

Checks (print one JSON line each and exit 1 on a mismatch):
  --verify FIXTURE_DIR   run the rebuilt network on FIXTURE_DIR/input.f32 and
                         compare with FIXTURE_DIR/output.f32 (testdata/onnx/parity)
  --verify-numpy         also evaluate the ONNX graph node by node with a small
                         NumPy interpreter of its operators (Conv,
                         InstanceNormalization, LeakyRelu, ConvTranspose, Concat)
                         and compare, i.e. check the torch peer against ONNX
                         semantics independently of torch's exporter.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def onnx_path(model_dir):
    p = model_dir if model_dir.endswith(".onnx") else os.path.join(model_dir, "model.onnx")
    if not os.path.exists(p):
        raise SystemExit(f"{p}: not found")
    return p


def initializers(path):
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    return m, {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}


def build_from_onnx(path):
    """UNet3D with the widths, strides and weights held in the ONNX initializers."""
    import torch
    from unet3d import UNet3D
    m, w = initializers(path)
    feats, lvl = [], 0
    while f"enc.{lvl}.c1.conv.weight" in w:
        feats.append(w[f"enc.{lvl}.c1.conv.weight"].shape[0])
        lvl += 1
    if not feats:
        raise SystemExit(f"{path}: no enc.*.c1.conv.weight initializers; not a tools/models/unet3d.py export")
    cin = w["enc.0.c1.conv.weight"].shape[1]
    ncls = w["head.weight"].shape[0]
    # up.0 undoes the deepest stride; kernel == stride
    strides = [list(w[f"up.{len(feats) - 1 - l}.weight"].shape[2:]) for l in range(1, len(feats))]
    model = UNet3D(cin, ncls, feats, strides)
    sd = model.state_dict()
    missing = [k for k in sd if k not in w]
    extra = [k for k in w if k not in sd]
    if missing or extra:
        raise SystemExit(f"{path}: initializers do not match UNet3D (missing {missing[:5]}, extra {extra[:5]})")
    model.load_state_dict({k: torch.from_numpy(np.array(w[k])) for k in sd})
    return model.eval(), m


# ----------------------------------------------------------------------------- NumPy ONNX interpreter

def _attrs(node):
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, wt, b, strides, pads, dil, group):
    assert group == 1 and all(d == 1 for d in dil)
    n, c, *sp = x.shape
    o, ci, *k = wt.shape
    nd = len(sp)
    pad = [(0, 0), (0, 0)] + [(pads[i], pads[i + nd]) for i in range(nd)]
    xp = np.pad(x, pad)
    outsz = [(xp.shape[2 + i] - k[i]) // strides[i] + 1 for i in range(nd)]
    out = np.zeros((n, o, *outsz), np.float64)
    for off in np.ndindex(*k):
        sl = tuple(slice(off[i], off[i] + strides[i] * (outsz[i] - 1) + 1, strides[i]) for i in range(nd))
        patch = xp[(slice(None), slice(None)) + sl]
        out += np.einsum("nc...,oc->no...", patch, wt[(slice(None), slice(None)) + off])
    if b is not None:
        out += b.reshape((1, -1) + (1,) * nd)
    return out


def _conv_transpose(x, wt, b, strides, pads, out_pad):
    assert not any(pads) and not any(out_pad)
    n, c, *sp = x.shape
    ci, o, *k = wt.shape
    nd = len(sp)
    outsz = [(sp[i] - 1) * strides[i] + k[i] for i in range(nd)]
    out = np.zeros((n, o, *outsz), np.float64)
    for off in np.ndindex(*k):
        sl = tuple(slice(off[i], off[i] + strides[i] * (sp[i] - 1) + 1, strides[i]) for i in range(nd))
        out[(slice(None), slice(None)) + sl] += np.einsum("nc...,co->no...", x, wt[(slice(None), slice(None)) + off])
    if b is not None:
        out += b.reshape((1, -1) + (1,) * nd)
    return out


def numpy_onnx_eval(model, feeds):
    """Evaluate a Conv/InstanceNormalization/LeakyRelu/ConvTranspose/Concat graph
    in float64 NumPy following the ONNX operator specifications."""
    from onnx import numpy_helper
    env = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    env.update({k: v.astype(np.float64) for k, v in feeds.items()})
    for node in model.graph.node:
        a = _attrs(node)
        ins = [env[i] if i else None for i in node.input]
        t = node.op_type
        if t == "Conv":
            x, wt = ins[0], ins[1]
            nd = wt.ndim - 2
            y = _conv(x, wt, ins[2] if len(ins) > 2 else None, a.get("strides", [1] * nd),
                      a.get("pads", [0] * 2 * nd), a.get("dilations", [1] * nd), a.get("group", 1))
        elif t == "ConvTranspose":
            x, wt = ins[0], ins[1]
            nd = wt.ndim - 2
            assert a.get("group", 1) == 1
            y = _conv_transpose(x, wt, ins[2] if len(ins) > 2 else None, a.get("strides", [1] * nd),
                                a.get("pads", [0] * 2 * nd), a.get("output_padding", [0] * nd))
        elif t == "InstanceNormalization":
            x, sc, bi = ins
            ax = tuple(range(2, x.ndim))
            mu = x.mean(ax, keepdims=True)
            var = x.var(ax, keepdims=True)
            shp = (1, -1) + (1,) * (x.ndim - 2)
            y = (x - mu) / np.sqrt(var + a.get("epsilon", 1e-5)) * sc.reshape(shp) + bi.reshape(shp)
        elif t == "LeakyRelu":
            x = ins[0]
            y = np.where(x >= 0, x, x * a.get("alpha", 0.01))
        elif t == "Concat":
            y = np.concatenate(ins, axis=a["axis"])
        elif t == "Identity":
            y = ins[0]
        else:
            raise SystemExit(f"numpy interpreter: unsupported op {t}")
        env[node.output[0]] = y
    return {o.name: env[o.name] for o in model.graph.output}


# ----------------------------------------------------------------------------- main

def compare(name, got, want, atol, rtol):
    err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    tol = atol + rtol * np.abs(want)
    ok = bool(np.all(err <= tol))
    print(json.dumps({"check": name, "ok": ok, "max_abs_err": float(err.max()),
                      "max_abs_ref": float(np.abs(want).max()), "shape": list(got.shape)}), flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--patch", type=int, nargs=3, metavar=("Z", "Y", "X"))
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--verify", metavar="FIXTURE_DIR")
    ap.add_argument("--verify-numpy", action="store_true")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    path = onnx_path(args.model_dir)
    model, onnx_model = build_from_onnx(path)
    name = os.path.basename(os.path.dirname(os.path.abspath(path)))
    jpath = os.path.join(os.path.dirname(path), "model.json")
    patch = args.patch
    if os.path.exists(jpath):
        with open(jpath) as f:
            meta = json.load(f)
        name = meta.get("name", name)
        patch = patch or meta.get("patch_size")

    ok = True
    if args.verify:
        with open(os.path.join(args.verify, "meta.json")) as f:
            fm = json.load(f)
        x = np.fromfile(os.path.join(args.verify, "input.f32"), "<f4").reshape(fm["input_shape"])
        want = np.fromfile(os.path.join(args.verify, "output.f32"), "<f4").reshape(fm["output_shape"])
        with torch.inference_mode():
            got = model(torch.from_numpy(x.astype(np.float32))).numpy()
        ok &= compare("torch_peer_vs_fixture", got, want, 1e-4, 1e-4)
        if args.verify_numpy:
            ref = numpy_onnx_eval(onnx_model, {fm["input_name"]: x})[fm["output_name"]]
            ok &= compare("numpy_onnx_vs_fixture", want, ref, 1e-4, 1e-4)
            ok &= compare("torch_peer_vs_numpy_onnx", got, ref, 1e-4, 1e-4)
    elif args.verify_numpy:
        shp = [1, model.in_channels] + [int(p) for p in (patch or [16, 16, 16])]
        x = np.random.default_rng(args.seed).standard_normal(shp).astype(np.float32)
        with torch.inference_mode():
            got = model(torch.from_numpy(x)).numpy()
        ref = numpy_onnx_eval(onnx_model, {"input": x})["logits"]
        ok &= compare("torch_peer_vs_numpy_onnx", got, ref, 1e-4, 1e-4)
    if args.verify or args.verify_numpy:
        if not ok:
            sys.exit(1)
        if not args.patch:
            return

    if not patch:
        raise SystemExit("--patch Z Y X is required (no model.json with patch_size)")
    patch = [int(p) for p in patch]
    div = model.divisor()
    if any(p % d for p, d in zip(patch, div)):
        raise SystemExit(f"patch {patch} must be divisible by {div}")
    x = torch.from_numpy(np.random.default_rng(args.seed).standard_normal(
        [args.batch, model.in_channels] + patch).astype(np.float32))
    best = float("inf")
    with torch.inference_mode():
        model(x)  # warm-up
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(json.dumps({"tool": "torch", "version": torch.__version__, "model": name, "patch": patch,
                      "batch": args.batch, "threads": args.threads, "seconds_per_run": round(best, 6),
                      "peak_rss_mb": round(rss, 1)}))


if __name__ == "__main__":
    main()
