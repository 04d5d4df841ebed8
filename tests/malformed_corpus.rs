//! Every malformed or crafted capture in the corpus (INDEX.tsv tags
//! `malformed`, `crafted`) has its exact outcome pinned here: which frames
//! stop decoding and why, which are truncated, and whether reading the file
//! ends on a fault (exit code 2 from the CLI). DNS-specific crafted files
//! are pinned in tests/dns_corpus.rs, file-format rejections in
//! tests/capture_corpus.rs; here they are checked end to end.

use std::fmt::Write;

use wirelens::capture::{FileReader, PacketSource};
use wirelens::dissect::Dissector;
use wirelens::record;

fn corpus(name: &str) -> String {
    format!("{}/../shared/corpus/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// One line per frame that is truncated or carries an error, then the fault.
fn outcome(name: &str) -> String {
    let path = corpus(name);
    let mut out = String::new();
    let mut reader = match FileReader::open(&path) {
        Ok(r) => r,
        Err(e) => return format!("open error: {}", e.kind),
    };
    let mut d = Dissector::new();
    let mut frames = 0;
    loop {
        match reader.next_frame() {
            Ok(Some(f)) => {
                frames += 1;
                let p = d.dissect(&f);
                let dns = record::parse_dns(&p);
                let r = record::build(&p, &dns, None, None, &Default::default());
                if r.truncated || !r.errors.is_empty() {
                    let _ = writeln!(
                        out,
                        "{}:{} {}",
                        r.frame,
                        if r.truncated { " truncated" } else { "" },
                        r.errors.join(" | ")
                    );
                }
            }
            Ok(None) => break,
            Err(e) => {
                let _ = writeln!(out, "fault after {frames} frames: {}", e.kind);
                break;
            }
        }
    }
    let _ = write!(out, "frames: {frames}");
    out
}

macro_rules! pin {
    ($name:ident, $file:expr, $expected:expr) => {
        #[test]
        fn $name() {
            assert_eq!(outcome($file), $expected, "outcome of {}", $file);
        }
    };
}

pin!(
    linktype_ipv4_carrying_ipv6,
    "td_LINKTYPE_IPV4_invalid.pcap",
    "1: IPv4: IP version 6 where version 4 was expected (frame offset 0)\nframes: 1"
);
pin!(
    linktype_ipv6_carrying_ipv4,
    "td_LINKTYPE_IPV6_invalid.pcap",
    "1: IPv6: IP version 4 where version 6 was expected (frame offset 0)\nframes: 1"
);
pin!(
    ipv4_total_length_exceeds_frame,
    "td_ipv4_invalid_total_length.pcap",
    "1: IPv4: IP length 85 is larger than the 84 bytes the frame carries (frame offset 14)\nframes: 1"
);
pin!(
    ipv4_ihl_below_five,
    "td_ipv4_invalid_hdr_length.pcap",
    "1: IPv4: IPv4 header length 16 is shorter than the minimum 20 bytes (frame offset 14)\nframes: 1"
);
pin!(
    ipv6_bad_version,
    "td_ipv6-bad-version.pcap",
    "2: IPv6: IP version 0 where version 6 was expected (frame offset 14)\n4: IPv6: IP version 0 where version 6 was expected (frame offset 14)\nframes: 4"
);
pin!(
    ipv4_bad_fragment_behind_mpls,
    "pp_ip4_bad_fragment.pcap",
    "1: IPv4: header needs 60 bytes but only 42 were on the wire (frame offset 18)\nframes: 1"
);
pin!(truncated_inside_link_header, "zk_trunc-hdr.pcap", "1: truncated \nframes: 1");
pin!(truncated_inside_ipv4_header, "zk_trunc-ip4-trunc.pcap", "1: truncated \nframes: 1");
pin!(truncated_inside_ipv6_header, "zk_trunc-ip6-trunc.pcap", "1: truncated \nframes: 1");
pin!(
    ipv6_extension_header_overrun,
    "zk_trunc-ip6-ext-trunc.pcap",
    "1: IPv6: IPv6 extension header 0 runs past the end of the packet (frame offset 54)\nframes: 1"
);
pin!(tcp_rst_with_data_cut_by_one_byte, "td_tcp_rst_data-trunc.pcap", "1: truncated \nframes: 1");
pin!(ipv6_fragment_negative_length, "td_ipv6_frag6_negative_len.pcap", "1: truncated \nframes: 1");
pin!(
    dns_pointer_loops,
    "zk_dns-invalid-names.pcap",
    "1: DNS: truncated: label at offset 12 needs 3 bytes, 1 remain (message offset 12)\n2: DNS: compression pointer at offset 12 points to itself (message offset 12)\n3: DNS: truncated: name at offset 12 runs past the end of the message (message offset 16)\nframes: 3"
);
pin!(
    dns_forward_pointer,
    "td_dns_fwdptr.pcap",
    "1: DNS: compression pointer at offset 46 points forward to 15107 (message offset 46)\nframes: 1"
);
pin!(dns_bad_label, "td_dns-badlabel.pcap", "1: DNS: name exceeds 255 bytes (message offset 12)\nframes: 1");
pin!(all_eight_tcp_flags, "td_tcp_eight_lowest_weight_flags_set.pcap", "frames: 1");
pin!(window_scale_out_of_range, "zk_tcp-window-scale-range.pcap", "frames: 5");
pin!(bad_tcp_checksum_still_decodes, "zk_chksums-ip4-tcp-bad-chksum.pcap", "frames: 1");
pin!(bad_udp_checksum_still_decodes, "zk_chksums-ip6-udp-bad-chksum.pcap", "frames: 1");
pin!(gso_total_length_zero, "td_gso-ipv4.pcap", "frames: 1");
pin!(big_tcp_ipv6, "td_bigtcp-ipv6.pcap", "frames: 1");
pin!(jumbogram, "td_ipv6_jumbogram_1.pcap", "frames: 1");
pin!(empty_pcap, "td_empty.pcap", "frames: 0");
pin!(empty_pcapng, "td_empty.pcapng", "frames: 0");
pin!(empty_zeek_pcap, "zk_empty.pcap", "frames: 0");
pin!(timestamp_beyond_2106, "td_time_2107.pcapng", "frames: 1");
pin!(invalid_micro_timestamps_still_read, "td_timestamp_invalid_micro.pcap", "frames: 3");
pin!(invalid_nano_timestamps_still_read, "td_timestamp_invalid_nano.pcap", "frames: 3");
pin!(sequence_numbers_wrapping, "pp_one_tcp_stream_max_seq.pcap", "frames: 36");
pin!(pcap_version_1_4_rejected, "lp_pcap-invalid-version-1.pcap", "open error: unsupported file format version 1.4");
pin!(pcap_version_2_5_rejected, "lp_pcap-invalid-version-2.pcap", "open error: unsupported file format version 2.5");
pin!(pcapng_version_0_1_rejected, "lp_pcapng-invalid-vers-1.pcapng", "open error: unsupported file format version 0.1");
pin!(pcapng_version_1_1_rejected, "lp_pcapng-invalid-vers-2.pcapng", "open error: unsupported file format version 1.1");
pin!(
    shb_option_too_long_rejected,
    "lp_shb-option-too-long.pcapng",
    "open error: pcapng block of type 0x0a0d0d0a has a bad total length 52: the lengths in the block header and trailer differ"
);
pin!(
    linktype_reserved_bits_rejected,
    "lp_linktype-reserved-field-not-zero.pcap",
    "open error: linktype field reserved bits not zero (0x00300000)"
);
// Tagged malformed for what tshark finds in protocols above the ones
// wirelens decodes (a TCP RST's diagnostic text, QUIC, SMB...); every
// layer wirelens decodes is well formed.
pin!(rst_with_diagnostic_payload, "td_tcp_rst_diag_payload.pcap", "frames: 1");
pin!(quic_over_null_loopback, "td_quic_handshake.pcap", "frames: 18");
pin!(sack_blocks_on_syns, "zk_tcp-option-sack.pcap", "frames: 4");
pin!(many_protocols, "pp_many-protocols.pcap", "frames: 4709");
pin!(null_header_holding_an_ethertype, "pp_null_loopback.pcap", "frames: 3");

#[test]
fn every_malformed_or_crafted_file_is_pinned_somewhere() {
    // Files pinned in this file, in tests/dns_corpus.rs or tests/capture_corpus.rs.
    let here = include_str!("malformed_corpus.rs");
    let dns = include_str!("dns_corpus.rs");
    let capture = include_str!("capture_corpus.rs");
    let index = std::fs::read_to_string(format!("{}/../shared/corpus/INDEX.tsv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut missing = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, tags) = (cols[0], cols[10]);
        if (tags.contains("malformed") || tags.contains("crafted"))
            && !here.contains(&format!("\"{file}\""))
            && !dns.contains(file)
            && !capture.contains(file)
        {
            missing.push(file.to_string());
        }
    }
    assert!(missing.is_empty(), "malformed/crafted files without a pinned outcome: {missing:?}");
}

/// Prints the outcome of files not pinned yet (run with --ignored --nocapture).
#[test]
#[ignore]
fn show() {
    for f in std::env::var("FILES").unwrap_or_default().split(',') {
        println!("== {f}\n{}", outcome(f));
    }
}
