//! Whole-capture statistics: what capinfos reports and the protocol
//! hierarchy of `tshark -z io,phs`, gathered in one pass and handed to the
//! reports as an owned snapshot.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dissect::{AppKind, DissectStats, Fragment, LinkHeader, Packet, Transport, ip::proto, link::ethertype};
use crate::record::Time;

/// One node of the protocol hierarchy: frames and bytes that contain this
/// protocol at this position of the stack.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ProtoNode {
    pub protocol: &'static str,
    pub frames: u64,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ProtoNode>,
}

impl ProtoNode {
    fn add(&mut self, path: &[&'static str], bytes: u64) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let i = match self.children.iter().position(|c| c.protocol == *first) {
            Some(i) => i,
            None => {
                self.children.push(ProtoNode { protocol: first, ..Default::default() });
                self.children.len() - 1
            }
        };
        let c = &mut self.children[i];
        c.frames += 1;
        c.bytes += bytes;
        c.add(rest, bytes);
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InterfaceSummary {
    pub id: u32,
    pub link: String,
    pub link_type: u32,
    pub snaplen: u32,
    pub ts_resolution: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What `wirelens info` reports.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureSummary {
    pub file: String,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    pub interfaces: Vec<InterfaceSummary>,
    /// Link type name -> frames.
    pub encapsulations: BTreeMap<String, u64>,
    pub packets: u64,
    /// Bytes on the wire (sum of original lengths).
    pub data_bytes: u64,
    pub captured_bytes: u64,
    pub truncated_packets: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
    pub duration_secs: f64,
    pub bytes_per_sec: f64,
    pub bits_per_sec: f64,
    pub avg_packet_size: f64,
    pub packets_per_sec: f64,
    /// Frames whose decoding stopped, by reason.
    pub undecoded: BTreeMap<String, u64>,
    pub fragments: u64,
    pub datagrams_reassembled: u64,
    pub fragments_unreassembled: u64,
    pub skipped_blocks: u64,
    pub warnings: Vec<String>,
    pub hierarchy: ProtoNode,
    /// Set when reading stopped on a fault in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Accumulates per-packet statistics.
#[derive(Debug, Default)]
pub struct StatsBuilder {
    pub packets: u64,
    pub data_bytes: u64,
    pub captured_bytes: u64,
    pub truncated_packets: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
    pub encapsulations: BTreeMap<String, u64>,
    pub root: ProtoNode,
}

impl StatsBuilder {
    pub fn add(&mut self, p: &Packet<'_>, has_dns: bool) {
        let t = Time { secs: p.ts.secs, nanos: p.ts.nanos };
        self.packets += 1;
        self.data_bytes += u64::from(p.orig_len);
        self.captured_bytes += p.data.len() as u64;
        if (p.data.len() as u32) < p.orig_len {
            self.truncated_packets += 1;
        }
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        *self.encapsulations.entry(p.link.name().to_string()).or_default() += 1;
        let mut path: Vec<&'static str> = Vec::with_capacity(8);
        protocol_path(p, has_dns, &mut path);
        self.root.frames += 1;
        self.root.bytes += u64::from(p.orig_len);
        self.root.add(&path, u64::from(p.orig_len));
    }
}

/// The protocol stack of a packet in tshark's filter names.
pub fn protocol_path(p: &Packet<'_>, has_dns: bool, path: &mut Vec<&'static str>) {
    match p.link_header {
        LinkHeader::Ethernet { .. } => path.push("eth"),
        LinkHeader::Sll { version: 1, .. } => path.push("sll"),
        LinkHeader::Sll { .. } => path.push("sll2"),
        LinkHeader::Null { .. } => path.push("null"),
        LinkHeader::Nflog { .. } => path.push("nflog"),
        LinkHeader::None => path.push(if p.ip.is_some() { "raw" } else { "frame" }),
    }
    if p.encaps.llc_snap {
        path.push("llc");
    }
    if p.encaps.vntag {
        path.push("vntag");
    }
    for _ in p.vlans.as_slice() {
        path.push("vlan");
    }
    if p.encaps.mpls_labels > 0 {
        path.push("mpls");
    }
    if p.encaps.pppoe_session.is_some() {
        path.push("pppoes");
    }
    if p.arp.is_some() || p.ethertype == ethertype::ARP {
        path.push("arp");
        return;
    }
    let Some(ip) = &p.ip else {
        if p.ethertype != 0 && p.ethertype != ethertype::IPV4 && p.ethertype != ethertype::IPV6 {
            path.push("data");
        }
        return;
    };
    path.push(if ip.version == 4 { "ip" } else { "ipv6" });
    if matches!(ip.fragment, Fragment::Held | Fragment::Dropped) {
        path.push("data");
        return;
    }
    match p.transport {
        Transport::Tcp(_) => path.push("tcp"),
        Transport::Udp(_) => path.push("udp"),
        Transport::Icmp(i) => path.push(if i.v6 { "icmpv6" } else { "icmp" }),
        Transport::Other(pr) => path.push(match pr {
            2 => "igmp",
            47 => "gre",
            50 => "esp",
            132 => "sctp",
            proto::NONE => return,
            _ => "data",
        }),
        Transport::None => return,
    }
    if has_dns {
        path.push(match p.app {
            AppKind::Mdns => "mdns",
            AppKind::Llmnr => "llmnr",
            _ => "dns",
        });
    } else if !p.payload.is_empty() && !matches!(p.transport, Transport::Icmp(_)) {
        path.push("data");
    }
}

impl CaptureSummary {
    pub fn undecoded_from(d: &DissectStats) -> BTreeMap<String, u64> {
        d.errors.clone()
    }
}
