#!/usr/bin/python3
"""Tests of the nnU-Net v2 plans/dataset -> kidney3d model.json mapping.

    /usr/bin/python3 -m unittest tools/models/test_export_nnunet.py
    /usr/bin/python3 tools/models/test_export_nnunet.py

Needs neither nnunetv2 nor torch: it feeds synthetic plans.json/dataset.json
(shaped like nnunetv2 2.x writes them) to export_nnunet.model_json_from_nnunet.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_nnunet as ex  # noqa: E402

PLANS = {
    "dataset_name": "Dataset101_KidneyCT",
    "plans_name": "nnUNetPlans",
    "original_median_spacing_after_transp": [3.0, 0.78, 0.78],
    "original_median_shape_after_transp": [120, 512, 512],
    "image_reader_writer": "SimpleITKIO",
    "transpose_forward": [0, 1, 2],
    "transpose_backward": [0, 1, 2],
    "configurations": {
        "2d": {
            "data_identifier": "nnUNetPlans_2d", "preprocessor_name": "DefaultPreprocessor",
            "batch_size": 12, "patch_size": [512, 512], "spacing": [0.78, 0.78],
            "normalization_schemes": ["CTNormalization", "CTNormalization"],
            "use_mask_for_norm": [False, False],
        },
        "3d_lowres": {
            "data_identifier": "nnUNetPlans_3d_lowres", "preprocessor_name": "DefaultPreprocessor",
            "batch_size": 2, "patch_size": [80, 160, 160], "median_image_size_in_voxels": [96, 256, 256],
            "spacing": [3.6, 1.6, 1.6],
            "normalization_schemes": ["CTNormalization", "CTNormalization"],
            "use_mask_for_norm": [False, False], "batch_dice": False,
            "architecture": {"network_class_name": "dynamic_network_architectures.architectures.unet.PlainConvUNet",
                             "arch_kwargs": {"n_stages": 6}, "_kw_requires_import": ["conv_op"]},
            "next_stage": "3d_cascade_fullres",
        },
        "3d_fullres": {
            "data_identifier": "nnUNetPlans_3d_fullres", "preprocessor_name": "DefaultPreprocessor",
            "batch_size": 2, "patch_size": [64, 192, 160], "median_image_size_in_voxels": [120, 512, 512],
            "spacing": [3.0, 0.78125, 0.78125],
            "normalization_schemes": ["CTNormalization", "CTNormalization"],
            "use_mask_for_norm": [False, False], "batch_dice": True,
            "architecture": {"network_class_name": "dynamic_network_architectures.architectures.unet.PlainConvUNet",
                             "arch_kwargs": {"n_stages": 6}, "_kw_requires_import": ["conv_op"]},
        },
        "3d_fullres_bigpatch": {"inherits_from": "3d_fullres", "patch_size": [96, 224, 224]},
        "3d_cascade_fullres": {"inherits_from": "3d_fullres", "previous_stage": "3d_lowres"},
    },
    "experiment_planner_used": "ExperimentPlanner",
    "label_manager": "LabelManager",
    "foreground_intensity_properties_per_channel": {
        "0": {"max": 3071.0, "mean": 103.2, "median": 101.0, "min": -1024.0,
              "percentile_00_5": -58.0, "percentile_99_5": 301.0, "std": 71.5},
        "1": {"max": 2976.0, "mean": 118.9, "median": 115.0, "min": -1000.0,
              "percentile_00_5": -41.0, "percentile_99_5": 270.0, "std": 60.25},
    },
}

DATASET = {
    "channel_names": {"0": "CT arterial", "1": "CT venous"},
    "labels": {"background": 0, "kidney": 1, "tumor": 2, "cyst": 3},
    "numTraining": 210,
    "file_ending": ".nii.gz",
}


def mapped(plans=PLANS, dataset=DATASET, conf="3d_fullres", phases=("A", "P"), **kw):
    return ex.model_json_from_nnunet(copy.deepcopy(plans), copy.deepcopy(dataset), conf, list(phases), **kw)


class MapTest(unittest.TestCase):
    def test_fields_map_one_to_one(self):
        m = mapped(name="hospital-kidney", version="2.1.0", licence="proprietary", mirror_axes=(0, 1, 2),
                   folds=[0, 1], trainer="nnUNetTrainer", checkpoint="checkpoint_final.pth")
        self.assertEqual(m["format"], "kidney3d-model/1")
        self.assertEqual(m["name"], "hospital-kidney")
        self.assertEqual(m["version"], "2.1.0")
        self.assertEqual(m["licence"], "proprietary")
        self.assertEqual(m["input_phases"], ["A", "P"])
        self.assertEqual(m["channel_names"], {"0": "CT arterial", "1": "CT venous"})
        self.assertEqual(m["labels"], {"background": 0, "kidney": 1, "tumor": 2, "cyst": 3})
        self.assertEqual(list(m["labels"]), ["background", "kidney", "tumor", "cyst"])
        self.assertEqual(m["spacing"], [3.0, 0.78125, 0.78125])
        self.assertEqual(m["patch_size"], [64, 192, 160])
        self.assertEqual(m["normalization_schemes"], ["CTNormalization", "CTNormalization"])
        self.assertEqual(m["foreground_intensity_properties_per_channel"], {
            "0": {"mean": 103.2, "std": 71.5, "percentile_00_5": -58.0, "percentile_99_5": 301.0},
            "1": {"mean": 118.9, "std": 60.25, "percentile_00_5": -41.0, "percentile_99_5": 270.0},
        })
        self.assertEqual(m["transpose_forward"], [0, 1, 2])
        self.assertEqual(m["mirror_axes"], [0, 1, 2])
        self.assertEqual(m["tile_step_size"], 0.5)
        self.assertEqual(m["onnx_input"], "input")
        self.assertEqual(m["onnx_output"], "logits")
        self.assertEqual(m["orientation"], "RAS")
        self.assertEqual(m["clinical_use"], False)
        self.assertNotIn("intended_use", m)
        self.assertEqual(m["training"]["folds"], [0, 1])
        self.assertEqual(m["training"]["dataset_name"], "Dataset101_KidneyCT")
        json.dumps(m)  # serialisable

    def test_required_keys(self):
        m = mapped()
        for k in ["format", "name", "version", "description", "licence", "input_phases", "channel_names",
                  "labels", "spacing", "patch_size", "normalization_schemes",
                  "foreground_intensity_properties_per_channel", "transpose_forward", "mirror_axes",
                  "tile_step_size", "onnx_input", "onnx_output", "training"]:
            self.assertIn(k, m)
        self.assertEqual(m["name"], "Dataset101_KidneyCT")

    def test_default_and_restricted_mirror_axes(self):
        self.assertEqual(mapped()["mirror_axes"], [0, 1, 2])
        self.assertEqual(mapped(mirror_axes=(2, 1))["mirror_axes"], [1, 2])
        self.assertEqual(mapped(mirror_axes=())["mirror_axes"], [])

    def test_inherits_from(self):
        m = mapped(conf="3d_fullres_bigpatch")
        self.assertEqual(m["patch_size"], [96, 224, 224])
        self.assertEqual(m["spacing"], [3.0, 0.78125, 0.78125])

    def test_lowres(self):
        m = mapped(conf="3d_lowres")
        self.assertEqual(m["spacing"], [3.6, 1.6, 1.6])
        self.assertEqual(m["patch_size"], [80, 160, 160])

    def test_transpose_forward_copied(self):
        p = copy.deepcopy(PLANS)
        p["transpose_forward"], p["transpose_backward"] = [2, 0, 1], [1, 2, 0]
        m = mapped(plans=p)
        self.assertEqual(m["transpose_forward"], [2, 0, 1])
        self.assertEqual(m["training"]["transpose_backward"], [1, 2, 0])

    def test_labels_sorted_by_value_and_ignore_dropped(self):
        d = copy.deepcopy(DATASET)
        d["labels"] = {"cyst": 3, "background": 0, "tumor": 2, "kidney": 1, "ignore": 4}
        m = mapped(dataset=d)
        self.assertEqual(list(m["labels"].items()),
                         [("background", 0), ("kidney", 1), ("tumor", 2), ("cyst", 3)])

    def test_single_channel(self):
        p = copy.deepcopy(PLANS)
        p["configurations"]["3d_fullres"]["normalization_schemes"] = ["CTNormalization"]
        p["configurations"]["3d_fullres"]["use_mask_for_norm"] = [False]
        d = copy.deepcopy(DATASET)
        d["channel_names"] = {"0": "CT"}
        m = mapped(plans=p, dataset=d, phases=["D"])
        self.assertEqual(m["input_phases"], ["D"])
        self.assertEqual(list(m["foreground_intensity_properties_per_channel"]), ["0"])

    def test_orientation_and_use_statements(self):
        m = mapped(orientation="LPS", intended_use="kidney tumour segmentation on portal venous CT",
                   training_data="KiTS23, 489 cases", clinical_use=True)
        self.assertEqual(m["orientation"], "LPS")
        self.assertEqual(m["intended_use"], "kidney tumour segmentation on portal venous CT")
        self.assertEqual(m["training_data"], "KiTS23, 489 cases")
        self.assertTrue(m["clinical_use"])

    def test_errors(self):
        with self.assertRaisesRegex(ex.ExportError, "2 input channel"):
            mapped(phases=["A"])
        with self.assertRaisesRegex(ex.ExportError, "duplicate"):
            mapped(phases=["A", "A"])
        with self.assertRaisesRegex(ex.ExportError, "want A, P, D or N"):
            mapped(phases=["A", "X"])
        with self.assertRaisesRegex(ex.ExportError, "orientation 'RAP'"):
            mapped(orientation="RAP")
        with self.assertRaisesRegex(ex.ExportError, "--clinical-use needs"):
            mapped(clinical_use=True, intended_use="kidney tumour segmentation")
        with self.assertRaisesRegex(ex.ExportError, "not in plans"):
            mapped(conf="3d_nope")
        with self.assertRaisesRegex(ex.ExportError, "cascade"):
            mapped(conf="3d_cascade_fullres")
        with self.assertRaisesRegex(ex.ExportError, "not a 3D"):
            mapped(conf="2d")
        d = copy.deepcopy(DATASET)
        d["labels"] = {"background": 0, "kidney": [1, 2], "tumor": 2}
        with self.assertRaisesRegex(ex.ExportError, "region"):
            mapped(dataset=d)
        d["labels"] = {"background": 0, "kidney": 1, "tumor": 3}
        with self.assertRaisesRegex(ex.ExportError, "consecutive"):
            mapped(dataset=d)
        p = copy.deepcopy(PLANS)
        p["configurations"]["3d_fullres"]["use_mask_for_norm"] = [True, False]
        with self.assertRaisesRegex(ex.ExportError, "use_mask_for_norm"):
            mapped(plans=p)
        p = copy.deepcopy(PLANS)
        del p["foreground_intensity_properties_per_channel"]["1"]["percentile_99_5"]
        with self.assertRaisesRegex(ex.ExportError, "lack"):
            mapped(plans=p)

    def test_cli_reports_missing_nnunet_cleanly(self):
        # The CLI imports nnunetv2 only when exporting; without it, it fails with ImportError,
        # and --help works everywhere.
        r = subprocess.run([sys.executable, ex.__file__, "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--phases", r.stdout)


if __name__ == "__main__":
    unittest.main()
