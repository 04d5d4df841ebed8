//! Saving live packets (`-w FILE`) while they are analysed.
//!
//! Two formats, chosen by the file name: `.pcapng` gets pcapng, anything else
//! pcap. pcap goes through libpcap's own writer (`pcap_dump`, what tcpdump
//! uses), so the file is byte for byte what tcpdump would write for the same
//! handle (nanosecond pcap, since the handle is opened at nanosecond
//! precision). libpcap 1.10 cannot write pcapng, so that format is written
//! here: one Section Header Block, an Interface Description Block per
//! interface (link type, snaplen, `if_name`, `if_tsresol` = 9), an Enhanced
//! Packet Block per packet naming its interface, and at the end an
//! Interface Statistics Block per interface with libpcap's counters (what
//! dumpcap writes, and what capinfos shows as drops).
//!
//! Several interfaces are saved as pcapng only. dumpcap writes pcapng
//! whenever it captures on several interfaces, even when told `-P` (pcap):
//! a pcap file has one link type and no interface per packet. Here the file
//! name chooses the format, so instead of writing pcapng under a `.pcap`
//! name, a capture on several interfaces refuses a name that does not end in
//! `.pcapng` (`LiveError::SeveralNeedPcapng`), whether or not the link types
//! differ: with equal link types a pcap file could hold the packets, but it
//! would read back as one interface, not as what was analysed.
//!
//! The file is created by the caller before privileges are given up and
//! handed over open, so that the process can still write it afterwards.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::fd::IntoRawFd;

use super::live::LiveStats;
use super::{LinkType, Timestamp};

const BT_SHB: u32 = 0x0A0D_0D0A;
const BT_IDB: u32 = 0x0000_0001;
const BT_ISB: u32 = 0x0000_0005;
const BT_EPB: u32 = 0x0000_0006;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

const OPT_ENDOFOPT: u16 = 0;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_TSRESOL: u16 = 9;
const ISB_STARTTIME: u16 = 2;
const ISB_ENDTIME: u16 = 3;
const ISB_IFRECV: u16 = 4;
const ISB_IFDROP: u16 = 5;
const ISB_OSDROP: u16 = 7;

/// One interface as the save file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedInterface {
    /// The `LINKTYPE_` value.
    pub link: LinkType,
    pub snaplen: u32,
    pub name: String,
}

/// A minimal pcapng writer: one section, its interfaces, nanosecond
/// timestamps, host byte order (readers detect it from the SHB).
pub struct PcapNgWriter<W: Write> {
    out: W,
    /// First and last packet time of each interface.
    times: Vec<Option<(Timestamp, Timestamp)>>,
}

/// Block body padded to 32 bits, framed by type and total length.
fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let pad = (4 - body.len() % 4) % 4;
    let total = (12 + body.len() + pad) as u32;
    let mut b = Vec::with_capacity(total as usize);
    b.extend_from_slice(&block_type.to_ne_bytes());
    b.extend_from_slice(&total.to_ne_bytes());
    b.extend_from_slice(body);
    b.resize(b.len() + pad, 0);
    b.extend_from_slice(&total.to_ne_bytes());
    b
}

/// One option (code, length, value padded to 32 bits).
fn option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
    // Option lengths are 16-bit; every value written here is far shorter,
    // but a long interface name is cut rather than corrupting the block.
    let value = &value[..value.len().min(u16::MAX as usize - 3)];
    body.extend_from_slice(&code.to_ne_bytes());
    body.extend_from_slice(&(value.len() as u16).to_ne_bytes());
    body.extend_from_slice(value);
    body.resize(body.len() + (4 - value.len() % 4) % 4, 0);
}

fn end_of_options(body: &mut Vec<u8>) {
    body.extend_from_slice(&OPT_ENDOFOPT.to_ne_bytes());
    body.extend_from_slice(&0u16.to_ne_bytes());
}

