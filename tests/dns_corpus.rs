//! DNS parser against the reference captures in `../shared/corpus` and
//! tshark 4.0.17's view of them (`expected/tshark-4.0.17/*.fields.tsv.gz`,
//! plus Info columns and `-V` trees recorded below from
//! `tshark -n -r FILE -T fields -e frame.number -e _ws.col.Info` and
//! `tshark -n -r FILE -V`).
//!
//! The captures are read with pcap-parser and the DNS payload is sliced out
//! by hand (Ethernet with optional VLAN tags or BSD NULL link, IPv4 or IPv6,
//! UDP; DNS over TCP only when one segment holds exactly one length-prefixed
//! message, RFC 1035 §4.2.2).

use pcap_parser::PcapCapture;
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use wirelens::dissect::dns::{self, Flavor, Message, RData};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// One DNS message found in a capture.
struct Found {
    frame: usize,
    /// Bounded by the UDP length (as tshark does) or the TCP length prefix.
    dns: Vec<u8>,
    /// For UDP, bounded by the IP length instead (differs when the UDP length
    /// field lies, as in td_dns-zlip-*).
    dns_by_ip_len: Vec<u8>,
    flavor: Flavor,
    snaplen_cut: bool,
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn dns_in_frame(link: i32, d: &[u8]) -> Option<(Vec<u8>, Vec<u8>, Flavor)> {
    let (ethertype, ip) = match link {
        1 => {
            let mut et = be16(d, 12)?;
            let mut off = 14;
            while et == 0x8100 || et == 0x88a8 {
                et = be16(d, off + 2)?;
                off += 4;
            }
            (et, d.get(off..)?)
        }
        0 => {
            // BSD loopback: address family in host byte order.
            let af = u32::from_le_bytes(d.get(0..4)?.try_into().ok()?);
            let af = if af > 0xffff { af.swap_bytes() } else { af };
            (if af == 2 { 0x0800 } else { 0x86dd }, d.get(4..)?)
        }
        _ => return None,
    };
    let (proto, l4) = match ethertype {
        0x0800 => {
            let ihl = usize::from(*ip.first()? & 0x0f) * 4;
            if be16(ip, 6)? & 0x1fff != 0 {
                return None; // non-first fragment
            }
            let total = usize::from(be16(ip, 2)?).min(ip.len());
            (*ip.get(9)?, ip.get(ihl..total.max(ihl))?)
        }
        0x86dd => {
            let total = (40 + usize::from(be16(ip, 4)?)).min(ip.len());
            (*ip.get(6)?, ip.get(40..total.max(40))?)
        }
        _ => return None,
    };
    let (sport, dport) = (be16(l4, 0)?, be16(l4, 2)?);
    let port = |p: u16| sport == p || dport == p;
    let flavor = if port(5353) {
        Flavor::Mdns
    } else if port(5355) {
        Flavor::Llmnr
    } else {
        Flavor::Dns
    };
    match proto {
        17 => {
            let body = l4.get(8..)?;
            let ulen = usize::from(be16(l4, 4)?).saturating_sub(8).min(body.len());
            Some((body[..ulen].to_vec(), body.to_vec(), flavor))
        }
        6 if port(53) => {
            let off = usize::from(*l4.get(12)? >> 4) * 4;
            let body = l4.get(off..)?;
            let len = usize::from(be16(body, 0)?);
            (body.len() == len + 2).then(|| (body[2..].to_vec(), body[2..].to_vec(), flavor))
        }
        _ => None,
    }
}

fn messages(file: &str) -> Vec<Found> {
    let path = corpus().join("captures").join(file);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cap = PcapCapture::from_file(&data).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    let link = cap.header.network.0;
    let mut out = Vec::new();
    for (i, b) in cap.blocks.iter().enumerate() {
        if let Some((dns, dns_by_ip_len, flavor)) = dns_in_frame(link, b.data) {
            out.push(Found { frame: i + 1, dns, dns_by_ip_len, flavor, snaplen_cut: b.caplen < b.origlen });
        }
    }
    out
}

fn parse(f: &Found) -> Message {
    dns::parse_as(&f.dns, f.flavor).unwrap_or_else(|e| panic!("frame {}: {e:?}", f.frame))
}

/// tshark's fields TSV for a capture: frame number -> column -> value.
fn tshark_fields(file: &str) -> HashMap<usize, HashMap<String, String>> {
    let path = corpus().join("expected/tshark-4.0.17").join(format!("{file}.fields.tsv.gz"));
    let gz = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let mut rows = HashMap::new();
    for line in lines {
        let row: HashMap<String, String> =
            header.iter().zip(line.split('\t')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        rows.insert(row["frame.number"].parse().unwrap(), row);
    }
    rows
}

/// Compare id, response flag, rcode, question names and types and the
/// answer count of every DNS message with tshark's fields. Returns how many
/// messages were compared.
fn compare_with_tsv(file: &str) -> usize {
    let rows = tshark_fields(file);
    let mut compared = 0;
    for f in messages(file) {
        let row = &rows[&f.frame];
        if row["dns.id"].is_empty() {
            continue; // tshark did not dissect DNS here
        }
        let m = parse(&f);
        let ctx = format!("{file} frame {}", f.frame);
        assert_eq!(format!("0x{:04x}", m.id), row["dns.id"], "{ctx}");
        assert_eq!(if m.response { "1" } else { "0" }, row["dns.flags.response"], "{ctx}");
        // tshark only has the rcode field for responses (4-bit header rcode).
        let rcode = if m.response { m.header_rcode().to_string() } else { String::new() };
        assert_eq!(rcode, row["dns.flags.rcode"], "{ctx}");
        let names: Vec<&str> = m.questions.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names.join(","), row["dns.qry.name"], "{ctx}");
        let types: Vec<String> = m.questions.iter().map(|q| q.qtype.to_string()).collect();
        assert_eq!(types.join(","), row["dns.qry.type"], "{ctx}");
        assert_eq!(m.answer_count.to_string(), row["dns.count.answers"], "{ctx}");
        compared += 1;
    }
    compared
}

/// FNV-1a, 64 bits: a fingerprint of long expected texts.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn info_lines(file: &str) -> HashMap<usize, String> {
    messages(file).iter().map(|f| (f.frame, parse(f).info_for_capture(f.snaplen_cut))).collect()
}

