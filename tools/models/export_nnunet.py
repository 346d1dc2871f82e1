#!/usr/bin/python3
"""Export a trained nnU-Net v2 model as a kidney3d model package.

    python3 tools/models/export_nnunet.py RESULTS_DIR --out PACKAGE_DIR \
        --phases A,P [--configuration 3d_fullres] [--folds 0 | --folds 0,1,2,3,4]
        [--checkpoint checkpoint_final.pth] [--name NAME] [--version 1.0.0]
        [--licence LICENCE] [--description TEXT] [--orientation RAS]
        [--intended-use TEXT] [--training-data TEXT] [--clinical-use]

RESULTS_DIR is the nnU-Net training output folder, e.g.
$nnUNet_results/Dataset101_Kidney/nnUNetTrainer__nnUNetPlans__3d_fullres, holding
plans.json, dataset.json and fold_X/checkpoint_final.pth. The network is built
by nnunetv2 itself (nnUNetPredictor.initialize_from_trained_model_folder), so
this needs a Python with nnunetv2 installed (the one it was trained with);
nothing here imports nnunetv2 at module level.

PACKAGE_DIR receives
  model.onnx   opset 17, input "input" float32 [N, C, Z, Y, X] and output
               "logits" [N, K, Z, Y, X], batch and spatial axes dynamic. With
               several folds, the graph runs every fold and averages their logits,
               as nnU-Net's own ensembling does.
  model.json   kidney3d-model/1; spacing, patch_size, normalization_schemes,
               foreground_intensity_properties_per_channel, transpose_forward,
               labels and channel_names copied 1:1 from plans.json/dataset.json;
               input_phases from --phases (one per channel, in channel order);
               mirror_axes from the checkpoint's inference_allowed_mirroring_axes
               (nnU-Net's default: all spatial axes); orientation from
               --orientation: nnU-Net trains on arrays as stored, so give the
               axis codes of the training images (nibabel.aff2axcodes, what
               `kidney3d info` prints; default RAS); intended_use,
               training_data and clinical_use from the options of those names
               (clinical_use is false unless --clinical-use is given, which
               needs both statements).

The mapping plans/dataset -> model.json is model_json_from_nnunet() and is tested
by tools/models/test_export_nnunet.py without nnunetv2 or torch.
"""
import argparse
import copy
import json
import os
import sys

FORMAT = "kidney3d-model/1"
INTENSITY_KEYS = ("mean", "std", "percentile_00_5", "percentile_99_5")


class ExportError(Exception):
    pass


def resolve_configuration(plans, configuration):
    """plans['configurations'][configuration] with 'inherits_from' chains merged
    (as nnunetv2's PlansManager does)."""
    confs = plans.get("configurations") or {}
    if configuration not in confs:
        raise ExportError(f"configuration {configuration!r} not in plans.json (have {sorted(confs)})")
    chain, name = [], configuration
    while name is not None:
        if name in chain:
            raise ExportError(f"configuration inheritance loop at {name!r}")
        if name not in confs:
            raise ExportError(f"configuration {chain[-1]!r} inherits from unknown {name!r}")
        chain.append(name)
        name = confs[name].get("inherits_from")
    merged = {}
    for name in reversed(chain):
        merged.update(copy.deepcopy(confs[name]))
    merged.pop("inherits_from", None)
    return merged


AXIS_CODES = ("RL", "AP", "SI")


def check_orientation(codes):
    """Axis codes such as RAS or LPS: one letter of each of R/L, A/P, S/I."""
    if len(codes) != 3 or sorted(next((i for i, p in enumerate(AXIS_CODES) if c in p), -1) for c in codes) != [0, 1, 2]:
        raise ExportError(f"orientation {codes!r}: want three axis codes, one of R/L, A/P and S/I each (e.g. RAS, LPS)")
    return codes


