#!/usr/bin/env python3
"""Builds the crafted captures of tests/tcp_analysis_corpus.rs from their
scripts (crafted/*.txt), one pcap each (Ethernet, IPv4, valid checksums,
microsecond times from 1000 s after the epoch).

Script lines (# starts a comment):
    TIME DIR FLAGS SEQ ACK WIN LEN [ws=N] [mss=N] [sack=L-R,L-R] [ts]
DIR is c (10.0.0.1:1111 -> 10.0.0.2:80) or s (the reverse); FLAGS are
letters of S A F R P (any order); SEQ/ACK are raw numbers; LEN bytes of
payload ('x'). Standard library only.

Usage: craft.py crafted/*.txt   (writes crafted/NAME.pcap beside each)
"""
import struct
import sys

CLIENT = ("10.0.0.1", 1111)
SERVER = ("10.0.0.2", 80)


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


def options(opts):
    o = b""
    for k, v in opts:
        if k == "ws":
            o += bytes([1, 3, 3, int(v)])
        elif k == "mss":
            o += struct.pack("!BBH", 2, 4, int(v))
        elif k == "sack":
            blocks = [tuple(int(y) for y in x.split("-")) for x in v.split(",")]
            o += bytes([1, 1, 5, 2 + 8 * len(blocks)]) + b"".join(struct.pack("!II", l, r) for l, r in blocks)
        elif k == "ts":
            o += bytes([1, 1, 8, 10]) + struct.pack("!II", 1, 1)
        else:
            raise ValueError("unknown option " + k)
    while len(o) % 4:
        o += b"\0"
    return o


def frame(src, dst, flags, seq, ack, win, plen, opts):
    o = options(opts)
    bits = sum(b for ch, b in zip("FSRPA", [1, 2, 4, 8, 16]) if ch in flags)
    hlen = 20 + len(o)
    tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, (hlen // 4) << 4, bits, win, 0, 0) + o + b"x" * plen
    pseudo = ip4(src[0]) + ip4(dst[0]) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, ip4(src[0]), ip4(dst[0]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00" + ip + tcp


def build(script, out):
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for line in open(script):
            w = line.split("#")[0].split()
            if not w:
                continue
            t, d, flags = float(w[0]), w[1], w[2]
            seq, ack, win, plen = (int(x) for x in w[3:7])
            opts = [tuple(x.split("=", 1)) if "=" in x else (x, "") for x in w[7:]]
            src, dst = (CLIENT, SERVER) if d == "c" else (SERVER, CLIENT)
            p = frame(src, dst, flags, seq, ack, win, plen, opts)
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", 1000 + sec, usec, len(p), len(p)) + p)


if __name__ == "__main__":
    for script in sys.argv[1:]:
        build(script, script[: -len(".txt")] + ".pcap")
