//! TCP analysis against tshark 4.0.17, frame by frame.
//!
//! Every corpus capture whose tshark reference has TCP frames
//! (`../shared/corpus/expected/tshark-4.0.17/*.fields.tsv.gz`, or under
//! `$WIRELENS_CORPUS`), every `samples/*.pcap`, and every crafted capture
//! of `tests/data/tcp_analysis/crafted/` (made from its script by
//! `craft.py`; references for these two by `make-refs.sh`, both in
//! `tests/data/tcp_analysis/`), is read, dissected and fed to one
//! `TcpConn` per connection: keyed by the normalised address/port 4-tuple, a
//! SYN that `TcpConn::is_new_connection` calls new starting a new connection,
//! as tshark starts a new `tcp.stream`. The verdicts of each frame are
//! compared with tshark's (`_ws.expert.message`); agreement per kind is
//! (frames where both agree it is there) / (frames where either says so),
//! and must reach 99.5% for every kind. For the samples and crafted
//! captures the evidence (ACKed
//! frame, duplicate ACK numbers and frames, relative numbers, scaled window,
//! scaling factor, initial RTT) is compared too.
//!
//! Every remaining difference is listed in `KNOWN` with its reason; a
//! difference not listed there fails the test, so does a listed one that no
//! longer happens.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use wirelens::capture::{FileReader, PacketSource, Timestamp};
use wirelens::dissect::{Dissector, Fragment, Layer, Problem};
use wirelens::flow::tcp::{Analysis, Dir, Kind, Kinds, Segment, TcpConn};

/// Differences with tshark that are understood: (capture, frame, kind,
/// reason). `kind` is the verdict that differs.
const KNOWN: &[(&str, u64, Kind, &str)] = &[];

/// Frames analysed by one side only, or whose evidence differs: (capture,
/// frame, reason).
const KNOWN_OTHER: &[(&str, u64, &str)] = &[
    (
        "pp_tcp-reassembly.pcap",
        66,
        "an sFlow datagram (UDP 6343) quoting sampled packet headers: tshark decodes the TCP headers inside the \
         samples and analyses them as segments; wirelens does not decode sFlow",
    ),
    (
        "td_timestamp_invalid_micro.pcap",
        3,
        "the record's fraction is out of range (ts_usec >= 1e6): wirelens carries it into the seconds (as \
         libpcap's arithmetic does), tshark 4.0 keeps the overflowed fraction, so times and RTTs differ",
    ),
    (
        "td_timestamp_invalid_nano.pcap",
        3,
        "the record's fraction is out of range (ts_nsec >= 1e9): wirelens carries it into the seconds, tshark \
         4.0 keeps the overflowed fraction, so times and RTTs differ",
    ),
];

fn corpus() -> PathBuf {
    match std::env::var_os("WIRELENS_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    }
}

fn gunzip(path: &Path) -> String {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut s = String::new();
    flate2::read::GzDecoder::new(f).read_to_string(&mut s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    s
}

/// tshark's view of one frame.
#[derive(Debug, Default, Clone)]
struct Ref {
    stream: Option<u64>,
    kinds: Kinds,
    dup_num: Option<u32>,
    fields: HashMap<String, String>,
}

/// The verdict an expert message stands for (messages are comma-joined by
/// tshark; ours contain no comma, so a piece must match a whole message).
fn kind_of_message(m: &str) -> Option<(Kind, Option<u32>)> {
    if let Some(rest) = m.strip_prefix("Duplicate ACK (#") {
        return Some((Kind::DupAck, rest.trim_end_matches(')').parse().ok()));
    }
    Kind::ALL.into_iter().find(|k| k.expert_message() == m).map(|k| (k, None))
}

fn parse_ref(text: &str) -> BTreeMap<u64, Ref> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (frame_c, stream_c, msg_c) = (col("frame.number"), col("tcp.stream"), col("_ws.expert.message"));
    let mut out = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).copied().unwrap_or("");
        let Ok(frame) = cell(frame_c).parse::<u64>() else { continue };
        let stream = cell(stream_c).split(',').next().and_then(|s| s.parse().ok());
        if stream.is_none() {
            continue;
        }
        let mut r = Ref { stream, ..Ref::default() };
        for piece in cell(msg_c).split(',') {
            if let Some((k, n)) = kind_of_message(piece) {
                r.kinds.insert(k);
                if k == Kind::DupAck {
                    r.dup_num = n;
                }
            }
        }
        // tshark lists fast and spurious retransmissions as retransmissions
        // too; so do we.
        for (h, name) in header.iter().zip(cells.iter()) {
            if h.starts_with("tcp.") {
                r.fields.insert(h.to_string(), name.to_string());
            }
        }
        out.insert(frame, r);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    lo: (IpAddr, u16),
    hi: (IpAddr, u16),
}

