//! What each command shows while a capture runs, end to end (a module of
//! `live.rs`, with its lab and helpers): event lines written as things
//! happen (analysis events, DNS transactions, flows), and the redrawn view
//! on a terminal (a pseudo-terminal made by script(1)). The traffic is
//! crafted frames injected from namespace B, so each test knows exactly
//! which events it must see.

use super::*;

/// Crafted frames sent from namespace B on v1 to a MAC address no
/// interface has, so that A's kernel drops them (no RST, no ICMP) while the
/// promiscuous capture on v0 sees them: known conversations with exactly
/// the events a test wants. Scenarios: `retrans` (a TCP connection with one
/// retransmitted segment, then a clean close), `dns` (a query answered
/// after 20 ms and one never answered), `closed` (a short clean TCP
/// connection).
const INJECT: &str = r#"
import socket, struct, sys, time
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
C, S = bytes([10, 77, 0, 50]), bytes([10, 77, 0, 60])
MC, MS = bytes.fromhex("02000000aa50"), bytes.fromhex("02000000aa60")
def ip(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
def l4(src, dst, proto, h, data, at):
    c = csum(src + dst + struct.pack("!BBH", 0, proto, len(h) + len(data)) + h + data)
    return ip(src, dst, proto, h[:at] + struct.pack("!H", c) + h[at + 2:] + data)
def tcp(up, seq, ack, flags, data=b""):
    src, dst, sp, dp = (C, S, 40000, 7100) if up else (S, C, 7100, 40000)
    return up, l4(src, dst, 6, struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0), data, 16)
def udp(up, data):
    src, dst, sp, dp = (C, S, 40001, 53) if up else (S, C, 53, 40001)
    return up, l4(src, dst, 17, struct.pack("!HHHH", sp, dp, 8 + len(data), 0), data, 6)
def dns(qid, name, answer=None):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!HH", 1, 1)
    if answer is None:
        return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q
    a = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes(answer)
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + a
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("v1", 0))
def send(pkt, wait=0.02):
    up, p = pkt
    s.send((MS + MC if up else MC + MS) + b"\x08\x00" + p); time.sleep(wait)
SYN, ACK, PSH, FIN = 2, 16, 8, 1
def connection(retrans):
    send(tcp(True, 1000, 0, SYN)); send(tcp(False, 5000, 1001, SYN | ACK)); send(tcp(True, 1001, 5001, ACK))
    send(tcp(True, 1001, 5001, PSH | ACK, b"a" * 100)); send(tcp(False, 5001, 1101, ACK))
    send(tcp(True, 1101, 5001, PSH | ACK, b"b" * 100), 0.25)
    if retrans: send(tcp(True, 1101, 5001, PSH | ACK, b"b" * 100))
    send(tcp(False, 5001, 1201, ACK))
    send(tcp(True, 1201, 5001, FIN | ACK)); send(tcp(False, 5001, 1202, FIN | ACK)); send(tcp(True, 1202, 5002, ACK))
for what in sys.argv[1:]:
    if what == "retrans": connection(True)
    elif what == "closed": connection(False)
    elif what == "dns":
        send(udp(True, dns(0x1234, "www.example.lab")))
        send(udp(False, dns(0x1234, "www.example.lab", [10, 77, 0, 80])))
        send(udp(True, dns(0x4321, "lost.example.lab")))
print("sent", flush=True)
"#;

