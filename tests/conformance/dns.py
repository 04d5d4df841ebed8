#!/usr/bin/env python3
"""DNS transaction conformance: `wirelens dns FILE --format ndjson` against tshark 4.0.

tshark runs once per file (`-2 -T fields -E occurrence=a -E aggregator=0x1f`,
default preferences; `-2` because a query learns its `dns.response_in` only in
the second pass) and once more with `-q -z dns,tree` for a summary line.

How tshark 4.0.17 pairs DNS messages (packet-dns.c, default preferences;
checked on the corpus, on samples/dns.pcap and on hand-made captures that
`dns_fake.py --craft DIR` writes: craft_retx, craft_tcp2, craft_mdns; the
frame numbers below are real):

* Key.  Transactions live in the transport conversation, i.e. the exact
  address/port pair + UDP/TCP (either direction), keyed by the 16-bit ID.
  The question is NOT part of the key: craft_retx query 21 (b.test) and
  response 22 (c.test) pair.  A response goes to the LATEST transaction with
  its ID in its conversation that began at or before it.  A response from
  another address or port is in another conversation and so unsolicited
  (craft_mdns 11 -> 10.0.0.2:53, answer 12 from 10.0.0.3:53: 11 unanswered,
  12 unsolicited).  Over TCP (reassembled) a message belongs to the frame of
  its last segment; several messages in one segment pair one by one
  (craft_tcp2: queries 0xa001+0xa002 in frame 4, answers in reverse order in
  frame 5, both response_to 4, time 0.020).
* Retransmitted query.  A query is a retransmission when the latest
  transaction with its ID in the conversation has no response yet and began
  less than `dns.retransmission_timer` (default 5) seconds before it, timed
  from the transaction's FIRST query (not from the previous retransmission).
  Otherwise it opens a new transaction (strictly less: 5.000000 s after the
  first query is a new transaction, 4.999999 s a retransmission).  There is
  no timeout for responses: one 10 s after the first query still pairs
  (time 10.0).  A retransmission gets
  `dns.retransmission` + `dns.retransmit_request_in` = the first query and
  never `dns.response_in`.  The response gets `dns.response_to` = the FIRST
  query and `dns.time` = response - FIRST query; only the first query gets
  `dns.response_in`.  In short: the first query owns the transaction.
  - pp_DnsPackets.pcap: query 164 (t=837.001679), retransmission 179
    (838.001106, retransmit_request_in 164), response 183 (838.018031):
    response_to 164, time 1.016352 s (from 164; not 0.017 s from 179); 164
    has response_in 183, 179 has none.  Query 168, retransmissions 180 and
    209, response 210: response_to 168, time 2.017569.  Query 283,
    retransmission 290, response 291: response_to 283, time 1.017453.
  - craft_retx: ID 0x1111 at t=0 (frame 1), t=3 (2), t=6 (3), response at
    6.5 (4): 2 is a retransmission of 1, but 3 (6 s after 1, only 3 s after
    2) opens a new transaction; 4 -> response_to 3, time 0.5; 1 stays
    unanswered (no response_in).  0x2222: query 5, retransmission 6 (2 s
    later), response 7: response_to 5, time 2.5 (not 0.5).  0x5555: query 17,
    retransmissions 18 and 19, never answered: 17 unanswered, 18/19 carry
    only retransmit_request_in 17.
  - A different source port is a different conversation, so a resolver that
    retries from a new port (dig) is NOT retransmitting for tshark:
    samples/dns.pcap 109 and 110 (ID 0x14ba, ports 38724 and 60819, 1.0 s
    apart, the silent 10.200.2.53) and 111/112 (ID 0xc332, IPv6) are four
    plain unanswered queries, none with dns.retransmission (tshark's 4
    "unanswered queries" of samples/README.md).  craft_retx 14 (port 40000)
    and 15 (40001, same ID 0x4444) -> 14 unanswered, 15 answered by 16.
* Same ID after an answered query: a new transaction, whatever the gap
  (craft_retx 0x3333: query 10 -> 11, query 12 (0.9 s after the answer 11) -> 13).
* Retransmitted response.  A response whose transaction already has one gets
  `dns.retransmission` + `dns.retransmit_response_in` = the first response,
  no `dns.response_to`/`dns.time`, for any time gap, until a new query with
  the ID opens a new transaction (craft_retx 8 (0.1 s) and 9 (27.5 s later)
  are retransmissions of 7; pp_DnsPackets.pcap mDNS 422 of 421; 431 433 435
  437 463 -- up to 56 s later -- of 429; 432 434 436 438 464 of 430).
* No transaction at all: `dns.unsolicited` = 1 (zk_dns53.pcap 1,
  pp_null_loopback.pcap 3, zk_dns-max-compression-depth.pcap 1, craft_retx
  20).
* Exceptions.  When the dissection of a response throws (snaplen cut it,
  malformed RR), the pairing state is already updated but the tracking items
  are never added: td_dns_udp_2.pcap query 1 has response_in 2, but response
  2 (cut at 98 bytes) has no response_to, no time and no unsolicited;
  td_dns-badlabel.pcap 1 and td_dns_fwdptr.pcap 1 (malformed responses, no
  query) have none of them either.
* mDNS (UDP 5353, frame.protocols `mdns`) and LLMNR (5355, `llmnr`) go
  through the same code and the same dns.* fields, with the same
  conversation key.  So a multicast query (A:5353 -> 224.0.0.251:5353) pairs
  only with a response on the SAME address/port pair, i.e. one the querying
  host itself sends to the group; answers from another host, multicast or
  unicast, are unsolicited: craft_mdns query 1 (A -> group), 2 (B -> group)
  unsolicited, 4 (B -> A unicast) unsolicited, 6 (A -> group) response_to 1;
  one-shot query 7 (A:40000 -> group) and unicast answer 8 (B:5353 ->
  A:40000): 7 unanswered, 8 unsolicited; LLMNR query 9 (A:50000 ->
  224.0.0.252:5355), unicast answer 10 (B:5355 -> A:50000): 9 unanswered,
  10 unsolicited.  And since mDNS queries use ID 0, every query from the host
  within 5 s of an unanswered one is a "retransmission" of it, whatever its
  questions: craft_mdns 3 (i.local) and 5 (j.local) are retransmissions of 1
  (h.local), and 6 (answering j.local) has response_to 1, time 2.1 s.
  - zk_dns-mdns.pcap (every response comes from the querying host): query 1
    (IPv6) <- response 3, time 3.199059 s; query 2 (IPv4) <- 4, 3.199042;
    query 9 (IPv6, PTR _ipp/_ipps) has retransmissions 11 13 17 (ANY
    questions for other names) and response 20, time 0.749818 s = 20 - 9
    (not from 17); query 10 (IPv4) likewise: 12 14 18, response 19,
    0.749696; 21 <- 24 (0.849169), 22 <- 23 (0.848967).  6 answered, 6
    retransmissions, 0 unsolicited.
  - pp_DnsPackets.pcap: mDNS query 418, retransmissions 419 420 (0.28 and
    0.54 s later), response 421 (response_to 418, time 0.803942), 422
    retransmitted response of 421; query 423 -> 429 (0.765120) with
    retransmissions 425 427; IPv6 424 -> 430 (0.761415) with 426 428.  Query
    25 (10.0.0.1 -> 224.0.0.251) unanswered.  LLMNR queries 21/23 (same port
    51837, 0.11 s apart): 23 retransmission of 21; 22/24, 28/30, 29/31,
    34/36, 35/37 likewise; none answered.
  - rp_wireshark_samples-test.pcapng: 121 retransmissions, mostly mDNS.
* Which frames: `-Y "dns || mdns || llmnr"`; DNS quoted inside ICMP errors
  is skipped (tshark does not track it either).  `dns.flags.rcode` is the
  4-bit header value; the EDNS upper 8 bits are `dns.resp.ext_rcode` of the
  OPT RR (td_dns-badcookie.pcap: header 7 + ext 1 = BADCOOKIE 23).
  `dns.a`/`dns.aaaa` cover every section; only the answer section is kept
  here (RRs sliced by dns.count.answers/auth_rr/add_rr over dns.resp.type).
* `-z dns,tree` (one pass) counts plain DNS messages only (no mDNS, no
  LLMNR: zk_dns-mdns.pcap shows 0), not frames; messages on which the
  dissector threw are not counted (td_dns-badlabel.pcap: 0); its rcode tally
  includes the queries (their rcode bits, normally "No error"); "no. of
  retransmissions" counts retransmitted RESPONSES only (pp_DnsPackets.pcap:
  0 despite the query retransmissions 179 180 209 290; hand-made: 4 = the 4
  duplicate responses, the 5 query retransmissions not counted);
  "request-response time" counts responses with dns.time.  The summary line
  prints tshark's number, then "/wl N" where wirelens's differs.

What is compared (a field only when tshark has a value for it).  Each tshark
transaction is one unit ("transactions compared"); its wirelens transaction
is looked up by response frame, else query frame (same ID first; with several
messages in a frame, the ID tells them apart):

* answered (tshark `dns.response_to` on the response, or `dns.response_in` on
  the query): `query_frame` = response_to and `response_frame`, and the
  status is not unanswered/unsolicited.  When wirelens has the query in
  another transaction, or as a retry, the difference says so (and that
  transaction is not also reported as extra).
* unanswered query (no response_in, not a retransmission): no
  `response_frame`, status unanswered or retried; or the frame is in some
  transaction's `retry_frames` (e.g. wirelens groups dig's retries from a new
  port), which is accepted.
* unsolicited response (`dns.unsolicited`): no `query_frame`, status
  unsolicited; in a `response_frames_dup` list instead is a difference.
* untracked response (tshark threw, see above): some transaction has it as
  `response_frame` (or duplicate); nothing about pairing or status.
* Only when that pairing agrees: `rtt_ms` = dns.time x 1000 (+-0.001 ms),
  for unanswered no rcode_code/rtt_ms, `id`, `name` (the query's first
  question, else the response's; "<Root>" = "." = ""), `type_code`, `ts`
  (first query's frame time, else the response's), `client`, `client_port`,
  `server_port`, and `server` for plain DNS (for mDNS/LLMNR the query goes to
  a group address).  So a pairing difference is one difference, not ten.
* Whenever both have the same response frame: `rcode_code` (header rcode |
  ext_rcode << 4), `answer_count`, and the A/AAAA addresses of the answer
  section as sets vs the A/AAAA `data` of `answers`.  Always `protocol`
  (dns/mdns/llmnr from frame.protocols) and `transport`.
* Retransmissions: tshark's retransmissions of the query must be in
  `retry_frames`, its retransmitted responses in `response_frames_dup` (of
  the transaction of the first query / first response); wirelens may list
  more (those are checked as their own tshark transactions).  Where wirelens
  has a missing one as a transaction of its own, the difference names it.
* Every wirelens transaction must be used by the above (`extra` otherwise)
  and name only frames tshark shows as DNS (`frames`); consistency (reported
  as "+N consistency", not counted as transactions): `retries` =
  len(retry_frames), `duplicate_responses` = len(response_frames_dup)
  (`schema`), `type`/`rcode` names agree with their codes (`names`).

A difference is known when a line of tests/known-differences.tsv whose field
is `*` or starts with `dns` (tests/conformance/known.py) matches the file and
one of the frames of the difference (query, response, the retransmissions and
duplicates in question; frame 0 for a wirelens transaction without frames).
A transaction is "known" when all its differences are.

Output: a line per file with DNS (status ok / DIFF / wl-exit2; FAIL when
wirelens crashed), followed by the `-z dns,tree` summary; then the total,
the differences by field (all / unexplained), and the differences: the first
20 unexplained ones, or with -v all of them, known ones marked "(known)".

Usage: dns.py --wirelens BIN [--strict] [-v] [FILES or dirs...]
Exit: 0 ok (or differences without --strict); 1 unexplained differences with
--strict, or wirelens crashed / hung / printed bad ndjson (always); 2 tooling
failure (tshark or the binary missing, tshark killed or timed out).
Standard library only.
"""
import argparse
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from known import is_known, load_known  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus", "captures")
AGG = "\x1f"
DNS_PROTOS = ("dns", "mdns", "llmnr")
FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols",
          "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
          "dns.id", "dns.flags.response", "dns.count.queries", "dns.qry.name", "dns.qry.type",
          "dns.flags.rcode", "dns.count.answers", "dns.count.auth_rr", "dns.count.add_rr",
          "dns.resp.type", "dns.resp.ext_rcode", "dns.a", "dns.aaaa",
          "dns.time", "dns.response_to", "dns.response_in",
          "dns.retransmission", "dns.retransmit_request", "dns.retransmit_request_in",
          "dns.retransmit_response", "dns.retransmit_response_in", "dns.unsolicited"]
