//! Saving live packets (`-w FILE`) while they are analysed.
//!
//! Two formats, chosen by the file name: `.pcapng` gets pcapng, anything else
//! pcap. pcap goes through libpcap's own writer (`pcap_dump`, what tcpdump
//! uses), so the file is byte for byte what tcpdump would write for the same
//! handle (nanosecond pcap, since the handle is opened at nanosecond
//! precision). libpcap 1.10 cannot write pcapng, so that format is written
//! here: one Section Header Block, one Interface Description Block (link
//! type, snaplen, `if_name`, `if_tsresol` = 9), an Enhanced Packet Block per
//! packet, and at the end an Interface Statistics Block with libpcap's
//! counters (what dumpcap writes, and what capinfos shows as drops).
//!
//! The file is created by the caller before privileges are given up and
//! handed over open, so that the process can still write it afterwards.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::fd::IntoRawFd;

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

/// A minimal pcapng writer: one section, one interface, nanosecond
/// timestamps, host byte order (readers detect it from the SHB).
pub struct PcapNgWriter<W: Write> {
    out: W,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
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
    /// Writes the section header and the interface description.
    pub fn new(mut out: W, link: LinkType, snaplen: u32, if_name: &str) -> io::Result<Self> {
        let mut shb = Vec::new();
        shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_ne_bytes());
        shb.extend_from_slice(&1u16.to_ne_bytes());
        shb.extend_from_slice(&0u16.to_ne_bytes());
        // Section length unknown (-1): the file is written as packets come.
        shb.extend_from_slice(&u64::MAX.to_ne_bytes());
        option(&mut shb, SHB_USERAPPL, concat!("wirelens ", env!("CARGO_PKG_VERSION")).as_bytes());
        end_of_options(&mut shb);
        out.write_all(&block(BT_SHB, &shb))?;

        let mut idb = Vec::new();
        // The IDB's link type field is 16 bits; every LINKTYPE_ value fits.
        idb.extend_from_slice(&(link.0 as u16).to_ne_bytes());
        idb.extend_from_slice(&0u16.to_ne_bytes());
        idb.extend_from_slice(&snaplen.to_ne_bytes());
        option(&mut idb, IF_NAME, if_name.as_bytes());
        option(&mut idb, IF_TSRESOL, &[9]);
        end_of_options(&mut idb);
        out.write_all(&block(BT_IDB, &idb))?;
        Ok(PcapNgWriter { out, first: None, last: None })
    }

    /// One Enhanced Packet Block on interface 0.
    pub fn packet(&mut self, ts: Timestamp, orig_len: u32, data: &[u8]) -> io::Result<()> {
        self.first.get_or_insert(ts);
        self.last = Some(ts);
        let (hi, lo) = ts_halves(ts);
        let pad = (4 - data.len() % 4) % 4;
        let total = (32 + data.len() + pad) as u32;
        let mut head = [0u8; 28];
        head[0..4].copy_from_slice(&BT_EPB.to_ne_bytes());
        head[4..8].copy_from_slice(&total.to_ne_bytes());
        head[8..12].copy_from_slice(&0u32.to_ne_bytes());
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

    /// Interface statistics (libpcap's counters) at `now`, then flush.
    pub fn finish(&mut self, now: Timestamp, received: u64, dropped_kernel: u64, dropped_if: u64) -> io::Result<()> {
        let (hi, lo) = ts_halves(self.last.map_or(now, |l| l.max(now)));
        let mut isb = Vec::new();
        isb.extend_from_slice(&0u32.to_ne_bytes());
        isb.extend_from_slice(&hi.to_ne_bytes());
        isb.extend_from_slice(&lo.to_ne_bytes());
        let ts_opt = |t: Timestamp| {
            let (h, l) = ts_halves(t);
            [h.to_ne_bytes(), l.to_ne_bytes()].concat()
        };
        if let (Some(f), Some(l)) = (self.first, self.last) {
            option(&mut isb, ISB_STARTTIME, &ts_opt(f));
            option(&mut isb, ISB_ENDTIME, &ts_opt(l));
        }
        option(&mut isb, ISB_IFRECV, &received.to_ne_bytes());
        option(&mut isb, ISB_IFDROP, &dropped_if.to_ne_bytes());
        option(&mut isb, ISB_OSDROP, &dropped_kernel.to_ne_bytes());
        end_of_options(&mut isb);
        self.out.write_all(&block(BT_ISB, &isb))?;
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
    /// once, from the handle's link type, snaplen and precision.
    pub(super) fn new(
        file: File,
        pcapng: bool,
        cap: &pcap::Capture<pcap::Active>,
        link: LinkType,
        snaplen: u32,
        if_name: &str,
    ) -> Result<Saver, String> {
        if pcapng {
            let w = PcapNgWriter::new(BufWriter::with_capacity(1 << 16, file), link, snaplen, if_name)
                .map_err(|e| e.to_string())?;
            return Ok(Saver::PcapNg(w));
        }
        let fd = file.into_raw_fd();
        // SAFETY: `fd` is an open, writable descriptor that nothing else owns
        // any more (`into_raw_fd` gave up the File's ownership); libpcap's
        // dumper takes it over and closes it.
        unsafe { cap.savefile_raw_fd(fd) }.map(Saver::Pcap).map_err(|e| e.to_string())
    }

    pub(super) fn write(&mut self, packet: &pcap::Packet<'_>, ts: Timestamp) -> io::Result<()> {
        match self {
            Saver::Pcap(s) => {
                s.write(packet);
                Ok(())
            }
            Saver::PcapNg(w) => w.packet(ts, packet.header.len, packet.data),
        }
    }

    pub(super) fn flush(&mut self) -> io::Result<()> {
        match self {
            Saver::Pcap(s) => s.flush().map_err(|e| io::Error::other(e.to_string())),
            Saver::PcapNg(w) => w.flush(),
        }
    }

    /// Flushes everything; pcapng also gets the interface statistics.
    pub(super) fn finish(
        &mut self,
        now: Timestamp,
        received: u64,
        dropped_kernel: u64,
        dropped_if: u64,
    ) -> io::Result<()> {
        match self {
            Saver::Pcap(_) => self.flush(),
            Saver::PcapNg(w) => w.finish(now, received, dropped_kernel, dropped_if),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FileReader, PacketSource};

    #[test]
    fn pcapng_round_trip_through_our_reader() {
        let mut buf = Vec::new();
        {
            let mut w = PcapNgWriter::new(&mut buf, LinkType::ETHERNET, 262_144, "veth0").unwrap();
            w.packet(Timestamp::new(1_700_000_000, 123_456_789), 60, &[0xAA; 42]).unwrap();
            w.packet(Timestamp::new(1_700_000_001, 5), 3, &[1, 2, 3]).unwrap();
            w.finish(Timestamp::new(1_700_000_002, 0), 2, 0, 0).unwrap();
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

    #[test]
    fn extension_decides_the_format() {
        assert!(wants_pcapng("/tmp/x.pcapng"));
        assert!(wants_pcapng("X.PCAPNG"));
        assert!(!wants_pcapng("x.pcap"));
        assert!(!wants_pcapng("pcapng"));
    }
}
