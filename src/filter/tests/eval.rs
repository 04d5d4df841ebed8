//! The filter's evaluation on built frames: fields of every layer,
//! multi-occurrence semantics, lazily parsed DNS, fields the caller adds.

use super::*;

#[test]
fn tcp_syn_fields() {
    let f = syn_frame();
    all_true(
        &f,
        &[
            "frame",
            "eth",
            "ip",
            "tcp",
            "tcp.port == 443",
            "tcp.port == 40000",
            "tcp.srcport == 40000 && tcp.dstport == 443",
            "tcp.dstport >= 443 && tcp.dstport <= 443 && tcp.dstport > 442 && tcp.dstport < 444",
            "tcp.flags.syn == 1 && tcp.flags.ack == 0",
            "tcp.flags.syn",
            "!tcp.flags.ack",
            "tcp.flags == 0x002",
            "tcp.flags & 0x12",
            "tcp.flags & 0x12 == 0x02",
            "tcp.options.mss_val == 1460",
            "tcp.options.wscale.shift == 7",
            "tcp.seq_raw == 1000",
            "tcp.len == 0",
            "tcp.hdr_len == 28",
            "tcp.window_size_value == 64240",
            "ip.addr == 10.0.0.1",
            "ip.addr == 10.0.0.0/8",
            "ip.addr == 93.184.216.34",
            "ip.src == 10.0.0.0/8 && ip.dst == 93.184.216.34",
            "ip.src < 11.0.0.0",
            "ip.ttl == 64 && ip.flags.df && !ip.flags.mf && ip.frag_offset == 0",
            "ip.proto == 6 && ip.id == 0x1234 && ip.hdr_len == 20",
            "ip.len == 48",
            "frame.number == 7 && frame.interface_id == 2",
            "frame.len == 62 && frame.cap_len == 62",
            "eth.src == 00:11:22:33:44:55 && eth.dst == aa:bb:cc:dd:ee:ff",
            "eth.addr == aa:bb:cc:dd:ee:ff && eth.addr == 00:11:22:33:44:55",
            "eth.type == 0x0800",
        ],
    );
    all_false(
        &f,
        &[
            "udp",
            "ipv6",
            "icmp",
            "dns",
            "vlan",
            "arp",
            "tcp.port == 80",
            "tcp.flags.ack",
            "tcp.flags & 0x10",
            "tcp.payload",
            // Neither ACK set nor a non-zero acknowledgment number: absent, as in Wireshark.
            "tcp.ack_raw",
            "tcp.options.timestamp.tsval",
            "ip.addr == 192.168.0.0/16",
            "udp.port == 443",
        ],
    );
}

#[test]
fn payload_contains() {
    let f = http_frame();
    all_true(
        &f,
        &[
            "tcp.payload contains \"GET\"",
            "tcp.payload contains 47:45:54",
            "tcp.payload contains 0x47",
            "frame contains \"HTTP/1.1\"",
            "tcp.len == 16",
            "tcp.ack_raw == 9000",
            "tcp.flags.push && tcp.flags.ack",
            "tcp.flags == 0x018",
            "tcp.payload == \"GET / HTTP/1.1\\r\\n\"",
        ],
    );
    all_false(&f, &["tcp.payload contains \"POST\"", "frame contains \"get\"", "udp.payload"]);
}

#[test]
fn multi_occurrence_semantics() {
    // ip.addr occurs twice: 10.0.0.1 (src) and 93.184.216.34 (dst).
    let f = syn_frame();
    all_true(
        &f,
        &[
            "ip.addr == 10.0.0.1",
            "ip.addr != 1.2.3.4",
            "!(ip.addr == 1.2.3.4)",
            "ip.addr ~= 10.0.0.1",
            "ip.addr !== 10.0.0.1",
            "ip.addr > 90.0.0.0",
            "tcp.port > 1024",
        ],
    );
    // Wireshark 4: `!=` is "all not equal", i.e. `!(a == b)`.
    all_false(&f, &["ip.addr != 10.0.0.1", "ip.addr != 10.0.0.0/8", "ip.addr === 10.0.0.1", "tcp.port != 443"]);
    // A comparison needs the field: on ARP, `ip.addr != x` is false while
    // `!(ip.addr == x)` and `not in` are true.
    let a = arp_frame();
    all_false(&a, &["ip.addr != 1.2.3.4", "ip.addr ~= 1.2.3.4", "ip.addr === 1.2.3.4", "tcp.port < 100"]);
    all_true(&a, &["!(ip.addr == 1.2.3.4)", "tcp.port not in {22 443}", "!ip"]);
}

