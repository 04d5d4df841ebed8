#!/usr/bin/env python3
"""Conformance check: wirelens `packets --format ndjson` against tshark (4.0.x).

For every capture, run tshark once (all fields, default preferences: IP
defragmentation and TCP reassembly on) and wirelens once, then compare the
per-frame fields listed in tests/conformance/README.md.  A difference matched
by a line of tests/known-differences.tsv counts as "known", any other as
"unexplained".

Exit status: 0 = fine (or differences without --strict); 1 = unexplained
differences with --strict, or wirelens crashed / hung / printed unparsable
output on some file (always); 2 = the tooling failed (tshark or the wirelens
binary missing, tshark killed, bad arguments, unreadable known-differences).

Standard library only.
"""

import argparse
import fnmatch
import gzip
import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CORPUS = os.path.normpath(os.path.join(REPO, "..", "shared", "corpus"))
DEFAULT_KNOWN = os.path.join(REPO, "tests", "known-differences.tsv")
DEFAULT_CACHE = os.path.join(HERE, ".cache")

# Multi-occurrence aggregator.  The reference TSVs use ",", which is ambiguous
# for DNS names containing a comma; the unit separator never occurs in values.
AGG = "\x1f"

TSHARK_FIELDS = [
    "frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "frame.protocols",
    "vlan.id", "ieee8021ad.id",
    "ip.src", "ip.dst", "ip.proto", "ip.id", "ip.flags.mf", "ip.frag_offset",
    "ipv6.src", "ipv6.dst", "ipv6.nxt",
    "ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.fraghdr.nxt", "ipv6.dstopts.nxt",
    "ah.next_header",
    "ipv6.fraghdr.ident", "ipv6.fraghdr.more", "ipv6.fraghdr.offset",
    "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
    "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags",
    "tcp.window_size_value", "tcp.len",
    "udp.srcport", "udp.dstport", "udp.length",
    "dns.id", "dns.flags.response", "dns.flags.opcode", "dns.flags.rcode",
    "dns.count.queries", "dns.qry.name", "dns.qry.type", "dns.count.answers",
    "dns.resp.ext_rcode",
]

# IPv6 extension headers: next-header value -> tshark field carrying its own next header
IPV6_EXT_NXT = {0: "ipv6.hopopts.nxt", 43: "ipv6.routing.nxt", 44: "ipv6.fraghdr.nxt",
                60: "ipv6.dstopts.nxt", 51: "ah.next_header"}
IPV6_EXT_PROTOS = ("ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts",
                   "ipv6.shim6", "ipv6.nonxt", "ah")
DNS_PROTOS = ("dns", "mdns", "llmnr")   # all dissected with the dns.* fields
VLAN_STOP = ("ip", "ipv6", "mpls", "pppoes", "ppp", "arp")
LAYERS = ("ip", "tcp", "udp", "icmp", "dns")

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".ntar")


class ToolingError(Exception):
    pass


# --------------------------------------------------------------------------- value helpers

def ts_epoch_ns(s):
    """tshark frame.time_epoch -> integer nanoseconds.

    tshark prints "%d.%09d" from (secs, nsecs) without normalising, so invalid
    records show e.g. "1418145370.1000000000" (nsecs = 1e9): the fraction is
    read as a raw nanosecond count, never as a decimal fraction, when it has
    more than 9 digits."""
    m = re.match(r"^(-?)(\d+)(?:\.(\d+))?$", s.strip())
    if not m:
        return None
    sign, sec, frac = m.group(1), int(m.group(2)), m.group(3) or ""
    if len(frac) > 9:
        # un-normalised nsecs; a leading "-" with a positive seconds part
        # means the nsecs were negative (tshark's display_signed_time)
        ns = int(frac)
        return sec * 1_000_000_000 + (-ns if sign else ns)
    v = sec * 1_000_000_000 + int(frac.ljust(9, "0") or "0")
    return -v if sign else v


def days_from_civil(y, m, d):
    """Days since 1970-01-01 in the proleptic Gregorian calendar, any year."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_RFC3339 = re.compile(
    r"^(-?\d{4,})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|z|[+-]\d\d:?\d\d)?$")


def wl_ts_ns(v):
    """wirelens `ts` (RFC3339 string; also tolerates epoch numbers) -> ns."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v * 1_000_000_000
    if isinstance(v, float):
        return int(round(v * 1e9))
    if not isinstance(v, str):
        return None
    m = _RFC3339.match(v.strip())
    if not m:
        try:
            return ts_epoch_ns(v)
        except ValueError:
            return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    days = days_from_civil(y, mo, d)  # not datetime: years > 9999 occur (pp_pcapng-example)
    ns = (((days * 24 + h) * 60 + mi) * 60 + s) * 1_000_000_000
    ns += int(frac[:9].ljust(9, "0")) if frac else 0
    tz = m.group(8)
    if tz and tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        hh, mm = int(tz[1:3]), int(tz[-2:])
        ns -= sign * (hh * 3600 + mm * 60) * 1_000_000_000
    return ns


