//! Plausible TCP connections for the property tests of the per-connection
//! machines (the TCP rules, their summary, Zeek's endpoints): a handshake
//! or none, data and ACKs in both directions, and now and then what real
//! captures hold: segments lost before or after the capture point,
//! retransmissions, duplicate ACKs, zero windows and probes, keep-alives,
//! ACKs of data never captured, window scale options, a FIN, a RST, a new
//! SYN, time going backwards, sequence numbers wrapping. Random segments
//! (the other property tests) almost never make an in-order transfer; the
//! fast paths for in-order segments are checked against the full rules on
//! these instead.

use crate::dissect::tcp_flags::{ACK, FIN, PSH, RST, SYN};
use crate::text::xorshift::Rng;

/// One segment, as the capture saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SimSeg {
    /// Sent by the side that opened the connection.
    pub fwd: bool,
    pub ts_ns: i64,
    pub seq: u32,
    pub ack: u32,
    pub flags: u16,
    pub window: u16,
    pub len: u32,
    pub wscale: Option<u8>,
    /// The snaplen cut the payload.
    pub truncated: bool,
}

/// One direction of the simulated connection.
struct Side {
    /// Next new sequence number to send.
    nxt: u32,
    /// The receiver's contiguous end of this side's data (what it ACKs).
    delivered: u32,
    /// A segment lost on the way to the receiver: its start, while the
    /// receiver waits for it.
    hole: Option<u32>,
    window: u16,
}

impl Side {
    fn new(isn: u32, window: u16) -> Side {
        Side { nxt: isn, delivered: isn, hole: None, window }
    }

    /// The receiver has everything up to the hole, or all that was sent.
    fn settle(&mut self) {
        self.delivered = self.hole.unwrap_or(self.nxt);
    }
}

fn pick(rng: &mut Rng, n: u64) -> u64 {
    rng.next() % n
}

