//! Tests of the packet details tree: crafted frames through the real
//! dissector, corpus frames compared with lines tshark prints, and every
//! truncated prefix of a set of frames (no panic, well-formed depths).

use super::{Ctx, lower, write_tree};
use crate::capture::{Frame, LinkType, Timestamp};
use crate::dissect::Dissector;
use crate::dissect::bytes::{fold, ones_sum};

const SRC4: [u8; 4] = [10, 200, 1, 2];
const DST4: [u8; 4] = [10, 200, 2, 2];
const SRC6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DST6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

fn frame(link: LinkType, orig_len: u32, data: &[u8]) -> Frame<'_> {
    let ts = Timestamp { secs: 1_700_000_000, nanos: 123_456_789 };
    Frame { orig_len, ..crate::testutil::frame(1, ts, link, data) }
}

/// The tree of one frame dissected on its own.
fn tree_with(link: LinkType, orig_len: u32, data: &[u8]) -> Vec<(usize, String)> {
    let mut d = Dissector::new();
    let p = d.dissect(&frame(link, orig_len, data));
    let mut out = Vec::new();
    write_tree(&p, &mut out);
    well_formed(&out);
    out
}

fn tree(link: LinkType, data: &[u8]) -> Vec<(usize, String)> {
    tree_with(link, data.len() as u32, data)
}

fn render(out: &[(usize, String)]) -> String {
    out.iter().map(|(d, l)| format!("{}{l}\n", "    ".repeat(*d))).collect()
}

/// Asserts that `line` is in the tree at `depth`.
#[track_caller]
fn has(out: &[(usize, String)], depth: usize, line: &str) {
    assert!(out.iter().any(|(d, l)| *d == depth && l == line), "missing {depth}:{line:?} in\n{}", render(out));
}

#[track_caller]
fn lacks(out: &[(usize, String)], needle: &str) {
    assert!(!out.iter().any(|(_, l)| l.contains(needle)), "unexpected {needle:?} in\n{}", render(out));
}

/// A tree starts at depth 0 and goes at most one level deeper per line.
#[track_caller]
fn well_formed(out: &[(usize, String)]) {
    let mut prev = 0;
    for (i, (d, l)) in out.iter().enumerate() {
        assert!(if i == 0 { *d == 0 } else { *d <= prev + 1 }, "depth jump at {l:?} in\n{}", render(out));
        prev = *d;
    }
}

fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0x42, 0xac, 0x11, 0x00, 0x03, 0x02, 0x42, 0xac, 0x11, 0x00, 0x02];
    f.extend(ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn ipv4(proto: u8, id: u16, flags_frag: u16, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut h = vec![0x45, 0x00];
    h.extend(total.to_be_bytes());
    h.extend(id.to_be_bytes());
    h.extend(flags_frag.to_be_bytes());
    h.extend([64, proto, 0, 0]);
    h.extend(SRC4);
    h.extend(DST4);
    let ck = fold(ones_sum(0, &h));
    h[10..12].copy_from_slice(&ck.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// Fills in the transport checksum at `at` of `seg` over an IPv4 or IPv6 pseudo-header.
fn with_l4_checksum(mut seg: Vec<u8>, at: usize, proto: u8, v6: bool) -> Vec<u8> {
    let (s, d): (&[u8], &[u8]) = if v6 { (&SRC6, &DST6) } else { (&SRC4, &DST4) };
    let len = seg.len() as u32;
    let sum = ones_sum(ones_sum(0, s), d) + u32::from(proto) + (len >> 16) + (len & 0xffff);
    let ck = fold(ones_sum(sum, &seg));
    seg[at..at + 2].copy_from_slice(&ck.to_be_bytes());
    seg
}

fn tcp(flags: u16, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let hl = 20 + options.len();
    let mut t = vec![0xa9, 0x00, 0x27, 0x0f, 0, 0, 0x04, 0xd2, 0, 0, 0x16, 0x2e];
    t.extend(((hl as u16 / 4) << 12 | flags).to_be_bytes());
    t.extend([0xff, 0xd7, 0, 0, 0, 0]);
    t.extend_from_slice(options);
    t.extend_from_slice(payload);
    with_l4_checksum(t, 16, 6, false)
}

/// UDP from port 54321 to DNS.
fn udp(payload: &[u8], v6: bool) -> Vec<u8> {
    udp_to(53, payload, v6)
}

fn udp_to(dport: u16, payload: &[u8], v6: bool) -> Vec<u8> {
    let mut u = vec![0xd4, 0x31];
    u.extend(dport.to_be_bytes());
    u.extend(((8 + payload.len()) as u16).to_be_bytes());
    u.extend([0, 0]);
    u.extend_from_slice(payload);
    with_l4_checksum(u, 6, 17, v6)
}

const SYN_OPTIONS: [u8; 24] = [
    2, 4, 0x05, 0xb4, // MSS 1460
    4, 2, // SACK permitted
    8, 10, 0, 0, 0, 1, 0, 0, 0, 0, // timestamps 1, 0
    1, // NOP
    3, 3, 7, // window scale 7
    99, 2, // unknown kind
    0, 0, // EOL and padding
];

#[test]
fn frame_ethernet_ipv4_tcp_syn() {
    let f = eth(0x0800, &ipv4(6, 0x1c46, 0x4000, &tcp(0x002, &SYN_OPTIONS, &[])));
    let out = tree(LinkType::ETHERNET, &f);
    let n = f.len();
    has(
        &out,
        0,
        &format!("Frame 1: {n} bytes on wire ({} bits), {n} bytes captured ({} bits) on interface 0", n * 8, n * 8),
    );
    has(&out, 1, "Encapsulation type: Ethernet (1)");
    has(&out, 1, "Epoch Time: 1700000000.123456789 seconds");
    has(&out, 1, "[Protocols in frame: eth:ethertype:ip:tcp]");
    has(&out, 0, "Ethernet II, Src: 02:42:ac:11:00:02, Dst: 02:42:ac:11:00:03");
    has(
        &out,
        2,
        ".... ..1. .... .... .... .... = LG bit: Locally administered address (this is NOT the factory default)",
    );
    has(&out, 1, "Type: IPv4 (0x0800)");
    has(&out, 0, "Internet Protocol Version 4, Src: 10.200.1.2, Dst: 10.200.2.2");
    has(&out, 1, ".... 0101 = Header Length: 20 bytes (5)");
    has(&out, 1, "Differentiated Services Field: 0x00 (DSCP: CS0, ECN: Not-ECT)");
    has(&out, 2, "0000 00.. = Differentiated Services Codepoint: Default (0)");
    has(&out, 1, "Identification: 0x1c46 (7238)");
    has(&out, 1, "010. .... = Flags: 0x2, Don't fragment");
    has(&out, 2, ".1.. .... = Don't fragment: Set");
    has(&out, 1, "...0 0000 0000 0000 = Fragment Offset: 0");
    has(&out, 1, "Protocol: TCP (6)");
    assert!(out.iter().any(|(d, l)| *d == 1 && l.starts_with("Header Checksum: 0x") && l.ends_with("[correct]")));
    has(&out, 0, "Transmission Control Protocol, Src Port: 43264, Dst Port: 9999, Seq: 1234, Len: 0");
    has(&out, 1, "Sequence Number (raw): 1234");
    has(&out, 1, "1011 .... = Header Length: 44 bytes (11)");
    has(&out, 1, "Flags: 0x002 (SYN)");
    has(&out, 2, ".... .... ..1. = Syn: Set");
    has(&out, 2, ".... ...0 .... = Acknowledgment: Not set");
    has(&out, 2, "[TCP Flags: ··········S·]");
    has(&out, 1, "Window: 65495");
    assert!(out.iter().any(|(d, l)| *d == 1 && l.starts_with("Checksum: 0x") && l.ends_with("[correct]")));
    has(
        &out,
        1,
        "Options: (24 bytes), Maximum segment size, SACK permitted, Timestamps, No-Operation (NOP), \
         Window scale, Unknown, End of Option List (EOL), End of Option List (EOL)",
    );
    has(&out, 2, "TCP Option - Maximum segment size: 1460 bytes");
    has(&out, 3, "MSS Value: 1460");
    has(&out, 2, "TCP Option - Timestamps: TSval 1, TSecr 0");
    has(&out, 2, "TCP Option - Window scale: 7 (multiply by 128)");
    has(&out, 3, "[Multiplier: 128]");
    has(&out, 2, "TCP Option - Unknown (kind 99)");
    has(&out, 3, "Kind: Unknown (99)");
    lacks(&out, "Malformed");
    lacks(&out, "Data (");
}

#[test]
fn bad_checksums_say_what_they_should_be() {
    let mut ip = ipv4(17, 1, 0, &udp_to(6000, b"hello", false));
    ip[10] ^= 0xff;
    ip[27] ^= 0x01; // UDP checksum low byte
    let out = tree(LinkType::RAW, &ip);
    assert!(
        out.iter().any(|(_, l)| l.starts_with("Header Checksum: ") && l.contains("[incorrect, should be 0x")),
        "{}",
        render(&out)
    );
    let udp_ck = out.iter().find(|(_, l)| l.starts_with("Checksum: ")).unwrap();
    assert!(udp_ck.1.contains("[incorrect, should be 0x"), "{}", render(&out));
    has(&out, 1, "UDP payload (5 bytes)");
    has(&out, 0, "Data (5 bytes)");
    has(&out, 1, "Data: 68656c6c6f");
}

#[test]
fn stacked_vlans_and_udp() {
    let mut tags = vec![0x00, 0x64, 0x81, 0x00, 0x20, 0xc8, 0x08, 0x00];
    tags.extend(ipv4(17, 2, 0, &udp(&[0; 4], false)));
    let out = tree(LinkType::ETHERNET, &eth(0x88a8, &tags));
    has(&out, 1, "Type: 802.1ad Provider Bridge (Q-in-Q) (0x88a8)");
    has(&out, 0, "IEEE 802.1ad, ID: 100");
    has(&out, 0, "802.1Q Virtual LAN, PRI: 1, DEI: 0, ID: 200");
    has(&out, 1, "001. .... .... .... = Priority: Background (1)");
    has(&out, 1, "...0 .... .... .... = DEI: Ineligible");
    has(&out, 1, ".... 0000 1100 1000 = ID: 200");
    has(&out, 0, "User Datagram Protocol, Src Port: 54321, Dst Port: 53");
    has(&out, 1, "[Protocols in frame: eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:udp:dns]");
}

#[test]
fn icmp_error_quotes_the_datagram() {
    let inner = ipv4(17, 7, 0, &udp(&[1, 2, 3, 4], false));
    let mut icmp = vec![3, 3, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&inner[..28]);
    let ck = fold(ones_sum(0, &icmp));
    icmp[2..4].copy_from_slice(&ck.to_be_bytes());
    let out = tree(LinkType::ETHERNET, &eth(0x0800, &ipv4(1, 8, 0, &icmp)));
    has(&out, 0, "Internet Control Message Protocol");
    has(&out, 1, "Type: 3 (Destination unreachable)");
    has(&out, 1, "Code: 3 (Port unreachable)");
    has(&out, 1, &format!("Checksum: 0x{ck:04x} [correct]"));
    has(&out, 1, "Unused: 00000000");
    has(&out, 1, "Internet Protocol Version 4, Src: 10.200.1.2, Dst: 10.200.2.2");
    has(&out, 2, "Protocol: UDP (17)");
    has(&out, 1, "User Datagram Protocol, Src Port: 54321, Dst Port: 53");
    has(&out, 2, "Length: 12");
    // A quote is cut short by design: that is not the frame's truncation.
    lacks(&out, "limited during capture");
    lacks(&out, "Malformed");
}

#[test]
fn icmp_echo_has_identifiers_and_data() {
    let mut icmp = vec![8, 0, 0, 0, 0x00, 0x08, 0x00, 0x01, 0xaa, 0xbb];
    let ck = fold(ones_sum(0, &icmp));
    icmp[2..4].copy_from_slice(&ck.to_be_bytes());
    let out = tree(LinkType::RAW, &ipv4(1, 9, 0, &icmp));
    has(&out, 1, "Type: 8 (Echo (ping) request)");
    has(&out, 1, "Identifier (BE): 8 (0x0008)");
    has(&out, 1, "Identifier (LE): 2048 (0x0800)");
    has(&out, 1, "Sequence Number (BE): 1 (0x0001)");
    has(&out, 1, "Data (2 bytes)");
    has(&out, 2, "Data: aabb");
}

fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0x12, 0x34, 0x56];
    h.extend((payload.len() as u16).to_be_bytes());
    h.extend([next, 64]);
    h.extend(SRC6);
    h.extend(DST6);
    h.extend_from_slice(payload);
    h
}

#[test]
fn ipv6_extension_headers_and_held_fragment() {
    // Hop-by-Hop (Router Alert + PadN), Destination Options (PadN), Fragment (offset 8, M=1).
    let mut p = vec![60, 0, 5, 2, 0, 0, 1, 0];
    p.extend([44, 0, 1, 4, 0, 0, 0, 0]);
    p.extend([17, 0, 0x00, 0x09, 0xde, 0xad, 0xbe, 0xef]);
    p.extend([0x55; 16]);
    let out = tree(LinkType::ETHERNET, &eth(0x86dd, &ipv6(0, &p)));
    has(&out, 0, "Internet Protocol Version 6, Src: 2001:db8::1, Dst: 2001:db8::2");
    has(&out, 1, "0110 .... = Version: 6");
    has(&out, 1, ".... 0000 0001 .... .... .... .... .... = Traffic Class: 0x01 (DSCP: CS0, ECN: ECT(1))");
    has(&out, 1, ".... 0010 0011 0100 0101 0110 = Flow Label: 0x23456");
    has(&out, 1, "Next Header: IPv6 Hop-by-Hop Option (0)");
    has(&out, 1, "IPv6 Hop-by-Hop Option");
    has(&out, 2, "Router Alert");
    has(&out, 3, "Router Alert: MLD (0)");
    has(&out, 4, "00.. .... = Action: Skip and continue (0)");
    has(&out, 1, "Destination Options for IPv6");
    has(&out, 3, "PadN: 00000000");
    has(&out, 1, "Fragment Header for IPv6");
    has(&out, 2, "0000 0000 0000 1... = Offset: 1 (8 bytes)");
    has(&out, 2, ".... .... .... ...1 = More Fragments: Yes");
    has(&out, 2, "Identification: 0xdeadbeef");
    has(&out, 1, "[Fragment at offset 8 (more fragments: yes), held for reassembly]");
    has(&out, 0, "Data (16 bytes)");
    has(&out, 1, "[Protocols in frame: eth:ethertype:ipv6:ipv6.hopopts:ipv6.dstopts:ipv6.fraghdr:data]");
}

#[test]
fn reassembled_ipv4_shows_the_transport_from_the_dissector() {
    let seg = udp(&[7; 24], false);
    let (first, second) = seg.split_at(16);
    let f1 = eth(0x0800, &ipv4(17, 0x4242, 0x2000, first));
    let f2 = eth(0x0800, &ipv4(17, 0x4242, 16 / 8, second));
    let mut d = Dissector::new();
    let p1 = d.dissect(&frame(LinkType::ETHERNET, f1.len() as u32, &f1));
    let mut out = Vec::new();
    write_tree(&p1, &mut out);
    has(&out, 1, "001. .... = Flags: 0x1, More fragments");
    has(&out, 1, "[Fragment at offset 0 (more fragments: yes), held for reassembly]");
    drop(p1);
    let p2 = d.dissect(&frame(LinkType::ETHERNET, f2.len() as u32, &f2));
    let mut out = Vec::new();
    write_tree(&p2, &mut out);
    well_formed(&out);
    has(&out, 1, "...0 0000 0000 0010 = Fragment Offset: 16");
    has(&out, 1, "[Reassembled from 2 fragments, 32 bytes]");
    has(&out, 0, "User Datagram Protocol, Src Port: 54321, Dst Port: 53");
    has(&out, 1, "Length: 32");
    has(&out, 1, "UDP payload (24 bytes)");
}

#[test]
fn icmpv6_neighbor_advertisement() {
    let mut m = vec![136, 0, 0, 0, 0xe0, 0, 0, 0];
    m.extend(SRC6);
    m.extend([2, 1, 0xaa, 0, 4, 0, 0x0a, 4]);
    let ip = ipv6(58, &m);
    let m = with_l4_checksum(ip[40..].to_vec(), 2, 58, true);
    let out = tree(LinkType::IPV6, &ipv6(58, &m));
    has(&out, 0, "Internet Control Message Protocol v6");
    has(&out, 1, "Type: Neighbor Advertisement (136)");
    assert!(out.iter().any(|(_, l)| l.starts_with("Checksum: ") && l.ends_with("[correct]")), "{}", render(&out));
    has(&out, 1, "Flags: 0xe0000000, Router, Solicited, Override");
    has(&out, 2, "..1. .... .... .... .... .... .... .... = Override: Set");
    has(&out, 1, "Target Address: 2001:db8::1");
    has(&out, 1, "ICMPv6 Option (Target link-layer address : aa:00:04:00:0a:04)");
    has(&out, 2, "Length: 1 (8 bytes)");
    has(&out, 2, "Link-layer address: aa:00:04:00:0a:04");
}

#[test]
fn arp_with_padding_and_trailer() {
    let mut a = vec![0, 1, 8, 0, 6, 4, 0, 1, 2, 0x42, 0xac, 0x11, 0, 2];
    a.extend(SRC4);
    a.extend([0; 6]);
    a.extend(DST4);
    a.extend([0; 22]);
    let out = tree(LinkType::ETHERNET, &eth(0x0806, &a));
    has(&out, 0, "Address Resolution Protocol (request)");
    has(&out, 1, "Hardware type: Ethernet (1)");
    has(&out, 1, "Opcode: request (1)");
    has(&out, 1, "Sender MAC address: 02:42:ac:11:00:02");
    has(&out, 1, "Target IP address: 10.200.2.2");
    has(&out, 1, "Padding: 000000000000000000000000000000000000");
    has(&out, 1, "Trailer: 00000000");
}

#[test]
fn other_link_types() {
    let ip = ipv4(17, 3, 0, &udp(&[], false));
    let mut null = vec![2, 0, 0, 0];
    null.extend(&ip);
    let out = tree(LinkType::NULL, &null);
    has(&out, 0, "Null/Loopback");
    has(&out, 1, "Family: IP (2)");
    has(&out, 1, "Encapsulation type: NULL/Loopback (0)");

    let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 4, 6, 1, 2, 3, 4, 5, 6, 0, 0];
    sll2.extend(&ip);
    let out = tree(LinkType::LINUX_SLL2, &sll2);
    has(&out, 0, "Linux cooked capture v2");
    has(&out, 1, "Protocol: IPv4 (0x0800)");
    has(&out, 1, "Interface index: 1");
    has(&out, 1, "Link-layer address type: Loopback (772)");
    has(&out, 1, "Packet type: Sent by us (4)");
    has(&out, 1, "Source: 01:02:03:04:05:06");
    has(&out, 1, "Unused: 0000");
    has(&out, 0, "Internet Protocol Version 4, Src: 10.200.1.2, Dst: 10.200.2.2");

    // MPLS label 16, then a pseudowire control word and an inner Ethernet frame.
    let mut mpls = vec![0x00, 0x01, 0x01, 0x40, 0, 0, 0, 5];
    mpls.extend(eth(0x0800, &ip));
    let out = tree(LinkType::ETHERNET, &eth(0x8847, &mpls));
    has(&out, 0, "MultiProtocol Label Switching Header, Label: 16, Exp: 0, S: 1, TTL: 64");
    has(&out, 1, "0000 0000 0000 0001 0000 .... .... .... = MPLS Label: 16 (0x00010)");
    has(&out, 0, "PW Ethernet Control Word");
    has(&out, 1, "Sequence Number: 5");
    assert_eq!(out.iter().filter(|(d, l)| *d == 0 && l.starts_with("Ethernet II")).count(), 2);
    has(&out, 0, "User Datagram Protocol, Src Port: 54321, Dst Port: 53");

    // PPPoE session and VN-Tag, then 802.3 + LLC/SNAP.
    let mut pppoe = vec![0x11, 0, 0x12, 0x34, 0, ip.len() as u8 + 2, 0, 0x21];
    pppoe.extend(&ip);
    let mut vn = vec![0x80, 0x05, 0x00, 0x07, 0x88, 0x64];
    vn.extend(pppoe);
    let out = tree(LinkType::ETHERNET, &eth(0x8926, &vn));
    has(&out, 0, "VN-Tag");
    has(&out, 1, "1... .... .... .... .... .... .... .... = Direction: From Bridge");
    has(&out, 1, "..00 0000 0000 0101 .... .... .... .... = Destination: 5");
    has(&out, 0, "PPP-over-Ethernet Session");
    has(&out, 1, "Session ID: 0x1234");
    has(&out, 1, "Protocol: Internet Protocol version 4 (0x0021)");
    has(&out, 0, "Internet Protocol Version 4, Src: 10.200.1.2, Dst: 10.200.2.2");

    let mut snap = vec![0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];
    snap.extend(&ip);
    let out = tree(LinkType::ETHERNET, &eth(snap.len() as u16, &snap));
    has(&out, 0, "IEEE 802.3 Ethernet");
    has(&out, 0, "Logical-Link Control");
    has(&out, 1, "Control field: U, func=UI (0x03)");
    has(&out, 1, "Type: IPv4 (0x0800)");
    has(&out, 0, "Internet Protocol Version 4, Src: 10.200.1.2, Dst: 10.200.2.2");
}

