//! The connection summary: handshake, close, counts, RTTs, loss location.

use super::tests::{parse, run};
use super::*;

const MS: i64 = 1_000_000;

fn ft(frame: u64, ms: i64) -> Option<FrameTime> {
    Some(FrameTime { frame, ts_ns: ms * MS })
}

const COMPLETE: &str = "
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
fn complete_handshake_with_rtt_halves_and_orderly_close() {
    let (c, _) = run(COMPLETE);
    let s = c.summary();
    let h = s.handshake;
    assert_eq!(h.outcome, HandshakeOutcome::Complete);
    assert_eq!(h.client, Some(Dir::Fwd));
    assert_eq!((h.syn, h.syn_ack, h.ack), (ft(1, 0), ft(2, 10), ft(3, 20)));
    assert_eq!(h.initial_rtt_ns, Some(20 * MS));
    // Capture point to server and back, then to the client and back.
    assert_eq!((h.syn_to_syn_ack_ns, h.syn_ack_to_ack_ns), (Some(10 * MS), Some(10 * MS)));
    assert_eq!((h.syn_retries, h.syn_ack_retries), (0, 0));
    assert_eq!(s.close.state, CloseState::Closed { first: Dir::Fwd });
    assert_eq!((s.close.fin(Dir::Fwd), s.close.fin(Dir::Rev)), (ft(8, 70), ft(9, 80)));
    assert_eq!(s.close.first_fin(), Some(Dir::Fwd));
    assert!(!s.close.still_open());
    let (f, r) = (s.dir(Dir::Fwd), s.dir(Dir::Rev));
    assert_eq!((f.packets, f.payload_bytes, r.packets, r.payload_bytes), (6, 100, 4, 200));
    // SYN, data and FIN of each side were acknowledged 10 ms later.
    assert_eq!((f.rtt.samples, f.rtt.min_ns, f.rtt.max_ns, f.rtt.avg_ns()), (3, 10 * MS, 10 * MS, Some(10 * MS)));
    assert_eq!(r.rtt.samples, 3);
    assert!(f.timestamps && r.timestamps);
    assert_eq!((f.scaling.factor(), r.scaling.factor()), (128, 128));
    assert_eq!((s.first, s.last, s.duration_ns()), (ft(1, 0), ft(10, 90), 90 * MS));
    assert_eq!(f.retransmissions + f.dup_acks + r.dup_acks + f.lost_segments, 0);
}

