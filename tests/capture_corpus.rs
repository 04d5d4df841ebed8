//! Capture layer (`wirelens::capture`) against the reference corpus and hand-made files.
//!
//! - every corpus file: frame count and link types as INDEX.tsv says, every frame's time,
//!   lengths and interface as tshark 4.0.17 printed them, and the right error for the files
//!   libpcap rejects (expected/libpcap/savefile_reject_errors.txt);
//! - (hand-built pcap and pcapng files are in `capture_built.rs`);
//! - truncation, gzip, trickling and failing readers;
//! - property tests: random and mutated input never panics, always terminates, stays bounded.

mod reader_support;

use std::collections::{BTreeSet, HashMap};
use std::io::{Cursor, Read};

use proptest::prelude::*;
use reader_support::*;
use wirelens::capture::{CaptureError, CaptureErrorKind, FileFormat, FileReader, LinkType, PacketSource};

// ---------------------------------------------------------------------------------------------
// Corpus

struct Row {
    file: String,
    format: String,
    linktype: String,
    ifaces: usize,
    packets: u64,
    exercises: String,
}

fn index() -> Vec<Row> {
    let text = std::fs::read_to_string(format!("{CORPUS}/INDEX.tsv")).expect("INDEX.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
    let (f, fm, lt, ifc, pk, ex) =
        (col("file"), col("format"), col("linktype"), col("ifaces"), col("packets"), col("exercises"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row {
                file: c[f].to_string(),
                format: c[fm].to_string(),
                linktype: c[lt].to_string(),
                ifaces: c[ifc].parse().unwrap(),
                packets: c[pk].parse().unwrap(),
                exercises: c[ex].to_string(),
            }
        })
        .collect()
}

/// tshark's frame.time_epoch / frame.len / frame.cap_len / frame.interface_id per frame.
struct TsharkFrame {
    time: String,
    len: u32,
    cap_len: usize,
    interface: Option<u32>,
}

fn tshark_frames(file: &str) -> Option<Vec<TsharkFrame>> {
    let path = format!("{CORPUS}/expected/tshark-4.0.17/{file}.fields.tsv.gz");
    let gz = std::fs::read(path).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (t, l, c, i) = (col("frame.time_epoch"), col("frame.len"), col("frame.cap_len"), col("frame.interface_id"));
    Some(
        lines
            .map(|line| {
                let v: Vec<&str> = line.split('\t').collect();
                TsharkFrame {
                    time: v[t].to_string(),
                    len: v[l].parse().unwrap(),
                    cap_len: v[c].parse().unwrap(),
                    interface: v[i].parse().ok(),
                }
            })
            .collect(),
    )
}

fn link_label(l: LinkType) -> String {
    match l.dlt_name() {
        "UNKNOWN" => l.0.to_string(),
        n => n.to_string(),
    }
}

/// The files libpcap refuses to open, with the error we give.
fn expected_rejection(file: &str, e: &CaptureError) {
    use CaptureErrorKind::*;
    assert_eq!(e.packet, None, "{file}: rejected at open");
    match (file, &e.kind) {
        ("lp_pcap-invalid-version-1.pcap", UnsupportedVersion { major: 1, minor: 4 }) => {}
        ("lp_pcap-invalid-version-2.pcap", UnsupportedVersion { major: 2, minor: 5 }) => {}
        ("lp_pcapng-invalid-vers-1.pcapng", UnsupportedVersion { major: 0, minor: 1 }) => {}
        ("lp_pcapng-invalid-vers-2.pcapng", UnsupportedVersion { major: 1, minor: 1 }) => {}
        // libpcap does not check the first SHB's trailer and trips on the IDB's (32 vs
        // 0x30303030); the SHB's own trailer (length 52) is already wrong.
        ("lp_shb-option-too-long.pcapng", BadBlockLength { block_type: 0x0A0D_0D0A, length: 52, .. }) => {}
        ("lp_linktype-reserved-field-not-zero.pcap", Malformed(m)) if m.contains("0x00300000") => {}
        _ => panic!("{file}: unexpected error {e}"),
    }
}

#[test]
fn corpus_files_match_index_and_tshark() {
    let rows = index();
    assert!(rows.len() >= 120, "INDEX.tsv has {} rows", rows.len());
    let mut compared = 0;
    for row in &rows {
        let path = capture_path(&row.file);
        let opened = FileReader::open(&path);
        if row.exercises.starts_with("REJECT") {
            let e = opened.err().unwrap_or_else(|| panic!("{}: should be rejected", row.file));
            expected_rejection(&row.file, &e);
            assert!(e.to_string().starts_with(&path), "{e}");
            continue;
        }
        let mut r = opened.unwrap_or_else(|e| panic!("{e}"));
        let (recs, err) = drain(&mut r);
        if let Some(e) = err {
            panic!("{}: {e}", row.file);
        }
        assert_eq!(recs.len() as u64, row.packets, "{}: frame count", row.file);

        // Format column: "pcap LE ts=us", "pcapng BE ts=us", "modified-pcap(kuznetzov) LE".
        match r.format() {
            FileFormat::Pcap { big_endian, nanosecond, modified, .. } => {
                assert!(row.format.starts_with(if *modified { "modified-pcap" } else { "pcap " }), "{}", row.file);
                assert_eq!(*big_endian, row.format.contains(" BE"), "{}", row.file);
                assert_eq!(*nanosecond, row.format.contains("ts=ns"), "{}", row.file);
            }
            FileFormat::PcapNg { big_endian, .. } => {
                assert!(row.format.starts_with("pcapng "), "{}", row.file);
                assert_eq!(*big_endian, row.format.contains(" BE"), "{}", row.file);
                assert_eq!(r.interfaces().len(), row.ifaces, "{}: interfaces", row.file);
            }
        }

        // Link types: "EN10MB", "EN10MB+NULL+RAW", "253", "-" (no interface).
        let expected: BTreeSet<String> = row.linktype.split('+').filter(|s| *s != "-").map(str::to_string).collect();
        let got: BTreeSet<String> = r.interfaces().iter().map(|i| link_label(i.link)).collect();
        assert_eq!(got, expected, "{}: link types", row.file);

        // Every frame against tshark, except those whose timestamp fraction is out of range:
        // we carry it into the seconds, tshark prints it raw or overflowed (checked below).
        let odd_time: BTreeSet<u64> = r
            .stats()
            .warnings
            .iter()
            .filter(|w| w.contains("timestamp fraction"))
            .filter_map(|w| w.strip_prefix("packet ")?.split(':').next()?.parse().ok())
            .collect();
        // (tshark also lists pcapng custom blocks as records: rp_test017-*, 0 packets.)
        if let Some(ts) = tshark_frames(&row.file).filter(|t| t.len() as u64 == row.packets) {
            assert_eq!(ts.len(), recs.len(), "{}: tshark frame count", row.file);
            for (t, rec) in ts.iter().zip(&recs) {
                let what = format!("{} frame {}", row.file, rec.number);
                assert_eq!(t.len, rec.orig_len, "{what}: len");
                assert_eq!(t.cap_len, rec.caplen, "{what}: cap_len");
                if matches!(r.format(), FileFormat::PcapNg { .. }) {
                    assert_eq!(t.interface, Some(rec.interface), "{what}: interface");
                }
                if odd_time.contains(&rec.number) {
                    continue;
                }
                if t.time.is_empty() {
                    // Simple Packet Block: no timestamp (tshark prints none, we give 0).
                    assert_eq!((rec.secs, rec.nanos), (0, 0), "{what}");
                    continue;
                }
                assert_eq!(format!("{}.{:09}", rec.secs, rec.nanos), t.time, "{what}: time");
            }
            compared += 1;
        }
    }
    assert!(compared >= 110, "compared {compared} files with tshark");
}

fn frames_of(name: &str) -> (FileReader, Vec<Rec>) {
    let mut r = FileReader::open(&capture_path(name)).unwrap();
    let (recs, err) = drain(&mut r);
    assert!(err.is_none(), "{name}: {err:?}");
    (r, recs)
}

#[test]
fn exact_timestamps_from_tshark() {
    let t = |name: &str, n: usize| {
        let (_, recs) = frames_of(name);
        let r = &recs[n - 1];
        (format!("{}.{:09}", r.secs, r.nanos), r.orig_len, r.caplen)
    };
    // 64-bit pcapng timestamp past 2106 (u32 seconds would wrap).
    assert_eq!(t("td_time_2107.pcapng", 1), ("4323283200.000000000".into(), 98, 98));
    // if_tsresol 9 and 6 in one file.
    assert_eq!(t("zk_pcapng-multi-interface.pcapng", 1), ("1767663089.500330493".into(), 96, 96));
    assert_eq!(t("zk_pcapng-multi-interface.pcapng", 3), ("1767663437.111897000".into(), 70, 70));
    // Big-endian nanosecond pcap.
    assert_eq!(t("pp_nanosecs_big_endian.pcap", 1), ("1766361926.167647291".into(), 74, 74));
    // Modified (Kuznetzov) pcap, 24-byte record headers.
    assert_eq!(t("rp_modified-format.pcap", 1), ("1712763541.734807000".into(), 98, 98));
    // snaplen-truncated frame: caplen < orig_len.
    assert_eq!(t("td_dns_udp_2.pcap", 2).2, 98);
    // Out-of-range fractions carry into the seconds: tshark prints "1418145370.1000000000".
    assert_eq!(t("td_timestamp_invalid_micro.pcap", 1).0, "1418145369.999999000");
    assert_eq!(t("td_timestamp_invalid_micro.pcap", 2).0, "1418145371.000000000");
    assert_eq!(t("td_timestamp_invalid_nano.pcap", 2).0, "1418145371.000000000");
    // ts fraction 0x80000000 ns = 2.147483648 s (tshark shows a negative number).
    assert_eq!(t("td_timestamp_invalid_nano.pcap", 3).0, "1418145372.147483648");
    let (r, _) = frames_of("td_timestamp_invalid_nano.pcap");
    assert_eq!(r.stats().warnings.len(), 2, "{:?}", r.stats().warnings);
    assert!(r.stats().warnings[0].starts_with("packet 2: "), "{:?}", r.stats().warnings);
    // Simple Packet Blocks have no timestamp.
    assert_eq!(t("rp_test016-le.pcapng", 1), ("0.000000000".into(), 314, 314));
    assert_eq!(t("rp_test016-be.pcapng", 2).0, "1340954905.298858000");
}

#[test]
fn corpus_metadata() {
    let (r, recs) = frames_of("td_dns_tcp.pcap");
    assert_eq!(
        r.format(),
        &FileFormat::Pcap { big_endian: false, nanosecond: false, version: (2, 4), modified: false }
    );
    assert_eq!(r.format().describe(), "Wireshark/tcpdump/... - pcap (little-endian, microsecond)");
    assert_eq!(r.interfaces()[0].snaplen, 262144);
    assert_eq!(r.stats().sections, 1);
    assert_eq!(r.stats().bytes_read, 1122);
    assert_eq!(recs[0].offset, 24);
    for w in recs.windows(2) {
        assert_eq!(w[1].offset, w[0].offset + 16 + w[0].caplen as u64);
    }
    let (r, recs) = frames_of("rp_test016-be.pcapng");
    assert_eq!(r.format().describe(), "Wireshark/... - pcapng (big-endian)");
    assert_eq!(r.interfaces()[0].name.as_deref(), Some("eth0"));
    assert!(r.stats().skipped_blocks >= 2, "{:?}", r.stats()); // NRB, ISB
    assert_eq!(recs.len(), 4);
    let (r, _) = frames_of("rp_test017-le.pcapng");
    assert!(r.interfaces().is_empty());
    assert!(r.stats().skipped_blocks > 0);
    let (r, _) = frames_of("rp_modified-format.pcap");
    assert!(r.format().describe().starts_with("Modified tcpdump - pcap"));
    let (r, _) = frames_of("zk_pcapng-multi-interface.pcapng");
    let units: Vec<u64> = r.interfaces().iter().map(|i| i.ts_units_per_sec).collect();
    assert_eq!(units, vec![1_000_000_000, 1_000_000]);
    let (r, recs) = frames_of("pp_many_interfaces-1.pcapng");
    let links: BTreeSet<u32> = recs.iter().map(|r| r.link.0).collect();
    assert!(links.is_subset(&BTreeSet::from([0, 1, 101])), "{links:?}");
    assert_eq!(r.interfaces().len(), 11);
}

#[test]
fn interfaces_known_after_open_and_buffer_sizes() {
    // pcapng: the IDBs before the first packet are read by open().
    let r = FileReader::open(&capture_path("zk_pcapng-multi-interface.pcapng")).unwrap();
    assert_eq!(r.interfaces().len(), 2);
    assert_eq!(r.stats().sections, 1);
    assert_eq!(r.stats().frames, 0);
    let r = FileReader::open(&capture_path("pp_too_many_interfaces.pcapng")).unwrap();
    assert_eq!(r.interfaces().len(), 95);
    // Small inputs keep a small buffer; anything over 64 KiB reads 1 MiB at a time.
    let (r, _) = frames_of("td_dns_tcp.pcap");
    assert_eq!(r.buffer_capacity(), 64 << 10);
    let (r, _) = frames_of("rp_wireshark_samples-test.pcapng");
    assert_eq!(r.buffer_capacity(), 1 << 20);
    let (r, _) = frames_of("td_afs.pcap");
    assert_eq!(r.buffer_capacity(), 1 << 20);
    fn is_send<T: Send>() {}
    is_send::<FileReader>();
    is_send::<CaptureError>();
}

/// `FileReader::open("-")` on a real stdin: this test runs its own binary again with a capture
/// as stdin, and the child (`stdin_child`, ignored unless asked for) reads it.
#[test]
fn open_dash_reads_stdin() {
    let exe = std::env::current_exe().unwrap();
    for (name, frames) in [("td_dns_tcp.pcap", 11), ("rp_test016-le.pcapng", 4)] {
        let file = std::fs::File::open(capture_path(name)).unwrap();
        let out = std::process::Command::new(&exe)
            .args(["--exact", "stdin_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env("WIRELENS_STDIN_CHILD", "1")
            .stdin(file)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(stdout.contains(&format!("stdin frames={frames} path=-")), "{stdout}");
    }
    // Errors name stdin as "<stdin>".
    let page = std::env::temp_dir().join(format!("wirelens-capture-stdin-{}.html", std::process::id()));
    std::fs::write(&page, "<!DOCTYPE html>").unwrap();
    let out = std::process::Command::new(&exe)
        .args(["--exact", "stdin_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env("WIRELENS_STDIN_CHILD", "1")
        .stdin(std::fs::File::open(&page).unwrap())
        .output()
        .unwrap();
    std::fs::remove_file(&page).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("stdin error=<stdin>: not a pcap or pcapng file (magic bytes 3c 21 44 4f)"), "{stdout}");
}

#[test]
#[ignore = "run by open_dash_reads_stdin with a capture as stdin"]
fn stdin_child() {
    if std::env::var_os("WIRELENS_STDIN_CHILD").is_none() {
        return;
    }
    match FileReader::open("-") {
        Ok(mut r) => {
            let (recs, err) = drain(&mut r);
            assert!(err.is_none(), "{err:?}");
            println!("stdin frames={} path={}", recs.len(), r.path());
        }
        Err(e) => println!("stdin error={e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Error cases on real files

#[test]
fn missing_file_names_the_path() {
    let e = FileReader::open("/nonexistent/dir/cap.pcap").unwrap_err();
    assert!(matches!(e.kind, CaptureErrorKind::Io(_)));
    assert_eq!(e.packet, None);
    let msg = e.to_string();
    assert!(msg.starts_with("/nonexistent/dir/cap.pcap: "), "{msg}");
    assert!(msg.contains("No such file"), "{msg}");
}

#[test]
fn not_a_capture_and_empty() {
    let e = FileReader::from_reader("page.html", Box::new(Cursor::new(b"<!DOCTYPE html><html>".to_vec()))).unwrap_err();
    assert!(matches!(e.kind, CaptureErrorKind::NotACapture { magic } if &magic == b"<!DO"));
    assert!(e.to_string().contains("magic bytes 3c 21 44 4f"), "{e}");
    let e = FileReader::from_reader("empty", Box::new(Cursor::new(Vec::new()))).unwrap_err();
    assert!(matches!(e.kind, CaptureErrorKind::Empty), "{e}");
    let e = FileReader::from_reader("empty.gz", Box::new(Cursor::new(gzip(&[b""])))).unwrap_err();
    assert!(matches!(e.kind, CaptureErrorKind::Empty), "{e}");
    let e = FileReader::from_reader("short", Box::new(Cursor::new(vec![0xd4, 0xc3]))).unwrap_err();
    assert!(matches!(e.kind, CaptureErrorKind::TruncatedRecord { needed: 24, available: 2 }), "{e}");
    let e = FileReader::from_reader("hdr", Box::new(Cursor::new(corpus_bytes("td_dns_tcp.pcap")[..20].to_vec())))
        .unwrap_err();
    assert!(matches!(e.kind, CaptureErrorKind::TruncatedRecord { needed: 24, available: 20 }), "{e}");
    // Big-endian modified pcap is not supported by pcap-parser: a clear error, not a crash.
    let mut m = corpus_bytes("td_dns_tcp.pcap");
    m[..4].copy_from_slice(&[0xa1, 0xb2, 0xcd, 0x34]);
    let e = FileReader::from_reader("m", Box::new(Cursor::new(m))).unwrap_err();
    assert!(matches!(&e.kind, CaptureErrorKind::Malformed(s) if s.contains("Kuznetzov")), "{e}");
}

#[test]
fn truncated_last_record() {
    let full = corpus_bytes("td_dns_tcp.pcap");
    let (_, all) = read_ok(full.clone());
    assert_eq!(all.len(), 11);
    let last = &all[10];
    // Cut inside the last record's data.
    let (_, recs, err) = read_bytes(full[..full.len() - 5].to_vec()).unwrap();
    assert_eq!(recs, all[..10].to_vec());
    let e = err.expect("truncation error");
    assert_eq!(e.packet, Some(11));
    assert_eq!(e.offset, last.offset);
    let needed = 16 + last.caplen as u64;
    assert!(
        matches!(e.kind, CaptureErrorKind::TruncatedRecord { needed: n, available: a } if n == needed && a == needed - 5),
        "{e}"
    );
    assert!(e.to_string().starts_with("test: packet 11: "), "{e}");
    // Cut inside the last record's header.
    let (_, recs, err) = read_bytes(full[..last.offset as usize + 7].to_vec()).unwrap();
    assert_eq!(recs.len(), 10);
    assert!(matches!(err.unwrap().kind, CaptureErrorKind::TruncatedRecord { needed: 16, available: 7 }));
    // pcapng: cut the last block.
    let ng = corpus_bytes("rp_test001-le.pcapng");
    let (_, recs, err) = read_bytes(ng[..ng.len() - 4].to_vec()).unwrap();
    assert_eq!(recs.len(), 3);
    let e = err.unwrap();
    assert!(matches!(e.kind, CaptureErrorKind::TruncatedRecord { .. }), "{e}");
    assert_eq!(e.packet, Some(4));
}

#[test]
fn gzip_is_detected_by_magic_and_streamed() {
    for name in ["td_dns_tcp.pcap", "zk_pcapng-multi-interface.pcapng", "pp_pcapng-example.pcapng"] {
        let plain = corpus_bytes(name);
        let (_, expected) = read_ok(plain.clone());
        let (r, recs) = read_ok(gzip(&[&plain]));
        assert!(r.is_gzip());
        assert_eq!(recs, expected, "{name}");
        // Several gzip members (concatenated .gz files) are one stream.
        let (a, b) = plain.split_at(plain.len() / 3);
        let (_, recs) = read_ok(gzip(&[a, b]));
        assert_eq!(recs, expected, "{name} multi-member");
    }
    // Opened by path, with a name that does not say gzip.
    let path = std::env::temp_dir().join(format!("wirelens-capture-test-{}.pcap", std::process::id()));
    std::fs::write(&path, gzip(&[&corpus_bytes("td_pptp.pcap")])).unwrap();
    let mut r = FileReader::open(path.to_str().unwrap()).unwrap();
    let (recs, err) = drain(&mut r);
    std::fs::remove_file(&path).ok();
    assert!(err.is_none());
    assert_eq!(recs.len(), 23);
    assert!(r.is_gzip());
    // Corrupt gzip: an error (the decoder's, or ours on the garbage it produced), no panic.
    let mut bad = gzip(&[&corpus_bytes("td_dns_tcp.pcap")]);
    let n = bad.len();
    bad[n / 2..].iter_mut().for_each(|b| *b = !*b);
    if let Ok((_, recs, err)) = read_bytes(bad) {
        assert!(err.is_some(), "{} frames, no error", recs.len());
    }
    // A gzip stream cut short: the decoder reports the early end as an I/O error.
    let gz = gzip(&[&corpus_bytes("td_dns_tcp.pcap")]);
    let (_, recs, err) = read_bytes(gz[..gz.len() - 30].to_vec()).unwrap();
    assert!(recs.len() < 11);
    assert!(err.is_some());
}

/// A reader handing out 1 to 7 bytes per call, like a slow pipe on stdin.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A reader failing after some bytes.
struct Failing {
    data: Vec<u8>,
    pos: usize,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.data.len() {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn stdin_like_trickling_and_failing_readers() {
    for name in ["td_dns_tcp.pcap", "rp_test016-be.pcapng", "pp_many_interfaces-1.pcapng"] {
        let plain = corpus_bytes(name);
        let (_, expected) = read_ok(plain.clone());
        let mut r = FileReader::from_reader("-", Box::new(Trickle { data: plain.clone(), pos: 0, step: 0 })).unwrap();
        let (recs, err) = drain(&mut r);
        assert!(err.is_none(), "{name}: {err:?}");
        assert_eq!(r.path(), "-");
        assert_eq!(recs, expected, "{name}");
        let gz = gzip(&[&plain]);
        let mut r = FileReader::from_reader("-", Box::new(Trickle { data: gz, pos: 0, step: 3 })).unwrap();
        assert_eq!(drain(&mut r).0, expected, "{name} gzip");
    }
    let data = corpus_bytes("td_afs.pcap")[..5000].to_vec();
    let mut r = FileReader::from_reader("broken", Box::new(Failing { data, pos: 0 })).unwrap();
    let (recs, err) = drain(&mut r);
    assert!(!recs.is_empty());
    let e = err.unwrap();
    assert!(matches!(e.kind, CaptureErrorKind::Io(_)));
    assert!(e.to_string().contains("disk on fire"), "{e}");
    assert_eq!(e.packet, Some(recs.len() as u64 + 1));
}

// ---------------------------------------------------------------------------------------------
// Property tests: never panic, always end, bounded memory.

/// Reads everything; the bound on iterations proves progress (every record consumes at least
/// 12 bytes of the stream).
fn exhaust(bytes: Vec<u8>) {
    let limit = bytes.len() as u64 / 12 + 2;
    let Ok(mut r) = FileReader::from_reader("fuzz", Box::new(Cursor::new(bytes))) else {
        return;
    };
    let mut n = 0u64;
    while let Ok(Some(f)) = r.next_frame() {
        assert!(f.ts.nanos < 1_000_000_000);
        assert!(f.data.len() <= 262_144);
        let iface = f.interface as usize;
        assert!(iface < r.interfaces().len());
        n += 1;
        assert!(n <= limit, "no progress");
    }
    assert!(matches!(r.next_frame(), Ok(None)));
    assert!(r.buffer_capacity() <= 32 << 20);
    assert!(r.stats().warnings.len() <= 101);
    assert!(r.interfaces().len() <= 1 << 16);
}

const FUZZ_SEEDS: [&str; 9] = [
    "td_dns_tcp.pcap",
    "td_pptp.pcap",
    "td_tcp-handshake-nano.pcap",
    "rp_modified-format.pcap",
    "zk_pcapng-multi-interface.pcapng",
    "rp_test016-be.pcapng",
    "td_time_2107.pcapng",
    "zk_snap-arp.pcapng",
    "pp_many_interfaces-1.pcapng",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Word(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..64)).prop_map(|(i, v)| Mutation::Insert(i, v)),
        (
            any::<usize>(),
            prop_oneof![Just(0u32), Just(u32::MAX), Just(0x7fff_ffff), Just(12), Just(16), Just(262_145), any::<u32>()]
        )
            .prop_map(|(i, w)| Mutation::Word(i, w)),
    ]
}

fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        if b.is_empty() {
            break;
        }
        match m {
            Mutation::Flip(i, x) => {
                let n = b.len();
                b[i % n] ^= x;
            }
            Mutation::Truncate(i) => {
                let n = b.len();
                b.truncate(i % n);
            }
            Mutation::Insert(i, v) => {
                let at = i % (b.len() + 1);
                b.splice(at..at, v.iter().copied());
            }
            Mutation::Word(i, w) => {
                if b.len() >= 4 {
                    let at = (i % (b.len() - 3)) & !3;
                    b[at..at + 4].copy_from_slice(&w.to_le_bytes());
                }
            }
        }
    }
    b
}

/// 512 cases per property, or `PROPTEST_CASES` for a longer run.
fn fuzz_cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn random_bytes(data in prop::collection::vec(any::<u8>(), 0..3000)) {
        exhaust(data);
    }

    #[test]
    fn random_after_valid_header(kind in 0..6usize, tail in prop::collection::vec(any::<u8>(), 0..3000)) {
        let mut b = match kind {
            0 => pcap_header(false, 0xa1b2_c3d4, (2, 4), 65535, 1),
            1 => pcap_header(true, 0xa1b2_3c4d, (2, 4), 0, 113),
            2 => pcap_header(false, 0xa1b2_cd34, (2, 4), 65535, 1),
            3 => ng_prefix(false),
            4 => ng_prefix(true),
            _ => shb(false, 1, 0),
        };
        b.extend(tail);
        exhaust(b);
    }

    #[test]
    fn mutated_corpus(seed in 0..FUZZ_SEEDS.len(), muts in prop::collection::vec(mutation(), 1..6), gz in any::<bool>()) {
        let b = apply(corpus_bytes(FUZZ_SEEDS[seed]), &muts);
        exhaust(if gz { gzip(&[&b]) } else { b });
    }

    #[test]
    fn mutated_gzip_stream(seed in 0..FUZZ_SEEDS.len(), muts in prop::collection::vec(mutation(), 1..4)) {
        exhaust(apply(gzip(&[&corpus_bytes(FUZZ_SEEDS[seed])]), &muts));
    }
}

#[test]
fn stats_sections_and_formats_are_consistent() {
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for row in index() {
        if row.exercises.starts_with("REJECT") {
            continue;
        }
        let r = FileReader::open(&capture_path(&row.file)).unwrap();
        *kinds.entry(r.format().short_name()).or_default() += 1;
    }
    assert!(kinds["pcap"] > 50 && kinds["pcapng"] > 10, "{kinds:?}");
}
