//! The flow tracker's per-packet results as filter fields: `tcp.stream`,
//! `tcp.analysis.*` with Wireshark's names, so `-Y tcp.analysis.retransmission`
//! selects what it selects in tshark.

use super::{ExtraField, ExtraFields, FieldType, Value};
use crate::flow::tcp::{Analysis, Kind};

const KINDS: [(u32, &str, Kind, &str); 14] = [
    (1, "tcp.analysis.retransmission", Kind::Retransmission, "a (suspected) retransmission"),
    (2, "tcp.analysis.fast_retransmission", Kind::FastRetransmission, "a (suspected) fast retransmission"),
    (3, "tcp.analysis.spurious_retransmission", Kind::SpuriousRetransmission, "a retransmission of data already ACKed"),
    (4, "tcp.analysis.out_of_order", Kind::OutOfOrder, "a (suspected) out-of-order segment"),
    (5, "tcp.analysis.lost_segment", Kind::LostSegment, "previous segment(s) not captured"),
    (6, "tcp.analysis.ack_lost_segment", Kind::AckedUnseen, "ACKs a segment that was not captured"),
    (7, "tcp.analysis.duplicate_ack", Kind::DupAck, "a duplicate ACK"),
    (8, "tcp.analysis.zero_window", Kind::ZeroWindow, "advertises a zero window"),
    (9, "tcp.analysis.zero_window_probe", Kind::ZeroWindowProbe, "a zero-window probe"),
    (10, "tcp.analysis.zero_window_probe_ack", Kind::ZeroWindowProbeAck, "ACK of a zero-window probe"),
    (11, "tcp.analysis.keep_alive", Kind::KeepAlive, "a keep-alive"),
    (12, "tcp.analysis.keep_alive_ack", Kind::KeepAliveAck, "ACK of a keep-alive"),
    (13, "tcp.analysis.window_update", Kind::WindowUpdate, "a window update"),
    (14, "tcp.analysis.window_full", Kind::WindowFull, "fills the receiver's window"),
];

const STREAM: u32 = 100;
const FLAGS: u32 = 101;
const ACK_RTT: u32 = 102;
const DUP_ACK_NUM: u32 = 103;
const INITIAL_RTT: u32 = 104;

/// Every analysis field, for `Filter::compile_with`.
pub fn fields() -> Vec<ExtraField> {
    let mut v: Vec<ExtraField> = KINDS
        .iter()
        .map(|&(id, name, _, description)| ExtraField { name, ty: FieldType::Bool, id, description })
        .collect();
    v.push(ExtraField {
        name: "tcp.stream",
        ty: FieldType::U64,
        id: STREAM,
        description: "the flow id (wirelens numbers TCP, UDP and ICMP flows together)",
    });
    v.push(ExtraField {
        name: "tcp.analysis.flags",
        ty: FieldType::Bool,
        id: FLAGS,
        description: "any analysis verdict",
    });
    v.push(ExtraField {
        name: "tcp.analysis.ack_rtt",
        ty: FieldType::Float,
        id: ACK_RTT,
        description: "seconds from a data segment to this ACK",
    });
    v.push(ExtraField {
        name: "tcp.analysis.duplicate_ack_num",
        ty: FieldType::U32,
        id: DUP_ACK_NUM,
        description: "number of this duplicate ACK in its run",
    });
    v.push(ExtraField {
        name: "tcp.analysis.initial_rtt",
        ty: FieldType::Float,
        id: INITIAL_RTT,
        description: "the connection's handshake RTT in seconds",
    });
    v
}

/// One packet's flow results.
pub struct AnalysisFields<'a> {
    pub flow: Option<u64>,
    pub analysis: Option<&'a Analysis>,
}

impl ExtraFields for AnalysisFields<'_> {
    fn value(&self, id: u32) -> Option<Value<'_>> {
        match id {
            STREAM => self.flow.filter(|_| self.analysis.is_some()).map(Value::UInt),
            FLAGS => {
                let a = self.analysis?;
                // tshark's tcp.analysis.flags is the verdicts that are warnings or notes, not window updates alone.
                (!a.kinds.is_empty()).then_some(Value::Bool(true))
            }
            ACK_RTT => self.analysis?.acks?.rtt_ns.map(|ns| Value::Float(ns as f64 / 1e9)),
            DUP_ACK_NUM => self.analysis?.dup_ack.map(|d| Value::UInt(u64::from(d.num))),
            INITIAL_RTT => self.analysis?.initial_rtt_ns.map(|ns| Value::Float(ns as f64 / 1e9)),
            _ => {
                let &(_, _, kind, _) = KINDS.iter().find(|k| k.0 == id)?;
                let a = self.analysis?;
                a.has(kind).then_some(Value::Bool(true))
            }
        }
    }
}
