#!/usr/bin/env bash
# Makes a venv with Python lime 0.2.0.1 (once, in target/bench-venv) and runs
# bench/lime_vs_python.py against the release build of emotui.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet lime==0.2.0.1 onnxruntime==1.31.1 scikit-image pillow numpy
fi
cargo build --release --quiet
exec "$venv/bin/python" bench/lime_vs_python.py
