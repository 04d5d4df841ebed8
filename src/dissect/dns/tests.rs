//! Unit tests on crafted messages. Expected Info and tree texts marked
//! "tshark" were produced by tshark 4.0.17 from the same bytes.

use super::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

// ---- builders ----------------------------------------------------------

fn name(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if !s.is_empty() {
        for label in s.split('.') {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    out
}

fn header(id: u16, flags: u16, qd: u16, an: u16, ns: u16, ar: u16) -> Vec<u8> {
    [id, flags, qd, an, ns, ar].iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn question(n: &[u8], qtype: u16, qclass: u16) -> Vec<u8> {
    let mut v = n.to_vec();
    v.extend_from_slice(&qtype.to_be_bytes());
    v.extend_from_slice(&qclass.to_be_bytes());
    v
}

fn rr(n: &[u8], rtype: u16, class: u16, ttl: u32, data: &[u8]) -> Vec<u8> {
    let mut v = n.to_vec();
    v.extend_from_slice(&rtype.to_be_bytes());
    v.extend_from_slice(&class.to_be_bytes());
    v.extend_from_slice(&ttl.to_be_bytes());
    v.extend_from_slice(&(data.len() as u16).to_be_bytes());
    v.extend_from_slice(data);
    v
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn unhex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    s.chunks(2).map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap()).collect()
}

fn tree_text(m: &Message) -> String {
    let mut out = Vec::new();
    m.write_tree(0, &mut out);
    out.iter().map(|(d, l)| format!("{}{}\n", "    ".repeat(*d), l)).collect()
}

fn reason(m: &Message) -> &str {
    m.malformed.as_ref().map(|e| e.reason.as_str()).unwrap_or("")
}

/// A realistic response: question, CNAME, A, NS authority, A + AAAA glue,
/// OPT with a cookie.
fn sample_response() -> Vec<u8> {
    let q = name("alias.example.test");
    cat(&[
        &header(0xd406, 0x8180, 1, 2, 1, 3),
        &question(&q, 1, 1),
        &rr(&[0xc0, 12], 5, 1, 300, &name("www.example.test")),
        &rr(&[0xc0, 48], 1, 1, 300, &[10, 200, 2, 2]),
        &rr(&[0xc0, 18], 2, 1, 86400, &cat(&[&[2, b'n', b's'], &[0xc0, 18]])),
        &rr(&[0xc0, 94], 1, 1, 3600, &[10, 0, 0, 53]),
        &rr(&[0xc0, 94], 28, 1, 3600, &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x35]),
        &rr(&[0], 41, 1232, 0, &cat(&[&[0, 10, 0, 8], &[1, 2, 3, 4, 5, 6, 7, 8]])),
    ])
}

// ---- header and basic decoding -----------------------------------------

#[test]
fn short_header_is_err() {
    for n in 0..HEADER_LEN {
        let e = parse(&vec![0u8; n]).unwrap_err();
        assert_eq!(e.reason, format!("truncated: header needs 12 bytes, {n} available"));
    }
    assert!(parse(&[0u8; 12]).is_ok());
}

#[test]
fn sample_response_decodes() {
    let m = parse(&sample_response()).unwrap();
    assert_eq!(m.malformed, None);
    assert_eq!(m.id, 0xd406);
    assert!(m.response && m.recursion_desired && m.recursion_available);
    assert_eq!(m.questions[0].name, "alias.example.test");
    assert_eq!(m.answers[0].data, RData::Cname("www.example.test".into()));
    assert_eq!(m.answers[1].name, "www.example.test");
    assert_eq!(m.answers[1].data, RData::A(Ipv4Addr::new(10, 200, 2, 2)));
    assert_eq!(m.authorities[0].name, "example.test");
    assert_eq!(m.authorities[0].data, RData::Ns("ns.example.test".into()));
    assert_eq!(m.additionals[0].name, "ns.example.test");
    assert_eq!(m.additionals[1].data.short(), "2001:db8::35");
    let edns = m.edns.as_ref().unwrap();
    assert_eq!(edns.udp_payload_size, 1232);
    assert_eq!(edns.options, vec![EdnsOption::Cookie { client: vec![1, 2, 3, 4, 5, 6, 7, 8], server: None }]);
    assert_eq!(
        m.info(),
        "Standard query response 0xd406 A alias.example.test CNAME www.example.test \
         A 10.200.2.2 NS ns.example.test A 10.0.0.53 AAAA 2001:db8::35 OPT"
    );
}

#[test]
fn flags_decode() {
    let m = parse(&header(1, 0xffff, 0, 0, 0, 0)).unwrap();
    assert!(m.response && m.authoritative && m.truncated && m.recursion_desired);
    assert!(m.recursion_available && m.authentic_data && m.checking_disabled);
    assert_eq!((m.opcode, m.rcode, m.flags_raw), (15, 15, 0xffff));
    assert_eq!(m.info(), "Unknown operation (15) response 0x0001 Unknown error (15)");
}

// ---- compression ---------------------------------------------------------

#[test]
fn compression_pointer_backwards() {
    // Question www.example.test at 12; answer owner points at "example.test"
    // (offset 16), its CNAME target is "a" + pointer to offset 12.
    let msg = cat(&[
        &header(1, 0x8180, 1, 1, 0, 0),
        &question(&name("www.example.test"), 1, 1),
        &rr(&[0xc0, 16], 5, 1, 60, &[1, b'a', 0xc0, 12]),
    ]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.malformed, None);
    assert_eq!(m.answers[0].name, "example.test");
    assert_eq!(m.answers[0].data, RData::Cname("a.www.example.test".into()));
}

#[test]
fn compression_pointer_to_itself() {
    // zk_dns-invalid-names frame 2: the question is a pointer to offset 12.
    let msg = cat(&[&header(0x2223, 0x0100, 1, 0, 0, 0), &[0xc0, 0x0c, 0, 1, 0, 1]]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "compression pointer at offset 12 points to itself");
    assert_eq!(m.malformed.as_ref().unwrap().offset, 12);
    assert!(m.questions.is_empty());
    assert_eq!(m.info(), "Standard query 0x2223[Malformed Packet]");
}

#[test]
fn compression_pointer_forward() {
    let msg = cat(&[&header(1, 0x0100, 1, 0, 0, 0), &[1, b'a', 0xc0, 30], &[0u8; 30]]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "compression pointer at offset 14 points forward to 30");
    assert_eq!(m.malformed.as_ref().unwrap().offset, 14);
}

#[test]
fn compression_loop_between_two_names() {
    // Name at 12 jumps to 20, which jumps back to 12: the first (forward)
    // pointer is rejected, so the loop is never entered.
    let mut msg = header(1, 0x0100, 1, 0, 0, 0);
    msg.extend_from_slice(&[0xc0, 20, 0, 1, 0, 1, 0, 0, 0xc0, 12]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "compression pointer at offset 12 points forward to 20");
}

#[test]
fn compression_pointer_into_same_name() {
    // "a" then a pointer back to the start of the same name.
    let msg = cat(&[&header(1, 0x0100, 1, 0, 0, 0), &[1, b'a', 0xc0, 12, 0, 1, 0, 1]]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "compression pointer at offset 14 points to 12, inside the name being decoded (loop)");
}

#[test]
fn compression_second_jump_must_go_further_back() {
    // Answer 1's owner points to 12 ("a" + pointer to the answer's own name
    // area would be a loop). Build: question "x" at 12, then at 17 a name
    // "b" + pointer to 12 used as answer 1's owner; answer 2's owner points
    // to 17, which is fine (17 < start of answer 2, then 12 < 17).
    let msg = cat(&[
        &header(1, 0x8180, 1, 2, 0, 0),
        &question(&name("x"), 1, 1),
        &rr(&[1, b'b', 0xc0, 12], 1, 1, 0, &[1, 2, 3, 4]),
        &rr(&[0xc0, 19], 1, 1, 0, &[1, 2, 3, 4]),
    ]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.malformed, None);
    assert_eq!(m.answers[1].name, "b.x");
}

/// Question "a" at 12, then `n` answers, each owner a pointer to the
/// previous answer's owner (the first to the question): answer i needs i+1
/// jumps. zk_dns-max-compression-depth.pcap is this with n = 7.
fn pointer_chain(n: usize) -> Vec<u8> {
    let mut msg = cat(&[&header(0x1234, 0x8180, 1, n as u16, 0, 0), &question(&name("a"), 1, 1)]);
    let mut prev = 12usize;
    for i in 0..n {
        let here = msg.len();
        msg.extend_from_slice(&rr(
            &[0xc0 | (prev >> 8) as u8, prev as u8],
            1,
            1,
            300,
            &[127, 0, 0, (i % 250) as u8 + 1],
        ));
        prev = here;
    }
    msg
}

#[test]
fn deep_pointer_chains() {
    let m = parse(&pointer_chain(7)).unwrap();
    assert_eq!(m.malformed, None);
    assert!(m.answers.iter().all(|a| a.name == "a"));
    assert_eq!(
        m.info(),
        "Standard query response 0x1234 A a A 127.0.0.1 A 127.0.0.2 A 127.0.0.3 A 127.0.0.4 \
         A 127.0.0.5 A 127.0.0.6 A 127.0.0.7"
    );
    // 255 jumps are followed, the 256th is not.
    let m = parse(&pointer_chain(MAX_POINTER_JUMPS)).unwrap();
    assert_eq!(m.malformed, None);
    let m = parse(&pointer_chain(MAX_POINTER_JUMPS + 1)).unwrap();
    assert_eq!(m.answers.len(), MAX_POINTER_JUMPS);
    let bad = m.malformed.unwrap();
    assert!(bad.reason.ends_with("follows more than 255 compression pointers"), "{}", bad.reason);
}

#[test]
fn truncated_pointer() {
    let msg = cat(&[&header(1, 0x0100, 1, 0, 0, 0), &[1, b'a', 0xc0]]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "truncated: compression pointer at offset 14 needs 2 bytes, 1 remains");
}

// ---- labels and names ----------------------------------------------------

#[test]
fn label_longer_than_63() {
    for b in [0x40u8, 0x46, 0x7f, 0x80, 0xbf] {
        let mut msg = header(1, 0x0100, 1, 0, 0, 0);
        msg.push(b);
        msg.extend_from_slice(&[b'x'; 200]);
        let m = parse(&msg).unwrap();
        assert_eq!(reason(&m), format!("label of {b} bytes exceeds 63"));
    }
    // 63 is fine.
    let label = "y".repeat(63);
    let m = parse(&cat(&[&header(1, 0x0100, 1, 0, 0, 0), &question(&name(&label), 1, 1)])).unwrap();
    assert_eq!(m.malformed, None);
    assert_eq!(m.questions[0].name, label);
}

#[test]
fn name_longer_than_255() {
    // 4 labels of 63 = 4 * 64 + 1 = 257 bytes.
    let l = "z".repeat(63);
    let long = format!("{l}.{l}.{l}.{l}");
    let m = parse(&cat(&[&header(1, 0x0100, 1, 0, 0, 0), &question(&name(&long), 1, 1)])).unwrap();
    assert_eq!(reason(&m), "name exceeds 255 bytes");
    assert_eq!(m.malformed.as_ref().unwrap().offset, 12);
    // 3 * 64 + 62 + 1 = 255 bytes exactly is fine.
    let ok = format!("{l}.{l}.{l}.{}", "z".repeat(61));
    let m = parse(&cat(&[&header(1, 0x0100, 1, 0, 0, 0), &question(&name(&ok), 1, 1)])).unwrap();
    assert_eq!(m.malformed, None);
    // The limit applies across compression pointers too.
    let first = format!("{l}.{l}.{l}");
    let mut msg = cat(&[&header(1, 0x8180, 1, 1, 0, 0), &question(&name(&first), 1, 1)]);
    let mut owner = vec![63];
    owner.extend_from_slice(l.as_bytes());
    owner.extend_from_slice(&[0xc0, 12]);
    msg.extend_from_slice(&rr(&owner, 1, 1, 0, &[1, 2, 3, 4]));
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "name exceeds 255 bytes");
}

