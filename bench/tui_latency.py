#!/usr/bin/env python3
"""Responsiveness of the explorer, measured from outside as a user sees it.

Builds a tree of 1,000 faces (links to the demo faces), starts
`emotui TREE --protocol halfblocks` in tmux at 160x48 and reports:
  * first frame: from launching the process to the first drawn screen;
  * key while explaining: from sending a key (moving in the tree) while an
    explanation is running to the screen showing the move.
Screens are polled every 2 ms, so figures carry that resolution.
Run after `cargo build --release`: python3 bench/tui_latency.py [--backend tract]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMOTUI = os.path.join(ROOT, "target/release/emotui")
# A fresh tmux server per run: a new session on a server that is still
# shutting down from `kill-server` can die with it.
SOCKET = [f"emotui-latency-{os.getpid()}-0"]


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCKET[0], *args], capture_output=True, text=True).stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "lat")


def wait(pred, what, timeout=30.0):
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        s = screen()
        if pred(s):
            return time.perf_counter(), s
        time.sleep(0.002)
    raise SystemExit(f"timed out waiting for {what}; screen:\n{screen()}")


def explaining(s):
    for line in s.splitlines():
        if "Explaining " in line:
            return line.split("Explaining ", 1)[1].split()[0]
    return None


def main():
    backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "tract"
    faces = sorted(
        os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(ROOT, "data/test_crop")) for f in fs
    )
    tree = tempfile.mkdtemp()
    try:
        for i in range(1000):
            src = faces[i % len(faces)]
            cls = os.path.basename(os.path.dirname(src))
            os.makedirs(os.path.join(tree, cls), exist_ok=True)
            os.symlink(src, os.path.join(tree, cls, f"{i:04d}_{os.path.basename(src)}"))
        firsts, keys = [], []
        for run in range(3):
            SOCKET[0] = f"emotui-latency-{os.getpid()}-{run}"
            t0 = time.perf_counter()
            tmux("new-session", "-d", "-s", "lat", "-x", "160", "-y", "48",
                 f"{EMOTUI} {tree} --protocol halfblocks --backend {backend}; sleep 30")
            t1, _ = wait(lambda s: "1 Browse" in s, "the first frame")
            firsts.append(t1 - t0)
            # Explain the first face and move while it runs.
            tmux("send-keys", "-t", "lat", "2")
            wait(lambda s: "perturbations" in s and "Explaining" in s, "the explanation to start")
            for _ in range(5):
                _, before = wait(lambda s: "Explaining" in s, "a running explanation")
                name = explaining(before)
                t2 = time.perf_counter()
                tmux("send-keys", "-t", "lat", "j")
                # The move shows as the explain tab naming the next face.
                t3, _ = wait(lambda s: explaining(s) not in (None, name), "the redraw")
                keys.append(t3 - t2)
                time.sleep(0.05)
            tmux("kill-server")
        ms = lambda v: f"median {statistics.median(v) * 1000:.0f} ms, max {max(v) * 1000:.0f} ms"
        print(f"faces: 1000, backend: {backend}")
        print(f"first frame after launch: {ms(firsts)} (targets: 100 ms)")
        print(f"key press to redraw while explaining: {ms(keys)} (target: 50 ms)")
    finally:
        tmux("kill-server")
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
