#!/usr/bin/env python3
"""Stand-in for `wirelens dns FILE --format ndjson`, and the self-test of dns.py.

    dns_fake.py dns FILE --format ndjson    print transactions built from tshark
    dns_fake.py --selftest [--quick]        run dns.py against this fake
    dns_fake.py --craft DIR                 write the hand-made captures to DIR

Only for testing dns.py; it is not a reference.  It reads tshark's PDML (not
the -T fields output dns.py parses, so the two parsers check each other) and
builds transactions the way tshark 4.0 pairs messages, so dns.py must report
full agreement on it.  Environment knobs:

  FAKE_PERTURB=<seed>  change one field of about 1 transaction in 4;
  FAKE_LOG=<path>      append "file<TAB>field" for each change: the field
                       dns.py must report (exactly once) for it;
  FAKE_CRASH=<name>    on capture <name>: print a line, then panic (exit 101).

The self-test crafts captures (retransmissions, same ID reuse, retries from a
new port, duplicate and unsolicited responses, two DNS messages per TCP
segment) into a temporary directory and runs dns.py on them and on the
default inputs (corpus + samples): faithful output must agree 100%
(--strict exit 0); perturbed output must be reported field by field, exactly
as logged (--strict exit 1); a crash gives exit 1 and a FAIL line; a missing
binary exit 2; known-difference lines make differences known.
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
DNS_PROTOS = ("dns", "mdns", "llmnr")
TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA",
         33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3",
         52: "TLSA", 64: "SVCB", 65: "HTTPS", 249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR",
         255: "ANY", 257: "CAA"}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
          6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 16: "BADVERS",
          17: "BADKEY", 18: "BADTIME", 19: "BADMODE", 20: "BADNAME", 21: "BADALG", 22: "BADTRUNC",
          23: "BADCOOKIE"}


def num(s):
    if s is None or s == "":
        return None
    return int(s, 16) if s.lower().startswith("0x") else int(s)


def rfc3339(epoch):
    sec, _, frac = epoch.partition(".")
    s = int(sec)
    days, s = divmod(s, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    y = yoe + era * 400 + (m <= 2)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%sZ" % (y, m, d, s // 3600, s // 60 % 60, s % 60,
                                                 (frac or "0")[:9].ljust(9, "0"))


def messages(path):
    """PDML -> list of message dicts (frame order)."""
    p = subprocess.run(["tshark", "-n", "-2", "-r", path, "-Y", "dns || mdns || llmnr", "-T", "pdml"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0 and not p.stdout.strip():
        sys.stderr.write("error: cannot read %s\n" % path)
        sys.exit(2)
    out = []
    root = ET.fromstring(p.stdout)
    for pkt in root.iter("packet"):
        protos = pkt.findall("proto")
        frame = epoch = None
        net = tr = None
        seen_icmp = False
        for pr in protos:
            name = pr.get("name")
            if name == "frame":
                for f in pr.iter("field"):
                    if f.get("name") == "frame.number":
                        frame = int(f.get("show"))
                    elif f.get("name") == "frame.time_epoch":
                        epoch = f.get("show")
            elif name in ("icmp", "icmpv6"):
                seen_icmp = True
            elif name in ("ip", "ipv6"):
                fs = {f.get("name"): f.get("show") for f in pr.findall("field")}
                net = (fs.get(name + ".src"), fs.get(name + ".dst"))
            elif name in ("udp", "tcp"):
                fs = {f.get("name"): f.get("show") for f in pr.findall("field")}
                tr = (name, num(fs.get(name + ".srcport")), num(fs.get(name + ".dstport")))
            elif name in DNS_PROTOS and tr is not None and not seen_icmp:
                m = {"frame": frame, "epoch": epoch, "protocol": name, "transport": tr[0],
                     "src": net[0] if net else None, "dst": net[1] if net else None,
                     "sport": tr[1], "dport": tr[2], "qnames": [], "qtypes": [], "answers": [],
                     "ext": 0}
                for f in pr.iter("field"):
                    n, show = f.get("name"), f.get("show")
                    if n in ("dns.id", "dns.flags.response", "dns.flags.rcode", "dns.flags.truncated",
                             "dns.count.answers", "dns.response_to", "dns.response_in", "dns.time",
                             "dns.retransmit_request_in", "dns.retransmit_response_in", "dns.unsolicited"):
                        m.setdefault(n, show)
                    elif n == "dns.qry.name":
                        m["qnames"].append(show)
                    elif n == "dns.qry.type":
                        m["qtypes"].append(num(show))
                    elif n == "dns.resp.ext_rcode":
                        m["ext"] = m["ext"] or num(show)
                for sec in pr.findall("field"):
                    if sec.get("name") == "" and sec.get("show") == "Answers":
                        for rr in sec.findall("field"):
                            fs = {}
                            for f in rr.iter("field"):
                                fs.setdefault(f.get("name"), f.get("show"))
                            t = num(fs.get("dns.resp.type"))
                            data = fs.get("dns.a") if t == 1 else fs.get("dns.aaaa") if t == 28 else None
                            m["answers"].append({"name": fs.get("dns.resp.name"),
                                                 "type": TYPES.get(t, "TYPE%s" % t), "ttl": num(fs.get("dns.resp.ttl")),
                                                 "data": data})
                out.append(m)
        # an ICMP error quoting DNS and any other frame without tracked DNS are skipped
    return out


def transactions(msgs):
    key = lambda m: (m["frame"], num(m.get("dns.id")))  # noqa: E731
    by = {}
    txns = []

    def new(q, r):
        t = {"q": q, "r": r, "retry": [], "dup": []}
        txns.append(t)
        return t

    for m in msgs:
        resp = m.get("dns.flags.response") == "1"
        if m.get("dns.id") is None:
            continue
        if not resp:
            if m.get("dns.retransmit_request_in"):
                t = by.get(("q", num(m["dns.retransmit_request_in"]), num(m["dns.id"])))
                if t is not None:
                    t["retry"].append(m["frame"])
                continue
            t = new(m, None)
            by[("q", m["frame"], num(m["dns.id"]))] = t
            if m.get("dns.response_in"):
                by[("r", num(m["dns.response_in"]), num(m["dns.id"]))] = t
        else:
            if m.get("dns.response_to"):
                t = by.get(("q", num(m["dns.response_to"]), num(m["dns.id"])))
                t["r"] = m
                by[("r", m["frame"], num(m["dns.id"]))] = t
            elif m.get("dns.retransmit_response_in"):
                t = by.get(("r", num(m["dns.retransmit_response_in"]), num(m["dns.id"])))
                if t is not None:
                    t["dup"].append(m["frame"])
            elif ("r",) + key(m) in by:  # tshark threw on the response, but the query points to it
                by[("r",) + key(m)]["r"] = m
            else:
                t = new(None, m)
                t["unsolicited"] = m.get("dns.unsolicited") == "1"
                by[("r",) + key(m)] = t
    out = []
    for t in sorted(txns, key=lambda t: (t["q"] or t["r"])["frame"]):
        q, r = t["q"], t["r"]
        first = q or r
        qm = q if q and q["qnames"] else r
        rc = None
        if r is not None and r.get("dns.flags.rcode") is not None:
            rc = num(r["dns.flags.rcode"]) | (r["ext"] << 4)
        if q is None:
            status = "unsolicited" if t.get("unsolicited") else "malformed"
        elif r is None:
            status = "retried" if t["retry"] else "unanswered"
        else:
            status = "truncated" if r.get("dns.flags.truncated") == "1" else "answered"
        rtt = None
        if r is not None and r.get("dns.time") is not None:
            sign = -1 if r["dns.time"].startswith("-") else 1
            s, _, fr = r["dns.time"].lstrip("-").partition(".")
            rtt = sign * (int(s) * 10**9 + int(fr.ljust(9, "0")[:9])) / 1e6
        cli, srv, cp, sp = ((first["src"], first["dst"], first["sport"], first["dport"]) if q
                            else (first["dst"], first["src"], first["dport"], first["sport"]))
        qt = qm["qtypes"][0] if qm and qm["qtypes"] else None
        name = qm["qnames"][0] if qm and qm["qnames"] else None
        out.append({
            "query_frame": q["frame"] if q else None, "response_frame": r["frame"] if r else None,
            "ts": rfc3339(first["epoch"]), "client": cli, "server": srv, "client_port": cp, "server_port": sp,
            "transport": first["transport"], "protocol": first["protocol"], "id": num(first["dns.id"]),
            "name": name, "type": TYPES.get(qt, "TYPE%s" % qt) if qt is not None else None, "type_code": qt,
            "rcode": RCODES.get(rc, "RCODE%s" % rc) if rc is not None else None, "rcode_code": rc,
            "answers": r["answers"] if r else [], "answer_count": num(r.get("dns.count.answers")) if r else None,
            "rtt_ms": rtt, "status": status, "retries": len(t["retry"]), "retry_frames": t["retry"],
            "duplicate_responses": len(t["dup"]), "response_frames_dup": t["dup"]})
    return out


PERTURB = ["rtt_ms", "id", "name", "type", "rcode", "answer_count", "addresses", "query_frame",
           "response_frame", "missing", "retry_frames", "response_frames_dup", "ts", "client_port",
           "protocol", "extra"]


def perturb(t, rnd):
    """Change one field of t; -> (field dns.py must report, new t or None to drop, extra txn or None)."""
    choices = ["id", "ts", "client_port", "protocol", "missing", "extra"]
    if t["name"] is not None:
        choices.append("name")
    if t["type_code"] is not None:
        choices.append("type")
    if t["response_frame"] is not None:
        choices.append("answer_count")
        if t["query_frame"] is not None:
            choices.append("response_frame")
        if t["rcode_code"] is not None:
            choices.append("rcode")
        if any(a["type"] in ("A", "AAAA") for a in t["answers"]):
            choices.append("addresses")
        if t["rtt_ms"] is not None:
            choices.append("rtt_ms")
        if t["query_frame"] is not None:
            choices.append("query_frame")
    if t["retry_frames"]:
        choices.append("retry_frames")
    if t["response_frames_dup"]:
        choices.append("response_frames_dup")
    f = rnd.choice(sorted(choices))
    t = dict(t)
    if f == "rtt_ms":
        t["rtt_ms"] += 0.01
    elif f == "id":
        t["id"] = (t["id"] + 1) & 0xFFFF
    elif f == "name":
        t["name"] = t["name"] + "x"
    elif f == "type":
        t["type_code"], t["type"] = 99, "TYPE99"
    elif f == "rcode":
        t["rcode_code"] = 2 if t["rcode_code"] != 2 else 5
        t["rcode"] = RCODES[t["rcode_code"]]
    elif f == "answer_count":
        t["answer_count"] += 1
    elif f == "addresses":
        gone = next(a["data"] for a in t["answers"] if a["type"] in ("A", "AAAA"))
        t["answers"] = [a for a in t["answers"] if a["data"] != gone]
    elif f == "query_frame":
        t["query_frame"] = None
    elif f == "response_frame":
        t["response_frame"] = None
    elif f == "missing":
        return f, None, None
    elif f == "extra":
        x = dict(t, query_frame=None, response_frame=None, retry_frames=[], retries=0,
                 response_frames_dup=[], duplicate_responses=0, status="malformed")
        return f, t, x
    elif f == "retry_frames":
        t["retry_frames"] = t["retry_frames"][1:]
        t["retries"] -= 1
    elif f == "response_frames_dup":
        t["response_frames_dup"] = t["response_frames_dup"][1:]
        t["duplicate_responses"] -= 1
    elif f == "ts":
        t["ts"] = t["ts"][:-4] + "%03dZ" % ((int(t["ts"][-4:-1]) + 1) % 1000)
    elif f == "client_port":
        t["client_port"] = (t["client_port"] or 0) + 1
    elif f == "protocol":
        t["protocol"] = "llmnr" if t["protocol"] != "llmnr" else "dns"
    return f, t, None


def fake_main(argv):
    path = argv[2]
    base = os.path.basename(path)
    txns = transactions(messages(path))
    if os.environ.get("FAKE_CRASH") == base:
        for t in txns[:1]:
            print(json.dumps(t))
        sys.stderr.write("thread 'main' panicked at src/dns.rs:1:1:\nboom\n")
        sys.exit(101)
    seed = os.environ.get("FAKE_PERTURB")
    rnd = random.Random("%s/%s" % (seed, base)) if seed else None
    log = open(os.environ["FAKE_LOG"], "a") if seed and os.environ.get("FAKE_LOG") else None
    for t in txns:
        if rnd and rnd.random() < 0.25:
            f, t2, extra = perturb(t, rnd)
            if log:
                log.write("%s\t%s\n" % (base, f))
            if t2 is not None:
                print(json.dumps(t2))
            if extra is not None:
                print(json.dumps(extra))
            continue
        print(json.dumps(t))
    return 0


# --------------------------------------------------------------------------- crafted captures

def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


def _ip4(a):
    return bytes(int(x) for x in a.split("."))


def _dns(mid, resp, qname, qtype=1, rcode=0, answers=()):
    body = struct.pack("!HHHHHH", mid, (0x8180 if resp else 0x0100) | rcode, 1, len(answers), 0, 0)
    for label in qname.split("."):
        body += bytes([len(label)]) + label.encode()
    body += b"\0" + struct.pack("!HH", qtype, 1)
    for a in answers:
        body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + _ip4(a)
    return body


def _ipv4(src, dst, proto, payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, _ip4(src), _ip4(dst))
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + payload


def _udp(src, dst, sp, dp, payload):
    return _ipv4(src, dst, 17, struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload)


def _tcp(src, dst, sp, dp, seq, ack, flags, payload):
    return _ipv4(src, dst, 6, struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + payload)


def _write(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, p in pkts:
            s = int(t)
            f.write(struct.pack("<IIII", 1700000000 + s, round((t - s) * 1e6), len(p), len(p)) + p)


def craft(d):
    c, s = "10.0.0.1", "10.0.0.53"
    a, b, g4, gl = "10.0.0.1", "10.0.0.2", "224.0.0.251", "224.0.0.252"
    _write(os.path.join(d, "craft_mdns.pcap"), [
        (0, _udp(a, g4, 5353, 5353, _dns(0, 0, "h.local"))),                          # 1 A -> group
        (0.1, _udp(b, g4, 5353, 5353, _dns(0, 1, "h.local", answers=("10.0.0.2",)))),  # 2 B -> group
        (1, _udp(a, g4, 5353, 5353, _dns(0, 0, "i.local"))),                          # 3
        (1.1, _udp(b, a, 5353, 5353, _dns(0, 1, "i.local", answers=("10.0.0.2",)))),   # 4 B -> A unicast
        (2, _udp(a, g4, 5353, 5353, _dns(0, 0, "j.local"))),                          # 5
        (2.1, _udp(a, g4, 5353, 5353, _dns(0, 1, "j.local", answers=("10.0.0.1",)))),  # 6 A -> group
        (3, _udp(a, g4, 40000, 5353, _dns(0x1234, 0, "k.local"))),                    # 7 one-shot query
        (3.1, _udp(b, a, 5353, 40000, _dns(0x1234, 1, "k.local", answers=("10.0.0.2",)))),  # 8
        (4, _udp(a, gl, 50000, 5355, _dns(0x4242, 0, "wpad"))),                       # 9 LLMNR query
        (4.1, _udp(b, a, 5355, 50000, _dns(0x4242, 1, "wpad", answers=("10.0.0.2",)))),  # 10 unicast
        (5, _udp(a, b, 50001, 53, _dns(0x4343, 0, "x.test"))),                        # 11 DNS to B
        (5.1, _udp("10.0.0.3", a, 53, 50001, _dns(0x4343, 1, "x.test", answers=("10.0.0.3",)))),  # 12
    ])

    def q(t, mid, sp=40000, n="a.test"):
        return t, _udp(c, s, sp, 53, _dns(mid, 0, n))

    def r(t, mid, sp=40000, n="a.test", ans=("1.2.3.4",), rcode=0):
        return t, _udp(s, c, 53, sp, _dns(mid, 1, n, answers=ans, rcode=rcode))

    _write(os.path.join(d, "craft_retx.pcap"), [
        q(0, 0x1111), q(3, 0x1111), q(6, 0x1111), r(6.5, 0x1111),      # 2 retx of 1; 3 new; 4 -> 3
        q(10, 0x2222), q(12, 0x2222), r(12.5, 0x2222), r(12.6, 0x2222), r(40, 0x2222),  # 8, 9 dups of 7
        q(50, 0x3333), r(50.1, 0x3333), q(51, 0x3333), r(51.1, 0x3333),  # ID reused after the answer
        q(60, 0x4444), q(61, 0x4444, sp=40001), r(61.5, 0x4444, sp=40001),  # retry from a new port
        q(70, 0x5555), q(71, 0x5555), q(72, 0x5555),                   # unanswered + 2 retransmissions
        r(80, 0x6666),                                                 # unsolicited
        q(100, 0x8888, n="b.test"), r(100.1, 0x8888, n="c.test", ans=("5.6.7.8", "5.6.7.9"), rcode=0),
        q(110, 0x9999), r(110.1, 0x9999, rcode=3, ans=()),
    ])

    def m(b):
        return struct.pack("!H", len(b)) + b

    m1, m2 = m(_dns(0xA001, 0, "x.test")), m(_dns(0xA002, 0, "y.test", qtype=28))
    r1 = m(_dns(0xA001, 1, "x.test", answers=("9.9.9.1", "9.9.9.2")))
    r2 = m(_dns(0xA002, 1, "y.test", qtype=28, rcode=3))
    sp = 45000
    _write(os.path.join(d, "craft_tcp2.pcap"), [
        (0, _tcp(c, s, sp, 53, 1000, 0, 0x02, b"")), (0.01, _tcp(s, c, 53, sp, 5000, 1001, 0x12, b"")),
        (0.02, _tcp(c, s, sp, 53, 1001, 5001, 0x10, b"")),
        (0.03, _tcp(c, s, sp, 53, 1001, 5001, 0x18, m1 + m2)),         # two queries in one segment
        (0.05, _tcp(s, c, 53, sp, 5001, 1001 + len(m1 + m2), 0x18, r2 + r1)),  # two answers, other order
    ])


# --------------------------------------------------------------------------- self-test

def run_check(args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    for k in ("FAKE_PERTURB", "FAKE_LOG", "FAKE_CRASH"):
        if k not in (env or {}):
            e.pop(k, None)
    p = subprocess.run([sys.executable, os.path.join(HERE, "dns.py")] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=e, text=True)
    return p.returncode, p.stdout, p.stderr


def reported(out):
    """(file, field) of each difference line of dns.py -v output (known ones included)."""
    c = Counter()
    for ln in out.splitlines():
        if ln.startswith("  ") and ": " in ln:
            parts = ln.strip().split(": ")
            if len(parts) >= 3:
                c[(parts[0], parts[2])] += 1
    return c


def selftest(quick):
    me = os.path.abspath(__file__)
    fails = []

    def check(cond, what):
        print(("ok    " if cond else "FAIL  ") + what)
        if not cond:
            fails.append(what)

    with tempfile.TemporaryDirectory() as d:
        craft(d)
        crafted = [os.path.join(d, n) for n in ("craft_retx.pcap", "craft_tcp2.pcap", "craft_mdns.pcap")]
        cases = [crafted] if quick else [crafted, []]
        for files in cases:
            what = "crafted" if files else "corpus+samples"
            rc, out, err = run_check(["--wirelens", me, "--strict", "-v"] + files)
            tot = [ln for ln in out.splitlines() if ln.startswith("total:")]
            check(rc == 0 and tot and "unexplained 0" in tot[0] and "consistency" not in tot[0],
                  f"{what}: faithful fake agrees ({tot[0] if tot else err.strip()[:200]})")
            if rc != 0 or not tot or "unexplained 0" not in tot[0]:
                print(out[-3000:], err[-2000:])
            if files:
                # the crafted files: the expected number of tshark transactions
                n = {ln.split()[1]: ln for ln in out.splitlines() if ln.startswith(("ok ", "DIFF"))}
                check("transactions 11," in n.get("craft_retx.pcap:", ""), "craft_retx: 11 transactions "
                      + n.get("craft_retx.pcap:", "?"))
                check("transactions 2," in n.get("craft_tcp2.pcap:", ""), "craft_tcp2: 2 transactions "
                      + n.get("craft_tcp2.pcap:", "?"))
                check("transactions 9," in n.get("craft_mdns.pcap:", ""), "craft_mdns: 9 transactions "
                      + n.get("craft_mdns.pcap:", "?"))
            for seed in ("1", "2", "3"):
                log = os.path.join(d, "log-%s-%s" % (what, seed))
                rc, out, err = run_check(["--wirelens", me, "--strict", "-v"] + files,
                                         {"FAKE_PERTURB": seed, "FAKE_LOG": log})
                want = Counter()
                if os.path.exists(log):
                    with open(log) as fh:
                        for ln in fh:
                            fn, field = ln.rstrip("\n").split("\t")
                            want[(fn, field)] += 1
                got = reported(out)
                check(rc == 1 and want and got == want,
                      f"{what}: perturbation seed {seed}: {sum(want.values())} changes, "
                      f"{sum(got.values())} reported, exit {rc}")
                if got != want:
                    print("   missed:", dict(want - got), "\n   unexpected:", dict(got - want))
        rc, out, err = run_check(["--wirelens", me] + crafted, {"FAKE_CRASH": "craft_tcp2.pcap"})
        check(rc == 1 and "FAIL" in out and "craft_tcp2.pcap" in out, f"crash: exit {rc}, FAIL line")
        rc, out, err = run_check(["--wirelens", os.path.join(d, "nope")] + crafted)
        check(rc == 2, f"missing binary: exit {rc}")
        rc, out, err = run_check(["--wirelens", me, os.path.join(d, "nonexistent.pcap")])
        check(rc == 2, f"missing input: exit {rc}")
        # known differences: classify() with a synthetic known list
        sys.path.insert(0, HERE)
        import dns as dnscheck
        res = dnscheck.FileResult(crafted[0])
        a, b = dnscheck.Item("answered"), dnscheck.Item("unanswered")
        a.diffs = [("rtt_ms", "x", [3, 4])]
        b.diffs = [("id", "x", [17]), ("name", "y", [17, 18])]
        res.items = [a, b, dnscheck.Item("answered")]
        v = dnscheck.classify(res, [("craft_*.pcap", "4"), ("other.pcap", "*")])
        check(v == ["known", "unexplained", "agree"], f"known lines: {v}")
        v = dnscheck.classify(res, [("craft_retx.pcap", "1-4,17-18")])
        check(v == ["known", "known", "agree"], f"known ranges: {v}")
    print("self-test: %s" % ("FAILED: " + "; ".join(fails) if fails else "all passed"))
    return 1 if fails else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--craft":
        os.makedirs(sys.argv[2], exist_ok=True)
        craft(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) >= 2 and sys.argv[1] == "--selftest":
        sys.exit(selftest("--quick" in sys.argv))
    if len(sys.argv) >= 3 and sys.argv[1] == "dns":
        sys.exit(fake_main(sys.argv))
    sys.stderr.write(__doc__)
    sys.exit(2)
