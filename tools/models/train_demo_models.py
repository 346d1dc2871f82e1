#!/usr/bin/python3
"""Train the kidney3d demo segmentation models and export them as model packages.

    /usr/bin/python3 tools/models/train_demo_models.py [--bin bin/kidney3d]
        [--only NAME[,NAME]] [--quick] [--cache /tmp/k3d-train] [--out assets/models]

For every training seed (default 100-199) and validation seed (41-50) it runs
`kidney3d demo` to make a synthetic 3-phase case, then `kidney3d run` with a
load + register_P + register_D configuration, so that the models see exactly
what the app feeds them: A as written, P and D registered onto the A grid.
The arrays are cached as /tmp/k3d-train/s<seed>.npz in [Z, Y, X] order
(np.transpose(nifti_array, (2, 1, 0))). Seeds 21-40 are the held-out test set
and are refused.

Then it trains four small 3D U-Nets (tools/models/unet3d.py) with Dice + CE,
foreground-oversampled patches (1/3 centred on a voxel of a random foreground
class), left-right flips and intensity jitter, evaluates them on seeds 41-50
with a Gaussian-weighted sliding window (tile step 0.5, the model's patch size)
and writes assets/models/<name>/{model.onnx, model.json}.

--quick trains a few iterations on a few cases (smoke test; writes to
/tmp/k3d-train/quick-models unless --out is given). Everything is seeded, so a
rerun on the same machine and torch build reproduces the weights.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

REGISTER_CFG = """stages:
  - stage: load
  - {stage: register, name: register_P, params: {phase: P}}
  - {stage: register, name: register_D, params: {phase: D}}
