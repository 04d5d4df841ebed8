#!/usr/bin/env python3
"""Traffic generators and servers for the wirelens traffic lab.

Standard library only, so the lab needs nothing beyond python3.  Every
subcommand is meant to be run inside one of the lab's network namespaces
(see lab/lib.sh); servers bind to "::" with IPV6_V6ONLY off so one socket
serves both IPv4 and IPv6.

Payload bytes are deterministic (a seeded PRNG) so regenerated samples carry
the same contents from run to run.

Subcommands (all print one line per notable event on stdout):
  mkfiles DIR NAME:SIZE...          files of known sizes for the HTTP server
  sink    --port P                  TCP server: read until EOF, then close
  source  --port P --bytes N        TCP server: send N bytes, FIN, wait for peer FIN
  udp-echo --port P                 UDP server: echo every datagram back
  upload  --host H --port P --bytes N        TCP client: send N bytes, FIN, wait
  download --host H --port P [--rcvbuf B --chunk C --sleep S ...]
                                    TCP client: read until EOF (optionally slowly)
  udp     --host H --port P --count N --size S   UDP client, waits for echoes
  ping    --host H --count N        ICMP/ICMPv6 echo via raw sockets (no ping(8) needed)
  http    --port P                  tiny HTTP/1.1 server: GET /bytes/N, /reset (RST), else 404
  get     --host H --port P --path X [--sport S --repeat K --parallel K ...]
                                    HTTP/1.1 GETs, one connection each (Connection: close)
  delayline --dev D --delay MS [--reorder N ...]
                                    userspace delay line on a tun device (netem stand-in)
"""

import argparse
import collections
import errno
import fcntl
import heapq
import ipaddress
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time


def log(*args):
    print(*args, flush=True)


def payload(n, seed=0x5EED):
    """n deterministic pseudo-random bytes."""
    return random.Random(seed).randbytes(n)


def family_of(host):
    return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET


def listen_socket(kind, port, rcvbuf=None, sndbuf=None):
    """Dual-stack listening socket on [::]:port."""
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # Buffer sizes must be set on the listener: accepted sockets inherit them,
    # and the window scale is fixed at SYN time from the receive buffer.
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    s.bind(("::", port))
    if kind == socket.SOCK_STREAM:
        s.listen(64)
    return s


def drain_until_eof(conn, chunk=65536):
    total = 0
    while True:
        data = conn.recv(chunk)
        if not data:
            return total
        total += len(data)


# ---------------------------------------------------------------- servers

def serve_forever(srv, handler):
    log(f"listening {srv.getsockname()}")
    while True:
        conn, peer = srv.accept()
        threading.Thread(target=handler, args=(conn, peer), daemon=True).start()


def cmd_sink(a):
    def handle(conn, peer):
        with conn:
            try:
                n = drain_until_eof(conn)
                log(f"sink {peer[0]} received {n} bytes")
            except OSError as e:
                log(f"sink {peer[0]} error {e}")
    serve_forever(listen_socket(socket.SOCK_STREAM, a.port, a.rcvbuf, a.sndbuf), handle)


def cmd_source(a):
    data = payload(a.bytes)

    def handle(conn, peer):
        with conn:
            try:
                conn.sendall(data)
                # Half-close: our FIN follows the data; then wait for the
                # peer's FIN so the close is a clean four-way one.
                conn.shutdown(socket.SHUT_WR)
                drain_until_eof(conn)
                log(f"source {peer[0]} sent {len(data)} bytes")
            except OSError as e:
                log(f"source {peer[0]} error {e}")
    serve_forever(listen_socket(socket.SOCK_STREAM, a.port, a.rcvbuf, a.sndbuf), handle)


def cmd_udp_echo(a):
    s = listen_socket(socket.SOCK_DGRAM, a.port)
    log(f"listening {s.getsockname()}")
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


# ---------------------------------------------------------------- clients

def connect(a):
    s = socket.socket(family_of(a.host), socket.SOCK_STREAM)
    if getattr(a, "rcvbuf", None):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    if getattr(a, "sndbuf", None):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, a.sndbuf)
    s.settimeout(a.timeout)
    s.connect((a.host, a.port))
    return s


def cmd_upload(a):
    t0 = time.monotonic()
    with connect(a) as s:
        s.sendall(payload(a.bytes))
        s.shutdown(socket.SHUT_WR)
        drain_until_eof(s)
    log(f"upload {a.bytes} bytes in {time.monotonic() - t0:.3f}s")


def cmd_download(a):
    t0 = time.monotonic()
    total = reads = 0
    with connect(a) as s:
        while True:
            data = s.recv(a.chunk)
            if not data:
                break
            total += len(data)
            reads += 1
            # A slow reader: the receive buffer fills up and the advertised
            # window shrinks to zero while we sleep.
            if a.pause_every and reads % a.pause_every == 0:
                time.sleep(a.pause)
            elif a.sleep:
                time.sleep(a.sleep)
    log(f"download {total} bytes in {time.monotonic() - t0:.3f}s")
    if a.expect is not None and total != a.expect:
        sys.exit(f"download: expected {a.expect} bytes, got {total}")


