//! Crafted packet sequences for each conn_state and history rule.

use super::*;
use crate::dissect::tcp_flags::{ACK, FIN, PSH, RST, SYN};

const T0: i64 = 1_000_000_000_000;

/// Side 0 is 10.0.0.1:40000, side 1 is 10.0.0.2:80; ISNs 1000 and 5000.
fn tcp(is_orig: bool, flags: u16, seq: u32, ack: u32, len: u32) -> PacketFacts {
    let (sport, dport) = if is_orig { (40000, 80) } else { (80, 40000) };
    PacketFacts {
        is_orig,
        ts_ns: T0,
        proto: Proto::Tcp,
        tcp_flags: flags,
        seq,
        ack,
        window: 1024,
        payload_len: len,
        checksum_bad: false,
        ip_len: 40 + len,
        sport,
        dport,
        payload_truncated: false,
        header_truncated: false,
    }
}

fn run(packets: &[PacketFacts]) -> ZeekConn {
    run_with(ServerPorts::NONE, packets)
}

fn run_with(ports: ServerPorts, packets: &[PacketFacts]) -> ZeekConn {
    let mut c = ZeekConn::with_server_ports(packets[0].proto, ports);
    for (i, f) in packets.iter().enumerate() {
        let mut f = *f;
        f.ts_ns += i as i64 * 1_000_000;
        c.packet(&f);
    }
    c
}

fn handshake() -> Vec<PacketFacts> {
    vec![tcp(true, SYN, 1000, 0, 0), tcp(false, SYN | ACK, 5000, 1001, 0), tcp(true, ACK, 1001, 5001, 0)]
}

fn check(c: &ZeekConn, history: &str, state: &str) {
    assert_eq!((c.history().as_str(), c.conn_state()), (history, state));
}

#[test]
fn s0_syn_only() {
    let c = run(&[tcp(true, SYN, 1000, 0, 0)]);
    check(&c, "S", "S0");
    assert_eq!((c.orig_pkts(), c.orig_ip_bytes(), c.resp_pkts()), (1, 40, 0));
}

#[test]
fn s1_handshake_only() {
    check(&run(&handshake()), "ShA", "S1");
}

#[test]
fn sf_normal_close() {
    let mut p = handshake();
    p.push(tcp(true, PSH | ACK, 1001, 5001, 10));
    p.push(tcp(false, PSH | ACK, 5001, 1011, 20));
    p.push(tcp(true, FIN | ACK, 1011, 5021, 0));
    p.push(tcp(false, FIN | ACK, 5021, 1012, 0));
    p.push(tcp(true, ACK, 1012, 5022, 0));
    let c = run(&p);
    check(&c, "ShADdFf", "SF");
    assert_eq!((c.orig_pkts(), c.resp_pkts(), c.missed_bytes()), (5, 3, 0));
    assert_eq!(c.tcp_sizes(), Some((10, 20)));
}

#[test]
fn rej_syn_answered_by_rst() {
    check(&run(&[tcp(true, SYN, 1000, 0, 0), tcp(false, RST | ACK, 0, 1001, 0)]), "Sr", "REJ");
}

#[test]
fn s2_and_s3_half_closes() {
    let mut p = handshake();
    p.push(tcp(true, FIN | ACK, 1001, 5001, 0));
    check(&run(&p), "ShAF", "S2");
    let mut p = handshake();
    p.push(tcp(false, FIN | ACK, 5001, 1001, 0));
    check(&run(&p), "ShAf", "S3");
}

#[test]
fn rsto_and_rstr() {
    let mut p = handshake();
    p.push(tcp(true, RST | ACK, 1001, 5001, 0));
    check(&run(&p), "ShAR", "RSTO");
    let mut p = handshake();
    p.push(tcp(false, RST, 5001, 0, 0));
    check(&run(&p), "ShAr", "RSTR");
}

#[test]
fn rstos0_syn_then_own_rst() {
    check(&run(&[tcp(true, SYN, 1000, 0, 0), tcp(true, RST, 1001, 0, 0)]), "SR", "RSTOS0");
    // Zeek's own RST-behaviour cases: a lone RST is OTH.
    check(&run(&[tcp(true, RST, 0, 0, 0)]), "R", "OTH");
}