T_A, T_AAAA, T_OPT = 1, 28, 41
TYPE_NAMES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT",
              28: "AAAA", 33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC",
              48: "DNSKEY", 50: "NSEC3", 52: "TLSA", 64: "SVCB", 65: "HTTPS", 249: "TKEY",
              250: "TSIG", 251: "IXFR", 252: "AXFR", 255: "ANY", 257: "CAA"}
RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
               6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE",
               17: "BADKEY", 18: "BADTIME", 19: "BADMODE", 20: "BADNAME", 21: "BADALG",
               22: "BADTRUNC", 23: "BADCOOKIE"}
# -z dns,tree rcode labels (tshark 4.0 rcode_vals) -> code
TREE_RCODES = {"No error": 0, "Format error": 1, "Server failure": 2, "No such name": 3,
               "Not implemented": 4, "Refused": 5, "Name exists": 6, "RRset exists": 7,
               "RRset does not exist": 8, "Not authoritative": 9, "Name out of zone": 10}
PANIC_RE = re.compile(r"panicked at|RUST_BACKTRACE|stack backtrace", re.I)


class ToolingError(Exception):
    pass


# --------------------------------------------------------------------------- small helpers

def to_int(s):
    if s is None or s == "":
        return None
    try:
        return int(s, 16) if s.lower().startswith("0x") else int(s)
    except ValueError:
        return None