def cmd_udp(a):
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    lost = 0
    for i in range(a.count):
        msg = (f"wirelens-lab udp {i:04d} ".encode() + payload(a.size, seed=i))[: a.size]
        s.sendto(msg, (a.host, a.port))
        if a.no_reply:
            pass
        else:
            try:
                s.recvfrom(65535)
            except socket.timeout:
                lost += 1
        time.sleep(a.interval)
    log(f"udp sent {a.count} datagrams, {lost} unanswered")


def inet_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def cmd_ping(a):
    fam = family_of(a.host)
    if fam == socket.AF_INET:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        req_type, rep_type = 8, 0
    else:
        # For raw ICMPv6 sockets the kernel fills in the checksum itself.
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        req_type, rep_type = 128, 129
    ident = os.getpid() & 0xFFFF
    answered = 0
    for seq in range(1, a.count + 1):
        # Like ping(8): 8-byte timestamp then a fixed pattern, 56 bytes in all.
        body = struct.pack("!II", int(time.time()), 0) + bytes(range(0x10, 0x40))
        hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq)
        if fam == socket.AF_INET:
            hdr = struct.pack("!BBHHH", req_type, 0, inet_checksum(hdr + body), ident, seq)
        s.sendto(hdr + body, (a.host, 0))
        deadline = time.monotonic() + a.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            pkt, _ = s.recvfrom(2048)
            if fam == socket.AF_INET:
                pkt = pkt[(pkt[0] & 0x0F) * 4:]  # raw IPv4 sockets include the IP header
            t, _c, _ck, pid, pseq = struct.unpack("!BBHHH", pkt[:8])
            if t == rep_type and pid == ident and pseq == seq:
                answered += 1
                break
        if seq < a.count:
            time.sleep(a.interval)
    log(f"ping {a.host}: {a.count} sent, {answered} answered")
    if answered == 0:
        sys.exit(1)


def cmd_mkfiles(a):
    os.makedirs(a.dir, exist_ok=True)
    for spec in a.files:
        name, size = spec.split(":")
        size = int(size)
        if name.endswith(".txt") or name.endswith(".html"):
            line = b"wirelens traffic lab sample payload 0123456789 abcdefghijklmnopqrstuvwxyz\n"
            data = (line * (size // len(line) + 1))[:size]
        else:
            data = payload(size, seed=size)
        with open(os.path.join(a.dir, name), "wb") as f:
            f.write(data)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def server(name, fn):
        sp = sub.add_parser(name)
        sp.add_argument("--port", type=int, required=True)
        sp.add_argument("--rcvbuf", type=int)
        sp.add_argument("--sndbuf", type=int)
        sp.set_defaults(fn=fn)
        return sp

    def client(name, fn):
        sp = sub.add_parser(name)
        sp.add_argument("--host", required=True)
        sp.add_argument("--port", type=int, default=0)
        sp.add_argument("--timeout", type=float, default=30.0)
        sp.set_defaults(fn=fn)
        return sp

    server("sink", cmd_sink)
    server("source", cmd_source).add_argument("--bytes", type=int, required=True)
    server("udp-echo", cmd_udp_echo)

    sp = client("upload", cmd_upload)
    sp.add_argument("--bytes", type=int, required=True)
    sp.add_argument("--sndbuf", type=int)

    sp = client("download", cmd_download)
    sp.add_argument("--rcvbuf", type=int, help="SO_RCVBUF, set before connect (the kernel doubles it)")
    sp.add_argument("--chunk", type=int, default=65536, help="bytes per recv()")
    sp.add_argument("--sleep", type=float, default=0.0, help="sleep after each recv()")
    sp.add_argument("--pause-every", type=int, default=0, help="every K recv()s sleep --pause instead")
    sp.add_argument("--pause", type=float, default=0.0)
    sp.add_argument("--expect", type=int, help="fail unless exactly this many bytes arrive")

    sp = client("udp", cmd_udp)
    sp.add_argument("--count", type=int, default=3)
    sp.add_argument("--size", type=int, default=64)
    sp.add_argument("--interval", type=float, default=0.05)
    sp.add_argument("--no-reply", action="store_true", help="do not wait for echoes")
    sp.set_defaults(timeout=1.0)

    sp = client("ping", cmd_ping)
    sp.add_argument("--count", type=int, default=3)
    sp.add_argument("--interval", type=float, default=0.2)
    sp.set_defaults(timeout=1.0)

    sp = sub.add_parser("mkfiles")
    sp.add_argument("dir")
    sp.add_argument("files", nargs="+", metavar="NAME:SIZE")
    sp.set_defaults(fn=cmd_mkfiles)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # Die of SIGINT rather than exit 0, so that the calling shell sees
        # the interrupt and runs its own traps (lab_down) instead of going on.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
