#!/usr/bin/env bash
# wirelens end-to-end benchmark (issue 6).
#
#   sudo bench/run.sh            # make (or reuse) the captures, time everything, write bench/results/
#   sudo bench/run.sh --regen    # capture the lab traffic again even if bench/data/ has it
#   sudo bench/run.sh --data-only   # only make the captures
#
# 1. Captures REAL traffic with the project's lab (lab/lib.sh, needs root):
#    client -- router -- server network namespaces, offloads off, the router
#    dropping 1 in 200 forwarded packets (lab_drop 200), tcpdump on the
#    client's interface with snaplen 96.  At the same time: BULK_PAR uploads
#    and BULK_PAR downloads of BULK_BYTES each (half over IPv6), thousands of
#    short HTTP/1.1 connections (labtool.py get/http) and refused ones, DNS
#    queries with dig against the lab's dnsmasq (UDP, and TCP after truncated
#    answers), UDP echo traffic and datagrams to a closed port (ICMP errors).
#    The result (>= 3 million packets) is cached in bench/data/ (git-ignored)
#    and reused while the generation parameters are unchanged.
# 2. Makes a capture twice as long: the same file followed by itself shifted
#    in time (editcap -t, mergecap -a).
# 3. Writes a SYNTHETIC SYN-flood capture with one million distinct flows
#    (bench/synflood.py; nothing is sent anywhere, the packets only exist in
#    the file).
# 4. Times, with hyperfine, on the same file and in alternation (round r runs
#    every command once, rounds 1..RUNS; the first round starts with one
#    warm-up run of each command):
#      wirelens flows FILE --format json      vs  tcptrace -n -l FILE,
#                                                 tshark -n -q -r FILE -z conv,tcp,
#                                                 tcpdump -n -r FILE -w /dev/null
#      wirelens packets FILE                  vs  tcpdump -n -r FILE, tshark -n -r FILE
#    every command under /usr/bin/time -v for its peak RSS, the file read
#    into the page cache before each run (not timed); then the same
#    wirelens commands (and tcpdump's bare read) on the 2x capture, and
#    wirelens flows --max-flows MAX_FLOWS on the SYN flood.
# 5. bench/report.py writes bench/results/latest.md (and latest.json) with
#    packets/s, bytes/s, ratios, peak RSS and which targets hold.
#
# The wirelens timed is the PGO build (bench/pgo.sh); the plain build's
# flows is timed beside it (flows-plain).
#
# Environment: BUILD (pgo, or plain: time the plain build only), RUNS (9: the median of 9 holds against one or two slow runs on a
# shared machine), TSHARK_RUNS (2), WARMUP (1), BULK_PAR (12 each way),
# BULK_BYTES (180000000), SYN_FLOWS (1000000), MAX_FLOWS (100000),
# BENCH_DATA (bench/data), BENCH_RESULTS (bench/results), LAB_PREFIX (wb).
# shellcheck disable=SC2119  # lab_dns_server and friends take optional arguments
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export LAB_PREFIX="${LAB_PREFIX:-wb}"

RUNS="${RUNS:-9}"
TSHARK_RUNS="${TSHARK_RUNS:-2}"
WARMUP="${WARMUP:-1}"
BULK_PAR="${BULK_PAR:-12}"
BULK_BYTES="${BULK_BYTES:-180000000}"
SHORT_REPEAT="${SHORT_REPEAT:-250}"     # rounds of SHORT_PARALLEL connections, per client
SHORT_PARALLEL="${SHORT_PARALLEL:-10}"
SHORT_CLIENTS="${SHORT_CLIENTS:-2}"     # one over IPv4, one over IPv6, ...
DNS_CYCLES="${DNS_CYCLES:-200}"         # 10 queries a cycle, per dig process (IPv4 and IPv6)
UDP_COUNT="${UDP_COUNT:-4000}"          # datagrams per UDP client (4 clients)
SYN_FLOWS="${SYN_FLOWS:-1000000}"
MAX_FLOWS="${MAX_FLOWS:-100000}"
SNAPLEN=96
DROP_N=200
BENCH_DATA="${BENCH_DATA:-$HERE/data}"
BENCH_RESULTS="${BENCH_RESULTS:-$HERE/results}"
MIN_PACKETS=3000000

