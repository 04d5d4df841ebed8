# shellcheck shell=bash
# wirelens traffic lab: three network namespaces joined by veth pairs.
#
#     client (cl)                 router (rt)                 server (sv)
#   cl-rt 10.200.1.2  <--->  rt-cl 10.200.1.1
#         fd00:200:1::2            fd00:200:1::1
#                                  rt-sv 10.200.2.1  <--->  sv-rt 10.200.2.2
#                                        fd00:200:2::1            fd00:200:2::2
#
# Source this file, then:   trap lab_down EXIT; lab_up [DROP_N]
#
# Everything lives inside namespaces named "$LAB_PREFIX-cl", "-rt", "-sv"
# (LAB_PREFIX defaults to "wl"; give each parallel run its own).  Interface
# names are per-namespace, so they are fixed.  Nothing here touches the
# host's own interfaces, routes or firewall, and all traffic stays between
# addresses of the namespaces created here.
#
# Functions (see each one's comment):
#   lab_up [DROP_N]          build the lab (tears down leftovers first)
#   lab_down                 kill what the lab started, delete the namespaces
#   lab_exec ROLE CMD...     run CMD in the client/router/server namespace
#   lab_drop N [IIF]         router drops 1 in N forwarded packets (from IIF only)
#   lab_drop_clear / lab_drop_count
#   lab_rate ROLE IF RATE    token-bucket rate limit on an interface
#   lab_delay ROLE IF DELAY  netem delay (returns 1 if the kernel lacks netem)
#   lab_delayline MS [N] [IIF]  router delays (and with N reorders) in userspace, no netem needed
#   lab_blackhole ROLE ADDR  add ADDR on ROLE and silently drop all traffic to it
#   lab_bg NAME ROLE CMD...  start a background process, tracked for lab_down
#   lab_stop NAME            stop one background process (SIGTERM, then wait)
#   lab_http_server [PORT]   python3 http.server on the server, files of known sizes
#   lab_tcp_sink / lab_tcp_source / lab_udp_echo / lab_http_mini   python servers (lab/labtool.py)
#   lab_dns_server           dnsmasq on the server, zone example.test (UDP+TCP 53)
#   lab_capture_start NAME ROLE IF FILE [SNAPLEN] [FILTER...]
#   lab_capture_stop NAME    stop tcpdump cleanly; fails if packets were dropped or unwritten
#   lab_tool ROLE ARGS...    run lab/labtool.py in a namespace (clients)
#   lab_neigh_flush ROLE     empty ROLE's ARP/ND cache (captures then show ARP/ND)
#   lab_count FILE FILTER    packets tshark matches in FILE
#   lab_check_checksums FILE fail if tshark finds a bad IP/TCP/UDP/ICMP checksum
#
# The functions expect the caller's "set -euo pipefail" and stop at the
# first failing step.  Do not call them as a condition ("if lab_up",
# "lab_up || ..."): bash then ignores set -e inside them.
#
# Roles are "cl", "rt", "sv".  Addresses are exported as LAB_CL4, LAB_CL6,
# LAB_SV4, LAB_SV6, LAB_RT_CL4, ... (see below).

# Refuse to be executed rather than sourced.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    echo "lab/lib.sh is a library: source it from a script" >&2
    exit 2
fi

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${LAB_PREFIX:=wl}"
: "${LAB_STATE:=${TMPDIR:-/tmp}/wirelens-lab.$LAB_PREFIX}"
: "${LAB_SETTLE:=1}"          # seconds to let links, ND and MLD settle in lab_up
: "${LAB_VERBOSE:=1}"

# Prefer the python3 on PATH (may be pyenv); fall back to the system one.
: "${LAB_PYTHON:=$(command -v python3 || echo /usr/bin/python3)}"