"""
HELD_OUT = set(range(21, 41))  # test seeds: never train or select on these

FEATURES = (8, 16, 32, 64)
PATCH = (48, 64, 64)  # z, y, x
SPACING = [3.5, 2.75, 2.75]  # z, y, x (mm)
MIRROR_AXES = [2]  # default: trained with x (left-right) flips only

# name -> input phases, output labels as (name, truth values), iterations, CE class weights
MODELS = {
    "demo-organs": dict(
        phases=["A"],
        labels=[("liver", [9]), ("spleen", [10]), ("pancreas", [11]), ("aorta", [12]),
                ("inferior_vena_cava", [13]), ("spine", [14]), ("urinary_bladder", [15])],
        # liver right, spleen left: no left-right flips; the spleen (next to the kidney, which is
        # background here, at similar HU) is learnt last: sample it and weight it more
        iters=1500, fg=0.67, mirror_axes=[], fg_class_weights=[1, 3, 2, 1, 1, 1, 2],
        ce_weights=[1, 1, 3, 2, 1, 1, 1, 2],
        description="Demo abdominal organ model (liver, spleen, pancreas, aorta, inferior vena cava, "
                    "spine, urinary bladder) trained on synthetic kidney3d demo cases. Not for clinical use."),
    "demo-vessels": dict(
        phases=["A", "P"],
        labels=[("kidney", [1, 2, 3, 4]), ("artery", [5]), ("vein", [6])],
        iters=1600, fg=0.67, fg_class_weights=[0.2, 0.4, 0.4], ce_weights=[1.0, 1.0, 2.0, 2.0],
        description="Demo kidney, artery and vein model trained on synthetic kidney3d demo cases. "
                    "Not for clinical use."),
    "demo-ureter": dict(
        phases=["D"],
        labels=[("kidney", [1, 2, 3, 4]), ("ureter", [7])],
        iters=500, fg=0.5,
        description="Demo kidney and ureter model (delayed phase) trained on synthetic kidney3d demo "
                    "cases. Not for clinical use."),
    "demo-tumour": dict(
        phases=["A", "P"],
        labels=[("kidney", [1, 2]), ("tumor", [3]), ("cyst", [4])],
        # cysts (~0 HU) sit near the clip floor (p0.5 ~ -17 HU), close to clipped fat; weighting
        # them up further (0.45 / CE 4) found some cysts but lost tumours (tools/models/README.md)
        iters=1500, fg=0.67, fg_class_weights=[0.2, 0.4, 0.4], ce_weights=[1.0, 1.0, 2.0, 2.0],
        # 1.1.0: trained on from those weights at a third of the learning rate (validation
        # tumour 0.853 -> 0.893, cyst 0.00 -> 0.61)
        then=dict(iters=2251, lr=1e-3, init_iters=1500), version="1.1.0",
        description="Demo kidney, tumour and cyst model trained on synthetic kidney3d demo cases. "
                    "Not for clinical use."),
    # Single-phase models: the one input channel is any phase of "A|P|D" (the app feeds the
    # first the case has); each training case gives one image per phase, all with its labels.
    "demo-kidney": dict(
        phases=["A|P|D"],
        labels=[("kidney", [1, 2]), ("tumor", [3]), ("cyst", [4])],
        iters=1500, fg=0.67, fg_class_weights=[0.2, 0.4, 0.4], ce_weights=[1.0, 1.0, 2.0, 2.0],
        # Each (case, phase) is seen a third as often as a two-phase model's cases: train on from
        # those weights with the tumour sampled and weighted more (validation tumour 0.62 -> 0.69).
        # 1.1.0: a third stage on patches of a third of the voxels, so 2.3 times as many patches
        # per minute, all but a quarter centred on the kidney, tumour or cyst (validation tumour
        # 0.694 -> 0.753: A 0.717 -> 0.726, P 0.704 -> 0.795, D 0.661 -> 0.737).
        then=dict(iters=2000, lr=2e-3, fg=0.75, fg_class_weights=[0.15, 0.5, 0.35],
                  ce_weights=[1.0, 1.0, 3.0, 2.0], init_iters=1500,
                  then=dict(iters=8131, patch=[32, 48, 48], init_iters=3500)),
        version="1.1.0",
        description="Demo single-phase kidney, tumour and cyst model (any one contrast phase: "
                    "arterial, portal venous or delayed) trained on synthetic kidney3d demo cases. "
                    "Not for clinical use."),
    "demo-vessels-single": dict(
        phases=["A|P"],
        labels=[("artery", [5]), ("vein", [6])],
        iters=1600, fg=0.67, ce_weights=[1.0, 2.0, 2.0],
        description="Demo single-phase artery and vein model (arterial or portal venous phase) "
                    "trained on synthetic kidney3d demo cases. Not for clinical use."),
}
ORDER = ["demo-organs", "demo-ureter", "demo-tumour", "demo-vessels", "demo-kidney", "demo-vessels-single"]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ----------------------------------------------------------------------------- data

def prepare_case(binary, cache, seed):
    """Generate demo case `seed`, register P and D onto A with the app, and cache
    the arrays as [Z, Y, X]."""
    if seed in HELD_OUT:
        raise SystemExit(f"seed {seed} is held out for testing (21-40)")
    out = os.path.join(cache, f"s{seed}.npz")
    if os.path.exists(out):
        return out
    case = os.path.join(cache, f"case-{seed}")
    shutil.rmtree(case, ignore_errors=True)
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # One core per case: cases are prepared in parallel (--prepare-jobs).
    q["env"] = dict(os.environ, GOMAXPROCS="1")
    r = subprocess.run([binary, "demo", "--out", case, "--seed", str(seed)], **q)
    if r.returncode:
        raise SystemExit(f"demo seed {seed} failed: {r.stderr.decode()[-2000:]}")
    cfg = os.path.join(cache, "register.yaml")
    with open(cfg, "w") as f:
        f.write(REGISTER_CFG)
    r = subprocess.run([binary, "run", case, "--config", cfg], **q)
    if r.returncode:
        raise SystemExit(f"register seed {seed} failed: {r.stderr.decode()[-2000:]}")
    paths = {
        "A": os.path.join(case, "input", "A.nii.gz"),
        "P": os.path.join(case, "work", "register_P", "registered", "P.nii.gz"),
        "D": os.path.join(case, "work", "register_D", "registered", "D.nii.gz"),
        "labels": os.path.join(case, "truth", "labels.nii.gz"),
    }
    arrs, ref = {}, None
    for k, p in paths.items():
        a, zooms, affine = read_nifti_zyx(p)
        if ref is None:
            ref = (a.shape, affine, zooms)
        elif a.shape != ref[0] or not np.allclose(affine, ref[1], atol=1e-3):
            raise SystemExit(f"{p}: grid differs from the A grid")
        arrs[k] = np.ascontiguousarray(a.astype(np.uint8 if k == "labels" else np.int16))
    arrs["spacing"] = np.array(ref[2][::-1], float)
    np.savez(out + ".tmp.npz", **arrs)
    os.replace(out + ".tmp.npz", out)
    shutil.rmtree(case, ignore_errors=True)
    return out


def read_nifti_zyx(path):
    """A NIfTI-1 file's voxels as [Z, Y, X] (np.transpose of nibabel's array),
    its (x, y, z) zooms and its sform affine. nibabel where it is installed;
    else a reader of the single-file NIfTI-1 layouts kidney3d writes (the
    training can run on a machine with numpy and torch alone)."""
    try:
        import nibabel as nib
    except ImportError:
        nib = None
    if nib is not None:
        img = nib.load(path)
        a = np.transpose(np.asarray(img.dataobj), (2, 1, 0))
        return a, tuple(float(z) for z in img.header.get_zooms()[:3]), img.affine
    import gzip
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    if int(np.frombuffer(raw[:4], "<i4")[0]) != 348:
        raise SystemExit(f"{path}: not a little-endian NIfTI-1 file")
    dim = np.frombuffer(raw[40:56], "<i2")
    dtypes = {2: np.uint8, 4: "<i2", 8: "<i4", 16: "<f4", 64: "<f8", 256: np.int8, 512: "<u2"}
    code = int(np.frombuffer(raw[70:72], "<i2")[0])
    if code not in dtypes:
        raise SystemExit(f"{path}: datatype {code} not read here")
    pixdim = np.frombuffer(raw[76:108], "<f4")
    off = int(np.frombuffer(raw[108:112], "<f4")[0])
    slope, inter = np.frombuffer(raw[112:120], "<f4")
    nx, ny, nz = int(dim[1]), int(dim[2]), int(dim[3])
    a = np.frombuffer(raw, dtypes[code], nx * ny * nz, off).reshape(nz, ny, nx)
    if slope not in (0, 1) or inter != 0:
        a = a * slope + inter
    srow = np.frombuffer(raw[280:328], "<f4").reshape(3, 4)
    affine = np.vstack([srow, [0, 0, 0, 1]]).astype(float)
    return a, tuple(float(z) for z in pixdim[1:4]), affine


def parse_seeds(s):
    seeds = []
    for part in s.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds.extend(range(int(a), int(b) + 1))
        elif part:
            seeds.append(int(part))
    bad = sorted(set(seeds) & HELD_OUT)
    if bad:
        raise SystemExit(f"seeds {bad} are held out for testing (21-40)")
    return seeds


def alternatives(spec):
    """The phases a single-channel model accepts ("A|P|D" -> A, P, D), or None
    for a model whose channels are fixed phases."""
    if len(spec["phases"]) == 1 and "|" in spec["phases"][0]:
        return spec["phases"][0].split("|")
    if any("|" in p for p in spec["phases"]):
        raise SystemExit("phase alternatives are supported for single-channel models only")
    return None


def load_case(cache, seed, spec):
    """The case's (image, labels, tag) pairs: one, or for a single-channel model
    with phase alternatives one per phase, sharing the labels."""
    d = np.load(os.path.join(cache, f"s{seed}.npz"))
    truth = d["labels"]
    lab = np.zeros(truth.shape, np.uint8)
    for idx, (_, vals) in enumerate(spec["labels"], start=1):
        lab[np.isin(truth, vals)] = idx
    alts = alternatives(spec)
    if alts:
        return [(d[p][None].astype(np.float32), lab, f"{seed}{p}") for p in alts]
    return [(np.stack([d[p] for p in spec["phases"]]).astype(np.float32), lab, str(seed))]


def intensity_properties(cases):
    """nnU-Net CTNormalization statistics from the foreground voxels of all
    training cases (voxels with any label of this model), per channel."""
    props = {}
    nch = cases[0][0].shape[0]
    for c in range(nch):
        v = np.concatenate([img[c][lab > 0] for img, lab in cases]).astype(np.float64)
        props[str(c)] = {
            "mean": float(v.mean()), "std": float(v.std()),
            "percentile_00_5": float(np.percentile(v, 0.5)),
            "percentile_99_5": float(np.percentile(v, 99.5)),
        }
    return props


def normalize(img, props):
    out = np.empty_like(img, dtype=np.float32)
    for c in range(img.shape[0]):
        p = props[str(c)]
        x = np.clip(img[c], p["percentile_00_5"], p["percentile_99_5"])
        out[c] = (x - p["mean"]) / max(p["std"], 1e-8)
    return out


# ----------------------------------------------------------------------------- training

class Sampler:
    """nnU-Net-like patch sampler: a fraction `fg` of the patches contain a voxel
    of a randomly chosen foreground class present in the case, placed at a random
    position in the central half of the patch; the others are uniform."""

    def __init__(self, cases, nclass, patch, rng, fg=1 / 3, class_weights=None, flip_x=True):
        self.cases, self.patch, self.rng, self.fg = cases, patch, rng, fg
        self.flip_x = flip_x
        self.class_weights = class_weights
        self.locs = []
        for _, lab in cases:
            per = {}
            for k in range(1, nclass):
                idx = np.flatnonzero(lab == k)
                if idx.size:
                    if idx.size > 20000:
                        idx = rng.choice(idx, 20000, replace=False)
                    per[k] = np.stack(np.unravel_index(idx, lab.shape), 1)
            self.locs.append(per)

    def one(self, force_fg):
        ci = self.rng.integers(len(self.cases))
        img, lab = self.cases[ci]
        shp = lab.shape
        P = self.patch
        per = self.locs[ci]
        if force_fg and per:
            ks = list(per)
            if self.class_weights:
                w = np.array([self.class_weights[k - 1] for k in ks], float)
                k = ks[self.rng.choice(len(ks), p=w / w.sum())]
            else:
                k = ks[self.rng.integers(len(ks))]
            v = per[k][self.rng.integers(len(per[k]))]
            lo = [int(v[a]) - P[a] // 2 + int(self.rng.integers(-(P[a] // 4), P[a] // 4 + 1)) for a in range(3)]
        else:
            lo = [int(self.rng.integers(0, shp[a] - P[a] + 1)) for a in range(3)]
        lo = [min(max(lo[a], 0), shp[a] - P[a]) for a in range(3)]
        sl = tuple(slice(lo[a], lo[a] + P[a]) for a in range(3))
        x = img[(slice(None),) + sl]
        y = lab[sl]
        if self.flip_x and self.rng.random() < 0.5:  # left-right flip (tensor axis x)
            x, y = x[..., ::-1], y[..., ::-1]
        x = x * self.rng.uniform(0.9, 1.1) + self.rng.uniform(-0.1, 0.1)
        if self.rng.random() < 0.2:
            x = x + self.rng.normal(0, 0.05, x.shape).astype(np.float32)
        return np.ascontiguousarray(x, np.float32), np.ascontiguousarray(y)

    def batch(self, n):
        xs, ys = zip(*[self.one(self.rng.random() < self.fg) for i in range(n)])
        return np.stack(xs), np.stack(ys)


def dice_ce_loss(logits, target, nclass, weights=None):
    import torch
    import torch.nn.functional as F
    ce = F.cross_entropy(logits, target, weight=weights)
    prob = logits.softmax(1)
    onehot = F.one_hot(target, nclass).permute(0, 4, 1, 2, 3).to(prob.dtype)
    dims = (0, 2, 3, 4)  # batch dice
    inter = (prob * onehot).sum(dims)
    den = prob.sum(dims) + onehot.sum(dims)
    dice = (2 * inter + 1e-5) / (den + 1e-5)
    return ce + (1 - dice[1:]).mean()


# ----------------------------------------------------------------------------- inference

def gaussian_weights(patch, sigma_scale=1 / 8):
    from scipy.ndimage import gaussian_filter
    g = np.zeros(patch, np.float32)
    g[tuple(p // 2 for p in patch)] = 1
    g = gaussian_filter(g, [p * sigma_scale for p in patch], mode="constant", cval=0)
    g = g / g.max()
    g[g == 0] = g[g > 0].min()
    return g.astype(np.float32)


def tile_starts(size, patch, step):
    if size <= patch:
        return [0]
    n = int(math.ceil((size - patch) / (patch * step))) + 1
    s = (size - patch) / (n - 1)
    return [int(round(i * s)) for i in range(n)]


def sliding_window(model, img, patch, step=0.5, batch=2):
    """nnU-Net-style Gaussian-weighted sliding window; img [C,Z,Y,X] normalized.
    Returns softmax-averaged probabilities [K,Z,Y,X] (the argmax is the label)."""
    import torch
    shp = img.shape[1:]
    pad = [max(0, patch[a] - shp[a]) for a in range(3)]
    if any(pad):
        img = np.pad(img, [(0, 0)] + [(0, p) for p in pad])
    full = img.shape[1:]
    g = gaussian_weights(patch)
    acc = np.zeros((model.num_classes,) + full, np.float32)
    wsum = np.zeros(full, np.float32)
    boxes = [(z, y, x) for z in tile_starts(full[0], patch[0], step)
             for y in tile_starts(full[1], patch[1], step)
             for x in tile_starts(full[2], patch[2], step)]
    with torch.inference_mode():
        for i in range(0, len(boxes), batch):
            bb = boxes[i:i + batch]
            xs = np.stack([img[:, z:z + patch[0], y:y + patch[1], x:x + patch[2]] for z, y, x in bb])
            dev = next(model.parameters()).device
            pr = model(torch.from_numpy(xs).to(dev)).softmax(1).cpu().numpy()
            for (z, y, x), p in zip(bb, pr):
                acc[:, z:z + patch[0], y:y + patch[1], x:x + patch[2]] += p * g
                wsum[z:z + patch[0], y:y + patch[1], x:x + patch[2]] += g
    acc /= wsum
    return acc[:, :shp[0], :shp[1], :shp[2]]


def dice_per_class(pred, lab, nclass):
    out = []
    for k in range(1, nclass):
        a, b = pred == k, lab == k
        s = a.sum() + b.sum()
        out.append(float("nan") if s == 0 else 2.0 * (a & b).sum() / s)
    return out


def evaluate(model, cases, names, patch):
    model.eval()
    per = []
    for img, lab in cases:
        pred = sliding_window(model, img, patch).argmax(0)
        per.append(dice_per_class(pred, lab, len(names) + 1))
    per = np.array(per)
    res = {n: round(float(np.nanmean(per[:, i])), 4) for i, n in enumerate(names)}
    return res, per


# ----------------------------------------------------------------------------- main

def train_model(name, spec, args, train_seeds, val_seeds):
    import torch
    from unet3d import UNet3D, export_onnx
    torch.set_num_threads(args.threads)
    lr = spec.get("lr", args.lr)
    seed = 1000 + ORDER.index(name)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    names = [n for n, _ in spec["labels"]]
    K = len(names) + 1
    t0 = time.time()
    raw = [(img, lab) for s in train_seeds for img, lab, _ in load_case(args.cache, s, spec)]
    props = intensity_properties(raw)
    train = [(normalize(img, props), lab) for img, lab in raw]
    del raw
    val_raw = [c for s in val_seeds for c in load_case(args.cache, s, spec)]
    val = [(normalize(img, props), lab) for img, lab, _ in val_raw]
    val_tags = [tag for _, _, tag in val_raw]
    del val_raw
    log(f"{name}: {len(train)} training / {len(val)} validation cases loaded in {time.time()-t0:.0f}s; "
        f"normalization {json.dumps(props)}")

    patch = tuple(spec.get("patch") or args.patch)
    features = tuple(spec.get("features", FEATURES))
    dev = torch.device(args.device)
    model = UNet3D(len(spec["phases"]), K, features)
    if spec.get("init_from"):
        # Continue from an earlier training of the same network (fine-tuning with other settings).
        model.load_state_dict(torch.load(os.path.join(args.cache, spec["init_from"]), map_location="cpu"))
        log(f"{name}: weights initialised from {spec['init_from']}")
    model.to(dev)
    iters = args.iters or (8 if args.quick else spec["iters"])
    mirror_axes = spec.get("mirror_axes", MIRROR_AXES)
    sampler = Sampler(train, K, patch, rng, spec.get("fg", 1 / 3), spec.get("fg_class_weights"),
                      flip_x=2 in mirror_axes)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-5)
    warm = min(50, iters // 10)
    total = [iters]  # --time-budget may fit it to the measured speed
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / max(1, warm)) * max(0.0, 1 - i / total[0]) ** 0.9)
    w = spec.get("ce_weights")
    weights = torch.tensor(w, dtype=torch.float32, device=dev) if w else None
    # Resumable: every 50 iterations the whole training state goes to a checkpoint in the
    # cache, keyed by the settings, so an interrupted run continues where it stopped (and
    # ends with the same weights as an uninterrupted one).
    import hashlib
    key = hashlib.sha1(json.dumps([name, {k: v for k, v in spec.items() if k != "description"}, iters,
                                   patch, args.batch, lr, args.train_seeds, features, args.time_budget],
                                  sort_keys=True, default=str).encode()).hexdigest()[:12]
    ckpt = os.path.join(args.cache, f"ckpt-{name}-{key}.pt")
    start, spent, run = 0, 0.0, 0.0
    if os.path.exists(ckpt) and not args.quick:
        st = torch.load(ckpt, map_location=dev)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        rng.bit_generator.state = st["np_rng"]
        torch.set_rng_state(st["torch_rng"])
        start, spent, run = st["it"], st["seconds"], st["run"]
        total[0] = iters = st.get("iters", iters)
        log(f"{name}: resuming at iteration {start} from {ckpt}")
    t1 = time.time() - spent
    model.train()
    it = start
    while it < iters:
        x, y = sampler.batch(args.batch)
        logits = model(torch.from_numpy(x).to(dev))
        loss = dice_ce_loss(logits, torch.from_numpy(y).to(dev).long(), K, weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 12)
        opt.step()
        sched.step()
        run = loss.item() if it == 0 else 0.98 * run + 0.02 * loss.item()
        if args.time_budget and it + 1 == 50 and start == 0:
            per = (time.time() - t1) / 50
            total[0] = iters = max(100, int(args.time_budget * 60 / per))
            log(f"{name}: {per:.3f}s/iter: {iters} iterations fit {args.time_budget} min")
        if (it + 1) % 50 == 0 or it + 1 == iters:
            el = time.time() - t1
            log(f"{name}: iter {it+1}/{iters} loss {run:.4f} lr {sched.get_last_lr()[0]:.2e} "
                f"{el/(it+1):.2f}s/iter eta {el/(it+1)*(iters-it-1)/60:.1f}min")
            if not args.quick and it + 1 < iters:
                torch.save({"it": it + 1, "iters": iters, "model": model.state_dict(), "opt": opt.state_dict(),
                            "sched": sched.state_dict(), "np_rng": rng.bit_generator.state,
                            "torch_rng": torch.get_rng_state(), "seconds": el, "run": run}, ckpt + ".tmp")
                os.replace(ckpt + ".tmp", ckpt)
        if args.eval_every and (it + 1) % args.eval_every == 0 and it + 1 < iters:
            res, _ = evaluate(model, val[:3], names, patch)
            log(f"{name}: iter {it+1} val(3 cases) dice {res}")
            model.train()
        it += 1
    train_s = time.time() - t1
    if os.path.exists(ckpt):
        os.remove(ckpt)
    t2 = time.time()
    res, per = evaluate(model, val, names, patch)
    log(f"{name}: trained in {train_s/60:.1f} min; validation dice (seeds {args.val_seeds}) {res} "
        f"[{time.time()-t2:.0f}s]")
    for tag, row in zip(val_tags, per):
        log(f"{name}:   seed {tag}: " + " ".join(f"{n}={v:.3f}" for n, v in zip(names, row)))
    by_phase = {}
    for p in alternatives(spec) or []:
        rows = per[[t.endswith(p) for t in val_tags]]
        by_phase[p] = {n: round(float(np.nanmean(rows[:, i])), 4) for i, n in enumerate(names)}
        log(f"{name}: validation dice on phase {p}: {by_phase[p]}")

    out = os.path.join(args.out, name)
    os.makedirs(out, exist_ok=True)
    model.eval().cpu()
    export_onnx(model, os.path.join(out, "model.onnx"), len(spec["phases"]),
                example_shape=(1, 0) + patch)
    torch.save(model.state_dict(), os.path.join(args.cache, f"{name}.pt"))
    meta = {
        "format": "kidney3d-model/1",
        "name": name,
        "version": spec.get("version", "1.0.0"),
        "description": spec["description"],
        "licence": "CC0-1.0",
        "intended_use": "demonstration only; trained on synthetic phantoms — not for clinical use",
        "training_data": f"synthetic phantoms made by `kidney3d demo --size small` (seeds {args.train_seeds}); "
                         "no patient data",
        "clinical_use": False,
        "input_phases": list(spec["phases"]),
        "channel_names": {str(i): p for i, p in enumerate(spec["phases"])},
        "labels": {"background": 0, **{n: i for i, n in enumerate(names, start=1)}},
        "spacing": SPACING,
        "patch_size": list(patch),
        "normalization_schemes": ["CTNormalization"] * len(spec["phases"]),
        "foreground_intensity_properties_per_channel": props,
        "transpose_forward": [0, 1, 2],
        "mirror_axes": mirror_axes,
        "tile_step_size": 0.5,
        # Demo cases are stored RAS and train on their arrays as stored.
        "orientation": "RAS",
        "onnx_input": "input",
        "onnx_output": "logits",
        "training": {
            "generator": "tools/models/train_demo_models.py",
            "data": "kidney3d demo --size small (synthetic), P and D registered onto A by the app"
                    + ("; one training image per phase of " + spec["phases"][0] if alternatives(spec) else ""),
            "seeds": args.train_seeds,
            "validation_seeds": args.val_seeds,
            "truth_labels": {n: v for n, v in spec["labels"]},
            "network": {"class": "tools/models/unet3d.py:UNet3D", "features": list(features),
                        "strides": [[2, 2, 2]] * (len(features) - 1),
                        "conv": "3x3x3, InstanceNorm(affine), LeakyReLU(0.01)"},
            "iterations": iters,
            **({"initialised_from": spec["init_from"] + " (an earlier run's weights: "
                + str(spec.get("init_iters")) + " iterations)"} if spec.get("init_from") else {}),
            "batch_size": args.batch,
            "loss": "cross-entropy + batch soft Dice (foreground classes)",
            "optimizer": f"AdamW lr {lr} poly(0.9)",
            "foreground_oversampling": round(spec.get("fg", 1 / 3), 3),
            "foreground_class_weights": spec.get("fg_class_weights"),
            "ce_class_weights": spec.get("ce_weights"),
            "augmentation": ("x flips, " if 2 in mirror_axes else "no flips, ")
                            + "intensity scale 0.9-1.1, shift +-0.1, noise",
            "train_seconds": round(train_s, 1),
            "torch_version": torch.__version__,
            "validation_dice": res,
            **({"validation_dice_by_phase": by_phase} if by_phase else {}),
            "validation_inference": "Gaussian sliding window, tile step 0.5, no mirroring",
        },
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    log(f"{name}: wrote {out} (model.onnx {os.path.getsize(os.path.join(out, 'model.onnx'))} bytes)")
    return {"name": name, "train_seconds": round(train_s, 1), "validation_dice": res}


def train_stages(name, args, train_seeds, val_seeds):
    """Train a model, then, while its spec says `then`, train on from the
    last weights with the settings given there (a `then` may hold its own);
    the package is the last stage's."""
    spec = MODELS[name]
    if args.override:
        spec = dict(spec, **json.loads(args.override))
    res = train_model(name, spec, args, train_seeds, val_seeds)
    stage = 1
    while spec.get("then"):
        prev = f"{name}-stage{stage}.pt"
        shutil.copy(os.path.join(args.cache, f"{name}.pt"), os.path.join(args.cache, prev))
        nxt = {k: v for k, v in spec.items() if k != "then"}
        nxt.update(spec["then"], init_from=prev)
        spec, stage = nxt, stage + 1
        res = train_model(name, spec, args, train_seeds, val_seeds)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "bin", "kidney3d"))
    ap.add_argument("--cache", default="/tmp/k3d-train")
    ap.add_argument("--out", default=None, help="default assets/models (quick: /tmp/k3d-train/quick-models)")
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--quick", action="store_true", help="smoke run: few cases, few iterations")
    ap.add_argument("--train-seeds", default="100-159")
    ap.add_argument("--val-seeds", default="41-50")
    ap.add_argument("--iters", type=int, default=0, help="override iterations per model")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--patch", type=int, nargs=3, default=list(PATCH), metavar=("Z", "Y", "X"))
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads per process (1: run two processes on two cores)")
    ap.add_argument("--eval-every", type=int, default=0, help="validate on 3 cases every N iterations")
    ap.add_argument("--jobs", type=int, default=2,
                    help="train in this many parallel processes (models split by iterations)")
    ap.add_argument("--override", default="", metavar="JSON",
                    help='experiments: JSON merged into each trained model\'s settings, e.g. \'{"iters": 800}\'')
    ap.add_argument("--prepare-only", action="store_true")
    ap.add_argument("--prepare-jobs", type=int, default=1, help="cases prepared in parallel")
    ap.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    ap.add_argument("--time-budget", type=float, default=0, metavar="MIN",
                    help="fit the iterations to this many minutes, measured over the first 50 (0: as set)")
    args = ap.parse_args()
    if args.quick:
        args.train_seeds = "100-103"
        args.val_seeds = "41-42"
    if args.out is None:
        args.out = "/tmp/k3d-train/quick-models" if args.quick else os.path.join(ROOT, "assets", "models")
    train_seeds, val_seeds = parse_seeds(args.train_seeds), parse_seeds(args.val_seeds)
    if set(train_seeds) & set(val_seeds):
        raise SystemExit("training and validation seeds overlap")
    os.makedirs(args.cache, exist_ok=True)
    t = time.time()
    seeds = val_seeds + train_seeds
    if args.prepare_jobs > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(args.prepare_jobs) as pool:
            list(pool.map(lambda s: prepare_case(args.bin, args.cache, s), seeds))
    else:
        for s in seeds:
            prepare_case(args.bin, args.cache, s)
    log(f"{len(val_seeds) + len(train_seeds)} cases ready in {args.cache} ({time.time()-t:.0f}s)")
    if args.prepare_only:
        return
    only = [n for n in args.only.split(",") if n] or ORDER
    for n in only:
        if n not in MODELS:
            raise SystemExit(f"unknown model {n}; have {ORDER}")
    only = [n for n in ORDER if n in only]
    if args.jobs > 1 and len(only) > 1:
        # longest first, each to the least-loaded group
        groups = [[] for _ in range(min(args.jobs, len(only)))]
        load = [0] * len(groups)
        for n in sorted(only, key=lambda n: -MODELS[n]["iters"]):
            g = load.index(min(load))
            groups[g].append(n)
            load[g] += MODELS[n]["iters"]
        procs = []
        for g in groups:
            cmd = [sys.executable, os.path.abspath(__file__), "--only", ",".join(g), "--jobs", "1"]
            for a in sys.argv[1:]:
                cmd.append(a)
            cmd = [c for i, c in enumerate(cmd)]
            # later --only/--jobs override the copied ones: argparse keeps the last
            cmd += ["--only", ",".join(g), "--jobs", "1"]
            log("starting " + ",".join(g))
            procs.append(subprocess.Popen(cmd))
        rc = [p.wait() for p in procs]
        if any(rc):
            raise SystemExit(f"training processes failed: {rc}")
        summary = []
        for n in only:
            with open(os.path.join(args.out, n, "model.json")) as f:
                m = json.load(f)
            summary.append({"name": n, "train_seconds": m["training"]["train_seconds"],
                            "validation_dice": m["training"]["validation_dice"]})
    else:
        summary = [train_stages(n, args, train_seeds, val_seeds) for n in only]
    log("summary " + json.dumps(summary))


if __name__ == "__main__":
    main()
