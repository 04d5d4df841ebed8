//! Capture layer (`wirelens::capture`) on hand-built files: pcap (LOOP,
//! versions, swapped lengths, oversize records, bounded warnings) and pcapng
//! (several sections, byte orders, interfaces, resolutions, SPB/PB/EPB,
//! skipped blocks, bad lengths). The corpus, truncation, gzip and the
//! property tests are in `capture_corpus.rs`.

mod reader_support;

use std::io::Cursor;

use reader_support::*;
use wirelens::capture::{CaptureError, CaptureErrorKind, FileFormat, FileReader, LinkType};

// ---------------------------------------------------------------------------------------------
// Hand-made pcap

#[test]
fn pcap_loop_linktype_and_warnings() {
    // LINKTYPE_LOOP: 4-byte address family in network byte order, then IPv4.
    let pkt = [0, 0, 0, 2, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1];
    for be in [false, true] {
        let mut f = pcap_header(be, 0xa1b2_c3d4, (2, 4), 16, 108);
        f.extend(pcap_record(be, 1_600_000_000, 250_000, 24, 24, &pkt)); // caplen 24 > snaplen 16
        f.extend(pcap_record(be, 1_600_000_001, 0, 24, 20, &pkt)); // caplen > orig_len
        let (r, recs) = read_ok(f);
        assert_eq!(
            r.format(),
            &FileFormat::Pcap { big_endian: be, nanosecond: false, version: (2, 4), modified: false }
        );
        assert_eq!(recs.len(), 2);
        assert!(recs.iter().all(|r| r.link == LinkType::LOOP && r.interface == 0));
        assert_eq!(recs[0].link.name(), "OpenBSD loopback");
        assert_eq!(recs[0].link.dlt_name(), "LOOP");
        assert_eq!((recs[0].secs, recs[0].nanos), (1_600_000_000, 250_000_000));
        assert_eq!(recs[0].first_bytes, pkt[..8].to_vec());
        assert_eq!(recs[1].offset, 24 + 16 + 24);
        let w = &r.stats().warnings;
        assert_eq!(w.len(), 3, "{w:?}");
        assert_eq!(w[0], "packet 1: captured length 24 exceeds snaplen 16");
        assert_eq!(w[2], "packet 2: captured length 24 exceeds original length 20");
    }
}

#[test]
fn pcap_versions_and_swapped_lengths() {
    let data = [0xaa; 10];
    // Version 2.2 wrote "len" before "caplen" (libpcap swaps them back).
    let mut f = pcap_header(false, 0xa1b2_c3d4, (2, 2), 65535, 1);
    f.extend(pcap_record(false, 1, 0, 1500, 10, &data));
    let (_, recs) = read_ok(f);
    assert_eq!((recs[0].orig_len, recs[0].caplen), (1500, 10));
    // 2.3 is ambiguous: swapped only when caplen > len.
    let mut f = pcap_header(false, 0xa1b2_c3d4, (2, 3), 65535, 1);
    f.extend(pcap_record(false, 1, 0, 1500, 10, &data));
    f.extend(pcap_record(false, 1, 0, 10, 1500, &data));
    let (_, recs) = read_ok(f);
    assert!(recs.iter().all(|r| (r.orig_len, r.caplen) == (1500, 10)));
    // DG/UX 543.0 is accepted, 3.0 and 2.5 are not.
    let (_, recs) = read_ok(pcap_header(false, 0xa1b2_c3d4, (543, 0), 65535, 1));
    assert!(recs.is_empty());
    for v in [(3, 0), (2, 5), (1, 0)] {
        let e = read_bytes(pcap_header(true, 0xa1b2_c3d4, v, 65535, 1)).err().unwrap();
        assert!(matches!(e.kind, CaptureErrorKind::UnsupportedVersion { major, minor } if (major, minor) == v));
    }
    // FCS bits (above the reserved field) do not make the file invalid; the link type is
    // the low 16 bits.
    let (r, _) = read_ok(pcap_header(false, 0xa1b2_c3d4, (2, 4), 65535, 0x1400_0001));
    assert_eq!(r.interfaces()[0].link, LinkType::ETHERNET);
}