REGEN=0
DATA_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --regen) REGEN=1 ;;
        --data-only) DATA_ONLY=1 ;;
        -h | --help) awk 'NR > 1 && !/^#/ || /^# shellcheck/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

say() { echo "== $*" >&2; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }

# ------------------------------------------------------------------ tools

need_tools() {
    local missing=() c pkgs=()
    for c in hyperfine tcptrace tshark tcpdump editcap mergecap capinfos /usr/bin/time python3; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    ((${#missing[@]} == 0)) && return 0
    [[ $EUID -eq 0 ]] || die "missing tools: ${missing[*]} (apt-get install hyperfine tcptrace tshark tcpdump time)"
    for c in "${missing[@]}"; do
        case "$c" in
            editcap | mergecap | capinfos) pkgs+=(wireshark-common) ;;
            /usr/bin/time) pkgs+=(time) ;;
            python3) pkgs+=(python3) ;;
            *) pkgs+=("$c") ;;
        esac
    done
    say "installing ${pkgs[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

# capinfos facts as "packets bytes_on_wire file_size duration_s"
facts() {
    capinfos -M -c -d -s -u "$1" | awk -F': *' '
        /^Number of packets/ { p = $2 } /^Data size/ { d = $2 + 0 } /^File size/ { s = $2 + 0 }
        /^Capture duration/ { u = $2 + 0 } END { printf "%d %.0f %.0f %s\n", p, d, s, u }'
}

# ------------------------------------------------------------ lab capture

# The parameters that make the capture; a cached file is reused only if
# they are unchanged.
gen_params() {
    echo "v2 snaplen=$SNAPLEN drop=1/$DROP_N bulk=${BULK_PAR}x2x$BULK_BYTES" \
        "short=${SHORT_CLIENTS}x${SHORT_REPEAT}x$SHORT_PARALLEL dns=2x${DNS_CYCLES}x10 udp=4x$UDP_COUNT"
}

# bench_capture_start NAME ROLE IF FILE: like lab_capture_start, with a
# 128 MiB kernel buffer and without -U (tcpdump writes in blocks; SIGINT
# flushes), so that ~100k packets/s are captured without a drop.  The job
# name follows lab_capture_start's, so lab_capture_stop checks it the same way.
bench_capture_start() {
    local name=$1 role=$2 ifc=$3 file=$4 i
    rm -f "$file"
    lab_bg "cap-$name" "$role" tcpdump -n --immediate-mode -B 131072 -Z root -i "$ifc" -s "$SNAPLEN" -w "$file"
    for ((i = 0; i < 200; i++)); do
        grep -q "listening on" "$LAB_STATE/logs/cap-$name.log" 2>/dev/null && return 0
        kill -0 "$LAB_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$LAB_STATE/logs/cap-$name.log" >&2
    die "tcpdump $name did not start"
}

# dig batch file: 10 queries a cycle (A, AAAA, CNAME chain, MX, TXT,
# NXDOMAIN, SRV, PTR, and a TXT too big for UDP, which dig retries over TCP).
dns_batch() {
    local server=$1 i
    for ((i = 0; i < DNS_CYCLES; i++)); do
        cat <<EOF
@$server www.example.test A
@$server www.example.test AAAA
@$server mail.example.test A
@$server chain1.example.test A
@$server example.test MX
@$server _lab.example.test TXT
@$server nosuch$i.example.test A
@$server _http._tcp.example.test SRV
@$server -x $LAB_SV4
@$server big.example.test TXT +noedns
EOF
    done
}

