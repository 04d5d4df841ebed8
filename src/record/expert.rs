//! Analysis events: one per verdict per frame, for `wirelens expert`, with
//! tshark's severities (packet-tcp.c's expert fields: `PI_WARN` for what
//! suggests loss or a stalled receiver, `PI_NOTE` for recoveries and
//! probes, `PI_CHAT` for window updates).

use serde::Serialize;

use super::Time;
use crate::flow::tcp::{Analysis, Kind};

#[derive(Debug, Clone, Serialize)]
pub struct ExpertEvent {
    pub frame: u64,
    pub ts: Time,
    pub flow: u64,
    /// snake_case verdict: retransmission, fast_retransmission, dup_ack, ...
    pub kind: &'static str,
    /// warning, note or chat, as tshark's expert info grades it.
    pub severity: &'static str,
    pub evidence: String,
}

pub fn severity(k: Kind) -> &'static str {
    match k {
        Kind::OutOfOrder | Kind::LostSegment | Kind::AckedUnseen | Kind::ZeroWindow | Kind::WindowFull => "warning",
        Kind::WindowUpdate => "chat",
        _ => "note",
    }
}

fn ms(ns: i64) -> String {
    format!("{:.3} ms", ns as f64 / 1e6)
}

/// The evidence for one verdict of a segment's analysis.
pub fn evidence(k: Kind, a: &Analysis) -> String {
    match k {
        Kind::Retransmission => match a.retransmission {
            Some(r) => match (r.original_frame, r.since_original_ns) {
                (Some(f), Some(t)) => {
                    format!("retransmission of seq {} first sent in frame {f}, {} later", a.rel_seq, ms(t))
                }
                _ => format!("retransmission of seq {}: RTO {} since frame {}", a.rel_seq, ms(r.rto_ns), r.rto_frame),
            },
            None => format!("retransmission of seq {}", a.rel_seq),
        },
        Kind::FastRetransmission => match a.fast_retransmission {
            Some(f) => format!(
                "fast retransmission of seq {}: {} duplicate ACKs of frame {} (frames {}..{}), {} after the first",
                a.rel_seq,
                f.dup_acks,
                f.acked_frame,
                f.first_dup_frame,
                f.last_dup_frame,
                ms(f.since_first_dup_ns)
            ),
            None => format!("fast retransmission of seq {}", a.rel_seq),
        },
        Kind::SpuriousRetransmission => {
            format!("seq {} was already acknowledged: the retransmission was not needed", a.rel_seq)
        }
        Kind::OutOfOrder => format!("seq {} arrived after higher sequence numbers", a.rel_seq),
        Kind::LostSegment => match a.lost {
            Some(l) => format!(
                "previous segment not captured: {} bytes missing before seq {} (from seq {})",
                l.missing_bytes, l.before_rel_seq, l.from_rel_seq
            ),
            None => "previous segment not captured".into(),
        },
        Kind::AckedUnseen => match a.acked_unseen {
            Some(u) => format!("ACK {} covers {} bytes the capture never saw", u.rel_ack, u.unseen_bytes),
            None => "acknowledges data the capture never saw".into(),
        },
        Kind::DupAck => match a.dup_ack {
            Some(d) => format!("duplicate ACK #{} of frame {} (ack {})", d.num, d.of_frame, a.rel_ack.unwrap_or(0)),
            None => "duplicate ACK".into(),
        },
        Kind::ZeroWindow => "the receiver advertises a zero window: the sender must stop".into(),
        Kind::ZeroWindowProbe => format!("zero-window probe at seq {}", a.rel_seq),
        Kind::ZeroWindowProbeAck => "answers a zero-window probe".into(),
        Kind::KeepAlive => format!("keep-alive (seq {}, one below the next expected)", a.rel_seq),
        Kind::KeepAliveAck => "answers a keep-alive".into(),
        Kind::WindowUpdate => format!("window grows to {} with nothing else new", a.scaled_window),
        Kind::WindowFull => "this segment fills the receiver's advertised window".into(),
        Kind::ReusedPorts => "a new connection on the ports of an earlier one".into(),
    }
}

/// The events of one analysed segment, one per verdict.
pub fn events(frame: u64, ts: Time, flow: u64, a: &Analysis) -> impl Iterator<Item = ExpertEvent> + '_ {
    a.kinds.iter().map(move |k| ExpertEvent {
        frame,
        ts,
        flow,
        kind: k.name(),
        severity: severity(k),
        evidence: evidence(k, a),
    })
}
