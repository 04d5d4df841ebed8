//! Record data, EDNS, mDNS and LLMNR, Info and tree texts against tshark
//! 4.0.17, the code tables, and robustness on adversarial input.

use super::*;

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
        (DNS1, Flavor::Dns, include_str!("../testdata/tree_dns1.txt")),
        (DNS3, Flavor::Dns, include_str!("../testdata/tree_dns3.txt")),
        (MDNS2, Flavor::Mdns, include_str!("../testdata/tree_mdns2.txt")),
        (LLMNR2, Flavor::Llmnr, include_str!("../testdata/tree_llmnr2.txt")),
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
