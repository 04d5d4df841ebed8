//! Micro-benchmarks of the pipeline's stages (issue 6), with divan:
//! `cargo bench --bench pipeline`.
//!
//! Every benchmark handles ONE packet (or one DNS message) per iteration, so
//! divan's times are nanoseconds per packet; the `item/s` column is the same
//! number as a rate. The inputs are the sample captures in `samples/`, loaded
//! into memory first (no disk I/O is timed):
//!
//! - `file_reader`: `FileReader` over an in-memory pcap of every sample's
//!   frames, whole (`full`) or cut to 96 bytes (`snap96`, the snaplen of
//!   `bench/run.sh`'s capture). Reopening at the end of the file is included.
//! - `dissect`: `Dissector::dissect` per link type. The frames are the TCP
//!   segments of the samples: Ethernet/IPv4/TCP as captured (`ethernet_ipv4_tcp`,
//!   whole frames, so the TCP checksum over the payload is part of it) and cut
//!   to 96 bytes (`ethernet_ipv4_tcp_snap96`), the same IPv4 packets as raw IP
//!   (link type 101) and behind a Linux cooked header (SLL, 113), and the
//!   samples' Ethernet/IPv6/TCP frames (`ethernet_ipv6_tcp`).
//! - `flow_table`: `FlowTable::packet` (flow lookup and counters, tshark's TCP
//!   analysis in `TcpConn`, Zeek's state) over the samples' packets, dissected
//!   beforehand; the corpus is replayed in a loop (a SYN on a closed flow
//!   opens a new one, as in a capture with port reuse).
//! - `dns_parse`: `dissect::dns::parse` of the DNS messages in the samples.
//! - `quick_tuple`: `dissect::quick::flow_tuple` and the flow key made from
//!   it, over every frame of the samples cut to 96 bytes: what the reader
//!   thread of `flows` pays per frame before it looks the key's owner up.
//! - `pipeline`: read + dissect + flow table per packet, over the `snap96` file.

use std::hint::black_box;
use std::io::Cursor;

use divan::Bencher;
use divan::counter::ItemsCount;
use wirelens::capture::{FileReader, Frame, LinkType, PacketSource, Timestamp};
use wirelens::dissect::{Dissector, Packet, dns, quick};
use wirelens::flow::table::{FlowKey, FlowTable};

fn main() {
    // 2000 samples of 64 packets each (divan's default would time single
    // packets, close to the timer's precision): steadier medians, about a
    // second per benchmark. Command-line options (--sample-count,
    // --sample-size) still win.
    divan::Divan::default().sample_count(2000).sample_size(64).config_with_args().main();
}

const SAMPLES: [&str; 7] = [
    "mix.pcap",
    "lossy-sender.pcap",
    "lossy-receiver.pcap",
    "zero-window.pcap",
    "dns.pcap",
    "reorder.pcap",
    "short.pcap",
];

/// A frame with its bytes leaked, so it can be used as a `Frame<'static>`.
#[derive(Clone, Copy)]
struct Owned {
    ts: Timestamp,
    link: LinkType,
    orig_len: u32,
    data: &'static [u8],
}

impl Owned {
    fn frame(&self, number: u64) -> Frame<'static> {
        Frame {
            number,
            ts: self.ts,
            link: self.link,
            interface: 0,
            orig_len: self.orig_len,
            data: self.data,
            offset: 0,
        }
    }

    fn with(&self, link: LinkType, data: Vec<u8>, orig_len: u32) -> Owned {
        Owned { ts: self.ts, link, orig_len, data: Box::leak(data.into_boxed_slice()) }
    }
}

fn sample_frames() -> Vec<Owned> {
    let mut out = Vec::new();
    for name in SAMPLES {
        let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
        let mut r = FileReader::open(&path).expect("sample opens");
        while let Some(f) = r.next_frame().expect("sample reads") {
            out.push(Owned {
                ts: f.ts,
                link: f.link,
                orig_len: f.orig_len,
                data: Box::leak(f.data.to_vec().into_boxed_slice()),
            });
        }
    }
    out
}

/// A pcap file (Ethernet, microseconds) of `frames`, each cut to `snap` bytes.
fn pcap_bytes(frames: &[Owned], snap: usize) -> &'static [u8] {
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&(snap as u32).to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    for f in frames {
        let cap = f.data.len().min(snap);
        b.extend_from_slice(&(f.ts.secs as u32).to_le_bytes());
        b.extend_from_slice(&(f.ts.nanos / 1000).to_le_bytes());
        b.extend_from_slice(&(cap as u32).to_le_bytes());
        b.extend_from_slice(&f.orig_len.to_le_bytes());
        b.extend_from_slice(&f.data[..cap]);
    }
    Box::leak(b.into_boxed_slice())
}

fn open_mem(bytes: &'static [u8]) -> FileReader {
    FileReader::from_reader("memory", Box::new(Cursor::new(bytes))).expect("in-memory pcap opens")
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

/// Ethernet frames carrying TCP over the given IP version (no VLAN tags).
fn tcp_frames(frames: &[Owned], ethertype: u16) -> Vec<Owned> {
    frames
        .iter()
        .filter(|f| f.link == LinkType::ETHERNET && f.data.len() > 54)
        .filter(|f| u16::from_be_bytes([f.data[12], f.data[13]]) == ethertype)
        .filter(|f| if ethertype == ETHERTYPE_IPV4 { f.data[14 + 9] == 6 } else { f.data[14 + 6] == 6 })
        .copied()
        .collect()
}

/// Dissects one frame per iteration, cycling over `frames`.
fn bench_dissect(bencher: Bencher, frames: Vec<Owned>) {
    assert!(!frames.is_empty());
    let mut d = Dissector::new();
    let mut i = 0usize;
    let mut n = 0u64;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let f = frames[i].frame(n);
        i = if i + 1 == frames.len() { 0 } else { i + 1 };
        n += 1;
        let p = d.dissect(&f);
        black_box((p.transport_offset, p.payload.len()))
    });
}

