#!/usr/bin/env python3
"""Stand-in for `wirelens packets FILE --format ndjson`, built from tshark output.

Only for testing conformance.py (see selftest.py); it is not a reference.
It emits the documented wirelens ndjson schema from a live tshark run, so the
conformance check must report 100% agreement on it.  Environment knobs:

  FAKE_PERTURB=<seed>   deliberately change values (about 1 packet in 7);
  FAKE_LOG=<path>       append "file<TAB>frame<TAB>field" for each change the
                        conformance check must report as a difference;
  FAKE_CRASH=<name>     on capture <name>: print a few packets, then panic (exit 101);
  FAKE_EXIT2=<name>     on capture <name>: print half the packets, then exit 2;
  FAKE_STYLE=null       write absent layers as JSON null instead of omitting them.
"""

import json
import os
import random
import subprocess
import sys

FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "frame.protocols",
          "eth.src", "eth.dst", "vlan.id", "ieee8021ad.id",
          "ip.src", "ip.dst", "ip.proto", "ip.id", "ip.ttl", "ip.flags.df", "ip.flags.mf",
          "ip.frag_offset", "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim",
          "ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.fraghdr.nxt", "ipv6.dstopts.nxt",
          "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
          "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags",
          "tcp.window_size_value", "tcp.len",
          "udp.srcport", "udp.dstport", "udp.length",
          "dns.id", "dns.flags.response", "dns.flags.opcode", "dns.flags.rcode",
          "dns.qry.name", "dns.qry.type", "dns.count.answers", "dns.resp.ext_rcode"]
SEP = "\x1e"
EXT = {0: "ipv6.hopopts.nxt", 43: "ipv6.routing.nxt", 44: "ipv6.fraghdr.nxt",
       60: "ipv6.dstopts.nxt"}


def num(s, base=10):
    if s is None or s == "":
        return None
    return int(s, 16) if s.startswith("0x") else int(s, base)


