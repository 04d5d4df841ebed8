//! The `packets` summary line as a borrowed view: what the default table
//! format prints, and nothing else.
//!
//! Why a view and not a [`PacketRecord`](super::PacketRecord): the record
//! owns strings for everything JSON shows (addresses, flags, DNS, errors),
//! and building one per packet was most of the line's cost. A
//! [`PacketLine`] holds the columns as plain values (numbers, addresses,
//! a `&'static str` protocol) and borrows the Info text from a buffer the
//! caller clears and reuses, so producing it allocates nothing.
//! `report::packets::write_line` renders it. JSON, CSV, `-V` and `-x` still
//! go through the record.

use std::net::IpAddr;

use super::{Time, info};
use crate::dissect::{LinkHeader, Packet, dns};
use crate::flow::tcp::Analysis;

/// A source or destination column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    Ip(IpAddr),
    Mac([u8; 6]),
    /// The all-ones MAC address, which tshark names even with `-n`.
    Broadcast,
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Ip(a) => a.fmt(f),
            Address::Mac(m) => crate::dissect::Mac(*m).fmt(f),
            Address::Broadcast => f.write_str("Broadcast"),
        }
    }
}

/// One packet's summary line.
#[derive(Debug, Clone, Copy)]
pub struct PacketLine<'a> {
    pub frame: u64,
    pub ts: Time,
    /// Length on the wire.
    pub len: u32,
    pub src: Option<Address>,
    pub dst: Option<Address>,
    /// tshark's Protocol column.
    pub proto: &'static str,
    /// tshark's Info column (UTF-8).
    pub info: &'a [u8],
}

/// The line of a dissected packet. `dns` are its parsed DNS messages,
/// `analysis` the TCP analysis of the segment; `info` is cleared and
/// receives the Info text, which the line borrows.
pub fn line<'a>(
    p: &Packet<'_>,
    dns: &[dns::Message],
    analysis: Option<&Analysis>,
    resolve_ports: bool,
    info: &'a mut Vec<u8>,
) -> PacketLine<'a> {
    info.clear();
    info::write_info(info, p, dns, analysis, resolve_ports);
    let (src, dst) = addresses(p);
    PacketLine {
        frame: p.number,
        ts: Time { secs: p.ts.secs, nanos: p.ts.nanos },
        len: p.orig_len,
        src,
        dst,
        proto: info::protocol(p, !dns.is_empty()),
        info,
    }
}

/// Source and destination as tshark's columns show them: IP addresses, else
/// the link-layer addresses.
pub fn addresses(p: &Packet<'_>) -> (Option<Address>, Option<Address>) {
    if let Some(ip) = &p.ip {
        return (Some(Address::Ip(ip.src)), Some(Address::Ip(ip.dst)));
    }
    match p.link_header {
        // tshark resolves the all-ones address to "Broadcast" even with -n.
        LinkHeader::Ethernet { src, dst, .. } => {
            (Some(Address::Mac(src.0)), Some(if dst.0 == [0xff; 6] { Address::Broadcast } else { Address::Mac(dst.0) }))
        }
        LinkHeader::Sll { addr, addr_len: 6, .. } => {
            let mut m = [0u8; 6];
            m.copy_from_slice(&addr[..6]);
            (Some(Address::Mac(m)), None)
        }
        _ => (None, None),
    }
}
