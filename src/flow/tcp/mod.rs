//! TCP analysis of one connection: Wireshark's sequence-number analysis
//! (`tcp.analysis.*` in tshark 4.0), relative numbers, window scaling, RTT,
//! and a summary of what happened to the connection.
//!
//! Owns: the per-connection state machine. It is fed one [`Segment`] at a
//! time, in capture order, with the direction it travels ([`Dir`]), and
//! returns the [`Analysis`] of that segment: the verdicts ([`Kind`]) tshark
//! would give it, with their evidence. [`TcpConn::summary`] condenses the
//! connection so far into a [`ConnSummary`].
//!
//! Must not know: flow keys, addresses or ports, the flow table, capture
//! sources or output formats. Time comes only from the segments (`ts_ns`);
//! nothing here reads a clock. Nothing here panics, whatever the input.
//!
//! The rules follow Wireshark 4.0's `epan/dissectors/packet-tcp.c`
//! (`tcp_analyze_sequence_number`, and the parts of `dissect_tcp` that feed
//! it: port reuse, window scaling, the initial RTT), in the same order, with
//! the same thresholds and the same 32-bit arithmetic, so that the verdicts
//! match tshark's frame for frame. Where tshark 4.0.17's behaviour differs
//! from the source we read, tshark was run on crafted captures and its
//! behaviour is what is implemented (each such place says so).
//!
//! What to feed, to see what tshark sees: every TCP segment of the
//! connection, in capture order, except IP fragments still awaiting
//! reassembly (feed the reassembled segment), TCP headers quoted inside ICMP
//! errors, and segments whose IP length is shorter than their TCP header
//! (tshark analyses none of these). Key connections by the address/port
//! 4-tuple and ask [`TcpConn::is_new_connection`] on each segment: tshark
//! starts a new `tcp.stream` there. Give times relative to any origin
//! (`Segment::ts_ns`).
//!
//! Files: `analyze.rs` (the rules), `unacked.rs` (the unacknowledged segments
//! and what an ACK does to them), `evidence.rs` (what a verdict carries and
//! its text), `summary.rs` (the connection summary), `tests*.rs`. The
//! corpus test (`tests/tcp_analysis_corpus.rs`) compares every verdict and
//! its evidence with tshark's on real and crafted captures.

mod analyze;
mod evidence;
mod ring;
mod summary;
mod unacked;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_summary;

pub use evidence::{AckedUnseen, Acks, Analysis, DupAck, FastRetransmission, Kind, Kinds, Lost, Retransmission};
pub use summary::{
    Close, CloseState, ConnSummary, DirSummary, FrameTime, Handshake, HandshakeOutcome, LossLocation, RttStats,
};

use crate::dissect::tcp_flags;

/// One TCP segment as the analysis needs it: header fields, no bytes.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Frame number in the capture (1-based), used as evidence.
    pub frame: u64,
    /// Capture time in nanoseconds. Only differences are used, so any
    /// fixed origin works (the epoch, or the capture's first frame: the
    /// latter keeps far-future timestamps within `i64`).
    pub ts_ns: i64,
    /// Raw (absolute) sequence and acknowledgement numbers.
    pub seq: u32,
    pub ack: u32,
    /// Flag bits as in [`crate::dissect::tcp_flags`].
    pub flags: u16,
    /// The window field as sent (unscaled).
    pub window: u16,
    /// Payload length on the wire (from the IP lengths, not the capture).
    pub payload_len: u32,
    /// SACK blocks (raw sequence numbers), in option order.
    pub sack: &'a [(u32, u32)],
    /// Window scale option value as sent. Wireshark takes it from any
    /// segment that carries it; only SYNs carry it in practice.
    pub wscale: Option<u8>,
    /// The segment carries the timestamps option (RFC 7323).
    pub has_timestamps: bool,
}

impl Segment<'_> {
    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// A SYN without ACK: the opening of a connection (or a retry of it).
    fn is_pure_syn(&self) -> bool {
        self.flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN
    }
}

/// Direction of a segment within its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    /// The direction of the connection's first packet.
    Fwd,
    Rev,
}

impl Dir {
    pub fn index(self) -> usize {
        match self {
            Dir::Fwd => 0,
            Dir::Rev => 1,
        }
    }

    pub fn other(self) -> Dir {
        match self {
            Dir::Fwd => Dir::Rev,
            Dir::Rev => Dir::Fwd,
        }
    }
}

/// Window scaling of one direction, as tshark's
/// `tcp.window_size_scalefactor` reports it: -1 unknown (the handshake was
/// not seen), -2 not used (a SYN lacked the option), else the multiplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaling {
    #[default]
    Unknown,
    NotUsed,
    /// Shift count, capped at 14 (RFC 7323 §2.3).
    Shift(u8),
}

impl Scaling {
    /// tshark's value: -1, -2, or the multiplier `1 << shift`.
    pub fn factor(self) -> i32 {
        match self {
            Scaling::Unknown => -1,
            Scaling::NotUsed => -2,
            Scaling::Shift(s) => 1 << s.min(14),
        }
    }

    /// The shift to apply to a window, when known.
    pub fn shift(self) -> Option<u8> {
        match self {
            Scaling::Shift(s) => Some(s),
            Scaling::NotUsed => Some(0),
            Scaling::Unknown => None,
        }
    }
}

/// Both directions of one TCP connection.
///
/// A connection that has seen nothing but one SYN (without ACK) keeps that
/// segment, not the state of the rules and the summary (1,472 bytes): a
/// SYN flood's flows never get further, and with `--max-flows 100000` that
/// state was 147 MB of 258 MB of heap (massif). A second segment, or a
/// question only the full state can answer, replays the SYN into a fresh
/// state first: the rules and the summary depend on nothing but the
/// segments they were given, so the result is the same.
#[derive(Debug, Clone)]
pub struct TcpConn(State);