#[test]
fn pcap_caplen_limits() {
    let mut f = pcap_header(false, 0xa1b2_c3d4, (2, 4), 65535, 1);
    f.extend(pcap_record(false, 1, 0, 300_000, 300_000, &vec![0u8; 300_000]));
    let (_, recs, err) = read_bytes(f).unwrap();
    assert!(recs.is_empty());
    let e = err.unwrap();
    assert!(matches!(e.kind, CaptureErrorKind::CapLenTooLarge { caplen: 300_000, limit: 262_144 }), "{e}");
    assert_eq!((e.packet, e.offset), (Some(1), 24));
    // Exactly the maximum is fine, even above the snaplen (with a warning).
    let mut f = pcap_header(false, 0xa1b2_3c4d, (2, 4), 65535, 1);
    f.extend(pcap_record(false, 1, 999_999_999, 262_144, 262_144, &vec![7u8; 262_144]));
    f.extend(pcap_record(false, 2, 5, 4, 4, &[1, 2, 3, 4]));
    let (r, recs) = read_ok(f);
    assert_eq!(recs[0].caplen, 262_144);
    assert_eq!((recs[0].secs, recs[0].nanos), (1, 999_999_999));
    assert_eq!((recs[1].secs, recs[1].nanos), (2, 5));
    assert_eq!(r.stats().warnings, vec!["packet 1: captured length 262144 exceeds snaplen 65535".to_string()]);
}

#[test]
fn warnings_are_bounded() {
    let mut f = pcap_header(false, 0xa1b2_c3d4, (2, 4), 4, 1);
    for _ in 0..500 {
        f.extend(pcap_record(false, 1, 0, 8, 8, &[0; 8]));
    }
    let (r, recs) = read_ok(f);
    assert_eq!(recs.len(), 500);
    assert_eq!(r.stats().warnings.len(), 101);
    assert_eq!(r.stats().warnings[100], "further warnings suppressed");
}

// ---------------------------------------------------------------------------------------------
// Hand-made pcapng

#[test]
fn pcapng_multi_section_multi_interface() {
    let mut f = Vec::new();
    // Section 0, little-endian: Ethernet (µs) and raw IP (ns, named).
    f.extend(shb(false, 1, 0));
    f.extend(idb(false, 1, 65535, &[]));
    f.extend(idb(false, 101, 0, &[opt(false, 9, &[9]), opt(false, 2, b"raw0"), opt(false, 3, b"tunnel\0\0")]));
    f.extend(block(false, 4, &[0; 8])); // NRB: skipped
    let o1 = f.len() as u64;
    f.extend(epb(false, 0, 1_700_000_000_123_456, 60, &[0x11; 60]));
    f.extend(epb(false, 1, 1_700_000_000_123_456_789, 1500, &[0x45; 40]));
    f.extend(block(false, 5, &[0; 12])); // ISB: skipped
    // Section 1, big-endian: LOOP (2^-20 s, offset +1000 s) and SLL2 (ms, snaplen 100).
    f.extend(shb(true, 1, 2));
    f.extend(idb(true, 108, 0, &[opt(true, 9, &[0x80 | 20]), opt(true, 14, &1000i64.to_be_bytes())]));
    f.extend(idb(true, 276, 100, &[opt(true, 9, &[3]), opt(true, 14, &(-7i64).to_be_bytes())]));
    f.extend(block(true, 0x4000_0BAD, &[1, 2, 3, 4, 5, 6, 7, 8])); // custom block: skipped
    f.extend(epb(true, 0, (5 << 20) | (1 << 19), 44, &[0, 0, 0, 2, 0x45]));
    f.extend(epb(true, 1, 1_234_567, 120, &[0x22; 120]));
    let o_spb = f.len() as u64;
    f.extend(spb(true, 50, &[0x33; 52]));
    f.extend(pb(true, 1, 9_000, 30, &[0x44; 30]));

    let r = FileReader::from_reader("ng", Box::new(Cursor::new(f.clone()))).unwrap();
    assert_eq!(r.interfaces().len(), 2, "section 0's interfaces are read by open()");
    for (what, bytes) in [("plain", f.clone()), ("gzip", gzip(&[&f]))] {
        let (r, recs) = read_ok(bytes);
        assert_eq!(r.format(), &FileFormat::PcapNg { big_endian: false, version: (1, 0) }, "{what}");
        assert_eq!(r.stats().sections, 2);
        assert_eq!(r.stats().skipped_blocks, 3);
        let ifs = r.interfaces();
        assert_eq!(ifs.len(), 4);
        assert_eq!(ifs.iter().map(|i| i.section).collect::<Vec<_>>(), [0, 0, 1, 1]);
        assert_eq!(
            ifs.iter().map(|i| i.link).collect::<Vec<_>>(),
            [LinkType::ETHERNET, LinkType::RAW, LinkType::LOOP, LinkType::LINUX_SLL2]
        );
        assert_eq!(
            ifs.iter().map(|i| i.ts_units_per_sec).collect::<Vec<_>>(),
            [1_000_000, 1_000_000_000, 1 << 20, 1000]
        );
        assert_eq!(ifs[2].ts_offset_secs, 1000);
        assert_eq!(ifs[3].ts_offset_secs, -7);
        assert_eq!(ifs[1].name.as_deref(), Some("raw0"));
        assert_eq!(ifs[1].description.as_deref(), Some("tunnel"));
        assert_eq!(ifs[3].snaplen, 100);

        let summary: Vec<(u32, LinkType, i64, u32, u32, usize)> =
            recs.iter().map(|r| (r.interface, r.link, r.secs, r.nanos, r.orig_len, r.caplen)).collect();
        assert_eq!(
            summary,
            vec![
                (0, LinkType::ETHERNET, 1_700_000_000, 123_456_000, 60, 60),
                (1, LinkType::RAW, 1_700_000_000, 123_456_789, 1500, 40),
                (2, LinkType::LOOP, 1005, 500_000_000, 44, 5),
                (3, LinkType::LINUX_SLL2, 1234 - 7, 567_000_000, 120, 120),
                // SPB: interface 0 of its section, no timestamp, caplen = orig_len
                (2, LinkType::LOOP, 0, 0, 50, 50),
                // obsolete Packet Block
                (3, LinkType::LINUX_SLL2, 9 - 7, 0, 30, 30),
            ]
        );
        assert_eq!(recs[0].offset, o1);
        assert_eq!(recs[4].offset, o_spb);
        assert_eq!(recs[2].first_bytes, vec![0, 0, 0, 2, 0x45]);
        assert_eq!(r.stats().warnings, vec!["packet 4: captured length 120 exceeds snaplen 100".to_string()]);
        assert_eq!(r.stats().bytes_read, f.len() as u64);
    }
}