#[test]
fn root_name() {
    let msg = cat(&[&header(0xf6ab, 0x0100, 1, 0, 0, 0), &question(&[0], 6, 1)]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.questions[0].name, "<Root>");
    assert_eq!(m.info(), "Standard query 0xf6ab SOA <Root>");
}

#[test]
fn names_are_escaped_like_tshark() {
    // tshark 4.0.17 shows these labels as given on the right.
    let cases: &[(&[u8], &str)] = &[
        (b"a\x01b", "a\\001b"),
        (b"a.b", "a.b"),
        (b"a b", "a b"),
        (b"A\\B", "A\\B"),
        (b"A\"B", "A\"B"),
        (b"A\x7f\t\n", "A\\177\\t\\n"),
        (b"A\x00B", "A\\000B"),
        (b"\x1b", "\\033"),
        (b"\x07\x08\x0c\x0d\x0b", "\\a\\b\\f\\r\\v"),
        ("é€😀".as_bytes(), "é€😀"),
        (b"\xff\xc3", "\u{fffd}\u{fffd}"),
        (b"\xc3A", "\u{fffd}A"),
        (b"\xc2\x80", "\\u0080"),
        (b"\xe2\x80\x8b", "\\u200B"),
        (b"\xef\xbb\xbf", "\\uFEFF"),
        (b"\xed\xa0\x80", "\u{fffd}"),
        (b"\xc0\x80", "\\u0000"),
        (b"\xf4\x90\x80\x80", "\u{fffd}"),
        (b"\xe2\x82", "\u{fffd}"),
        (b"A\xe2", "A\u{fffd}"),
        (b"\xc2\xa0", "\u{a0}"),
        (b"\xc2\xad", "\\u00AD"),
        (b"\xf3\xa0\x80\x81A", "\\U000E0001A"),
    ];
    for (label, want) in cases {
        let mut n = vec![label.len() as u8];
        n.extend_from_slice(label);
        n.push(0);
        let m = parse(&cat(&[&header(1, 0x0100, 1, 0, 0, 0), &question(&n, 1, 1)])).unwrap();
        assert_eq!(m.questions[0].name, *want, "label {label:?}");
        assert_eq!(m.questions[0].raw_name, label.to_vec());
    }
}

