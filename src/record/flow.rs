//! Owned snapshots of finished flows: the rows of `wirelens flows`.

use serde::Serialize;

use super::Time;
use crate::flow::table::{EndReason, Flow, Side};
use crate::flow::tcp::{CloseState, ConnSummary, Dir, DirSummary, HandshakeOutcome};
use crate::services;

/// The TCP analysis of one direction (segments sent by that side).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TcpDirRecord {
    pub retransmissions: u64,
    pub fast_retransmissions: u64,
    pub spurious_retransmissions: u64,
    pub out_of_order: u64,
    pub lost_segments: u64,
    /// Bytes missing before "previous segment not captured" segments.
    pub missing_bytes: u64,
    pub acked_unseen: u64,
    pub dup_acks: u64,
    pub zero_windows: u64,
    pub zero_window_probes: u64,
    pub keep_alives: u64,
    pub window_full: u64,
    pub window_updates: u64,
    /// Window scale multiplier: -1 unknown (no handshake), -2 not used.
    pub window_scale: i32,
    pub rtt_samples: u64,
    pub rtt_min_ms: Option<f64>,
    pub rtt_avg_ms: Option<f64>,
    pub rtt_max_ms: Option<f64>,
    /// Lost bytes later retransmitted (lost between sender and capture point... or after it).
    pub loss_network_bytes: u64,
    /// Bytes the receiver acknowledged that the capture never saw.
    pub loss_capture_bytes: u64,
    pub reordered_bytes: u64,
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

impl TcpDirRecord {
    fn from(d: &DirSummary) -> Self {
        TcpDirRecord {
            retransmissions: d.retransmissions,
            fast_retransmissions: d.fast_retransmissions,
            spurious_retransmissions: d.spurious_retransmissions,
            out_of_order: d.out_of_order,
            lost_segments: d.lost_segments,
            missing_bytes: d.missing_bytes,
            acked_unseen: d.acked_unseen,
            dup_acks: d.dup_acks,
            zero_windows: d.zero_windows,
            zero_window_probes: d.zero_window_probes,
            keep_alives: d.keep_alives,
            window_full: d.window_full,
            window_updates: d.window_updates,
            window_scale: d.scaling.factor(),
            rtt_samples: d.rtt.samples,
            rtt_min_ms: (d.rtt.samples > 0).then(|| ms(d.rtt.min_ns)),
            rtt_avg_ms: d.rtt.avg_ns().map(ms),
            rtt_max_ms: (d.rtt.samples > 0).then(|| ms(d.rtt.max_ns)),
            loss_network_bytes: d.loss.network_bytes,
            loss_capture_bytes: d.loss.capture_bytes,
            reordered_bytes: d.loss.reordered_bytes,
        }
    }
}

/// One flow, as the reports show it. Byte counts are raw numbers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlowRecord {
    pub id: u64,
    pub proto: &'static str,
    pub orig_addr: String,
    pub orig_port: u16,
    pub resp_addr: String,
    pub resp_port: u16,
    /// Well-known service of the responder port, if any.
    pub service: Option<&'static str>,
    /// The name an earlier DNS answer gave the responder's address.
    pub server_name: Option<String>,
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
    /// Why the flow ended: end_of_capture, idle, reused, evicted (closed: see `EndReason::Closed`).
    pub ended: &'static str,
    /// Zeek's conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH).
    pub state: Option<&'static str>,
    /// Zeek's history letters (upper case: originator).
    pub history: Option<String>,
    /// Zeek's missed_bytes: bytes acknowledged but never seen.
    pub missed_bytes: u64,
    /// TCP: complete, incomplete, refused, unanswered, simultaneous_open, missing.
    pub handshake: Option<&'static str>,
    /// TCP: how it ended, e.g. "fin_orig_first", "rst_by_resp", "half_closed_by_orig", "open".
    pub close: Option<&'static str>,
    pub syn_retries: u32,
    /// tshark's initial RTT (first ACK after the SYN-ACK minus the SYN).
    pub initial_rtt_ms: Option<f64>,
    /// Its halves: SYN→SYN-ACK (capture point to server and back), SYN-ACK→ACK (to client and back).
    pub rtt_server_ms: Option<f64>,
    pub rtt_client_ms: Option<f64>,
    pub rtt_min_ms: Option<f64>,
    pub rtt_avg_ms: Option<f64>,
    pub rtt_max_ms: Option<f64>,
    pub retransmissions: u64,
    pub fast_retransmissions: u64,
    pub spurious_retransmissions: u64,
    pub out_of_order: u64,
    pub lost_segments: u64,
    pub acked_unseen: u64,
    pub dup_acks: u64,
    pub zero_windows: u64,
    pub zero_window_probes: u64,
    pub keep_alives: u64,
    pub window_full: u64,
    pub window_updates: u64,
    /// Where data was lost: none, network (gaps later retransmitted),
    /// capture (gaps acknowledged but never captured), or both.
    pub loss_location: Option<&'static str>,
    /// Per-direction TCP analysis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orig: Option<TcpDirRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resp: Option<TcpDirRecord>,
}