# Addresses.  Client side 10.200.1.0/24 + fd00:200:1::/64, server side
# 10.200.2.0/24 + fd00:200:2::/64; the router holds .1 / ::1 on both.
LAB_CL4=10.200.1.2        LAB_CL6=fd00:200:1::2
LAB_RT_CL4=10.200.1.1     LAB_RT_CL6=fd00:200:1::1
LAB_RT_SV4=10.200.2.1     LAB_RT_SV6=fd00:200:2::1
LAB_SV4=10.200.2.2        LAB_SV6=fd00:200:2::2
LAB_CL_IF=cl-rt  LAB_RT_CL_IF=rt-cl  LAB_RT_SV_IF=rt-sv  LAB_SV_IF=sv-rt
# The lab's own nftables table (inside the router/server namespaces only).
LAB_NFT_TABLE=wirelens_lab
# lab_delayline: its tun device and routing table in the router.
LAB_DL_IF=rt-dl  LAB_DL_TABLE=100
export LAB_PREFIX LAB_STATE LAB_CL4 LAB_CL6 LAB_SV4 LAB_SV6 \
    LAB_RT_CL4 LAB_RT_CL6 LAB_RT_SV4 LAB_RT_SV6 \
    LAB_CL_IF LAB_RT_CL_IF LAB_RT_SV_IF LAB_SV_IF

lab_log() { [[ "$LAB_VERBOSE" == 0 ]] || echo "lab[$LAB_PREFIX]: $*" >&2; }
lab_die() { echo "lab[$LAB_PREFIX]: error: $*" >&2; return 1; }

# Namespace name of a role.
lab_ns() {
    case "$1" in
        cl|rt|sv) echo "$LAB_PREFIX-$1" ;;
        *) lab_die "unknown role '$1' (want cl, rt or sv)" ;;
    esac
}

lab_exec() {
    local ns
    ns="$(lab_ns "$1")" || return 1
    shift
    ip netns exec "$ns" "$@"
}

