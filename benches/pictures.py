#!/usr/bin/env python3
"""Key-to-picture time of the explorer, per graphics protocol.

Runs the real explorer in a pseudo-terminal of 160x48 cells (8x16-pixel
cells) for each protocol, plays the terminal's part (answers its queries:
background colour, version, device attributes with sixel, cell size), types
keys, and times from each key to the last picture byte the program writes
for it: what the program costs, whichever emulator then draws it (an
emulator adds its own parse and draw time: measured by hand in xterm and
kitty, see the README's images section).

    python3 benches/pictures.py [--bin target/release/emotui] [--reference BIN]

With --reference, runs that binary too (an older build of emotui, on the
same machine) and prints the ratio new/old per step. Uses tract so that
nothing else is needed; the explanation steps include LIME and the region
game (the same work in both binaries).
"""

import argparse
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

ROWS, COLS, CELL_W, CELL_H = 48, 160, 8, 16
PROTOCOLS = ["halfblocks", "sixel", "kitty", "iterm2"]
# (key, what it does, how long the step may take at most)
STEPS = [
    (None, "start: the first face", 20),
    ("2", "explain tab: LIME, region game, panels", 60),
    ("1", "back to browse", 10),
    ("2", "explain tab again", 10),
    ("jj", "next face (past a folder): its explanation", 60),
    ("kk", "previous face (explained before)", 10),
    ("jj", "next face again (explained before)", 10),
]
QUIET = 3.0

# Picture bytes of each protocol: a sixel DCS, a kitty APC or the Unicode
# placeholder that places an image sent before, an iTerm2 OSC, or a
# half-block character.
PICTURE = {
    "halfblocks": re.compile("\u2580|\u2584".encode()),
    "sixel": re.compile(rb"\x1bP[0-9;]*q"),
    "kitty": re.compile(rb"\x1b_G|" + "\U0010EEEE".encode()),
    "iterm2": re.compile(rb"\x1b\]1337;File="),
}


def answers(chunk):
    """What a sixel-capable xterm-like terminal answers to the queries in
    `chunk`."""
    out = b""
    if b"\x1b]11;?" in chunk:
        out += b"\x1b]11;rgb:0000/0000/0000\x1b\\"
    if b"\x1b[>q" in chunk or b"\x1b[>0q" in chunk:
        out += b"\x1bP>|bench(1)\x1b\\"
    if b"\x1b[16t" in chunk:
        out += b"\x1b[6;%d;%dt" % (CELL_H, CELL_W)
    if b"\x1b[14t" in chunk:
        out += b"\x1b[4;%d;%dt" % (ROWS * CELL_H, COLS * CELL_W)
    if b"\x1b[6n" in chunk:
        out += b"\x1b[1;1R"
    if b"\x1b[5n" in chunk:
        out += b"\x1b[0n"
    if b"\x1b[c" in chunk or b"\x1b[0c" in chunk:
        out += b"\x1b[?63;1;2;4;6;9;15;22c"
    return out


def run(binary, protocol, root):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(root)
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLORTERM"] = "truecolor"
        os.execv(binary, [binary, "data/test_crop", "--backend", "tract",
                          "--protocol", protocol])
    fcntl.ioctl(fd, termios.TIOCSWINSZ,
                struct.pack("HHHH", ROWS, COLS, COLS * CELL_W, ROWS * CELL_H))
    picture = PICTURE[protocol]
    times = []
    for key, _, limit in STEPS:
        start = time.monotonic()
        if key is not None:
            os.write(fd, key.encode())
        last_picture = None
        last_output = start
        while True:
            now = time.monotonic()
            if now - last_output > QUIET or now - start > limit:
                break
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            last_output = time.monotonic()
            reply = answers(chunk)
            if reply:
                os.write(fd, reply)
            if picture.search(chunk):
                last_picture = last_output
        times.append(None if last_picture is None else last_picture - start)
    os.write(fd, b"q")
    try:
        while os.read(fd, 1 << 16):
            pass
    except OSError:
        pass
    os.waitpid(pid, 0)
    return times


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(root, "target/release/emotui"))
    ap.add_argument("--reference", help="an older emotui to compare with")
    ap.add_argument("--protocols", default=",".join(PROTOCOLS),
                    help="which protocols, comma-separated")
    args = ap.parse_args()
    protocols = args.protocols.split(",")
    binaries = [("this", args.bin)] + ([("reference", args.reference)] if args.reference else [])
    results = {}
    for name, binary in binaries:
        for protocol in protocols:
            results[(name, protocol)] = run(os.path.abspath(binary), protocol, root)
    fmt = lambda t: "   —   " if t is None else f"{t * 1000:7.0f}"
    print(f"key-to-picture, ms ({COLS}x{ROWS} cells of {CELL_W}x{CELL_H} px, tract)")
    print(f"{'step':<42}" + "".join(f"{p:>11}" for p in protocols))
    for i, (key, what, _) in enumerate(STEPS):
        label = f"{key or '-'}  {what}"
        row = f"{label:<42}"
        for p in protocols:
            t = results[("this", p)][i]
            cell = fmt(t)
            if args.reference:
                r = results[("reference", p)][i]
                cell = f"{cell}/{fmt(r).strip()}"
            row += f"{cell:>11}"
        print(row)
    if args.reference:
        print("cells are this/reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