mod file_reader {
    use super::*;

    fn bench_reader(bencher: Bencher, bytes: &'static [u8]) {
        let mut r = open_mem(bytes);
        bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
            let len = match r.next_frame().expect("reads") {
                Some(f) => f.data.len(),
                None => 0,
            };
            if len == 0 {
                r = open_mem(bytes);
            }
            len
        });
    }

    #[divan::bench]
    fn full(bencher: Bencher) {
        bench_reader(bencher, pcap_bytes(&sample_frames(), 262_144));
    }

    #[divan::bench]
    fn snap96(bencher: Bencher) {
        bench_reader(bencher, pcap_bytes(&sample_frames(), 96));
    }
}

mod dissect {
    use super::*;

    #[divan::bench]
    fn ethernet_ipv4_tcp(bencher: Bencher) {
        bench_dissect(bencher, tcp_frames(&sample_frames(), ETHERTYPE_IPV4));
    }

    #[divan::bench]
    fn ethernet_ipv4_tcp_snap96(bencher: Bencher) {
        let frames = tcp_frames(&sample_frames(), ETHERTYPE_IPV4);
        let cut = frames.iter().map(|f| f.with(f.link, f.data[..f.data.len().min(96)].to_vec(), f.orig_len)).collect();
        bench_dissect(bencher, cut);
    }

    #[divan::bench]
    fn raw_ip(bencher: Bencher) {
        let frames = tcp_frames(&sample_frames(), ETHERTYPE_IPV4);
        let raw = frames.iter().map(|f| f.with(LinkType::RAW, f.data[14..].to_vec(), f.orig_len - 14)).collect();
        bench_dissect(bencher, raw);
    }

    #[divan::bench]
    fn linux_sll(bencher: Bencher) {
        let frames = tcp_frames(&sample_frames(), ETHERTYPE_IPV4);
        let sll = frames
            .iter()
            .map(|f| {
                // Packet type 4 (sent by us), ARPHRD_ETHER, 6-byte address, padded to 8, protocol.
                let mut d = vec![0, 4, 0, 1, 0, 6];
                d.extend_from_slice(&f.data[6..12]);
                d.extend_from_slice(&[0, 0]);
                d.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
                d.extend_from_slice(&f.data[14..]);
                f.with(LinkType::LINUX_SLL, d, f.orig_len + 2)
            })
            .collect();
        bench_dissect(bencher, sll);
    }

    #[divan::bench]
    fn ethernet_ipv6_tcp(bencher: Bencher) {
        bench_dissect(bencher, tcp_frames(&sample_frames(), ETHERTYPE_IPV6));
    }
}

/// Every sample packet dissected on its own (one leaked dissector each, so
/// that the packets outlive it); reassembly state is not needed here.
fn dissected() -> Vec<Packet<'static>> {
    sample_frames()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let d: &'static mut Dissector = Box::leak(Box::new(Dissector::new()));
            d.dissect(&f.frame(i as u64 + 1))
        })
        .collect()
}

#[divan::bench]
fn flow_table(bencher: Bencher) {
    let packets = dissected();
    let mut table = FlowTable::new(0);
    let mut i = 0usize;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let p = &packets[i];
        i = if i + 1 == packets.len() { 0 } else { i + 1 };
        table.packet(p, |f, _| drop(black_box(f))).map(|pl| pl.id)
    });
}

#[divan::bench]
fn dns_parse(bencher: Bencher) {
    let messages: Vec<Vec<u8>> =
        dissected().iter().flat_map(|p| p.dns.iter().map(|m| m.to_vec()).collect::<Vec<_>>()).collect();
    assert!(messages.len() > 50, "the samples hold DNS messages");
    let mut i = 0usize;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let m = &messages[i];
        i = if i + 1 == messages.len() { 0 } else { i + 1 };
        dns::parse(m).map(|m| m.answers.len()).unwrap_or(0)
    });
}

#[divan::bench]
fn quick_tuple(bencher: Bencher) {
    let frames: Vec<Owned> = sample_frames()
        .into_iter()
        .map(|f| f.with(f.link, f.data[..f.data.len().min(96)].to_vec(), f.orig_len))
        .collect();
    let mut i = 0usize;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let f = &frames[i];
        i = if i + 1 == frames.len() { 0 } else { i + 1 };
        quick::flow_tuple(f.link, black_box(f.data)).map(|t| FlowKey::new(t.proto, t.vlan, t.src, t.dst))
    });
}

/// Read, dissect and place in the flow table: the core of `wirelens flows`
/// (without the DNS name tracker and the output), per packet.
#[divan::bench]
fn pipeline(bencher: Bencher) {
    let bytes = pcap_bytes(&sample_frames(), 96);
    let mut r = open_mem(bytes);
    let mut d = Dissector::new();
    let mut table = FlowTable::new(0);
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let mut placed = None;
        let mut at_end = true;
        if let Some(f) = r.next_frame().expect("reads") {
            at_end = false;
            let p = d.dissect(&f);
            placed = table.packet(&p, |f, _| drop(black_box(f))).map(|pl| pl.id);
        }
        if at_end {
            r = open_mem(bytes);
        }
        placed
    });
}