lab_require() {
    local missing=() c
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
    ((${#missing[@]} == 0)) || lab_die "missing tools: ${missing[*]}"
}

lab_check_env() {
    [[ $EUID -eq 0 ]] || lab_die "must run as root (network namespaces, raw sockets, tcpdump)" || return 1
    [[ "$LAB_PREFIX" =~ ^[A-Za-z0-9_-]{1,24}$ ]] ||
        lab_die "LAB_PREFIX must be 1-24 of [A-Za-z0-9_-], got '$LAB_PREFIX'" || return 1
    # What lab_up itself needs; helpers check for their own tools
    # (dnsmasq, tcpdump, tshark, nft) when they are used.
    lab_require ip ss ethtool sysctl "$LAB_PYTHON"
}

# ------------------------------------------------------------------ up/down

# lab_up [DROP_N]: build the lab from scratch.
lab_up() {
    local drop_n="${1:-}" role
    lab_check_env || return 1
    lab_down                       # leftovers of an aborted run with this prefix
    rm -rf "$LAB_STATE/logs"
    mkdir -p "$LAB_STATE/pids" "$LAB_STATE/logs"

    for role in cl rt sv; do
        ip netns add "$(lab_ns $role)"
        lab_exec $role ip link set lo up
        # Quiet IPv6 before any interface exists (new interfaces copy the
        # "default" settings): no router solicitations and no duplicate
        # address detection, so addresses are usable at once; and the
        # unsolicited MLD reports sent when an interface joins its multicast
        # groups are repeated within 10 ms instead of up to a second later,
        # so they are over before lab_up returns and never leak into a
        # capture started afterwards.
        lab_exec $role sysctl -qw \
            net.ipv6.conf.default.router_solicitations=0 \
            net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.default.dad_transmits=0 \
            net.ipv6.conf.default.accept_ra=0 \
            net.ipv6.conf.default.mldv1_unsolicited_report_interval=10 \
            net.ipv6.conf.default.mldv2_unsolicited_report_interval=10 \
            net.ipv4.conf.default.igmpv3_unsolicited_report_interval=10 \
            net.ipv4.conf.default.igmpv2_unsolicited_report_interval=10
    done
    # Forwarding on before the router's links come up (turning it on later
    # makes the router join the all-routers groups then, with fresh MLD reports).
    lab_exec rt sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

    # Create each veth pair directly across two namespaces: the host's
    # namespace never sees them.  (Always say "name": "ip link add a ..."
    # would parse "a" as "address".)
    ip -n "$(lab_ns cl)" link add name $LAB_CL_IF type veth peer name $LAB_RT_CL_IF netns "$(lab_ns rt)"
    ip -n "$(lab_ns rt)" link add name $LAB_RT_SV_IF type veth peer name $LAB_SV_IF netns "$(lab_ns sv)"

    lab_addr cl $LAB_CL_IF    $LAB_CL4/24    $LAB_CL6/64
    lab_addr rt $LAB_RT_CL_IF $LAB_RT_CL4/24 $LAB_RT_CL6/64
    lab_addr rt $LAB_RT_SV_IF $LAB_RT_SV4/24 $LAB_RT_SV6/64
    lab_addr sv $LAB_SV_IF    $LAB_SV4/24    $LAB_SV6/64

    lab_offloads_off cl $LAB_CL_IF
    lab_offloads_off rt $LAB_RT_CL_IF
    lab_offloads_off rt $LAB_RT_SV_IF
    lab_offloads_off sv $LAB_SV_IF

    lab_exec cl ip route add default via $LAB_RT_CL4
    lab_exec cl ip -6 route add default via $LAB_RT_CL6
    lab_exec sv ip route add default via $LAB_RT_SV4
    lab_exec sv ip -6 route add default via $LAB_RT_SV6

    sleep "$LAB_SETTLE"            # let MLD reports for the new addresses pass
    lab_ping_check
    [[ -z "$drop_n" ]] || lab_drop "$drop_n"   # after the check, which must not lose
    lab_log "up: $(lab_ns cl) $(lab_ns rt) $(lab_ns sv)${drop_n:+ (dropping 1/$drop_n)}"
}

# lab_addr ROLE IF ADDR4/LEN ADDR6/LEN: bring IF up with both addresses.
lab_addr() {
    local role=$1 ifc=$2 a4=$3 a6=$4
    lab_exec "$role" ip addr add "$a4" dev "$ifc"
    lab_exec "$role" ip addr add "$a6" dev "$ifc" nodad
    lab_exec "$role" ip link set "$ifc" up
}

# Offloads off.  With TSO/GSO the sending stack hands the (virtual) NIC
# 64 KB super-segments and tcpdump records those, packets that never existed
# on a wire; GRO glues received segments back together the same way.  With
# tx checksum offload on, the checksum is left for a NIC that a veth does
# not have, so captures show "bad" TCP/UDP checksums.  Turning all of it off
# makes every captured frame wire-sized with a correct checksum.
lab_offloads_off() {
    local role=$1 ifc=$2
    if ! lab_exec "$role" ethtool -K "$ifc" tso off gso off gro off tx off rx off >/dev/null 2>&1; then
        echo "lab[$LAB_PREFIX]: warning: cannot turn checksum offload off on $ifc: captures may show bad checksums" >&2
        lab_exec "$role" ethtool -K "$ifc" tso off gso off gro off >/dev/null
    fi
}

# Quick reachability test through the router, both families (raw ICMP).
lab_ping_check() {
    local a
    for a in $LAB_SV4 $LAB_SV6; do
        lab_tool cl ping --host "$a" --count 1 --timeout 2 >/dev/null ||
            lab_die "lab is up but $a is not reachable from the client" || return 1
    done
}

lab_ns_exists() { ip netns list 2>/dev/null | awk '{ print $1 }' | grep -qxF -- "$1"; }

# lab_neigh_flush ROLE: forget ROLE's ARP/ND entries, so the next packets
# start with ARP requests and neighbour solicitations (lab_up's reachability
# check leaves the caches warm).
lab_neigh_flush() { lab_exec "$1" ip neigh flush all; }

# lab_down: stop every process the lab started and delete its namespaces.
# Safe to call repeatedly and when nothing is up.
lab_down() {
    local role ns pids any=0
    # Every process the lab starts runs inside one of its namespaces, and
    # whatever runs there was started by the lab (servers, their children,
    # tcpdump): end those, by pid.  The pid files are not used for this: after
    # an aborted run a recorded pid may since belong to someone else.
    for role in cl rt sv; do
        ns="$LAB_PREFIX-$role"
        lab_ns_exists "$ns" || continue
        any=1
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        # shellcheck disable=SC2086  # one pid per word
        [[ -z "$pids" ]] || kill $pids 2>/dev/null || true
    done
    ((any)) && sleep 0.2
    for role in cl rt sv; do
        ns="$LAB_PREFIX-$role"
        lab_ns_exists "$ns" || continue
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        # shellcheck disable=SC2086  # one pid per word
        [[ -z "$pids" ]] || kill -9 $pids 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$LAB_STATE/pids"
    return 0
}

# ------------------------------------------------------------- impairments

# lab_drop N [IIF]: the router drops at random 1 in N forwarded packets;
# only those arriving on IIF (rt-cl = client->server, rt-sv = server->client)
# if given.  Rules add up; lab_drop_clear removes them.
lab_drop() {
    local n=$1 iif=${2:-}
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || lab_die "lab_drop: bad N '$n'" || return 1
    lab_require nft || return 1
    # The lab's own table and forward chain in the router ("add" is a no-op
    # when they exist).
    lab_exec rt nft add table inet $LAB_NFT_TABLE
    lab_exec rt nft add chain inet $LAB_NFT_TABLE forward \
        '{ type filter hook forward priority filter; policy accept; }'
    lab_exec rt nft add rule inet $LAB_NFT_TABLE forward \
        ${iif:+iifname "\"$iif\""} numgen random mod "$n" 0 counter drop
    lab_log "router drops 1/$n forwarded packets${iif:+ arriving on $iif}"
}

lab_drop_clear() { lab_exec rt nft flush chain inet $LAB_NFT_TABLE forward 2>/dev/null || true; }

# Packets dropped so far by lab_drop rules.
lab_drop_count() {
    lab_exec rt nft list chain inet $LAB_NFT_TABLE forward 2>/dev/null |
        awk '/drop/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# lab_rate ROLE IF RATE [BURST] [LATENCY]: token bucket filter on IF's egress,
# e.g. lab_rate rt rt-sv 20mbit.  Queueing in it raises the RTT under load.
lab_rate() {
    local role=$1 ifc=$2 rate=$3 burst=${4:-16kb} latency=${5:-100ms}
    lab_exec "$role" tc qdisc replace dev "$ifc" root tbf rate "$rate" burst "$burst" latency "$latency"
}

# lab_delay ROLE IF DELAY [JITTER]: netem delay on IF's egress (jitter
# reorders).  Many minimal kernels are built without sch_netem: then this
# says so and returns 1, and the caller decides whether it can do without
# (lab_delayline delays and reorders without it).
lab_delay() {
    local role=$1 ifc=$2 delay=$3 jitter=${4:-}
    if ! lab_exec "$role" tc qdisc replace dev "$ifc" root netem delay "$delay" ${jitter:+"$jitter"} 2>/dev/null; then
        echo "lab[$LAB_PREFIX]: warning: netem unavailable in this kernel; no delay on $ifc" >&2
        return 1
    fi
}

# lab_delayline DELAY_MS [REORDER_N] [IIF]: a userspace stand-in for netem
# in the router.  Packets arriving on IIF (default rt-cl: client->server)
# are routed (policy rule "iif IIF", table $LAB_DL_TABLE) into the tun device
# $LAB_DL_IF, where "labtool.py delayline" holds each for DELAY_MS and writes it
# back in order; from the tun the router forwards it as usual.  With
# REORDER_N, 1 in N TCP segments carrying data is held back further, until
# the next 1 or 2 packets have left before it (at most 2 ms): reordered,
# not lost.  The line gives back the TTL / hop limit the extra pass through
# the tun costs, so captures show one router hop.  Both families; one
# delay line per lab; python's timer makes the delay accurate to ~0.1 ms.
# Extra arguments go to labtool.py delayline (e.g. --overtake 1-3 --seed 7).
lab_delayline() {
    local delay=$1 n=${2:-0} iif=${3:-$LAB_RT_CL_IF} i
    shift $(($# < 3 ? $# : 3))
    [[ -e /dev/net/tun ]] || lab_die "lab_delayline: no /dev/net/tun" || return 1
    lab_bg delayline rt "$LAB_PYTHON" -u "$LAB_DIR/labtool.py" delayline --dev $LAB_DL_IF \
        --delay "$delay" --reorder "$n" "$@"
    for ((i = 0; i < 100; i++)); do
        lab_exec rt ip link show dev $LAB_DL_IF >/dev/null 2>&1 && break
        kill -0 "$LAB_PID" 2>/dev/null || break
        sleep 0.05
    done
    lab_exec rt ip link show dev $LAB_DL_IF >/dev/null 2>&1 ||
        { cat "$LAB_STATE/logs/delayline.log" >&2; lab_die "delay line did not start"; } || return 1
    # Packets come back out of the tun with the client's source address:
    # no reverse-path filtering on it.
    lab_exec rt sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.$LAB_DL_IF.rp_filter=0
    lab_exec rt ip link set $LAB_DL_IF up
    lab_exec rt ip route add default dev $LAB_DL_IF table $LAB_DL_TABLE
    lab_exec rt ip -6 route add default dev $LAB_DL_IF table $LAB_DL_TABLE
    lab_exec rt ip rule add iif "$iif" lookup $LAB_DL_TABLE pref 100
    lab_exec rt ip -6 rule add iif "$iif" lookup $LAB_DL_TABLE pref 100
    local what="router delays packets from $iif by $delay ms"
    ((n == 0)) || what+=" and reorders 1 in $n data segments"
    lab_log "$what"
}

lab_qdisc_clear() { lab_exec "$1" tc qdisc del dev "$2" root 2>/dev/null || true; }

# lab_blackhole ROLE ADDR...: give ROLE extra addresses to which nothing
# ever answers: input to them is dropped silently (no RST, no ICMP
# unreachable), e.g. a DNS server that has gone away.
lab_blackhole() {
    local role=$1 a ifc
    shift
    case "$role" in cl) ifc=$LAB_CL_IF ;; sv) ifc=$LAB_SV_IF ;; *) lab_die "lab_blackhole: role cl or sv" || return 1 ;; esac
    lab_require nft || return 1
    lab_exec "$role" nft add table inet $LAB_NFT_TABLE
    lab_exec "$role" nft add chain inet $LAB_NFT_TABLE input '{ type filter hook input priority filter; policy accept; }'
    for a in "$@"; do
        if [[ "$a" == *:* ]]; then
            lab_exec "$role" ip addr add "$a/64" dev "$ifc" nodad
            lab_exec "$role" nft add rule inet $LAB_NFT_TABLE input ip6 daddr "$a" drop
        else
            lab_exec "$role" ip addr add "$a/24" dev "$ifc"
            lab_exec "$role" nft add rule inet $LAB_NFT_TABLE input ip daddr "$a" drop
        fi
    done
}

# -------------------------------------------------------- background jobs

# lab_bg NAME ROLE CMD...: start CMD in ROLE's namespace in the background,
# output to $LAB_STATE/logs/NAME.log; its pid is recorded (for lab_stop /
# lab_down) and left in LAB_PID.  "ip netns exec" execs CMD, so the pid is
# CMD's own.
lab_bg() {
    local name=$1 role=$2 ns
    shift 2
    ns="$(lab_ns "$role")" || return 1
    mkdir -p "$LAB_STATE/pids" "$LAB_STATE/logs"
    ip netns exec "$ns" "$@" >"$LAB_STATE/logs/$name.log" 2>&1 </dev/null &
    LAB_PID=$!
    echo "$LAB_PID" >"$LAB_STATE/pids/$name.pid"
}

lab_pid() { cat "$LAB_STATE/pids/$1.pid" 2>/dev/null; }

# lab_wait_exit PID [TIMEOUT_S]: wait until PID is gone (it need not be our child).
lab_wait_exit() {
    local pid=$1 t=${2:-10} i
    for ((i = 0; i < t * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

# lab_stop NAME [SIGNAL]: stop a lab_bg process and wait for it to exit.
lab_stop() {
    local name=$1 sig=${2:-TERM} pid
    pid=$(lab_pid "$name") || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    lab_wait_exit "$pid" 10 || { kill -9 "$pid" 2>/dev/null || true; lab_wait_exit "$pid" 2 || true; }
    wait "$pid" 2>/dev/null || true      # reap it if it is our child
    rm -f "$LAB_STATE/pids/$name.pid"
}

# lab_wait_listen ROLE tcp|udp PORT [TIMEOUT_S]: wait until something listens.
lab_wait_listen() {
    local role=$1 proto=$2 port=$3 t=${4:-10} i flag
    [[ $proto == udp ]] && flag=-Hlnu || flag=-Hlnt
    for ((i = 0; i < t * 20; i++)); do
        [[ -n "$(lab_exec "$role" ss $flag "sport = :$port" 2>/dev/null)" ]] && return 0
        sleep 0.05
    done
    lab_die "nothing listening on $proto/$port in $(lab_ns "$role") after ${t}s"
}

# lab_tool ROLE ARGS...: run lab/labtool.py in ROLE's namespace (foreground).
lab_tool() {
    local role=$1
    shift
    lab_exec "$role" "$LAB_PYTHON" -u "$LAB_DIR/labtool.py" "$@"
}

# ----------------------------------------------------------------- servers

# lab_http_server [PORT] [NAME:SIZE...]: python3 -m http.server on the
# server (dual stack) serving $LAB_STATE/www with files of known sizes
# (default: small.txt 1 KB, page.html 5 KB, medium.bin 20 KB, large.bin 100 KB).
lab_http_server() {
    local port=${1:-80}
    shift || true
    local files=("$@")
    ((${#files[@]})) || files=(small.txt:1024 page.html:5000 medium.bin:20480 large.bin:102400)
    "$LAB_PYTHON" "$LAB_DIR/labtool.py" mkfiles "$LAB_STATE/www" "${files[@]}"
    lab_bg "http-$port" sv "$LAB_PYTHON" -u -m http.server "$port" --bind :: --directory "$LAB_STATE/www"
    lab_wait_listen sv tcp "$port"
}

# lab_tcp_sink PORT [labtool args]: read-until-EOF server (for uploads).
lab_tcp_sink() {
    local port=$1
    shift
    lab_bg "sink-$port" sv "$LAB_PYTHON" -u "$LAB_DIR/labtool.py" sink --port "$port" "$@"
    lab_wait_listen sv tcp "$port"
}

# lab_tcp_source PORT BYTES [labtool args]: sends BYTES to each client, then FIN.
lab_tcp_source() {
    local port=$1 bytes=$2
    shift 2
    lab_bg "source-$port" sv "$LAB_PYTHON" -u "$LAB_DIR/labtool.py" source --port "$port" --bytes "$bytes" "$@"
    lab_wait_listen sv tcp "$port"
}

# lab_http_mini PORT: tiny HTTP/1.1 server (labtool.py http), one request
# per connection, server closes first: GET /bytes/N answers 200 with N bytes,
# GET /reset is answered by a RST, anything else by 404.
lab_http_mini() {
    local port=$1
    lab_bg "httpmini-$port" sv "$LAB_PYTHON" -u "$LAB_DIR/labtool.py" http --port "$port"
    lab_wait_listen sv tcp "$port"
}

# lab_udp_echo PORT: echoes every datagram.
lab_udp_echo() {
    local port=$1
    lab_bg "udpecho-$port" sv "$LAB_PYTHON" -u "$LAB_DIR/labtool.py" udp-echo --port "$port"
    lab_wait_listen sv udp "$port"
}

# lab_dns_server: dnsmasq on the server answering for example.test over
# UDP and TCP port 53 on $LAB_SV4 and $LAB_SV6.  It never forwards
# (--no-resolv, no server= lines) and reads no host files; "local=" makes
# it authoritative for the zone so unknown names get NXDOMAIN rather than
# REFUSED.  Extra dnsmasq options may be passed as arguments.
#   www      A 10.200.2.2, AAAA fd00:200:2::2 (and the PTRs)
#   mail     A 10.200.2.25, AAAA fd00:200:2::25;  v4only A 10.200.2.4
#   alias    CNAME www;  chain1 -> chain2 -> chain3 -> www (CNAME chain)
#   example.test  MX 10 mail, MX 20 mail2; TXT (SPF);  _lab TXT (two strings)
#   _http._tcp SRV 0 10 80 www;  big TXT x8 (~0.9 KB, truncated over 512-byte UDP)
lab_dns_server() {
    local conf="$LAB_STATE/dnsmasq.conf" i
    lab_require dnsmasq || return 1
    {
        cat <<EOF
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=$LAB_SV4
listen-address=$LAB_SV6
port=53
log-queries
log-facility=-
local=/example.test/
local=/2.200.10.in-addr.arpa/
host-record=www.example.test,$LAB_SV4,$LAB_SV6
host-record=mail.example.test,10.200.2.25,fd00:200:2::25
host-record=v4only.example.test,10.200.2.4
cname=alias.example.test,www.example.test
cname=chain1.example.test,chain2.example.test
cname=chain2.example.test,chain3.example.test
cname=chain3.example.test,www.example.test
mx-host=example.test,mail.example.test,10
mx-host=example.test,mail2.example.test,20
txt-record=example.test,"v=spf1 ip4:10.200.2.0/24 -all"
txt-record=_lab.example.test,"wirelens traffic lab","second string"
srv-host=_http._tcp.example.test,www.example.test,80,0,10
EOF
        for i in $(seq -w 1 8); do
            echo "txt-record=big.example.test,\"record $i: $(printf 'x%.0s' $(seq 1 90))\""
        done
    } >"$conf"
    lab_bg dnsmasq sv dnsmasq --keep-in-foreground --conf-file="$conf" --pid-file= "$@"
    lab_wait_listen sv udp 53 && lab_wait_listen sv tcp 53
}

# ---------------------------------------------------------------- capture

# lab_capture_start NAME ROLE IF FILE [SNAPLEN] [FILTER...]: tcpdump on IF in
# ROLE's namespace writing FILE (pcap, microsecond timestamps).  Returns once
# tcpdump has opened the interface, so traffic sent afterwards is captured.
lab_capture_start() {
    local name=$1 role=$2 ifc=$3 file=$4 snap=${5:-262144} i
    shift 4
    (($# == 0)) || shift
    lab_require tcpdump || return 1
    rm -f "$file"
    # --immediate-mode: hand each packet to tcpdump at once.  Without it
    # libpcap on Linux (TPACKET_V3) passes packets up a ring block at a
    # time, after up to a second, and tcpdump stopped in the meantime
    # exits without the packets of the last block.
    # -U: write each packet to FILE at once (a live reader sees it).
    # -Z root: do not drop privileges before opening FILE (Debian's tcpdump
    # would switch to user tcpdump, who may not be able to write there).
    # -n: no DNS lookups (they would be traffic of their own).
    # LAB_CAPTURE_BUFFER_KIB: a bigger kernel buffer (tcpdump -B) for a
    # machine whose load could make tcpdump fall behind a burst.
    lab_bg "cap-$name" "$role" tcpdump -n -U --immediate-mode -Z root ${LAB_CAPTURE_BUFFER_KIB:+-B "$LAB_CAPTURE_BUFFER_KIB"} \
        -i "$ifc" -s "$snap" -w "$file" "$@"
    for ((i = 0; i < 200; i++)); do
        grep -q "listening on" "$LAB_STATE/logs/cap-$name.log" 2>/dev/null && return 0
        kill -0 "$LAB_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$LAB_STATE/logs/cap-$name.log" >&2
    lab_die "tcpdump $name did not start"
}

# lab_capture_stop NAME: SIGINT tcpdump (it then flushes and closes the
# file), wait for it, and check that every packet the kernel's filter
# accepted was written and none was dropped.
lab_capture_stop() {
    local name=$1 log captured received dropped
    log="$LAB_STATE/logs/cap-$name.log"
    lab_pid "cap-$name" >/dev/null || lab_die "no capture named $name" || return 1
    lab_stop "cap-$name" INT
    captured=$(awk '/packets captured/ { print $1 }' "$log")
    received=$(awk '/packets received by filter/ { print $1 }' "$log")
    dropped=$(awk '/packets dropped by kernel/ { print $1 }' "$log")
    [[ -n "$dropped" && -n "$captured" ]] ||
        lab_die "capture $name: tcpdump did not finish cleanly: $(cat "$log")" || return 1
    [[ "$dropped" == 0 ]] || lab_die "capture $name: kernel dropped $dropped packets" || return 1
    [[ "$captured" == "$received" ]] ||
        lab_die "capture $name: $received packets passed the filter but $captured were written" || return 1
    lab_log "capture $name: $captured packets"
}

# ------------------------------------------------------------ verification

# lab_tshark ARGS...: tshark without its "running as root" chatter.
lab_tshark() {
    local err rc=0
    err=$(mktemp)
    tshark "$@" 2>"$err" || rc=$?
    grep -v -e '^Running as user "root"' "$err" >&2 || true
    rm -f "$err"
    return $rc
}

# lab_count FILE FILTER: number of packets in FILE matching display FILTER.
lab_count() {
    lab_tshark -n -r "$1" -Y "$2" -T fields -e frame.number | wc -l
}

# lab_check_checksums FILE: with checksum validation on (tshark's default
# is off), count packets with a bad IPv4/TCP/UDP/ICMP checksum; fail if any.
lab_check_checksums() {
    local file=$1 bad
    bad=$(lab_tshark -n -r "$file" \
        -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -Y 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0 || icmpv6.checksum.status == 0' \
        -T fields -e frame.number | wc -l)
    [[ "$bad" == 0 ]] || lab_die "$file: $bad packets with bad checksums" || return 1
}