impl Lab {
    /// Sends the crafted scenarios from B and waits until they are out.
    fn inject(&self, scenarios: &[&str]) {
        let mut args = vec!["-c", INJECT];
        args.extend_from_slice(scenarios);
        let o = self.cmd(&self.b, "python3", &args).output().expect("inject");
        assert!(o.status.success(), "inject failed: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// wirelens in namespace A on a pseudo-terminal (`script`), so that it
    /// sees a terminal on stdout as a person at a console would.
    fn wirelens_tty(&self, args: &[&str]) -> Proc {
        let line = std::iter::once(BIN).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
        let mut c = self.cmd(&self.a, "script", &["-qfec", &line, "/dev/null"]);
        c.env("TERM", "xterm").env("COLUMNS", "200").env("LINES", "50");
        Proc::spawn(&mut c)
    }
}

#[test]
fn analysis_events_stream_while_capturing() {
    let Some(lab) = Lab::new("expert") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["expert", "-i", "v0", "--duration", "5", "--format", "ndjson"]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    lab.inject(&["retrans"]);
    let seen = wl.wait_for("\"retransmission\"", Duration::from_secs(3)).expect("no retransmission event");
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert!(done.ended - seen > Duration::from_millis(2000), "the event came only at the end");
    let events: Vec<serde_json::Value> =
        done.stdout.lines().map(|l| serde_json::from_str(l).expect("ndjson line")).collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["retransmission"], "{}", done.stdout);
    assert_eq!(events[0]["frame"], 7, "{}", done.stdout);
}

#[test]
fn dns_transactions_stream_as_answered_or_timed_out() {
    let Some(lab) = Lab::new("dns") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["dns", "-i", "v0", "--duration", "6", "--dns-timeout", "1"]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    let sent = Instant::now();
    lab.inject(&["dns"]);
    let answered = wl.wait_for("www.example.lab A: answered NOERROR", Duration::from_secs(3)).expect("no answer line");
    // No packet follows: only the live clock can say the query timed out.
    let lost = wl.wait_for("lost.example.lab A: unanswered", Duration::from_secs(4)).expect("no timeout line");
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert!(answered - sent < Duration::from_millis(1500), "answer line after {:?}", answered - sent);
    assert!(lost - sent < Duration::from_millis(3500), "timeout line after {:?}", lost - sent);
    assert!(done.ended - lost > Duration::from_millis(1500), "the lines came only at the end");
    // Then the final table, with both transactions once.
    let (stream, report) = done.stdout.split_once("\n\n").expect("a blank line before the report");
    assert_eq!(stream.lines().count(), 2, "{stream}");
    assert!(report.contains("2 transactions"), "{report}");
}

#[test]
fn summary_writes_flows_analysis_and_dns_as_they_happen() {
    let Some(lab) = Lab::new("summary") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["summary", "-i", "v0", "--duration", "6"]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    lab.inject(&["retrans", "dns"]);
    wl.wait_for("retransmission", Duration::from_secs(3)).expect("no analysis line");
    wl.wait_for("www.example.lab A: answered", Duration::from_secs(3)).expect("no DNS line");
    // A closed connection is written once it has been quiet for 2 s.
    let closed = wl.wait_for("ended: closed", Duration::from_secs(4)).expect("no flow line");
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert!(done.ended - closed > Duration::from_millis(500), "the flow line came only at the end");
    assert!(done.stdout.contains("Flows with problems"), "then the overview: {}", done.stdout);
}

#[test]
fn on_a_terminal_each_report_redraws_in_place() {
    let Some(lab) = Lab::new("redraw") else { return };
    if !have("script") {
        assert!(!ci(), "script (bsdutils) is needed under CI");
        return;
    }
    for (cmd, heading, report) in [
        ("flows", "Busiest active flows", "flows"),
        ("conv", "Conversations so far", "| proto | port"),
        ("expert", "Latest events", "events"),
        ("dns", "Latest transactions", "transactions"),
        ("summary", "Flows with problems", "Largest flows"),
    ] {
        let mut wl = lab.wirelens_tty(&[cmd, "-i", "v0", "--duration", "3.5"]);
        wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
        lab.inject(&["closed", "dns"]);
        let done = wl.finish(Duration::from_secs(10));
        let out = &done.stdout;
        assert_eq!(done.code(), Some(0), "{cmd}: {out}");
        let (live, after) =
            out.split_once("\x1b[?1049l").unwrap_or_else(|| panic!("{cmd}: no alternate screen: {out:?}"));
        assert!(live.contains("\x1b[?1049h"), "{cmd}: {out:?}");
        // About once a second, packets or not: three redraws in 3.5 s.
        let redraws = live.matches(&format!("wirelens {cmd} on v0")).count();
        assert!((2..=5).contains(&redraws), "{cmd}: {redraws} redraws: {live:?}");
        assert!(live.contains("dropped by kernel") && live.contains(heading), "{cmd}: {live:?}");
        // The final report on the normal screen.
        assert!(after.contains(report), "{cmd}: {after:?}");
        assert!(!after.contains("\x1b[H"), "{cmd}: {after:?}");
    }
}