generate_capture() {
    local out=$1 tmp="$1.part" t0 t1 pids=() p failed=0 i host log pk
    [[ $EUID -eq 0 ]] || die "making the capture needs root (network namespaces, tcpdump): sudo bench/run.sh"
    # shellcheck source-path=SCRIPTDIR source=../lab/lib.sh
    source "$REPO/lab/lib.sh"
    trap lab_down EXIT
    lab_require dnsmasq dig nft tcpdump || exit 1
    lab_up "$DROP_N"            # router drops 1 in 200 forwarded packets
    log="$LAB_STATE/logs"
    lab_dns_server
    lab_http_mini 8080
    lab_tcp_sink 9000
    lab_tcp_source 9001 "$BULK_BYTES"
    lab_udp_echo 7
    dns_batch "$LAB_SV4" >"$LAB_STATE/dig4.batch"
    dns_batch "$LAB_SV6" >"$LAB_STATE/dig6.batch"
    mkdir -p "$(dirname "$out")"
    bench_capture_start bench cl "$LAB_CL_IF" "$tmp"
    say "generating traffic: $(gen_params)"
    t0=$(date +%s)
    # Bulk transfers, half of them over IPv6.
    for ((i = 0; i < BULK_PAR; i++)); do
        if ((i % 2)); then host=$LAB_SV6; else host=$LAB_SV4; fi
        lab_tool cl upload --host "$host" --port 9000 --bytes "$BULK_BYTES" --timeout 60 >>"$log/bulk.log" 2>&1 &
        pids+=($!)
        lab_tool cl download --host "$host" --port 9001 --expect "$BULK_BYTES" --timeout 60 >>"$log/bulk.log" 2>&1 &
        pids+=($!)
    done
    # Short connections (one GET each, the server closes first); some may
    # time out under loss: counted in the log, not fatal.
    local short=()
    for ((i = 0; i < SHORT_CLIENTS; i++)); do
        if ((i % 2)); then host=$LAB_SV6; else host=$LAB_SV4; fi
        lab_tool cl get --host "$host" --port 8080 --path /bytes/1800 --repeat "$SHORT_REPEAT" \
            --parallel "$SHORT_PARALLEL" --interval 0.005 >>"$log/short.log" 2>&1 &
        short+=($!)
    done
    # Refused connections (RST to the SYN).
    lab_tool cl get --host "$LAB_SV4" --port 81 --expect refused --repeat 300 --interval 0.01 \
        >>"$log/short.log" 2>&1 &
    short+=($!)
    # DNS: UDP, TCP after truncation, NXDOMAIN, over IPv4 and IPv6.
    lab_exec cl dig -f "$LAB_STATE/dig4.batch" +tries=2 +timeout=1 >"$log/dig4.log" 2>&1 &
    short+=($!)
    lab_exec cl dig -f "$LAB_STATE/dig6.batch" +tries=2 +timeout=1 >"$log/dig6.log" 2>&1 &
    short+=($!)
    # UDP echo (answered datagrams) and datagrams to a closed port (ICMP errors).
    for host in "$LAB_SV4" "$LAB_SV6" "$LAB_SV4" "$LAB_SV6"; do
        lab_tool cl udp --host "$host" --port 7 --count "$UDP_COUNT" --size 300 --interval 0.001 \
            --timeout 0.1 >>"$log/udp.log" 2>&1 &
        short+=($!)
    done
    lab_tool cl udp --host "$LAB_SV4" --port 9999 --count 200 --interval 0.01 --no-reply >>"$log/udp.log" 2>&1 &
    short+=($!)
    for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
    ((failed == 0)) || { tail -20 "$log/bulk.log" >&2; die "$failed bulk transfers failed"; }
    for p in "${short[@]}"; do wait "$p" || true; done
    t1=$(date +%s)
    sleep 0.5
    lab_capture_stop bench
    local dropped
    dropped=$(lab_drop_count)
    lab_down
    trap - EXIT
    mv "$tmp" "$out"
    read -r pk _ < <(facts "$out")
    ((pk >= MIN_PACKETS)) || die "$out has only $pk packets (want >= $MIN_PACKETS): raise BULK_BYTES"
    {
        echo "params: $(gen_params)"
        echo "generated: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((t1 - t0)) s of traffic"
        echo "router dropped: $dropped packets"
        echo "short connections: $(grep -c '^get .*:8080' "$log/short.log" || true) clients finished;" \
            "$(grep -o ' 200 1800' "$log/short.log" | wc -l) GETs answered"
        echo "dns: $(grep -c 'status: ' "$log/dig4.log" "$log/dig6.log" | awk -F: '{ s += $2 } END { print s }') answers to dig"
        echo "udp: $(grep '^udp sent' "$log/udp.log" | tr '\n' ';')"
    } >"$out.meta"
    cat "$out.meta" >&2
}

