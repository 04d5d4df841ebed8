//! Each rule on a crafted segment sequence. The scripts are those of
//! `tests/data/tcp_analysis/crafted/*.txt` (same names), whose captures
//! tshark 4.0.17 analyses exactly as asserted here (the corpus test checks
//! that); the expectations below are tshark's.

use super::*;

/// One scripted segment: `TIME DIR FLAGS SEQ ACK WIN LEN [ws=N] [sack=L-R,..] [ts]`,
/// DIR `c` (Fwd) or `s` (Rev), FLAGS letters of S A F R P.
pub(super) struct Line {
    pub(super) dir: Dir,
    frame: u64,
    ts_ns: i64,
    seq: u32,
    ack: u32,
    flags: u16,
    window: u16,
    len: u32,
    wscale: Option<u8>,
    sack: Vec<(u32, u32)>,
    ts: bool,
}

impl Line {
    pub(super) fn segment(&self) -> Segment<'_> {
        Segment {
            frame: self.frame,
            ts_ns: self.ts_ns,
            seq: self.seq,
            ack: self.ack,
            flags: self.flags,
            window: self.window,
            payload_len: self.len,
            sack: &self.sack,
            wscale: self.wscale,
            has_timestamps: self.ts,
        }
    }
}

pub(super) fn parse(script: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for line in script.lines() {
        let w: Vec<&str> = line.split('#').next().unwrap_or("").split_whitespace().collect();
        if w.is_empty() {
            continue;
        }
        let num = |i: usize| w[i].parse::<u64>().unwrap_or_else(|_| panic!("bad number in {line:?}"));
        let mut flags = 0;
        for (c, bit) in [('F', tcp_flags::FIN), ('S', tcp_flags::SYN), ('R', tcp_flags::RST), ('P', tcp_flags::PSH)] {
            if w[2].contains(c) {
                flags |= bit;
            }
        }
        if w[2].contains('A') {
            flags |= tcp_flags::ACK;
        }
        let mut l = Line {
            dir: if w[1] == "c" { Dir::Fwd } else { Dir::Rev },
            frame: out.len() as u64 + 1,
            ts_ns: (w[0].parse::<f64>().unwrap_or(0.0) * 1e9).round() as i64,
            seq: num(3) as u32,
            ack: num(4) as u32,
            flags,
            window: num(5) as u16,
            len: num(6) as u32,
            wscale: None,
            sack: Vec::new(),
            ts: false,
        };
        for opt in &w[7..] {
            match opt.split_once('=') {
                Some(("ws", v)) => l.wscale = v.parse().ok(),
                Some(("sack", v)) => {
                    for b in v.split(',') {
                        let (a, b) = b.split_once('-').unwrap_or((b, b));
                        l.sack.push((a.parse().unwrap_or(0), b.parse().unwrap_or(0)));
                    }
                }
                None if *opt == "ts" => l.ts = true,
                _ => panic!("bad option {opt}"),
            }
        }
        out.push(l);
    }
    out
}

/// Feeds a script to one connection; returns it and each segment's analysis.
pub(super) fn run(script: &str) -> (TcpConn, Vec<Analysis>) {
    let mut c = TcpConn::new();
    let out = parse(script).iter().map(|l| c.segment(l.dir, &l.segment())).collect();
    (c, out)
}

fn kinds(a: &Analysis) -> Vec<Kind> {
    a.kinds.iter().collect()
}

fn assert_kinds(all: &[Analysis], expected: &[(usize, &[Kind])]) {
    for (i, a) in all.iter().enumerate() {
        let frame = i + 1;
        let want: Vec<Kind> = expected.iter().find(|e| e.0 == frame).map(|e| e.1.to_vec()).unwrap_or_default();
        let mut want = want;
        want.sort();
        assert_eq!(kinds(a), want, "frame {frame}: {}", a.describe());
    }
}

const MS: i64 = 1_000_000;