#[test]
fn rstrh_and_shr_flipped_syn_ack() {
    // The first packet is a SYN-ACK from a likely server port: Zeek makes
    // its receiver the originator ('^'); the server then resets or closes.
    let ports = ServerPorts::HTTP_ONLY;
    let from_server = |flags, seq, ack| PacketFacts { sport: 80, dport: 40000, ..tcp(true, flags, seq, ack, 0) };
    let c = run_with(ports, &[from_server(SYN | ACK, 5000, 1001), from_server(RST, 5001, 0)]);
    check(&c, "^hr", "RSTRH");
    assert!(c.flipped());
    assert_eq!((c.orig_pkts(), c.resp_pkts()), (0, 2));
    let c = run_with(ports, &[from_server(SYN | ACK, 5000, 1001), from_server(FIN | ACK, 5001, 1001)]);
    check(&c, "^hf", "SHR");
    // Without the port rule the SYN-ACK's sender stays the originator.
    let c = run(&[from_server(SYN | ACK, 5000, 1001), from_server(RST, 5001, 0)]);
    check(&c, "HR", "OTH");
}

#[test]
fn sh_syn_then_fin() {
    check(&run(&[tcp(true, SYN, 1000, 0, 0), tcp(true, FIN, 1001, 0, 0)]), "SF", "SH");
}

#[test]
fn oth_midstream() {
    let c = run(&[tcp(true, PSH | ACK, 1001, 5001, 10), tcp(false, ACK, 5001, 1011, 0)]);
    check(&c, "Da", "OTH");
    assert_eq!(c.tcp_states(), Some((EndpointState::Partial, EndpointState::Partial)));
}

#[test]
fn syn_syn_ack_reversal_flips() {
    // The SYN-ACK is seen first (table side 0), then the SYN it answers:
    // Zeek flips on that second packet and establishes the connection.
    let p = [tcp(true, SYN | ACK, 5000, 1001, 0), tcp(false, SYN, 1000, 0, 0), tcp(false, ACK, 1001, 5001, 0)];
    let c = run(&p);
    assert!(c.flipped());
    check(&c, "Hs^A", "S1");
    assert_eq!((c.orig_pkts(), c.resp_pkts()), (2, 1));
}

#[test]
fn syn_ack_then_ack_flips_as_if_created_flipped() {
    // No likely server port: the SYN-ACK's sender starts as originator;
    // the ACK that follows flips it (Zeek PR #2191), history re-recorded.
    let p = [
        tcp(true, SYN | ACK, 5000, 1001, 0),
        tcp(false, ACK, 1001, 5001, 0),
        tcp(false, PSH | ACK, 1001, 5001, 10),
        tcp(true, ACK, 5001, 1011, 0),
    ];
    let c = run(&p);
    assert!(c.flipped());
    check(&c, "^hADa", "S1");
    assert_eq!((c.orig_pkts(), c.resp_pkts()), (2, 2));
    // A RST after the SYN-ACK is a scan answer: no flip.
    check(&run(&[tcp(true, SYN | ACK, 5000, 1001, 0), tcp(false, RST, 1001, 0, 0)]), "Hr", "REJ");
}

#[test]
fn retransmissions_scale_by_ten() {
    let mut p = handshake();
    p.push(tcp(true, PSH | ACK, 1001, 5001, 10));
    for _ in 0..100 {
        p.push(tcp(true, PSH | ACK, 1001, 5001, 10));
    }
    check(&run(&p), "ShADTTT", "S1");
    let mut p = handshake();
    p.push(tcp(true, PSH | ACK, 1001, 5001, 10));
    for _ in 0..9 {
        p.push(tcp(true, PSH | ACK, 1001, 5001, 10));
    }
    check(&run(&p), "ShADT", "S1");
}

#[test]
fn zero_windows_and_bad_checksums_scale() {
    let mut p = handshake();
    for _ in 0..10 {
        let mut a = tcp(false, ACK, 5001, 1001, 0);
        a.window = 0;
        p.push(a);
    }
    check(&run(&p), "ShAaww", "S1");
    let mut p = handshake();
    for _ in 0..10 {
        let mut a = tcp(true, ACK, 1001, 5001, 0);
        a.checksum_bad = true;
        p.push(a);
    }
    let c = run(&p);
    check(&c, "ShACC", "S1");
    assert_eq!(c.orig_pkts(), 2, "bad-checksum packets are not counted");
}