#[test]
fn sets_and_ranges() {
    let f = syn_frame();
    all_true(
        &f,
        &[
            "tcp.port in {80 443 8080}",
            "tcp.port in {80, 443}",
            "tcp.port in {400..500}",
            "tcp.port in {1..2, 39999..40000}",
            "ip.addr in {192.168.0.0/16 10.0.0.0/8}",
            "ip.addr in {10.0.0.0 .. 10.0.0.5}",
            "tcp.flags.syn in {1}",
            "tcp.port not in {22 80}",
        ],
    );
    all_false(
        &f,
        &[
            "tcp.port in {8000..8100}",
            "tcp.port in {22 80}",
            "ip.addr in {192.168.0.0/16}",
            "tcp.port not in {22 443}",
            "ip.addr == 10.0.0.0/8 && !(tcp.port in {22 443})",
        ],
    );
    assert!(run(&http_frame(), "ip.addr == 10.0.0.0/8 && !(tcp.port in {22 443})"));
}

#[test]
fn udp_dns_and_friends() {
    let d = dns_frame(53);
    all_true(
        &d,
        &["udp", "dns", "udp.port == 53", "udp.dstport == 53", "udp.length == 37", "udp.payload", "ip.proto == 17"],
    );
    all_false(&d, &["udp && !dns", "tcp", "mdns", "llmnr"]);
    let other = eth(0x0800, &ipv4(v4([10, 0, 0, 2], [10, 0, 0, 9], 17), &udp(5000, 9999, b"hi")));
    all_true(&other, &["udp && !dns", "udp.payload == \"hi\"", "udp.payload == 68:69"]);
    let l = dns_frame(5355);
    all_true(&l, &["llmnr", "!dns", "!mdns"]);
    // UDP port 53 without payload carries no DNS message.
    let empty = eth(0x0800, &ipv4(v4([10, 0, 0, 2], [10, 0, 0, 53], 17), &udp(5000, 53, &[])));
    all_false(&empty, &["dns", "udp.payload"]);
}

/// A response to the query of `dns_query`: example.com CNAME web.example.com,
/// A 93.184.216.34, AAAA 2001:db8::5, with `flags` (e.g. 0x8180).
fn dns_response(id: u16, flags: u16) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 3, 0, 0, 0, 0]);
    m.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
    // CNAME web.example.com (web + pointer to offset 12)
    m.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6]);
    m.extend_from_slice(b"\x03web\xc0\x0c");
    m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 93, 184, 216, 34]);
    m.extend_from_slice(&[0xc0, 12, 0, 28, 0, 1, 0, 0, 1, 44, 0, 16]);
    m.extend_from_slice(&"2001:db8::5".parse::<Ipv6Addr>().unwrap().octets());
    m
}

#[test]
fn dns_fields_are_parsed_lazily() {
    let q = dns_frame(53);
    all_true(
        &q,
        &[
            "dns.qry.name == \"example.com\"",
            "dns.qry.name == example.com",
            "dns.qry.name contains \"ample\"",
            "dns.qry.name in {\"a.b\" \"example.com\"}",
            "dns.qry.name > \"e\"",
            "dns.id == 0x1234 && dns.flags.response == 0 && !dns.flags.response",
            "dns.qry.type == 1 && dns.flags.rcode == 0 && dns.count.answers == 0 && dns.count.queries == 1",
            "dns.flags.recdesired && !dns.flags.recavail && dns.flags.opcode == 0",
        ],
    );
    all_false(&q, &["dns.qry.name == \"Example.com\"", "dns.a", "dns.resp.name", "dns.qry.name contains \"org\""]);

    let r = eth(0x0800, &ipv4(v4([10, 0, 0, 53], [10, 0, 0, 2], 17), &udp(53, 5000, &dns_response(0x1234, 0x8180))));
    all_true(
        &r,
        &[
            "dns.flags.response && dns.flags.recavail",
            "dns.count.answers == 3",
            "dns.a == 93.184.216.34 && dns.a == 93.184.216.0/24",
            "dns.aaaa == 2001:db8::5",
            "dns.cname == \"web.example.com\"",
            "dns.resp.name == example.com && dns.resp.type == 5 && dns.resp.ttl == 300",
            "dns.resp.type in {1 28}",
            "dns.resp.ttl < 100",
        ],
    );
    let nx = eth(0x0800, &ipv4(v4([10, 0, 0, 53], [10, 0, 0, 2], 17), &udp(53, 5000, &dns_response(9, 0x8183))));
    all_true(&nx, &["dns.flags.rcode == 3", "dns.id == 9"]);
    // Non-DNS packets have no DNS fields.
    all_false(&syn_frame(), &["dns.id", "dns.qry.name", "dns.id != 1"]);
}