fn tree_text(file: &str) -> (String, usize) {
    let mut text = String::new();
    let mut lines = 0;
    for f in messages(file) {
        let mut out = Vec::new();
        parse(&f).write_tree_for_capture(0, &mut out, f.snaplen_cut);
        for (depth, line) in out {
            text.push_str(&"    ".repeat(depth));
            text.push_str(&line);
            text.push('\n');
            lines += 1;
        }
    }
    (text, lines)
}

// ---- captured traffic: fields, Info and trees as tshark shows them --------

#[test]
fn fields_match_tshark() {
    let cases = [
        ("td_dns_udp.pcap", 2),
        ("td_dns_udp_2.pcap", 2),
        ("td_dnssec.pcap", 6),
        ("td_edns-opts.pcap", 42),
        ("td_dns-badcookie.pcap", 4),
        ("td_dns_tcp.pcap", 2),
        ("zk_dns-mdns.pcap", 18),
        ("zk_dns-zero-RRs.pcap", 2),
        ("zk_dns53.pcap", 1),
        ("zk_dns-corrupt.pcap", 2),
        ("zk_dns-max-compression-depth.pcap", 1),
        ("zk_dns-long-connection.pcap", 22),
        // Frame 7 (the TKEY query) spans three TCP segments: not read here.
        ("zk_dns-tkey.pcap", 1),
    ];
    for (file, n) in cases {
        assert_eq!(compare_with_tsv(file), n, "{file}");
    }
}

/// All 464 DNS, mDNS and LLMNR messages of pp_DnsPackets (428 of them
/// unicast DNS over UDP/IPv4) against tshark's fields.
#[test]
fn pp_dns_packets_all_messages() {
    let found = messages("pp_DnsPackets.pcap");
    let dns = found.iter().filter(|f| f.flavor == Flavor::Dns).count();
    assert_eq!(dns, 428);
    assert_eq!(compare_with_tsv("pp_DnsPackets.pcap"), 464);
    for f in &found {
        assert_eq!(parse(f).malformed, None, "frame {}", f.frame);
    }
    // Every Info line, fingerprinted: FNV-1a of "<frame>\t<Info>\n" for
    // each DNS/MDNS/LLMNR frame of `tshark -n -r pp_DnsPackets.pcap -T fields
    // -e frame.number -e _ws.col.Protocol -e _ws.col.Info`.
    let mut text = String::new();
    for f in &found {
        text.push_str(&format!("{}\t{}\n", f.frame, parse(f).info()));
    }
    assert_eq!(fnv1a(&text), 0x4888_532e_5b1b_b3e0);
}

