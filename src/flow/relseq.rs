//! Relative sequence numbers and window scaling, per TCP direction.
//!
//! Wireshark (packet-tcp.c) shows sequence numbers relative to the first one
//! seen in each direction: a SYN's sequence number is the base (so the SYN is
//! Seq=0 and the first data byte Seq=1); when the capture starts mid-stream,
//! the base is the first sequence number minus one, so that stream shows
//! Seq=1 as if its SYN had been seen. Acknowledgements are relative to the
//! other direction's base, and an ACK seen before any segment of the other
//! direction sets that base to ack - 1.
//!
//! The window scale shift comes from the SYN and SYN-ACK (RFC 7323 §2.2):
//! it applies only if both sides sent the option; without the handshake the
//! scale is unknown and windows are shown unscaled. A new SYN on a closed
//! connection starts over, as tshark starts a new `tcp.stream`.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::dissect::{Packet, tcp_flags};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    lo: (IpAddr, u16),
    hi: (IpAddr, u16),
}

#[derive(Debug, Clone, Copy, Default)]
struct Dir {
    base: Option<u32>,
    /// Shift from this side's SYN; `None` = this side's SYN not seen.
    syn_wscale: Option<Option<u8>>,
    fin_or_rst: bool,
}

#[derive(Debug, Default)]
struct Conn {
    dirs: [Dir; 2],
}

/// Relative numbers for one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relative {
    pub seq: u32,
    /// Relative acknowledgement when the ACK flag is set.
    pub ack: Option<u32>,
    /// Window after scaling, when the scale is known (`None` = unknown).
    pub window: u64,
    /// Shift applied: `Some(n)` known (0 = no scaling), `None` unknown.
    pub wscale: Option<u8>,
}

#[derive(Debug, Default)]
pub struct RelSeq {
    conns: HashMap<Key, Conn>,
}

/// At most this many connections are remembered; beyond it the table is
/// cleared (numbers restart as for a mid-stream capture), keeping memory
/// bounded on SYN floods. The flow tracker proper evicts by age.
const MAX_CONNS: usize = 1 << 20;

impl RelSeq {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn segment(&mut self, p: &Packet<'_>) -> Option<Relative> {
        let ip = p.ip.as_ref()?;
        let t = p.tcp()?;
        let a = (ip.src, t.sport);
        let b = (ip.dst, t.dport);
        let (key, side) = if a <= b { (Key { lo: a, hi: b }, 0) } else { (Key { lo: b, hi: a }, 1) };
        if self.conns.len() >= MAX_CONNS && !self.conns.contains_key(&key) {
            self.conns.clear();
        }
        let syn = t.has(tcp_flags::SYN);
        let conn = self.conns.entry(key).or_default();
        if syn && !t.has(tcp_flags::ACK) {
            let closed = conn.dirs.iter().any(|d| d.fin_or_rst);
            let other_base = conn.dirs[side].base;
            if closed || other_base.is_some_and(|b| b != t.seq) {
                *conn = Conn::default();
            }
        }
        let me = &mut conn.dirs[side];
        if syn {
            me.base = Some(t.seq);
            me.syn_wscale = Some(t.options.wscale.map(|s| s.min(14)));
        } else if me.base.is_none() {
            me.base = Some(t.seq.wrapping_sub(1));
        }
        if t.has(tcp_flags::FIN) || t.has(tcp_flags::RST) {
            me.fin_or_rst = true;
        }
        let base = me.base.unwrap_or(t.seq);
        let seq = t.seq.wrapping_sub(base);
        let ack = if t.has(tcp_flags::ACK) {
            let other = &mut conn.dirs[1 - side];
            let ob = *other.base.get_or_insert(t.ack.wrapping_sub(1));
            Some(t.ack.wrapping_sub(ob))
        } else {
            None
        };
        let wscale = match (conn.dirs[side].syn_wscale, conn.dirs[1 - side].syn_wscale) {
            (Some(Some(mine)), Some(Some(_))) => Some(mine),
            (Some(_), Some(_)) => Some(0),
            _ => None,
        };
        // Windows in SYN segments are never scaled (RFC 7323 §2.2).
        let shift = if syn { 0 } else { wscale.unwrap_or(0) };
        Some(Relative { seq, ack, window: u64::from(t.window) << shift, wscale })
    }
}