def model_json_from_nnunet(plans, dataset, configuration, phases, *, name=None, version="1.0.0",
                           licence=None, description=None, mirror_axes=None, tile_step_size=0.5,
                           folds=None, trainer=None, checkpoint=None, orientation="RAS",
                           intended_use=None, training_data=None, clinical_use=False):
    """Map nnU-Net v2 plans.json + dataset.json to a kidney3d model.json dict.

    phases: one kidney3d phase name per input channel, in channel order.
    mirror_axes: the checkpoint's inference_allowed_mirroring_axes, or None for
    nnU-Net's default (all spatial axes of the configuration).
    """
    conf = resolve_configuration(plans, configuration)
    if conf.get("previous_stage") or conf.get("previous_stage_name"):
        raise ExportError(f"{configuration} is a cascade stage (needs the previous stage's segmentation); "
                          "export 3d_fullres or 3d_lowres instead")
    spacing = [float(s) for s in conf["spacing"]]
    patch = [int(p) for p in conf["patch_size"]]
    if len(spacing) != 3 or len(patch) != 3:
        raise ExportError(f"{configuration} is not a 3D configuration (patch_size {patch})")

    channels = dataset.get("channel_names") or dataset.get("modality")
    if not channels:
        raise ExportError("dataset.json has no channel_names")
    channels = {str(k): str(v) for k, v in channels.items()}
    order = sorted(channels, key=int)
    if order != [str(i) for i in range(len(order))]:
        raise ExportError(f"channel_names keys must be 0..{len(order) - 1}, got {order}")
    phases = list(phases)
    if len(phases) != len(order):
        raise ExportError(f"--phases names {len(phases)} phase(s) {phases} but the model has "
                          f"{len(order)} input channel(s) {[channels[k] for k in order]}")
    for p in phases:
        if p not in ("A", "P", "D", "N"):
            raise ExportError(f"phase {p!r}: want A, P, D or N")
    if len(set(phases)) != len(phases):
        raise ExportError(f"duplicate phase in {phases}")
    if clinical_use and not (intended_use and training_data):
        raise ExportError("--clinical-use needs --intended-use and --training-data")

    labels = {}
    for k, v in dataset["labels"].items():
        if k == "ignore":
            continue  # nnU-Net's ignore label is never predicted
        if isinstance(v, (list, tuple)):
            raise ExportError(f"label {k!r} is a region {v}: region-based (sigmoid) models are not supported")
        labels[str(k)] = int(v)
    if labels.get("background") != 0:
        raise ExportError("dataset.json labels must map background to 0")
    values = sorted(labels.values())
    if values != list(range(len(values))):
        raise ExportError(f"label values must be consecutive 0..K-1, got {values}")
    labels = dict(sorted(labels.items(), key=lambda kv: kv[1]))

    schemes = list(conf["normalization_schemes"])
    if len(schemes) != len(order):
        raise ExportError(f"{len(schemes)} normalization_schemes for {len(order)} channels")
    use_mask = conf.get("use_mask_for_norm") or [False] * len(order)
    if any(use_mask):
        raise ExportError("use_mask_for_norm is set (non-zero-mask normalization, for cropped MRI); "
                          "kidney3d does not reproduce it")
    fip = plans.get("foreground_intensity_properties_per_channel")
    if fip is None:
        fip = (plans.get("foreground_intensity_properties_by_modality") or {})
    props = {}
    for c in order:
        p = fip.get(c) if fip else None
        if p is None:
            if schemes[int(c)] == "CTNormalization":
                raise ExportError(f"plans.json has no foreground_intensity_properties_per_channel for channel {c}")
            continue
        missing = [k for k in INTENSITY_KEYS if k not in p]
        if missing:
            raise ExportError(f"foreground intensity properties of channel {c} lack {missing}")
        props[c] = {k: float(p[k]) for k in INTENSITY_KEYS}

    transpose = [int(t) for t in plans.get("transpose_forward", [0, 1, 2])]
    if sorted(transpose) != [0, 1, 2]:
        raise ExportError(f"transpose_forward {transpose} is not a permutation of 0,1,2")
    if mirror_axes is None:
        mirror_axes = [0, 1, 2]
    mirror_axes = sorted(int(a) for a in mirror_axes)

    dataset_name = plans.get("dataset_name") or dataset.get("name") or "nnunet-model"
    out = {
        "format": FORMAT,
        "name": name or dataset_name,
        "version": version,
        "description": description or (
            f"nnU-Net v2 model {dataset_name} ({configuration}), exported by tools/models/export_nnunet.py."),
        "licence": licence or "proprietary",
        "input_phases": phases,
        "channel_names": {c: channels[c] for c in order},
        "labels": labels,
        "spacing": spacing,
        "patch_size": patch,
        "normalization_schemes": schemes,
        "foreground_intensity_properties_per_channel": props,
        "transpose_forward": transpose,
        "mirror_axes": mirror_axes,
        "tile_step_size": float(tile_step_size),
        "orientation": check_orientation(orientation),
        **({"intended_use": intended_use} if intended_use else {}),
        **({"training_data": training_data} if training_data else {}),
        "clinical_use": bool(clinical_use),
        "onnx_input": "input",
        "onnx_output": "logits",
        "training": {
            "framework": "nnU-Net v2",
            "dataset_name": dataset_name,
            "plans_name": plans.get("plans_name"),
            "configuration": configuration,
            "trainer": trainer,
            "folds": list(folds) if folds is not None else None,
            "checkpoint": checkpoint,
            "numTraining": dataset.get("numTraining"),
            "transpose_backward": plans.get("transpose_backward"),
            "batch_dice": conf.get("batch_dice"),
        },
    }
    return out


# ----------------------------------------------------------------------------- export (needs nnunetv2 + torch)