#[test]
fn multi_flag_and_inconsistent() {
    check(&run(&[tcp(true, SYN | FIN, 1000, 0, 0)]), "Q", "SH");
    let mut p = handshake();
    p.push(tcp(false, FIN | RST, 5001, 0, 0));
    check(&run(&p), "ShAi", "RSTR");
}

#[test]
fn repeated_syn_with_new_seq_is_recorded_again() {
    check(&run(&[tcp(true, SYN, 1000, 0, 0), tcp(true, SYN, 1000, 0, 0)]), "S", "S0");
    // A SYN with a new ISN restarts the numbering (SYN_seq_jump): same
    // relative sequence, no new letter.
    check(&run(&[tcp(true, SYN, 1000, 0, 0), tcp(true, SYN, 7000, 0, 0)]), "S", "S0");
    // After a RST the numbering is kept, so the new SYN is recorded again.
    let p = [tcp(true, SYN, 1000, 0, 0), tcp(true, RST, 1001, 0, 0), tcp(true, SYN, 7000, 0, 0)];
    check(&run(&p), "SRS", "RSTOS0");
}

#[test]
fn content_gap_from_ack_above_data() {
    let mut p = handshake();
    p.push(tcp(true, PSH | ACK, 1001, 5001, 100));
    p.push(tcp(true, PSH | ACK, 1201, 5001, 100)); // 1101..1200 never seen
    p.push(tcp(false, ACK, 5001, 1301, 0));
    let c = run(&p);
    check(&c, "ShADaG", "S1");
    assert_eq!(c.missed_bytes(), 100);
}

#[test]
fn no_gap_reported_on_partial_connections() {
    let c = run(&[tcp(true, PSH | ACK, 1001, 5001, 100), tcp(false, ACK, 5001, 1501, 0)]);
    assert_eq!(c.missed_bytes(), 0);
    assert!(!c.history().contains('G'));
}

#[test]
fn udp_states_and_history() {
    let u = |is_orig: bool, bad: bool| PacketFacts {
        proto: Proto::Udp,
        tcp_flags: 0,
        checksum_bad: bad,
        sport: if is_orig { 5000 } else { 53 },
        dport: if is_orig { 53 } else { 5000 },
        ip_len: 60,
        ..tcp(is_orig, 0, 0, 0, 32)
    };
    let c = run(&[u(true, false), u(false, false), u(true, false)]);
    check(&c, "Dd", "SF");
    assert_eq!((c.orig_pkts(), c.orig_ip_bytes(), c.resp_pkts()), (2, 120, 1));
    check(&run(&[u(true, false)]), "D", "S0");
    // A reply seen first, from a likely server port: flipped.
    let c = run_with(ServerPorts::DNS_ONLY, &[u(false, false)]);
    check(&c, "^d", "SHR");
    // Bad checksums: history only (dns-corrupt: "Cc", OTH, no packets).
    let c = run(&[u(true, true), u(false, true)]);
    check(&c, "Cc", "OTH");
    assert_eq!(c.orig_pkts() + c.resp_pkts(), 0);
}

#[test]
fn icmp_and_other_are_oth_without_history() {
    let i = PacketFacts { proto: Proto::Icmp, tcp_flags: 0, sport: 8, dport: 0, ..tcp(true, 0, 0, 0, 56) };
    let c = run(&[i, PacketFacts { is_orig: false, sport: 0, dport: 8, ..i }]);
    check(&c, "", "OTH");
    assert_eq!((c.orig_pkts(), c.resp_pkts()), (1, 1));
    let o = PacketFacts { proto: Proto::Other, tcp_flags: 0, ip_len: 100, ..tcp(true, 0, 0, 0, 80) };
    let c = run(&[o, o, o]);
    check(&c, "", "OTH");
    assert_eq!((c.orig_pkts(), c.orig_ip_bytes()), (3, 300));
}