#[test]
fn dns_messages_can_be_given() {
    // A frame may carry several messages (DNS over TCP); each contributes
    // occurrences. Messages given by the caller replace on-demand parsing.
    let q = dns_frame(53);
    let msgs = [dns::parse(&dns_query()).unwrap(), dns::parse(&dns_response(7, 0x8183)).unwrap()];
    for e in ["dns.id == 7 && dns.id == 0x1234", "dns.flags.rcode == 3", "dns.flags.response", "dns.a == 93.184.216.34"]
    {
        assert!(run_full(&q, e, Some(&msgs), None), "{e}");
    }
    assert!(!run_full(&q, "dns.id != 7", Some(&msgs), None));
    assert!(!run_full(&q, "dns.id", Some(&[]), None));

    let mut d = Dissector::new();
    let fr = frame_of(1, LinkType::ETHERNET, &q);
    let p = d.dissect(&fr);
    let parsed = parse_dns(&p);
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].questions[0].name, "example.com");
}

#[test]
fn dns_is_not_parsed_when_not_read() {
    let q = dns_frame(53);
    let mut d = Dissector::new();
    let fr = frame_of(1, LinkType::ETHERNET, &q);
    let p = d.dissect(&fr);
    let cx = EvalContext::new(&p);
    assert!(!compile("tcp && dns.id == 0x1234").matches(&cx));
    assert!(format!("{cx:?}").contains("parsed_dns: None"), "{cx:?}");
    assert!(compile("udp && dns.id == 0x1234").matches(&cx));
    assert!(format!("{cx:?}").contains("parsed_dns: Some(1)"), "{cx:?}");
}

#[test]
fn vlan_tags_are_multi_occurrence() {
    let payload = ipv4(v4([10, 0, 0, 2], [10, 0, 0, 9], 17), &udp(5000, 9999, b"hi"));
    let f = eth_vlan(&[(100, 0), (200, 5)], 0x0800, &payload);
    all_true(
        &f,
        &[
            "vlan",
            "vlan.id == 100",
            "vlan.id == 200",
            "vlan.id != 300",
            "vlan.id in {150..250}",
            "vlan.priority == 5",
            "eth.type == 0x8100",
            "ip && udp",
        ],
    );
    all_false(&f, &["vlan.id != 100", "vlan.id === 100", "vlan.id == 300", "eth.type == 0x0800"]);
    all_false(&syn_frame(), &["vlan.id != 100"]);
}

#[test]
fn icmp_quoted_headers_count_as_occurrences() {
    // As in Wireshark, the quoted IP/UDP header is part of the tree: an ICMP
    // port unreachable matches `udp`, and its quoted ports and addresses.
    let f = icmp_unreachable_frame();
    all_true(
        &f,
        &[
            "icmp",
            "icmp.type == 3 && icmp.code == 3",
            "udp",
            "udp.port == 53",
            "udp.srcport == 5000",
            "ip.src == 10.0.0.53 && ip.src == 10.0.0.2",
            "ip.proto == 1 && ip.proto == 17",
            "ip.ttl == 64",
        ],
    );
    all_false(&f, &["tcp", "dns", "udp.length", "icmp.ident", "icmpv6"]);
}

#[test]
fn icmp_echo_fields() {
    let echo = [8, 0, 0, 0, 0x00, 0x2a, 0x00, 0x07, b'p', b'i', b'n', b'g'];
    let f = eth(0x0800, &ipv4(v4([10, 0, 0, 1], [10, 0, 0, 2], 1), &echo));
    all_true(&f, &["icmp", "icmp.type == 8", "icmp.ident == 42 && icmp.seq == 7"]);
    all_false(&f, &["icmpv6", "udp", "icmpv6.type == 8"]);
}

#[test]
fn ipv6_fields() {
    let f = v6_frame();
    all_true(
        &f,
        &[
            "ipv6",
            "!ip",
            "udp && mdns",
            "ipv6.addr == 2001:db8::1",
            "ipv6.addr == 2001:db8::/32",
            "ipv6.src == 2001:db8::1 && ipv6.dst == 2001:db8::2",
            "ipv6.nxt == 17 && ipv6.hlim == 64 && ipv6.flow == 0x01234",
            "ipv6.addr != ::1",
        ],
    );
    all_false(&f, &["ip.addr == 10.0.0.1", "ip.ttl", "ipv6.addr != 2001:db8::2", "ipv6.addr == fe80::/10", "dns"]);
}

#[test]
fn arp_fields() {
    let f = arp_frame();
    all_true(
        &f,
        &[
            "arp",
            "arp.opcode == 1",
            "arp.src.proto_ipv4 == 10.0.0.1 && arp.dst.proto_ipv4 == 10.0.0.254",
            "arp.src.hw_mac == 00:11:22:33:44:55 && arp.dst.hw_mac == 00:00:00:00:00:00",
            "eth.type == 0x0806",
        ],
    );
    all_false(&f, &["ip", "ip.addr == 10.0.0.1", "tcp", "udp"]);
}

