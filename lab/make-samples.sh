#!/usr/bin/env bash
# Regenerate the sample captures in samples/ with the traffic lab.
#
#   sudo lab/make-samples.sh                 # all samples, then samples/README.md
#   sudo lab/make-samples.sh reorder short   # only some, and only their README sections
#   lab/make-samples.sh --readme             # only rewrite samples/README.md (all of it)
#   lab/make-samples.sh --readme short       # only rewrite the README section of short
#
# Samples: mix, lossy (lossy-sender.pcap + lossy-receiver.pcap), zero-window,
# dns, reorder, short.  When samples are named, the other captures and their
# README sections are left exactly as they are (the header, which holds no
# numbers, is rewritten).
# Each is captured in a freshly built lab (lab/lib.sh), checked with tshark
# (valid checksums, and the analysis events it is meant to show), and only
# then copied into samples/; a sample whose run does not show them is
# captured again (random loss makes this occasionally necessary).
#
# Environment: LAB_PREFIX (namespace prefix, default "wl-smp"), SAMPLES_DIR
# (output, default samples/ of this repo), ATTEMPTS (default 3).
# The lab's addresses and interface names are constants without spaces, and
# lab_up / lab_dns_server take optional arguments of their own.
# shellcheck disable=SC2086,SC2119
set -euo pipefail

LAB_PREFIX="${LAB_PREFIX:-wl-smp}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

SAMPLES_DIR="${SAMPLES_DIR:-$REPO/samples}"
ATTEMPTS="${ATTEMPTS:-3}"
WORK="$LAB_STATE/out"
SNAPLEN=262144
ALL_SAMPLES="mix lossy zero-window dns reorder short"


say() { echo "== $*" >&2; }
fail() { echo "make-samples: $*" >&2; return 1; }

# need FILE FILTER MIN [WHAT]: at least MIN packets of FILE match FILTER.
need() {
    local file=$1 filter=$2 min=$3 n
    n=$(lab_count "$file" "$filter")
    if ((n < min)); then
        echo "  $(basename "$file"): '$filter' matched $n, want >= $min" >&2
        return 1
    fi
}

# none FILE FILTER: no packet of FILE matches FILTER.
none() {
    local n
    n=$(lab_count "$1" "$2")
    ((n == 0)) || { echo "  $(basename "$1"): '$2' matched $n, want none" >&2; return 1; }
}

# Checks common to every sample.
check_common() {
    local file=$1 size
    lab_check_checksums "$file" || return 1
    size=$(stat -c %s "$file")
    ((size < 1000000)) || fail "$file is $size bytes (limit 1 MB)" || return 1
    ((size <= 400000)) || echo "  warning: $(basename "$file") is $size bytes (> 400 KB)" >&2
}

dig_() { lab_exec cl dig "$@" >>"$LAB_STATE/logs/dig.log" 2>&1; }

# ------------------------------------------------------------------- mix
# A clean mix, captured on the client: DNS (UDP and TCP), HTTP over IPv4
# and IPv6, TCP bulk up and down, UDP echo, ping, refused connections.
capture_mix() {
    local f=$WORK/mix.pcap rc
    lab_up
    lab_dns_server
    lab_http_server 80
    lab_tcp_sink 9000
    lab_tcp_source 9001 40000
    lab_udp_echo 7
    lab_capture_start mix cl $LAB_CL_IF "$f" $SNAPLEN
    sleep 1
    # Start cold: the first query is preceded by ARP (IPv4) and neighbour
    # discovery (IPv6) for the router.
    lab_neigh_flush cl

    # DNS over UDP, then over TCP (dig +tcp): a connection per query.
    dig_ @$LAB_SV4 www.example.test A
    dig_ @$LAB_SV6 www.example.test AAAA
    dig_ @$LAB_SV4 alias.example.test A
    dig_ @$LAB_SV4 example.test MX
    dig_ @$LAB_SV4 example.test TXT
    dig_ @$LAB_SV4 nosuch.example.test A
    dig_ +tcp @$LAB_SV4 www.example.test A
    dig_ +tcp @$LAB_SV6 example.test MX

    # HTTP/1.0 (python http.server closes after each response).
    lab_exec cl curl -sS -o /dev/null http://$LAB_SV4/small.txt
    lab_exec cl curl -sS -o /dev/null http://$LAB_SV4/page.html
    lab_exec cl curl -sS -o /dev/null http://$LAB_SV4/large.bin
    lab_exec cl curl -sS -g -o /dev/null "http://[$LAB_SV6]/medium.bin"
    lab_exec cl curl -sS -g -o /dev/null "http://[$LAB_SV6]/missing.html"   # 404

    # Plain TCP: an upload (client FIN first) and a download (server FIN first).
    lab_tool cl upload --host $LAB_SV4 --port 9000 --bytes 40000 >/dev/null
    lab_tool cl download --host $LAB_SV6 --port 9001 --expect 40000 >/dev/null

    # UDP echo (port 7) and ICMP echo, both families.
    lab_tool cl udp --host $LAB_SV4 --port 7 --count 5 --size 100 >/dev/null
    lab_tool cl udp --host $LAB_SV6 --port 7 --count 3 --size 200 >/dev/null
    lab_tool cl ping --host $LAB_SV4 --count 3 >/dev/null
    lab_tool cl ping --host $LAB_SV6 --count 3 >/dev/null

    # Refused: TCP to a closed port gets a RST (curl exits 7); UDP to a
    # closed port gets ICMP port unreachable.
    rc=0; lab_exec cl curl -s -o /dev/null http://$LAB_SV4:81/ || rc=$?
    ((rc == 7)) || fail "curl to closed port: exit $rc, want 7" || return 1
    rc=0; lab_exec cl curl -s -g -o /dev/null "http://[$LAB_SV6]:81/" || rc=$?
    ((rc == 7)) || fail "curl to closed v6 port: exit $rc, want 7" || return 1
    lab_tool cl udp --host $LAB_SV4 --port 9999 --count 1 --no-reply >/dev/null

    sleep 1
    lab_capture_stop mix

    local ok=0
    need "$f" 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 11 || ok=1
    need "$f" 'http.request && ip' 3 || ok=1
    need "$f" 'http.request && ipv6' 2 || ok=1
    need "$f" 'http.response.code == 404' 1 || ok=1
    need "$f" 'dns && udp' 12 || ok=1
    need "$f" 'dns && tcp' 4 || ok=1
    need "$f" 'dns.flags.rcode == 3' 1 || ok=1
    need "$f" 'dns.cname' 1 || ok=1
    need "$f" 'icmp.type == 0' 3 || ok=1
    need "$f" 'icmpv6.type == 129' 3 || ok=1
    need "$f" 'icmp.type == 3' 1 || ok=1
    need "$f" 'tcp.flags.reset == 1' 2 || ok=1
    need "$f" 'udp.port == 7' 16 || ok=1
    need "$f" 'tcp.flags.fin == 1' 18 || ok=1
    need "$f" 'arp.opcode == 1' 1 || ok=1
    need "$f" 'icmpv6.type == 135' 1 || ok=1
    ((ok == 0)) && check_common "$f"
}