// ---- counts and truncation -----------------------------------------------

#[test]
fn counts_larger_than_message() {
    let msg = cat(&[
        &header(7, 0x8180, 1, 5, 0, 0),
        &question(&name("a.test"), 1, 1),
        &rr(&[0xc0, 12], 1, 1, 60, &[10, 0, 0, 1]),
        &rr(&[0xc0, 12], 1, 1, 60, &[10, 0, 0, 2]),
    ]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "answer count 5 but message ends after 2 records");
    assert_eq!(m.answers.len(), 2);
    assert_eq!(m.answer_count, 5);
    assert!(m.malformed.as_ref().unwrap().is_truncation());
    assert_eq!(m.info(), "Standard query response 0x0007 A a.test A 10.0.0.1 A 10.0.0.2[Malformed Packet]");
    assert_eq!(
        m.info_for_capture(true),
        "Standard query response 0x0007 A a.test A 10.0.0.1 A 10.0.0.2\
         [Packet size limited during capture]"
    );
    let m = parse(&header(7, 0, 3, 0, 0, 0)).unwrap();
    assert_eq!(reason(&m), "question count 3 but message ends after 0 questions");
    let m = parse(&cat(&[&header(7, 0x8000, 0, 0, 2, 0)])).unwrap();
    assert_eq!(reason(&m), "authority count 2 but message ends after 0 records");
    let m = parse(&cat(&[&header(7, 0x8000, 0, 0, 0, 65535), &rr(&[0], 1, 1, 0, &[1, 2, 3, 4])])).unwrap();
    assert_eq!(reason(&m), "additional count 65535 but message ends after 1 record");
}

