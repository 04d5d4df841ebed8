//! The flow record as one line of JSON, written by hand into a buffer the
//! caller reuses.
//!
//! Why not `serde_json::to_vec`: a capture's flows mostly end together, at
//! its end (the benchmark capture: 9,332 of 9,599), so their rows are
//! written one after the other once the analysis is done, by one thread,
//! and nothing else runs meanwhile. Through serde every one of the 70 keys
//! went through the string escaper byte by byte, the start time through
//! chrono's `strftime` parser, and the row through a fresh, growing `Vec`:
//! 30 ms for 9,599 rows, about 6 % of the whole run. Keys here are
//! constants, numbers go through `text`, and only strings that need it are
//! escaped.
//!
//! The bytes are exactly serde_json's for the derived `Serialize` (the
//! same keys in the same order, floats through serde_json's own
//! formatter, non-finite floats as `null`); a test holds the two together
//! on every flow of the corpus and on records made to be awkward. Other
//! JSON output (summaries, reports of a few rows) stays with serde.

use std::io;

use serde_json::ser::{CompactFormatter, Formatter};

use crate::record::Time;
use crate::record::flow::{FlowRecord, TcpDirRecord};
use crate::text;

/// `,"name":` as one constant: a key is written with a single copy.
macro_rules! k {
    ($name:literal) => {
        concat!(",\"", $name, "\":")
    };
}
/// Appends `r` as serde_json would write it, without a newline.
pub fn flow(out: &mut Vec<u8>, r: &FlowRecord) {
    // A TCP flow's row is about 1,500 bytes: room for all of it at once.
    out.reserve(2048);
    let o = &mut Obj::new(out);
    o.u64(k!("id"), r.id);
    o.str(k!("proto"), r.proto);
    o.str(k!("orig_addr"), &r.orig_addr);
    o.u64(k!("orig_port"), u64::from(r.orig_port));
    o.str(k!("resp_addr"), &r.resp_addr);
    o.u64(k!("resp_port"), u64::from(r.resp_port));
    o.opt_str(k!("service"), r.service);
    o.opt_str(k!("server_name"), r.server_name.as_deref());
    if !r.vlan.is_empty() {
        o.key(k!("vlan"));
        o.out.push(b'[');
        for (i, v) in r.vlan.iter().enumerate() {
            if i > 0 {
                o.out.push(b',');
            }
            text::u64(o.out, u64::from(*v));
        }
        o.out.push(b']');
    }
    o.key(k!("start"));
    time(o.out, r.start);
    o.f64(k!("duration"), r.duration);
    o.u64(k!("first_frame"), r.first_frame);
    o.u64(k!("last_frame"), r.last_frame);
    o.u64(k!("orig_pkts"), r.orig_pkts);
    o.u64(k!("resp_pkts"), r.resp_pkts);
    o.u64(k!("orig_frame_bytes"), r.orig_frame_bytes);
    o.u64(k!("resp_frame_bytes"), r.resp_frame_bytes);
    o.u64(k!("orig_ip_bytes"), r.orig_ip_bytes);
    o.u64(k!("resp_ip_bytes"), r.resp_ip_bytes);
    o.u64(k!("orig_payload_bytes"), r.orig_payload_bytes);
    o.u64(k!("resp_payload_bytes"), r.resp_payload_bytes);
    o.bool(k!("flipped"), r.flipped);
    o.str(k!("ended"), r.ended);
    o.opt_str(k!("state"), r.state);
    o.opt_str(k!("history"), r.history.as_deref());
    o.u64(k!("missed_bytes"), r.missed_bytes);
    o.opt_str(k!("handshake"), r.handshake);
    o.opt_str(k!("close"), r.close);
    o.u64(k!("syn_retries"), u64::from(r.syn_retries));
    o.opt_f64(k!("initial_rtt_ms"), r.initial_rtt_ms);
    o.opt_f64(k!("rtt_server_ms"), r.rtt_server_ms);
    o.opt_f64(k!("rtt_client_ms"), r.rtt_client_ms);
    o.opt_f64(k!("rtt_min_ms"), r.rtt_min_ms);
    o.opt_f64(k!("rtt_avg_ms"), r.rtt_avg_ms);
    o.opt_f64(k!("rtt_max_ms"), r.rtt_max_ms);
    o.u64(k!("retransmissions"), r.retransmissions);
    o.u64(k!("fast_retransmissions"), r.fast_retransmissions);
    o.u64(k!("spurious_retransmissions"), r.spurious_retransmissions);
    o.u64(k!("out_of_order"), r.out_of_order);
    o.u64(k!("lost_segments"), r.lost_segments);
    o.u64(k!("acked_unseen"), r.acked_unseen);
    o.u64(k!("dup_acks"), r.dup_acks);
    o.u64(k!("zero_windows"), r.zero_windows);
    o.u64(k!("zero_window_probes"), r.zero_window_probes);
    o.u64(k!("keep_alives"), r.keep_alives);
    o.u64(k!("window_full"), r.window_full);
    o.u64(k!("window_updates"), r.window_updates);
    o.opt_str(k!("loss_location"), r.loss_location);
    for (name, d) in [(k!("orig"), &r.orig), (k!("resp"), &r.resp)] {
        if let Some(d) = d {
            o.key(name);
            dir(o.out, d);
        }
    }
    o.out.push(b'}');
}

