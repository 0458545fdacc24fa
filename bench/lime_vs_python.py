#!/usr/bin/env python3
"""emotui explain against Python lime 0.2.0.1 on the same face, same model.

Both explain the demo JOY face with 1,000 perturbations, the top 2 labels and
SLIC with about 40 superpixels and compactness 20, once as the 320x320 crop
and once resized to 64x64. Python lime calls the same ONNX model through
onnxruntime. Prints median wall times of 3 runs each and the ratios, and
emotui's own split: its total after loading the image, and the 1,000 model
evaluations alone.

Run via bench/lime_vs_python.sh (makes the venv), after
`cargo build --release`.
"""
import json
import os

os.environ["TQDM_DISABLE"] = "1"  # lime 0.2.0.1 always draws a tqdm bar
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
from lime import lime_image
from lime.wrappers.scikit_image import SegmentationAlgorithm
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FACE = os.path.join(ROOT, "data/test_crop/JOY/feat_0-f15-hao.png")
MODEL = os.path.join(ROOT, "models/emotion_fer_minixception.onnx")
EMOTUI = os.path.join(ROOT, "target/release/emotui")
RUNS = 3


def python_lime(path, session):
    image = np.asarray(Image.open(path).convert("L"))

    def classifier_fn(images):
        batch = []
        for im in images:
            g = Image.fromarray(im[:, :, 0].astype(np.uint8))
            if g.size != (64, 64):
                g = g.resize((64, 64), Image.BILINEAR)
            batch.append((np.asarray(g, np.float32) / 255.0 - 0.5) * 2.0)
        x = np.stack(batch)[:, :, :, None]
        return session.run(None, {"input": x})[0]

    seg = SegmentationAlgorithm("slic", n_segments=40, compactness=20, start_label=0)
    explainer = lime_image.LimeImageExplainer(random_state=0)
    t = time.perf_counter()
    explainer.explain_instance(
        image, classifier_fn, top_labels=2, num_samples=1000, segmentation_fn=seg, random_seed=0,
    )
    return time.perf_counter() - t


def emotui(path):
    t = time.perf_counter()
    out = subprocess.run(
        [EMOTUI, "explain", path, "--superpixels", "40", "--permutations", "1000",
         "--labels", "2", "--format", "json", "--backend", "ort",
         "--trust", "none", "--timings"],
        check=True, capture_output=True, text=True,
    )
    wall = time.perf_counter() - t
    timing = json.loads(out.stdout)[0]["timing_seconds"]
    total = timing["sampling"] + timing["fit"] + timing["trust"]
    return wall, total, timing["model"]


def main():
    if not os.path.exists(EMOTUI):
        sys.exit("build first: cargo build --release")
    session = ort.InferenceSession(MODEL, providers=["CPUExecutionProvider"])
    with tempfile.TemporaryDirectory() as tmp:
        small = os.path.join(tmp, "face64.png")
        Image.open(FACE).convert("L").resize((64, 64), Image.BILINEAR).save(small)
        print(f"{'face':>8} {'python lime':>12} {'emotui':>8} {'speed-up':>9}   "
              f"{'emotui in-process':>18} {'1000 evals':>11} {'total/evals':>12}")
        for name, path in [("320x320", FACE), ("64x64", small)]:
            py = statistics.median(python_lime(path, session) for _ in range(RUNS))
            runs = [emotui(path) for _ in range(RUNS)]
            wall = statistics.median(r[0] for r in runs)
            total = statistics.median(r[1] for r in runs)
            model = statistics.median(r[2] for r in runs)
            print(f"{name:>8} {py:>11.3f}s {wall:>7.3f}s {py / wall:>8.1f}x   "
                  f"{total:>17.3f}s {model:>10.3f}s {total / model:>11.3f}x")
    print("targets: >= 10x faster than Python lime at 320x320, >= 2x at 64x64; "
          "total <= 1.15x the 1,000 evaluations")


if __name__ == "__main__":
    main()