#[test]
fn truncated_record_data() {
    let mut msg = cat(&[
        &header(1, 0x8180, 1, 1, 0, 0),
        &question(&name("a.test"), 28, 1),
        &rr(&[0xc0, 12], 28, 1, 60, &[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    ]);
    msg.truncate(msg.len() - 12);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "truncated: record data needs 16 bytes, 4 remain");
    assert_eq!(m.questions.len(), 1);
    let p = m.partial_record.as_ref().unwrap();
    assert_eq!((p.rtype, p.rdlength, p.rdata_truncated), (28, 16, true));
    // tshark has printed the type by the time it runs out of bytes.
    assert_eq!(m.info(), "Standard query response 0x0001 AAAA a.test AAAA[Malformed Packet]");
}

#[test]
fn truncated_record_header_and_question() {
    let msg = cat(&[&header(1, 0x8180, 1, 1, 0, 0), &question(&name("a.test"), 1, 1), &[0xc0, 12, 0, 1, 0]]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "truncated: record header needs 10 bytes, 3 remain");
    assert_eq!(m.partial_record, None);
    let msg = cat(&[&header(1, 0, 1, 0, 0, 0), &name("a.test"), &[0]]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "truncated: question needs 4 bytes for type and class, 1 remain");
    let msg = cat(&[&header(1, 0, 1, 0, 0, 0), &[3, b'a']]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "truncated: label at offset 12 needs 3 bytes, 1 remain");
    let msg = cat(&[&header(1, 0, 1, 0, 0, 0), &[3, b'a', b'b', b'c']]);
    let m = parse(&msg).unwrap();
    assert_eq!(reason(&m), "truncated: name at offset 12 runs past the end of the message");
}

/// Every prefix of a real message: no panic, `malformed` set, and whatever
/// was decoded equals the start of the full decode.
#[test]
fn truncation_at_every_byte() {
    let full_bytes = sample_response();
    let full = parse(&full_bytes).unwrap();
    assert_eq!(full.malformed, None);
    for n in 0..full_bytes.len() {
        let r = parse(&full_bytes[..n]);
        if n < HEADER_LEN {
            assert!(r.is_err());
            continue;
        }
        let m = r.unwrap();
        let bad = m.malformed.as_ref().unwrap_or_else(|| panic!("prefix {n} not malformed"));
        assert!(bad.is_truncation(), "prefix {n}: {}", bad.reason);
        assert!(bad.offset <= n, "prefix {n}: offset {}", bad.offset);
        assert_eq!(m.id, full.id);
        assert_eq!(m.answer_count, full.answer_count);
        assert_eq!(m.questions[..], full.questions[..m.questions.len()]);
        assert_eq!(m.answers[..], full.answers[..m.answers.len()]);
        assert_eq!(m.authorities[..], full.authorities[..m.authorities.len()]);
        assert_eq!(m.additionals[..], full.additionals[..m.additionals.len()]);
        // Info is a prefix of the full Info, then the marker.
        let info = m.info();
        let stem = info.strip_suffix("[Malformed Packet]").unwrap();
        assert!(full.info().starts_with(stem), "prefix {n}: {info}");
        let mut tree = Vec::new();
        m.write_tree(1, &mut tree);
        assert_eq!(tree.last().unwrap(), &(1, "[Malformed Packet: DNS]".to_string()));
    }
}

// ---- record data -----------------------------------------------------------

#[test]
fn rdata_types() {
    let q = name("x.test");
    let soa = cat(&[&name("ns.x.test"), &[0xc0, 12], &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]]);
    let msg = cat(&[
        &header(9, 0x8180, 1, 12, 0, 0),
        &question(&q, 255, 1),
        &rr(&[0xc0, 12], 1, 1, 1, &[192, 0, 2, 1]),
        &rr(&[0xc0, 12], 28, 1, 1, &[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        &rr(&[0xc0, 12], 5, 1, 1, &name("c.test")),
        &rr(&[0xc0, 12], 2, 1, 1, &name("ns.test")),
        &rr(&[0xc0, 12], 12, 1, 1, &name("p.test")),
        &rr(&[0xc0, 12], 15, 1, 1, &cat(&[&[0, 10], &[4, b'm', b'a', b'i', b'l', 0xc0, 12]])),
        &rr(&[0xc0, 12], 16, 1, 1, &cat(&[&[11], b"v=spf1 -all", &[0], &[3, 1, b'x', 0xff]])),
        &rr(&[0xc0, 12], 6, 1, 1, &soa),
        &rr(&name("_sip._tcp.x.test"), 33, 1, 1, &cat(&[&[0, 1, 0, 2, 0x13, 0xc4], &name("sip.test")])),
        &rr(&[0xc0, 12], 39, 1, 1, &name("d.test")),
        &rr(&[0xc0, 12], 47, 1, 1, &[0xc0, 12, 0, 6, 0x40, 1, 0, 8, 0, 3]),
        &rr(&[0xc0, 12], 65280, 1, 1, &[1, 2, 3]),
    ]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.malformed, None);
    let data: Vec<RData> = m.answers.iter().map(|r| r.data.clone()).collect();
    assert_eq!(
        data,
        vec![
            RData::A(Ipv4Addr::new(192, 0, 2, 1)),
            RData::Aaaa("fe80::1".parse().unwrap()),
            RData::Cname("c.test".into()),
            RData::Ns("ns.test".into()),
            RData::Ptr("p.test".into()),
            RData::Mx { preference: 10, exchange: "mail.x.test".into() },
            RData::Txt(vec!["v=spf1 -all".into(), "".into(), "\\001x\u{fffd}".into()]),
            RData::Soa {
                mname: "ns.x.test".into(),
                rname: "x.test".into(),
                serial: 1,
                refresh: 2,
                retry: 3,
                expire: 4,
                minimum: 5,
            },
            RData::Srv { priority: 1, weight: 2, port: 5060, target: "sip.test".into() },
            RData::Dname("d.test".into()),
            RData::Nsec { next_domain: "x.test".into(), types: vec![1, 15, 28, 46, 47] },
            RData::Raw(vec![1, 2, 3]),
        ]
    );
    let shorts: Vec<String> = data.iter().map(RData::short).collect();
    assert_eq!(shorts[5], "10 mail.x.test");
    assert_eq!(shorts[6], "\"v=spf1 -all\" \"\" \"\\001x\u{fffd}\"");
    assert_eq!(shorts[8], "1 2 5060 sip.test");
    assert_eq!(shorts[10], "x.test A MX AAAA RRSIG NSEC");
    assert_eq!(shorts[11], "010203");
    assert_eq!(m.answers[11].rdata, vec![1, 2, 3]);
}

#[test]
fn empty_rdata_is_raw() {
    // RFC 2136 §2.5.2 "delete an RRset": class ANY, RDLENGTH 0.
    let msg = cat(&[
        &header(1, 0x2800, 1, 0, 1, 0),
        &question(&name("z.test"), 6, 1),
        &rr(&name("a.z.test"), 1, 255, 0, &[]),
    ]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.malformed, None);
    assert_eq!(m.authorities[0].data, RData::Raw(vec![]));
    assert_eq!(m.info(), "Dynamic update 0x0001 SOA z.test A");
}

#[test]
fn bad_rdata() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (rr(&[0xc0, 12], 15, 1, 0, &[0, 1]), "MX record data needs at least 3 bytes, has 2"),
        (rr(&[0xc0, 12], 33, 1, 0, &[0, 1, 0, 2, 0, 3]), "SRV record data needs at least 7 bytes, has 6"),
        (
            rr(&[0xc0, 12], 16, 1, 0, &[5, b'a']),
            "TXT string of 5 bytes at offset 36 overruns its record data (1 remain)",
        ),
        (rr(&[0xc0, 12], 5, 1, 0, &[3, b'a']), "name at offset 36 runs past the end of its record data at offset 38"),
        (rr(&[0xc0, 12], 5, 1, 0, &[0xc0, 36]), "compression pointer at offset 36 points to itself"),
        (rr(&[0xc0, 12], 6, 1, 0, &[0, 0, 0, 0, 0]), "SOA record data needs 20 bytes after the names, 3 remain"),
        (
            rr(&[0xc0, 12], 41, 512, 0, &[0, 10, 0, 9, 1]),
            "EDNS option 10 of 9 bytes overruns the OPT record data (1 remain)",
        ),
        (
            rr(&[0xc0, 12], 41, 512, 0, &[0, 10, 0]),
            "truncated: EDNS option header needs 4 bytes, 3 remain in the OPT record data",
        ),
        (
            rr(&[0xc0, 12], 47, 1, 0, &[0, 0, 4, 0]),
            "type bitmap window of 4 bytes at offset 37 overruns its record data (1 remain)",
        ),
    ];
    for (record, want) in cases {
        let msg = cat(&[&header(1, 0x8180, 1, 1, 0, 0), &question(&name("a.test"), 1, 1), &record]);
        let m = parse(&msg).unwrap();
        assert_eq!(reason(&m), want);
        assert!(m.answers.is_empty());
        let p = m.partial_record.as_ref().unwrap();
        assert!(!p.rdata_truncated);
        assert!(m.info().ends_with("[Malformed Packet]"));
    }
}