# ------------------------------------------------------------ the captures

need_tools
mkdir -p "$BENCH_DATA" "$BENCH_RESULTS"
LAB_FILE="$BENCH_DATA/lab.pcap"
DOUBLE_FILE="$BENCH_DATA/lab-2x.pcap"
SYN_FILE="$BENCH_DATA/synflood.pcap"

if ((REGEN)) || [[ ! -s "$LAB_FILE" || ! -s "$LAB_FILE.meta" ]] ||
    [[ "$(head -1 "$LAB_FILE.meta")" != "params: $(gen_params)" ]]; then
    rm -f "$DOUBLE_FILE"
    generate_capture "$LAB_FILE"
else
    say "reusing $LAB_FILE ($(head -2 "$LAB_FILE.meta" | tail -1))"
fi

if [[ ! -s "$DOUBLE_FILE" || "$DOUBLE_FILE" -ot "$LAB_FILE" ]]; then
    read -r _ _ _ dur < <(facts "$LAB_FILE")
    shift_s=$(python3 -c "import math; print(math.ceil($dur) + 1)")
    say "making $DOUBLE_FILE: the capture, then itself shifted by $shift_s s"
    editcap -F pcap -t "$shift_s" "$LAB_FILE" "$BENCH_DATA/lab-shifted.pcap"
    mergecap -F pcap -a -w "$DOUBLE_FILE" "$LAB_FILE" "$BENCH_DATA/lab-shifted.pcap"
    rm -f "$BENCH_DATA/lab-shifted.pcap"
fi

if [[ ! -s "$SYN_FILE" || "$(cat "$SYN_FILE.meta" 2>/dev/null)" != "flows=$SYN_FLOWS" ]]; then
    say "writing the synthetic SYN flood $SYN_FILE ($SYN_FLOWS flows)"
    python3 "$HERE/synflood.py" --flows "$SYN_FLOWS" "$SYN_FILE"
    echo "flows=$SYN_FLOWS" >"$SYN_FILE.meta"
fi

((DATA_ONLY == 0)) || exit 0

# ----------------------------------------------------------------- timing

# Two builds: `flows` and every other wirelens command time the PGO build
# (bench/pgo.sh, trained on samples/, never on these captures); `flows-plain`
# times the plain `cargo build --release` in the same rounds, for comparison.
# BUILD=plain times the plain build everywhere (no llvm-profdata needed).
say "cargo build --release"
(cd "$REPO" && cargo build --release --quiet)
WL_PLAIN="${CARGO_TARGET_DIR:-$REPO/target}/release/wirelens"
[[ -x "$WL_PLAIN" ]] || die "no $WL_PLAIN after cargo build --release"
case "${BUILD:-pgo}" in
    pgo)
        say "bench/pgo.sh (profile-guided build)"
        "$HERE/pgo.sh"
        WL="${CARGO_TARGET_DIR:-$REPO/target}/pgo/wirelens"
        [[ -x "$WL" ]] || die "no $WL after bench/pgo.sh"
        ;;
    plain) WL=$WL_PLAIN ;;
    *) die "BUILD must be pgo or plain" ;;
esac

OUT="$BENCH_RESULTS/raw"
rm -rf "$OUT"
mkdir -p "$OUT/rss"

# A hyperfine command line: NAME, then the command (a shell string).  Each
# run goes through /usr/bin/time -v, whose report is appended to rss/NAME.
declare -a NAMES=() CMDS=() MAXRUNS=()
add() { NAMES+=("$1"); CMDS+=("$2"); MAXRUNS+=("$3"); }
timed() { echo "/usr/bin/time -v -a -o $OUT/rss/$1 $2"; }