#[test]
fn truncation_and_errors_are_said() {
    let f = eth(0x0800, &ipv4(6, 1, 0, &tcp(0x012, &SYN_OPTIONS, &[])));
    // Cut inside the TCP options by the snaplen.
    let out = tree_with(LinkType::ETHERNET, f.len() as u32, &f[..14 + 20 + 20 + 9]);
    has(&out, 1, "[Truncated: yes, 15 bytes not captured]");
    has(&out, 3, "[Cut short by the capture: 3 of 10 bytes captured]");
    has(&out, 0, "[Packet size limited during capture: TCP truncated]");
    // Cut inside the IPv4 header.
    let out = tree_with(LinkType::ETHERNET, f.len() as u32, &f[..14 + 10]);
    has(&out, 1, "Identification: 0x0001 (1)");
    has(&out, 0, "[Packet size limited during capture: IPv4 truncated]");
    // A bogus header length.
    let mut bad = ipv4(6, 1, 0, &[0; 20]);
    bad[0] = 0x44;
    let out = tree(LinkType::RAW, &bad);
    has(&out, 1, ".... 0100 = Header Length: 16 bytes (4)");
    has(
        &out,
        0,
        "[Malformed/undecoded: IPv4: IPv4 header length 16 is shorter than the minimum 20 bytes (frame offset 0)]",
    );
    // A link type the dissector does not decode.
    let out = tree(LinkType(147), &[1, 2, 3]);
    has(&out, 0, "Data (3 bytes)");
    has(&out, 0, "[Malformed/undecoded: link: link type 147 is not decoded (frame offset 0)]");
}