pub(super) const HANDSHAKE: &str = "
0.000 c S 1000 0 64240 0 ws=7 ts
0.010 s SA 5000 1001 65160 0 ws=7 ts
0.020 c A 1001 5001 502 0 ts
0.030 c AP 1001 5001 502 100 ts
0.040 s A 5001 1101 509 0 ts
0.050 s AP 5001 1101 509 200 ts
0.060 c A 1101 5201 502 0 ts
0.070 c AF 1101 5201 502 0 ts
0.080 s AF 5201 1102 509 0 ts
0.090 c A 1102 5202 502 0 ts
";

#[test]
fn handshake_and_in_order_data_have_no_verdicts() {
    let (c, a) = run(HANDSHAKE);
    assert_kinds(&a, &[]);
    // Relative numbers: the SYN is 0, data starts at 1.
    assert_eq!((a[0].rel_seq, a[0].rel_ack), (0, None));
    assert_eq!((a[1].rel_seq, a[1].rel_ack), (0, Some(1)));
    assert_eq!((a[3].rel_seq, a[3].rel_ack), (1, Some(1)));
    assert_eq!((a[8].rel_seq, a[8].rel_ack), (201, Some(102)));
    // Window scaling: SYN windows as sent, then scaled by 128 both ways.
    assert_eq!((a[0].scaled_window, a[1].scaled_window), (64240, 65160));
    assert_eq!((a[2].scaled_window, a[2].scaling), (64256, Scaling::Shift(7)));
    assert_eq!(a[4].scaled_window, 509 * 128);
    assert_eq!(c.scaling(Dir::Rev).factor(), 128);
    // ACKs: which segment they cover, and the RTT.
    assert_eq!(a[1].acks, Some(Acks { frame: 1, rtt_ns: Some(10 * MS) }));
    assert_eq!(a[4].acks, Some(Acks { frame: 4, rtt_ns: Some(10 * MS) }));
    assert_eq!(a[9].acks, Some(Acks { frame: 9, rtt_ns: Some(10 * MS) }));
    // Initial RTT: the first ACK after the SYN.
    assert_eq!(a[1].initial_rtt_ns, None);
    assert_eq!(a[2].initial_rtt_ns, Some(20 * MS));
    assert_eq!(a[3].describe(), "in order");
}

#[test]
fn loss_then_fast_retransmission_after_three_duplicate_acks() {
    // Captured at the receiver: the segment at 1101 is lost on the way.
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.100 c A 1001 5001 502 100
0.101 s A 5001 1101 509 0
0.102 c A 1201 5001 502 100
0.103 s A 5001 1101 509 0 sack=1201-1301
0.104 c A 1301 5001 502 100
0.105 s A 5001 1101 509 0 sack=1201-1401
0.106 c A 1401 5001 502 100
0.107 s A 5001 1101 509 0 sack=1201-1501
0.110 c A 1101 5001 502 100
0.111 s A 5001 1501 509 0
");
    use Kind::*;
    assert_kinds(
        &a,
        &[
            (6, &[LostSegment]),
            (7, &[DupAck]),
            (9, &[DupAck]),
            (11, &[DupAck]),
            (12, &[Retransmission, FastRetransmission]),
        ],
    );
    assert_eq!(a[5].lost, Some(Lost { missing_bytes: 100, from_rel_seq: 101, before_rel_seq: 201 }));
    assert_eq!(a[6].dup_ack, Some(super::DupAck { num: 1, of_frame: 5 }));
    assert_eq!(a[10].dup_ack, Some(super::DupAck { num: 3, of_frame: 5 }));
    let f = a[11].fast_retransmission.expect("fast retransmission evidence");
    assert_eq!((f.dup_acks, f.acked_frame, f.first_dup_frame, f.last_dup_frame), (3, 5, 7, 11));
    assert_eq!(f.since_first_dup_ns, 7 * MS);
    // The retransmission repeats nothing this capture saw (the original was
    // lost before it): no original frame.
    assert_eq!(a[11].retransmission.and_then(|r| r.original_frame), None);
    assert_eq!(a[12].acks, Some(Acks { frame: 10, rtt_ns: Some(5 * MS) }));
    assert!(
        a[11].describe().starts_with("fast retransmission after 3 duplicate ACKs of frame 5"),
        "{}",
        a[11].describe()
    );
}

