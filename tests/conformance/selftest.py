#!/usr/bin/env python3
"""Self-test of conformance.py, using fake_wirelens.py (a tshark-driven stand-in).

  python3 tests/conformance/selftest.py          # representative subset (~1 min cold)
  python3 tests/conformance/selftest.py --full   # whole corpus

Checks: 100% agreement on faithful output (absent layers omitted or null);
deliberate perturbations are reported exactly (same file/frame/field set);
known-differences lines turn them into "known"; exit codes for --strict,
crashes, wirelens exit 2, missing tools.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CONF = os.path.join(HERE, "conformance.py")
FAKE = os.path.join(HERE, "fake_wirelens.py")
CAPS = os.path.normpath(os.path.join(REPO, "..", "shared", "corpus", "captures"))

SUBSET = [
    "td_dns_tcp.pcap", "td_dns_udp_2.pcap", "td_dns-badcookie.pcap", "td_802.1ad_QinQ.pcap",
    "td_LINKTYPE_IPV4_invalid.pcap", "td_LINKTYPE_IPV6_invalid.pcap", "td_afs.pcap",
    "td_ipv6-routing-header.pcap", "td_ipv6_jumbogram_1.pcap", "td_timestamp_invalid_nano.pcap",
    "td_time_2107.pcapng", "td_dns_fwdptr.pcap", "zk_trunc-ip4-trunc.pcap", "zk_trunc-ip6-trunc.pcap",
    "zk_vlan-qinqinq.pcap", "zk_ipv4-fragmented-1.pcap", "zk_dns-tkey.pcap", "zk_dns-mdns.pcap",
    "zk_dns-invalid-names.pcap", "pp_ip-frag.pcap", "pp_ip6_fragments.pcap", "pp_tcp-reassembly.pcap",
    "pp_DnsPackets.pcap", "pp_VlanPackets.pcap", "pp_pcapng-example.pcapng", "rp_test016-le.pcapng",
    "rp_test017-le.pcapng", "lp_pcap-invalid-version-1.pcap", "lp_shb-option-too-long.pcapng",
    "zk_tcp-truncated-header.pcap",
]

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(args, env=None, files=None):
    fd, jpath = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    cmd = [sys.executable, CONF, "--json-out", jpath] + args + (files or [])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, **(env or {})))
    try:
        with open(jpath) as fh:
            summary = json.load(fh)
    except ValueError:
        summary = None
    os.unlink(jpath)
    return p.returncode, summary, p.stdout.decode(), p.stderr.decode()


def diffset(summary, known=None):
    out = set()
    for f in summary["files"]:
        for d in f["differences"]:
            if known is None or bool(d["known"]) == known:
                out.add((f["file"], d["frame"], d["field"]))
    return out


def unit_tests():
    sys.path.insert(0, HERE)
    import conformance as c
    row = {f: [] for f in c.TSHARK_FIELDS}
    row.update({
        "frame.number": ["5"], "frame.time_epoch": ["1.5"], "frame.len": ["200"], "frame.cap_len": ["200"],
        "frame.protocols": ["eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:tcp:dns:dns"],
        "vlan.id": ["2001"], "ieee8021ad.id": ["200"],
        "ip.src": ["10.0.0.1"], "ip.dst": ["10.0.0.2"], "ip.proto": ["6"], "ip.id": ["0x1c46"],
        "ip.flags.mf": ["0"], "ip.frag_offset": ["185"],
        "tcp.srcport": ["53"], "tcp.dstport": ["4000"], "tcp.seq_raw": ["1"], "tcp.ack_raw": ["9"],
        "tcp.flags": ["0x0002"], "tcp.window_size_value": ["512"], "tcp.len": ["100"],
        "dns.id": ["0x0001", "0x0002"], "dns.flags.response": ["1", "1"], "dns.flags.opcode": ["0", "0"],
        "dns.flags.rcode": ["0", "3"], "dns.count.queries": ["1", "2"],
        "dns.qry.name": ["a.example", "<Root>", "b,c.example"], "dns.qry.type": ["1", "2", "28"],
        "dns.count.answers": ["1", "0"],
    })
    layers, f, msgs = c.tshark_view(row)
    check(layers == {"ip", "tcp", "dns"}, "view: layers")
    check(f["vlan"] == [200, 2001], "view: 802.1ad S-tag before 802.1Q tag")
    check(f["ip.id"] == 0x1c46 and f["ip.frag_offset"] == 1480, "view: ip.id hex, frag offset x8")
    check("tcp.ack" not in f, "view: tcp.ack skipped without ACK flag")
    check([m["id"] for m in msgs] == [1, 2] and msgs[1]["qnames"] == ["<Root>", "b,c.example"]
          and msgs[1]["rcode"] == 3 and msgs[0]["qtypes"] == [1], "view: two DNS messages split by qdcount")
    pkt = {"frame": 5, "ts": "1970-01-01T00:00:01.500000000Z", "len": 200, "caplen": 200, "vlan": [200, 2001],
           "src": "10.0.0.1", "dst": "10.0.0.2", "sport": 53, "dport": 4000,
           "ip": {"version": 4, "proto": 6, "id": 0x1c46, "mf": False, "frag_offset": 1480},
           "tcp": {"flags_raw": 2, "seq": 1, "ack": 0, "win": 512, "len": 100},
           "dns": {"id": 1, "response": True, "opcode": 0, "rcode": 0, "answer_count": 1,
                   "questions": [{"name": "a.example", "type": "A", "type_code": 1}]},
           "dns_more": [{"id": 2, "response": True, "opcode": 0, "rcode": 3, "answer_count": 0,
                         "questions": [{"name": ".", "type": "NS", "type_code": 2},
                                       {"name": "b,c.example", "type": "AAAA", "type_code": 28}]}]}
    r = c.FileResult("x.pcap", "x.pcap")
    c.compare_frame(r, 5, row, pkt, [])
    check(r.unexplained == 0 and r.compared > 25, "compare: dns + dns_more all agree (%d compared, %s)" % (
        r.compared, [(d["field"], d["tshark"], d["wirelens"]) for d in r.diffs]))
    pkt["dns_more"][0]["rcode"] = 2
    r = c.FileResult("x.pcap", "x.pcap")
    c.compare_frame(r, 5, row, pkt, [])
    check([d["field"] for d in r.diffs] == ["dns[1].rcode"], "compare: second message difference named dns[1].rcode")
    del pkt["dns_more"]
    r = c.FileResult("x.pcap", "x.pcap")
    c.compare_frame(r, 5, row, pkt, [])
    check([d["field"] for d in r.diffs] == ["dns.messages"], "compare: missing second message -> dns.messages")
    row2 = dict(row, **{"dns.id": ["0x0001"], "dns.flags.response": ["1"], "dns.flags.rcode": ["7"],
                        "dns.resp.ext_rcode": ["0x01"], "dns.count.queries": ["1"],
                        "dns.qry.name": ["<Root>"], "dns.qry.type": ["6"]})
    check(c.tshark_view(row2)[2][0]["rcode"] == 23, "view: EDNS extended rcode (BADCOOKIE 23)")
    check(c.ts_epoch_ns("1418145370.1000000000") == 1418145371 * 10**9, "ts: un-normalised tshark nsecs")
    check(c.wl_ts_ns("586524-01-19T07:53:24.126329Z") == c.ts_epoch_ns("18446744073204.126329000"),
          "ts: RFC 3339 beyond year 9999")
    check(c.wl_ts_ns("18446744073204.126329000") == c.ts_epoch_ns("18446744073204.126329000"),
          "ts: bare secs.nanos accepted")
    check(c.norm_addr("2001:0db8:0:0::1") == c.norm_addr("2001:db8::1"), "addresses compared canonically")
    check(c.parse_frames_spec("1,4,10-12") == [(1, 1), (4, 4), (10, 12)] and c.parse_frames_spec("*") is None,
          "frames spec parsing")


def main():
    full = "--full" in sys.argv
    unit_tests()
    # the corpus only: samples/ may be regenerated while the test runs
    files = [CAPS] if full else [os.path.join(CAPS, n) for n in SUBSET]
    empty_known = tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False)
    empty_known.write("# empty\n")
    empty_known.close()
    base = ["--wirelens", FAKE, "--known", empty_known.name]

    # 1. faithful output: 100%
    for style in ("omit", "null"):
        rc, s, out, err = run(base + ["--strict"], {"FAKE_STYLE": style}, files)
        check(rc == 0 and s and s["totals"]["unexplained"] == 0 and s["totals"]["agree"] > 1000,
              "faithful fake (%s style): 100%% agreement, exit 0 with --strict (rc=%s, %s)" % (
                  style, rc, s and s["totals"]))
    check(s is not None and any(f["status"].startswith("ts-rejects") for f in s["files"]),
          "tshark-rejected files are recorded as ts-rejects")

    # 2. perturbations are reported exactly
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    log.close()
    env = {"FAKE_PERTURB": "7", "FAKE_LOG": log.name}
    rc, s, out, err = run(base, env, files)
    expected = set()
    with open(log.name) as fh:
        for line in fh:
            f, fr, fld = line.rstrip("\n").split("\t")
            expected.add((f, int(fr), fld))
    got = diffset(s)
    check(len(expected) > 50, "perturbation run made %d changes" % len(expected))
    check(got == expected, "every perturbation reported, nothing else (missed %s, extra %s)" % (
        sorted(expected - got)[:5], sorted(got - expected)[:5]))
    check(rc == 0, "unexplained differences without --strict: exit 0 (rc=%s)" % rc)
    rc2, s2, _, _ = run(base + ["--strict"], env, files)
    check(rc2 == 1, "unexplained differences with --strict: exit 1 (rc=%s)" % rc2)
    fields = {x[2] for x in expected}
    print("     perturbed fields covered: %s" % " ".join(sorted(fields)))

    # 3. known differences
    exp_sorted = sorted(expected)
    a, b, c = exp_sorted[0], exp_sorted[len(exp_sorted) // 2], exp_sorted[-1]
    kn = tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False)
    kn.write("# file\tframes\tfield\treason\n")
    kn.write("%s\t*\t%s\tall frames of this field\n" % (a[0], a[2]))
    kn.write("%s\t%d-%d\t*\trange, any field\n" % (b[0], b[1], b[1]))
    kn.write("%s\t999999,%d\t%s\tlist\n" % (c[0], c[1], c[2][:3] + "*"))
    kn.write("nomatch.pcap\t*\t*\tunused line\n")
    kn.close()
    rc, s, out, err = run(["--wirelens", FAKE, "--known", kn.name, "--verbose"], env, files)
    known = diffset(s, True)
    want_known = {x for x in expected if (x[0] == a[0] and x[2] == a[2]) or (x[0] == b[0] and x[1] == b[1])
                  or (x[0] == c[0] and x[1] == c[1] and x[2].startswith(c[2][:3]))}
    check(known == want_known and diffset(s, False) == expected - want_known,
          "known-differences lines ('*', range, list, glob) classify exactly (%d known)" % len(known))
    check(s["totals"]["known"] == len(want_known), "known count in totals")
    check("matched nothing" in out and "nomatch.pcap" in out, "unused known line reported with --verbose")

    # 4. crash and exit 2
    crash_file = "td_dns_tcp.pcap"
    rc, s, out, err = run(base, {"FAKE_CRASH": crash_file}, files)
    st = {f["file"]: f for f in s["files"]}
    check(rc == 1 and st[crash_file]["status"] == "FAIL" and "FAILURE" in err,
          "crash (exit 101 + panic) fails the run without --strict (rc=%s)" % rc)
    rc, s, out, err = run(base, {"FAKE_EXIT2": "pp_DnsPackets.pcap"},
                          [os.path.join(CAPS, "pp_DnsPackets.pcap")])
    f = s["files"][0]
    d = diffset(s)
    check(rc == 0 and f["wirelens_exit"] == 2 and ("pp_DnsPackets.pcap", 0, "file.open") in d
          and len([x for x in d if x[2] == "frame"]) == 464 - 232,
          "wirelens exit 2 on a file tshark reads: file.open + missing frames (rc=%s)" % rc)

    # 5. tooling failures
    rc, s, out, err = run(["--wirelens", "/nonexistent/wirelens"], None, files[:1])
    check(rc == 2, "missing wirelens binary: exit 2 (rc=%s)" % rc)
    rc, s, out, err = run(base + ["--tshark", "/nonexistent/tshark"], None, files[:1])
    check(rc == 2, "missing tshark: exit 2 (rc=%s)" % rc)

    for p in (empty_known.name, log.name, kn.name):
        os.unlink(p)
    print("\n%s" % ("ALL OK" if not failures else "%d FAILED" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