def to_flag(s):
    return s not in (None, "", "0", "False", "FALSE")


def ts_epoch_ns(s):
    """tshark frame.time_epoch / dns.time ("-?S.NNNNNNNNN") -> integer ns.
    A fraction longer than 9 digits is tshark's un-normalised nsecs count."""
    m = re.match(r"^(-?)(\d+)(?:\.(\d+))?$", (s or "").strip())
    if not m:
        return None
    sign, sec, frac = m.group(1), int(m.group(2)), m.group(3) or ""
    if len(frac) > 9:
        ns = int(frac)
        return sec * 1_000_000_000 + (-ns if sign else ns)
    v = sec * 1_000_000_000 + int(frac.ljust(9, "0") or "0")
    return -v if sign else v


def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_RFC3339 = re.compile(
    r"^(-?\d{4,})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|z|[+-]\d\d:?\d\d)?$")


def wl_ts_ns(v):
    if not isinstance(v, str):
        return None
    m = _RFC3339.match(v.strip())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    ns = (((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s) * 1_000_000_000
    ns += int(frac[:9].ljust(9, "0")) if frac else 0
    tz = m.group(8)
    if tz and tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        ns -= sign * (int(tz[1:3]) * 3600 + int(tz[-2:]) * 60) * 1_000_000_000
    return ns


def norm_addr(v):
    if v is None:
        return None
    s = str(v).strip()
    try:
        return str(ipaddress.ip_address(s.split("%")[0]))
    except ValueError:
        return s.lower()


def norm_name(v):
    if v is None:
        return None
    return "<Root>" if v in ("<Root>", ".", "") else v


def short(v, limit=120):
    r = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), default=str)
    return r if len(r) <= limit else r[:limit - 3] + "..."


# --------------------------------------------------------------------------- tshark side

class Msg:
    """One DNS message as tshark shows it."""
    __slots__ = ("frame", "k", "id", "response", "qnames", "qtypes", "rcode", "ancount", "a", "aaaa",
                 "time", "response_to", "response_in", "rreq_in", "rresp_in", "unsolicited", "fi")

    def __init__(self, frame, k, fi):
        self.frame, self.k, self.fi = frame, k, fi
        self.id = self.response = self.rcode = self.ancount = None
        self.qnames, self.qtypes, self.a, self.aaaa = [], [], [], []
        self.time = self.response_to = self.response_in = self.rreq_in = self.rresp_in = None
        self.unsolicited = False