#[test]
fn wrong_length_addresses_are_raw() {
    let msg = cat(&[
        &header(1, 0x8180, 0, 2, 0, 0),
        &rr(&name("a"), 1, 1, 0, &[1, 2, 3, 4, 5]),
        &rr(&name("a"), 28, 1, 0, &[0; 15]),
    ]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.malformed, None);
    assert_eq!(m.answers[0].data, RData::Raw(vec![1, 2, 3, 4, 5]));
    // tshark: "A 1.2.3.4" (it reads 4 bytes) and "AAAA" (fails to read 16,
    // which tshark marks malformed; here it is just raw).
    assert_eq!(m.info(), "Standard query response 0x0001 A 1.2.3.4 AAAA");
}

// ---- EDNS ------------------------------------------------------------------

#[test]
fn opt_client_subnet_and_cookie() {
    let opts = cat(&[
        &[0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2],
        &[0, 8, 0, 17, 0, 2, 100, 0, 0x20, 1, 0x0d, 0xb8, 0x85, 0xa3, 0, 0, 0, 0, 0x8a, 0x2e, 0],
        &[0, 8, 0, 6, 0, 9, 8, 0, 1, 2],
        &[0, 8, 0, 2, 0, 1],
        &[0, 10, 0, 24],
        &[0x11; 8],
        &[0x22; 16],
        &[0, 10, 0, 3, 1, 2, 3],
        &[0, 12, 0, 2, 0, 0],
    ]);
    // ext rcode 1, version 0, DO set.
    let msg = cat(&[&header(0xb433, 0x8187, 0, 0, 0, 1), &rr(&[0], 41, 4096, 0x0100_8000, &opts)]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.malformed, None);
    let edns = m.edns.as_ref().unwrap();
    assert_eq!((edns.udp_payload_size, edns.extended_rcode, edns.version, edns.dnssec_ok), (4096, 1, 0, true));
    assert_eq!(
        edns.options,
        vec![
            EdnsOption::ClientSubnet { family: 1, source_prefix: 24, scope_prefix: 0, address: "192.0.2.0".into() },
            EdnsOption::ClientSubnet {
                family: 2,
                source_prefix: 100,
                scope_prefix: 0,
                address: "2001:db8:85a3::8a2e:0:0".into()
            },
            EdnsOption::ClientSubnet { family: 9, source_prefix: 8, scope_prefix: 0, address: "0102".into() },
            EdnsOption::Other { code: 8, data: vec![0, 1] },
            EdnsOption::Cookie { client: vec![0x11; 8], server: Some(vec![0x22; 16]) },
            EdnsOption::Other { code: 10, data: vec![1, 2, 3] },
            EdnsOption::Other { code: 12, data: vec![0, 0] },
        ]
    );
    assert_eq!(m.additionals[0].data, RData::Opt(edns.options.clone()));
    // RFC 6891 §6.1.3: 12-bit rcode = (1 << 4) | 7 = 23, BADCOOKIE.
    assert_eq!(m.rcode, 23);
    assert_eq!(rcode_name(m.rcode), "BADCOOKIE");
    assert_eq!(m.header_rcode(), 7);
    // td_dns-badcookie.pcap: tshark shows the header rcode.
    assert_eq!(m.info(), "Standard query response 0xb433 RRset exists OPT");
    assert_eq!(edns.options[0].short(), "ECS 192.0.2.0/24/0");
}

