#!/usr/bin/env python3
"""Turn bench/run.sh's raw measurements into bench/results/latest.md and latest.json.

Reads RAW/ (written by bench/run.sh):
  GROUP.roundN.json   hyperfine --export-json of round N (one run per command)
  rss/NAME            /usr/bin/time -v reports of every run of NAME (warm-up included)
  commands.tsv        NAME <tab> command line
  facts.tsv           file <tab> packets <tab> bytes on the wire <tab> file size <tab> duration s
  synflood-flows.txt  the output of wirelens flows --max-flows on the SYN flood
  env.txt, lab.meta, load-before.txt, load-after.txt
"""

import argparse
import glob
import json
import os
import re
import statistics
import sys

MIB = 1024 * 1024

WHAT = {
    "flows": "wirelens flows (full analysis, JSON)",
    "flows-plain": "the same, plain build (no PGO)",
    "tcptrace": "tcptrace -n -l",
    "tshark-conv": "tshark -z conv,tcp",
    "tcpdump-read": "tcpdump bare read (-w /dev/null)",
    "packets": "wirelens packets (one line each)",
    "tcpdump-print": "tcpdump printing",
    "tshark-print": "tshark printing",
    "flows-2x": "wirelens flows, 2x capture",
    "tcpdump-read-2x": "tcpdump bare read, 2x capture",
    "packets-2x": "wirelens packets, 2x capture",
    "flows-syn": "wirelens flows --max-flows N, SYN flood",
    "flows-syn-unbounded": "wirelens flows (no cap), SYN flood",
    "tcpdump-read-syn": "tcpdump bare read, SYN flood",
}
FILE_OF = {
    "flows-2x": "lab-2x.pcap",
    "tcpdump-read-2x": "lab-2x.pcap",
    "packets-2x": "lab-2x.pcap",
    "flows-syn": "synflood.pcap",
    "flows-syn-unbounded": "synflood.pcap",
    "tcpdump-read-syn": "synflood.pcap",
}