/// A capture's link type and its frames as (original length, captured bytes).
type Capture = (LinkType, Vec<(u32, Vec<u8>)>);

/// Little-endian pcap files only (the corpus files used here are).
fn corpus(name: &str) -> Option<Capture> {
    let b = std::fs::read(crate::testutil::capture(name)).ok()?;
    let le32 = |at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
    if !matches!(le32(0)?, 0xa1b2_c3d4 | 0xa1b2_3c4d) {
        return None;
    }
    let link = LinkType(le32(20)? & 0x0fff_ffff);
    let mut frames = Vec::new();
    let mut at = 24;
    while let (Some(cap), Some(orig)) = (le32(at + 8), le32(at + 12)) {
        let Some(data) = b.get(at + 16..at + 16 + cap as usize) else {
            break;
        };
        frames.push((orig, data.to_vec()));
        at += 16 + cap as usize;
    }
    Some((link, frames))
}

/// Trees of the first `n` frames of a corpus file (one dissector, so reassembly works).
fn corpus_trees(name: &str, n: usize) -> Option<Vec<Vec<(usize, String)>>> {
    let (link, frames) = corpus(name)?;
    let mut d = Dissector::new();
    let mut trees = Vec::new();
    for (i, (orig, data)) in frames.iter().take(n).enumerate() {
        let mut f = frame(link, *orig, data);
        f.number = i as u64 + 1;
        let p = d.dissect(&f);
        let mut out = Vec::new();
        write_tree(&p, &mut out);
        well_formed(&out);
        trees.push(out);
    }
    Some(trees)
}

