//! The flow table on crafted packets: keys, sides, new flows, idle
//! timeouts, the cap, and the last packet's shortcut.

use super::*;
use crate::capture::LinkType;
use crate::dissect::Dissector;

/// A raw-IP IPv4/TCP frame.
fn tcp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, flags: u8) -> Vec<u8> {
    let mut b = vec![0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0];
    b.extend_from_slice(&src);
    b.extend_from_slice(&dst);
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    b
}

const A: [u8; 4] = [10, 0, 0, 1];
const B: [u8; 4] = [10, 0, 0, 2];
const SYN: u8 = 0x02;
const SYNACK: u8 = 0x12;
const ACK: u8 = 0x10;
const FINACK: u8 = 0x11;

struct Run {
    d: Dissector,
    t: FlowTable,
    ended: Vec<(u64, EndReason)>,
    n: u64,
}

impl Run {
    fn new(max: usize) -> Self {
        Run { d: Dissector::new(), t: FlowTable::new(max), ended: Vec::new(), n: 0 }
    }

    fn feed(&mut self, bytes: &[u8], secs: i64) -> Placement {
        self.n += 1;
        let f = crate::testutil::frame(self.n, Timestamp { secs, nanos: 0 }, LinkType::RAW, bytes);
        let p = self.d.dissect(&f);
        let ended = &mut self.ended;
        self.t.packet(&p, |fl, why| ended.push((fl.id, why))).expect("placed")
    }
}

/// The word-wise compare is equality: every single-bit change in any
/// field makes keys differ, and equal fields compare equal.
#[test]
fn flow_keys_compare_by_every_bit() {
    let mut rng = crate::text::xorshift::Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..200 {
        let mut word = || u128::from(rng.next()) << 64 | u128::from(rng.next());
        let k = FlowKey { lo: word(), hi: word(), rest: word() };
        assert_eq!(k, FlowKey { ..k });
        for bit in 0..128 {
            let m = 1u128 << bit;
            assert_ne!(k, FlowKey { lo: k.lo ^ m, ..k }, "lo bit {bit}");
            assert_ne!(k, FlowKey { hi: k.hi ^ m, ..k }, "hi bit {bit}");
            assert_ne!(k, FlowKey { rest: k.rest ^ m, ..k }, "rest bit {bit}");
        }
    }
}

/// What is kept per flow or handled per packet stays as small as it is
/// (bench/results/profile.md lists these sizes); grow them on purpose.
#[test]
fn per_flow_and_per_packet_sizes_do_not_grow() {
    use std::mem::size_of;
    // The TCP analysis is in the flow: a lone SYN kept as it came, or
    // a pointer to the full state (1,472 bytes, boxed).
    // The flow holds its key (a slot was the key and a 272-byte flow).
    assert!(size_of::<Option<Flow>>() <= 288, "Flow: {}", size_of::<Option<Flow>>());
    assert!(size_of::<TcpConn>() <= 56, "TcpConn: {}", size_of::<TcpConn>());
    // Zeek's state (boxed in the flow) holds a connection's first
    // packet until the second, not the 368-byte TCP session.
    assert!(size_of::<ZeekConn>() <= 200, "ZeekConn: {}", size_of::<ZeekConn>());
    assert!(size_of::<FlowKey>() <= 48, "FlowKey: {}", size_of::<FlowKey>());
    assert!(size_of::<Packet<'_>>() <= 408, "Packet: {}", size_of::<Packet<'_>>());
}

#[test]
fn originator_is_the_syn_sender_and_directions_are_counted() {
    let mut r = Run::new(0);
    let p = r.feed(&tcp(A, 1000, B, 80, SYN), 0);
    assert!(p.new && p.side == Side::Orig);
    assert_eq!(r.feed(&tcp(B, 80, A, 1000, SYNACK), 0).side, Side::Resp);
    assert_eq!(r.feed(&tcp(A, 1000, B, 80, ACK), 0).side, Side::Orig);
    let f = r.t.get(p.slot).unwrap();
    assert_eq!((f.dirs[0].packets, f.dirs[1].packets), (2, 1));
    assert_eq!(f.dirs[0].ip_bytes, 80);
    assert!(!f.flipped);
}

#[test]
fn syn_ack_first_flips_the_flow() {
    let mut r = Run::new(0);
    let p = r.feed(&tcp(B, 80, A, 1000, SYNACK), 0);
    assert_eq!(p.side, Side::Resp);
    let f = r.t.get(p.slot).unwrap();
    assert!(f.flipped);
    assert_eq!(f.orig(), (IpAddr::V4(A.into()), 1000));
}