#[derive(Debug, Clone)]
enum State {
    Lone(Lone),
    Full(Box<Full>),
}

impl Default for TcpConn {
    fn default() -> Self {
        TcpConn(State::Lone(Lone::default()))
    }
}

/// A connection before its full state: no segment yet, or one SYN without
/// ACK and without SACK blocks.
#[derive(Debug, Clone, Default)]
struct Lone {
    reuses_ports: bool,
    syn: Option<(Dir, Kept)>,
}

/// A segment without SACK blocks, kept to be replayed: a `Segment`'s
/// fields without its SACK slice, which would add 16 bytes to every flow.
#[derive(Debug, Clone, Copy)]
struct Kept {
    frame: u64,
    ts_ns: i64,
    seq: u32,
    ack: u32,
    payload_len: u32,
    flags: u16,
    window: u16,
    wscale: Option<u8>,
    has_timestamps: bool,
}

impl Kept {
    fn of(s: &Segment<'_>) -> Kept {
        let Segment { frame, ts_ns, seq, ack, flags, window, payload_len, sack: _, wscale, has_timestamps } = *s;
        Kept { frame, ts_ns, seq, ack, payload_len, flags, window, wscale, has_timestamps }
    }

    fn segment(self) -> Segment<'static> {
        let Kept { frame, ts_ns, seq, ack, payload_len, flags, window, wscale, has_timestamps } = self;
        Segment { frame, ts_ns, seq, ack, flags, window, payload_len, sack: &[], wscale, has_timestamps }
    }
}

impl Lone {
    /// A fresh full state, the kept SYN replayed into it.
    fn replayed(&self) -> Box<Full> {
        let mut f = Box::<Full>::default();
        f.engine.first_reuses_ports = self.reuses_ports;
        if let Some((dir, syn)) = self.syn {
            f.segment_into(dir, &syn.segment(), &mut Analysis::default());
        }
        f
    }

    /// Analyses the next segment; the full state once it must be kept.
    #[cold]
    #[inline(never)]
    fn segment(&mut self, dir: Dir, s: &Segment<'_>, a: &mut Analysis) -> Option<Box<Full>> {
        let mut full = self.replayed();
        full.segment_into(dir, s, a);
        if self.syn.is_none() && s.is_pure_syn() && s.sack.is_empty() {
            self.syn = Some((dir, Kept::of(s)));
            return None;
        }
        Some(full)
    }
}

/// The rules' state and the summary.
#[derive(Debug, Clone, Default)]
struct Full {
    engine: analyze::Engine,
    summary: summary::Tracker,
}

impl Full {
    #[inline(always)]
    fn segment_into(&mut self, dir: Dir, s: &Segment<'_>, a: &mut Analysis) {
        self.engine.segment(dir, s, a);
        self.summary.record(dir, s, a, &self.engine);
    }
}

impl TcpConn {
    pub fn new() -> Self {
        Self::default()
    }

    /// A connection that takes over the ports of an earlier one (see
    /// [`TcpConn::is_new_connection`]): its first segment is flagged
    /// [`Kind::ReusedPorts`], as tshark flags the SYN that opens a new
    /// `tcp.stream` on the same addresses and ports.
    pub fn reusing_ports() -> Self {
        TcpConn(State::Lone(Lone { reuses_ports: true, syn: None }))
    }

    /// The full state, kept or replayed.
    fn with_full<R>(&self, f: impl FnOnce(&Full) -> R) -> R {
        match &self.0 {
            State::Full(full) => f(full),
            State::Lone(lone) => f(&lone.replayed()),
        }
    }

    /// Whether `s`, travelling in `dir` of this connection, opens a new
    /// connection on the same addresses and ports. Wireshark (`dissect_tcp`,
    /// "If this is a SYN packet, then check if its seq-nr is different from
    /// the base_seq of the retrieved conversation") starts a new stream for a
    /// SYN without ACK whose sequence number differs from the initial one
    /// already seen from that side, whether or not the old connection was
    /// closed (checked with tshark 4.0.17). A SYN with the same number is a
    /// retry and stays in this connection.
    pub fn is_new_connection(&self, dir: Dir, s: &Segment<'_>) -> bool {
        match &self.0 {
            State::Full(f) => f.engine.is_new_connection(dir, s),
            // A SYN's own number is the base of its side; the other side has
            // none yet (a SYN without ACK gives none).
            State::Lone(l) => l.syn.is_some_and(|(d, syn)| s.is_pure_syn() && d == dir && syn.seq != s.seq),
        }
    }

    /// Analyses one segment. Segments must come in capture order.
    pub fn segment(&mut self, dir: Dir, s: &Segment<'_>) -> Analysis {
        let mut a = Analysis::default();
        self.segment_into(dir, s, &mut a);
        a
    }

    /// [`TcpConn::segment`], written into `a`, which must hold
    /// `Analysis::default()`: the flow table fills its result in place
    /// instead of moving 216 bytes per packet.
    #[inline]
    pub fn segment_into(&mut self, dir: Dir, s: &Segment<'_>, a: &mut Analysis) {
        match &mut self.0 {
            State::Full(f) => f.segment_into(dir, s, a),
            State::Lone(l) => {
                if let Some(full) = l.segment(dir, s, a) {
                    self.0 = State::Full(full);
                }
            }
        }
    }

    /// Window scaling currently known for the segments travelling in `dir`.
    pub fn scaling(&self, dir: Dir) -> Scaling {
        self.with_full(|f| f.engine.scaling(dir))
    }

    /// What happened to the connection so far.
    pub fn summary(&self) -> ConnSummary {
        self.with_full(|f| f.summary.summary(&f.engine))
    }
}
