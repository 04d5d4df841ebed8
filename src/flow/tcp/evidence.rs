//! What the analysis says about one segment: the verdicts, in tshark's
//! terms, and the evidence behind each. Plain data (no strings, no heap);
//! [`Analysis::describe`] turns it into a sentence for people.

use std::fmt::Write as _;

use super::Scaling;

/// A verdict of the sequence analysis, named after tshark's
/// `tcp.analysis.*` fields (snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    Retransmission,
    FastRetransmission,
    SpuriousRetransmission,
    OutOfOrder,
    /// tshark's `lost_segment`: "previous segment(s) not captured".
    LostSegment,
    /// tshark's `ack_lost_segment`: "ACKed segment that wasn't captured".
    AckedUnseen,
    DupAck,
    ZeroWindow,
    ZeroWindowProbe,
    ZeroWindowProbeAck,
    KeepAlive,
    KeepAliveAck,
    WindowUpdate,
    WindowFull,
    /// A new connection on the ports of an earlier one.
    ReusedPorts,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Retransmission,
        Kind::FastRetransmission,
        Kind::SpuriousRetransmission,
        Kind::OutOfOrder,
        Kind::LostSegment,
        Kind::AckedUnseen,
        Kind::DupAck,
        Kind::ZeroWindow,
        Kind::ZeroWindowProbe,
        Kind::ZeroWindowProbeAck,
        Kind::KeepAlive,
        Kind::KeepAliveAck,
        Kind::WindowUpdate,
        Kind::WindowFull,
        Kind::ReusedPorts,
    ];

    /// snake_case name, as in the output formats.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Retransmission => "retransmission",
            Kind::FastRetransmission => "fast_retransmission",
            Kind::SpuriousRetransmission => "spurious_retransmission",
            Kind::OutOfOrder => "out_of_order",
            Kind::LostSegment => "lost_segment",
            Kind::AckedUnseen => "acked_unseen",
            Kind::DupAck => "dup_ack",
            Kind::ZeroWindow => "zero_window",
            Kind::ZeroWindowProbe => "zero_window_probe",
            Kind::ZeroWindowProbeAck => "zero_window_probe_ack",
            Kind::KeepAlive => "keep_alive",
            Kind::KeepAliveAck => "keep_alive_ack",
            Kind::WindowUpdate => "window_update",
            Kind::WindowFull => "window_full",
            Kind::ReusedPorts => "reused_ports",
        }
    }

    /// tshark 4.0's expert-info text for the verdict (`_ws.expert.message`);
    /// a duplicate ACK's text carries its number: "Duplicate ACK (#n)".
    pub fn expert_message(self) -> &'static str {
        match self {
            Kind::Retransmission => "This frame is a (suspected) retransmission",
            Kind::FastRetransmission => "This frame is a (suspected) fast retransmission",
            Kind::SpuriousRetransmission => "This frame is a (suspected) spurious retransmission",
            Kind::OutOfOrder => "This frame is a (suspected) out-of-order segment",
            Kind::LostSegment => "Previous segment(s) not captured (common at capture start)",
            Kind::AckedUnseen => "ACKed segment that wasn't captured (common at capture start)",
            Kind::DupAck => "Duplicate ACK",
            Kind::ZeroWindow => "TCP Zero Window segment",
            Kind::ZeroWindowProbe => "TCP Zero Window Probe",
            Kind::ZeroWindowProbeAck => "ACK to a TCP Zero Window Probe",
            Kind::KeepAlive => "TCP keep-alive segment",
            Kind::KeepAliveAck => "ACK to a TCP keep-alive segment",
            Kind::WindowUpdate => "TCP window update",
            Kind::WindowFull => "TCP window specified by the receiver is now completely full",
            Kind::ReusedPorts => "A new tcp session is started with the same ports as an earlier session in this trace",
        }
    }

    /// The Info-column tag tshark prepends ("[TCP Retransmission]" ...).
    pub fn info_tag(self) -> &'static str {
        match self {
            Kind::Retransmission => "TCP Retransmission",
            Kind::FastRetransmission => "TCP Fast Retransmission",
            Kind::SpuriousRetransmission => "TCP Spurious Retransmission",
            Kind::OutOfOrder => "TCP Out-Of-Order",
            Kind::LostSegment => "TCP Previous segment not captured",
            Kind::AckedUnseen => "TCP ACKed unseen segment",
            Kind::DupAck => "TCP Dup ACK",
            Kind::ZeroWindow => "TCP ZeroWindow",
            Kind::ZeroWindowProbe => "TCP ZeroWindowProbe",
            Kind::ZeroWindowProbeAck => "TCP ZeroWindowProbeAck",
            Kind::KeepAlive => "TCP Keep-Alive",
            Kind::KeepAliveAck => "TCP Keep-Alive ACK",
            Kind::WindowUpdate => "TCP Window Update",
            Kind::WindowFull => "TCP Window Full",
            Kind::ReusedPorts => "TCP Port numbers reused",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u8)
    }
}