/// Which side of the table's flow Zeek calls the originator. `ZeekConn`
/// is fed with the first packet's sender as its "orig" and says when it
/// flipped that.
fn zeek_orig_side(f: &Flow) -> Side {
    let other = |s: Side| if s == Side::Orig { Side::Resp } else { Side::Orig };
    match &f.zeek {
        Some(z) if z.flipped() => other(f.first_side),
        Some(_) => f.first_side,
        None => Side::Orig,
    }
}

fn handshake_name(h: HandshakeOutcome) -> &'static str {
    match h {
        HandshakeOutcome::Complete => "complete",
        HandshakeOutcome::Incomplete => "incomplete",
        HandshakeOutcome::Refused => "refused",
        HandshakeOutcome::Unanswered => "unanswered",
        HandshakeOutcome::SimultaneousOpen => "simultaneous_open",
        HandshakeOutcome::Missing => "missing",
    }
}

fn close_name(c: CloseState, orig: Dir) -> &'static str {
    match c {
        CloseState::Open => "open",
        CloseState::HalfClosed { by } if by == orig => "half_closed_by_orig",
        CloseState::HalfClosed { .. } => "half_closed_by_resp",
        CloseState::Closed { first } if first == orig => "fin_orig_first",
        CloseState::Closed { .. } => "fin_resp_first",
        CloseState::Reset { by } if by == orig => "rst_by_orig",
        CloseState::Reset { .. } => "rst_by_resp",
    }
}