/// Our analysis of one frame, with the connection it went to.
struct Ours {
    conn: usize,
    a: Analysis,
    payload_len: u32,
}

/// capture → dissect → one TcpConn per connection.
fn analyse(path: &Path) -> BTreeMap<u64, Ours> {
    let mut out = BTreeMap::new();
    let Ok(mut reader) = FileReader::open(&path.to_string_lossy()) else { return out };
    let mut dissector = Dissector::new();
    // Per connection: id, state, the endpoint that sent its first packet,
    // and its first frame's time: times are given relative to it, since
    // differences are all the analysis uses and some captures span more
    // than i64 nanoseconds (pp_pcapng-example.pcapng jumps to the year
    // 586,000 halfway).
    let mut conns: HashMap<Key, (usize, TcpConn, (IpAddr, u16), Timestamp)> = HashMap::new();
    let mut next_id = 0usize;
    while let Ok(Some(frame)) = reader.next_frame() {
        let p = dissector.dissect(&frame);
        let (Some(ip), Some(t)) = (p.ip.as_ref(), p.tcp()) else { continue };
        // tshark analyses only whole segments: not fragments held for
        // reassembly, not segments shorter than their own header.
        if matches!(ip.fragment, Fragment::Held | Fragment::Dropped) {
            continue;
        }
        if p.error.is_some_and(|e| e.layer == Layer::Tcp && matches!(e.problem, Problem::TooShort { .. })) {
            continue;
        }
        let src = (ip.src, t.sport);
        let dst = (ip.dst, t.dport);
        let key = if src <= dst { Key { lo: src, hi: dst } } else { Key { lo: dst, hi: src } };
        let sack = &t.options.sack[..usize::from(t.options.sack_count).min(t.options.sack.len())];
        let mut seg = Segment {
            frame: p.number,
            ts_ns: 0,
            seq: t.seq,
            ack: t.ack,
            flags: t.flags,
            window: t.window,
            payload_len: t.payload_len,
            sack,
            wscale: t.options.wscale,
            has_timestamps: t.options.timestamp.is_some(),
        };
        let entry = conns.entry(key).or_insert_with(|| {
            next_id += 1;
            (next_id - 1, TcpConn::new(), src, p.ts)
        });
        let mut dir = if entry.2 == src { Dir::Fwd } else { Dir::Rev };
        if entry.1.is_new_connection(dir, &seg) {
            next_id += 1;
            *entry = (next_id - 1, TcpConn::reusing_ports(), src, p.ts);
            dir = Dir::Fwd;
        }
        seg.ts_ns = p.ts.nanos_since(entry.3);
        let a = entry.1.segment(dir, &seg);
        out.insert(p.number, Ours { conn: entry.0, a, payload_len: t.payload_len });
    }
    out
}

#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    tshark: u64,
    ours: u64,
    both: u64,
}

impl Tally {
    fn either(&self) -> u64 {
        self.tshark + self.ours - self.both
    }

    fn agreement(&self) -> f64 {
        if self.either() == 0 { 1.0 } else { self.both as f64 / self.either() as f64 }
    }
}

/// A difference: capture, frame, kind, what tshark and we said.
type Diff = (String, u64, Kind, bool, bool);

struct Outcome {
    tallies: BTreeMap<Kind, Tally>,
    diffs: Vec<Diff>,
    /// Other mismatches (streams, evidence): capture, frame, text.
    other: Vec<(String, u64, String)>,
    frames: u64,
}