fn ng_error(bytes: Vec<u8>) -> CaptureError {
    match read_bytes(bytes) {
        Err(e) => e,
        Ok((_, _, Some(e))) => e,
        Ok((_, recs, None)) => panic!("no error, {} frames", recs.len()),
    }
}

#[test]
fn pcapng_bad_block_lengths() {
    for be in [false, true] {
        let good = epb(be, 0, 1, 4, &[1, 2, 3, 4]);
        let start = ng_prefix(be).len() as u64 + good.len() as u64;
        let with = |mutate: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            mutate(&mut b);
            let mut f = ng_prefix(be);
            f.extend(&good);
            f.extend(b);
            f
        };
        let cases: [(&str, Vec<u8>, u32); 4] = [
            ("not multiple of 4", with(&|b| b[4..8].copy_from_slice(&e32(be, 46))), 46),
            ("below 12", with(&|b| b[4..8].copy_from_slice(&e32(be, 8))), 8),
            (
                "trailer",
                with(&|b| {
                    let n = b.len();
                    b[n - 4..].copy_from_slice(&e32(be, 4))
                }),
                good.len() as u32,
            ),
            ("huge", with(&|b| b[4..8].copy_from_slice(&e32(be, 0x7fff_fff0))), 0x7fff_fff0),
        ];
        for (what, bytes, len) in cases {
            let e = ng_error(bytes);
            assert!(
                matches!(e.kind, CaptureErrorKind::BadBlockLength { block_type: 6, length, .. } if length == len),
                "{what}: {e}"
            );
            assert_eq!((e.packet, e.offset), (Some(2), start), "{what}");
        }
        // An IDB too short for its fixed fields.
        let mut f = shb(be, 1, 0);
        f.extend(block(be, 1, &[0; 4]));
        assert!(matches!(ng_error(f).kind, CaptureErrorKind::BadBlockLength { block_type: 1, length: 16, .. }));
        // EPB whose captured length overruns the block.
        let mut b = good.clone();
        b[20..24].copy_from_slice(&e32(be, 200));
        let mut f = ng_prefix(be);
        f.extend(b);
        assert!(matches!(ng_error(f).kind, CaptureErrorKind::Malformed(_)));
        // A block bigger than the read buffer grows it (bounded) and is skipped.
        let mut f = ng_prefix(be);
        f.extend(block(be, 0x0BAD, &vec![0x5a; 3 << 20]));
        f.extend(good.clone());
        let (r, recs) = read_ok(f);
        assert_eq!(recs.len(), 1);
        assert!(r.buffer_capacity() <= 32 << 20);
    }
}