def tshark_cmd(path, stats=False):
    if stats:
        return ["tshark", "-n", "-q", "-r", path, "-z", "dns,tree"]
    cmd = ["tshark", "-n", "-2", "-r", path, "-Y", "dns || mdns || llmnr", "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in FIELDS:
        cmd += ["-e", f]
    return cmd


def run_tool(cmd, timeout, what):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolingError(f"{what} timed out after {timeout}s")
    if p.returncode < 0:
        raise ToolingError(f"{what} killed by signal {-p.returncode}")
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def parse_frame(line):
    """One tshark row -> (frame info dict, [Msg]) or None when it is no tracked DNS frame."""
    c = line.split("\t")
    if len(c) < len(FIELDS):
        c += [""] * (len(FIELDS) - len(c))
    row = {f: (c[i].split(AGG) if c[i] != "" else []) for i, f in enumerate(FIELDS)}
    num = to_int(c[0])
    if num is None:
        return None
    protos = c[2].split(":")
    di = next((i for i, p in enumerate(protos) if p in DNS_PROTOS and i > 0 and protos[i - 1] in ("udp", "tcp")),
              None)
    if di is None or any(p in ("icmp", "icmpv6") for p in protos[:di]):
        return None  # DNS quoted in an ICMP error: tshark does not track it
    counts = Counter()
    net = None
    for p in protos[:di]:
        if p in ("ip", "ipv6"):
            counts[p] += 1
            net = p
    fi = {"frame": num, "ts": ts_epoch_ns(c[1]), "protocol": protos[di], "transport": protos[di - 1]}
    if net:
        pre = "ip" if net == "ip" else "ipv6"
        n = counts[net] - 1
        srcs, dsts = row[pre + ".src"], row[pre + ".dst"]
        fi["src"] = norm_addr(srcs[n]) if n < len(srcs) else None
        fi["dst"] = norm_addr(dsts[n]) if n < len(dsts) else None
    tr = protos[di - 1]
    nt = sum(1 for p in protos[:di] if p == tr) - 1
    sp, dp = row[tr + ".srcport"], row[tr + ".dstport"]
    fi["sport"] = to_int(sp[nt]) if nt < len(sp) else None
    fi["dport"] = to_int(dp[nt]) if nt < len(dp) else None

    ids = row["dns.id"]
    n = max(1, len(ids))
    resp, qc = row["dns.flags.response"], row["dns.count.queries"]
    an, ns, ar = row["dns.count.answers"], row["dns.count.auth_rr"], row["dns.count.add_rr"]
    names, qtypes, rcodes = row["dns.qry.name"], row["dns.qry.type"], row["dns.flags.rcode"]
    types, ext, a4, a6 = row["dns.resp.type"], row["dns.resp.ext_rcode"], row["dns.a"], row["dns.aaaa"]
    msgs = []
    qoff = toff = eoff = a4off = a6off = ri = 0
    for k in range(n):
        m = Msg(num, k, fi)
        m.id = to_int(ids[k]) if k < len(ids) else None
        m.response = to_flag(resp[k]) if k < len(resp) else None
        if n == 1:
            m.qnames, m.qtypes = names, [to_int(x) for x in qtypes]
        else:
            q = to_int(qc[k]) if k < len(qc) else 0
            m.qnames, m.qtypes = names[qoff:qoff + (q or 0)], [to_int(x) for x in qtypes[qoff:qoff + (q or 0)]]
            qoff += q or 0
        m.ancount = to_int(an[k]) if k < len(an) else None
        nrr = sum(to_int(x[k]) or 0 for x in (an, ns, ar) if k < len(x))
        mt = [to_int(x) for x in types[toff:toff + nrr]]
        toff += nrr
        nans = m.ancount or 0
        n4 = sum(1 for t in mt[:nans] if t == T_A)
        n6 = sum(1 for t in mt[:nans] if t == T_AAAA)
        t4, t6 = sum(1 for t in mt if t == T_A), sum(1 for t in mt if t == T_AAAA)
        m.a = [norm_addr(x) for x in a4[a4off:a4off + n4]]
        m.aaaa = [norm_addr(x) for x in a6[a6off:a6off + n6]]
        a4off, a6off = a4off + t4, a6off + t6
        nopt = sum(1 for t in mt if t == T_OPT)
        mext = [to_int(x) or 0 for x in ext[eoff:eoff + nopt]]
        eoff += nopt
        if m.response:
            h = to_int(rcodes[ri]) if ri < len(rcodes) else None
            ri += 1
            m.rcode = None if h is None else h | ((mext[0] if mext else 0) << 4)
        msgs.append(m)
    sparse = {f: row[f] for f in ("dns.time", "dns.response_to", "dns.response_in",
                                  "dns.retransmit_request_in", "dns.retransmit_response_in",
                                  "dns.unsolicited")}
    return fi, msgs, sparse


def attribute(msgs_by_frame, sparse_by_frame):
    """Give each message its tracking fields.  With one message per frame
    (always, except DNS over TCP with several messages in a segment) the
    lists are that message's; otherwise they are in message order but only
    on the messages that have them, so each value goes, in order, to the next
    message whose ID matches a message of the right kind in the frame named."""
    def has(frame, mid, response):
        return any(x.id == mid and x.response == response for x in msgs_by_frame.get(frame, ()))

    for frame, msgs in msgs_by_frame.items():
        sp = sparse_by_frame[frame]
        rto = [to_int(x) for x in sp["dns.response_to"]]
        tim = [ts_epoch_ns(x) for x in sp["dns.time"]]
        rin = [to_int(x) for x in sp["dns.response_in"]]
        rqi = [to_int(x) for x in sp["dns.retransmit_request_in"]]
        rsi = [to_int(x) for x in sp["dns.retransmit_response_in"]]
        uns = [to_flag(x) for x in sp["dns.unsolicited"]]
        if len(msgs) == 1:
            m = msgs[0]
            if m.response:
                m.response_to = rto[0] if rto else None
                m.time = tim[0] if tim else None
                m.rresp_in = rsi[0] if rsi else None
                m.unsolicited = bool(uns and uns[0])
            elif m.response is False:
                m.response_in = rin[0] if rin else None
                m.rreq_in = rqi[0] if rqi else None
            continue
        j = {"rto": 0, "rin": 0, "rqi": 0, "rsi": 0, "uns": 0}
        for m in msgs:
            if m.response:
                if j["rto"] < len(rto) and has(rto[j["rto"]], m.id, False):
                    m.response_to = rto[j["rto"]]
                    m.time = tim[j["rto"]] if j["rto"] < len(tim) else None
                    j["rto"] += 1
                elif j["rsi"] < len(rsi) and has(rsi[j["rsi"]], m.id, True):
                    m.rresp_in = rsi[j["rsi"]]
                    j["rsi"] += 1
                elif j["uns"] < len(uns):
                    m.unsolicited = uns[j["uns"]]
                    j["uns"] += 1
            elif m.response is False:
                if j["rin"] < len(rin) and has(rin[j["rin"]], m.id, True):
                    m.response_in = rin[j["rin"]]
                    j["rin"] += 1
                elif j["rqi"] < len(rqi) and has(rqi[j["rqi"]], m.id, False):
                    m.rreq_in = rqi[j["rqi"]]
                    j["rqi"] += 1


def tshark_messages(path, timeout):
    """-> (messages in frame order, {frame: info}) or None when tshark cannot read the file."""
    rc, out, err = run_tool(tshark_cmd(path), timeout, f"tshark on {path}")
    if rc != 0 and not out.strip():
        return None
    msgs_by_frame, sparse_by_frame, infos = {}, {}, {}
    for line in out.splitlines():
        r = parse_frame(line)
        if r is None:
            continue
        fi, msgs, sparse = r
        infos[fi["frame"]] = fi
        msgs_by_frame[fi["frame"]] = msgs
        sparse_by_frame[fi["frame"]] = sparse
    attribute(msgs_by_frame, sparse_by_frame)
    return [m for f in sorted(msgs_by_frame) for m in msgs_by_frame[f]], infos


def tshark_tree(path, timeout):
    """-z dns,tree -> {queries, responses, rcodes{code: n}, rtt, unsolicited, retransmissions}."""
    rc, out, _ = run_tool(tshark_cmd(path, stats=True), timeout, f"tshark -z dns,tree on {path}")
    t = {"rcodes": {}}
    section = None
    for line in out.splitlines():
        m = re.match(r"^(\s*)(\S.*?)\s{2,}(\d+)\b", line)
        if not m:
            continue
        depth, label, count = len(m.group(1)), m.group(2).strip(), int(m.group(3))
        if depth == 1:
            section = label
        if section == "rcode" and depth == 2:
            code = TREE_RCODES.get(label, label)
            t["rcodes"][code] = t["rcodes"].get(code, 0) + count
        elif label == "Query" and depth == 2:
            t["queries"] = count
        elif label == "Response" and depth == 2:
            t["responses"] = count
        elif label == "request-response time (msec)":
            t["rtt"] = count
        elif label == "no. of unsolicited responses":
            t["unsolicited"] = count
        elif label == "no. of retransmissions":
            t["retransmissions"] = count
    return t


# --------------------------------------------------------------------------- wirelens side

def run_wirelens(binary, path, timeout):
    """-> (status, transactions, message); status ok | exit2 | fail."""
    try:
        p = subprocess.run([binary, "dns", path, "--format", "ndjson"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "fail", [], f"timeout after {timeout}s"
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode not in (0, 2) or PANIC_RE.search(err):
        return "fail", [], f"exit {p.returncode}: {err.strip()[:200]}"
    txns = []
    for i, line in enumerate(p.stdout.decode("utf-8", "replace").splitlines()):
        if not line.strip():
            continue
        try:
            t = json.loads(line)
        except ValueError as e:
            return "fail", [], f"line {i + 1} is not JSON ({e}): {line[:120]}"
        if not isinstance(t, dict):
            return "fail", [], f"line {i + 1} is not a JSON object"
        txns.append(t)
    if p.returncode == 2:
        return "exit2", txns, err.strip()[:200]
    return "ok", txns, ""


def ints(v):
    return [x for x in v if isinstance(x, int) and not isinstance(x, bool)] if isinstance(v, list) else []


class WlIndex:
    def __init__(self, txns):
        self.txns = txns
        self.used = set()
        self.role = {r: defaultdict(list) for r in ("query", "response", "retry", "dup")}
        for i, t in enumerate(txns):
            if isinstance(t.get("query_frame"), int):
                self.role["query"][t["query_frame"]].append(i)
            if isinstance(t.get("response_frame"), int):
                self.role["response"][t["response_frame"]].append(i)
            for f in ints(t.get("retry_frames")):
                self.role["retry"][f].append(i)
            for f in ints(t.get("response_frames_dup")):
                self.role["dup"][f].append(i)

    def find(self, role, frame, mid=None):
        """Any transaction naming `frame` in `role`, preferring the same ID."""
        cands = self.role[role].get(frame, [])
        for i in cands:
            if mid is None or self.txns[i].get("id") == mid:
                return i
        return cands[0] if cands else None

    def pick(self, role, frame, mid, mode):
        """exact: unused, same ID; loose: unused; any: the first one."""
        for i in self.role[role].get(frame, []):
            if mode == "any" or (i not in self.used and (mode == "loose" or self.txns[i].get("id") == mid)):
                return i
        return None


# --------------------------------------------------------------------------- comparison

class Item:
    """One tshark transaction (or a wirelens transaction tshark does not have)."""

    def __init__(self, kind, q=None, r=None):
        self.kind, self.q, self.r = kind, q, r
        self.retries, self.dups = [], []
        self.diffs = []       # (field, text, frames)

    @property
    def label(self):
        qf = self.q.frame if self.q else None
        rf = self.r.frame if self.r else None
        return f"{self.kind} query {qf if qf is not None else '-'} response {rf if rf is not None else '-'}"

    def frames(self):
        return [m.frame for m in (self.q, self.r) if m] + [m.frame for m in self.retries + self.dups]


def build_items(msgs):
    items = []
    pair_by_r, pair_by_q, orig_by_q = {}, {}, {}
    by_key = {(m.frame, m.id, m.response): m for m in msgs}
    for r in msgs:
        if r.response and r.response_to is not None:
            q = by_key.get((r.response_to, r.id, False))
            it = Item("answered", q, r)
            it.rto = r.response_to
            items.append(it)
            pair_by_r[(r.frame, r.id)] = it
            pair_by_q[(r.response_to, r.id)] = it
    for q in msgs:
        if q.response is False and q.response_in is not None and (q.frame, q.id) not in pair_by_q:
            r = by_key.get((q.response_in, q.id, True))
            it = Item("answered", q, r)
            it.rto = q.frame
            items.append(it)
            pair_by_q[(q.frame, q.id)] = it
            if r is not None:
                pair_by_r[(r.frame, r.id)] = it
    for q in msgs:
        if q.response is False and q.response_in is None and q.rreq_in is None \
                and (q.frame, q.id) not in pair_by_q:
            it = Item("unanswered", q, None)
            items.append(it)
            orig_by_q[(q.frame, q.id)] = it
    for m in msgs:
        if m.response is False and m.rreq_in is not None:
            it = pair_by_q.get((m.rreq_in, m.id)) or orig_by_q.get((m.rreq_in, m.id))
            if it is None:
                it = Item("retry", None, None)
                items.append(it)
            it.retries.append(m)
        elif m.response and m.response_to is None and (m.frame, m.id) not in pair_by_r:
            if m.rresp_in is not None:
                it = pair_by_r.get((m.rresp_in, m.id))
                if it is None:
                    it = Item("dup-response", None, None)
                    items.append(it)
                it.dups.append(m)
            elif m.unsolicited:
                items.append(Item("unsolicited", None, m))
            else:
                items.append(Item("untracked", None, m))
    items.sort(key=lambda it: min(it.frames() or [0]))
    return items


def lookup_keys(it):
    """(role, frame, id) under which the item's wirelens transaction is looked for, best first."""
    if it.kind == "answered":
        keys = [("response", it.r.frame, it.r.id)] if it.r is not None else []
        return keys + [("query", it.rto, (it.q or it.r).id)]
    if it.kind == "unanswered":
        return [("query", it.q.frame, it.q.id)]
    if it.kind in ("unsolicited", "untracked"):
        return [("response", it.r.frame, it.r.id)]
    return []


def locate(items, wl):
    """Give each item its wirelens transaction (it.wl): first every exact
    (frame and ID, unused) match, then unused ones at the frame, then any."""
    for it in items:
        it.wl = None
    for mode in ("exact", "loose", "any"):
        for it in items:
            if it.wl is not None:
                continue
            for role, frame, mid in lookup_keys(it):
                i = wl.pick(role, frame, mid, mode)
                if i is not None:
                    it.wl = i
                    wl.used.add(i)
                    break


def compare_item(it, wl, infos):
    d = it.diffs

    def diff(field, text, frames=None):
        d.append((field, text, frames or it.frames()))

    i = it.wl
    if i is None and it.kind == "unanswered":
        j = wl.find("retry", it.q.frame, it.q.id)
        if j is not None:  # wirelens counts it as a retry of another query: accepted
            wl.used.add(j)
            return
    if i is None and it.kind in ("unsolicited", "untracked"):
        j = wl.find("dup", it.r.frame, it.r.id)
        if j is not None:
            wl.used.add(j)
            if it.kind == "unsolicited":
                t = wl.txns[j]
                diff("status", f"tshark: unsolicited response; wirelens: duplicate response of "
                               f"query {t.get('query_frame')} response {t.get('response_frame')}")
            return
    if it.kind in ("retry", "dup-response"):
        for m in it.retries + it.dups:
            role = "retry" if m in it.retries else "dup"
            j = wl.find(role, m.frame, m.id)
            if j is None:
                diff("retry_frames" if role == "retry" else "response_frames_dup",
                     f"frame {m.frame} (tshark: retransmission of {m.rreq_in or m.rresp_in}, whose "
                     f"transaction tshark does not have) is in no wirelens {role} list", [m.frame])
            else:
                wl.used.add(j)
        return
    if i is None:
        where = []
        if it.q is not None or it.kind == "answered":
            where.append(f"query_frame {it.q.frame if it.q else it.rto}")
        if it.r is not None:
            where.append(f"response_frame {it.r.frame}")
        diff("missing", "no wirelens transaction with " + " or ".join(where))
        return
    t = wl.txns[i]

    def cmp(field, tv, wv, text=None):
        if tv is not None and tv != wv:
            diff(field, text or f"tshark {short(tv)} wirelens {short(wv)}")

    q, r = it.q, it.r
    first = q or r
    # 1. the pairing; when it differs, what depends on it (rtt, question,
    # time, endpoints) is not compared: one pairing difference, not ten
    n0 = len(d)
    wq, wrf, st = t.get("query_frame"), t.get("response_frame"), t.get("status")
    if it.kind == "answered":
        if wq != it.rto:
            note = ""
            j = wl.find("query", it.rto, first.id)
            if j is not None and j != i:
                wl.used.add(j)
                tj = wl.txns[j]
                note = (f"; wirelens has query {it.rto} in another transaction (response "
                        f"{tj.get('response_frame')}, status {tj.get('status')})")
            else:
                j = wl.find("retry", it.rto, first.id)
                if j is not None and j != i:
                    wl.used.add(j)
                    note = f"; wirelens has query {it.rto} as a retry of query {wl.txns[j].get('query_frame')}"
            diff("query_frame", f"tshark {it.rto} wirelens {short(wq)}{note}")
        if r is not None and wrf != r.frame:
            diff("response_frame", f"tshark {r.frame} wirelens {short(wrf)}")
        if len(d) == n0 and st in ("unanswered", "unsolicited"):
            diff("status", f"answered by tshark; wirelens status {st}")
    elif it.kind == "unanswered":
        if wrf is not None:
            diff("response_frame", f"tshark: unanswered; wirelens response_frame {wrf} (status {short(st)})")
        elif st not in ("unanswered", "retried"):
            diff("status", f"tshark: unanswered; wirelens status {short(st)}")
    elif it.kind == "unsolicited":
        if wq is not None:
            diff("query_frame", f"tshark: unsolicited response; wirelens query_frame {wq} (status {short(st)})")
        elif st != "unsolicited":
            diff("status", f"tshark: unsolicited response; wirelens status {short(st)}")
    # tshark "untracked" (its dissector threw): no claim about query_frame/status
    paired = len(d) == n0

    # 2. the response's content, whenever both have the same response
    if r is not None and wrf == r.frame:
        cmp("rcode", r.rcode, t.get("rcode_code"))
        cmp("answer_count", r.ancount, t.get("answer_count"))
        answers = t.get("answers") if isinstance(t.get("answers"), list) else []
        wa = sorted({norm_addr(a.get("data")) for a in answers if isinstance(a, dict) and a.get("type") == "A"})
        w6 = sorted({norm_addr(a.get("data")) for a in answers if isinstance(a, dict) and a.get("type") == "AAAA"})
        if sorted(set(r.a)) != wa or sorted(set(r.aaaa)) != w6:
            diff("addresses", f"tshark A {sorted(set(r.a))} AAAA {sorted(set(r.aaaa))} "
                              f"wirelens A {wa} AAAA {w6}")

    # 3. what depends on the pairing
    if paired:
        if it.kind == "answered" and r is not None and r.time is not None:
            w = t.get("rtt_ms")
            if not isinstance(w, (int, float)) or isinstance(w, bool) or abs(w * 1e6 - r.time) > 1000.001:
                diff("rtt_ms", f"tshark dns.time {r.time / 1e6:.6f} ms wirelens {short(w)}")
        if r is None:
            if t.get("rcode_code") is not None:
                diff("rcode", f"no response; wirelens rcode_code {t.get('rcode_code')}")
            if t.get("rtt_ms") is not None:
                diff("rtt_ms", f"no response; wirelens rtt_ms {t.get('rtt_ms')}")
        cmp("id", first.id, t.get("id"))
        qn = (q.qnames if q and q.qnames else (r.qnames if r else []))
        qt = (q.qtypes if q and q.qnames else (r.qtypes if r else []))
        if qn:
            cmp("name", norm_name(qn[0]), norm_name(t.get("name")))
        if qt and qt[0] is not None:
            cmp("type", qt[0], t.get("type_code"))
        fi = first.fi
        cmp("ts", fi["ts"], wl_ts_ns(t.get("ts")),
            f"tshark frame {first.frame} time {fi['ts']} ns wirelens ts {short(t.get('ts'))}")
        if q is not None:
            cli, cport, srv, sport = fi.get("src"), fi["sport"], fi.get("dst"), fi["dport"]
        else:
            cli, cport, srv, sport = fi.get("dst"), fi["dport"], fi.get("src"), fi["sport"]
        cmp("client", cli, norm_addr(t.get("client")))
        cmp("client_port", cport, t.get("client_port"))
        cmp("server_port", sport, t.get("server_port"))
        if fi["protocol"] == "dns":
            cmp("server", srv, norm_addr(t.get("server")))
    cmp("protocol", first.fi["protocol"], t.get("protocol"))
    cmp("transport", first.fi["transport"], t.get("transport"))

    # 4. retransmissions; where wirelens has one as a transaction of its own,
    # that transaction is part of this difference, not an extra one
    def elsewhere(frames, role):
        notes = []
        for f in frames:
            j = wl.find(role, f)
            if j is not None and j != i:
                wl.used.add(j)
                notes.append(f"{f}: {wl.txns[j].get('status')}")
        return f" (wirelens transactions of their own: {', '.join(notes)})" if notes else ""

    wr = set(ints(t.get("retry_frames")))
    miss = [m.frame for m in it.retries if m.frame not in wr]
    if miss:
        diff("retry_frames", f"tshark retransmissions {miss} not in wirelens retry_frames {sorted(wr)}"
             + elsewhere(miss, "query"), miss)
    wd = set(ints(t.get("response_frames_dup")))
    miss = [m.frame for m in it.dups if m.frame not in wd]
    if miss:
        diff("response_frames_dup",
             f"tshark retransmitted responses {miss} not in wirelens response_frames_dup {sorted(wd)}"
             + elsewhere(miss, "response"), miss)


def check_wl_txn(t, infos, msgs_frames):
    """Self-consistency of one wirelens transaction -> [(field, text, frames)]."""
    out = []
    frames = [f for f in (t.get("query_frame"), t.get("response_frame")) if isinstance(f, int)]
    frames += ints(t.get("retry_frames")) + ints(t.get("response_frames_dup"))
    bad = [f for f in frames if f not in msgs_frames]
    if bad:
        out.append(("frames", f"wirelens names frames {bad} that tshark does not show as DNS", bad))
    rf, df = t.get("retry_frames"), t.get("response_frames_dup")
    if isinstance(rf, list) and t.get("retries") != len(rf):
        out.append(("schema", f"retries {t.get('retries')} but {len(rf)} retry_frames", frames))
    if isinstance(df, list) and t.get("duplicate_responses") != len(df):
        out.append(("schema", f"duplicate_responses {t.get('duplicate_responses')} but {len(df)} "
                              f"response_frames_dup", frames))
    tc, tn = t.get("type_code"), t.get("type")
    if tc in TYPE_NAMES and tn != TYPE_NAMES[tc]:
        out.append(("names", f"type_code {tc} but type {short(tn)}", frames))
    rc, rn = t.get("rcode_code"), t.get("rcode")
    if rc in RCODE_NAMES and rn != RCODE_NAMES[rc]:
        out.append(("names", f"rcode_code {rc} but rcode {short(rn)}", frames))
    if (rc is None) != (rn is None):
        out.append(("names", f"rcode {short(rn)} with rcode_code {short(rc)}", frames))
    return out


def wl_tree(txns):
    """wirelens counterpart of the -z dns,tree numbers: plain DNS only (tshark's
    tree leaves mDNS and LLMNR out), messages, rcodes of all messages (queries
    as 0), retransmissions = duplicate responses (tshark counts only those)."""
    c = {"queries": 0, "responses": 0, "rcodes": Counter(), "rtt": 0, "unsolicited": 0, "retransmissions": 0}
    for t in txns:
        if t.get("protocol") != "dns":
            continue
        nq = (1 if isinstance(t.get("query_frame"), int) else 0) + len(ints(t.get("retry_frames")))
        nr = (1 if isinstance(t.get("response_frame"), int) else 0) + len(ints(t.get("response_frames_dup")))
        c["queries"] += nq
        c["responses"] += nr
        c["rcodes"][0] += nq
        if isinstance(t.get("rcode_code"), int):
            c["rcodes"][t["rcode_code"] & 0xF] += nr
        c["rtt"] += t.get("rtt_ms") is not None
        c["unsolicited"] += t.get("status") == "unsolicited"
        c["retransmissions"] += len(ints(t.get("response_frames_dup")))
    return c


def tree_line(ts, wl):
    parts = []
    for k in ("queries", "responses", "rtt", "unsolicited", "retransmissions"):
        a, b = ts.get(k, 0), wl.get(k, 0)
        parts.append(f"{k} {a}" + ("" if a == b else f"/wl {b}"))
    rc = sorted(set(k for k, v in ts["rcodes"].items() if v) | set(k for k, v in wl["rcodes"].items() if v),
                key=str)
    rcs = ",".join(f"{k}:{ts['rcodes'].get(k, 0)}" + ("" if ts["rcodes"].get(k, 0) == wl["rcodes"].get(k, 0)
                                                       else f"/wl {wl['rcodes'].get(k, 0)}") for k in rc)
    return "dns,tree " + ", ".join(parts) + f", rcodes(all msgs) {rcs}"


class FileResult:
    def __init__(self, path):
        self.path, self.name = path, os.path.basename(path)
        self.status = "ok"
        self.note = ""
        self.items = []
        self.tree = ""


def process_file(path, opts):
    res = FileResult(path)
    ts = tshark_messages(path, opts.timeout)
    if ts is None:
        res.status = "ts-rejects"
        return res
    msgs, infos = ts
    wst, txns, note = run_wirelens(opts.wirelens, path, opts.timeout)
    if wst == "fail":
        res.status, res.note = "FAIL", note
        return res
    if wst == "exit2":
        res.status, res.note = "wl-exit2", note
    wl = WlIndex(txns)
    res.items = build_items(msgs)
    locate(res.items, wl)
    # messages tshark could not read an ID from: a wirelens transaction there
    # (status malformed, say) is fine, none is fine too
    for m in msgs:
        if m.id is None or m.response is None:
            for role in ("response", "query"):
                for i in wl.role[role].get(m.frame, []):
                    wl.used.add(i)
    for it in res.items:
        compare_item(it, wl, infos)
    frames = set(infos)
    for i, t in enumerate(txns):
        extra = []
        if i not in wl.used:
            extra.append(("extra", f"wirelens transaction {short(t.get('status'))} id {t.get('id')} "
                                   f"name {short(t.get('name'))} matches no tshark transaction", None))
        extra += check_wl_txn(t, infos, frames)
        if extra:
            it = Item("wirelens")
            it.wl_frames = [f for f in (t.get("query_frame"), t.get("response_frame")) if isinstance(f, int)]
            it.diffs = [(f, txt, fr if fr is not None else it.wl_frames) for f, txt, fr in extra]
            it.wl_label = f"wirelens query {t.get('query_frame')} response {t.get('response_frame')}"
            if i in wl.used:  # consistency problems of a matched transaction: not another transaction
                it.counted = False
            res.items.append(it)
    if msgs or txns:
        res.tree = tree_line(tshark_tree(path, opts.timeout), wl_tree(txns))
    return res


def classify(res, known):
    """-> per item: 'agree' | 'known' | 'unexplained'; differences get a known flag."""
    out = []
    for it in res.items:
        if not it.diffs:
            out.append("agree")
            continue
        kn = []
        for field, text, frames in it.diffs:
            kn.append(any(is_known(known, res.name, f) for f in (frames or [0])))
        it.known = kn
        out.append("known" if all(kn) else "unexplained")
    return out


def inputs(args):
    paths = args.files or [CORPUS, os.path.join(REPO, "samples")]
    out = []
    for p in paths:
        if os.path.isdir(p):
            cap = os.path.basename(os.path.normpath(p)) == "captures"
            out += sorted(os.path.join(p, f) for f in os.listdir(p)
                          if not f.startswith(".") and (cap or ".pcap" in f or f.endswith(".cap")))
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise ToolingError(f"no such file or directory: {p}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare wirelens dns --format ndjson with tshark's DNS tracking.")
    ap.add_argument("--wirelens", required=True)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--jobs", "-j", type=int, default=min(8, os.cpu_count() or 1))
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args(argv)
    if not os.path.exists(args.wirelens):
        print(f"binary {args.wirelens} missing", file=sys.stderr)
        return 2
    if shutil.which("tshark") is None:
        print("tshark not found", file=sys.stderr)
        return 2
    try:
        files = inputs(args)
        known = load_known(("dns",))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            results = list(ex.map(lambda p: process_file(p, args), files))
    except (ToolingError, OSError) as e:
        print(f"tooling failure: {e}", file=sys.stderr)
        return 2
    tot = Counter()
    fields_all, fields_unexp = Counter(), Counter()
    lines, failed, quiet = [], False, 0
    for res in results:
        if res.status == "FAIL":
            failed = True
            print(f"FAIL       {res.name}: wirelens {res.note}")
            continue
        if res.status == "ts-rejects":
            quiet += 1
            continue
        verdict = classify(res, known)
        c = Counter()
        for it, v in zip(res.items, verdict):
            if getattr(it, "counted", True):
                c["n"] += 1
                c[v] += 1
            elif v != "agree":
                c["extra_" + v] += 1  # consistency finding on a counted transaction
            for (field, text, frames), k in zip(it.diffs, getattr(it, "known", [False] * len(it.diffs))):
                fields_all[field] += 1
                if not k:
                    fields_unexp[field] += 1
                if not k or args.verbose:
                    lab = getattr(it, "wl_label", None) or it.label
                    lines.append(f"{res.name}: {lab}: {field}: {text}" + (" (known)" if k else ""))
        unexp = c["unexplained"] + c["extra_unexplained"]
        tot.update(c)
        if not c["n"] and res.status == "ok":
            quiet += 1
            continue
        status = res.status if res.status != "ok" else ("ok" if not unexp else "DIFF")
        print(f"{status:<10} {res.name}: transactions {c['n']}, agree {c['agree']}, known {c['known']}, "
              f"unexplained {c['unexplained']}" + (f" (+{c['extra_unexplained']} consistency)"
                                                   if c["extra_unexplained"] else "")
              + (f"  [{res.note}]" if res.note else ""))
        if res.tree:
            print(f"           {res.tree}")
    unexp_total = tot["unexplained"] + tot["extra_unexplained"]
    print(f"total: transactions compared {tot['n']}, agree {tot['agree']}, known {tot['known']}, "
          f"unexplained {tot['unexplained']}" + (f" (+{tot['extra_unexplained']} consistency)"
                                                 if tot["extra_unexplained"] else "")
          + f"; {quiet} files without DNS or unreadable by tshark")
    if fields_all:
        print("differences by field (all / unexplained): "
              + ", ".join(f"{f} {fields_all[f]}/{fields_unexp[f]}" for f in sorted(fields_all)))
    for ln in lines[: (None if args.verbose else 20)]:
        print("  " + ln)
    if not args.verbose and len(lines) > 20:
        print(f"  ... {len(lines) - 20} more (-v lists all)")
    if failed:
        return 1
    return 1 if (unexp_total and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