/// A connection of about `n` segments.
pub(crate) fn connection(rng: &mut Rng, n: usize) -> Vec<SimSeg> {
    let isn = |rng: &mut Rng| match pick(rng, 4) {
        0 => u32::MAX - pick(rng, 100_000) as u32, // wraps soon
        _ => rng.next() as u32,
    };
    let mut sides = [Side::new(isn(rng), 64_240), Side::new(isn(rng), 65_160)];
    let mut out = Vec::with_capacity(n + 8);
    let mut ts: i64 = 1_000_000_000 + pick(rng, 1 << 40) as i64;
    let truncating = pick(rng, 2) == 0;
    let seg = |out: &mut Vec<SimSeg>, fwd: bool, ts: i64, seq: u32, ack: u32, flags: u16, window: u16, len: u32| {
        out.push(SimSeg {
            fwd,
            ts_ns: ts,
            seq,
            ack,
            flags,
            window,
            len,
            wscale: None,
            truncated: truncating && len > 30,
        });
    };
    if pick(rng, 5) != 0 {
        // The handshake, the SYN's octet counted on each side.
        let ws = (pick(rng, 3) != 0).then(|| pick(rng, 15) as u8);
        let (a, b) = (sides[0].nxt, sides[1].nxt);
        seg(&mut out, true, ts, a, 0, SYN, sides[0].window, 0);
        if let Some(s) = out.last_mut() {
            s.wscale = ws;
        }
        if pick(rng, 8) == 0 {
            ts += 1_000_000_000;
            seg(&mut out, true, ts, a, 0, SYN, sides[0].window, 0); // a retry
        }
        ts += pick(rng, 20_000_000) as i64;
        let ws_back = ws.filter(|_| pick(rng, 6) != 0).map(|_| pick(rng, 15) as u8);
        seg(&mut out, false, ts, b, a.wrapping_add(1), SYN | ACK, sides[1].window, 0);
        if let Some(s) = out.last_mut() {
            s.wscale = ws_back;
        }
        for s in &mut sides {
            s.nxt = s.nxt.wrapping_add(1);
            s.delivered = s.nxt;
        }
        ts += pick(rng, 20_000_000) as i64;
        if pick(rng, 10) != 0 {
            seg(&mut out, true, ts, sides[0].nxt, sides[1].nxt, ACK, sides[0].window, 0);
        }
    }
    let mut since_fin = false;
    while out.len() < n {
        ts += match pick(rng, 20) {
            0 => 0,
            1 => 50_000_000 + pick(rng, 500_000_000) as i64,
            2 if pick(rng, 10) == 0 => -(pick(rng, 5_000_000) as i64), // time goes back
            _ => pick(rng, 4_000_000) as i64,
        };
        // Mostly the forward side sends data, the other ACKs it.
        let fwd = pick(rng, 100) < 65;
        let (me, them) = if fwd { (0, 1) } else { (1, 0) };
        let ack = sides[them].delivered;
        let window = sides[me].window;
        let r = pick(rng, 1000);
        match r {
            // New data (or a pure ACK when 0 bytes).
            0..=599 => {
                let len = match pick(rng, 6) {
                    0 | 1 => 0,
                    2 => 1 + pick(rng, 1500) as u32,
                    _ => 1448,
                };
                let seq = sides[me].nxt;
                let flags = if len > 0 && pick(rng, 3) == 0 { ACK | PSH } else { ACK };
                match pick(rng, 60) {
                    0 => {} // lost before the capture point: never seen
                    1 if len > 0 && sides[me].hole.is_none() => {
                        // seen here, lost after: the receiver waits for it
                        sides[me].hole = Some(seq);
                        seg(&mut out, fwd, ts, seq, ack, flags, window, len);
                    }
                    _ => seg(&mut out, fwd, ts, seq, ack, flags, window, len),
                }
                sides[me].nxt = seq.wrapping_add(len);
                let s = &mut sides[me];
                s.settle();
            }
            // A retransmission: of the hole (which fills it), or of recent data.
            600..=659 => {
                let s = &mut sides[me];
                let (seq, len) = match s.hole.take() {
                    Some(h) => (h, 1448.min(s.nxt.wrapping_sub(h))),
                    None => {
                        let back = pick(rng, 3000) as u32;
                        (s.nxt.wrapping_sub(back), back.min(1448))
                    }
                };
                s.settle();
                seg(&mut out, fwd, ts, seq, ack, ACK, window, len);
            }
            // The same ACK again, a few times (duplicate ACKs).
            660..=719 => {
                for _ in 0..=pick(rng, 4) {
                    seg(&mut out, fwd, ts, sides[me].nxt, ack, ACK, window, 0);
                    ts += pick(rng, 2_000_000) as i64;
                }
            }
            // The window closes or moves.
            720..=759 => {
                sides[me].window = match pick(rng, 3) {
                    0 => 0,
                    _ => pick(rng, 65_536) as u16,
                };
                seg(&mut out, fwd, ts, sides[me].nxt, ack, ACK, sides[me].window, 0);
            }
            // A keep-alive or a zero-window probe.
            760..=789 => {
                let len = pick(rng, 2) as u32;
                let seq = if pick(rng, 2) == 0 { sides[me].nxt.wrapping_sub(1) } else { sides[me].nxt };
                seg(&mut out, fwd, ts, seq, ack, ACK, window, len);
            }
            // An ACK beyond what was captured of the other side.
            790..=819 => {
                let jump = pick(rng, 5000) as u32;
                sides[them].nxt = sides[them].nxt.wrapping_add(jump);
                sides[them].settle();
                seg(&mut out, fwd, ts, sides[me].nxt, sides[them].delivered, ACK, window, 0);
            }
            // A segment ahead of its place, then the one it skipped.
            820..=859 => {
                let seq = sides[me].nxt;
                seg(&mut out, fwd, ts, seq.wrapping_add(1448), ack, ACK, window, 1448);
                ts += pick(rng, 5_000_000) as i64;
                seg(&mut out, fwd, ts, seq, ack, ACK, window, 1448);
                sides[me].nxt = seq.wrapping_add(2896);
                let s = &mut sides[me];
                s.settle();
            }
            // A window scale option where none belongs, or no ACK flag.
            860..=879 => {
                seg(&mut out, fwd, ts, sides[me].nxt, ack, ACK, window, 0);
                let ws = (pick(rng, 2) == 0).then(|| pick(rng, 16) as u8);
                if let Some(s) = out.last_mut() {
                    match ws {
                        Some(_) => s.wscale = ws,
                        None => s.flags = PSH,
                    }
                }
            }
            // Rarely (most connections run on for hundreds of segments): a FIN
            // (its octet counted), a RST, a SYN with a new or the same ISN.
            880..=885 if !since_fin || pick(rng, 4) == 0 => {
                since_fin = true;
                let seq = sides[me].nxt;
                seg(&mut out, fwd, ts, seq, ack, FIN | ACK, window, 0);
                sides[me].nxt = seq.wrapping_add(1);
                sides[me].settle();
            }
            886..=887 => seg(&mut out, fwd, ts, sides[me].nxt, ack, RST | (ACK * pick(rng, 2) as u16), window, 0),
            888 => {
                let seq = if pick(rng, 2) == 0 { sides[me].nxt } else { rng.next() as u32 };
                seg(&mut out, fwd, ts, seq, 0, SYN, window, 0);
            }
            _ => seg(&mut out, fwd, ts, sides[me].nxt, ack, ACK, window, 0),
        }
    }
    out
}
