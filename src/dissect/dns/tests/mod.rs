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

/// `is_response` reads the bit `parse` sets `response` from, on every
/// message it parses, and says no to a message too short to parse.
#[test]
fn is_response_agrees_with_parse() {
    for flags in [0x0000, 0x0100, 0x8000, 0x8180, 0x7fff, 0xffff] {
        let msg = header(1, flags, 0, 0, 0, 0);
        assert_eq!(is_response(&msg), parse(&msg).unwrap().response, "flags {flags:#06x}");
    }
    assert!(is_response(&sample_response()));
    for n in 0..3 {
        assert!(!is_response(&vec![0xff; n]));
    }
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

mod records;