def rfc3339(epoch):
    sec, _, frac = epoch.partition(".")
    neg = sec.startswith("-")
    s = abs(int(sec))
    if len(frac) > 9:  # tshark prints un-normalised (possibly negative) nsecs
        total = s * 10**9 + (-int(frac) if neg else int(frac))
    else:
        total = s * 10**9 + int((frac or "0").ljust(9, "0"))
        total = -total if neg else total
    s, ns = divmod(total, 10**9)
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
    return "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ" % (y, m, d, s // 3600, s // 60 % 60, s % 60, ns)


def main():
    path = sys.argv[2]
    base = os.path.basename(path)
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=" + SEP]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write("error: cannot read %s\n" % path)
        sys.exit(2)
    seed = os.environ.get("FAKE_PERTURB")
    rnd = random.Random("%s/%s" % (seed, base)) if seed else None
    log = open(os.environ["FAKE_LOG"], "a") if seed and os.environ.get("FAKE_LOG") else None
    lines = [l for l in p.stdout.decode("utf-8", "replace").split("\n") if l]
    limit = None
    if os.environ.get("FAKE_CRASH") == base:
        limit = min(2, len(lines))
    if os.environ.get("FAKE_EXIT2") == base:
        limit = len(lines) // 2
    out = sys.stdout
    for idx, line in enumerate(lines):
        if limit is not None and idx >= limit:
            break
        v = {f: (c.split(SEP) if c else []) for f, c in zip(FIELDS, line.split("\t"))}
        g = lambda f: v[f][0] if v.get(f) else None
        protos = (g("frame.protocols") or "").split(":")
        te = g("frame.time_epoch")
        pkt = {"frame": int(g("frame.number")), "ts": rfc3339(te) if te else None,
               "len": int(g("frame.len")), "caplen": int(g("frame.cap_len")),
               "link": protos[0] if protos else "unknown"}
        # VLAN: 802.1ad S-tags come first on the wire
        pkt["vlan"] = [num(x) for x in v["ieee8021ad.id"]] + [num(x) for x in v["vlan.id"]]
        pkt["src"], pkt["dst"] = g("eth.src"), g("eth.dst")
        pkt["proto"], pkt["sport"], pkt["dport"] = "OTHER", None, None
        net = None
        for i, pr in enumerate(protos):
            if pr == "ip" and g("ip.src") is None and i + 1 < len(protos) and protos[i + 1] == "ipv6":
                continue
            if pr in ("ip", "ipv6"):
                net = (pr, i)
                break
        trans = None
        if net:
            pr, i = net
            j = i + 1
            while j < len(protos) and protos[j].startswith("ipv6."):
                j += 1
            trans = (protos[j], j) if j < len(protos) else None
            if pr == "ip":
                pkt["src"], pkt["dst"] = g("ip.src"), g("ip.dst")
                pkt["ip"] = {"version": 4, "proto": num(g("ip.proto")), "id": num(g("ip.id")),
                             "ttl": num(g("ip.ttl")), "df": g("ip.flags.df") == "1",
                             "mf": g("ip.flags.mf") == "1" if g("ip.flags.mf") else None,
                             "frag_offset": num(g("ip.frag_offset")) * 8 if g("ip.frag_offset") else None}
            else:
                pkt["src"], pkt["dst"] = g("ipv6.src"), g("ipv6.dst")
                nxt, seen = num(g("ipv6.nxt")), {}
                while nxt in EXT:
                    f = EXT[nxt]
                    k = seen.get(f, 0)
                    seen[f] = k + 1
                    nxt = num(v[f][k]) if k < len(v[f]) else None
                pkt["ip"] = {"version": 6, "proto": nxt, "id": None, "ttl": num(g("ipv6.hlim")),
                             "df": False, "mf": None, "frag_offset": None}
            pkt["proto"] = "IPv4" if pr == "ip" else "IPv6"
        if trans and trans[0] in ("tcp", "udp"):
            t = trans[0]
            pkt["proto"] = t.upper()
            pkt["sport"], pkt["dport"] = num(g(t + ".srcport")), num(g(t + ".dstport"))
            if t == "tcp":
                fl = num(g("tcp.flags"))
                names = [n for b, n in ((1, "FIN"), (2, "SYN"), (4, "RST"), (8, "PSH"), (16, "ACK"),
                                        (32, "URG"), (64, "ECE"), (128, "CWR"))
                         if fl is not None and fl & b]
                pkt["tcp"] = {"flags": ",".join(names), "flags_raw": fl, "seq": num(g("tcp.seq_raw")),
                              "ack": num(g("tcp.ack_raw")), "win": num(g("tcp.window_size_value")),
                              "len": num(g("tcp.len"))}
            else:
                pkt["udp"] = {"len": num(g("udp.length"))}
            if trans[1] + 1 < len(protos) and protos[trans[1] + 1] in ("dns", "mdns", "llmnr"):
                qn, qt = v["dns.qry.name"], v["dns.qry.type"]
                resp = g("dns.flags.response") == "1"
                pkt["dns"] = {"id": num(g("dns.id")), "response": resp,
                              "opcode": num(g("dns.flags.opcode")),
                              "rcode": (num(g("dns.flags.rcode")) | (num(g("dns.resp.ext_rcode") or "0") << 4))
                              if resp and g("dns.flags.rcode") else 0,
                              "answer_count": num(g("dns.count.answers")),
                              "questions": [{"name": "." if n == "<Root>" else n, "type": "T%s" % t2,
                                             "type_code": num(t2)} for n, t2 in zip(qn, qt)],
                              "answers": []}
        elif trans and trans[0] in ("icmp", "icmpv6"):
            t = trans[0]
            pkt["proto"] = t.upper()
            pkt["icmp"] = {"type": num(g(t + ".type")), "code": num(g(t + ".code"))}
        pkt["truncated"] = pkt["caplen"] < pkt["len"]
        pkt["errors"] = []
        pkt["info"] = ""
        if os.environ.get("FAKE_STYLE") == "null":
            for k in ("ip", "tcp", "udp", "icmp", "dns"):
                pkt.setdefault(k, None)
        if rnd and rnd.random() < 1 / 7:
            perturb(pkt, rnd, base, log)
            if pkt.get("_drop"):
                continue
        out.write(json.dumps(pkt) + "\n")
    if limit is not None and os.environ.get("FAKE_CRASH") == base:
        out.flush()
        sys.stderr.write("thread 'main' panicked at src/dissect/fake.rs:1:1:\nboom\n"
                         "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n")
        sys.exit(101)
    if limit is not None:
        sys.stderr.write("error: %s: unexpected end of file\n" % path)
        sys.exit(2)


def perturb(pkt, rnd, base, log):
    """Change one value the conformance check compares; log the field it must report."""
    cands = ["ts", "len", "caplen", "vlan", "drop"]
    ip = pkt.get("ip")
    if ip:
        cands += [k for k in ("src", "dst") if pkt.get(k) is not None]
    if ip:
        cands += ["layer.ip"]
        if ip.get("proto") is not None:
            cands.append("ip.proto")
        if ip["version"] == 4:
            cands += [k for k in ("ip.id", "ip.mf", "ip.frag_offset") if ip.get(k[3:]) is not None]
    for t in ("tcp", "udp"):
        if pkt.get(t):
            cands += [k for k in ("sport", "dport") if pkt.get(k) is not None] + ["layer." + t]
    if pkt.get("tcp"):
        tcp = pkt["tcp"]
        cands += [k for k in ("tcp.flags_raw", "tcp.seq", "tcp.win", "tcp.len")
                  if tcp.get(k[4:]) is not None]
        if tcp.get("flags_raw") is not None and tcp["flags_raw"] & 0x10:
            cands.append("tcp.ack")
    if pkt.get("udp") and pkt["udp"].get("len") is not None:
        cands.append("udp.len")
    if pkt.get("icmp"):
        cands.append("layer.icmp")
        if pkt["icmp"].get("type") is not None:
            cands += ["icmp.type", "icmp.type"]
    if pkt.get("dns"):
        d = pkt["dns"]
        cands += ["layer.dns"]
        cands += [k for k in ("dns.id", "dns.answer_count") if d.get(k[4:]) is not None]
        if d.get("response") is not None and d.get("id") is not None:
            cands.append("dns.response")
        if d.get("response") and d.get("rcode") is not None:
            cands.append("dns.rcode")
        if d["questions"]:
            cands += ["dns.qnames", "dns.qtypes"]
    elif pkt.get("udp") or pkt.get("tcp"):
        cands.append("extra.dns")
    field = rnd.choice(cands)
    report = field
    if field == "ts":
        pkt["ts"] = pkt["ts"][:-4] + ("1" if pkt["ts"][-4] != "1" else "2") + pkt["ts"][-3:]
    elif field in ("len", "caplen"):
        pkt[field] += 1
    elif field == "vlan":
        pkt["vlan"] = pkt["vlan"] + [4094]
    elif field == "drop":
        pkt["_drop"] = True
        report = "frame"
    elif field in ("src", "dst"):
        pkt[field] = "192.0.2.254" if pkt[field] != "192.0.2.254" else "192.0.2.253"
    elif field in ("sport", "dport"):
        pkt[field] = (pkt[field] or 0) + 1
    elif field.startswith("layer."):
        del pkt[field[6:]]
    elif field == "extra.dns":
        pkt["dns"] = {"id": 1, "response": False, "opcode": 0, "rcode": 0, "answer_count": 0,
                      "questions": [], "answers": []}
        report = "layer.dns"
    elif field == "ip.mf":
        pkt["ip"]["mf"] = not pkt["ip"]["mf"]
    elif field == "ip.frag_offset":
        pkt["ip"]["frag_offset"] += 8
    elif field.startswith(("ip.", "tcp.", "udp.", "icmp.")):
        obj, key = field.split(".", 1)
        pkt[obj][key] ^= 1 if key != "proto" else 0x40
    elif field == "dns.response":
        pkt["dns"]["response"] = not pkt["dns"]["response"]
    elif field in ("dns.id", "dns.rcode", "dns.answer_count"):
        pkt["dns"][field[4:]] += 1
    elif field == "dns.qnames":
        q = pkt["dns"]["questions"]
        q[-1]["name"] = (q[-1]["name"] or "") + "x"
    elif field == "dns.qtypes":
        pkt["dns"]["questions"][0]["type_code"] = (pkt["dns"]["questions"][0]["type_code"] or 0) + 1
    if log:
        log.write("%s\t%d\t%s\n" % (base, pkt["frame"], report))
        log.flush()


if __name__ == "__main__":
    main()
