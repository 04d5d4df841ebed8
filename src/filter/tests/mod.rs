//! Parsing, errors and evaluation on packets built by the real dissector
//! from hand-made frames.

use std::net::Ipv6Addr;

use super::*;
use crate::capture::{Frame, LinkType, Timestamp};
use crate::dissect::Dissector;
use crate::dissect::dns::{self, Message};

// ---------------------------------------------------------------- frames

const MAC_A: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
const MAC_B: [u8; 6] = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];

fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = MAC_B.to_vec(); // dst
    f.extend_from_slice(&MAC_A); // src
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn eth_vlan(tags: &[(u16, u8)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = MAC_B.to_vec();
    f.extend_from_slice(&MAC_A);
    for &(id, pcp) in tags {
        f.extend_from_slice(&0x8100u16.to_be_bytes());
        f.extend_from_slice(&((u16::from(pcp) << 13) | id).to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

#[derive(Clone, Copy)]
struct V4 {
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    ttl: u8,
    id: u16,
    df: bool,
    mf: bool,
    frag_offset: u16,
    tos: u8,
}

fn v4(src: [u8; 4], dst: [u8; 4], proto: u8) -> V4 {
    V4 { src, dst, proto, ttl: 64, id: 0x1234, df: true, mf: false, frag_offset: 0, tos: 0 }
}

fn ipv4(h: V4, payload: &[u8]) -> Vec<u8> {
    let total = 20 + payload.len() as u16;
    let flags = (u16::from(h.df) << 14) | (u16::from(h.mf) << 13) | (h.frag_offset / 8);
    let mut b = vec![0x45, h.tos];
    b.extend_from_slice(&total.to_be_bytes());
    b.extend_from_slice(&h.id.to_be_bytes());
    b.extend_from_slice(&flags.to_be_bytes());
    b.extend_from_slice(&[h.ttl, h.proto, 0, 0]);
    b.extend_from_slice(&h.src);
    b.extend_from_slice(&h.dst);
    b.extend_from_slice(payload);
    b
}

fn ipv6(src: Ipv6Addr, dst: Ipv6Addr, next: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0x60, 0x00, 0x12, 0x34]; // flow label 0x01234
    b.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    b.extend_from_slice(&[next, 64]);
    b.extend_from_slice(&src.octets());
    b.extend_from_slice(&dst.octets());
    b.extend_from_slice(payload);
    b
}

#[allow(clippy::too_many_arguments)]
fn tcp(sport: u16, dport: u16, seq: u32, ack: u32, flags: u16, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut opts = options.to_vec();
    while !opts.len().is_multiple_of(4) {
        opts.push(0);
    }
    let hlen = (20 + opts.len()) as u16;
    let mut b = Vec::new();
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    b.extend_from_slice(&seq.to_be_bytes());
    b.extend_from_slice(&ack.to_be_bytes());
    b.extend_from_slice(&(((hlen / 4) << 12) | flags).to_be_bytes());
    b.extend_from_slice(&64240u16.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent
    b.extend_from_slice(&opts);
    b.extend_from_slice(payload);
    b
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    b.extend_from_slice(&(8 + payload.len() as u16).to_be_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(payload);
    b
}

const SYN: u16 = 0x002;
const ACK: u16 = 0x010;
const PSH: u16 = 0x008;

/// 10.0.0.1:40000 -> 93.184.216.34:443 SYN with MSS 1460 and window scale 7.
fn syn_frame() -> Vec<u8> {
    let opts = [2, 4, 0x05, 0xb4, 1, 3, 3, 7];
    eth(0x0800, &ipv4(v4([10, 0, 0, 1], [93, 184, 216, 34], 6), &tcp(40000, 443, 1000, 0, SYN, &opts, &[])))
}

fn http_frame() -> Vec<u8> {
    let t = tcp(40001, 80, 5000, 9000, PSH | ACK, &[], b"GET / HTTP/1.1\r\n");
    eth(0x0800, &ipv4(v4([192, 168, 1, 10], [10, 1, 2, 3], 6), &t))
}

/// A minimal DNS query for example.com A.
fn dns_query() -> Vec<u8> {
    let mut m = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
    m
}

fn dns_frame(port: u16) -> Vec<u8> {
    eth(0x0800, &ipv4(v4([10, 0, 0, 2], [10, 0, 0, 53], 17), &udp(5000, port, &dns_query())))
}

/// ICMP port unreachable from 10.0.0.53 about 10.0.0.2:5000 -> 10.0.0.53:53/udp.
fn icmp_unreachable_frame() -> Vec<u8> {
    let quoted_ip = ipv4(v4([10, 0, 0, 2], [10, 0, 0, 53], 17), &udp(5000, 53, &dns_query()));
    let mut icmp = vec![3, 3, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&quoted_ip[..28]);
    eth(0x0800, &ipv4(v4([10, 0, 0, 53], [10, 0, 0, 2], 1), &icmp))
}

fn arp_frame() -> Vec<u8> {
    let mut a = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
    a.extend_from_slice(&MAC_A);
    a.extend_from_slice(&[10, 0, 0, 1]);
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&[10, 0, 0, 254]);
    eth(0x0806, &a)
}

fn v6_frame() -> Vec<u8> {
    let (s, d): (Ipv6Addr, Ipv6Addr) = ("2001:db8::1".parse().unwrap(), "2001:db8::2".parse().unwrap());
    eth(0x86dd, &ipv6(s, d, 17, &udp(5353, 5353, &dns_query())))
}

// ---------------------------------------------------------------- running

const EXTRAS: &[ExtraField] = &[
    ExtraField { name: "tcp.analysis.retransmission", ty: FieldType::Bool, id: 1, description: "" },
    ExtraField { name: "tcp.stream", ty: FieldType::U32, id: 2, description: "" },
    ExtraField { name: "tcp.analysis.ack_rtt", ty: FieldType::Float, id: 3, description: "" },
];

/// Frame `number` of `link`, captured whole.
fn frame_of(number: u64, link: LinkType, data: &[u8]) -> Frame<'_> {
    crate::testutil::frame(number, Timestamp::default(), link, data)
}

fn compile(expr: &str) -> Filter {
    Filter::compile_with(expr, EXTRAS).unwrap_or_else(|e| panic!("{expr:?}: {e}"))
}

fn run_full(frame: &[u8], expr: &str, dns: Option<&[Message]>, extra: Option<&dyn ExtraFields>) -> bool {
    let f = compile(expr);
    let mut d = Dissector::new();
    let fr = Frame { interface: 2, ..frame_of(7, LinkType::ETHERNET, frame) };
    let p = d.dissect(&fr);
    assert!(p.error.is_none(), "test frame did not dissect cleanly: {:?}", p.error);
    let mut cx = EvalContext::new(&p);
    if let Some(m) = dns {
        cx = cx.with_dns(m);
    }
    if let Some(x) = extra {
        cx = cx.with_extra(x);
    }
    f.matches(&cx)
}

fn run(frame: &[u8], expr: &str) -> bool {
    run_full(frame, expr, None, None)
}

#[track_caller]
fn all_true(frame: &[u8], exprs: &[&str]) {
    for e in exprs {
        assert!(run(frame, e), "expected true: {e}");
    }
}

#[track_caller]
fn all_false(frame: &[u8], exprs: &[&str]) {
    for e in exprs {
        assert!(!run(frame, e), "expected false: {e}");
    }
}

#[track_caller]
fn error(expr: &str) -> FilterError {
    match Filter::compile_with(expr, EXTRAS) {
        Ok(f) => panic!("{expr:?} compiled to {f}"),
        Err(e) => e,
    }
}

#[track_caller]
fn canon(expr: &str) -> String {
    compile(expr).to_string()
}

// ---------------------------------------------------------------- parsing

#[test]
fn precedence_not_and_xor_or() {
    assert_eq!(canon("tcp || udp && dns"), "(tcp || (udp && dns))");
    assert_eq!(canon("tcp && udp || dns"), "((tcp && udp) || dns)");
    assert_eq!(canon("!tcp && udp"), "(!tcp && udp)");
    assert_eq!(canon("not tcp or udp and not dns"), "(!tcp || (udp && !dns))");
    assert_eq!(canon("!(tcp || udp)"), "!(tcp || udp)");
    assert_eq!(canon("tcp ^^ udp || icmp"), "((tcp ^^ udp) || icmp)");
    assert_eq!(canon("tcp && udp xor icmp"), "((tcp && udp) ^^ icmp)");
    assert_eq!(canon("tcp && udp && dns || arp || ip"), "((tcp && udp && dns) || arp || ip)");
    assert_eq!(canon("!!tcp"), "!!tcp");
    assert_eq!(canon("((tcp))"), "tcp");
    // A comparison binds tighter than any logical operator.
    assert_eq!(canon("!tcp.port == 80"), "!tcp.port == 80");
}

#[test]
fn operator_spellings() {
    assert_eq!(
        canon("tcp.port eq 80 and ip.ttl ge 3 or udp.port lt 9"),
        "((tcp.port == 80 && ip.ttl >= 3) || udp.port < 9)"
    );
    assert_eq!(canon("ip.ttl gt 1 && ip.ttl le 2 && ip.ttl ne 3"), "(ip.ttl > 1 && ip.ttl <= 2 && ip.ttl != 3)");
    assert_eq!(
        canon("ip.addr any_eq 1.2.3.4 AND ip.addr all_ne 1.2.3.5"),
        "(ip.addr == 1.2.3.4 && ip.addr != 1.2.3.5)"
    );
    assert_eq!(
        canon("ip.addr all_eq 1.2.3.4 || ip.addr any_ne 1.2.3.4"),
        "(ip.addr === 1.2.3.4 || ip.addr !== 1.2.3.4)"
    );
    assert_eq!(canon("ip.addr ~= 1.2.3.4"), "ip.addr !== 1.2.3.4");
    assert_eq!(canon("tcp.flags bitand 0x12"), "tcp.flags & 0x12");
    assert_eq!(canon("tcp.port==0x1bb&&!udp"), "(tcp.port == 443 && !udp)");
}

#[test]
fn literals_are_read_by_field_type() {
    assert_eq!(canon("ip.addr == 10.1.2.3/8"), "ip.addr == 10.0.0.0/8");
    assert_eq!(canon("eth.src == 00-11-22-33-44-55"), "eth.src == 00:11:22:33:44:55");
    assert_eq!(canon("ipv6.addr == 2001:DB8::1"), "ipv6.addr == 2001:db8::1");
    assert_eq!(canon("tcp.flags.syn == true"), "tcp.flags.syn == 1");
    assert_eq!(canon("dns.qry.name == example.com"), "dns.qry.name == \"example.com\"");
    assert_eq!(canon("ip.src == \"10.0.0.1\""), "ip.src == 10.0.0.1");
    assert_eq!(canon("tcp.port in {80 443,8000..8100}"), "tcp.port in {80, 443, 8000..8100}");
    assert_eq!(canon("tcp.port not in {22}"), "tcp.port not in {22}");
    assert_eq!(canon("tcp.payload contains \"GET\""), "tcp.payload contains 47:45:54");
    assert_eq!(canon("tcp.analysis.ack_rtt > 0.25"), "tcp.analysis.ack_rtt > 0.25");
}

#[test]
fn empty_filter_matches_everything() {
    let f = compile("   ");
    assert_eq!(f.to_string(), "");
    assert!(run(&arp_frame(), ""));
    assert_eq!(f.fields().count(), 0);
}

#[test]
fn error_display_and_columns() {
    let e = error("tcp.port ==");
    assert_eq!(e.to_string(), "filter error at column 12: expected a value after '=='");
    let e = error("tcp.port == && udp");
    assert_eq!((e.column, e.message.as_str()), (13, "expected a value after '==', found '&&'"));
    let e = error("tcp.port == 80 && ");
    assert_eq!((e.column, e.message.as_str()), (19, "unexpected end of filter: expected a protocol or field name"));
    let e = error("(tcp || udp");
    assert_eq!(
        (e.column, e.message.as_str()),
        (12, "expected ')' to close the '(' at column 1, found the end of the filter")
    );
    let e = error("tcp)");
    assert_eq!((e.column, e.message.as_str()), (4, "unmatched ')'"));
    let e = error(")");
    assert_eq!(e.column, 1);
    let e = error("tcp udp");
    assert_eq!((e.column, e.message.as_str()), (5, "expected '&&', '||' or the end of the filter, found 'udp'"));
    // Columns count characters, not bytes.
    let e = error("dns.qry.name == \"é\" && tcp.prot");
    assert_eq!(e.column, 24);
    let e = error("tcp.port in {80");
    assert_eq!((e.column, e.message.as_str()), (16, "expected '}' to close the '{' at column 13"));
    assert_eq!(error("tcp.port in 80").message, "expected '{' after 'in', found '80'");
    assert_eq!(error("tcp.port in {}").message, "empty set: expected a value");
    assert_eq!(error("tcp.port in {80,,81}").column, 17);
    assert_eq!(error("()").message, "empty parentheses: expected an expression");
}

#[test]
fn unknown_fields_suggest() {
    let e = error("tcp.prot == 80");
    assert_eq!(e.to_string(), "filter error at column 1: unknown field 'tcp.prot' — did you mean tcp.port?");
    assert_eq!(error("ip && udp.len > 4").message, "unknown field 'udp.len' — did you mean udp.length?");
    assert_eq!(error("ip && udp.len > 4").column, 7);
    assert_eq!(error("ipv4").message, "unknown field 'ipv4' — did you mean ip?");
    assert_eq!(
        error("tcp.analysis.retransmision").message,
        "unknown field 'tcp.analysis.retransmision' — did you mean tcp.analysis.retransmission?"
    );
    assert_eq!(error("zzz").message, "unknown field 'zzz'");
    assert!(error("80 == tcp.port").message.starts_with("expected a protocol or field name, found '80'"));
    // Extras are known only when registered.
    assert!(Filter::compile("tcp.analysis.retransmission").unwrap_err().message.starts_with("unknown field"));
}

#[test]
fn type_errors() {
    let e = error("tcp.port == 70000");
    assert_eq!((e.column, e.message.as_str()), (13, "70000 is too large for tcp.port (a 16-bit field: at most 65535)"));
    assert_eq!(error("tcp.port == http").message, "'http' is not a valid number for tcp.port");
    assert!(error("ip.addr == 2001:db8::1").message.contains("use ipv6.addr"));
    assert!(error("ipv6.addr == 10.0.0.1").message.contains("use ip.addr"));
    assert_eq!(error("ip.addr < 10.0.0.0/8").message, "a subnet cannot be compared with '<'; use == or !=");
    assert_eq!(error("ip.addr == 10.0.0.0/40").message, "'/40' is not a valid prefix length for ip.addr (0 to 32)");
    assert_eq!(
        error("tcp.flags.syn > 0").message,
        "'>' cannot be used with the boolean field tcp.flags.syn; use == or !="
    );
    assert_eq!(error("tcp.port contains 80").message, "'contains' needs a string or byte field; tcp.port is a number");
    assert!(error("tcp == 1").message.starts_with("'tcp' is a protocol: it can only be tested for presence"));
    assert!(error("tcp in {1}").message.starts_with("'tcp' is a protocol"));
    assert!(error("udp.srcport == udp.dstport").message.contains("comparing two fields is not supported"));
    assert_eq!(error("tcp.port in {90..80}").message, "empty range 90..80: the first value is larger");
    assert!(error("tcp.flags.syn in {0..1}").message.starts_with("ranges need an ordered field"));
    assert!(error("ip.addr in {10.0.0.0/8..11.0.0.0}").message.contains("subnet"));
    assert!(error("ip.src & 0xff").message.starts_with("'&' needs an integer field"));
    assert_eq!(error("tcp.flags & x").message, "expected an integer mask after '&'");
    assert!(error("eth.src == aa:bb").message.contains("not a valid Ethernet address"));
}

#[test]
fn unsupported_syntax_is_named() {
    assert!(error("tcp.port = 80").message.contains("use '=='"));
    assert!(error("http.host matches \"x\"").message.starts_with("unknown field"));
    assert!(error("dns.qry.name matches \"x\"").message.contains("regular expressions"));
    assert!(error("dns.qry.name ~ \"x\"").message.contains("regular expressions"));
    assert!(error("len(tcp.payload) > 3").message.contains("functions"));
    assert!(error("eth.src[0:3] == 00:11:22").message.contains("slices"));
    assert!(error("ip.addr#2 == 1.1.1.1").message.contains("layer"));
    assert!(error("all tcp.port > 1024").message.contains("quantifiers"));
    assert!(error("tcp.port > tcp.port + 1").message.contains("arithmetic"));
    let e = error("tcp port 80");
    assert_eq!(e.column, 5);
    assert!(e.message.contains("capture-filter syntax"), "{}", e.message);
}

#[test]
fn fields_used_and_needs() {
    let f = compile("tcp.port == 80 && ip.addr == 1.2.3.4 || tcp.port == 443 || tcp.flags.rst");
    assert_eq!(f.fields().collect::<Vec<_>>(), ["tcp.port", "ip.addr", "tcp.flags.reset"]);
    assert!(!f.needs_dns());
    assert!(!f.needs_extra());
    assert!(!compile("dns && udp").needs_dns());
    assert!(compile("udp && dns.qry.name contains \"x\"").needs_dns());
    assert!(compile("tcp.stream == 3").needs_extra());
    assert_eq!("tcp".parse::<Filter>().unwrap(), compile("tcp"));
}

mod eval;
