#!/usr/bin/env python3
"""Write a SYNTHETIC SYN-flood capture for the benchmark (bench/run.sh).

Every packet is a TCP SYN (Ethernet, IPv4, Linux-like options: MSS, SACK
permitted, timestamps, window scale; 74 bytes) to 10.200.2.2:80, each from a
different source address and port in 198.18.0.0/15 (RFC 2544's benchmarking
range), so N packets make N distinct flows.  One every microsecond: a flood
of a million SYNs a second.  IPv4 and TCP checksums are correct.

Nothing is sent anywhere: the packets only exist in the file.  Standard
library only; deterministic (same file for the same arguments).

    python3 bench/synflood.py --flows 1000000 bench/data/synflood.pcap
"""

import argparse
import random
import struct

SNAPLEN = 96
START_SECS = 1795238400          # 2026-11-21T00:00:00Z, near the lab's captures


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def words(b):
    return sum(struct.unpack(f"!{len(b) // 2}H", b))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=6)
    a = ap.parse_args()
    if a.flows > 2 * 65536 * 60000:
        ap.error("too many flows for the address and port space")
    rng = random.Random(a.seed)

    dst = bytes([10, 200, 2, 2])
    eth = bytes.fromhex("8e20a952f1c0" "f6b2b425462e" "0800")    # router's and client's lab MACs
    tcp_len = 40
    # TCP options: MSS 1460, SACK permitted, timestamps (tsval filled in), NOP, window scale 7.
    opts_head = bytes([2, 4, 0x05, 0xB4, 4, 2, 8, 10])
    opts_tail = bytes([0, 0, 0, 0, 1, 3, 3, 7])

    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1))
        buf = []
        for i in range(a.flows):
            # Distinct (source address, source port) for every i.
            host = i % 131072
            src = bytes([198, 18 + (host >> 16), (host >> 8) & 0xFF, host & 0xFF])
            # Per address, k = i // 131072 gives distinct ports (7919 is prime to 64000).
            sport = 1024 + ((i // 131072) * 7919 + host * 13) % 64000
            seq = rng.getrandbits(32)
            tsval = rng.getrandbits(32)
            ip_id = rng.getrandbits(16)
            ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_len, ip_id, 0x4000, 64, 6, 0, src, dst))
            struct.pack_into("!H", ip, 10, ~fold(words(ip)) & 0xFFFF)
            tcp = bytearray(
                struct.pack("!HHIIBBHHH", sport, 80, seq, 0, (tcp_len // 4) << 4, 0x02, 64240, 0, 0)
                + opts_head + struct.pack("!I", tsval) + opts_tail
            )
            pseudo = words(src + dst) + 6 + tcp_len
            struct.pack_into("!H", tcp, 16, ~fold(pseudo + words(tcp)) & 0xFFFF)
            frame = eth + bytes(ip) + bytes(tcp)
            usec = i                                  # one SYN per microsecond
            buf.append(struct.pack("<IIII", START_SECS + usec // 1_000_000, usec % 1_000_000, len(frame), len(frame)))
            buf.append(frame)
            if len(buf) >= 20000:
                f.write(b"".join(buf))
                buf.clear()
        f.write(b"".join(buf))


if __name__ == "__main__":
    main()
