#!/usr/bin/env python3
"""Flow conformance: wirelens `flows` against tshark's tcp.stream/udp.stream.

For every capture, tshark's per-frame stream index, endpoints and frame
length are summed per stream (what `tshark -z conv,tcp|udp` counts, without
its kB rounding), and compared with `wirelens flows --format ndjson`:
the flow that starts at the stream's first frame must have the same
endpoints and the same packets and frame bytes in each direction.

Usage: flows.py --wirelens BIN [--strict] [FILES or dirs...]
Exit: 0 ok (or differences without --strict), 1 differences with --strict,
2 tooling failure.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from known import is_known, load_known  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus", "captures")
FIELDS = ["frame.number", "frame.len", "tcp.stream", "udp.stream", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "_ws.col.Protocol", "frame.protocols"]


def inputs(args):
    paths = args.files or [CORPUS, os.path.join(REPO, "samples")]
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, f) for f in os.listdir(p) if ".pcap" in f or f.endswith(".cap"))
        else:
            out.append(p)
    return out


def tshark_streams(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 and not r.stdout:
        return None
    streams = {}
    for line in r.stdout.splitlines():
        c = line.split("\t")
        if len(c) < len(FIELDS):
            continue
        num, flen, tstream, ustream, s4, s6, d4, d6, tsp, tdp, usp, udp_, _, protos = c
        layers = protos.split(":")
        # Only the frame's own transport: ICMP errors and sFlow samples
        # carry inner headers, so the first transport layer decides.
        own = next((l for l in layers if l in ("tcp", "udp", "icmp", "icmpv6")), None)
        if own == "tcp" and tstream:
            key, sp, dp = ("tcp", int(tstream)), tsp, tdp
        elif own == "udp" and ustream:
            key, sp, dp = ("udp", int(ustream)), usp, udp_
        else:
            continue
        src, dst = (s4 or s6), (d4 or d6)
        st = streams.get(key)
        if st is None:
            st = streams[key] = {"first": int(num), "a": (src, sp), "b": (dst, dp),
                                 "pkts": defaultdict(int), "bytes": defaultdict(int)}
        side = "a" if (src, sp) == st["a"] else "b"
        st["pkts"][side] += 1
        st["bytes"][side] += int(flen)
    return streams


def wirelens_flows(binary, path):
    # tshark's streams never time out: compare with inactivity endings off.
    r = subprocess.run([binary, "flows", "--idle-timeout", "0", "--format", "ndjson", path],
                       capture_output=True, text=True)
    if r.returncode not in (0, 2) or "panicked" in r.stderr:
        raise RuntimeError(f"wirelens failed on {path}: {r.returncode} {r.stderr[:200]}")
    flows = {}
    for line in r.stdout.splitlines():
        f = json.loads(line)
        if f["proto"] in ("tcp", "udp"):
            flows[(f["proto"], f["first_frame"])] = f
    return flows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wirelens", required=True)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if not os.path.exists(args.wirelens):
        print(f"binary {args.wirelens} missing", file=sys.stderr)
        return 2
    total = agree = known_n = 0
    diffs = []
    known = load_known(("flow",))
    for path in inputs(args):
        ts = tshark_streams(path)
        if ts is None:
            continue
        wl = wirelens_flows(args.wirelens, path)
        for (proto, _), st in sorted(ts.items(), key=lambda kv: kv[1]["first"]):
            total += 1
            f = wl.get((proto, st["first"]))
            name = os.path.basename(path)
            if is_known(known, name, st["first"]):
                known_n += 1
                continue
            if f is None:
                diffs.append(f"{name}: {proto} stream starting at frame {st['first']}: no wirelens flow starts there")
                continue
            orig = (f["orig_addr"], str(f["orig_port"]))
            got = {orig: (f["orig_pkts"], f["orig_frame_bytes"]),
                   (f["resp_addr"], str(f["resp_port"])): (f["resp_pkts"], f["resp_frame_bytes"])}
            want = {st["a"]: (st["pkts"]["a"], st["bytes"]["a"]), st["b"]: (st["pkts"]["b"], st["bytes"]["b"])}
            if got == want:
                agree += 1
            else:
                diffs.append(f"{name}: {proto} flow {f['id']} (frame {st['first']}): tshark {want} wirelens {got}")
    print(f"flows compared: {total}, agree: {agree}, known differences: {known_n}, unexplained: {len(diffs)}")
    for d in diffs[: (None if args.verbose else 20)]:
        print("  " + d)
    return 1 if (diffs and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