#[test]
fn reuse_and_expiry() {
    let mut p = handshake();
    p.push(tcp(true, FIN | ACK, 1001, 5001, 0));
    p.push(tcp(false, FIN | ACK, 5001, 1002, 0));
    p.push(tcp(true, ACK, 1002, 5002, 0));
    let c = run(&p);
    assert!(c.is_reuse(&tcp(true, SYN, 9000, 0, 0)), "a SYN after both closed");
    assert!(!c.is_reuse(&tcp(true, ACK, 1002, 5002, 0)));
    assert!(c.expired(T0 + 6_000_000_000), "deleted tcp_close_delay after the close");
    assert!(!c.expired(T0 + 4_000_000_000));
    let open = run(&handshake());
    assert!(!open.is_reuse(&tcp(true, SYN, 1000, 0, 0)), "a retransmitted SYN");
    assert!(open.is_reuse(&tcp(true, SYN, 9000, 0, 0)), "active_connection_reuse");
    let attempt = run(&[tcp(true, SYN, 1000, 0, 0)]);
    assert!(attempt.expired(T0 + 5_000_000_000), "tcp_attempt_delay");
}

#[test]
fn syn_then_rst_regex() {
    assert!(syn_then_rst("SR"));
    assert!(syn_then_rst("^SdR"));
    assert!(!syn_then_rst("SaFR") || syn_then_rst("SaR"));
    assert!(!syn_then_rst("SAR"));
    assert!(!syn_then_rst("R"));
}