#[test]
fn only_first_opt_counts() {
    let msg = cat(&[
        &header(1, 0x8180, 0, 0, 0, 2),
        &rr(&[0], 41, 1232, 0x0200_0000, &[]),
        &rr(&[0], 41, 512, 0x0500_0000, &[]),
    ]);
    let m = parse(&msg).unwrap();
    assert_eq!(m.edns.as_ref().unwrap().udp_payload_size, 1232);
    assert_eq!(m.rcode, 0x20);
    assert_eq!(m.additionals.len(), 2);
}

// ---- mDNS / LLMNR --------------------------------------------------------

#[test]
fn mdns_bits() {
    let msg = cat(&[
        &header(0, 0x0000, 1, 0, 1, 0),
        &question(&name("_ipp._tcp.local"), 12, 0x8001),
        &rr(&name("h.local"), 1, 0x8001, 120, &[10, 0, 0, 7]),
    ]);
    let m = parse_mdns(&msg).unwrap();
    assert_eq!((m.questions[0].qclass, m.questions[0].unicast_response), (1, true));
    assert_eq!((m.authorities[0].class, m.authorities[0].cache_flush), (1, true));
    assert_eq!(m.info(), "Standard query 0x0000 PTR _ipp._tcp.local, \"QU\" question A, cache flush 10.0.0.7");
    // As unicast DNS the class keeps its top bit.
    let m = parse(&msg).unwrap();
    assert_eq!((m.questions[0].qclass, m.questions[0].unicast_response), (0x8001, false));
    assert_eq!((m.authorities[0].class, m.authorities[0].cache_flush), (0x8001, false));
    assert_eq!(m.info(), "Standard query 0x0000 PTR _ipp._tcp.local A 10.0.0.7");
}

#[test]
fn mdns_txt_is_utf8() {
    let msg = cat(&[
        &header(0, 0x8400, 0, 1, 0, 0),
        &rr(&name("s.local"), 16, 0x8001, 1, &cat(&[&[9], "päth=/ü".as_bytes(), &[2, 0xff, 1]])),
    ]);
    let m = parse_mdns(&msg).unwrap();
    assert_eq!(m.answers[0].data, RData::Txt(vec!["päth=/ü".into(), "\u{fffd}\\001".into()]));
    let m = parse(&msg).unwrap();
    assert_eq!(
        m.answers[0].data,
        RData::Txt(vec!["p\u{fffd}\u{fffd}th=/\u{fffd}\u{fffd}".into(), "\u{fffd}\\001".into()])
    );
}

// ---- Info and tree against tshark 4.0.17 -----------------------------------