/// A pcapng timestamp in nanoseconds, split into its two 32-bit halves.
fn ts_halves(ts: Timestamp) -> (u32, u32) {
    let ns = (ts.secs.max(0) as u64).saturating_mul(1_000_000_000).saturating_add(u64::from(ts.nanos));
    ((ns >> 32) as u32, ns as u32)
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the section header and the interface descriptions, in order:
    /// a packet's interface is its index in `interfaces`.
    pub fn new(mut out: W, interfaces: &[SavedInterface]) -> io::Result<Self> {
        let mut shb = Vec::new();
        shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_ne_bytes());
        shb.extend_from_slice(&1u16.to_ne_bytes());
        shb.extend_from_slice(&0u16.to_ne_bytes());
        // Section length unknown (-1): the file is written as packets come.
        shb.extend_from_slice(&u64::MAX.to_ne_bytes());
        option(&mut shb, SHB_USERAPPL, concat!("wirelens ", env!("CARGO_PKG_VERSION")).as_bytes());
        end_of_options(&mut shb);
        out.write_all(&block(BT_SHB, &shb))?;

        for itf in interfaces {
            let mut idb = Vec::new();
            // The IDB's link type field is 16 bits; every LINKTYPE_ value fits.
            idb.extend_from_slice(&(itf.link.0 as u16).to_ne_bytes());
            idb.extend_from_slice(&0u16.to_ne_bytes());
            idb.extend_from_slice(&itf.snaplen.to_ne_bytes());
            option(&mut idb, IF_NAME, itf.name.as_bytes());
            option(&mut idb, IF_TSRESOL, &[9]);
            end_of_options(&mut idb);
            out.write_all(&block(BT_IDB, &idb))?;
        }
        Ok(PcapNgWriter { out, times: vec![None; interfaces.len()] })
    }

    /// One Enhanced Packet Block on `interface` (an index into the
    /// interfaces given to [`new`](Self::new); out of range is an error, as
    /// readers would refuse the block).
    pub fn packet(&mut self, interface: u32, ts: Timestamp, orig_len: u32, data: &[u8]) -> io::Result<()> {
        let Some(times) = self.times.get_mut(interface as usize) else {
            return Err(io::Error::other(format!("no interface {interface} in the file")));
        };
        *times = Some(times.map_or((ts, ts), |(first, last)| (first.min(ts), last.max(ts))));
        let (hi, lo) = ts_halves(ts);
        let pad = (4 - data.len() % 4) % 4;
        let total = (32 + data.len() + pad) as u32;
        let mut head = [0u8; 28];
        head[0..4].copy_from_slice(&BT_EPB.to_ne_bytes());
        head[4..8].copy_from_slice(&total.to_ne_bytes());
        head[8..12].copy_from_slice(&interface.to_ne_bytes());
        head[12..16].copy_from_slice(&hi.to_ne_bytes());
        head[16..20].copy_from_slice(&lo.to_ne_bytes());
        head[20..24].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        head[24..28].copy_from_slice(&orig_len.to_ne_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(data)?;
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&total.to_ne_bytes())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// An Interface Statistics Block per interface (libpcap's counters,
    /// `stats[i]` for interface i; missing ones are left out) at `now`,
    /// then flush.
    pub fn finish(&mut self, now: Timestamp, stats: &[LiveStats]) -> io::Result<()> {
        let ts_opt = |t: Timestamp| {
            let (h, l) = ts_halves(t);
            [h.to_ne_bytes(), l.to_ne_bytes()].concat()
        };
        for (i, (times, s)) in self.times.iter().zip(stats).enumerate() {
            let (hi, lo) = ts_halves(times.map_or(now, |(_, last)| last.max(now)));
            let mut isb = Vec::new();
            isb.extend_from_slice(&(i as u32).to_ne_bytes());
            isb.extend_from_slice(&hi.to_ne_bytes());
            isb.extend_from_slice(&lo.to_ne_bytes());
            if let Some((first, last)) = times {
                option(&mut isb, ISB_STARTTIME, &ts_opt(*first));
                option(&mut isb, ISB_ENDTIME, &ts_opt(*last));
            }
            option(&mut isb, ISB_IFRECV, &s.received.to_ne_bytes());
            option(&mut isb, ISB_IFDROP, &s.dropped_interface.to_ne_bytes());
            option(&mut isb, ISB_OSDROP, &s.dropped_kernel.to_ne_bytes());
            end_of_options(&mut isb);
            self.out.write_all(&block(BT_ISB, &isb))?;
        }
        self.out.flush()
    }
}