def to_int(v):
    if v is None or isinstance(v, bool):
        return None if v is None else int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v == int(v) else None
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s, 16) if s.lower().startswith("0x") else int(s)
        except ValueError:
            return None
    return None


def to_bool(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return bool(v)
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("1", "true", "yes", "set"):
            return True
        if s in ("0", "false", "no", "not set"):
            return False
    return None


def norm_addr(v):
    if v is None:
        return None
    s = str(v).strip()
    try:
        return str(ipaddress.ip_address(s.split("%")[0]))
    except ValueError:
        return s.lower()


def norm_qname(v):
    if v is None:
        return None
    s = str(v)
    if s in ("<Root>", ".", ""):
        return "<Root>"
    return s


def short(v, limit=160):
    if isinstance(v, str):
        r = v
    else:
        r = json.dumps(v, separators=(",", ":"), default=str)
    return r if len(r) <= limit else r[:limit - 3] + "..."


# --------------------------------------------------------------------------- tshark side

def tshark_cmd(tshark, path):
    cmd = [tshark, "-n", "-r", path, "-T", "fields", "-E", "header=y", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    return cmd


def run_tshark(tshark, path, timeout, cache_dir=None, tshark_version=""):
    """Run tshark (or reuse a cached run keyed by capture bytes, tshark version, fields)."""
    cache_file = None
    if cache_dir:
        h = hashlib.sha256()
        h.update(("%s\0%s\0%s\0" % (tshark_version, AGG, " ".join(TSHARK_FIELDS))).encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        cache_file = os.path.join(cache_dir, h.hexdigest()[:32] + ".json.gz")
        try:
            with gzip.open(cache_file, "rt", encoding="utf-8") as fh:
                c = json.load(fh)
            return parse_tshark(path, c["rc"], c["out"], c["err"])
        except (OSError, ValueError, KeyError, EOFError):
            pass
    try:
        p = subprocess.run(tshark_cmd(tshark, path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolingError("tshark timed out on %s" % path)
    except OSError as e:
        raise ToolingError("cannot run tshark: %s" % e)
    if p.returncode < 0:
        raise ToolingError("tshark killed by signal %d on %s" % (-p.returncode, path))
    out = p.stdout.decode("utf-8", "replace")
    err = "\n".join(l for l in p.stderr.decode("utf-8", "replace").splitlines()
                    if l.strip() and not l.startswith("Running as user"))
    res = parse_tshark(path, p.returncode, out, err)
    if cache_file:
        try:
            os.makedirs(cache_dir, exist_ok=True)
            tmp = "%s.%d.tmp" % (cache_file, os.getpid() + threading.get_ident() % 100000)
            with gzip.open(tmp, "wt", encoding="utf-8") as fh:
                json.dump({"rc": p.returncode, "out": out, "err": err}, fh)
            os.replace(tmp, cache_file)
        except OSError:
            pass
    return res


def parse_tshark(path, rc, out, err):
    lines = out.split("\n")
    rows = {}
    header = lines[0].split("\t") if lines and lines[0] else []
    if header and header != TSHARK_FIELDS:
        raise ToolingError("unexpected tshark header for %s: %r" % (path, lines[0][:200]))
    for line in lines[1:]:
        if not line:
            continue
        cols = line.split("\t")
        if len(cols) < len(TSHARK_FIELDS):
            cols += [""] * (len(TSHARK_FIELDS) - len(cols))
        row = {f: (c.split(AGG) if c != "" else []) for f, c in zip(TSHARK_FIELDS, cols)}
        try:
            num = int(row["frame.number"][0])
        except (IndexError, ValueError):
            raise ToolingError("bad tshark row in %s: %r" % (path, line[:200]))
        rows[num] = row
    return {"rc": rc, "error": err, "rows": rows}


def first(row, f):
    v = row.get(f) or []
    return v[0] if v else None


def tshark_view(row):
    """Turn one tshark row into the expected wirelens view.

    Returns (layers, fields, dns_msgs):
      layers   - set of LAYERS tshark has at the frame's own (outer) level
      fields   - {name: normalised value}; a name absent or None = tshark has no value
      dns_msgs - list of per-message dicts (when 'dns' in layers)
    """
    protos = (first(row, "frame.protocols") or "").split(":")
    protos = [p for p in protos if p]
    f = {}
    te = first(row, "frame.time_epoch")
    f["ts"] = ts_epoch_ns(te) if te else None
    f["len"] = to_int(first(row, "frame.len"))
    f["caplen"] = to_int(first(row, "frame.cap_len"))

    # VLAN stack: walk the protocol list so that 802.1ad S-tags (ieee8021ad.id)
    # and 802.1Q tags (vlan.id) keep their wire order; stop at the network layer.
    tags, vi, ai = [], 0, 0
    vl, al = row.get("vlan.id", []), row.get("ieee8021ad.id", [])
    for p in protos:
        if p in VLAN_STOP:
            break
        if p == "vlan":
            if vi < len(vl):
                tags.append(to_int(vl[vi]))
            vi += 1
        elif p == "ieee8021ad":
            if ai < len(al):
                tags.append(to_int(al[ai]))
            ai += 1
    f["vlan"] = tags

    layers = set()
    net = None
    ni = None
    for i, p in enumerate(protos):
        if p in ("ip", "ipv6"):
            if (p == "ip" and i + 1 < len(protos) and protos[i + 1] == "ipv6"
                    and not row.get("ip.src") and not row.get("ip.id") and not row.get("ip.proto")):
                continue  # raw-IPv4 link type dispatching an IPv6 packet (no IPv4 header at all)
            net, ni = p, i
            break
    transport = None
    ti = None
    if net:
        layers.add("ip")
        f["ip.version"] = 4 if net == "ip" else 6
        if net == "ip":
            f["src"] = norm_addr(first(row, "ip.src"))
            f["dst"] = norm_addr(first(row, "ip.dst"))
            f["ip.proto"] = to_int(first(row, "ip.proto"))
            f["ip.id"] = to_int(first(row, "ip.id"))
            f["ip.mf"] = to_bool(first(row, "ip.flags.mf"))
            fo = to_int(first(row, "ip.frag_offset"))
            f["ip.frag_offset"] = fo * 8 if fo is not None else None  # tshark: 8-byte units
        else:
            f["src"] = norm_addr(first(row, "ipv6.src"))
            f["dst"] = norm_addr(first(row, "ipv6.dst"))
            # final upper-layer protocol: follow the extension-header chain
            nxt = to_int(first(row, "ipv6.nxt"))
            used = {}
            seen_frag = False
            for _ in range(16):
                if nxt is None or nxt not in IPV6_EXT_NXT:
                    break
                fld = IPV6_EXT_NXT[nxt]
                if nxt == 44:
                    seen_frag = True
                k = used.get(fld, 0)
                vals = row.get(fld, [])
                used[fld] = k + 1
                nxt = to_int(vals[k]) if k < len(vals) else None
            else:
                nxt = None
            f["ip.proto"] = nxt
            if seen_frag:
                # only compared when wirelens reports a value (see README)
                f["ip6.id"] = to_int(first(row, "ipv6.fraghdr.ident"))
                f["ip6.mf"] = to_bool(first(row, "ipv6.fraghdr.more"))
                fo = to_int(first(row, "ipv6.fraghdr.offset"))
                f["ip6.frag_offset"] = fo * 8 if fo is not None else None
        ti = ni + 1
        while ti < len(protos) and protos[ti] in IPV6_EXT_PROTOS:
            ti += 1
        transport = protos[ti] if ti < len(protos) else None

    if transport in ("tcp", "udp"):
        layers.add(transport)
        pre = transport
        f["sport"] = to_int(first(row, pre + ".srcport"))
        f["dport"] = to_int(first(row, pre + ".dstport"))
        if transport == "tcp":
            fl = to_int(first(row, "tcp.flags"))
            f["tcp.flags_raw"] = fl
            f["tcp.seq"] = to_int(first(row, "tcp.seq_raw"))
            if fl is not None and fl & 0x10:
                f["tcp.ack"] = to_int(first(row, "tcp.ack_raw"))
            f["tcp.win"] = to_int(first(row, "tcp.window_size_value"))
            f["tcp.len"] = to_int(first(row, "tcp.len"))
        else:
            f["udp.len"] = to_int(first(row, "udp.length"))
    elif transport in ("icmp", "icmpv6"):
        layers.add("icmp")
        f["icmp.type"] = to_int(first(row, transport + ".type"))
        f["icmp.code"] = to_int(first(row, transport + ".code"))

    dns_msgs = []
    if transport in ("tcp", "udp") and ti + 1 < len(protos) and protos[ti + 1] in DNS_PROTOS:
        layers.add("dns")
        ids = row.get("dns.id", [])
        n = max(1, len(ids))
        names = row.get("dns.qry.name", [])
        types = row.get("dns.qry.type", [])
        qcounts = row.get("dns.count.queries", [])
        off = 0
        for k in range(n):
            m = {}
            m["id"] = to_int(ids[k]) if k < len(ids) else None
            resp = row.get("dns.flags.response", [])
            m["response"] = to_bool(resp[k]) if k < len(resp) else None
            op = row.get("dns.flags.opcode", [])
            m["opcode"] = to_int(op[k]) if k < len(op) else None
            # tshark only shows rcode for responses: index by response ordinal
            rc = row.get("dns.flags.rcode", [])
            if m["response"]:
                ri = sum(1 for x in resp[:k] if to_bool(x))
                m["rcode"] = to_int(rc[ri]) if ri < len(rc) else None
                # EDNS: the OPT RR carries the upper 8 bits (RFC 6891); tshark
                # shows them apart, as dns.resp.ext_rcode
                ext = row.get("dns.resp.ext_rcode", [])
                if n == 1 and m["rcode"] is not None and ext and to_int(ext[0]):
                    m["rcode"] |= to_int(ext[0]) << 4
            else:
                m["rcode"] = None
            an = row.get("dns.count.answers", [])
            m["answer_count"] = to_int(an[k]) if k < len(an) else None
            if n == 1:
                qn, qt = names, types
            else:
                qc = to_int(qcounts[k]) if k < len(qcounts) else 0
                qn, qt = names[off:off + (qc or 0)], types[off:off + (qc or 0)]
                off += qc or 0
            m["qnames"] = [norm_qname(x) for x in qn]
            m["qtypes"] = [to_int(x) for x in qt]
            dns_msgs.append(m)
    return layers, f, dns_msgs


# --------------------------------------------------------------------------- wirelens side

def run_wirelens(binary, path, timeout):
    cmd = [binary, "packets", path, "--format", "ndjson"]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=dict(os.environ, RUST_BACKTRACE="0"))
    except subprocess.TimeoutExpired as e:
        return {"rc": None, "timeout": True, "stdout": e.stdout or b"", "stderr": e.stderr or b"",
                "secs": time.time() - t0}
    except OSError as e:
        raise ToolingError("cannot run wirelens: %s" % e)
    return {"rc": p.returncode, "timeout": False, "stdout": p.stdout, "stderr": p.stderr,
            "secs": time.time() - t0}


def wget(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def wl_has(pkt, layer):
    v = pkt.get(layer)
    if layer == "dns":
        return isinstance(v, dict) or (isinstance(v, list) and len(v) > 0)
    return isinstance(v, dict)


def wl_dns_msgs(pkt):
    """DNS messages of a frame: `dns` (object, or a list) followed by `dns_more`."""
    v = pkt.get("dns")
    out = [v] if isinstance(v, dict) else [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []
    more = pkt.get("dns_more")
    if isinstance(more, list):
        out += [x for x in more if isinstance(x, dict)]
    return out


def wl_view_dns(m):
    qs = m.get("questions")
    qs = qs if isinstance(qs, list) else []
    qn, qt = [], []
    for q in qs:
        if not isinstance(q, dict):
            qn.append(None)
            qt.append(None)
            continue
        qn.append(norm_qname(q.get("name")))
        tc = q.get("type_code")
        if tc is None and isinstance(q.get("type"), int):
            tc = q.get("type")
        qt.append(to_int(tc))
    return {
        "id": to_int(m.get("id")),
        "response": to_bool(m.get("response")),
        "opcode": to_int(m.get("opcode")),
        "rcode": to_int(m.get("rcode")),
        "answer_count": to_int(m.get("answer_count")),
        "qnames": qn,
        "qtypes": qt,
    }


def wl_field(pkt, name):
    """wirelens value for a compared field name, normalised like tshark_view."""
    if name == "ts":
        return wl_ts_ns(pkt.get("ts"))
    if name in ("len", "caplen", "sport", "dport"):
        return to_int(pkt.get(name))
    if name == "vlan":
        v = pkt.get("vlan")
        if v is None:
            return []
        if not isinstance(v, list):
            return v
        return [to_int(x) if not isinstance(x, dict) else to_int(x.get("id")) for x in v]
    if name in ("src", "dst"):
        return norm_addr(pkt.get(name))
    if name in ("ip.mf", "ip6.mf"):
        return to_bool(wget(pkt, "ip.mf"))
    if name.startswith("ip6."):
        return to_int(wget(pkt, "ip." + name[4:]))
    return to_int(wget(pkt, name))


# --------------------------------------------------------------------------- known differences

def parse_frames_spec(spec):
    spec = spec.strip()
    if spec in ("*", ""):
        return None
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.append((int(a), int(b)))
        else:
            out.append((int(part), int(part)))
    return out


def load_known(path):
    known = []
    if not path:
        return known
    if not os.path.exists(path):
        return known
    with open(path, encoding="utf-8") as fh:
        for ln, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 3:
                raise ToolingError("%s:%d: expected file<TAB>frames<TAB>field<TAB>reason" % (path, ln))
            if cols[0] == "file" and cols[1] == "frames":
                continue  # optional header row
            try:
                frames = parse_frames_spec(cols[1])
            except ValueError:
                raise ToolingError("%s:%d: bad frames spec %r" % (path, ln, cols[1]))
            known.append({"line": ln, "file": cols[0].strip(), "frames": frames,
                          "field": cols[2].strip() or "*",
                          "reason": cols[3].strip() if len(cols) > 3 else "", "hits": 0})
    return known


def match_known(known, relname, base, frame, field):
    for k in known:
        if not (fnmatch.fnmatchcase(base, k["file"]) or fnmatch.fnmatchcase(relname, k["file"])):
            continue
        if k["frames"] is not None:
            if not any(a <= frame <= b for a, b in k["frames"]):
                continue
        if not (k["field"] == "*" or fnmatch.fnmatchcase(field, k["field"])):
            continue
        k["hits"] += 1
        return k
    return None


# --------------------------------------------------------------------------- comparison

class FileResult:
    def __init__(self, path, relname):
        self.path = path
        self.relname = relname
        self.base = os.path.basename(path)
        self.status = "ok"
        self.failure = None     # crash / timeout / bad output description
        self.tshark = {}
        self.wirelens = {}
        self.frames_compared = 0
        self.compared = 0
        self.agree = 0
        self.known = 0
        self.unexplained = 0
        self.diffs = []          # dicts
        self.field_stats = {}

    def count(self, field, ok, frame=0, tv=None, wv=None, known_list=None):
        st = self.field_stats.setdefault(field, [0, 0, 0, 0])  # compared, agree, known, unexplained
        self.compared += 1
        st[0] += 1
        if ok:
            self.agree += 1
            st[1] += 1
            return
        k = match_known(known_list or [], self.relname, self.base, frame, field)
        d = {"frame": frame, "field": field, "tshark": tv, "wirelens": wv,
             "known": (k["reason"] or "(known, line %d)" % k["line"]) if k else None}
        self.diffs.append(d)
        if k:
            self.known += 1
            st[2] += 1
        else:
            self.unexplained += 1
            st[3] += 1

    def pct(self):
        return 100.0 * self.agree / self.compared if self.compared else 100.0


SCALAR_FIELDS = ["ts", "len", "caplen", "src", "dst", "sport", "dport"]
IP_FIELDS = ["ip.version", "ip.proto", "ip.id", "ip.mf", "ip.frag_offset",
             "ip6.id", "ip6.mf", "ip6.frag_offset"]
TCP_FIELDS = ["tcp.flags_raw", "tcp.seq", "tcp.ack", "tcp.win", "tcp.len"]
UDP_FIELDS = ["udp.len"]
ICMP_FIELDS = ["icmp.type", "icmp.code"]
DNS_FIELDS = ["id", "response", "opcode", "rcode", "answer_count", "qnames", "qtypes"]
OPTIONAL_WL = {"ip6.id", "ip6.mf", "ip6.frag_offset", "dns.opcode"}  # compared only if wirelens gives a value


def compare_frame(res, frame, row, pkt, known):
    layers, exp, dns_msgs = tshark_view(row)

    def cmp(name, tv, wv):
        if tv is None:
            return
        if name in OPTIONAL_WL and wv is None:
            return
        res.count(name, tv == wv, frame, tv, wv, known)

    cmp("vlan", exp["vlan"], wl_field(pkt, "vlan"))
    for name in SCALAR_FIELDS:
        if name in exp:
            cmp(name, exp[name], wl_field(pkt, name))

    for layer in LAYERS:
        t, w = layer in layers, wl_has(pkt, layer)
        if t or w:
            res.count("layer." + layer, t == w, frame,
                      "present" if t else "absent", "present" if w else "absent", known)
    if "ip" in layers and wl_has(pkt, "ip"):
        for name in IP_FIELDS:
            if name in exp:
                cmp(name, exp[name], wl_field(pkt, name))
    if "tcp" in layers and wl_has(pkt, "tcp"):
        for name in TCP_FIELDS:
            if name in exp:
                cmp(name, exp[name], wl_field(pkt, name))
    if "udp" in layers and wl_has(pkt, "udp"):
        cmp("udp.len", exp.get("udp.len"), wl_field(pkt, "udp.len"))
    if "icmp" in layers and wl_has(pkt, "icmp"):
        for name in ICMP_FIELDS:
            cmp(name, exp.get(name), wl_field(pkt, name))
    if "dns" in layers and wl_has(pkt, "dns"):
        wms = [wl_view_dns(m) for m in wl_dns_msgs(pkt)]
        if len(dns_msgs) > 1 or len(wms) > 1:
            cmp("dns.messages", len(dns_msgs), len(wms))
        for k in range(min(len(dns_msgs), len(wms))):
            pre = "dns." if k == 0 else "dns[%d]." % k
            for name in DNS_FIELDS:
                tv, wv = dns_msgs[k][name], wms[k][name]
                if name == "opcode" and wv is None:
                    continue
                cmp(pre + name, tv, wv)


PANIC_RE = re.compile(r"panicked at|RUST_BACKTRACE|stack backtrace", re.I)


def process_file(path, relname, opts, known):
    res = FileResult(path, relname)
    ts = run_tshark(opts.tshark, path, opts.timeout, opts.cache_dir, opts.tshark_version)
    wl = run_wirelens(opts.wirelens, path, opts.timeout)
    res.tshark = {"rc": ts["rc"], "error": ts["error"] or None, "frames": len(ts["rows"])}
    stderr = wl["stderr"].decode("utf-8", "replace")
    res.wirelens = {"rc": wl["rc"], "secs": round(wl["secs"], 3),
                    "stderr": stderr.strip()[-2000:] or None}

    # wirelens outcome
    if wl["timeout"]:
        res.failure = "timeout after %ss" % opts.timeout
    elif wl["rc"] not in (0, 2):
        res.failure = "crash: exit code %s" % wl["rc"]
    elif PANIC_RE.search(stderr):
        res.failure = "panic message on stderr (exit %s)" % wl["rc"]

    pkts = {}
    bad_lines = 0
    for i, line in enumerate(wl["stdout"].decode("utf-8", "replace").split("\n")):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            bad_lines += 1
            continue
        if not isinstance(obj, dict):
            bad_lines += 1
            continue
        n = to_int(obj.get("frame"))
        if n is None:
            bad_lines += 1
            continue
        if n in pkts:
            bad_lines += 1  # duplicate frame number
            continue
        pkts[n] = obj
    res.wirelens["frames"] = len(pkts)
    if bad_lines and not res.failure:
        res.failure = "%d unparsable/invalid ndjson line(s)" % bad_lines
    res.wirelens["bad_lines"] = bad_lines

    ts_ok = ts["rc"] == 0
    wl_ok = wl["rc"] == 0
    if not ts["rows"] and ts["rc"] != 0:
        res.status = "ts-rejects"
    elif ts["rc"] != 0:
        res.status = "ts-error"
    else:
        res.status = "ok"
    if wl["rc"] == 2:
        res.status += ",wl-exit2"
    if res.failure:
        res.status = "FAIL"

    # file-level verdict: did both accept (or both refuse) the file?
    if not wl["timeout"] and wl["rc"] in (0, 2):
        tv = "accepted" if ts_ok else "error: " + (ts["error"].splitlines()[0] if ts["error"] else "rc %d" % ts["rc"])
        wv = "accepted" if wl_ok else "exit 2: " + (stderr.strip().splitlines()[-1] if stderr.strip() else "")
        res.count("file.open", ts_ok == wl_ok, 0, tv, wv, known)

    tframes, wframes = set(ts["rows"]), set(pkts)
    for n in sorted(tframes | wframes):
        if n in tframes and n in wframes:
            res.frames_compared += 1
            res.count("frame", True, n)
            compare_frame(res, n, ts["rows"][n], pkts[n], known)
        elif n in tframes:
            res.count("frame", False, n, "present", "absent", known)
        else:
            res.count("frame", False, n, "absent", "present", known)
    return res


# --------------------------------------------------------------------------- main

def collect_inputs(args, corpus):
    files = []
    if args.inputs:
        for p in args.inputs:
            if os.path.isdir(p):
                for name in sorted(os.listdir(p)):
                    fp = os.path.join(p, name)
                    if os.path.isfile(fp) and not name.startswith(".") and (
                            os.path.basename(os.path.normpath(p)) == "captures"
                            or name.endswith(CAPTURE_SUFFIXES) or ".pcap" in name):
                        files.append(fp)
            elif os.path.isfile(p):
                files.append(p)
            else:
                raise ToolingError("no such file or directory: %s" % p)
    else:
        cap = os.path.join(corpus, "captures")
        if not os.path.isdir(cap):
            raise ToolingError("corpus captures directory not found: %s" % cap)
        files += [os.path.join(cap, n) for n in sorted(os.listdir(cap))
                  if os.path.isfile(os.path.join(cap, n)) and not n.startswith(".")]
        samples = os.path.join(REPO, "samples")
        if os.path.isdir(samples):
            files += [os.path.join(samples, n) for n in sorted(os.listdir(samples))
                      if ".pcap" in n and os.path.isfile(os.path.join(samples, n))]
    return files


def relname_for(path):
    ap = os.path.abspath(path)
    for root in (REPO, os.path.dirname(REPO)):
        if ap.startswith(root + os.sep):
            return os.path.relpath(ap, root)
    return ap


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare wirelens packets --format ndjson with tshark.")
    ap.add_argument("--wirelens", required=True, help="path to the wirelens binary")
    ap.add_argument("--known", default=None,
                    help="known-differences TSV (default: tests/known-differences.tsv)")
    ap.add_argument("--strict", action="store_true", help="exit 1 on any unexplained difference")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="list unexplained differences (20 per file) and a per-field summary")
    ap.add_argument("--all", action="store_true", help="with --verbose: list every difference, no cap")
    ap.add_argument("--show-known", action="store_true", help="with --verbose: list known differences too")
    ap.add_argument("--json-out", metavar="PATH", help="write a machine-readable summary here")
    ap.add_argument("--tshark", default=os.environ.get("TSHARK", "tshark"), help="tshark binary")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help="corpus dir (default <repo>/../shared/corpus)")
    ap.add_argument("--jobs", "-j", type=int, default=max(2, os.cpu_count() or 2))
    ap.add_argument("--timeout", type=float, default=120.0, help="per-process timeout, seconds")
    ap.add_argument("--cache-dir", default=DEFAULT_CACHE,
                    help="where tshark runs are cached (key: capture sha256 + tshark version + fields)")
    ap.add_argument("--no-cache", action="store_true", help="always run tshark afresh")
    ap.add_argument("inputs", nargs="*", help="capture files or directories")
    args = ap.parse_args(argv)

    try:
        tshark = shutil.which(args.tshark) or (args.tshark if os.access(args.tshark, os.X_OK) else None)
        if not tshark:
            raise ToolingError("tshark not found: %s" % args.tshark)
        args.tshark = tshark
        v = subprocess.run([tshark, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        tshark_version = v.stdout.decode("utf-8", "replace").splitlines()[0] if v.stdout else "?"
        args.tshark_version = tshark_version
        if args.no_cache:
            args.cache_dir = None
        if " 4.0." not in tshark_version:
            print("warning: expected tshark 4.0.x, got %r" % tshark_version, file=sys.stderr)
        wlb = args.wirelens
        if os.sep not in wlb:
            wlb = shutil.which(wlb) or wlb
        if not (os.path.isfile(wlb) and os.access(wlb, os.X_OK)):
            raise ToolingError("wirelens binary not found or not executable: %s" % args.wirelens)
        args.wirelens = os.path.abspath(wlb)
        known_path = args.known or (DEFAULT_KNOWN if os.path.exists(DEFAULT_KNOWN) else None)
        if args.known and not os.path.exists(args.known):
            raise ToolingError("known-differences file not found: %s" % args.known)
        known = load_known(known_path)
        files = collect_inputs(args, args.corpus)
        if not files:
            raise ToolingError("no input captures")
        t0 = time.time()
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            futs = [ex.submit(process_file, f, relname_for(f), args, known) for f in files]
            results = [fu.result() for fu in futs]
        elapsed = time.time() - t0
    except ToolingError as e:
        print("conformance: tooling failure: %s" % e, file=sys.stderr)
        return 2

    out = sys.stdout
    w = max([len(r.base) for r in results] + [4])
    hdr = "%-*s  %-18s %6s %8s %8s %6s %6s %8s" % (
        w, "file", "status", "frames", "fields", "agree", "known", "unexpl", "agree%")
    print(hdr, file=out)
    tot = FileResult("TOTAL", "TOTAL")
    failures = []
    for r in results:
        print("%-*s  %-18s %6d %8d %8d %6d %6d %7.2f%%" % (
            w, r.base, r.status, r.frames_compared, r.compared, r.agree, r.known, r.unexplained,
            r.pct()), file=out)
        tot.frames_compared += r.frames_compared
        tot.compared += r.compared
        tot.agree += r.agree
        tot.known += r.known
        tot.unexplained += r.unexplained
        for fld, st in r.field_stats.items():
            t = tot.field_stats.setdefault(fld, [0, 0, 0, 0])
            for i in range(4):
                t[i] += st[i]
        if r.failure:
            failures.append(r)
    print("%-*s  %-18s %6d %8d %8d %6d %6d %7.2f%%" % (
        w, "TOTAL (%d files)" % len(results), "", tot.frames_compared, tot.compared, tot.agree,
        tot.known, tot.unexplained, tot.pct()), file=out)

    if args.verbose:
        cap = None if args.all else 20
        for r in results:
            shown = [d for d in r.diffs if args.show_known or not d["known"]]
            if not shown:
                continue
            print("\n== %s: %d unexplained, %d known" % (r.base, r.unexplained, r.known), file=out)
            for d in shown[:cap]:
                print("  %s\tframe %s\t%-16s tshark=%s\twirelens=%s%s" % (
                    r.base, d["frame"], d["field"], short(d["tshark"]), short(d["wirelens"]),
                    ("\t[known: %s]" % d["known"]) if d["known"] else ""), file=out)
            if cap is not None and len(shown) > cap:
                print("  ... %d more (use --all)" % (len(shown) - cap), file=out)
        print("\nper field (compared / agree / known / unexplained):", file=out)
        for fld in sorted(tot.field_stats, key=lambda k: (-tot.field_stats[k][3], k)):
            st = tot.field_stats[fld]
            print("  %-18s %8d %8d %6d %6d" % (fld, st[0], st[1], st[2], st[3]), file=out)
        unused = [k for k in known if k["hits"] == 0]
        if unused:
            print("\nknown-differences lines that matched nothing:", file=out)
            for k in unused:
                print("  line %d: %s %s %s" % (k["line"], k["file"],
                                               "*" if k["frames"] is None else k["frames"], k["field"]),
                      file=out)

    for r in failures:
        print("FAILURE: %s: wirelens %s%s" % (r.base, r.failure,
              (" -- " + r.wirelens["stderr"].splitlines()[-1]) if r.wirelens.get("stderr") else ""),
              file=sys.stderr)
    print("%d files in %.1fs; tshark: %s" % (len(results), elapsed, tshark_version), file=sys.stderr)

    if args.json_out:
        summary = {
            "tshark": tshark_version, "wirelens": args.wirelens, "known_file": known_path,
            "elapsed_s": round(elapsed, 2),
            "totals": {"files": len(results), "frames_compared": tot.frames_compared,
                       "fields_compared": tot.compared, "agree": tot.agree, "known": tot.known,
                       "unexplained": tot.unexplained, "agreement_pct": round(tot.pct(), 4),
                       "failures": len(failures)},
            "fields": {k: dict(zip(("compared", "agree", "known", "unexplained"), v))
                       for k, v in sorted(tot.field_stats.items())},
            "files": [{
                "file": r.base, "path": r.relname, "status": r.status, "failure": r.failure,
                "tshark": r.tshark, "wirelens": r.wirelens,
                "wirelens_exit": r.wirelens.get("rc"),
                "frames_compared": r.frames_compared, "fields_compared": r.compared,
                "agree": r.agree, "known": r.known, "unexplained": r.unexplained,
                "agreement_pct": round(r.pct(), 4),
                "fields": {k: dict(zip(("compared", "agree", "known", "unexplained"), v))
                           for k, v in sorted(r.field_stats.items())},
                "differences": r.diffs,
            } for r in results],
            "unused_known": [{"line": k["line"], "file": k["file"], "field": k["field"]}
                             for k in known if k["hits"] == 0],
        }
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=1, default=str)
            fh.write("\n")

    if failures:
        return 1
    if args.strict and tot.unexplained:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