/// A set of [`Kind`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Kinds(u16);

impl Kinds {
    pub const EMPTY: Kinds = Kinds(0);

    pub fn contains(self, k: Kind) -> bool {
        self.0 & k.bit() != 0
    }

    pub fn insert(&mut self, k: Kind) {
        self.0 |= k.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn iter(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }
}

impl FromIterator<Kind> for Kinds {
    fn from_iter<I: IntoIterator<Item = Kind>>(iter: I) -> Self {
        let mut s = Kinds::EMPTY;
        for k in iter {
            s.insert(k);
        }
        s
    }
}

/// A duplicate ACK: its number in the run and the ACK it repeats
/// (`tcp.analysis.duplicate_ack_num`, `duplicate_ack_frame`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DupAck {
    pub num: u32,
    pub of_frame: u64,
}

/// Where a retransmitted segment was first sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retransmission {
    /// The earlier segment (still unacknowledged) that carried this
    /// sequence number, when one was seen; with the time since it.
    pub original_frame: Option<u64>,
    pub since_original_ns: Option<i64>,
    /// tshark's `tcp.analysis.rto_frame` / `rto`: the oldest unacknowledged
    /// segment of the direction, else the segment that last advanced the
    /// sequence number, and the time since it.
    pub rto_frame: u64,
    pub rto_ns: i64,
}

/// The duplicate ACKs that made a retransmission "fast". tshark also calls
/// a retransmission fast right after an ACK of unseen data (its counter's
/// "-1" state passes its ">= 2" test): then `dup_acks` is 0 and so are the
/// duplicate frames and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FastRetransmission {
    /// Duplicate ACKs counted in the other direction.
    pub dup_acks: u32,
    /// The ACK they repeat, and the first and last duplicate.
    pub acked_frame: u64,
    pub first_dup_frame: u64,
    pub last_dup_frame: u64,
    /// Time from the first duplicate ACK to this segment.
    pub since_first_dup_ns: i64,
}

/// Bytes missing before a segment ("previous segment(s) not captured").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lost {
    pub missing_bytes: u32,
    /// Relative sequence number of the first missing byte, and of this
    /// segment (the bytes in between were not seen).
    pub from_rel_seq: u32,
    pub before_rel_seq: u32,
}

/// An ACK for data of the other direction that the capture never showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckedUnseen {
    /// The relative acknowledgement number.
    pub rel_ack: u32,
    /// Bytes acknowledged beyond the highest sequence number seen.
    pub unseen_bytes: u32,
}

/// Which earlier segment this ACK covers (`tcp.analysis.acks_frame`) and
/// the round trip (`tcp.analysis.ack_rtt`). The RTT is left out when the
/// segment was retransmitted: the ACK may answer either copy (Karn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acks {
    pub frame: u64,
    pub rtt_ns: Option<i64>,
}

/// The analysis of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Analysis {
    pub kinds: Kinds,
    /// Sequence number relative to the direction's initial one (SYN = 0;
    /// without the SYN the first segment seen is 1), as tshark shows it.
    pub rel_seq: u32,
    /// Relative acknowledgement number, when the ACK flag is set.
    pub rel_ack: Option<u32>,
    /// The window as sent, and scaled by the direction's known factor
    /// (`tcp.window_size`; SYN windows are never scaled).
    pub window: u16,
    pub scaled_window: u32,
    /// Scaling known when this segment was sent (`window_size_scalefactor`).
    pub scaling: Scaling,
    pub dup_ack: Option<DupAck>,
    pub retransmission: Option<Retransmission>,
    pub fast_retransmission: Option<FastRetransmission>,
    pub lost: Option<Lost>,
    pub acked_unseen: Option<AckedUnseen>,
    pub acks: Option<Acks>,
    /// The connection's initial RTT once known (`tcp.analysis.initial_rtt`).
    pub initial_rtt_ns: Option<i64>,
}