/// Where `-w` packets go.
pub(super) enum Saver {
    /// libpcap's writer. It reports write errors only when flushed
    /// (`pcap_dump` is an `fwrite`), so the end of the run flushes and checks.
    Pcap(pcap::Savefile),
    PcapNg(PcapNgWriter<BufWriter<File>>),
}

/// True when `path` asks for pcapng: its name ends in `.pcapng` (any case).
/// Everything else is written as pcap, as tcpdump does.
pub fn wants_pcapng(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".pcapng")
}

impl Saver {
    /// Takes over an open file. For pcap, libpcap writes its file header at
    /// once, from the handle's link type, snaplen and precision: pcap is for
    /// one interface, `cap` (the caller refuses it for several).
    pub(super) fn new(
        file: File,
        pcapng: bool,
        cap: &pcap::Capture<pcap::Active>,
        interfaces: &[SavedInterface],
    ) -> Result<Saver, String> {
        if pcapng {
            let w =
                PcapNgWriter::new(BufWriter::with_capacity(1 << 16, file), interfaces).map_err(|e| e.to_string())?;
            return Ok(Saver::PcapNg(w));
        }
        if interfaces.len() != 1 {
            return Err("a pcap file holds the packets of one interface".into());
        }
        let fd = file.into_raw_fd();
        // SAFETY: `fd` is an open, writable descriptor that nothing else owns
        // any more (`into_raw_fd` gave up the File's ownership); libpcap's
        // dumper takes it over and closes it.
        unsafe { cap.savefile_raw_fd(fd) }.map(Saver::Pcap).map_err(|e| e.to_string())
    }

    /// One packet of interface `interface`, with libpcap's header for it.
    pub(super) fn write(
        &mut self,
        interface: u32,
        header: &pcap::PacketHeader,
        ts: Timestamp,
        data: &[u8],
    ) -> io::Result<()> {
        match self {
            Saver::Pcap(s) => {
                s.write(&pcap::Packet::new(header, data));
                Ok(())
            }
            Saver::PcapNg(w) => w.packet(interface, ts, header.len, data),
        }
    }

    pub(super) fn flush(&mut self) -> io::Result<()> {
        match self {
            Saver::Pcap(s) => s.flush().map_err(|e| io::Error::other(e.to_string())),
            Saver::PcapNg(w) => w.flush(),
        }
    }

    /// Flushes everything; pcapng also gets each interface's statistics.
    pub(super) fn finish(&mut self, now: Timestamp, stats: &[LiveStats]) -> io::Result<()> {
        match self {
            Saver::Pcap(_) => self.flush(),
            Saver::PcapNg(w) => w.finish(now, stats),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FileReader, PacketSource};

    fn itf(link: LinkType, name: &str) -> SavedInterface {
        SavedInterface { link, snaplen: 262_144, name: name.into() }
    }

    fn stats(received: u64, dropped_kernel: u64) -> LiveStats {
        LiveStats { captured: 0, received, dropped_kernel, dropped_interface: 0 }
    }

    #[test]
    fn pcapng_round_trip_through_our_reader() {
        let mut buf = Vec::new();
        {
            let mut w = PcapNgWriter::new(&mut buf, &[itf(LinkType::ETHERNET, "veth0")]).unwrap();
            w.packet(0, Timestamp::new(1_700_000_000, 123_456_789), 60, &[0xAA; 42]).unwrap();
            w.packet(0, Timestamp::new(1_700_000_001, 5), 3, &[1, 2, 3]).unwrap();
            w.finish(Timestamp::new(1_700_000_002, 0), &[stats(2, 0)]).unwrap();
        }
        assert_eq!(buf.len() % 4, 0);
        let mut r = FileReader::from_reader("mem", Box::new(std::io::Cursor::new(buf))).unwrap();
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!((f.number, f.orig_len, f.data.len()), (1, 60, 42));
        assert_eq!(f.ts, Timestamp::new(1_700_000_000, 123_456_789));
        assert_eq!(f.link, LinkType::ETHERNET);
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!((f.data, f.ts), (&[1u8, 2, 3][..], Timestamp::new(1_700_000_001, 5)));
        assert!(r.next_frame().unwrap().is_none());
        assert_eq!(r.interfaces()[0].name.as_deref(), Some("veth0"));
        assert_eq!(r.interfaces()[0].ts_units_per_sec, 1_000_000_000);
        // The statistics block is skipped by length, as every other block we do not decode.
        assert_eq!(r.stats().skipped_blocks, 1);
    }

    /// The blocks of a pcapng written in this host's byte order: (type, body).
    fn blocks(buf: &[u8]) -> Vec<(u32, &[u8])> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 12 <= buf.len() {
            let word = |o: usize| u32::from_ne_bytes(buf[o..o + 4].try_into().unwrap());
            let (kind, len) = (word(at), word(at + 4) as usize);
            assert_eq!(word(at + len - 4) as usize, len, "trailing length of block at {at}");
            out.push((kind, &buf[at + 8..at + len - 4]));
            at += len;
        }
        assert_eq!(at, buf.len());
        out
    }