fn compare(name: &str, refs: &BTreeMap<u64, Ref>, ours: &BTreeMap<u64, Ours>, evidence: bool, out: &mut Outcome) {
    let empty = Ref::default();
    let mut stream_map: HashMap<usize, u64> = HashMap::new();
    let frames: std::collections::BTreeSet<u64> = refs.keys().chain(ours.keys()).copied().collect();
    for f in frames {
        out.frames += 1;
        let r = refs.get(&f).unwrap_or(&empty);
        let o = ours.get(&f);
        let ok = o.map(|o| o.a.kinds).unwrap_or_default();
        for k in Kind::ALL {
            let (t, w) = (r.kinds.contains(k), ok.contains(k));
            let tally = out.tallies.entry(k).or_default();
            tally.tshark += u64::from(t);
            tally.ours += u64::from(w);
            // A duplicate ACK agrees only with the same number.
            let same = t && w && (k != Kind::DupAck || r.dup_num == o.and_then(|o| o.a.dup_ack).map(|d| d.num));
            tally.both += u64::from(same);
            if (t || w) && !same {
                out.diffs.push((name.to_string(), f, k, t, w));
            }
        }
        let (Some(o), Some(rs)) = (o, r.stream) else {
            if o.is_some() != r.stream.is_some() {
                let who = if o.is_some() { "us only" } else { "tshark only" };
                out.other.push((name.to_string(), f, format!("analysed by {who}")));
            }
            continue;
        };
        if *stream_map.entry(o.conn).or_insert(rs) != rs {
            out.other.push((name.to_string(), f, format!("our connection {} is tshark stream {rs}", o.conn)));
        }
        if evidence {
            check_evidence(name, f, r, o, &mut out.other);
        }
    }
}