# rounds GROUP FILE: RUNS rounds, each one hyperfine run of every command of
# the group (commands with fewer runs drop out after their last round).
# Before each run FILE is read into the page cache (--prepare, not timed):
# this VM's kernel pages out file pages left unused for a few seconds (DAMON
# reclaim, /sys/kernel/mm/damon), so each run found a different share of the
# capture on disk and the times followed that, not the tools.
rounds() {
    local group=$1 file=$2 r i args warm
    for ((r = 1; r <= RUNS; r++)); do
        args=()
        for i in "${!NAMES[@]}"; do
            ((r <= MAXRUNS[i])) || continue
            args+=(-n "${NAMES[i]}" "$(timed "${NAMES[i]}" "${CMDS[i]}")")
        done
        ((${#args[@]})) || break
        if ((r == 1)); then warm=$WARMUP; else warm=0; fi
        say "$group: round $r of $RUNS"
        hyperfine --style basic --runs 1 --warmup "$warm" --prepare "cat $file > /dev/null" \
            --export-json "$OUT/$group.round$r.json" "${args[@]}" >&2
    done
    for i in "${!NAMES[@]}"; do printf '%s\t%s\n' "${NAMES[i]}" "${CMDS[i]}"; done >>"$OUT/commands.tsv"
    NAMES=() CMDS=() MAXRUNS=()
}

uptime >"$OUT/load-before.txt"
F=$LAB_FILE
add flows "$WL flows $F --format json > /dev/null" "$RUNS"
[[ "$WL" == "$WL_PLAIN" ]] || add flows-plain "$WL_PLAIN flows $F --format json > /dev/null" "$RUNS"
add tcptrace "tcptrace -n -l $F > /dev/null" "$RUNS"
add tshark-conv "tshark -n -q -r $F -z conv,tcp > /dev/null" "$TSHARK_RUNS"
add tcpdump-read "tcpdump -n -r $F -w /dev/null" "$RUNS"
add packets "$WL packets $F > /dev/null" "$RUNS"
add tcpdump-print "tcpdump -n -r $F > /dev/null" "$RUNS"
add tshark-print "tshark -n -r $F > /dev/null" "$TSHARK_RUNS"
rounds lab "$LAB_FILE"

F=$DOUBLE_FILE
add flows-2x "$WL flows $F --format json > /dev/null" "$RUNS"
add tcpdump-read-2x "tcpdump -n -r $F -w /dev/null" "$RUNS"
add packets-2x "$WL packets $F > /dev/null" "$RUNS"
rounds double "$DOUBLE_FILE"

F=$SYN_FILE
add flows-syn "$WL flows --max-flows $MAX_FLOWS --top 10 $F > $OUT/synflood-flows.txt" 3
add flows-syn-unbounded "$WL flows --max-flows 0 --top 10 $F > /dev/null" 1
add tcpdump-read-syn "tcpdump -n -r $F -w /dev/null" 3
rounds synflood "$SYN_FILE"
uptime >"$OUT/load-after.txt"

# ----------------------------------------------------------------- report

{
    for f in "$LAB_FILE" "$DOUBLE_FILE" "$SYN_FILE"; do
        printf '%s\t%s\n' "$(basename "$f")" "$(facts "$f" | tr ' ' '\t')"
    done
} >"$OUT/facts.tsv"
cp "$LAB_FILE.meta" "$OUT/lab.meta"
{
    echo "commit: $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml || echo ' (modified)')"
    echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
    echo "kernel: $(uname -r)"
    echo "wirelens: $("$WL" --version 2>/dev/null || echo '?'), $([[ "$WL" == "$WL_PLAIN" ]] && echo 'plain build (cargo build --release)' || echo 'PGO build (bench/pgo.sh); flows-plain: cargo build --release')"
    echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
    echo "tshark: $(tshark --version 2>/dev/null | head -1)"
    echo "tcptrace: $(tcptrace -v 2>&1 | grep -m1 -i version || echo '?')"
    echo "hyperfine: $(hyperfine --version)"
} >"$OUT/env.txt"
python3 "$HERE/report.py" --raw "$OUT" --runs "$RUNS" --tshark-runs "$TSHARK_RUNS" --max-flows "$MAX_FLOWS" \
    --command "sudo bench/run.sh" --repo "$REPO" --md "$BENCH_RESULTS/latest.md" --json "$BENCH_RESULTS/latest.json"
cat "$BENCH_RESULTS/latest.md"