fn dir(out: &mut Vec<u8>, d: &TcpDirRecord) {
    let o = &mut Obj::new(out);
    o.u64(k!("retransmissions"), d.retransmissions);
    o.u64(k!("fast_retransmissions"), d.fast_retransmissions);
    o.u64(k!("spurious_retransmissions"), d.spurious_retransmissions);
    o.u64(k!("out_of_order"), d.out_of_order);
    o.u64(k!("lost_segments"), d.lost_segments);
    o.u64(k!("missing_bytes"), d.missing_bytes);
    o.u64(k!("acked_unseen"), d.acked_unseen);
    o.u64(k!("dup_acks"), d.dup_acks);
    o.u64(k!("zero_windows"), d.zero_windows);
    o.u64(k!("zero_window_probes"), d.zero_window_probes);
    o.u64(k!("keep_alives"), d.keep_alives);
    o.u64(k!("window_full"), d.window_full);
    o.u64(k!("window_updates"), d.window_updates);
    o.key(k!("window_scale"));
    text::i64(o.out, i64::from(d.window_scale));
    o.u64(k!("rtt_samples"), d.rtt_samples);
    o.opt_f64(k!("rtt_min_ms"), d.rtt_min_ms);
    o.opt_f64(k!("rtt_avg_ms"), d.rtt_avg_ms);
    o.opt_f64(k!("rtt_max_ms"), d.rtt_max_ms);
    o.u64(k!("loss_network_bytes"), d.loss_network_bytes);
    o.u64(k!("loss_capture_bytes"), d.loss_capture_bytes);
    o.u64(k!("reordered_bytes"), d.reordered_bytes);
    o.out.push(b'}');
}

/// An object being written: `{` is out, `}` is the caller's.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// A key from [`k!`]: `,"name":`, without its comma if it is the first.
    /// Keys are the fields' names: plain ASCII, nothing to escape. These
    /// methods are inlined (always) so that each key's length is a
    /// constant and its copy a few moves, not a call to `memcpy`.
    #[inline(always)]
    fn key(&mut self, k: &str) {
        let k = k.as_bytes();
        let k = if self.first { &k[1..] } else { k };
        self.first = false;
        self.out.extend_from_slice(k);
    }

    #[inline(always)]
    fn u64(&mut self, k: &str, v: u64) {
        self.key(k);
        text::u64(self.out, v);
    }

    #[inline(always)]
    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
    }

    #[inline(always)]
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        string(self.out, v);
    }

    #[inline(always)]
    fn opt_str(&mut self, k: &str, v: Option<&str>) {
        self.key(k);
        match v {
            Some(s) => string(self.out, s),
            None => self.out.extend_from_slice(b"null"),
        }
    }

    #[inline(always)]
    fn f64(&mut self, k: &str, v: f64) {
        self.key(k);
        float(self.out, v);
    }

    #[inline(always)]
    fn opt_f64(&mut self, k: &str, v: Option<f64>) {
        self.key(k);
        match v {
            Some(v) => float(self.out, v),
            None => self.out.extend_from_slice(b"null"),
        }
    }
}

/// serde_json's float: its own formatter, `null` for NaN and infinities
/// (what its `serialize_f64` does).
fn float(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        // Writing to a Vec cannot fail.
        let _: io::Result<()> = CompactFormatter.write_f64(out, v);
    } else {
        out.extend_from_slice(b"null");
    }
}

/// A JSON string. serde_json escapes `"`, `\` and the control characters
/// below 0x20 and nothing else (UTF-8 goes out as it is); a string without
/// any of them, every address and name in practice, is copied whole.
fn string(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        // Writing to a Vec cannot fail, and a &str always serializes.
        let _ = serde_json::to_writer(&mut *out, s);
        return;
    }
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Whether `b` holds a byte serde_json escapes (`"`, `\\`, below 0x20):
/// eight bytes at a time (the zero-byte test of "Bit Twiddling Hacks",
/// exact for each of the three), as a byte loop cost 140 instructions a
/// string and a row has nine of them.
fn needs_escape(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // `zero(x)` sets the high bit of a byte of `x` that is zero, `low` of a
    // byte under 0x20. As a whole word's answer both are exact; a byte
    // above the first hit may be flagged wrongly (the borrow), and bytes
    // with the high bit set (never escaped) are masked out by `ascii`.
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        let ascii = !x & HI;
        let low = x.wrapping_sub(LO * 0x20) & !x & HI;
        let quote = zero(x ^ (LO * u64::from(b'"')));
        let slash = zero(x ^ (LO * u64::from(b'\\')));
        if (low | quote | slash) & ascii != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\')
}