# ----------------------------------------------------------------- lossy
# One 300 KiB upload through a router that drops 1 in 30 forwarded packets
# (both directions), captured at both ends of the same connection at once:
# the client (sender) sees every segment it sent, including those lost
# later; the server (receiver) sees the holes.  A 20 Mbit/s token bucket on
# the router's server-side port stretches the transfer over ~0.15 s and
# builds a queue, so loss is recovered by SACK/fast retransmit with
# duplicate ACKs in flight, as on a real bottleneck (the kernel has no
# netem, and without the bucket the whole transfer takes 5 ms).
capture_lossy() {
    local s=$WORK/lossy-sender.pcap r=$WORK/lossy-receiver.pcap
    lab_up
    lab_rate rt $LAB_RT_SV_IF 20mbit 16kb 100ms
    lab_tcp_sink 9000
    lab_drop 30
    lab_capture_start lossy-snd cl $LAB_CL_IF "$s" $SNAPLEN
    lab_capture_start lossy-rcv sv $LAB_SV_IF "$r" $SNAPLEN
    sleep 1
    lab_tool cl upload --host $LAB_SV4 --port 9000 --bytes 307200 >/dev/null
    sleep 1
    lab_capture_stop lossy-snd
    lab_capture_stop lossy-rcv
    echo "  router dropped $(lab_drop_count) packets;" \
        "token bucket: $(lab_exec rt tc -s qdisc show dev $LAB_RT_SV_IF | grep -o 'dropped [0-9]*')" >&2

    local ok=0
    need "$s" 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 3 || ok=1
    need "$s" 'tcp.analysis.duplicate_ack' 2 || ok=1
    need "$r" 'tcp.analysis.lost_segment' 2 || ok=1
    need "$r" 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.out_of_order' 2 || ok=1
    need "$r" 'tcp.analysis.duplicate_ack' 2 || ok=1
    need "$s" 'tcp.flags.fin == 1' 2 || ok=1
    ((ok == 0)) && check_common "$s" && check_common "$r"
}

# ----------------------------------------------------------- zero-window
# A slow reader: the server sends 200 KB; the client asked for a 4 KB
# receive buffer before connecting (the kernel doubles it) and reads 1 KB
# every 10 ms, pausing a full second every 40 reads.  Its advertised window
# hits zero; Linux then probes with zero-length segments one byte below
# snd_una (tshark calls them "TCP Keep-Alive"), and the reader's window
# updates reopen the flow.  Captured on the client.
capture_zero_window() {
    local f=$WORK/zero-window.pcap
    lab_up
    lab_tcp_source 9002 204800
    lab_capture_start zw cl $LAB_CL_IF "$f" $SNAPLEN
    sleep 1
    lab_tool cl download --host $LAB_SV4 --port 9002 --rcvbuf 4096 --chunk 1024 \
        --sleep 0.01 --pause-every 40 --pause 1.0 --expect 204800 >/dev/null
    sleep 1
    lab_capture_stop zw

    local ok=0
    need "$f" 'tcp.analysis.zero_window' 3 || ok=1
    need "$f" 'tcp.analysis.keep_alive' 2 || ok=1
    need "$f" 'tcp.analysis.window_update' 2 || ok=1
    need "$f" 'tcp.analysis.window_full' 2 || ok=1
    ((ok == 0)) && check_common "$f"
}