#[test]
fn scaled_thresholds() {
    let mut s = Scaled::default();
    let hits: Vec<u32> = (1..=1000).filter(|_| s.hit()).collect();
    assert_eq!(hits.len(), 4);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn facts() -> impl Strategy<Value = PacketFacts> {
        (
            any::<bool>(),
            prop_oneof![Just(i64::MIN), Just(i64::MAX), any::<i64>(), 0i64..10_000_000_000],
            0u16..0x200,
            prop_oneof![any::<u32>(), 0u32..3, u32::MAX - 3..=u32::MAX],
            any::<u32>(),
            prop_oneof![Just(0u16), any::<u16>()],
            prop_oneof![Just(0u32), 0u32..2000, Just(u32::MAX)],
            any::<(bool, bool, bool)>(),
            any::<u32>(),
        )
            .prop_map(|(is_orig, ts_ns, flags, seq, ack, window, len, (bad, cut, hdr), ip_len)| PacketFacts {
                is_orig,
                ts_ns,
                proto: Proto::Tcp,
                tcp_flags: flags,
                seq,
                ack,
                window,
                payload_len: len,
                checksum_bad: bad,
                ip_len,
                sport: 80,
                dport: 1234,
                payload_truncated: cut,
                header_truncated: hdr,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn arbitrary_sequences(packets in proptest::collection::vec(facts(), 1..40), proto in 0u8..4) {
            let proto = [Proto::Tcp, Proto::Udp, Proto::Icmp, Proto::Other][usize::from(proto)];
            let mut c = ZeekConn::with_server_ports(proto, ServerPorts::ZEEK_BASE);
            for f in &packets {
                let f = PacketFacts { proto, ..*f };
                let _ = c.is_reuse(&f);
                let _ = c.expired(f.ts_ns);
                c.packet(&f);
            }
            let _ = (c.history(), c.conn_state(), c.missed_bytes(), c.orig_pkts() + c.resp_pkts());
            c.flip_roles();
            let _ = c.conn_state();
        }
    }
}

/// Everything a connection answers, the TCP session itself included.
fn answers(c: &ZeekConn, now: i64) -> String {
    let probes = [tcp(true, SYN, 1000, 0, 0), tcp(true, SYN, 7777, 0, 0), tcp(false, SYN | ACK, 5000, 1001, 0)];
    let reuse: Vec<bool> = probes.iter().map(|p| c.is_reuse(p)).collect();
    let expired: Vec<bool> = [0, 1, 10, 400, 8_000].iter().map(|s| c.expired(now + s * 1_000_000_000)).collect();
    format!(
        "{} {} {} {:?} {:?} {} {:?} {:?} {reuse:?} {expired:?} {:?}",
        c.history(),
        c.conn_state(),
        c.missed_bytes(),
        c.tcp_states(),
        c.tcp_sizes(),
        c.flipped(),
        (c.orig_pkts(), c.resp_pkts(), c.orig_ip_bytes(), c.resp_ip_bytes()),
        c.last_time,
        c.with_session(|t| format!("{t:?}")),
    )
}

#[test]
fn a_lone_packet_kept_and_replayed_answers_as_the_full_session() {
    let mut cut = tcp(true, SYN, 1000, 0, 0);
    cut.header_truncated = true;
    let mut bad = tcp(true, SYN, 1000, 0, 0);
    bad.checksum_bad = true;
    let mut zero = tcp(false, ACK, 5001, 1001, 0);
    zero.window = 0;
    let mut short = tcp(true, PSH | ACK, 1001, 5001, 100);
    short.payload_truncated = true;
    let firsts = [
        tcp(true, SYN, 1000, 0, 0),
        tcp(false, SYN, 5000, 0, 0),
        tcp(false, SYN | ACK, 5000, 1001, 0),
        tcp(true, SYN | ACK, 1000, 5001, 0),
        tcp(true, RST, 0, 0, 0),
        tcp(true, RST | ACK, 1001, 5001, 0),
        tcp(true, FIN | ACK, 1001, 5001, 0),
        tcp(true, SYN | FIN, 1000, 0, 0),
        tcp(true, PSH | ACK, 1001, 5001, 10),
        tcp(false, PSH | ACK, 5001, 1001, 20),
        tcp(true, ACK, 1001, 5001, 0),
        short,
        zero,
        cut,
        bad,
    ];
    let mut rest = handshake();
    rest.push(tcp(true, PSH | ACK, 1001, 5001, 10));
    rest.push(tcp(false, ACK, 5001, 1200, 0));
    rest.push(tcp(false, FIN | ACK, 5001, 1011, 0));
    rest.push(tcp(true, FIN | ACK, 1011, 5002, 0));
    rest.push(tcp(true, RST, 1012, 0, 0));
    let mut compared = 0;
    for ports in [ServerPorts::NONE, ServerPorts::ZEEK_BASE] {
        for first in firsts {
            for (n, flip_after) in [(0, false), (1, false), (3, false), (rest.len(), false), (1, true), (0, true)] {
                let script: Vec<PacketFacts> = std::iter::once(first).chain(rest[..n].iter().copied()).collect();
                let mut lone = ZeekConn::with_server_ports(Proto::Tcp, ports);
                let mut full = ZeekConn::with_server_ports(Proto::Tcp, ports);
                for (i, f) in script.iter().enumerate() {
                    let mut f = *f;
                    f.ts_ns += i as i64 * 1_000_000;
                    lone.packet(&f);
                    full.packet(&f);
                    full.make_full();
                    assert!(i > 0 || matches!(lone.tcp, Some(Tcp::Lone(_))), "{first:?}: not kept");
                    assert_eq!(answers(&lone, f.ts_ns), answers(&full, f.ts_ns), "{first:?}, packet {i}");
                    compared += 1;
                }
                if flip_after {
                    lone.flip_roles();
                    full.flip_roles();
                    let now = T0 + 100_000_000;
                    assert_eq!(answers(&lone, now), answers(&full, now), "{first:?}, flipped");
                }
            }
        }
    }
    assert!(compared > 300, "{compared}");
}

/// The fast path for established connections (`TcpSession::steady`)
/// against the whole of `process`, on plausible connections (snaplen-cut
/// payloads in half of them): the same session and history after every
/// packet.
#[test]
fn the_steady_path_is_the_state_machine_on_established_connections() {
    let mut rng = crate::text::xorshift::Rng(0x9e37_79b9_7f4a_7c15);
    let (mut steady, mut total) = (0usize, 0usize);
    for _ in 0..400 {
        let segs = crate::flow::sim::connection(&mut rng, 300);
        let t0 = segs[0].ts_ns;
        let (mut fast, mut all) = (tcp::TcpSession::new(t0), tcp::TcpSession::new(t0));
        let (mut hf, mut ha) = (Hist::default(), Hist::default());
        for (i, g) in segs.iter().enumerate() {
            let mut f = tcp(g.fwd, g.flags, g.seq, g.ack, g.len);
            (f.ts_ns, f.window, f.payload_truncated) = (g.ts_ns, g.window, g.truncated);
            let s = usize::from(!g.fwd);
            steady += usize::from(fast.clone().steady_for_test(&mut hf.clone(), &f, s));
            total += 1;
            fast.process(&mut hf, &f, s);
            all.process_all(&mut ha, &f, s);
            let (a, b) = (format!("{fast:?} {hf:?}"), format!("{all:?} {ha:?}"));
            assert_eq!(a, b, "after packet {i} of {segs:?}");
        }
    }
    // Both paths are taken often.
    assert!(steady * 10 > total && steady * 10 < total * 9, "{steady} of {total}");
}
