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


# ------------------------------------------------------------ short HTTP

def http_body(n):
    """n bytes of readable text, the same for every n."""
    line = b"wirelens short connection body 0123456789 abcdefghijklmnopqrstuvwxyz\n"
    return (line * (n // len(line) + 1))[:n]


def read_request(conn, limit=65536):
    """Bytes up to and including the blank line that ends the header ("" if
    the peer closes first)."""
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < limit:
        data = conn.recv(4096)
        if not data:
            break
        buf += data
    return buf


def reset_close(conn):
    """Close with a RST instead of a FIN (SO_LINGER on, timeout 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def cmd_http(a):
    """HTTP/1.1, one request per connection (the server closes first):
    GET /bytes/N  200 with N bytes of text;  GET /reset  no answer, the
    connection is reset (RST);  anything else  404."""
    def handle(conn, peer):
        try:
            req = read_request(conn)
            words = req.split(b"\r\n", 1)[0].split()
            path = words[1].decode("latin-1") if len(words) >= 2 else ""
            if path == "/reset":
                log(f"http {peer[0]} {path} reset")
                reset_close(conn)
                return
            if path.startswith("/bytes/") and path[7:].isdigit():
                status, body = "200 OK", http_body(int(path[7:]))
            else:
                status, body = "404 Not Found", b"not found\n"
            head = (f"HTTP/1.1 {status}\r\nServer: wirelens-lab\r\n"
                    f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                    "Connection: close\r\n\r\n").encode()
            conn.sendall(head + body)
            conn.shutdown(socket.SHUT_WR)       # our FIN first, then the client's
            drain_until_eof(conn)
            conn.close()
            log(f"http {peer[0]}:{peer[1]} {path} {status.split()[0]} {len(body)}")
        except OSError as e:
            log(f"http {peer[0]} error {e}")
            conn.close()
    serve_forever(listen_socket(socket.SOCK_STREAM, a.port), handle)


def http_get(a, sport):
    """One GET on a connection of its own; returns (status, body bytes),
    status "reset" if the server reset the connection, "refused" if it
    answered the SYN with a RST."""
    fam = family_of(a.host)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        if sport:
            # A fixed source port: SO_REUSEADDR lets the bind succeed while
            # the previous connection from this port is still closing; the
            # connect is retried until its 4-tuple is free again.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
            deadline = time.monotonic() + 5
            while True:
                try:
                    s.connect((a.host, a.port))
                    break
                except OSError as e:
                    if e.errno not in (errno.EADDRNOTAVAIL, errno.EADDRINUSE) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
        else:
            s.connect((a.host, a.port))
    except ConnectionRefusedError:
        s.close()
        return "refused", 0
    try:
        host = f"[{a.host}]" if fam == socket.AF_INET6 else a.host
        s.sendall(f"GET {a.path} HTTP/1.1\r\nHost: {host}:{a.port}\r\n"
                  "User-Agent: wirelens-lab\r\nAccept: */*\r\nConnection: close\r\n\r\n".encode())
        resp = b""
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                resp += data
        except ConnectionResetError:
            return "reset", 0
        head, _, body = resp.partition(b"\r\n\r\n")
        words = head.split(b"\r\n", 1)[0].split()
        return (words[1].decode() if len(words) >= 2 else "none"), len(body)
    finally:
        s.close()


def cmd_get(a):
    """--repeat K GETs one after the other (from --sport if given),
    --parallel K at once (ephemeral ports)."""
    results = []

    def one(sport):
        results.append(http_get(a, sport))

    for i in range(a.repeat):
        if a.parallel > 1:
            ts = [threading.Thread(target=one, args=(0,)) for _ in range(a.parallel)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        else:
            one(a.sport)
        if i + 1 < a.repeat:
            time.sleep(a.interval)
    log(f"get {a.host}:{a.port}{a.path}: " + ", ".join(f"{st} {n}" for st, n in results))
    bad = [st for st, _ in results if st != a.expect]
    if bad or len(results) != a.repeat * max(1, a.parallel):
        sys.exit(f"get: expected {a.expect} every time, got {[st for st, _ in results]}")


# -------------------------------------------------------------- delay line

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def tcp_payload_len(pkt):
    """Bytes of TCP data in an IPv4/IPv6 packet (0 if not TCP)."""
    if not pkt:
        return 0
    if pkt[0] >> 4 == 4 and len(pkt) >= 20 and pkt[9] == 6:
        if struct.unpack_from("!H", pkt, 6)[0] & 0x3FFF:    # a fragment
            return 0
        off, total = (pkt[0] & 0x0F) * 4, struct.unpack_from("!H", pkt, 2)[0]
    elif pkt[0] >> 4 == 6 and len(pkt) >= 40 and pkt[6] == 6:
        off, total = 40, 40 + struct.unpack_from("!H", pkt, 4)[0]
    else:
        return 0
    if len(pkt) < off + 20:
        return 0
    return max(0, total - off - (pkt[off + 12] >> 4) * 4)


def give_hop_back(pkt):
    """TTL / hop limit + 1 (IPv4 header checksum recomputed): the router
    counts a hop into the tun and another out of it, and the delay line
    is meant to be part of one router hop."""
    b = bytearray(pkt)
    if b and b[0] >> 4 == 4 and len(b) >= 20 and b[8] < 255:
        ihl = (b[0] & 0x0F) * 4
        b[8] += 1
        b[10:12] = b"\0\0"
        b[10:12] = struct.pack("!H", inet_checksum(bytes(b[:ihl])))
    elif b and b[0] >> 4 == 6 and len(b) >= 40 and b[7] < 255:
        b[7] += 1
    return bytes(b)


def cmd_delayline(a):
    """Hold every packet routed into tun device --dev for --delay ms, then
    write it back (in order).  With --reorder N, 1 in N TCP segments that
    carry data is held back further, until the next --overtake packets
    (a number from the range MIN-MAX) have left before it, or for at most
    --max-hold ms: reordered, not lost."""
    rng = random.Random(a.seed)
    lo, _, hi = a.overtake.partition("-")
    lo, hi = int(lo), int(hi or lo)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", a.dev.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    delay, max_hold = a.delay / 1000, a.max_hold / 1000
    line = collections.deque()       # (due, packet), in arrival order
    held = []                        # [packets still to let past, deadline, packet]
    n = collections.Counter()

    def send(pkt):
        os.write(fd, give_hop_back(pkt) if a.hop else pkt)

    def report(*_):
        log(f"delayline {a.dev}: {n['in']} packets, {n['held']} held back, "
            f"{n['overtaken']} overtaken, {n['timeout']} released by timeout")
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    signal.signal(signal.SIGINT, report)
    log(f"delayline {a.dev}: delay {a.delay} ms" +
        (f", 1 in {a.reorder} data segments overtaken by {a.overtake} packets" if a.reorder else ""))
    while True:
        now = time.monotonic()
        while line and line[0][0] <= now:
            _, pkt = line.popleft()
            if a.reorder and tcp_payload_len(pkt) > 0 and rng.randrange(a.reorder) == 0:
                held.append([rng.randint(lo, hi), now + max_hold, pkt])
                n["held"] += 1
                continue
            send(pkt)
            for h in held:
                h[0] -= 1
            for h in [h for h in held if h[0] <= 0]:
                held.remove(h)
                send(h[2])
                n["overtaken"] += 1
        for h in [h for h in held if h[1] <= now]:
            held.remove(h)
            send(h[2])
            n["timeout"] += 1
        due = [h[1] for h in held] + ([line[0][0]] if line else [])
        timeout = max(0.0, min(due) - time.monotonic()) if due else None
        if select.select([fd], [], [], timeout)[0]:
            t = time.monotonic()
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                line.append((t + delay, pkt))
                n["in"] += 1


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

    server("http", cmd_http)

    sp = client("get", cmd_get)
    sp.add_argument("--path", default="/")
    sp.add_argument("--sport", type=int, default=0, help="fixed source port (SO_REUSEADDR)")
    sp.add_argument("--repeat", type=int, default=1, help="connections one after the other")
    sp.add_argument("--parallel", type=int, default=1, help="connections at once, each round")
    sp.add_argument("--interval", type=float, default=0.05, help="seconds between rounds")
    sp.add_argument("--expect", default="200",
                    help='status wanted every time ("reset": RST after the request, "refused": RST to the SYN)')
    sp.set_defaults(timeout=5.0)

    sp = sub.add_parser("delayline")
    sp.add_argument("--dev", required=True, help="tun device to create")
    sp.add_argument("--delay", type=float, default=10.0, help="ms every packet is held")
    sp.add_argument("--reorder", type=int, default=0, help="hold back 1 in N TCP data segments further")
    sp.add_argument("--overtake", default="1-2", help="packets that pass a held one (MIN-MAX)")
    sp.add_argument("--max-hold", type=float, default=2.0, help="ms a held packet waits at most")
    sp.add_argument("--seed", type=int, help="PRNG seed for the choice (default: random)")
    sp.add_argument("--no-hop", dest="hop", action="store_false",
                    help="leave the TTL / hop limit as the router set it")
    sp.set_defaults(fn=cmd_delayline)

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