#[test]
fn held_fragment_hides_the_transport() {
    let mut h = v4([10, 0, 0, 1], [10, 0, 0, 2], 17);
    h.mf = true;
    h.df = false;
    let f = eth(0x0800, &ipv4(h, &udp(1, 2, &[0; 16])));
    all_true(&f, &["ip", "ip.flags.mf", "ip.flags.mf == 1", "ip.frag_offset == 0"]);
    all_false(&f, &["udp", "udp.port == 1", "ip.flags.df"]);
}

#[test]
fn extra_fields_come_from_the_caller() {
    let f = syn_frame();
    let extra = |id: u32| match id {
        1 => Some(Value::Bool(true)),
        2 => Some(Value::UInt(5)),
        3 => Some(Value::Float(0.3)),
        _ => None,
    };
    for e in [
        "tcp.analysis.retransmission",
        "tcp.stream == 5",
        "tcp.stream in {1..9}",
        "tcp.analysis.ack_rtt > 0.2",
        "tcp && tcp.stream != 4",
    ] {
        assert!(run_full(&f, e, None, Some(&extra)), "{e}");
        // No provider: absent.
        assert!(!run_full(&f, e, None, None), "{e} without provider");
    }
    let none = |_: u32| -> Option<Value<'static>> { None };
    assert!(!run_full(&f, "tcp.analysis.retransmission", None, Some(&none)));
    assert!(run_full(&f, "!tcp.analysis.retransmission", None, Some(&none)));

    // A provider that borrows from its owner (strings, bytes) implements the trait.
    struct Notes(String);
    impl ExtraFields for Notes {
        fn value(&self, id: u32) -> Option<Value<'_>> {
            (id == 9).then_some(Value::Str(&self.0))
        }
    }
    let extras = [ExtraField { name: "wirelens.note", ty: FieldType::Str, id: 9, description: "a note" }];
    let filt = Filter::compile_with("wirelens.note contains \"retrans\"", &extras).unwrap();
    let mut d = Dissector::new();
    let fr = frame_of(1, LinkType::ETHERNET, &f);
    let p = d.dissect(&fr);
    let notes = Notes("suspected retransmission".into());
    assert!(filt.matches(&EvalContext::new(&p).with_extra(&notes)));
}

#[test]
fn quoted_strings_and_escapes() {
    let q = dns_frame(53);
    all_true(
        &q,
        &[
            r#"dns.qry.name == "\x65xample.com""#,
            r#"dns.qry.name contains "\145x""#,
            r#"dns.qry.name == r"example.com""#,
        ],
    );
    all_false(&q, &[r#"dns.qry.name contains "\"""#]);
}

#[test]
fn raw_ip_link_type() {
    // No link header: eth fields are absent, ip is present.
    let ip = ipv4(v4([10, 0, 0, 1], [10, 0, 0, 2], 6), &tcp(1, 2, 0, 0, SYN, &[], &[]));
    let f = compile("ip && tcp.flags.syn && !eth && !eth.addr == 00:00:00:00:00:00");
    let mut d = Dissector::new();
    let fr = frame_of(1, LinkType::RAW, &ip);
    let p = d.dissect(&fr);
    assert!(f.matches(&EvalContext::new(&p)));
}

#[test]
fn docs_list_every_field() {
    let docs = include_str!("../../../docs/filters.md");
    for f in builtin_fields() {
        assert!(docs.contains(&format!("`{}`", f.name)), "docs/filters.md does not describe {}", f.name);
    }
    for (alias, _) in fields::ALIASES {
        assert!(docs.contains(alias), "docs/filters.md does not mention the alias {alias}");
    }
}

/// The examples and error messages of docs/filters.md are what the code does.
#[test]
fn docs_examples_compile_and_errors_match() {
    let docs = include_str!("../../../docs/filters.md");
    let cells = |line: &str| -> Vec<String> {
        line.split(" | ")
            .map(|c| c.trim_matches(|ch| ch == '|' || ch == ' ').trim_matches('`').replace("\\|", "|"))
            .collect()
    };
    let section = |title: &str| -> Vec<Vec<String>> {
        let start = docs.find(title).unwrap_or_else(|| panic!("no section {title}"));
        let rest = &docs[start + title.len()..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        rest[..end].lines().filter(|l| l.starts_with("| `")).map(cells).collect()
    };
    let examples = section("## Examples");
    assert!(examples.len() > 10);
    for row in examples {
        compile(&row[0]);
    }
    let errors = section("## Errors");
    assert!(errors.len() >= 5);
    for row in errors {
        let e = error(&row[0]).to_string();
        let want = row[1].trim_end_matches("...)");
        assert!(e.starts_with(want), "{}: got {e:?}, docs say {want:?}", row[0]);
    }
}
