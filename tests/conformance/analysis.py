#!/usr/bin/env python3
"""TCP analysis conformance, end to end: `wirelens packets --format ndjson`
(tcp.analysis.flags, from the flow tracker every command uses) against
tshark 4.0's expert messages, frame by frame, per verdict kind.

Agreement per kind = frames where both flag it / frames where either does.
With --strict, exits 1 if any kind is below --min (default 99.5%) or any
frame differs without a line in tests/known-differences.tsv (field
`tcp.analysis` or `*`).

Usage: analysis.py --wirelens BIN [--strict] [-v] [FILES or dirs...]
"""
import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from known import is_known, load_known  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus", "captures")

# tshark's expert messages (packet-tcp.c, 4.0) -> wirelens kind names.
MESSAGES = [
    (r"^This frame is a \(suspected\) fast retransmission", "fast_retransmission"),
    (r"^This frame is a \(suspected\) spurious retransmission", "spurious_retransmission"),
    (r"^This frame is a \(suspected\) retransmission", "retransmission"),
    (r"^This frame is a \(suspected\) out-of-order segment", "out_of_order"),
    (r"^Previous segment\(s\) not captured", "lost_segment"),
    (r"^ACKed segment that wasn't captured", "acked_unseen"),
    (r"^Duplicate ACK \(#\d+\)", "dup_ack"),
    (r"^TCP Zero Window segment", "zero_window"),
    (r"^TCP Zero Window Probe$", "zero_window_probe"),
    (r"^ACK to a TCP Zero Window Probe", "zero_window_probe_ack"),
    (r"^TCP keep-alive segment", "keep_alive"),
    (r"^ACK to a TCP keep-alive segment", "keep_alive_ack"),
    (r"^TCP window update", "window_update"),
    (r"^TCP window specified by the receiver is now completely full", "window_full"),
    (r"^A new tcp session is started with the same ports", "reused_ports"),
]


def inputs(files):
    paths = files or [CORPUS, os.path.join(REPO, "samples")]
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, f) for f in os.listdir(p) if ".pcap" in f or f.endswith(".cap"))
        else:
            out.append(p)
    return out


def tshark_kinds(path):
    r = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
                        "-E", "aggregator=\x1f", "-e", "frame.number", "-e", "frame.protocols",
                        "-e", "_ws.expert.message"], capture_output=True, text=True)
    if r.returncode != 0 and not r.stdout:
        return None
    kinds = {}
    for line in r.stdout.splitlines():
        c = line.split("\t")
        if len(c) < 3:
            continue
        layers = c[1].split(":")
        own = next((l for l in layers if l in ("tcp", "udp", "icmp", "icmpv6")), None)
        if own != "tcp":
            continue  # ICMP errors and sFlow quote TCP headers: not this frame's own segment
        ks = set()
        for m in c[2].split("\x1f"):
            for pat, k in MESSAGES:
                if re.match(pat, m):
                    ks.add(k)
                    break
        kinds[int(c[0])] = ks
    return kinds


def wirelens_kinds(binary, path):
    r = subprocess.run([binary, "packets", "--format", "ndjson", path], capture_output=True, text=True)
    if r.returncode not in (0, 2) or "panicked" in r.stderr:
        raise RuntimeError(f"wirelens failed on {path}: {r.returncode} {r.stderr[:300]}")
    kinds = {}
    for line in r.stdout.splitlines():
        p = json.loads(line)
        t = p.get("tcp")
        if t is None:
            continue
        kinds[p["frame"]] = set((t.get("analysis") or {}).get("flags", []))
    return kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wirelens", required=True)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--min", type=float, default=99.5)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    known = load_known(("tcp.analysis",))
    both = defaultdict(int)
    either = defaultdict(int)
    diffs = []
    known_n = 0
    for path in inputs(a.files):
        ts = tshark_kinds(path)
        if ts is None:
            continue
        wl = wirelens_kinds(a.wirelens, path)
        name = os.path.basename(path)
        for frame in sorted(set(ts) | set(wl)):
            t, w = ts.get(frame, set()), wl.get(frame, set())
            for k in t | w:
                either[k] += 1
                if k in t and k in w:
                    both[k] += 1
            if t != w:
                if is_known(known, name, frame):
                    known_n += 1
                else:
                    diffs.append(f"{name} frame {frame}: tshark {sorted(t)} wirelens {sorted(w)}")
    ok = True
    print(f"{'kind':<26}{'frames':>8}{'agree':>8}{'agree%':>9}")
    for k in sorted(either):
        pct = 100.0 * both[k] / either[k]
        ok &= pct >= a.min
        print(f"{k:<26}{either[k]:>8}{both[k]:>8}{pct:>8.2f}%")
    print(f"frames differing: {len(diffs)} unexplained, {known_n} known")
    for d in diffs[: (None if a.verbose else 20)]:
        print("  " + d)
    if a.strict and (diffs or not ok):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