#[test]
fn corpus_frames_read_like_tshark() {
    if let Some(t) = corpus_trees("td_dns_udp.pcap", 1) {
        // Lines exactly as `tshark -V` prints them for this frame.
        for (d, l) in [
            (0, "Internet Protocol Version 4, Src: 192.168.1.11, Dst: 209.87.249.18"),
            (1, "Total Length: 84"),
            (1, "Identification: 0x59cd (22989)"),
            (1, "000. .... = Flags: 0x0"),
            (2, "..0. .... = More fragments: Not set"),
            (1, "Time to Live: 64"),
            (1, "Protocol: UDP (17)"),
            (1, "Destination Address: 209.87.249.18"),
            (0, "User Datagram Protocol, Src Port: 43966, Dst Port: 53"),
            (1, "Length: 64"),
            (1, "UDP payload (56 bytes)"),
        ] {
            has(&t[0], d, l);
        }
        lacks(&t[0], "Data (");
    }
    if let Some(t) = corpus_trees("zk_tcp-option-sack.pcap", 2) {
        has(&t[1], 1, "Options: (20 bytes), SACK, End of Option List (EOL), End of Option List (EOL)");
        has(&t[1], 2, "TCP Option - SACK 1-16 256-4096");
        has(&t[1], 3, "[TCP SACK Count: 2]");
    }
    if let Some(t) = corpus_trees("zk_q-in-q.pcap", 1) {
        has(&t[0], 0, "802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 13");
        has(&t[0], 0, "802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 10");
    }
    if let Some(t) = corpus_trees("pp_ipv6-frag.pcap", 6) {
        has(&t[2], 2, "0000 0000 0000 0... = Offset: 0 (0 bytes)");
        has(&t[2], 0, "Data (1448 bytes)");
        has(&t[5], 2, "0001 0000 1111 1... = Offset: 543 (4344 bytes)");
        has(&t[5], 1, "[Reassembled from 4 fragments, 5387 bytes]");
        has(&t[5], 1, "Length: 5387");
    }
    if let Some(t) = corpus_trees("zk_linux_dlt_sll2.pcap", 3) {
        has(&t[0], 1, "Encapsulation type: Linux cooked-mode capture v2 (276)");
        has(&t[0], 1, "Packet type: Unicast to us (0)");
        has(&t[0], 1, "Type: 8 (Echo (ping) request)");
        has(&t[0], 1, "Checksum: 0x66b4 [correct]");
        has(&t[2], 1, "Type: Echo (ping) request (128)");
        has(&t[2], 1, "Identifier: 0x0009");
    }
    if let Some(t) = corpus_trees("td_mptcp-v1.pcap", 3) {
        has(&t[1], 2, "Multipath Transmission Control Protocol: Multipath Capable");
        has(&t[1], 3, ".... 0001 = Multipath TCP version: 1");
        has(&t[1], 4, ".... ...1 = Use HMAC-SHA256: 1");
        has(&t[1], 3, "Sender's Key: 3001306557161771836");
        has(&t[2], 3, "Receiver's Key: 3001306557161771836");
    }
    if let Some(t) = corpus_trees("zk_nflog-http.pcap", 1) {
        has(&t[0], 0, "Linux Netfilter NFLOG");
        has(&t[0], 1, "TLV Type: NFULA_PACKET_HDR (1), Length: 8");
        has(&t[0], 2, "Netfilter hook: Local out (3)");
        has(&t[0], 1, "TLV Type: NFULA_PAYLOAD (9), Length: 64");
        has(&t[0], 0, "Internet Protocol Version 4, Src: 10.0.2.15, Dst: 93.184.216.34");
    }
    if let Some(t) = corpus_trees("zk_mixed-vlan-mpls.pcap", 1) {
        has(&t[0], 0, "MultiProtocol Label Switching Header, Label: 29, Exp: 6, S: 1, TTL: 255");
        has(&t[0], 2, "1100 00.. = Differentiated Services Codepoint: Class Selector 6 (48)");
    }
    if let Some(t) = corpus_trees("zk_vntag.pcap", 1) {
        has(&t[0], 1, "..00 0000 0000 0000 .... .... .... .... = Destination: 0");
        has(&t[0], 1, "Trailer: a5f1b87d");
    }
    if let Some(t) = corpus_trees("td_ipv6_jumbogram_1.pcap", 1) {
        has(&t[0], 1, "Payload Length: 0 (Jumbogram)");
        has(&t[0], 3, "Payload Length: 65536");
    }
    if let Some(t) = corpus_trees("zk_chksums-ip6-udp-bad-chksum.pcap", 1) {
        has(&t[0], 1, "Checksum: 0x0001 [incorrect, should be 0xbc54]");
    }
}