#[test]
fn pcapng_caplen_interfaces_and_options() {
    // caplen 300000 in an EPB.
    let mut f = ng_prefix(false);
    f.extend(epb(false, 0, 1, 300_000, &vec![0; 300_000]));
    assert!(matches!(ng_error(f).kind, CaptureErrorKind::CapLenTooLarge { caplen: 300_000, limit: 262_144 }));
    // Interface ids are per section: interface 1 of section 1 does not exist even though
    // the file has two interfaces.
    let mut f = ng_prefix(false);
    f.extend(idb(false, 1, 0, &[]));
    f.extend(shb(false, 1, 0));
    f.extend(idb(false, 1, 0, &[]));
    f.extend(epb(false, 0, 1, 4, &[0; 4]));
    f.extend(epb(false, 1, 1, 4, &[0; 4]));
    let e = ng_error(f);
    assert!(matches!(&e.kind, CaptureErrorKind::Malformed(m) if m.contains("interface 1")), "{e}");
    assert_eq!(e.packet, Some(2));
    // A packet before any IDB.
    let mut f = shb(true, 1, 0);
    f.extend(spb(true, 4, &[0; 4]));
    assert!(matches!(ng_error(f).kind, CaptureErrorKind::Malformed(_)));
    // A later section with an unsupported version.
    let mut f = ng_prefix(false);
    f.extend(epb(false, 0, 1, 4, &[0; 4]));
    f.extend(shb(true, 2, 0));
    let e = ng_error(f);
    assert!(matches!(e.kind, CaptureErrorKind::UnsupportedVersion { major: 2, minor: 0 }));
    assert_eq!(e.packet, Some(2));
    // libpcap's if_tsresol / if_tsoffset rules.
    for bad in [
        vec![opt(false, 9, &[20])],                     // 10^-20 does not fit 64 bits
        vec![opt(false, 9, &[0x80 | 64])],              // neither does 2^-64
        vec![opt(false, 9, &[6, 6])],                   // length != 1
        vec![opt(false, 9, &[6]), opt(false, 9, &[6])], // repeated
        vec![opt(false, 14, &[0; 4])],                  // length != 8
    ] {
        let mut f = shb(false, 1, 0);
        f.extend(idb(false, 1, 0, &bad));
        assert!(matches!(ng_error(f).kind, CaptureErrorKind::Malformed(_)));
    }
    // Extreme but valid: seconds resolution, maximal timestamp, negative offset.
    let mut f = shb(false, 1, 0);
    f.extend(idb(false, 1, 0, &[opt(false, 9, &[0]), opt(false, 14, &i64::MIN.to_le_bytes())]));
    f.extend(epb(false, 0, u64::MAX, 4, &[0; 4]));
    f.extend(epb(false, 0, 0, 4, &[0; 4]));
    let (_, recs) = read_ok(f);
    assert_eq!(recs[0].secs, (u64::MAX as i128 + i64::MIN as i128) as i64);
    assert_eq!(recs[1].secs, i64::MIN);
    // SPB: captured length limited by the snaplen.
    let mut f = shb(false, 1, 0);
    f.extend(idb(false, 1, 16, &[]));
    f.extend(spb(false, 40, &[9; 40]));
    let (_, recs) = read_ok(f);
    assert_eq!((recs[0].orig_len, recs[0].caplen), (40, 16));
    // An EPB with large options (block > 1 MiB) is fine.
    let mut f = ng_prefix(false);
    let mut big = epb(false, 0, 1, 4, &[1, 2, 3, 4]);
    let n = big.len();
    big.truncate(n - 4 - 4); // drop opt_endofopt and trailer, add one 60 KB option 25 times
    for _ in 0..25 {
        big.extend(opt(false, 1, &vec![b'x'; 60_000]));
    }
    big.extend(opt(false, 0, b""));
    let total = (big.len() + 4) as u32;
    big[4..8].copy_from_slice(&total.to_le_bytes());
    big.extend(total.to_le_bytes());
    f.extend(big);
    let (_, recs) = read_ok(f);
    assert_eq!(recs[0].first_bytes, vec![1, 2, 3, 4]);
}