#[test]
fn rto_retransmission_names_the_original_and_karn_drops_its_rtt() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.100 c AP 1001 5001 502 100
0.101 c AP 1101 5001 502 100
0.400 c AP 1001 5001 502 100
0.410 s A 5001 1101 509 0
");
    assert_kinds(&a, &[(6, &[Kind::Retransmission])]);
    let r = a[5].retransmission.expect("evidence");
    assert_eq!((r.original_frame, r.since_original_ns), (Some(4), Some(300 * MS)));
    assert_eq!((r.rto_frame, r.rto_ns), (4, 300 * MS));
    // The ACK covers the retransmitted segment: which copy it answers is
    // unknown, so no RTT (Karn); tshark still names the frame.
    assert_eq!(a[6].acks, Some(Acks { frame: 4, rtt_ns: None }));
}

#[test]
fn spurious_retransmission_of_acknowledged_data() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.100 c AP 1001 5001 502 100
0.110 s A 5001 1101 509 0
0.400 c AP 1001 5001 502 100
0.410 s A 5001 1101 509 0 sack=1001-1101
");
    use Kind::*;
    assert_kinds(&a, &[(6, &[Retransmission, SpuriousRetransmission]), (7, &[DupAck])]);
}

#[test]
fn out_of_order_within_the_initial_rtt_and_fin_counts_one() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.100 c A 1101 5001 502 100
0.101 c A 1001 5001 502 100
0.102 s A 5001 1201 509 0
0.200 c AF 1201 5001 502 0
0.2005 c A 1201 5001 502 50
");
    assert_kinds(&a, &[(4, &[Kind::LostSegment]), (5, &[Kind::OutOfOrder])]);
    // Frame 8 starts one before nextseq (the FIN's byte) with more than one
    // byte: new data, neither out-of-order nor a retransmission.
    assert_eq!(a[7].kinds, Kinds::EMPTY);
}

#[test]
fn keep_alive_and_its_ack() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.100 c AP 1001 5001 502 100
0.110 s A 5001 1101 509 0
10.000 c A 1100 5001 502 0
10.010 s A 5001 1101 509 0
20.000 c A 1100 5001 502 1
20.010 s A 5001 1101 509 0
");
    use Kind::*;
    assert_kinds(&a, &[(6, &[KeepAlive]), (7, &[KeepAliveAck]), (8, &[KeepAlive]), (9, &[KeepAliveAck])]);
}

#[test]
fn zero_window_probe_and_ack_window_update_and_linux_probe() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.030 s A 5001 1001 2 0
0.100 c A 1001 5001 502 256
0.110 s A 5001 1257 0 0
0.300 c A 1257 5001 502 1
0.310 s A 5001 1257 0 0
0.700 c A 1256 5001 502 0
0.710 s A 5001 1257 0 0
1.000 s A 5001 1257 4 0
1.010 c A 1257 5001 502 512
1.020 s A 5001 1769 4 0
");
    use Kind::*;
    assert_kinds(
        &a,
        &[
            (4, &[WindowUpdate]),
            (5, &[WindowFull]),
            (6, &[ZeroWindow]),
            (7, &[ZeroWindowProbe]),
            (8, &[ZeroWindow, ZeroWindowProbeAck]),
            // Linux probes with 0 bytes at nextseq - 1: a keep-alive to tshark 4.0.
            (9, &[KeepAlive]),
            // Its answer repeats a zero window: not a keep-alive ACK.
            (10, &[ZeroWindow]),
            (11, &[WindowUpdate]),
            (12, &[WindowFull]),
        ],
    );
    // The probe's byte does not advance the sequence: the data after it
    // starts at the probe's number and is new.
    assert_eq!(a[11].rel_seq, 257);
}