/// Compares the evidence fields tshark printed for a frame with ours.
fn check_evidence(name: &str, f: u64, r: &Ref, o: &Ours, other: &mut Vec<(String, u64, String)>) {
    let a = &o.a;
    let secs = |ns: i64| {
        let sign = if ns < 0 { "-" } else { "" };
        let a = ns.unsigned_abs();
        format!("{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000)
    };
    let opt = |v: Option<String>| v.unwrap_or_default();
    let mut checks: Vec<(&str, String)> = vec![
        ("tcp.seq", a.rel_seq.to_string()),
        ("tcp.ack", opt(a.rel_ack.map(|x| x.to_string()))),
        ("tcp.len", o.payload_len.to_string()),
        ("tcp.window_size", a.scaled_window.to_string()),
        ("tcp.analysis.duplicate_ack_num", opt(a.dup_ack.map(|d| d.num.to_string()))),
        ("tcp.analysis.duplicate_ack_frame", opt(a.dup_ack.map(|d| d.of_frame.to_string()))),
        ("tcp.analysis.acks_frame", opt(a.acks.map(|x| x.frame.to_string()))),
    ];
    if a.rel_ack.is_none() {
        // tshark shows the raw field as the ACK number when the flag is off.
        checks.retain(|c| c.0 != "tcp.ack");
    }
    if !a.has(Kind::ReusedPorts) && r.fields.get("tcp.window_size_scalefactor").is_some_and(|v| !v.is_empty()) {
        checks.push(("tcp.window_size_scalefactor", a.scaling.factor().to_string()));
    }
    // tshark prints the initial RTT only on frames that carry analysis data.
    if r.fields.get("tcp.analysis.initial_rtt").is_some_and(|v| !v.is_empty()) {
        checks.push(("tcp.analysis.initial_rtt", opt(a.initial_rtt_ns.map(secs))));
    }
    // tshark's RTO reference, shown for plain retransmissions.
    if r.fields.get("tcp.analysis.rto_frame").is_some_and(|v| !v.is_empty()) {
        checks.push(("tcp.analysis.rto_frame", opt(a.retransmission.map(|x| x.rto_frame.to_string()))));
    }
    // RTTs: ours leave out retransmitted segments (Karn); compare the rest.
    // tshark prints no RTT of exactly zero.
    if let Some(rtt) = a.acks.and_then(|x| x.rtt_ns).filter(|&t| t != 0) {
        checks.push(("tcp.analysis.ack_rtt", secs(rtt)));
    }
    for (field, ours) in checks {
        let theirs = r.fields.get(field).cloned().unwrap_or_default();
        if theirs != ours {
            other.push((name.to_string(), f, format!("{field} tshark {theirs:?} ours {ours:?}")));
        }
    }
}

fn tcp_corpus_captures() -> Vec<(String, PathBuf, PathBuf)> {
    let root = corpus();
    let refs = root.join("expected/tshark-4.0.17");
    let index = std::fs::read_to_string(root.join("INDEX.tsv"))
        .unwrap_or_else(|e| panic!("corpus not found at {} ({e}); set WIRELENS_CORPUS", root.display()));
    let mut out = Vec::new();
    for line in index.lines().skip(1) {
        let Some(name) = line.split('\t').next() else { continue };
        let r = refs.join(format!("{name}.fields.tsv.gz"));
        if !r.exists() {
            continue;
        }
        let text = gunzip(&r);
        // Captures with at least one TCP frame in tshark's view.
        if parse_ref(&text).is_empty() {
            continue;
        }
        out.push((name.to_string(), root.join("captures").join(name), r));
    }
    out
}

#[test]
fn tcp_analysis_matches_tshark() {
    let mut outcome = Outcome { tallies: BTreeMap::new(), diffs: Vec::new(), other: Vec::new(), frames: 0 };
    let mut files = 0;
    let evidence_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tcp_analysis/corpus");
    for (name, capture, reference) in tcp_corpus_captures() {
        let mut refs = parse_ref(&gunzip(&reference));
        // The evidence fields, from our own tshark run on the capture.
        let evidence = evidence_dir.join(format!("{name}.tcp.tsv.gz"));
        let has_evidence = evidence.exists();
        if has_evidence {
            for (f, e) in parse_ref(&gunzip(&evidence)) {
                if let Some(r) = refs.get_mut(&f) {
                    r.fields = e.fields;
                }
            }
        }
        compare(&name, &refs, &analyse(&capture), has_evidence, &mut outcome);
        files += 1;
    }
    // The samples and the crafted captures, with their evidence.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("tests/data/tcp_analysis");
    let mut inputs: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (dir, refs) in [(root.join("samples"), data.clone()), (data.join("crafted"), data.join("crafted"))] {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.retain(|n| n.ends_with(".pcap"));
        names.sort();
        inputs.extend(names.into_iter().map(|n| (dir.join(&n), refs.join(format!("{n}.tcp.tsv.gz")))));
    }
    assert!(inputs.len() >= 20, "samples or crafted captures missing: {inputs:?}");
    for (capture, reference) in inputs {
        let name = capture.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let refs = parse_ref(&gunzip(&reference));
        compare(&name, &refs, &analyse(&capture), true, &mut outcome);
        files += 1;
    }

    println!("{files} captures, {} TCP frames", outcome.frames);
    println!("{:<24} {:>7} {:>7} {:>7} {:>9}", "kind", "tshark", "ours", "both", "agree");
    for (k, t) in &outcome.tallies {
        println!("{:<24} {:>7} {:>7} {:>7} {:>8.3}%", k.name(), t.tshark, t.ours, t.both, t.agreement() * 100.0);
    }
    let known = |d: &Diff| KNOWN.iter().find(|(f, n, k, _)| *f == d.0 && *n == d.1 && *k == d.2);
    let mut unexplained = 0;
    for d in &outcome.diffs {
        let why = known(d).map(|k| k.3).unwrap_or("UNEXPLAINED");
        unexplained += usize::from(known(d).is_none());
        println!("diff {} frame {} {}: tshark {} ours {} -- {why}", d.0, d.1, d.2.name(), d.3, d.4);
    }
    let known_other = |o: &(String, u64, String)| KNOWN_OTHER.iter().find(|k| k.0 == o.0 && k.1 == o.1);
    let mut unexplained_other = 0;
    for o in &outcome.other {
        let why = known_other(o).map(|k| k.2).unwrap_or("UNEXPLAINED");
        unexplained_other += usize::from(known_other(o).is_none());
        println!("other {} frame {}: {} -- {why}", o.0, o.1, o.2);
    }
    let mut stale: Vec<String> = KNOWN
        .iter()
        .filter(|(f, n, k, _)| !outcome.diffs.iter().any(|d| d.0 == *f && d.1 == *n && d.2 == *k))
        .map(|k| format!("{k:?}"))
        .collect();
    stale.extend(
        KNOWN_OTHER
            .iter()
            .filter(|k| !outcome.other.iter().any(|o| o.0 == k.0 && o.1 == k.1))
            .map(|k| format!("{k:?}")),
    );
    for s in &stale {
        println!("stale known difference: {s}");
    }
    for (k, t) in &outcome.tallies {
        assert!(t.agreement() >= 0.995, "{}: agreement {:.3}% below 99.5%", k.name(), t.agreement() * 100.0);
    }
    assert_eq!(unexplained, 0, "unexplained differences with tshark (see the output above)");
    assert_eq!(unexplained_other, 0, "unexplained stream or evidence mismatches (see the output above)");
    assert!(stale.is_empty(), "known differences that no longer happen");
}
