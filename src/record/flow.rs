//! Owned snapshots of finished flows: the rows of `wirelens flows`.

use serde::Serialize;

use super::Time;
use crate::flow::table::{EndReason, Flow};
use crate::services;

/// One flow, as the reports show it. Byte counts are raw numbers.
#[derive(Debug, Clone, Serialize)]
pub struct FlowRecord {
    pub id: u64,
    pub proto: &'static str,
    pub orig_addr: String,
    pub orig_port: u16,
    pub resp_addr: String,
    pub resp_port: u16,
    /// Well-known service of the responder port, if any.
    pub service: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vlan: Vec<u16>,
    pub start: Time,
    /// Seconds from the first to the last packet.
    pub duration: f64,
    pub first_frame: u64,
    pub last_frame: u64,
    pub orig_pkts: u64,
    pub resp_pkts: u64,
    pub orig_frame_bytes: u64,
    pub resp_frame_bytes: u64,
    pub orig_ip_bytes: u64,
    pub resp_ip_bytes: u64,
    pub orig_payload_bytes: u64,
    pub resp_payload_bytes: u64,
    /// Zeek's flipped case: a SYN-ACK was the first packet seen.
    pub flipped: bool,
    /// Why the flow ended: end_of_capture, idle, reused, evicted.
    pub ended: &'static str,
}

pub fn proto_name(p: u8) -> &'static str {
    match p {
        1 => "icmp",
        6 => "tcp",
        17 => "udp",
        58 => "icmpv6",
        132 => "sctp",
        _ => "ip",
    }
}

impl FlowRecord {
    pub fn from_flow(f: &Flow, why: EndReason) -> FlowRecord {
        let start = Time { secs: f.start.secs, nanos: f.start.nanos };
        let last = Time { secs: f.last.secs, nanos: f.last.nanos };
        let service = match f.proto {
            6 | 17 => services::name(f.resp.1),
            _ => None,
        };
        // Zeek's ICMP "ports": the type and, for echo, the answer's type,
        // else the code (the flow key used the echo id instead).
        let (orig_port, resp_port) = match f.icmp {
            Some((t @ (0 | 8), _)) if f.proto == 1 => (u16::from(t), if t == 8 { 0 } else { 8 }),
            Some((t @ (128 | 129), _)) => (u16::from(t), if t == 128 { 129 } else { 128 }),
            Some((t, c)) => (u16::from(t), u16::from(c)),
            None => (f.orig.1, f.resp.1),
        };
        FlowRecord {
            id: f.id,
            proto: proto_name(f.proto),
            orig_addr: f.orig.0.to_string(),
            orig_port,
            resp_addr: f.resp.0.to_string(),
            resp_port,
            service,
            vlan: f.vlan.iter().copied().filter(|&v| v != 0).collect(),
            start,
            duration: last.since(start).max(0.0),
            first_frame: f.first_frame,
            last_frame: f.last_frame,
            orig_pkts: f.dirs[0].packets,
            resp_pkts: f.dirs[1].packets,
            orig_frame_bytes: f.dirs[0].frame_bytes,
            resp_frame_bytes: f.dirs[1].frame_bytes,
            orig_ip_bytes: f.dirs[0].ip_bytes,
            resp_ip_bytes: f.dirs[1].ip_bytes,
            orig_payload_bytes: f.dirs[0].payload_bytes,
            resp_payload_bytes: f.dirs[1].payload_bytes,
            flipped: f.flipped,
            ended: match why {
                EndReason::EndOfCapture => "end_of_capture",
                EndReason::Idle => "idle",
                EndReason::Reused => "reused",
                EndReason::Evicted => "evicted",
            },
        }
    }
}