def read_text(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def round_of(path):
    m = re.search(r"\.round(\d+)\.json$", path)
    return int(m.group(1)) if m else 0


def load(raw):
    times, cpu, by_round = {}, {}, {}
    # In round order (round10 after round9, not after round1).
    for path in sorted(glob.glob(os.path.join(raw, "*.round*.json")), key=lambda p: (os.path.basename(p).split(".")[0], round_of(p))):
        with open(path) as f:
            for r in json.load(f)["results"]:
                times.setdefault(r["command"], []).extend(r["times"])
                # One run per round: hyperfine's user and system are that run's.
                cpu.setdefault(r["command"], []).append(r["user"] + r["system"])
                by_round.setdefault(r["command"], {})[round_of(path)] = r["times"][0]
    rss, failed = {}, {}
    for path in glob.glob(os.path.join(raw, "rss", "*")):
        text = read_text(path)
        kb = [int(x) for x in re.findall(r"Maximum resident set size \(kbytes\): (\d+)", text)]
        codes = [int(x) for x in re.findall(r"Exit status: (\d+)", text)]
        name = os.path.basename(path)
        if kb:
            rss[name] = max(kb) * 1024
        failed[name] = sum(1 for c in codes if c != 0)
    commands = {}
    for line in read_text(os.path.join(raw, "commands.tsv")).splitlines():
        name, _, cmd = line.partition("\t")
        commands[name] = cmd
    facts = {}
    for line in read_text(os.path.join(raw, "facts.tsv")).splitlines():
        name, packets, wire, size, dur = line.split("\t")
        facts[name] = {"packets": int(packets), "wire_bytes": int(wire), "file_bytes": int(size),
                       "duration_s": float(dur)}
    return times, cpu, rss, failed, commands, facts, by_round


def fmt_rate(x):
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= div:
            return f"{x / div:.2f} {unit}"
    return f"{x:.0f} "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tshark-runs", type=int, default=2)
    ap.add_argument("--max-flows", type=int, default=100000)
    ap.add_argument("--command", default="sudo bench/run.sh")
    ap.add_argument("--repo", help="shown as a relative path in the commands")
    a = ap.parse_args()
    times, cpu, rss, failed, commands, facts, by_round = load(a.raw)
    if a.repo:
        commands = {k: v.replace(a.repo.rstrip("/") + "/", "") for k, v in commands.items()}
    if not times:
        sys.exit("report.py: no hyperfine results in " + a.raw)

    rows = {}
    for name, ts in times.items():
        file = FILE_OF.get(name, "lab.pcap")
        fc = facts.get(file, {})
        # Judged on the median, as hyperfine reports it: on this shared VM one
        # run in five can take a third longer than the others, and a mean
        # follows it.
        median = statistics.median(ts)
        rows[name] = {
            "command": commands.get(name, name),
            "file": file,
            "runs": len(ts),
            "times_s": ts,
            "median_s": median,
            "mean_s": statistics.fmean(ts),
            "stddev_s": statistics.stdev(ts) if len(ts) > 1 else None,
            "min_s": min(ts),
            "cpu_s": statistics.median(cpu[name]) if cpu.get(name) else None,
            "packets_per_s": fc.get("packets", 0) / median if median else None,
            "file_bytes_per_s": fc.get("file_bytes", 0) / median if median else None,
            "wire_bytes_per_s": fc.get("wire_bytes", 0) / median if median else None,
            "peak_rss_bytes": rss.get(name),
            "failed_runs": failed.get(name, 0),
        }

    def median(n):
        return rows[n]["median_s"] if n in rows else None

    def ratio(x, y):
        return x / y if x is not None and y else None

    def mib(n):
        v = rows.get(n, {}).get("peak_rss_bytes")
        return v / MIB if v is not None else None

    pk = lambda f: facts.get(f, {}).get("packets")  # noqa: E731
    checks = []

    def check(target, measured, ok, on_cpu="", per_round=""):
        checks.append({"target": target, "measured": measured, "holds": ok, "on_cpu_time": on_cpu,
                       "per_round": per_round})

    def cpu(n):
        return rows[n]["cpu_s"] if n in rows else None

    # The ratio in each round where both commands ran (they ran back to
    # back, so a slow stretch of the machine hits both): how many rounds
    # hold, and the median of the rounds' ratios.
    def rounds_text(a_name, b_name, text, ok):
        ra, rb = by_round.get(a_name, {}), by_round.get(b_name, {})
        rs = [ra[k] / rb[k] for k in sorted(ra) if k in rb and rb[k]]
        if len(rs) < 2:
            return ""
        return (f"{sum(1 for x in rs if ok(x))} of {len(rs)} rounds hold; median of the rounds "
                f"{text(statistics.median(rs))}")

    # Time targets: judged on median wall-clock time; the same ratio on CPU
    # time (user + system) is shown beside it, as it is less disturbed by
    # other work on the machine.
    def time_check(target, a_name, b_name, text, ok, into=check):
        r, rc = ratio(median(a_name), median(b_name)), ratio(cpu(a_name), cpu(b_name))
        into(target, text(r) if r else "n/a", r is not None and ok(r),
             (text(rc) + (" (holds)" if ok(rc) else " (no)")) if rc else "",
             rounds_text(a_name, b_name, text, ok))

    def speed_checks(flows, into=check):
        time_check("full analysis ≤ 1/4 of tcptrace -n -l", flows, "tcptrace",
                   lambda r: f"{r:.3f}× tcptrace", lambda r: r <= 0.25, into)
        time_check("full analysis ≤ 1/150 of tshark -z conv,tcp", flows, "tshark-conv",
                   lambda r: f"1/{1 / r:.1f} of tshark conv", lambda r: r <= 1 / 150, into)
        time_check("full analysis ≤ 1.2× tcpdump's bare read", flows, "tcpdump-read",
                   lambda r: f"{r:.2f}× tcpdump -w /dev/null", lambda r: r <= 1.2, into)

    speed_checks("flows")
    # The plain build's ratios, for comparison (not targets: see the build
    # line of the environment for which binary `flows` is).
    plain = []
    if "flows-plain" in rows:
        speed_checks("flows-plain", lambda t, m, ok, c, pr: plain.append(
            {"target": t, "measured": m, "holds": ok, "on_cpu_time": c, "per_round": pr}))
    m1, m2 = mib("flows"), mib("flows-2x")
    check("peak RSS ≤ 64 MiB on both captures (flows)",
          f"{m1:.1f} MiB (1×), {m2:.1f} MiB (2×)" if m1 and m2 else "n/a",
          m1 is not None and m2 is not None and max(m1, m2) <= 64)
    pr = ratio(pk("lab-2x.pcap"), pk("lab.pcap")) or 0
    time_check("2× packets ≤ 2.1× time (flows)", "flows-2x", "flows",
               lambda r: f"{pr:.2f}× packets → {r:.2f}× time", lambda r: r <= 2.1)
    time_check("packets at least as fast as tcpdump printing", "packets", "tcpdump-print",
               lambda r: f"packets / tcpdump = {r:.2f}×", lambda r: r <= 1.0)
    time_check("packets ≥ 20× faster than tshark -n -r", "tshark-print", "packets",
               lambda r: f"tshark / packets = {r:.1f}×", lambda r: r >= 20)
    syn_text = read_text(os.path.join(a.raw, "synflood-flows.txt")).strip().splitlines()
    footer = syn_text[-1] if syn_text else ""
    mev = re.search(r"(\d+) flows, (\d+) evicted", footer)
    sb, su = mib("flows-syn"), mib("flows-syn-unbounded")
    syn = {"footer": footer, "flows": int(mev.group(1)) if mev else None,
           "evicted": int(mev.group(2)) if mev else None, "rss_mib_max_flows": sb, "rss_mib_unbounded": su}
    # Bounded memory: the capped run must stay near what max_flows flows
    # need, not grow with the million flows of the file; 64 MiB is the
    # budget the lab captures are held to.
    check(f"SYN flood, --max-flows {a.max_flows}: memory bounded (≤ 64 MiB)",
          f"{sb:.0f} MiB capped vs {su:.0f} MiB uncapped; {syn['evicted']} evicted" if sb and su else "n/a",
          sb is not None and sb <= 64)

    env = read_text(os.path.join(a.raw, "env.txt")).strip()
    meta = read_text(os.path.join(a.raw, "lab.meta")).strip()
    load_b = read_text(os.path.join(a.raw, "load-before.txt")).strip()
    load_a = read_text(os.path.join(a.raw, "load-after.txt")).strip()

    out = []
    w = out.append
    w("# wirelens benchmark: latest results\n")
    w(f"Made by `{a.command}` (bench/run.sh, then bench/report.py). Each command ran "
      f"{a.runs} times ({a.tshark_runs} for the tshark ones, 3 and 1 on the SYN flood), in "
      "alternation: round r runs every command once (hyperfine --runs 1, the first round after one "
      "warm-up run of each), so drift on the machine hits all of them alike. Before every run the "
      "capture is read once into the page cache (hyperfine --prepare, not timed): this VM's "
      "kernel pages out file pages it has not seen used for a while (DAMON reclaim), so "
      "without it each run found a different part of the file on disk. Times are medians "
      "of wall-clock seconds (means and spread beside them; rates are from the medians); CPU "
      "time is the median of user + system; peak RSS is the largest `Maximum resident set size` that "
      "`/usr/bin/time -v` reported over a command's runs. Output goes to /dev/null.\n")
    w("```\n" + env + "\n```\n")
    w(f"Load: before `{load_b.split('load average:')[-1].strip()}`, after "
      f"`{load_a.split('load average:')[-1].strip()}` (1/5/15-minute load averages; 2 cores).\n")
    w("## Captures\n")
    w("| file | packets | bytes on the wire | file size | duration | made by |")
    w("|---|---:|---:|---:|---:|---|")
    how = {
        "lab.pcap": "real lab traffic (see below), snaplen 96",
        "lab-2x.pcap": "lab.pcap, then lab.pcap again shifted in time by its duration rounded up + 1 s (editcap -t, mergecap -a)",
        "synflood.pcap": "SYNTHETIC (bench/synflood.py): 1 SYN per flow, 1 µs apart",
    }
    for name in ("lab.pcap", "lab-2x.pcap", "synflood.pcap"):
        f = facts.get(name)
        if f:
            w(f"| {name} | {f['packets']:,} | {f['wire_bytes']:,} | {f['file_bytes']:,} | "
              f"{f['duration_s']:.1f} s | {how[name]} |")
    w("")
    if meta:
        w("lab.pcap was captured on the client's interface of the lab (lab/lib.sh: client — router — "
          "server namespaces, offloads off) while the router dropped 1 in 200 forwarded packets:\n")
        w("```\n" + meta + "\n```\n")
    w("## Timings\n")
    w("| what | runs | median s | mean s | ± sd | min s | CPU s | packets/s | file bytes/s | wire bytes/s | "
      "peak RSS MiB |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = list(WHAT)
    for name in sorted(rows, key=lambda n: order.index(n) if n in order else 99):
        r = rows[name]
        sd = f"{r['stddev_s']:.3f}" if r["stddev_s"] is not None else ""
        rss_v = f"{r['peak_rss_bytes'] / MIB:.1f}" if r["peak_rss_bytes"] else ""
        fail = f" ({r['failed_runs']} runs exited non-zero)" if r["failed_runs"] else ""
        cpu_v = f"{r['cpu_s']:.3f}" if r["cpu_s"] is not None else ""
        w(f"| {WHAT.get(name, name)}{fail} | {r['runs']} | {r['median_s']:.3f} | {r['mean_s']:.3f} | {sd} | "
          f"{r['min_s']:.3f} | {cpu_v} | "
          f"{fmt_rate(r['packets_per_s'])}pkt/s | {fmt_rate(r['file_bytes_per_s'])}B/s | "
          f"{fmt_rate(r['wire_bytes_per_s'])}B/s | {rss_v} |")
    w("")
    w("## Targets\n")
    w("Judged on median wall-clock time; the last column gives the same ratio on CPU time (user + system).\n")
    w("| target | measured | holds | on CPU time | per round |")
    w("|---|---|---|---|---|")
    for c in checks:
        w(f"| {c['target']} | {c['measured']} | {'yes' if c['holds'] else '**no**'} | {c['on_cpu_time']} | "
          f"{c['per_round']} |")
    w("")
    if plain:
        w("The same speed targets for the plain build (`cargo build --release`, without profile-guided "
          "optimisation), timed in the same rounds:\n")
        w("| target | measured | holds | on CPU time | per round |")
        w("|---|---|---|---|---|")
        for c in plain:
            w(f"| {c['target']} | {c['measured']} | {'yes' if c['holds'] else 'no'} | {c['on_cpu_time']} | "
              f"{c['per_round']} |")
        w("")
    w("## SYN flood (synthetic)\n")
    w(f"`wirelens flows --max-flows {a.max_flows}` on {facts.get('synflood.pcap', {}).get('packets', 0):,} "
      f"SYNs from distinct sources says: `{footer}`. Peak RSS "
      f"{sb:.0f} MiB with the cap, {su:.0f} MiB without it.\n" if sb and su else "(no SYN-flood run)\n")
    w("## Commands\n")
    w("```")
    for name in sorted(rows, key=lambda n: order.index(n) if n in order else 99):
        w(f"{name}: {rows[name]['command']}")
    w("```")
    with open(a.md, "w") as f:
        f.write("\n".join(out) + "\n")
    with open(a.json, "w") as f:
        json.dump({"results": rows, "targets": checks, "plain_build": plain, "captures": facts, "synflood": syn, "env": env,
                   "lab": meta}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