#[test]
fn window_full_uses_the_scaled_window_but_not_a_syn_window() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=2
0.010 s SA 5000 1001 1000 0 ws=3
0.020 c A 1001 5001 502 1000
0.030 s A 5001 2001 100 0
0.040 c A 2001 5001 502 800
0.050 s A 5001 2801 0 0
0.100 s A 5001 2801 100 0
0.110 c A 2801 5001 502 800
");
    use Kind::*;
    // Frame 3 fills the SYN-ACK's 1000 bytes (unscaled, Wireshark issue
    // 14690); frame 5 fills 100 << 3.
    assert_kinds(
        &a,
        &[(3, &[WindowFull]), (5, &[WindowFull]), (6, &[ZeroWindow]), (7, &[WindowUpdate]), (8, &[WindowFull])],
    );
    assert_eq!((a[3].scaled_window, a[3].scaling.factor()), (800, 8));
}

#[test]
fn acked_unseen_is_reported_once_per_gap() {
    let (_, a) = run("
0.000 c A 1001 5001 502 100
0.010 s A 5001 1201 509 0
0.020 s A 5001 1301 509 0
0.030 c A 1301 5001 502 100
0.040 s A 5001 1401 509 0
0.050 s A 5001 1601 509 0
");
    use Kind::*;
    assert_kinds(&a, &[(2, &[AckedUnseen]), (4, &[LostSegment]), (5, &[AckedUnseen])]);
    assert_eq!(a[1].acked_unseen, Some(super::AckedUnseen { rel_ack: 201, unseen_bytes: 100 }));
    // Mid-stream: the first segment is relative 1, the scaling unknown.
    assert_eq!((a[0].rel_seq, a[0].scaling.factor()), (1, -1));
}

#[test]
fn neutralized_counter_makes_a_fin_retransmission_fast() {
    // zk_tcp-reassembly.pcap's opening, reduced: tshark keeps "-1" in an
    // unsigned counter, which passes the ">= 2 duplicate ACKs" test.
    let (_, a) = run("
0.000 c S 1000 0 64240 0
0.010 s SA 5000 1001 16000 0
0.020 c A 1001 5001 17520 0
0.030 c AP 1001 5001 17520 274
0.031 s A 5001 1275 16000 0
0.032 s AF 5001 1275 16000 0
0.100 c A 1275 5001 17520 1440
0.101 s AF 5001 2723 16000 0
0.200 c A 2723 5001 17520 1448
0.201 s AF 5001 4171 16000 0
0.300 c A 4171 5001 17520 1448
0.301 s AF 5001 5619 16000 0
0.310 c A 5619 5002 17520 0
");
    use Kind::*;
    let fast: &[Kind] = &[Retransmission, FastRetransmission];
    assert_kinds(
        &a,
        &[
            (8, &[Retransmission, FastRetransmission, AckedUnseen]),
            (9, &[LostSegment]),
            (10, &[Retransmission, FastRetransmission, AckedUnseen]),
            (12, fast),
        ],
    );
    let f = a[7].fast_retransmission.expect("evidence");
    assert_eq!((f.dup_acks, f.acked_frame, f.first_dup_frame), (0, 3, 0));
    assert_eq!(
        a[7].describe().split("; ").next(),
        Some("fast retransmission (tshark's rule after an ACK of unseen data, no duplicate ACKs)")
    );
}

#[test]
fn sequence_numbers_wrap_at_2_32() {
    let (_, a) = run("
0.000 c S 4294967000 0 64240 0 ws=7
0.010 s SA 5000 4294967001 65160 0 ws=7
0.020 c A 4294967001 5001 502 0
0.100 c A 4294967001 5001 502 200
0.101 c A 4294967201 5001 502 200
0.102 s A 5001 105 509 0
0.103 c A 305 5001 502 100
0.104 c A 105 5001 502 100
0.500 c A 105 5001 502 100
0.510 s A 5001 405 509 0
");
    use Kind::*;
    assert_kinds(&a, &[(7, &[LostSegment]), (8, &[OutOfOrder]), (9, &[Retransmission])]);
    assert_eq!(a[6].rel_seq, 601);
    assert_eq!(a[5].rel_ack, Some(401));
    assert_eq!(a[6].lost.map(|l| l.missing_bytes), Some(200));
}

#[test]
fn syn_retries_then_rst() {
    let (c, a) = run("
0.000 c S 1000 0 64240 0 ws=7
1.000 c S 1000 0 64240 0 ws=7
3.000 c S 1000 0 64240 0 ws=7
3.010 s RA 0 1001 0 0
");
    assert_kinds(&a, &[(2, &[Kind::Retransmission]), (3, &[Kind::Retransmission])]);
    let r = a[1].retransmission.expect("evidence");
    assert_eq!((r.original_frame, r.since_original_ns), (Some(1), Some(1000 * MS)));
    // A retried SYN is the same connection; a RST answering it is no zero window.
    let l = parse("4.000 c S 1000 0 64240 0");
    assert!(!c.is_new_connection(Dir::Fwd, &l[0].segment()));
}

#[test]
fn simultaneous_open_flags_the_syn_acks_as_tshark_does() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.001 s S 5000 0 65160 0 ws=7
0.010 c SA 1000 5001 64240 0 ws=7
0.011 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 10
0.021 s A 5001 1011 509 0
");
    // Each SYN-ACK repeats its side's SYN sequence number.
    assert_kinds(&a, &[(3, &[Kind::Retransmission]), (4, &[Kind::Retransmission])]);
}

#[test]
fn new_isn_starts_a_new_connection_and_a_new_syn_ack_isn_is_reuse() {
    let lines = parse(
        "
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.030 c AR 1001 5001 0 0
1.000 c S 3000 0 64240 0
1.010 s SA 6000 3001 65160 0
1.020 c A 3001 6001 64240 0
1.030 s SA 7000 3001 65160 0
",
    );
    let mut c = TcpConn::new();
    for l in &lines[..4] {
        assert!(!c.is_new_connection(l.dir, &l.segment()));
        c.segment(l.dir, &l.segment());
    }
    assert!(c.is_new_connection(Dir::Fwd, &lines[4].segment()));
    let mut c = TcpConn::reusing_ports();
    let a: Vec<Analysis> = lines[4..].iter().map(|l| c.segment(l.dir, &l.segment())).collect();
    assert_eq!(kinds(&a[0]), [Kind::ReusedPorts]);
    assert_eq!(a[1].kinds, Kinds::EMPTY);
    // No window scale option on either SYN: no scaling (-2).
    assert_eq!(a[2].scaling.factor(), -2);
    // A SYN-ACK with another ISN: reused ports, and its ISN becomes the base.
    assert_eq!(kinds(&a[3]), [Kind::LostSegment, Kind::ReusedPorts]);
    assert_eq!(a[3].rel_seq, 0);
    assert!(c.summary().reused_ports);
    // Without the caller's split, the state restarts on its own.
    let mut same = TcpConn::new();
    for l in &lines[..4] {
        same.segment(l.dir, &l.segment());
    }
    assert_eq!(kinds(&same.segment(Dir::Fwd, &lines[4].segment())), [Kind::ReusedPorts]);
}

#[test]
fn retried_syn_restores_nextseq_moved_by_a_rst() {
    let (_, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s A 5000 77777 509 0
0.020 c R 77777 0 0 0
1.000 c S 1000 0 64240 0 ws=7
1.010 s SA 6000 1001 65160 0 ws=7
1.020 c A 1001 6001 502 100
");
    use Kind::*;
    assert_kinds(
        &a,
        &[(2, &[AckedUnseen]), (4, &[Retransmission]), (5, &[LostSegment, ReusedPorts]), (6, &[AckedUnseen])],
    );
    assert_eq!(a[3].retransmission.map(|r| r.rto_frame), Some(3));
}

#[test]
fn window_scaling_without_the_option_or_without_the_syn_ack() {
    // SYN without the option, SYN-ACK with it: neither side scales.
    let (c, a) = run("
0.000 c S 1000 0 64240 0
0.010 s SA 5000 1001 1000 0 ws=7
0.020 c A 1001 5001 502 0
0.030 c A 1001 5001 502 1000
0.040 s A 5001 2001 1000 0
");
    assert_eq!((c.scaling(Dir::Fwd), c.scaling(Dir::Rev)), (Scaling::NotUsed, Scaling::NotUsed));
    assert_eq!((a[4].scaled_window, a[4].scaling.factor()), (1000, -2));
    assert_kinds(&a, &[(4, &[Kind::WindowFull])]);
    // SYN with it, SYN-ACK without: neither.
    let (c, _) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 1000 0
");
    assert_eq!((c.scaling(Dir::Fwd), c.scaling(Dir::Rev)), (Scaling::NotUsed, Scaling::NotUsed));
    // SYN-ACK not captured: the client's scale is taken, the server's unknown.
    let (c, a) = run("
0.000 c S 1000 0 64240 0 ws=7
0.020 c A 1001 5001 502 0
0.030 s A 5001 1001 509 0
");
    assert_eq!((c.scaling(Dir::Fwd).factor(), c.scaling(Dir::Rev).factor()), (128, -1));
    assert_eq!((a[1].scaled_window, a[2].scaled_window), (502 * 128, 509));
    // An out-of-range shift counts as 14 (RFC 7323 §2.3).
    let (c, _) = run("
0.000 c S 1000 0 64240 0 ws=15
0.010 s SA 5000 1001 1000 0 ws=14
");
    assert_eq!(c.scaling(Dir::Fwd), Scaling::Shift(14));
}

#[test]
fn unacknowledged_segments_are_capped() {
    let mut script = String::from("0.000 c S 1000 0 64240 0\n0.010 s SA 5000 1001 1000 0\n");
    for i in 0..300u32 {
        script.push_str(&format!("0.1 c A {} 5001 502 10\n", 1001 + i * 10));
    }
    script.push_str("0.2 s A 5001 4001 1000 0\n");
    let (c, a) = run(&script);
    let s = c.summary();
    // The SYN was acknowledged; 300 data segments, the newest 256 kept.
    assert_eq!(s.dir(Dir::Fwd).unacked_dropped, 300 - analyze::MAX_UNACKED as u64);
    // The last ACK still finds its segment among the newest ones kept.
    assert_eq!(a.last().and_then(|x| x.acks).map(|x| x.frame), Some(302));
}

#[test]
fn expert_messages_and_descriptions() {
    let (_, a) = run("
0.000 c A 1001 5001 502 100
0.010 s A 5001 1101 509 0
0.020 s A 5001 1101 509 0
");
    assert_eq!(a[2].expert_messages(), ["Duplicate ACK (#1)"]);
    assert_eq!(a[2].describe(), "duplicate ACK #1 of frame 2");
    assert_eq!(Kind::AckedUnseen.expert_message(), "ACKed segment that wasn't captured (common at capture start)");
    assert_eq!(Kind::ALL.iter().map(|k| k.name()).filter(|n| n.contains(' ')).count(), 0);
    let all: Kinds = Kind::ALL.into_iter().collect();
    assert_eq!(all.len(), Kind::ALL.len());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn segment() -> impl Strategy<Value = (bool, i64, u32, u32, u16, u16, u32, Option<u8>)> {
        (
            any::<bool>(),
            0i64..5_000_000_000,
            any::<u32>(),
            any::<u32>(),
            0u16..0x200,
            any::<u16>(),
            0u32..3000,
            proptest::option::of(any::<u8>()),
        )
    }

    proptest! {
        /// Any segments, however absurd: no panic, and the verdicts stay
        /// consistent with tshark's way of listing them.
        #[test]
        fn never_panics_and_verdicts_are_consistent(segs in proptest::collection::vec(segment(), 1..200)) {
            let mut c = TcpConn::new();
            for (i, (fwd, ts, seq, ack, flags, window, len, ws)) in segs.into_iter().enumerate() {
                let s = Segment { frame: i as u64 + 1, ts_ns: ts, seq, ack, flags, window, payload_len: len, sack: &[(seq, ack)], wscale: ws, has_timestamps: false };
                let dir = if fwd { Dir::Fwd } else { Dir::Rev };
                if c.is_new_connection(dir, &s) {
                    c = TcpConn::reusing_ports();
                }
                let a = c.segment(dir, &s);
                for k in [Kind::FastRetransmission, Kind::SpuriousRetransmission] {
                    prop_assert!(!a.has(k) || a.has(Kind::Retransmission));
                }
                prop_assert_eq!(a.has(Kind::DupAck), a.dup_ack.is_some());
                prop_assert_eq!(a.has(Kind::LostSegment), a.lost.is_some());
                let _ = a.describe();
            }
            let _ = c.summary();
        }
    }
}

/// The fast paths for in-order segments (`Engine::steady`, the plain
/// segments of `Tracker::record`) against the rules and the full summary,
/// on plausible connections: the same analysis of every segment and the
/// same state after it.
#[test]
fn the_steady_path_is_the_rules_on_in_order_segments() {
    let mut rng = crate::text::xorshift::Rng(0x2545_f491_4f6c_dd1d);
    let (mut steady, mut repeats, mut updates, mut total) = (0usize, 0usize, 0usize, 0usize);
    for _ in 0..400 {
        let segs = crate::flow::sim::connection(&mut rng, 300);
        let (mut fast, mut rules) = (analyze::Engine::default(), analyze::Engine::default());
        let (mut fast_sum, mut all_sum) = (summary::Tracker::default(), summary::Tracker::default());
        for (i, g) in segs.iter().enumerate() {
            let s = Segment {
                frame: i as u64 + 1,
                ts_ns: g.ts_ns,
                seq: g.seq,
                ack: g.ack,
                flags: g.flags,
                window: g.window,
                payload_len: g.len,
                sack: &[],
                wscale: g.wscale,
                has_timestamps: false,
            };
            let dir = if g.fwd { Dir::Fwd } else { Dir::Rev };
            let (mut a, mut b) = (Analysis::default(), Analysis::default());
            let took = fast.clone().steady_for_test(dir, &s);
            steady += usize::from(took);
            total += 1;
            fast.segment(dir, &s, &mut a);
            repeats += usize::from(took && a.has(Kind::DupAck));
            updates += usize::from(took && a.has(Kind::WindowUpdate));
            rules.rules(dir, &s, &mut b);
            assert_eq!(a, b, "segment {i} of {segs:?}");
            assert_eq!(format!("{fast:?}"), format!("{rules:?}"), "state after segment {i} of {segs:?}");
            fast_sum.record(dir, &s, &a, &fast);
            all_sum.record_all(dir, &s, &b, &rules);
            assert_eq!(format!("{fast_sum:?}"), format!("{all_sum:?}"), "summary after segment {i} of {segs:?}");
        }
    }
    // Both paths are taken often (a fifth of these segments are steady).
    assert!(steady * 10 > total && steady * 10 < total * 9, "{steady} of {total}");
    // Duplicate ACKs and window updates take it too.
    assert!(
        repeats * 100 > total && updates * 100 > total,
        "{repeats} duplicate ACKs, {updates} window updates of {total}"
    );
}