    #[test]
    fn several_interfaces_get_a_description_and_statistics_each() {
        let mut buf = Vec::new();
        {
            let ifs = [itf(LinkType::ETHERNET, "v0"), itf(LinkType::RAW, "tun0")];
            let mut w = PcapNgWriter::new(&mut buf, &ifs).unwrap();
            w.packet(0, Timestamp::new(100, 1), 60, &[0xAA; 60]).unwrap();
            w.packet(1, Timestamp::new(100, 2), 20, &[0x45; 20]).unwrap();
            w.packet(0, Timestamp::new(100, 3), 61, &[0xBB; 61]).unwrap();
            assert!(w.packet(2, Timestamp::new(100, 4), 1, &[0]).is_err(), "no interface 2");
            w.finish(Timestamp::new(101, 0), &[stats(2, 1), stats(1, 0)]).unwrap();
        }
        let kinds: Vec<u32> = blocks(&buf).iter().map(|b| b.0).collect();
        assert_eq!(kinds, [BT_SHB, BT_IDB, BT_IDB, BT_EPB, BT_EPB, BT_EPB, BT_ISB, BT_ISB]);
        // Each statistics block names its interface and carries its counters.
        for (i, (_, body)) in blocks(&buf).iter().filter(|b| b.0 == BT_ISB).enumerate() {
            assert_eq!(u32::from_ne_bytes(body[0..4].try_into().unwrap()), i as u32);
            // Options after the interface id and the time stamp.
            let (mut at, mut recv) = (12, None);
            while at + 4 <= body.len() {
                let code = u16::from_ne_bytes([body[at], body[at + 1]]);
                let len = usize::from(u16::from_ne_bytes([body[at + 2], body[at + 3]]));
                if code == ISB_IFRECV {
                    recv = Some(u64::from_ne_bytes(body[at + 4..at + 12].try_into().unwrap()));
                }
                at += 4 + len.div_ceil(4) * 4;
            }
            assert_eq!(recv, Some([2, 1][i]));
        }
        let mut r = FileReader::from_reader("mem", Box::new(std::io::Cursor::new(buf))).unwrap();
        let mut seen = Vec::new();
        while let Some(f) = r.next_frame().unwrap() {
            seen.push((f.interface, f.link, f.data.len(), f.ts.nanos));
        }
        assert_eq!(seen, [(0, LinkType::ETHERNET, 60, 1), (1, LinkType::RAW, 20, 2), (0, LinkType::ETHERNET, 61, 3)]);
        let names: Vec<_> = r.interfaces().iter().map(|i| (i.name.clone().unwrap(), i.link)).collect();
        assert_eq!(names, [("v0".to_string(), LinkType::ETHERNET), ("tun0".to_string(), LinkType::RAW)]);
        assert_eq!(r.stats().skipped_blocks, 2);
    }

    #[test]
    fn extension_decides_the_format() {
        assert!(wants_pcapng("/tmp/x.pcapng"));
        assert!(wants_pcapng("X.PCAPNG"));
        assert!(!wants_pcapng("x.pcap"));
        assert!(!wants_pcapng("pcapng"));
    }
}