# ------------------------------------------------------------------- dns
# DNS only, captured on the client.
capture_dns() {
    local f=$WORK/dns.pcap q
    lab_up
    lab_dns_server
    # 10.200.2.53 / fd00:200:2::53: a "DNS server" that has gone away;
    # queries to it are dropped without a trace.
    lab_blackhole sv 10.200.2.53 fd00:200:2::53
    lab_capture_start dns cl $LAB_CL_IF "$f" $SNAPLEN
    sleep 1

    # Over UDP/IPv4: names and types, NODATA (v4only AAAA), NXDOMAIN,
    # a CNAME and a three-link CNAME chain, reverse lookups.
    for q in "www.example.test A" "www.example.test AAAA" "mail.example.test A" \
        "mail.example.test AAAA" "v4only.example.test AAAA" "alias.example.test A" \
        "chain1.example.test A" "example.test MX" "example.test TXT" \
        "_lab.example.test TXT" "_http._tcp.example.test SRV" \
        "nosuch.example.test A" "deeper.nosuch.example.test AAAA"; do
        # shellcheck disable=SC2086
        dig_ @$LAB_SV4 $q
    done
    dig_ @$LAB_SV4 -x $LAB_SV4
    dig_ @$LAB_SV4 -x $LAB_SV6
    # Outside the zone: dnsmasq refuses (it has no upstream).
    dig_ @$LAB_SV4 www.wirelens.invalid A
    # Over UDP/IPv6.
    dig_ @$LAB_SV6 www.example.test AAAA
    dig_ @$LAB_SV6 chain1.example.test AAAA
    dig_ @$LAB_SV6 nosuch.example.test AAAA
    # Over TCP: one connection per query, then several queries on one
    # connection (+keepopen), both families.
    dig_ +tcp @$LAB_SV4 www.example.test A
    dig_ +tcp @$LAB_SV4 chain1.example.test A
    dig_ +tcp @$LAB_SV4 nosuch.example.test A
    dig_ +tcp @$LAB_SV6 example.test MX
    dig_ +tcp +keepopen @$LAB_SV4 www.example.test A mail.example.test AAAA example.test TXT
    # Truncation: 8 TXT records (~940 bytes) do not fit the 512 bytes of a
    # query without EDNS, so the answer has TC set; dig retries over TCP,
    # and with +ignore keeps the truncated answer instead.  With EDNS
    # (1232-byte buffer) the full answer comes over UDP.
    dig_ +noedns @$LAB_SV4 big.example.test TXT
    dig_ +noedns +ignore @$LAB_SV4 big.example.test TXT
    dig_ @$LAB_SV4 big.example.test TXT
    # Unanswered: two tries one second apart to the silent address, each family.
    dig_ +tries=2 +timeout=1 @10.200.2.53 www.example.test A || true
    dig_ +tries=2 +timeout=1 @fd00:200:2::53 www.example.test AAAA || true

    sleep 1
    lab_capture_stop dns

    local ok=0
    need "$f" 'dns.flags.response == 0 && udp' 26 || ok=1
    need "$f" 'dns && tcp' 10 || ok=1
    need "$f" 'dns.flags.rcode == 3' 4 || ok=1
    need "$f" 'dns.flags.rcode == 5' 1 || ok=1
    need "$f" 'dns.flags.truncated == 1' 2 || ok=1
    need "$f" 'dns.count.answers >= 4 && dns.cname' 2 || ok=1
    need "$f" 'ip.dst == 10.200.2.53 && dns' 2 || ok=1
    need "$f" 'ipv6.dst == fd00:200:2::53 && dns' 2 || ok=1
    none "$f" 'ip.src == 10.200.2.53 || ipv6.src == fd00:200:2::53' || ok=1
    ((ok == 0)) && check_common "$f"
}

# --------------------------------------------------------------- reorder
# One 200 KiB upload through a router that reorders but loses nothing,
# captured at the receiver (the server).  The kernel has no netem, so the
# router runs a userspace delay line (lab_delayline, a tun device): every
# client->server packet is held 10 ms, and 1 in 12 data segments is held
# back further until the next 1 or 2 packets have gone past it.  A 20 Mbit/s
# token bucket toward the server paces the transfer, as in lossy.  The
# client side is captured as well, for the checks only: it must show every
# segment sent once (no retransmission, spurious or not).
REORDER_BYTES=204800
capture_reorder() {
    local f=$WORK/reorder.pcap s=$WORK/reorder-sender.pcap
    local data="tcp.len > 0 && ip.src == $LAB_CL4" sent got
    lab_up
    lab_rate rt $LAB_RT_SV_IF 20mbit 16kb 100ms
    lab_tcp_sink 9000
    lab_delayline 10 12
    lab_capture_start reorder-rcv sv $LAB_SV_IF "$f" $SNAPLEN
    lab_capture_start reorder-snd cl $LAB_CL_IF "$s" $SNAPLEN
    sleep 1
    lab_tool cl upload --host $LAB_SV4 --port 9000 --bytes $REORDER_BYTES >/dev/null
    sleep 1
    lab_capture_stop reorder-rcv
    lab_capture_stop reorder-snd
    lab_stop delayline
    echo "  $(tail -n 1 "$LAB_STATE/logs/delayline.log")" >&2

    local ok=0
    need "$f" 'tcp.analysis.out_of_order' 4 || ok=1
    need "$f" 'tcp.analysis.lost_segment' 4 || ok=1
    need "$f" 'tcp.flags.fin == 1' 2 || ok=1
    # Reordered, not lost: every data segment the client sent arrived, once,
    # and the client retransmitted nothing.
    sent=$(lab_count "$s" "$data")
    got=$(lab_count "$f" "$data")
    ((sent == got)) || { echo "  client sent $sent data segments, server got $got" >&2; ok=1; }
    none "$s" 'tcp.analysis.retransmission || tcp.analysis.spurious_retransmission' || ok=1
    ((got == $(distinct_segments "$f"))) || { echo "  a data segment arrived twice" >&2; ok=1; }
    # The delay line gives back the hop it costs: one router hop, TTL 63.
    none "$f" "ip.src == $LAB_CL4 && ip.ttl != 63" || ok=1
    ((ok == 0)) && check_common "$f"
}