impl Analysis {
    pub fn has(&self, k: Kind) -> bool {
        self.kinds.contains(k)
    }

    /// tshark's expert messages for this segment, in the order tshark adds
    /// them (reuse, retransmissions, loss, window, keep-alive, duplicate
    /// ACK, zero window), e.g. "Duplicate ACK (#2)".
    pub fn expert_messages(&self) -> Vec<String> {
        const ORDER: [Kind; 15] = [
            Kind::ReusedPorts,
            Kind::Retransmission,
            Kind::FastRetransmission,
            Kind::SpuriousRetransmission,
            Kind::OutOfOrder,
            Kind::LostSegment,
            Kind::AckedUnseen,
            Kind::WindowUpdate,
            Kind::WindowFull,
            Kind::KeepAlive,
            Kind::KeepAliveAck,
            Kind::DupAck,
            Kind::ZeroWindowProbe,
            Kind::ZeroWindow,
            Kind::ZeroWindowProbeAck,
        ];
        let mut out = Vec::new();
        for k in ORDER {
            if !self.has(k) {
                continue;
            }
            match (k, self.dup_ack) {
                (Kind::DupAck, Some(d)) => out.push(format!("Duplicate ACK (#{})", d.num)),
                _ => out.push(k.expert_message().to_string()),
            }
        }
        out
    }

    /// One line for people: the verdicts with their evidence, then the ACK.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let ms = |ns: i64| format!("{:.3} ms", ns as f64 / 1e6);
        if self.has(Kind::ReusedPorts) {
            parts.push("new connection on the ports of an earlier one".into());
        }
        if self.fast_retransmission.is_some_and(|f| f.dup_acks == 0) {
            parts.push("fast retransmission (tshark's rule after an ACK of unseen data, no duplicate ACKs)".into());
        } else if let Some(f) = self.fast_retransmission {
            parts.push(format!(
                "fast retransmission after {} duplicate ACKs of frame {} (frames {}..{}), {} after the first",
                f.dup_acks,
                f.acked_frame,
                f.first_dup_frame,
                f.last_dup_frame,
                ms(f.since_first_dup_ns)
            ));
        } else if self.has(Kind::SpuriousRetransmission) {
            parts.push("spurious retransmission: all its data was already acknowledged".into());
        } else if self.has(Kind::Retransmission) {
            let mut s = String::from("retransmission");
            if let Some(r) = self.retransmission {
                match (r.original_frame, r.since_original_ns) {
                    (Some(f), Some(t)) => {
                        let _ = write!(s, " of frame {f}, {} later", ms(t));
                    }
                    _ => {
                        let _ = write!(s, " (RTO {} from frame {})", ms(r.rto_ns), r.rto_frame);
                    }
                }
            }
            parts.push(s);
        }
        if self.has(Kind::OutOfOrder) {
            parts.push("out of order".into());
        }
        if let Some(l) = self.lost {
            parts.push(format!(
                "{} bytes not captured before it (seq {}..{})",
                l.missing_bytes, l.from_rel_seq, l.before_rel_seq
            ));
        }
        if let Some(u) = self.acked_unseen {
            parts.push(format!("acknowledges {} bytes never seen (ack {})", u.unseen_bytes, u.rel_ack));
        }
        if let Some(d) = self.dup_ack {
            parts.push(format!("duplicate ACK #{} of frame {}", d.num, d.of_frame));
        }
        for (k, text) in [
            (Kind::ZeroWindow, "zero window"),
            (Kind::ZeroWindowProbe, "zero-window probe"),
            (Kind::ZeroWindowProbeAck, "answers a zero-window probe"),
            (Kind::KeepAlive, "keep-alive"),
            (Kind::KeepAliveAck, "answers a keep-alive"),
            (Kind::WindowUpdate, "window update"),
            (Kind::WindowFull, "fills the receiver's window"),
        ] {
            if self.has(k) {
                parts.push(text.into());
            }
        }
        if let Some(a) = self.acks {
            match a.rtt_ns {
                Some(t) => parts.push(format!("acks frame {} (RTT {})", a.frame, ms(t))),
                None => parts.push(format!("acks frame {} (retransmitted: no RTT)", a.frame)),
            }
        }
        if parts.is_empty() {
            return "in order".into();
        }
        parts.join("; ")
    }
}