def export(args):
    import torch
    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

    folds = [f if f == "all" else int(f) for f in args.folds.split(",")]
    predictor = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=True,
                                device=torch.device("cpu"), verbose=False)
    predictor.initialize_from_trained_model_folder(args.results, use_folds=tuple(folds),
                                                   checkpoint_name=args.checkpoint)
    lm = predictor.label_manager
    if getattr(lm, "has_regions", False):
        raise ExportError("region-based (sigmoid) models are not supported")
    plans = predictor.plans_manager.plans
    dataset = predictor.dataset_json
    configuration = args.configuration
    conf_name = getattr(predictor.configuration_manager, "configuration_name", None)
    if conf_name and conf_name != configuration:
        raise ExportError(f"the checkpoints were trained with configuration {conf_name}, not {configuration}")
    meta = model_json_from_nnunet(
        plans, dataset, configuration, args.phases.split(","), name=args.name, version=args.version,
        licence=args.licence, description=args.description,
        mirror_axes=predictor.allowed_mirroring_axes, folds=folds, trainer=predictor.trainer_name,
        checkpoint=args.checkpoint, orientation=args.orientation, intended_use=args.intended_use,
        training_data=args.training_data, clinical_use=args.clinical_use)
    nclass = len(meta["labels"])

    class Ensemble(torch.nn.Module):
        """Runs each fold's network and averages the logits (nnU-Net's ensembling)."""

        def __init__(self, nets):
            super().__init__()
            self.nets = torch.nn.ModuleList(nets)

        def forward(self, x):
            y = None
            for n in self.nets:
                o = n(x)
                if isinstance(o, (list, tuple)):  # deep supervision left on: full resolution first
                    o = o[0]
                y = o if y is None else y + o
            return y if len(self.nets) == 1 else y / len(self.nets)

    nets = []
    for params in predictor.list_of_parameters:
        net = copy.deepcopy(predictor.network)
        net.load_state_dict(params)
        if hasattr(net, "decoder") and hasattr(net.decoder, "deep_supervision"):
            net.decoder.deep_supervision = False
        nets.append(net.eval())
    model = Ensemble(nets).eval()

    nch = len(meta["channel_names"])
    x = torch.randn(1, nch, *meta["patch_size"])
    with torch.no_grad():
        ref = model(x)
    if ref.shape[1] != nclass:
        raise ExportError(f"network has {ref.shape[1]} output channels, dataset.json {nclass} labels")

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    axes = {0: "N", 2: "Z", 3: "Y", 4: "X"}
    torch.onnx.export(model, x, onnx_path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": axes, "logits": axes}, opset_version=17,
                      do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    meta["training"]["nnunetv2_version"] = _nnunet_version()
    meta["training"]["torch_version"] = torch.__version__
    try:  # optional: check the ONNX against torch where onnxruntime is installed
        import numpy as np
        import onnxruntime as ort
        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        got = sess.run(["logits"], {"input": x.numpy()})[0]
        err = float(np.abs(got - ref.numpy()).max())
        meta["training"]["onnx_check_max_abs_err"] = err
        print(f"onnxruntime vs torch: max abs error {err:.2e}")
    except ImportError:
        print("onnxruntime not installed: skipped the ONNX-vs-torch check")
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}: model.onnx ({os.path.getsize(onnx_path)} bytes), model.json "
          f"(labels {list(meta['labels'])}, phases {meta['input_phases']}, patch {meta['patch_size']}, "
          f"spacing {meta['spacing']}, mirror_axes {meta['mirror_axes']})")


def _nnunet_version():
    try:
        from importlib.metadata import version
        return version("nnunetv2")
    except Exception:
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="nnU-Net training output folder (plans.json, dataset.json, fold_X/)")
    ap.add_argument("--out", required=True, help="package folder to write (model.onnx, model.json)")
    ap.add_argument("--phases", required=True, help="kidney3d phase per input channel, e.g. A,P")
    ap.add_argument("--configuration", default="3d_fullres")
    ap.add_argument("--folds", default="0", help="fold or comma-separated folds to ensemble (e.g. 0,1,2,3,4)")
    ap.add_argument("--checkpoint", default="checkpoint_final.pth")
    ap.add_argument("--name", default=None, help="package name (default: dataset name)")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--licence", default=None, help="licence of the weights, e.g. CC-BY-4.0 or proprietary")
    ap.add_argument("--description", default=None)
    ap.add_argument("--orientation", default="RAS",
                    help="axis codes of the training images as stored (nibabel.aff2axcodes), e.g. LPS")
    ap.add_argument("--intended-use", default=None, help="what the model is for, in words")
    ap.add_argument("--training-data", default=None, help="what the model was trained on, in words")
    ap.add_argument("--clinical-use", action="store_true",
                    help="its maker states it fit for clinical use (needs both statements)")
    args = ap.parse_args(argv)
    try:
        export(args)
    except ExportError as e:
        sys.exit(f"export_nnunet: {e}")


if __name__ == "__main__":
    main()