# distinct_segments FILE: distinct client->server data segments (sequence numbers).
distinct_segments() {
    lab_tshark -n -r "$1" -Y "tcp.len > 0 && ip.src == $LAB_CL4" -T fields -e tcp.seq_raw | sort -u | wc -l
}

# late_segments FILE: client->server data segments that arrived after a
# segment with a higher sequence number (relative numbers, one connection).
late_segments() {
    lab_tshark -n -r "$1" -Y "tcp.len > 0 && ip.src == $LAB_CL4" -T fields -e tcp.seq |
        awk '$1 < max { n++ } $1 > max { max = $1 } END { print n + 0 }'
}

# ----------------------------------------------------------------- short
# Many short connections, captured on the client, to python servers on the
# server: HTTP/1.1 GETs (one per connection, the server closes first) of
# various sizes over IPv4 and IPv6, a 404, ten GETs at once, small uploads
# (the client closes first) and downloads; the same client port used again
# and again for the same server port (SO_REUSEADDR, a new connection once
# the previous one is closed); a GET the server answers with a RST; and
# SYNs to a closed port, refused with a RST.
SHORT_REUSE_V4=40000 SHORT_REUSE_V6=40001 SHORT_REUSE_RST=40002
capture_short() {
    local f=$WORK/short.pcap n
    lab_up
    lab_http_mini 8080
    lab_tcp_sink 9000
    lab_tcp_source 9001 3000
    lab_capture_start short cl $LAB_CL_IF "$f" $SNAPLEN
    sleep 1
    for n in 0 100 512 1000 1460 2000 4096 8192 10000 20000; do
        get_ $LAB_SV4 --path /bytes/$n
    done
    get_ $LAB_SV4 --path /missing.html --expect 404
    for n in 100 1000 5000 16384; do get_ $LAB_SV6 --path /bytes/$n; done
    get_ $LAB_SV6 --path /missing.html --expect 404
    # Port reuse: one client port, one server port, connection after connection.
    get_ $LAB_SV4 --path /bytes/300 --sport $SHORT_REUSE_V4 --repeat 5 --interval 0.1
    get_ $LAB_SV6 --path /bytes/300 --sport $SHORT_REUSE_V6 --repeat 3 --interval 0.1
    # Ten at once (interleaved in the capture).
    get_ $LAB_SV4 --path /bytes/2000 --parallel 10
    # Client closes first: small uploads; server closes first: small downloads.
    for n in 10 200 1000 3000 6000 12000; do
        lab_tool cl upload --host $LAB_SV4 --port 9000 --bytes $n >/dev/null
    done
    lab_tool cl upload --host $LAB_SV6 --port 9000 --bytes 500 >/dev/null
    for n in 1 2 3 4; do lab_tool cl download --host $LAB_SV4 --port 9001 --expect 3000 >/dev/null; done
    lab_tool cl download --host $LAB_SV6 --port 9001 --expect 3000 >/dev/null
    # The server resets a connection (SO_LINGER 0) instead of answering;
    # the same client port is then used again for two normal GETs.
    get_ $LAB_SV4 --path /reset --expect reset
    get_ $LAB_SV4 --path /reset --sport $SHORT_REUSE_RST --expect reset
    get_ $LAB_SV4 --path /bytes/100 --sport $SHORT_REUSE_RST --repeat 2 --interval 0.1
    # Refused: SYN to a closed port, answered by RST.
    get_ $LAB_SV4 --port 8081 --expect refused
    get_ $LAB_SV4 --port 8081 --expect refused
    get_ $LAB_SV6 --port 8081 --expect refused
    sleep 1
    lab_capture_stop short

    local ok=0
    # 38 GETs (2 reset), 7 uploads, 5 downloads, 3 refused.
    need "$f" 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 53 || ok=1
    need "$f" 'http.request' 38 || ok=1
    need "$f" 'http.response.code == 200' 34 || ok=1
    need "$f" 'http.response.code == 404' 2 || ok=1
    # tshark: "TCP Port numbers reused" on the SYN of each connection after
    # the first from a reused port (4 + 2 + 2).
    need "$f" 'tcp.analysis.reused_ports' 8 || ok=1
    need "$f" "tcp.analysis.reused_ports && tcp.srcport == $SHORT_REUSE_V4" 4 || ok=1
    need "$f" "tcp.analysis.reused_ports && tcp.srcport == $SHORT_REUSE_V6" 2 || ok=1
    need "$f" "tcp.analysis.reused_ports && tcp.srcport == $SHORT_REUSE_RST" 2 || ok=1
    need "$f" 'tcp.flags.reset == 1 && tcp.srcport == 8081' 3 || ok=1
    need "$f" 'tcp.flags.reset == 1 && tcp.srcport == 8080' 2 || ok=1
    need "$f" 'tcp.flags.fin == 1' 96 || ok=1
    none "$f" 'tcp.analysis.retransmission || tcp.analysis.lost_segment' || ok=1
    ((ok == 0)) && check_common "$f"
}