/// An address as `Display` prints it, through `text` (std's formatting
/// machinery cost 2,900 instructions a flow for the two addresses: most
/// flows of a capture end together at its end, on the critical path).
fn addr_text(a: &std::net::IpAddr) -> String {
    let mut v = Vec::with_capacity(39);
    crate::text::ip(&mut v, a);
    // `text` writes ASCII only; the fallback is never taken.
    String::from_utf8(v).unwrap_or_else(|_| a.to_string())
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
        // The originator as Zeek decides it: the table's rule (first SYN,
        // else first packet, flipped by a leading SYN-ACK) refined by Zeek's
        // own flips (UDP/ICMP towards a likely server port, ...).
        let orig_side = zeek_orig_side(f);
        let (o, r) = (orig_side.index(), 1 - orig_side.index());
        let ends = [f.orig(), f.resp()];
        let service = match f.proto() {
            6 | 17 => services::name(ends[r].1),
            _ => None,
        };
        // ICMP flows carry Zeek's type/counterpart "ports" in their key.
        FlowRecord {
            id: f.id,
            proto: proto_name(f.proto()),
            orig_addr: addr_text(&ends[o].0),
            orig_port: ends[o].1,
            resp_addr: addr_text(&ends[r].0),
            resp_port: ends[r].1,
            service,
            server_name: f.names[r].as_deref().map(str::to_string),
            vlan: f.vlan().iter().copied().filter(|&v| v != 0).collect(),
            start,
            duration: last.since(start).max(0.0),
            first_frame: f.first_frame,
            last_frame: f.last_frame,
            orig_pkts: f.dirs[o].packets,
            resp_pkts: f.dirs[r].packets,
            orig_frame_bytes: f.dirs[o].frame_bytes,
            resp_frame_bytes: f.dirs[r].frame_bytes,
            orig_ip_bytes: f.dirs[o].ip_bytes,
            resp_ip_bytes: f.dirs[r].ip_bytes,
            orig_payload_bytes: f.dirs[o].payload_bytes,
            resp_payload_bytes: f.dirs[r].payload_bytes,
            flipped: orig_side != f.first_side,
            ended: match why {
                EndReason::EndOfCapture => "end_of_capture",
                EndReason::Idle => "idle",
                EndReason::Reused => "reused",
                EndReason::Evicted => "evicted",
                EndReason::Closed => "closed",
            },
            state: f.zeek.as_ref().map(|z| z.conn_state()),
            history: f.zeek.as_ref().map(|z| z.history()),
            missed_bytes: f.zeek.as_ref().map_or(0, |z| z.missed_bytes()),
            handshake: None,
            close: None,
            syn_retries: 0,
            initial_rtt_ms: None,
            rtt_server_ms: None,
            rtt_client_ms: None,
            rtt_min_ms: None,
            rtt_avg_ms: None,
            rtt_max_ms: None,
            retransmissions: 0,
            fast_retransmissions: 0,
            spurious_retransmissions: 0,
            out_of_order: 0,
            lost_segments: 0,
            acked_unseen: 0,
            dup_acks: 0,
            zero_windows: 0,
            zero_window_probes: 0,
            keep_alives: 0,
            window_full: 0,
            window_updates: 0,
            loss_location: None,
            orig: None,
            resp: None,
        }
        .with_tcp(f)
    }

    /// Fills the TCP analysis fields from the flow's connection summary.
    fn with_tcp(mut self, f: &Flow) -> Self {
        let Some(conn) = &f.tcp_conn else { return self };
        let s: ConnSummary = conn.summary();
        // The analysis' forward direction is the first packet's sender.
        let orig_dir = if zeek_orig_side(f) == f.first_side { Dir::Fwd } else { Dir::Rev };
        let (o, r) = (s.dir(orig_dir), s.dir(orig_dir.other()));
        let both = |g: fn(&DirSummary) -> u64| g(o) + g(r);
        self.handshake = Some(handshake_name(s.handshake.outcome));
        self.close = Some(close_name(s.close.state, orig_dir));
        self.syn_retries = s.handshake.syn_retries;
        self.initial_rtt_ms = s.handshake.initial_rtt_ns.map(ms);
        self.rtt_server_ms = s.handshake.syn_to_syn_ack_ns.map(ms);
        self.rtt_client_ms = s.handshake.syn_ack_to_ack_ns.map(ms);
        let samples = o.rtt.samples + r.rtt.samples;
        if samples > 0 {
            let dirs = [o, r];
            let with = || dirs.iter().filter(|d| d.rtt.samples > 0);
            self.rtt_min_ms = with().map(|d| d.rtt.min_ns).min().map(ms);
            self.rtt_max_ms = with().map(|d| d.rtt.max_ns).max().map(ms);
            let sum: i128 = dirs.iter().map(|d| d.rtt.sum_ns).sum();
            self.rtt_avg_ms = Some(ms((sum / i128::from(samples)) as i64));
        }
        self.retransmissions = both(|d| d.retransmissions);
        self.fast_retransmissions = both(|d| d.fast_retransmissions);
        self.spurious_retransmissions = both(|d| d.spurious_retransmissions);
        self.out_of_order = both(|d| d.out_of_order);
        self.lost_segments = both(|d| d.lost_segments);
        self.acked_unseen = both(|d| d.acked_unseen);
        self.dup_acks = both(|d| d.dup_acks);
        self.zero_windows = both(|d| d.zero_windows);
        self.zero_window_probes = both(|d| d.zero_window_probes);
        self.keep_alives = both(|d| d.keep_alives);
        self.window_full = both(|d| d.window_full);
        self.window_updates = both(|d| d.window_updates);
        let network = both(|d| d.loss.network_bytes) > 0;
        let capture = both(|d| d.loss.capture_bytes) > 0;
        self.loss_location = Some(match (network, capture) {
            (false, false) => "none",
            (true, false) => "network",
            (false, true) => "capture",
            (true, true) => "network+capture",
        });
        self.orig = Some(TcpDirRecord::from(o));
        self.resp = Some(TcpDirRecord::from(r));
        self
    }
}