/// tshark 4.0.17's Info column (`_ws.col.Info`) for every DNS message of the
/// smaller captures and a sample of pp_DnsPackets.
const TSHARK_INFO: &[(&str, usize, &str)] = &[
    ("td_dns_udp", 1, r#"Standard query 0x5934 A www.tcpdump.org OPT"#),
    (
        "td_dns_udp",
        2,
        r#"Standard query response 0x5934 A www.tcpdump.org A 192.139.46.66 A 198.199.88.104 NS sns.cooperix.net NS nic.sandelman.ca A 209.87.249.18 AAAA 2607:f0b0:f::babe:f00d A 97.107.133.15 AAAA 2600:3c03::f03c:91ff:fe96:e8ef OPT"#,
    ),
    ("td_dns_udp_2", 1, r#"Standard query 0x5934 A www.tcpdump.org OPT"#),
    (
        "td_dns_udp_2",
        2,
        r#"Standard query response 0x5934 A www.tcpdump.org A 192.139.46.66[Packet size limited during capture]"#,
    ),
    ("td_dnssec", 1, r#"Standard query 0x51ec SSHFP monadic.cynic.net OPT"#),
    (
        "td_dnssec",
        2,
        r#"Standard query response 0x51ec SSHFP monadic.cynic.net SSHFP RRSIG RRSIG NS ns1.cynic.net NS ns4.cynic.net NS ns2.cynic.net NS ns3.cynic.net RRSIG RRSIG A 125.100.126.205 A 199.175.137.213 A 203.141.153.22 A 122.103.238.186 RRSIG RRSIG RRSIG RRSIG RRSIG RRSIG RRSIG RRSIG OPT"#,
    ),
    ("td_dnssec", 3, r#"Standard query 0xbdc0 A monadic.cynic.net OPT"#),
    (
        "td_dnssec",
        4,
        r#"Standard query response 0xbdc0 A monadic.cynic.net A 125.100.126.202 NS ns4.cynic.net NS ns2.cynic.net NS ns3.cynic.net NS ns1.cynic.net A 125.100.126.205 A 199.175.137.213 A 203.141.153.22 A 122.103.238.186 OPT"#,
    ),
    ("td_dnssec", 5, r#"Standard query 0xc118 SSHFP monadic.cynic.net OPT"#),
    (
        "td_dnssec",
        6,
        r#"Standard query response 0xc118 SSHFP monadic.cynic.net SSHFP NS ns4.cynic.net NS ns1.cynic.net NS ns3.cynic.net NS ns2.cynic.net A 125.100.126.205 A 199.175.137.213 A 203.141.153.22 A 122.103.238.186 OPT"#,
    ),
    ("td_edns-opts", 1, r#"Standard query 0x35d8 A example.com"#),
    ("td_edns-opts", 2, r#"Standard query response 0x35d8 A example.com A 93.184.216.34"#),
    ("td_edns-opts", 3, r#"Standard query 0xb940 A example.com OPT"#),
    ("td_edns-opts", 4, r#"Standard query response 0xb940 A example.com A 93.184.216.34 RRSIG OPT"#),
    ("td_edns-opts", 5, r#"Standard query 0xa30b A example.com OPT"#),
    ("td_edns-opts", 6, r#"Standard query response 0xa30b A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 7, r#"Standard query 0x4691 A example.com OPT"#),
    ("td_edns-opts", 8, r#"Standard query response 0x4691 A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 9, r#"Standard query 0x85bd A example.com OPT"#),
    ("td_edns-opts", 10, r#"Standard query response 0x85bd A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 11, r#"Standard query 0x7611 A example.com OPT"#),
    ("td_edns-opts", 12, r#"Standard query response 0x7611 A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 13, r#"Standard query 0xcdd0 A example.com OPT"#),
    ("td_edns-opts", 14, r#"Standard query response 0xcdd0 A example.com A 93.184.216.34 RRSIG OPT"#),
    ("td_edns-opts", 15, r#"Standard query 0xe1d0 A example.com OPT"#),
    ("td_edns-opts", 16, r#"Standard query response 0xe1d0 A example.com A 93.184.216.34 RRSIG OPT"#),
    ("td_edns-opts", 17, r#"Standard query 0x811e A example.com OPT"#),
    ("td_edns-opts", 18, r#"Standard query response 0x811e A example.com A 93.184.216.34 RRSIG OPT"#),
    ("td_edns-opts", 19, r#"Standard query 0x3811 A example.com OPT"#),
    ("td_edns-opts", 20, r#"Standard query response 0x3811 A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 21, r#"Standard query 0x4272 A example.com OPT"#),
    ("td_edns-opts", 22, r#"Standard query response 0x4272 A example.com A 93.184.216.34 RRSIG OPT"#),
    ("td_edns-opts", 23, r#"Standard query 0x0f36 A example.com OPT"#),
    ("td_edns-opts", 24, r#"Standard query response 0x0f36 A example.com A 93.184.216.34 RRSIG OPT"#),
    ("td_edns-opts", 25, r#"Standard query 0x211c A example.com OPT"#),
    ("td_edns-opts", 26, r#"Standard query response 0x211c A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 27, r#"Standard query 0x0f7e A example.com OPT"#),
    ("td_edns-opts", 28, r#"Standard query response 0x0f7e A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 29, r#"Standard query 0x67d4 A example.com OPT"#),
    ("td_edns-opts", 30, r#"Standard query response 0x67d4 A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 31, r#"Standard query 0x088e A example.com OPT"#),
    ("td_edns-opts", 32, r#"Standard query response 0x088e A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 33, r#"Standard query 0x4002 A example.com OPT"#),
    ("td_edns-opts", 34, r#"Standard query response 0x4002 A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 35, r#"Standard query 0x18e5 A example.com OPT"#),
    ("td_edns-opts", 36, r#"Standard query response 0x18e5 A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 37, r#"Standard query 0x7253 A example.com OPT"#),
    ("td_edns-opts", 38, r#"Standard query response 0x7253 A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 39, r#"Standard query 0xe7be A example.com OPT"#),
    ("td_edns-opts", 40, r#"Standard query response 0xe7be A example.com A 93.184.216.34 OPT"#),
    ("td_edns-opts", 41, r#"Standard query 0x42e2 A example.com OPT"#),
    ("td_edns-opts", 42, r#"Standard query response 0x42e2 A example.com A 93.184.216.34 RRSIG OPT"#),
    ("td_dns-badcookie", 1, r#"Standard query 0xf6ab SOA <Root> OPT"#),
    ("td_dns-badcookie", 2, r#"Standard query response 0xf6ab RRset exists SOA <Root> OPT"#),
    ("td_dns-badcookie", 3, r#"Standard query 0xb433 SOA <Root> OPT"#),
    ("td_dns-badcookie", 4, r#"Standard query response 0xb433 SOA <Root> SOA a.root-servers.net OPT"#),
    (
        "zk_dns-mdns",
        1,
        r#"Standard query 0x0000 PTR _ipp._tcp.local, "QM" question PTR _ipps._tcp.local, "QM" question"#,
    ),
    (
        "zk_dns-mdns",
        2,
        r#"Standard query 0x0000 PTR _ipp._tcp.local, "QM" question PTR _ipps._tcp.local, "QM" question"#,
    ),
    (
        "zk_dns-mdns",
        3,
        r#"Standard query response 0x0000 AAAA, cache flush fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR, cache flush johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        4,
        r#"Standard query response 0x0000 AAAA, cache flush fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR, cache flush johanna-QEMU-Virtual-Machine.local A, cache flush 10.0.2.7 PTR, cache flush johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        9,
        r#"Standard query 0x0000 PTR _ipp._tcp.local, "QM" question PTR _ipps._tcp.local, "QM" question"#,
    ),
    (
        "zk_dns-mdns",
        10,
        r#"Standard query 0x0000 PTR _ipp._tcp.local, "QM" question PTR _ipps._tcp.local, "QM" question"#,
    ),
    (
        "zk_dns-mdns",
        11,
        r#"Standard query 0x0000 ANY 4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question ANY johanna-QEMU-Virtual-Machine.local, "QM" question ANY f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question AAAA fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        12,
        r#"Standard query 0x0000 ANY 4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question ANY johanna-QEMU-Virtual-Machine.local, "QM" question ANY 7.2.0.10.in-addr.arpa, "QM" question ANY f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question A 10.0.2.7 PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        13,
        r#"Standard query 0x0000 ANY 4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question ANY johanna-QEMU-Virtual-Machine.local, "QM" question ANY f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question AAAA fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        14,
        r#"Standard query 0x0000 ANY 4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question ANY johanna-QEMU-Virtual-Machine.local, "QM" question ANY 7.2.0.10.in-addr.arpa, "QM" question ANY f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question A 10.0.2.7 PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        17,
        r#"Standard query 0x0000 ANY 4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question ANY johanna-QEMU-Virtual-Machine.local, "QM" question ANY f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question AAAA fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        18,
        r#"Standard query 0x0000 ANY 4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question ANY johanna-QEMU-Virtual-Machine.local, "QM" question ANY 7.2.0.10.in-addr.arpa, "QM" question ANY f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa, "QM" question A 10.0.2.7 PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR johanna-QEMU-Virtual-Machine.local AAAA fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 PTR johanna-QEMU-Virtual-Machine.local"#,
    ),
    (
        "zk_dns-mdns",
        19,
        r#"Standard query response 0x0000 PTR, cache flush johanna-QEMU-Virtual-Machine.local A, cache flush 10.0.2.7 PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4"#,
    ),
    (
        "zk_dns-mdns",
        20,
        r#"Standard query response 0x0000 PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:5968:5bc6:1563:f82f PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4"#,
    ),
    (
        "zk_dns-mdns",
        21,
        r#"Standard query 0x0000 PTR _ipp._tcp.local, "QM" question PTR _ipps._tcp.local, "QM" question"#,
    ),
    (
        "zk_dns-mdns",
        22,
        r#"Standard query 0x0000 PTR _ipp._tcp.local, "QM" question PTR _ipps._tcp.local, "QM" question"#,
    ),
    (
        "zk_dns-mdns",
        23,
        r#"Standard query response 0x0000 PTR, cache flush johanna-QEMU-Virtual-Machine.local A, cache flush 10.0.2.7 PTR, cache flush johanna-QEMU-Virtual-Machine.local PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:5968:5bc6:1563:f82f AAAA, cache flush fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4"#,
    ),
    (
        "zk_dns-mdns",
        24,
        r#"Standard query response 0x0000 PTR, cache flush johanna-QEMU-Virtual-Machine.local PTR, cache flush johanna-QEMU-Virtual-Machine.local AAAA, cache flush fd52:429e:c03c:8235:5968:5bc6:1563:f82f AAAA, cache flush fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4"#,
    ),
    ("zk_dns-zero-RRs", 1, r#"Standard query 0x43ab AAAA psu.edu"#),
    ("zk_dns-zero-RRs", 2, r#"Standard query response 0x43ab AAAA psu.edu SOA otc2.psu.edu"#),
    (
        "zk_dns53",
        1,
        r#"Standard query response 0x6465 A us.v27.distributed.net A 206.109.64.186 A 216.1.205.81 A 205.149.163.211 A 134.53.131.135 A 134.53.131.192 A 128.104.18.148 A 204.152.186.139 A 63.77.33.226 NS ns1.distributed.net NS ns2.distributed.net NS ns3.distributed.net NS ns6.distributed.net NS ns1.best.com NS ns2.best.com NS ns3.best.com A 209.98.32.14 A 64.9.167.166 A 216.1.205.81 A 205.149.163.211 A 209.24.149.41 A 209.157.102.11 A 209.24.149.42"#,
    ),
    ("td_dns_tcp", 4, r#"Standard query 0x4319 A www.tcpdump.org OPT"#),
    (
        "td_dns_tcp",
        6,
        r#"Standard query response 0x4319 A www.tcpdump.org A 192.139.46.66 A 198.199.88.104 NS nic.sandelman.ca NS sns.cooperix.net A 209.87.249.18 AAAA 2607:f0b0:f::babe:f00d A 97.107.133.15 AAAA 2600:3c03::f03c:91ff:fe96:e8ef OPT"#,
    ),
    (
        "zk_dns-tkey",
        8,
        r#"Standard query response 0xcda0 TKEY 1068-ms-7.309-2c6e448.7a9463b8-b109-11ed-26a3-080027f220e5 TKEY TSIG"#,
    ),
    ("pp_DnsPackets", 1, r#"Standard query 0x8185 A www.google.com"#),
    (
        "pp_DnsPackets",
        2,
        r#"Standard query response 0x8185 A www.google.com A 173.194.112.19 A 173.194.112.18 A 173.194.112.17 A 173.194.112.16 A 173.194.112.20"#,
    ),
    (
        "pp_DnsPackets",
        9,
        r#"Standard query response 0xf48f A www.google-analytics.com CNAME www-google-analytics.l.google.com A 212.199.205.226 A 212.199.205.231 A 212.199.205.217 A 212.199.205.237 A 212.199.205.241 A 212.199.205.247 A 212.199.205.232 A 212.199.205.236 A 212.199.205.222 A 212.199.205.212 A 212.199.205.221 A 212.199.205.251 A 212.199.205.242 A 212.199.205.216 A 212.199.205.246 A 212.199.205.227"#,
    ),
    (
        "pp_DnsPackets",
        12,
        r#"Standard query response 0x343a A www.meetingcpp.com CNAME meetingcpp.com A 81.169.145.151"#,
    ),
    ("pp_DnsPackets", 20, r#"Standard query response 0x0b61 No such name A wpad.HOME SOA a.root-servers.net"#),
    ("pp_DnsPackets", 21, r#"Standard query 0xa706 A wpad"#),
    (
        "pp_DnsPackets",
        25,
        r#"Standard query 0x0000 PTR _apple-mobdev._tcp.local, "QM" question PTR _sleep-proxy._udp.local, "QM" question"#,
    ),
    ("pp_DnsPackets", 418, r#"Standard query 0x0000 ANY Yaels-iPhone.local, "QU" question A 10.0.0.2 OPT"#),
    ("pp_DnsPackets", 419, r#"Standard query 0x0000 ANY Yaels-iPhone.local, "QM" question A 10.0.0.2 OPT"#),
];

#[test]
fn info_matches_tshark() {
    let mut by_file: HashMap<&str, HashMap<usize, String>> = HashMap::new();
    for (file, frame, want) in TSHARK_INFO {
        let infos = by_file.entry(file).or_insert_with(|| info_lines(&format!("{file}.pcap")));
        let got = infos.get(frame).unwrap_or_else(|| panic!("{file} frame {frame}: no DNS"));
        assert_eq!(got, want, "{file} frame {frame}");
    }
    // Every DNS message of these files is listed above.
    for (file, infos) in &by_file {
        if *file != "pp_DnsPackets" && *file != "zk_dns-tkey" {
            let listed = TSHARK_INFO.iter().filter(|(f, _, _)| f == file).count();
            assert_eq!(infos.len(), listed, "{file}");
        }
    }
}

/// The `-V` tree of every DNS message, fingerprinted. Expected: the DNS,
/// MDNS and LLMNR subtrees of `tshark -n -r FILE -V`, lines indented four
/// spaces per level as tshark prints them, each ended by '\n', with the
/// request/response tracking lines tshark adds from other frames removed
/// ("[Request In: ..]", "[Response In: ..]", "[Time: ..]", "[Unsolicited:
/// ..]", "[Retransmitted ..]", "[Retransmission: ..]" and the retransmission
/// expert-info subtree), plus tshark's top-level "[Malformed Packet: DNS]" /
/// "[Packet size limited during capture: DNS truncated]" line.
#[test]
fn trees_match_tshark() {
    let cases: [(&str, u64, usize); 12] = [
        ("pp_DnsPackets.pcap", 0xfb8b_aaae_685f_fe63, 18383),
        ("td_dnssec.pcap", 0xeca8_bd5f_5d91_642f, 577),
        ("td_edns-opts.pcap", 0x2ac5_de87_d983_59cf, 1850),
        ("zk_dns-mdns.pcap", 0xb915_fc13_0c85_0c12, 993),
        ("td_dns_udp.pcap", 0x8581_0692_16b5_2e5e, 131),
        ("zk_dns53.pcap", 0x4498_fd1e_4b1f_9c4d, 181),
        ("td_dns-badcookie.pcap", 0xdc65_8de3_824d_562c, 172),
        ("zk_dns-zero-RRs.pcap", 0x2203_2fb4_5ba9_39e2, 58),
        ("zk_dns-max-compression-depth.pcap", 0x37d1_5992_03e5_71b5, 74),
        ("td_dns_udp_2.pcap", 0xf80f_120f_7792_21ab, 71),
        ("zk_dns-long-connection.pcap", 0x7f25_1394_8829_256b, 631),
        ("zk_dns-corrupt.pcap", 0x1af8_b634_7c51_93f0, 88),
    ];
    for (file, hash, lines) in cases {
        let (text, n) = tree_text(file);
        assert_eq!(n, lines, "{file}");
        assert_eq!(fnv1a(&text), hash, "{file}:\n{text}");
    }
}

#[test]
fn tree_sample_matches_tshark() {
    // td_dns_udp.pcap frame 1, as `tshark -V` prints it.
    let want = "\
Domain Name System (query)
    Transaction ID: 0x5934
    Flags: 0x0120 Standard query
        0... .... .... .... = Response: Message is a query
        .000 0... .... .... = Opcode: Standard query (0)
        .... ..0. .... .... = Truncated: Message is not truncated
        .... ...1 .... .... = Recursion desired: Do query recursively
        .... .... .0.. .... = Z: reserved (0)
        .... .... ..1. .... = AD bit: Set
        .... .... ...0 .... = Non-authenticated data: Unacceptable
    Questions: 1
    Answer RRs: 0
    Authority RRs: 0
    Additional RRs: 1
    Queries
        www.tcpdump.org: type A, class IN
            Name: www.tcpdump.org
            [Name Length: 15]
            [Label Count: 3]
            Type: A (Host Address) (1)
            Class: IN (0x0001)
    Additional records
        <Root>: type OPT
            Name: <Root>
            Type: OPT (41)
            UDP payload size: 4096
            Higher bits in extended RCODE: 0x00
            EDNS0 version: 0
            Z: 0x0000
                0... .... .... .... = DO bit: Cannot handle DNSSEC security RRs
                .000 0000 0000 0000 = Reserved: 0x0000
            Data length: 12
            Option: COOKIE
                Option Code: COOKIE (10)
                Option Length: 8
                Option Data: 42f5d00996f90b13
                Client Cookie: 42f5d00996f90b13
                Server Cookie: <MISSING>
";
    let f = &messages("td_dns_udp.pcap")[0];
    let mut out = Vec::new();
    parse(f).write_tree(0, &mut out);
    let got: String = out.iter().map(|(d, l)| format!("{}{l}\n", "    ".repeat(*d))).collect();
    assert_eq!(got, want);
}

#[test]
fn decoded_values() {
    let m = parse(&messages("td_dns_udp.pcap")[1]);
    assert_eq!(m.answers.len(), 2);
    assert_eq!(m.answers[0].data.short(), "192.139.46.66");
    assert_eq!(m.authorities[0].data, RData::Ns("sns.cooperix.net".into()));
    assert_eq!(m.additionals[1].data.short(), "2607:f0b0:f::babe:f00d");
    assert_eq!(m.edns.as_ref().unwrap().udp_payload_size, 4096);

    // td_dns-badcookie.pcap: BADCOOKIE (23) = header rcode 7 + OPT upper bits 1.
    let msgs = messages("td_dns-badcookie.pcap");
    let m = parse(&msgs[1]);
    assert_eq!((m.rcode, m.header_rcode()), (23, 7));
    assert_eq!(dns::rcode_name(m.rcode), "BADCOOKIE");
    let cookie = &m.edns.as_ref().unwrap().options[0];
    assert!(matches!(cookie, dns::EdnsOption::Cookie { server: Some(s), .. } if s.len() == 16));

    // zk_dns-zero-RRs.pcap: NOERROR response with no answers, SOA authority.
    let m = parse(&messages("zk_dns-zero-RRs.pcap")[1]);
    assert_eq!((m.answer_count, m.authority_count), (0, 1));
    assert!(matches!(&m.authorities[0].data, RData::Soa { mname, .. } if mname == "otc2.psu.edu"));

    // td_edns-opts.pcap: client subnet options as tshark shows them.
    let subnets: Vec<String> = messages("td_edns-opts.pcap")
        .iter()
        .filter_map(|f| parse(f).edns)
        .flat_map(|e| e.options)
        .filter_map(|o| match o {
            dns::EdnsOption::ClientSubnet { address, source_prefix, .. } => Some(format!("{address}/{source_prefix}")),
            _ => None,
        })
        .collect();
    assert!(subnets.contains(&"192.0.2.0/24".to_string()), "{subnets:?}");
    assert!(subnets.contains(&"2001:db8:85a3::8a2e:0:0/100".to_string()), "{subnets:?}");
}

// ---- crafted captures: exact outcomes ---------------------------------------

fn only_message(file: &str) -> Found {
    let mut found = messages(file);
    assert_eq!(found.len(), 1, "{file}");
    found.remove(0)
}

fn malformed(m: &Message) -> (usize, &str) {
    let e = m.malformed.as_ref().expect("malformed");
    (e.offset, e.reason.as_str())
}

/// td_dns-zlip-1/2/3: compression-pointer loops (the "zlip" DNS
/// decompression bomb). Their UDP length field says 8 (no payload), so
/// tshark stops at UDP ("1024 → 53 Len=0", no DNS fields, nothing
/// malformed) and tcpdump prints "[length 0 < 12] (invalid)". Here the DNS
/// bytes are taken up to the IP length to exercise the parser.
#[test]
fn zlip_loops() {
    let cases = [
        // Question name is a pointer to itself: c0 0c at offset 12.
        ("td_dns-zlip-1.pcap", 12, "compression pointer at offset 12 points to itself"),
        // c0 0e at 12 points forward to 14, where c0 0c points back to 12.
        ("td_dns-zlip-2.pcap", 12, "compression pointer at offset 12 points forward to 14"),
        // A 62-byte label, then c0 0c back to the start of the same name.
        (
            "td_dns-zlip-3.pcap",
            75,
            "compression pointer at offset 75 points to 12, inside the name being decoded (loop)",
        ),
    ];
    for (file, offset, reason) in cases {
        let f = only_message(file);
        assert!(f.dns.is_empty(), "{file}: UDP length 8 means no payload");
        let m = dns::parse(&f.dns_by_ip_len).unwrap();
        assert_eq!(malformed(&m), (offset, reason), "{file}");
        assert!(m.questions.is_empty());
        assert_eq!(m.question_count, 1);
        assert!(m.info().ends_with("[Malformed Packet]"));
        assert!(tshark_fields(file)[&1]["dns.id"].is_empty(), "{file}: tshark has no DNS");
    }
}

/// td_dns_fwdptr.pcap: a 63 KB response whose question name reaches a
/// compression pointer to a *later* offset (fb 03 at offset 46 -> 15107).
///
/// KNOWN DIFFERENCE from tshark: tshark only guards against loops (a pointer
/// to itself, or more than 255 pointers), so it follows the forward pointer,
/// decodes 15 questions and 507 answers as "<Name too long>" with type
/// Unknown (507), and eventually hits the end of the data: TSV shows
/// `_ws.malformed` "Malformed Packet (Exception occurred)". This module
/// follows pointers backwards only (like smoltcp), so decoding stops at the
/// first question with the reason below and nothing decoded.
#[test]
fn forward_pointer() {
    let f = only_message("td_dns_fwdptr.pcap");
    let m = parse(&f);
    assert_eq!(malformed(&m), (46, "compression pointer at offset 46 points forward to 15107"));
    assert_eq!((m.id, m.flags_raw, m.question_count, m.answer_count), (0xc980, 0xffef, 64259, 507));
    assert!(m.questions.is_empty());
    assert_eq!(m.info(), "Unknown operation (15) response 0xc980 Unknown error (15)[Malformed Packet]");
    let row = &tshark_fields("td_dns_fwdptr.pcap")[&1];
    assert!(row["dns.qry.name"].starts_with("<Name too long>,<Name too long>,"));
    assert_eq!(row["_ws.expert.message"], "Malformed Packet (Exception occurred)");
}

/// td_dns-badlabel.pcap: the same 63 KB response with the label bytes
/// shifted so the question name is a long run of 1- and 3-byte labels.
/// tshark: the name is "<Name too long>" (it keeps decoding: type Unused,
/// class 0x10fb), then it runs off the data: "Unknown operation (15)
/// response 0xc980 Unknown error (15) Unused <Name too long>[Malformed
/// Packet]". Here the name is rejected when it passes 255 bytes (RFC 1035
/// §2.3.4) and nothing after it is decoded.
#[test]
fn bad_label() {
    let f = only_message("td_dns-badlabel.pcap");
    let m = parse(&f);
    assert_eq!(malformed(&m), (12, "name exceeds 255 bytes"));
    assert!(m.questions.is_empty());
    assert_eq!(m.info(), "Unknown operation (15) response 0xc980 Unknown error (15)[Malformed Packet]");
    let row = &tshark_fields("td_dns-badlabel.pcap")[&1];
    assert_eq!(row["dns.qry.name"], "<Name too long>");
    assert_eq!(row["_ws.expert.message"], "Malformed Packet (Exception occurred)");
}

/// zk_dns-corrupt.pcap: despite the name, both messages are valid DNS
/// (tshark: no malformed mark; query with a cookie, response with two A
/// records).
#[test]
fn zeek_corrupt() {
    let found = messages("zk_dns-corrupt.pcap");
    let names: Vec<(Option<Message>, usize)> = found.iter().map(|f| (Some(parse(f)), f.frame)).collect();
    let q = names[0].0.as_ref().unwrap();
    let r = names[1].0.as_ref().unwrap();
    assert_eq!((q.malformed.as_ref(), r.malformed.as_ref()), (None, None));
    assert_eq!(q.questions[0].name, "zeek.org");
    assert_eq!(r.answers.iter().map(|a| a.data.short()).collect::<Vec<_>>(), ["192.0.78.212", "192.0.78.150"]);
    assert!(matches!(&q.edns.as_ref().unwrap().options[0], dns::EdnsOption::Cookie { server: None, .. }));
    assert_eq!(r.info(), "Standard query response 0xb823 A zeek.org A 192.0.78.212 A 192.0.78.150 OPT");
}

/// zk_dns-invalid-names.pcap, three one-question queries:
/// 1. "03 61" then the end: tshark "Standard query 0x2222[Malformed Packet]".
/// 2. "c0 0c", a pointer to itself: tshark shows the name as "<Name contains
///    a pointer that loops>", does NOT mark the packet malformed, and its
///    Info is "Standard query 0x2223 A <Name contains a pointer that loops>".
///    Here it is malformed (KNOWN DIFFERENCE).
/// 3. "03 61 62 63" with no terminating label: tshark "Standard query
///    0x2224[Malformed Packet]".
#[test]
fn zeek_invalid_names() {
    let found = messages("zk_dns-invalid-names.pcap");
    let got: Vec<(usize, String, String)> = found
        .iter()
        .map(|f| {
            let m = parse(f);
            let (o, r) = malformed(&m);
            (o, r.to_string(), m.info())
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                12,
                "truncated: label at offset 12 needs 3 bytes, 1 remain".to_string(),
                "Standard query 0x2222[Malformed Packet]".to_string()
            ),
            (
                12,
                "compression pointer at offset 12 points to itself".to_string(),
                "Standard query 0x2223[Malformed Packet]".to_string()
            ),
            (
                16,
                "truncated: name at offset 12 runs past the end of the message".to_string(),
                "Standard query 0x2224[Malformed Packet]".to_string()
            ),
        ]
    );
    let rows = tshark_fields("zk_dns-invalid-names.pcap");
    assert_eq!(rows[&1]["_ws.expert.message"], "Malformed Packet (Exception occurred)");
    assert_eq!(rows[&2]["dns.qry.name"], "<Name contains a pointer that loops>");
    assert_eq!(rows[&2]["_ws.expert.message"], "");
    assert_eq!(rows[&3]["_ws.expert.message"], "Malformed Packet (Exception occurred)");
}

/// zk_dns-max-compression-depth.pcap: seven answers, each owner a pointer
/// to the previous answer's owner, so the last needs 6 jumps. Zeek flags
/// "DNS_max_compression_chain_depth_exceeded" (its test lowers the limit);
/// tshark and this module decode it (every jump goes backwards; up to 255
/// are followed).
#[test]
fn zeek_max_compression_depth() {
    let m = parse(&only_message("zk_dns-max-compression-depth.pcap"));
    assert_eq!(m.malformed, None);
    assert_eq!(m.questions[0].name, "a");
    let owners: Vec<&str> = m.answers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(owners, ["a"; 7]);
    let addrs: Vec<String> = m.answers.iter().map(|a| a.data.short()).collect();
    assert_eq!(addrs, (1..=7).map(|i| format!("127.0.0.{i}")).collect::<Vec<_>>());
}

/// td_dns_udp_2.pcap: snaplen 98 cuts the response inside its second
/// answer's header.
#[test]
fn snaplen_truncated_response() {
    let f = &messages("td_dns_udp_2.pcap")[1];
    assert!(f.snaplen_cut);
    let m = parse(f);
    assert_eq!(malformed(&m), (51, "truncated: record header needs 10 bytes, 5 remain"));
    assert_eq!(m.answers.len(), 1);
    assert_eq!(
        m.info_for_capture(true),
        "Standard query response 0x5934 A www.tcpdump.org A 192.139.46.66[Packet size limited during capture]"
    );
}