const DNS1: &str = "d40681870001000c00000001017804746573740000ff00010178047465737400001000010000012c00180b763d73706631202d616c6c0b68656c6c6f2022772201ff0178047465737400000f00010000012c000f000a046d61696c0178047465737400045f736970045f7463700178047465737400002100010000012c00120001000213c40373697001780474657374000178047465737400000600010000012c002c026e73017804746573740004686f7374017804746573740078a3f17500000e1000000258000151800000003c0178047465737400000500010000012c0002c00c0178047465737400000c00010000012c000801700474657374000178047465737400000d00010000012c000703435055024f530178047465737400002700010000012c0008017a0474657374000178047465737400ff0000010000012c000201020178047465737400001c00010000012c0010000102030405060708090a0b0c0d0e0f0178047465737400002f00010000012c000ac00c00064001000800030178047465737400000100ff00000000000000002904d001008000002b0008000700011800c00002000a001811111111111111112222222222222222222222222222222200030000";
const DNS3: &str =
    "000181800001000200000000016104746573740000010001c00c000100010000012c00040a000001c00c000100010000003c00040a00";
const MDNS2: &str = "0000840000000003000000010168056c6f63616c00000180010000007800040a0000070173055f68747470045f746370056c6f63616c000010800100001194000d0970c3a474683d2fc3bc02ff01c00c002f80010000012c0008c00c00044000000800002905a0000011940000";
const LLMNR2: &str = "a7068400000100010000000004777061640000010001c00c000100010000001e00040a000001";

#[test]
fn info_matches_tshark() {
    let cases: &[(&str, Flavor, &str)] = &[
        (
            DNS1,
            Flavor::Dns,
            "Standard query response 0xd406 RRset exists ANY x.test TXT MX 10 mail.x.test SRV 1 2 5060 sip.x.test SOA ns.x.test CNAME x.test PTR p.test HINFO CPU OS DNAME z.test Unknown (65280) AAAA 1:203:405:607:809:a0b:c0d:e0f NSEC x.test A OPT",
        ),
        (
            "beef81830001000000010000046e6f70650178047465737400000100010178047465737400000600010000012c0021026e730178047465737400c00c0000000100000002000000030000000400000005",
            Flavor::Dns,
            "Standard query response 0xbeef No such name A nope.x.test SOA ns.x.test",
        ),
        (DNS3, Flavor::Dns, "Standard query response 0x0001 A a.test A 10.0.0.1 A[Malformed Packet]"),
        (
            "280028000001000100010000047a6f6e65047465737400000600010161047a6f6e6504746573740000ff00ff0000000000000162047a6f6e650474657374000001000180000001000401020304",
            Flavor::Dns,
            "Dynamic update 0x2800 SOA zone.test ANY A 1.2.3.4",
        ),
        (
            "000281800001000300000000016104746573740000010001c00c000100010000012c00040a000001",
            Flavor::Dns,
            "Standard query response 0x0002 A a.test A 10.0.0.1[Malformed Packet]",
        ),
        (
            "000000000002000000010000045f697070045f746370056c6f63616c00000c8001055f69707073045f746370056c6f63616c00000c00010168056c6f63616c00000180010000007800040a000007",
            Flavor::Mdns,
            "Standard query 0x0000 PTR _ipp._tcp.local, \"QU\" question PTR _ipps._tcp.local, \"QM\" question A, cache flush 10.0.0.7",
        ),
        (
            MDNS2,
            Flavor::Mdns,
            "Standard query response 0x0000 A, cache flush 10.0.0.7 TXT, cache flush NSEC, cache flush h.local OPT",
        ),
        ("a7060000000100000000000004777061640000010001", Flavor::Llmnr, "Standard query 0xa706 A wpad"),
        (LLMNR2, Flavor::Llmnr, "Standard query response 0xa706 A wpad A 10.0.0.1"),
    ];
    for (hex, flavor, want) in cases {
        let m = parse_as(&unhex(hex), *flavor).unwrap();
        assert_eq!(m.info(), *want);
    }
}

#[test]
fn tree_matches_tshark() {
    let cases: &[(&str, Flavor, &str)] = &[
        (DNS1, Flavor::Dns, include_str!("testdata/tree_dns1.txt")),
        (DNS3, Flavor::Dns, include_str!("testdata/tree_dns3.txt")),
        (MDNS2, Flavor::Mdns, include_str!("testdata/tree_mdns2.txt")),
        (LLMNR2, Flavor::Llmnr, include_str!("testdata/tree_llmnr2.txt")),
    ];
    for (hex, flavor, want) in cases {
        let m = parse_as(&unhex(hex), *flavor).unwrap();
        let got = tree_text(&m);
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(g, w, "line {}", i + 1);
        }
        assert_eq!(got.lines().count(), want.lines().count());
    }
}

#[test]
fn tree_depth_is_relative() {
    let m = parse(&unhex(DNS3)).unwrap();
    let mut a = Vec::new();
    let mut b = Vec::new();
    m.write_tree(0, &mut a);
    m.write_tree(3, &mut b);
    assert_eq!(a.len(), b.len());
    assert!(a.iter().zip(&b).all(|(x, y)| x.0 + 3 == y.0 && x.1 == y.1));
}

// ---- tables ----------------------------------------------------------------