/// The flow keeps its endpoints only in its key: the originator and
/// the sides of later packets come back from it, whichever endpoint
/// sorts lower, in both families.
#[test]
fn endpoints_and_sides_come_back_from_the_key() {
    for (first, flags) in [(true, SYN), (false, SYN), (true, SYNACK), (false, SYNACK)] {
        let (a, b) = if first { (A, B) } else { (B, A) };
        let mut r = Run::new(0);
        let p = r.feed(&tcp(a, 1000, b, 80, flags), 0);
        let back = r.feed(&tcp(b, 80, a, 1000, ACK), 0);
        let again = r.feed(&tcp(a, 1000, b, 80, ACK), 0);
        let f = r.t.get(p.slot).unwrap();
        let (src, dst) = ((IpAddr::V4(a.into()), 1000), (IpAddr::V4(b.into()), 80));
        if flags == SYN {
            assert_eq!(
                (f.orig(), f.resp(), p.side, back.side, again.side),
                (src, dst, Side::Orig, Side::Resp, Side::Orig)
            );
        } else {
            assert_eq!(
                (f.orig(), f.resp(), p.side, back.side, again.side),
                (dst, src, Side::Resp, Side::Orig, Side::Resp)
            );
        }
    }
    let v6 = |a: &str, b: &str| {
        let (x, y): (IpAddr, IpAddr) = (a.parse().unwrap(), b.parse().unwrap());
        let (k, x_lo) = FlowKey::oriented(17, [7, 0], (x, 53), (y, 5353));
        assert_eq!(FlowKey::oriented(6, [4095, 1], (x, 53), (y, 5353)).0.vlan(), [4095, 1]);
        let (lo, hi) = if x_lo { ((x, 53), (y, 5353)) } else { ((y, 5353), (x, 53)) };
        assert_eq!((k.lo(), k.hi(), k.proto(), k.vlan()), (lo, hi, 17, [7, 0]), "{a} {b}");
    };
    v6("fd00::1", "fd00::2");
    v6("fd00::2", "fd00::1");
    v6("10.0.0.1", "::a00:1");
}

/// A packet from an endpoint to itself (a LAND attack, or loopback
/// tests) has no other side: every packet is the originator's.
#[test]
fn a_flow_between_equal_endpoints_is_all_the_originators() {
    for flags in [SYN, SYNACK] {
        let mut r = Run::new(0);
        let p = r.feed(&tcp(A, 1000, A, 1000, flags), 0);
        let q = r.feed(&tcp(A, 1000, A, 1000, ACK), 0);
        assert_eq!((p.slot, p.side, q.side), (q.slot, Side::Orig, Side::Orig));
        let f = r.t.get(p.slot).unwrap();
        assert_eq!((f.dirs[0].packets, f.dirs[1].packets), (2, 0));
    }
}

#[test]
fn new_syn_after_close_starts_a_new_flow() {
    let mut r = Run::new(0);
    r.feed(&tcp(A, 1000, B, 80, SYN), 0);
    r.feed(&tcp(A, 1000, B, 80, FINACK), 1);
    r.feed(&tcp(B, 80, A, 1000, FINACK), 1);
    let p = r.feed(&tcp(A, 1000, B, 80, SYN), 2);
    assert!(p.new);
    assert_eq!(r.ended, vec![(1, EndReason::Reused)]);
    assert_eq!(r.t.get(p.slot).unwrap().id, 2);
}

#[test]
fn a_repeated_or_mirrored_tuple_finds_its_flow_until_its_slot_is_freed() {
    let mut r = Run::new(2);
    let a = tcp(A, 1000, B, 80, ACK);
    let back = tcp(B, 80, A, 1000, ACK);
    let p1 = r.feed(&a, 0);
    let p2 = r.feed(&a, 0);
    let p3 = r.feed(&back, 0);
    assert_eq!((p1.id, p2.id, p3.id), (1, 1, 1));
    assert_eq!((p2.side, p3.side, p2.new), (Side::Orig, Side::Resp, false));
    // The flow is swept as idle by its own next packet: that packet
    // starts a new flow, though its tuple is the last one.
    let mut r2 = Run::new(0);
    r2.feed(&a, 0);
    let again = r2.feed(&a, 400);
    assert_eq!((again.id, again.new, r2.ended.as_slice()), (2, true, &[(1, EndReason::Idle)][..]));
    // The slot of the flow before is freed (idle), and a new flow
    // takes it: the old tuple must not lead to it.
    let c = tcp(A, 3000, B, 443, ACK);
    let p4 = r.feed(&c, 400);
    assert_eq!((p4.id, p4.slot, p4.new), (2, p1.slot, true));
    let p5 = r.feed(&back, 401);
    assert_eq!((p5.id, p5.side, p5.new), (3, Side::Orig, true));
    let p6 = r.feed(&c, 400);
    assert_eq!((p6.id, p6.side, p6.new), (2, Side::Orig, false));
    // The last flow is the least recently seen (its packet's time went
    // back), and the cap of two flows evicts it for a new one: its next
    // packet starts a flow again.
    let old = tcp(A, 5000, B, 25, ACK);
    r.feed(&old, 10);
    assert_eq!(r.ended.last(), Some(&(2, EndReason::Evicted)));
    let p8 = r.feed(&tcp(A, 4000, B, 22, ACK), 401);
    assert_eq!(r.ended.last(), Some(&(4, EndReason::Evicted)));
    let p9 = r.feed(&old, 402);
    assert_eq!((p8.id, p9.id, p9.new), (5, 6, true));
}

#[test]
fn idle_flows_expire_on_packet_time() {
    let mut r = Run::new(0);
    r.feed(&tcp(A, 1000, B, 80, ACK), 0);
    r.feed(&tcp(A, 2000, B, 80, ACK), 400);
    assert_eq!(r.ended, vec![(1, EndReason::Idle)]);
    assert_eq!(r.t.stats.expired, 1);
    assert_eq!(r.t.active(), 1);
}

#[test]
fn max_flows_evicts_the_least_recently_seen() {
    let mut r = Run::new(10);
    for port in 0..25u16 {
        r.feed(&tcp(A, 1000 + port, B, 80, SYN), i64::from(port));
    }
    assert!(r.t.active() <= 10);
    assert_eq!(r.t.stats.evicted, 15);
    assert!(r.ended.iter().all(|(_, w)| *w == EndReason::Evicted));
    // The oldest went first.
    assert_eq!(r.ended[0].0, 1);
    let mut rest = Vec::new();
    r.t.finish(|f, _| rest.push(f.id));
    assert_eq!(rest, (16..=25).collect::<Vec<_>>());
}
