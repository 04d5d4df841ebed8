//! Property tests: the dissector never panics, whatever the bytes and link
//! type, and agrees with etherparse (a differential oracle) on well-formed
//! IPv4/TCP and IPv4/UDP headers.

use proptest::prelude::*;
use wirelens::capture::{Frame, LinkType, Timestamp};
use wirelens::dissect::{Dissector, Transport};

const LINKS: [u32; 12] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276, 147];

fn frame(link: u32, data: &[u8], orig_len: u32) -> Frame<'_> {
    Frame { number: 1, ts: Timestamp::default(), link: LinkType(link), interface: 0, orig_len, data, offset: 0 }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(link in prop::sample::select(LINKS.to_vec()), data in prop::collection::vec(any::<u8>(), 0..300), extra in 0u32..100) {
        let mut d = Dissector::new();
        let f = frame(link, &data, data.len() as u32 + extra);
        let p = d.dissect(&f);
        // Every layer stays inside the captured bytes.
        prop_assert!(p.payload.len() <= 65535);
        let _ = wirelens::record::build(&p, &wirelens::record::parse_dns(&p), None, None, &Default::default());
    }

    #[test]
    fn reassembly_state_survives_random_fragments(frags in prop::collection::vec((any::<u16>(), any::<bool>(), prop::collection::vec(any::<u8>(), 0..64)), 1..40)) {
        let mut d = Dissector::new();
        for (off, mf, payload) in frags {
            let total = 20 + payload.len();
            let mut b = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 7];
            let ff = (off & 0x1fff) | if mf { 0x2000 } else { 0 };
            b.extend_from_slice(&ff.to_be_bytes());
            b.extend_from_slice(&[64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
            b.extend_from_slice(&payload);
            let f = frame(101, &b, b.len() as u32);
            let _ = d.dissect(&f);
        }
    }

    #[test]
    fn agrees_with_etherparse(sport in any::<u16>(), dport in any::<u16>(), seq in any::<u32>(), ack in any::<u32>(), win in any::<u16>(), payload in prop::collection::vec(any::<u8>(), 0..64), udp in any::<bool>()) {
        let builder = etherparse::PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64);
        let mut bytes = Vec::new();
        if udp {
            builder.udp(sport, dport).write(&mut bytes, &payload).unwrap();
        } else {
            builder.tcp(sport, dport, seq, win).ack(ack).syn().write(&mut bytes, &payload).unwrap();
        }
        let oracle = etherparse::LaxSlicedPacket::from_ip(&bytes).unwrap();
        let mut d = Dissector::new();
        let f = frame(101, &bytes, bytes.len() as u32);
        let p = d.dissect(&f);
        prop_assert!(p.error.is_none());
        match (&p.transport, &oracle.transport) {
            (Transport::Tcp(t), Some(etherparse::TransportSlice::Tcp(o))) => {
                prop_assert_eq!((t.sport, t.dport, t.seq, t.ack, t.window), (o.source_port(), o.destination_port(), o.sequence_number(), o.acknowledgment_number(), o.window_size()));
                prop_assert_eq!(t.checksum_ok, Some(true));
                prop_assert_eq!(t.payload_len as usize, payload.len());
            }
            (Transport::Udp(u), Some(etherparse::TransportSlice::Udp(o))) => {
                prop_assert_eq!((u.sport, u.dport, u.length), (o.source_port(), o.destination_port(), o.length()));
                prop_assert_eq!(u.checksum_ok, Some(true));
            }
            (a, b) => prop_assert!(false, "mismatch {:?} vs {:?}", a, b),
        }
        prop_assert_eq!(p.payload, &payload[..]);
        prop_assert_eq!(p.ip.unwrap().checksum_ok, Some(true));
    }
}
