//! Rows of a connection's ladder diagram: one per segment, owned, with what
//! the diagram prints and marks.

use serde::Serialize;

use super::Time;
use super::info::tcp_flag_names;
use crate::dissect::{Packet, tcp_flags};
use crate::flow::table::Side;
use crate::flow::tcp::{Analysis, Kind};

#[derive(Debug, Clone, Serialize)]
pub struct LadderRow {
    pub frame: u64,
    pub ts: Time,
    /// Sent by the originator (left column) or the responder (right).
    pub from_orig: bool,
    pub flags: u16,
    pub flag_names: String,
    pub seq: u32,
    pub ack: Option<u32>,
    pub len: u32,
    pub window: u32,
    /// Analysis verdicts (snake_case) and their tshark tags.
    pub kinds: Vec<&'static str>,
    pub tags: Vec<String>,
    /// Nothing notable: a plain data or ACK segment that may be folded.
    pub plain: bool,
}

impl LadderRow {
    pub fn new(p: &Packet<'_>, side: Side, a: &Analysis) -> Option<LadderRow> {
        let t = p.tcp()?;
        let notable_flags = t.flags & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST | tcp_flags::URG) != 0;
        let tags: Vec<String> = a
            .kinds
            .iter()
            .filter(|k| !(*k == Kind::Retransmission && a.has(Kind::FastRetransmission)))
            .map(|k| match (k, a.dup_ack) {
                (Kind::DupAck, Some(d)) => format!("Dup ACK #{} of {}", d.num, d.of_frame),
                _ => k.info_tag().trim_start_matches("TCP ").to_string(),
            })
            .collect();
        Some(LadderRow {
            frame: p.number,
            ts: Time { secs: p.ts.secs, nanos: p.ts.nanos },
            from_orig: side == Side::Orig,
            flags: t.flags,
            flag_names: tcp_flag_names(t.flags, ","),
            seq: a.rel_seq,
            ack: a.rel_ack,
            len: t.payload_len,
            window: a.scaled_window,
            kinds: a.kinds.iter().map(Kind::name).collect(),
            plain: !notable_flags && a.kinds.is_empty(),
            tags,
        })
    }
}