# get_ HOST [labtool get args]: HTTP GET(s) from the client to port 8080.
get_() {
    local host=$1
    shift
    lab_tool cl get --host "$host" --port 8080 "$@" >>"$LAB_STATE/logs/get.log"
}

# --------------------------------------------------------------- driver

# Each capture runs in a child process of its own ("--capture NAME"): bash
# ignores "set -e" inside a function called as an if/&&/|| condition, and
# here every step must stop the attempt when it fails.
capture_one() {
    case "$1" in
        mix) capture_mix ;;
        lossy) capture_lossy ;;
        zero-window) capture_zero_window ;;
        dns) capture_dns ;;
        reorder) capture_reorder ;;
        short) capture_short ;;
        *) fail "unknown sample '$1' ($ALL_SAMPLES)" ;;
    esac
}

files_of() {
    case "$1" in
        lossy) echo lossy-sender.pcap lossy-receiver.pcap ;;
        mix | zero-window | dns | reorder | short) echo "$1.pcap" ;;
        *) fail "unknown sample '$1' ($ALL_SAMPLES)" ;;
    esac
}

run_sample() {
    local name=$1 try f files
    files=$(files_of "$name")
    for ((try = 1; try <= ATTEMPTS; try++)); do
        say "$name (attempt $try)"
        rm -rf "$WORK"
        mkdir -p "$WORK"
        if bash "$HERE/make-samples.sh" --capture "$name"; then
            for f in $files; do install -m 0644 "$WORK/$f" "$SAMPLES_DIR/$f"; done
            return 0
        fi
        echo "  $name: attempt $try failed, capturing again" >&2
    done
    fail "$name: failed $ATTEMPTS times (logs in $LAB_STATE/logs)"
}