/// The link walk must end where the dissector found the network layer.
#[test]
fn link_walk_agrees_with_the_dissector() {
    let Ok(dir) = std::fs::read_dir(crate::testutil::captures_dir()) else {
        eprintln!("*** SKIPPED: no corpus at {} ***", crate::testutil::captures_dir().display());
        return;
    };
    let mut checked = 0;
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((link, frames)) = corpus(&name) else {
            continue;
        };
        let mut d = Dissector::new();
        for (orig, data) in &frames {
            let p = d.dissect(&frame(link, *orig, data));
            if p.ip.is_none() && p.arp.is_none() {
                continue;
            }
            let mut sink = Vec::new();
            let mut c = Ctx { out: &mut sink, short: None, quoted: false, protos: Vec::new() };
            let at = match lower::write(&mut c, &p) {
                lower::Next::Ip { offset, .. } | lower::Next::Ether { offset, .. } => offset,
                other => panic!("{name}: walk ended with {other:?}"),
            };
            assert_eq!(at, p.net_offset as usize, "{name} frame {}", p.number);
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} frames checked");
}

/// Every prefix of these frames, as a snaplen cut and as a short frame:
/// no panic, and a well-formed tree.
#[test]
fn never_panics_on_truncated_prefixes() {
    let ip = ipv4(17, 3, 0, &udp(&[1, 2, 3], false));
    let mut icmp_err = vec![3, 4, 0, 0, 0, 0, 5, 0xdc];
    icmp_err.extend(&ip);
    let mut v6 = vec![60, 0, 5, 2, 0, 0, 1, 0, 43, 2, 0, 1, 0, 0, 0, 0];
    v6.extend(DST6);
    v6.extend([44, 0, 0, 0, 0, 0, 0, 1]);
    v6.extend(udp(&[9; 8], true));
    let mut nd = vec![134, 0, 0, 0, 64, 0xc8, 0, 30, 0, 0, 0, 0, 0, 0, 0, 0];
    nd.extend([3, 4, 64, 0xc0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    nd.extend(DST6);
    nd.extend([25, 3, 0, 0, 0, 0, 1, 0]);
    nd.extend(SRC6);
    let mptcp = [30, 20, 0x01, 0x81, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 30, 8, 0x20, 0x05, 0, 0, 0, 9];
    let mut frames = vec![
        (LinkType::ETHERNET, eth(0x0800, &ipv4(6, 1, 0, &tcp(0x0ff, &SYN_OPTIONS, b"data")))),
        (LinkType::ETHERNET, eth(0x0800, &ipv4(6, 1, 0, &tcp(0x010, &mptcp, &[])))),
        (LinkType::ETHERNET, eth(0x0800, &ipv4(1, 1, 0, &icmp_err))),
        (LinkType::ETHERNET, eth(0x86dd, &ipv6(0, &v6))),
        (LinkType::RAW, ipv6(58, &nd)),
        (
            LinkType::LINUX_SLL,
            [&[0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x88, 0x47, 0, 0, 0x11, 0x40][..], &ip].concat(),
        ),
        (
            LinkType::NFLOG,
            [&[2, 0, 0, 1, 8, 0, 1, 0, 8, 0, 0, 3, 5, 0, 10, 0, b'x', 0, 0, 0][..], &[32, 0, 9, 0], &ip].concat(),
        ),
    ];
    for name in ["zk_tcp-fast-open.pcap", "td_afs.pcap", "zk_dns-mdns.pcap", "zk_ipv6-http-atomic-frag.pcap"] {
        if let Some((link, fs)) = corpus(name) {
            frames.extend(fs.into_iter().take(12).map(|(_, d)| (link, d)));
        }
    }
    for (link, f) in &frames {
        for n in 0..=f.len() {
            tree_with(*link, f.len() as u32, &f[..n]);
            tree_with(*link, n as u32, &f[..n]);
        }
    }
}

#[test]
fn ipv4_options_are_listed() {
    // Router Alert, NOP, Record Route with one slot, EOL: 12 bytes (IHL 8).
    let opts = [148, 4, 0, 0, 1, 7, 7, 4, 10, 0, 0, 9, 0, 0, 0, 0];
    let mut h = ipv4(17, 5, 0, &udp_to(7000, &[], false));
    h[0] = 0x40 | ((20 + opts.len()) / 4) as u8;
    h.splice(20..20, opts);
    let total = h.len() as u16;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[10..12].fill(0);
    let ck = fold(ones_sum(0, &h[..36]));
    h[10..12].copy_from_slice(&ck.to_be_bytes());
    let out = tree(LinkType::RAW, &h);
    has(&out, 1, ".... 1001 = Header Length: 36 bytes (9)");
    has(&out, 1, &format!("Header Checksum: 0x{ck:04x} [correct]"));
    has(&out, 1, "Options: (16 bytes), Router Alert, No Operation (NOP), Record Route, End of Options List (EOL)");
    has(&out, 2, "IP Option - Router Alert (4 bytes)");
    has(&out, 4, "1... .... = Copy on fragmentation: Yes");
    has(&out, 3, "Router Alert: Router shall examine packet (0)");
    has(&out, 3, "Recorded Route: 10.0.0.9");
    has(&out, 2, "[Padding after the end of the options: 3 bytes]");
    has(&out, 0, "User Datagram Protocol, Src Port: 54321, Dst Port: 7000");
}

#[test]
fn reassembled_tcp_uses_the_option_summary() {
    let seg = tcp(0x018, &[2, 4, 0x05, 0xb4, 1, 1, 4, 2], &[0x41; 20]);
    let (first, second) = seg.split_at(24);
    let f1 = ipv4(6, 0x77, 0x2000, first);
    let f2 = ipv4(6, 0x77, 24 / 8, second);
    let mut d = Dissector::new();
    drop(d.dissect(&frame(LinkType::RAW, f1.len() as u32, &f1)));
    let p = d.dissect(&frame(LinkType::RAW, f2.len() as u32, &f2));
    let mut out = Vec::new();
    write_tree(&p, &mut out);
    well_formed(&out);
    has(&out, 1, "[Reassembled from 2 fragments, 48 bytes]");
    has(&out, 0, "Transmission Control Protocol, Src Port: 43264, Dst Port: 9999, Seq: 1234, Ack: 5678, Len: 20");
    has(&out, 1, "Flags: 0x018 (PSH, ACK)");
    assert!(out.iter().any(|(_, l)| l.starts_with("Checksum: ") && l.ends_with("[correct]")), "{}", render(&out));
    has(&out, 2, "TCP Option - Maximum segment size: 1460 bytes");
    has(&out, 2, "TCP Option - SACK permitted");
    has(&out, 2, "TCP Option - No-Operation (NOP) x 2");
    has(&out, 1, "TCP payload (20 bytes)");
    has(&out, 0, "Data (20 bytes)");
}

#[test]
fn mptcp_dss_and_add_addr() {
    let opts = [
        30, 20, 0x20, 0x05, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0, 11, 0, 12, 0xab,
        0xcd, // DSS: ack, dsn, ssn, len, ck
        30, 10, 0x31, 3, 10, 0, 0, 1, 0x1f, 0x90, // ADD_ADDR echo v4 + port
        1, 1,
    ];
    let out = tree(LinkType::RAW, &ipv4(6, 1, 0, &tcp(0x010, &opts, &[])));
    has(&out, 2, "Multipath Transmission Control Protocol: Data Sequence Signal");
    has(&out, 4, "...0 .... = DATA_FIN: 0");
    has(&out, 3, "Original MPTCP Data ACK: 9");
    has(&out, 3, "Data Sequence Number: 10");
    has(&out, 3, "Subflow Sequence Number: 11");
    has(&out, 3, "Data-level Length: 12");
    has(&out, 3, "Checksum: 0xabcd");
    has(&out, 2, "Multipath Transmission Control Protocol: Add Address");
    has(&out, 3, "Advertised IPv4 Address: 10.0.0.1");
    has(&out, 3, "Advertised port: 8080");
}