#[test]
fn half_close_and_reset() {
    let (c, _) = run("
0.000 c S 1000 0 64240 0
0.010 s SA 5000 1001 65160 0
0.020 c A 1001 5001 502 0
0.030 s AF 5001 1001 509 0
");
    let s = c.summary();
    assert_eq!(s.close.state, CloseState::HalfClosed { by: Dir::Rev });
    assert!(s.close.still_open());
    let (c, _) = run("
0.000 c S 1000 0 64240 0
0.010 s SA 5000 1001 65160 0
0.020 c A 1001 5001 502 0
0.030 c AF 1001 5001 502 0
0.040 s AR 5001 1002 0 0
");
    let s = c.summary();
    assert_eq!(s.close.state, CloseState::Reset { by: Dir::Rev });
    assert_eq!((s.close.rst(Dir::Rev), s.close.first_fin()), (ft(5, 40), Some(Dir::Fwd)));
    assert_eq!(s.handshake.outcome, HandshakeOutcome::Complete);
}

#[test]
fn refused_unanswered_incomplete_missing_and_simultaneous() {
    let (c, _) = run("
0.000 c S 1000 0 64240 0 ws=7
1.000 c S 1000 0 64240 0 ws=7
3.000 c S 1000 0 64240 0 ws=7
3.010 s RA 0 1001 0 0
");
    let h = c.summary().handshake;
    assert_eq!((h.outcome, h.syn_retries, h.refused_by), (HandshakeOutcome::Refused, 2, ft(4, 3010)));
    assert_eq!(c.summary().close.state, CloseState::Reset { by: Dir::Rev });

    let (c, _) = run("
0.000 c S 1000 0 64240 0
1.000 c S 1000 0 64240 0
");
    let h = c.summary().handshake;
    assert_eq!((h.outcome, h.syn_retries, h.syn_ack), (HandshakeOutcome::Unanswered, 1, None));

    let (c, _) = run("
0.000 c S 1000 0 64240 0
0.010 s SA 5000 1001 65160 0
1.010 s SA 5000 1001 65160 0
");
    let h = c.summary().handshake;
    assert_eq!((h.outcome, h.syn_ack_retries, h.initial_rtt_ns), (HandshakeOutcome::Incomplete, 1, None));

    let (c, _) = run("
0.000 c A 1001 5001 502 100
0.010 s A 5001 1101 509 0
");
    assert_eq!(c.summary().handshake.outcome, HandshakeOutcome::Missing);
    assert_eq!(c.summary().close.state, CloseState::Open);

    let (c, _) = run("
0.000 c S 1000 0 64240 0 ws=7
0.001 s S 5000 0 65160 0 ws=7
0.010 c SA 1000 5001 64240 0 ws=7
0.011 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 10
");
    assert_eq!(c.summary().handshake.outcome, HandshakeOutcome::SimultaneousOpen);
}

#[test]
fn loss_counts_and_network_location_of_a_gap_filled_by_retransmission() {
    // Receiver-side capture: the gap at 1101 is filled by the fast retransmission.
    let (c, _) = run("
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
    let s = c.summary();
    let (f, r) = (s.dir(Dir::Fwd), s.dir(Dir::Rev));
    assert_eq!((f.lost_segments, f.missing_bytes, f.retransmissions, f.fast_retransmissions), (1, 100, 1, 1));
    assert_eq!((r.dup_acks, r.sack_segments, r.dsacks), (3, 3, 0));
    assert_eq!((f.loss.network_bytes, f.loss.network_gaps, f.loss.capture_bytes, f.loss.open_gaps), (100, 1, 0, 0));
    assert_eq!(f.payload_bytes, 500);
}

#[test]
fn capture_location_of_a_gap_the_receiver_acknowledges() {
    let (c, _) = run("
0.000 c A 1001 5001 502 100
0.010 s A 5001 1201 509 0
0.020 s A 5001 1301 509 0
0.030 c A 1301 5001 502 100
0.040 s A 5001 1401 509 0
0.050 s A 5001 1601 509 0
");
    let s = c.summary();
    let (f, r) = (s.dir(Dir::Fwd), s.dir(Dir::Rev));
    // Frame 4 leaves 1101..1301 unseen; frame 5 acknowledges past it.
    assert_eq!((f.loss.capture_bytes, f.loss.capture_gaps, f.loss.network_bytes), (200, 1, 0));
    assert_eq!(r.acked_unseen, 2);
}

#[test]
fn reordered_gap_open_gap_and_partial_fill() {
    let (c, _) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.100 c A 1101 5001 502 100
0.101 c A 1001 5001 502 100
0.102 s A 5001 1201 509 0
");
    let l = c.summary().dir(Dir::Fwd).loss;
    assert_eq!((l.reordered_bytes, l.reordered_gaps, l.network_bytes, l.open_gaps), (100, 1, 0, 0));

    // A 300-byte gap, half of it sent again, the rest never seen nor acknowledged.
    let (c, _) = run("
0.000 c A 1001 5001 502 100
0.010 c A 1401 5001 502 100
1.000 c A 1101 5001 502 150
");
    let l = c.summary().dir(Dir::Fwd).loss;
    assert_eq!((l.network_bytes, l.network_gaps, l.open_bytes, l.open_gaps), (150, 0, 150, 1));
}

#[test]
fn karn_keeps_retransmitted_segments_out_of_the_rtt_and_dsack_is_counted() {
    let (c, _) = run("
0.000 c S 1000 0 64240 0 ws=7
0.010 s SA 5000 1001 65160 0 ws=7
0.020 c A 1001 5001 502 0
0.100 c AP 1001 5001 502 100
0.400 c AP 1001 5001 502 100
0.410 s A 5001 1101 509 0 sack=1001-1101
");
    let s = c.summary();
    // Only the SYN gives a sample; the data was sent twice.
    assert_eq!(s.dir(Dir::Fwd).rtt.samples, 1);
    assert_eq!(s.dir(Dir::Rev).dsacks, 1);
}

#[test]
fn zero_window_counts() {
    let (c, _) = run("
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
    let s = c.summary();
    let (f, r) = (s.dir(Dir::Fwd), s.dir(Dir::Rev));
    assert_eq!((f.zero_window_probes, f.keep_alives, f.window_full), (1, 1, 2));
    assert_eq!((r.zero_windows, r.zero_window_probe_acks, r.window_updates), (3, 1, 2));
}

/// A connection that keeps a lone SYN (`Lone`) answers as one that
/// kept the full state from its first segment: each segment's analysis,
/// the summary after every segment, the window scaling and whether a SYN
/// opens a new connection.
#[test]
fn a_lone_syn_kept_and_replayed_answers_as_the_full_state() {
    let scripts = [
        // One SYN, then nothing (a SYN flood's flows).
        "0.000 c S 1000 0 64240 0 ws=7 ts\n",
        // Retried, with the same number; then answered.
        "0.000 c S 1000 0 64240 0 ws=7\n1.000 c S 1000 0 64240 0 ws=7\n1.010 s SA 5000 1001 65160 0 ws=7\n",
        // Refused.
        "0.000 c S 1000 0 64240 0\n0.001 s RA 0 1001 0 0\n",
        // A SYN without the window scale option, then the whole exchange.
        "0.000 c S 1000 0 64240 0\n0.010 s SA 5000 1001 65160 0 ws=7\n0.020 c A 1001 5001 502 0\n",
        // Data first (no SYN): never kept.
        "0.000 c AP 1001 5001 502 100\n0.010 s A 5001 1101 509 0\n",
        // A SYN with SACK blocks (not kept: they are borrowed).
        "0.000 c S 1000 0 64240 0 sack=900-950\n0.010 s SA 5000 1001 65160 0\n",
        super::tests::HANDSHAKE,
    ];
    for script in scripts {
        for reuses in [false, true] {
            let kept_from_start = |reuses_ports| TcpConn(State::Full(Lone { reuses_ports, syn: None }.replayed()));
            let (mut kept, mut full) = if reuses {
                (TcpConn::reusing_ports(), kept_from_start(true))
            } else {
                (TcpConn::new(), kept_from_start(false))
            };
            for (i, l) in parse(script).iter().enumerate() {
                let s = l.segment();
                let what = format!("{script:?} (reusing ports: {reuses}), segment {i}");
                assert_eq!(kept.is_new_connection(l.dir, &s), full.is_new_connection(l.dir, &s), "{what}");
                assert_eq!(kept.segment(l.dir, &s), full.segment(l.dir, &s), "{what}");
                assert_eq!(kept.summary(), full.summary(), "{what}");
                for d in [Dir::Fwd, Dir::Rev] {
                    assert_eq!(kept.scaling(d), full.scaling(d), "{what}");
                }
            }
        }
    }
    // A new SYN number from the same side opens a new connection; the
    // other side's SYN does not.
    let mut c = TcpConn::new();
    let syn = parse("0.000 c S 1000 0 64240 0\n1.000 c S 7000 0 64240 0\n1.000 s S 7000 0 64240 0\n");
    c.segment(syn[0].dir, &syn[0].segment());
    assert!(matches!(c.0, State::Lone(Lone { syn: Some(_), .. })), "a lone SYN is kept as it came");
    assert!(c.is_new_connection(syn[1].dir, &syn[1].segment()));
    assert!(!c.is_new_connection(syn[2].dir, &syn[2].segment()));
    assert!(!c.is_new_connection(syn[0].dir, &syn[0].segment()), "a retry is not");
}