main() {
    local s
    if [[ "${1:-}" == --readme ]]; then   # only rewrite samples/README.md (or some sections)
        shift
        for s in "$@"; do files_of "$s" >/dev/null; done
        write_readme "$@"
        return
    fi
    trap lab_down EXIT
    trap 'exit 130' INT TERM        # so that the EXIT trap runs on ^C too
    if [[ "${1:-}" == --capture ]]; then
        capture_one "$2"
        return
    fi
    local want=("$@")
    ((${#want[@]})) || read -r -a want <<<"$ALL_SAMPLES"
    for s in "${want[@]}"; do files_of "$s" >/dev/null; done
    lab_check_env
    lab_require tcpdump tshark capinfos dnsmasq dig curl nft tc
    mkdir -p "$SAMPLES_DIR"
    for s in "${want[@]}"; do run_sample "$s"; done
    if (($#)); then write_readme "${want[@]}"; else write_readme; fi
    say "done"
    for s in "$SAMPLES_DIR"/*.pcap; do
        printf '  %-22s %7d bytes %5d packets\n' "$(basename "$s")" "$(stat -c %s "$s")" \
            "$(lab_count "$s" frame)" >&2
    done
}

# ---------------------------------------------------------------- README

# tally FILE LABEL=FILTER...: "LABEL N" for each filter that matches N > 0
# packets, joined with ", ".
tally() {
    local file=$1 spec n out=()
    shift
    for spec in "$@"; do
        n=$(lab_count "$file" "${spec#*=}")
        ((n == 0)) || out+=("${spec%%=*} $n")
    done
    local IFS=,
    local joined="${out[*]}"
    echo "${joined//,/, }"
}

# facts FILE: size, packets, duration.
facts() {
    local n dur
    n=$(lab_count "$1" frame)
    dur=$(capinfos -u -M "$1" 2>/dev/null | awk -F': *' '/Capture duration/ { printf "%.1f", $2 }')
    echo "$(stat -c %s "$1") bytes, $n packets, ${dur:-?} s"
}

TCP_FLAGS=(
    "SYN=tcp.flags.syn == 1 && tcp.flags.ack == 0"
    "RST=tcp.flags.reset == 1"
    "FIN=tcp.flags.fin == 1"
    "retransmission=tcp.analysis.retransmission"
    "fast retransmission=tcp.analysis.fast_retransmission"
    "spurious retransmission=tcp.analysis.spurious_retransmission"
    "out-of-order=tcp.analysis.out_of_order"
    "previous segment not captured=tcp.analysis.lost_segment"
    "ACKed unseen segment=tcp.analysis.ack_lost_segment"
    "duplicate ACK=tcp.analysis.duplicate_ack"
    "D-SACK=tcp.options.sack.dsack"
    "window full=tcp.analysis.window_full"
    "zero window=tcp.analysis.zero_window"
    "zero-window probe=tcp.analysis.zero_window_probe"
    "keep-alive=tcp.analysis.keep_alive"
    "keep-alive ACK=tcp.analysis.keep_alive_ack"
    "window update=tcp.analysis.window_update"
)

# Packets one end sent that the other end's capture lacks: what the
# router dropped (the two lossy captures are the same connection).
router_drops() {
    local s=$SAMPLES_DIR/lossy-sender.pcap r=$SAMPLES_DIR/lossy-receiver.pcap up down
    up=$(($(lab_count "$s" "tcp && ip.src == $LAB_CL4") - $(lab_count "$r" "tcp && ip.src == $LAB_CL4")))
    down=$(($(lab_count "$r" "tcp && ip.src == $LAB_SV4") - $(lab_count "$s" "tcp && ip.src == $LAB_SV4")))
    echo "$up client->server and $down server->client"
}

# ------------------------------------------------------ README sections
# Each readme_NAME prints one section (readme_header: the part before the
# first section), every number taken from the captures as they are.

readme_header() {
    cat <<EOF
# Sample captures

Captured in the wirelens traffic lab (\`lab/lib.sh\`): three Linux network
namespaces, client 10.200.1.2 / fd00:200:1::2 -- router -- server
10.200.2.2 / fd00:200:2::2, joined by veth pairs with TSO/GSO/GRO and
checksum offload off, so every frame is wire-sized and every IPv4, TCP,
UDP and ICMP checksum is valid. pcap, Ethernet, microsecond timestamps,
snaplen 262144. The counts below are what tshark 4.0 (default preferences)
finds; the script writes them from the files themselves.

Regenerate all of them (and this file) as root with \`sudo lab/make-samples.sh\`
(some: \`sudo lab/make-samples.sh mix lossy zero-window dns reorder short\`;
only the named captures and their sections here are rewritten). Loss and
timing are random, so counts change from run to run; the script checks
that each capture still shows what it is for, and captures it again if not.
EOF
}

readme_mix() {
    local d=$SAMPLES_DIR
    cat <<EOF
## mix.pcap

A clean mix captured on the client ($(facts "$d/mix.pcap")). It starts cold,
with ARP and neighbour discovery for the router, then DNS over UDP (A, AAAA,
CNAME, MX, TXT, NXDOMAIN) and over TCP (\`dig +tcp\`, IPv4 and IPv6) to
dnsmasq; HTTP/1.0 GETs with curl from python's http.server (1 KB, 5 KB,
100 KB over IPv4; 20 KB and a 404 over IPv6); a 40000-byte TCP upload
(client closes first) and a download over IPv6 (server closes first); UDP
echo on port 7 (5 + 3 datagrams); ICMP and ICMPv6 ping (3 each); two
refused connections (SYN to port 81, answered by RST) and a UDP datagram to
a closed port (ICMP port unreachable). No loss. tshark: $(tally "$d/mix.pcap" \
    "TCP connections=tcp.flags.syn == 1 && tcp.flags.ack == 0" \
    "HTTP requests=http.request" "DNS queries over UDP=dns.flags.response == 0 && udp" \
    "over TCP=dns.flags.response == 0 && tcp" "NXDOMAIN=dns.flags.rcode == 3" \
    "ICMP echo replies=icmp.type == 0 || icmpv6.type == 129" \
    "ICMP port unreachable=icmp.type == 3" "ARP=arp" "neighbour solicitations=icmpv6.type == 135" \
    "${TCP_FLAGS[@]:1}").
EOF
}

readme_lossy() {
    local d=$SAMPLES_DIR
    cat <<EOF
## lossy-sender.pcap and lossy-receiver.pcap

One connection, captured at both ends at once: the client uploads 300 KiB
(307200 bytes) to a TCP sink on the server through a router that drops at
random 1 in 30 forwarded packets in both directions (nftables \`numgen random
mod 30\`) and forwards toward the server at 20 Mbit/s (token bucket; its
queue makes the RTT grow during the transfer). Comparing the two files, the
router dropped $(router_drops) packets.

- **lossy-sender.pcap**, on the client, the sender ($(facts "$d/lossy-sender.pcap")):
  every segment the client sent, including those lost afterwards, so the
  losses show only as duplicate ACKs with SACK blocks and as
  retransmissions. tshark: $(tally "$d/lossy-sender.pcap" "${TCP_FLAGS[@]}").
- **lossy-receiver.pcap**, on the server, the receiver ($(facts "$d/lossy-receiver.pcap")):
  what made it through; lost segments show as gaps before the segments
  that follow them. tshark: $(tally "$d/lossy-receiver.pcap" "${TCP_FLAGS[@]}").

tshark flags a fast retransmission as a retransmission too.
EOF
}

readme_zero_window() {
    local d=$SAMPLES_DIR
    cat <<EOF
## zero-window.pcap

A slow reader, captured on the client ($(facts "$d/zero-window.pcap")). The
server sends 204800 bytes as fast as it can; the client set \`SO_RCVBUF\` to
4096 before connecting (the kernel doubles it) and reads 1 KB every 10 ms,
pausing one second every 40 reads. The client's window fills and drops to
zero, and the server probes it. Linux's zero-window probe is a zero-length
segment whose sequence number is one below the unacknowledged data, which
tshark 4.0 reports as a keep-alive (not as a zero-window probe, which it
only recognises with one byte of data); the client answers each with a
zero-window ACK, and a window update reopens the flow. Early on, while the
client delays its ACK, the server may send a tail-loss probe, a
retransmission of data the client already has, which the client reports
with a D-SACK. tshark: $(tally "$d/zero-window.pcap" "${TCP_FLAGS[@]}").
EOF
}

readme_dns() {
    local d=$SAMPLES_DIR
    cat <<EOF
## dns.pcap

DNS only, captured on the client ($(facts "$d/dns.pcap")), against dnsmasq
serving example.test (it never forwards). Over UDP/IPv4: A, AAAA (also
NODATA: AAAA for a name with only an A record), MX (with additional
records), TXT, SRV, PTR (IPv4 and IPv6 reverse), a CNAME and a three-link
CNAME chain (chain1 -> chain2 -> chain3 -> www), NXDOMAIN (two names),
REFUSED (a name outside the zone); some again over UDP/IPv6; over TCP, one
connection per query, then three queries on one connection (\`dig
+keepopen\`). A TXT answer of about 940 bytes to a query without EDNS comes
back truncated (TC set, 512 bytes) and dig retries over TCP; asked again
with \`+ignore\` the truncated answer is kept; with EDNS it fits in UDP.
Last, a query to 10.200.2.53 and one to fd00:200:2::53, addresses where the
server silently drops everything, each sent twice one second apart with the
same ID and never answered. tshark: $(tally "$d/dns.pcap" \
    "queries=dns.flags.response == 0" "responses=dns.flags.response == 1" \
    "queries over TCP=dns.flags.response == 0 && tcp" \
    "NODATA=dns.flags.response == 1 && dns.flags.rcode == 0 && dns.count.answers == 0" \
    "NXDOMAIN=dns.flags.rcode == 3" "REFUSED=dns.flags.rcode == 5" \
    "truncated (TC)=dns.flags.truncated == 1" "answers with a CNAME=dns.flags.response == 1 && dns.cname" \
    "TCP connections=tcp.flags.syn == 1 && tcp.flags.ack == 0"), unanswered queries $(lab_tshark -n -2 -r "$d/dns.pcap" \
    -Y 'dns.flags.response == 0 && !dns.response_in' -T fields -e frame.number | wc -l)
(\`tshark -2 -Y 'dns.flags.response == 0 && !dns.response_in'\`).
EOF
}

readme_reorder() {
    local d=$SAMPLES_DIR f=$SAMPLES_DIR/reorder.pcap
    local data="tcp.len > 0 && ip.src == $LAB_CL4"
    cat <<EOF
## reorder.pcap

One connection, captured on the server, the receiver ($(facts "$f")):
the client uploads 200 KiB ($REORDER_BYTES bytes) to a TCP sink on the
server through a router that reorders client->server packets but loses
none. This kernel has no netem, so the router sends them through a
userspace delay line (\`lab_delayline\`: a tun device served by
\`labtool.py delayline\`) that holds every packet 10 ms and holds 1 in 12
data segments back further, until the next 1 or 2 packets have gone past
(at most 2 ms); the line gives back the hop the detour costs, so the
capture shows one router hop (TTL 63). Toward the server the router
forwards at 20 Mbit/s (token bucket), as for lossy. The server sees a
handshake RTT of $(initial_rtt_ms "$f") ms. All $(lab_count "$f" "$data") data segments arrived, each
once ($(distinct_segments "$f") different sequence numbers: nothing was retransmitted), and
$(late_segments "$f") of them after a segment with a higher sequence number. The segments
that went past show as gaps ("previous segment not captured"), the late
ones as out-of-order, and the server answers them with duplicate ACKs
carrying SACK blocks (Linux compresses SACKs, so not every gap gets one).$(late_as_fast_retransmissions "$f")
tshark: $(tally "$f" "${TCP_FLAGS[@]}").
EOF
}

# late_as_fast_retransmissions FILE: a sentence on the late segments tshark
# calls fast retransmissions, if any.
late_as_fast_retransmissions() {
    local n
    n=$(lab_count "$1" tcp.analysis.fast_retransmission)
    if ((n == 1)); then
        printf '\n%s' "tshark calls one of the late segments a fast retransmission (and so a
retransmission) rather than out-of-order: two duplicate ACKs had gone
back before it arrived, and tshark checks for that first."
    elif ((n > 1)); then
        printf '\n%s' "tshark calls $n of the late segments fast retransmissions (and so
retransmissions) rather than out-of-order: two duplicate ACKs had gone
back before each arrived, and tshark checks for that first."
    fi
}

# initial_rtt_ms FILE: tshark's initial RTT (handshake) of the first connection, in ms.
initial_rtt_ms() {
    lab_tshark -n -r "$1" -Y tcp.analysis.initial_rtt -T fields -e tcp.analysis.initial_rtt |
        awk 'NR == 1 { printf "%.1f", $1 * 1000 }'
}

readme_short() {
    local d=$SAMPLES_DIR f=$SAMPLES_DIR/short.pcap
    cat <<EOF
## short.pcap

Many short TCP connections, captured on the client ($(facts "$f")), to python
servers on the server (\`labtool.py\`). HTTP/1.1 GETs on port 8080, one per
connection (\`Connection: close\`, the server closes first): bodies of 0 to
20000 bytes over IPv4 and 100 to 16384 over IPv6, a 404 in each family,
and ten GETs at once; small uploads to a sink on port 9000 (the client
closes first) and 3000-byte downloads from port 9001 (the server closes
first). Port reuse: the client binds a fixed source port with
\`SO_REUSEADDR\` and connects to the same server port again as soon as the
previous connection is closed, 5 times from 10.200.1.2:$SHORT_REUSE_V4 and 3 times
from [fd00:200:1::2]:$SHORT_REUSE_V6, and from port $SHORT_REUSE_RST a GET the server resets then
two normal GETs; tshark marks the SYN of each connection after the first
on a port "TCP Port numbers reused". Resets: the server answers GET
/reset (twice) by closing with \`SO_LINGER\` 0, a RST instead of a FIN;
three SYNs to the closed port 8081 (two IPv4, one IPv6) are refused with
a RST. No loss. \`tshark -z conv,tcp\` lists $(tcp_conversations "$f") conversations. tshark: $(tally "$f" \
    "TCP connections=tcp.flags.syn == 1 && tcp.flags.ack == 0" \
    "HTTP requests=http.request" "200 responses=http.response.code == 200" \
    "404 responses=http.response.code == 404" \
    "port numbers reused=tcp.analysis.reused_ports" \
    "RSTs from the closed port=tcp.flags.reset == 1 && tcp.srcport == 8081" \
    "RSTs from the HTTP server=tcp.flags.reset == 1 && tcp.srcport == 8080" \
    "${TCP_FLAGS[@]:1}").
EOF
}

# tcp_conversations FILE: conversations in tshark's "-z conv,tcp" table.
tcp_conversations() {
    lab_tshark -n -q -r "$1" -z conv,tcp | grep -c '<->'
}

# The README heading of a sample's section.
section_heading() {
    case "$1" in
        lossy) echo "## lossy-sender.pcap and lossy-receiver.pcap" ;;
        *) echo "## $1.pcap" ;;
    esac
}

# write_readme [SAMPLE...]: samples/README.md.  Without samples, the whole
# file, which needs every capture.  With samples, only the header and their
# sections are rewritten (a section that is not there yet is inserted in
# the order of ALL_SAMPLES); everything else in the file stays as it is.
write_readme() {
    local d=$SAMPLES_DIR readme=$SAMPLES_DIR/README.md tmp s f missing=() args=()
    local want=("$@")
    ((${#want[@]})) && [[ ! -e "$readme" ]] && want=()   # nothing to splice into
    if ((${#want[@]} == 0)); then
        for s in $ALL_SAMPLES; do
            for f in $(files_of "$s"); do [[ -e "$d/$f" ]] || missing+=("$f"); done
        done
        if ((${#missing[@]})); then
            echo "  ${missing[*]} missing: README not written (name the samples to update only theirs)" >&2
            return 0
        fi
        read -r -a want <<<"$ALL_SAMPLES"
    fi
    tmp=$(mktemp -d)
    readme_header >"$tmp/header"
    for s in $ALL_SAMPLES; do
        if [[ " ${want[*]} " == *" $s "* ]]; then
            "readme_${s//-/_}" >"$tmp/$s"
            args+=("$(section_heading "$s")" "$tmp/$s")
        else
            args+=("$(section_heading "$s")" "")
        fi
    done
    say "writing $readme (${want[*]})"
    [[ -e "$readme" ]] || : >"$readme"
    "$LAB_PYTHON" - "$readme" "$tmp/header" "${args[@]}" <<'PY'
import re
import sys

# README HEADER [HEADING FILE]... (every sample in order; FILE "" = keep).
readme, header, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
canon = rest[0::2]
new = {h: open(f).read() for h, f in zip(rest[0::2], rest[1::2]) if f}
parts = re.split(r"(?m)^(?=## )", open(readme).read())
order = [p.split("\n", 1)[0] for p in parts[1:]]
text = dict(zip(order, parts[1:]))
for h in canon:
    if h not in new:
        continue
    if h not in text:
        earlier = [i for i, o in enumerate(order) if o in canon and canon.index(o) < canon.index(h)]
        order.insert(earlier[-1] + 1 if earlier else 0, h)
    text[h] = new[h]
sections = [open(header).read()] + [text[h] for h in order]
with open(readme, "w") as out:
    out.write("\n\n".join(s.rstrip("\n") for s in sections) + "\n")
PY
    rm -rf "$tmp"
}

main "$@"