/// `Time::rfc3339` as a JSON string (it has nothing to escape).
fn time(out: &mut Vec<u8>, t: Time) {
    out.push(b'"');
    t.push_rfc3339(out);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_escape_test_eight_bytes_at_a_time_is_the_byte_loop() {
        let naive = |b: &[u8]| b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
        // Every byte value at every place of strings of 1 to 19 bytes, among
        // plain ASCII and among bytes with the high bit set (UTF-8 runs).
        for len in 1..20 {
            for fill in [b'a', 0xc3, 0x80, 0xff, 0x20, 0x5c + 1] {
                for at in 0..len {
                    for v in 0..=255u8 {
                        let mut b = vec![fill; len];
                        b[at] = v;
                        assert_eq!(needs_escape(&b), naive(&b), "{b:?}");
                    }
                }
            }
        }
        // Two marks, one of them past a byte that borrows.
        for a in [0u8, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xff] {
            for c in [0u8, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xff, b'x'] {
                for (i, j) in [(0, 1), (0, 7), (3, 4), (6, 9), (7, 8)] {
                    let mut b = vec![b'x'; 12];
                    b[i] = a;
                    b[j] = c;
                    assert_eq!(needs_escape(&b), naive(&b), "{b:?}");
                }
            }
        }
    }

    fn same(r: &FlowRecord) {
        let mut mine = Vec::new();
        flow(&mut mine, r);
        let serde = serde_json::to_vec(r).unwrap();
        assert_eq!(String::from_utf8_lossy(&mine), String::from_utf8_lossy(&serde));
    }

    fn dir_record(k: u64) -> TcpDirRecord {
        TcpDirRecord {
            retransmissions: k,
            fast_retransmissions: k + 1,
            spurious_retransmissions: k + 2,
            out_of_order: k + 3,
            lost_segments: k + 4,
            missing_bytes: k + 5,
            acked_unseen: k + 6,
            dup_acks: k + 7,
            zero_windows: k + 8,
            zero_window_probes: k + 9,
            keep_alives: k + 10,
            window_full: k + 11,
            window_updates: k + 12,
            window_scale: -2,
            rtt_samples: u64::MAX,
            rtt_min_ms: Some(0.1 + 0.2),
            rtt_avg_ms: Some(f64::NAN),
            rtt_max_ms: None,
            loss_network_bytes: 1,
            loss_capture_bytes: 0,
            reordered_bytes: 10_000_000_000,
        }
    }

    #[test]
    fn a_default_record_is_serdes() {
        same(&FlowRecord::default());
    }

    #[test]
    fn awkward_records_are_serdes() {
        let base = FlowRecord {
            id: u64::MAX,
            proto: "tcp",
            orig_addr: "fd00:200:1::2".into(),
            orig_port: 65535,
            resp_addr: "10.0.0.1".into(),
            resp_port: 0,
            service: Some("http"),
            server_name: Some("naïve \"quoted\" \\ tab\t nl\n bell\u{7} del\u{7f} é中".into()),
            vlan: vec![1, 4095],
            start: Time { secs: 1_700_000_000, nanos: 5 },
            duration: 1e-7,
            flipped: true,
            ended: "end_of_capture",
            state: Some("SF"),
            history: Some("ShADadFf".into()),
            handshake: Some("complete"),
            close: Some("fin_orig_first"),
            syn_retries: u32::MAX,
            initial_rtt_ms: Some(-0.0),
            rtt_server_ms: Some(f64::INFINITY),
            rtt_client_ms: Some(123456789.123),
            rtt_min_ms: Some(1e300),
            rtt_avg_ms: Some(5e-324),
            rtt_max_ms: Some(f64::NEG_INFINITY),
            loss_location: Some("network"),
            orig: Some(dir_record(3)),
            resp: Some(dir_record(u64::MAX - 20)),
            ..FlowRecord::default()
        };
        same(&base);
        same(&FlowRecord { orig: None, vlan: vec![7], ..base.clone() });
        same(&FlowRecord { resp: None, server_name: Some(String::new()), ..base.clone() });
        // Times: before the epoch, at leap days, the last second of a
        // year, a leap second's nanos, and out of chrono's range.
        for (secs, nanos) in [
            (0, 0),
            (-1, 999_999_999),
            (-62_135_596_800, 0),
            (-62_135_596_801, 0),
            (253_402_300_799, 999_999_999),
            (253_402_300_800, 0),
            (951_782_400, 1),
            (1_483_228_799, 1_500_000_000),
            (i64::MAX, 0),
            (i64::MIN, 0),
        ] {
            same(&FlowRecord { start: Time { secs, nanos }, ..base.clone() });
        }
    }
}