#[test]
fn names_of_codes() {
    assert_eq!(type_name(1), "A");
    assert_eq!(type_name(28), "AAAA");
    assert_eq!(type_name(46), "RRSIG");
    assert_eq!(type_name(50), "NSEC3");
    assert_eq!(type_name(65), "HTTPS");
    assert_eq!(type_name(64), "SVCB");
    assert_eq!(type_name(257), "CAA");
    assert_eq!(type_name(249), "TKEY");
    assert_eq!(type_name(250), "TSIG");
    assert_eq!(type_name(252), "AXFR");
    assert_eq!(type_name(255), "ANY");
    assert_eq!(type_name(0), "Unused");
    assert_eq!(type_name(253), "MAILA"); // (sic) tshark 4.0
    assert_eq!(type_name(65280), "Unknown (65280)");
    assert_eq!(type_description(1), "A (Host Address)");
    assert_eq!(type_description(10), "NULL RR");
    assert_eq!(type_description(41), "OPT");
    assert_eq!(type_description(53), "Unknown (53)");
    assert_eq!(class_name(1), "IN");
    assert_eq!(class_name(255), "ANY");
    assert_eq!(class_name(0x1234), "Unknown (0x1234)");
    assert_eq!(rcode_name(0), "NOERROR");
    assert_eq!(rcode_name(3), "NXDOMAIN");
    assert_eq!(rcode_name(23), "BADCOOKIE");
    assert_eq!(rcode_name(12), "RCODE12");
    assert_eq!(rcode_name(4095), "RCODE4095");
    assert_eq!(rcode_description(3), "No such name");
    assert_eq!(rcode_description(4), "Not implemented");
    assert_eq!(rcode_description(13), "Unknown error (13)");
    assert_eq!(opcode_name(0), "QUERY");
    assert_eq!(opcode_name(5), "UPDATE");
    assert_eq!(opcode_name(3), "OPCODE3");
    assert_eq!(opcode_description(4), "Zone change notification");
    assert_eq!(opcode_description(3), "Unknown operation (3)");
    assert_eq!(edns_option_name(10), "COOKIE");
    assert_eq!(edns_option_name(14), "Unknown (14)");
}

#[test]
fn json_shape() {
    let m = parse(&sample_response()).unwrap();
    let v = serde_json::to_value(&m).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 21, "{keys:?}");
    assert!(v.get("flavor").is_none() && v.get("partial_record").is_none());
    assert_eq!(
        v["questions"][0],
        serde_json::json!({"name": "alias.example.test", "qtype": 1, "qclass": 1, "unicast_response": false})
    );
    assert_eq!(v["answers"][1]["data"], serde_json::json!({"A": "10.200.2.2"}));
    assert_eq!(v["answers"][0]["data"], serde_json::json!({"Cname": "www.example.test"}));
    assert!(v["answers"][0].get("rdata").is_none());
    assert_eq!(
        v["edns"]["options"][0],
        serde_json::json!({"Cookie": {"client": [1, 2, 3, 4, 5, 6, 7, 8], "server": null}})
    );
}

// ---- robustness --------------------------------------------------------------

fn exercise(bytes: &[u8], flavor: Flavor) {
    let start = Instant::now();
    if let Ok(m) = parse_as(bytes, flavor) {
        let _ = m.info();
        let _ = m.info_for_capture(true);
        let mut out = Vec::new();
        m.write_tree(0, &mut out);
        for r in m.records() {
            let _ = r.data.short();
        }
    }
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

/// Worst cases for work per message: a 64 KB message of pointer chains and
/// one of maximal names each reached through a chain.
#[test]
fn adversarial_messages_are_fast() {
    let mut chain = pointer_chain(4000);
    chain.truncate(65535);
    exercise(&chain, Flavor::Dns);
    // Question: 127 one-byte labels (255 bytes); then records whose owners
    // are all a pointer to it and whose CNAME RDATA points to it too.
    let long: Vec<u8> = std::iter::repeat_n([1u8, b'a'], 127).flatten().chain([0]).collect();
    let mut msg = cat(&[&header(1, 0x8180, 1, 65535, 0, 0), &question(&long, 1, 1)]);
    while msg.len() < 65000 {
        msg.extend_from_slice(&rr(&[0xc0, 12], 5, 1, 0, &[0xc0, 12]));
    }
    exercise(&msg, Flavor::Dns);
}

proptest! {
    // No regression files: they would land outside this module's directory;
    // a failure prints its minimal input and seed instead.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes, Flavor::Dns);
        exercise(&bytes, Flavor::Mdns);
    }

    #[test]
    fn random_bodies_behind_a_plausible_header(
        counts in proptest::array::uniform4(0u16..8),
        body in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut msg = header(1, 0x8180, counts[0], counts[1], counts[2], counts[3]);
        msg.extend_from_slice(&body);
        exercise(&msg, Flavor::Dns);
    }

    #[test]
    fn mutated_messages_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
        which in 0usize..3,
    ) {
        let mut msg = match which {
            0 => sample_response(),
            1 => unhex(DNS1),
            _ => unhex(MDNS2),
        };
        for (at, v) in edits {
            let i = at % msg.len();
            msg[i] = v;
        }
        let n = cut % (msg.len() + 1);
        exercise(&msg[..n], Flavor::Dns);
        exercise(&msg, Flavor::Mdns);
        exercise(&msg, Flavor::Llmnr);
    }
}
