//! Owned, serialisable snapshots of dissected packets: what the reports
//! render. Building one allocates (strings for addresses and the Info
//! column), so only the `packets` command builds them, one per printed
//! frame, and only for the formats that show more than the summary line
//! (JSON, CSV, `-V`, `-x`). The line itself comes from [`line`](mod@line), a borrowed
//! view that allocates nothing.
//!
//! Owns: the JSON shape of a packet and tshark's Info column wording.
//! Must not know: how records are printed (tables, CSV, JSON writers).

pub mod conv;
pub mod dnstx;
pub mod expert;
pub mod flow;
pub mod info;
pub mod interfaces;
pub mod ladder;
pub mod line;
pub mod overview;

use serde::{Serialize, Serializer};

use crate::dissect::{self, AppKind, Packet, dns};
use crate::flow::tcp::{Analysis, Kind};

/// Packet time, seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Time {
    pub secs: i64,
    pub nanos: u32,
}

impl Time {
    /// RFC 3339 with nanoseconds, UTC (`2024-05-01T12:00:00.123456789Z`).
    pub fn rfc3339(self) -> String {
        match chrono::DateTime::from_timestamp(self.secs, self.nanos) {
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string(),
            None => format!("{}.{:09}", self.secs, self.nanos),
        }
    }

    /// `rfc3339`, appended to `out`: the date's fields come from chrono,
    /// the digits are written here (chrono's format parser was most of the
    /// cost of a flow row's start time). Years outside 0-9999 go through
    /// `rfc3339`.
    pub fn push_rfc3339(self, out: &mut Vec<u8>) {
        use chrono::{Datelike, Timelike};
        let dt = chrono::DateTime::from_timestamp(self.secs, self.nanos);
        let Some(dt) = dt.filter(|d| (0..=9999).contains(&d.year()) && self.nanos < 1_000_000_000) else {
            out.extend_from_slice(self.rfc3339().as_bytes());
            return;
        };
        crate::text::u64_zeros(out, dt.year() as u64, 4);
        for (sep, v) in
            [(b'-', dt.month()), (b'-', dt.day()), (b'T', dt.hour()), (b':', dt.minute()), (b':', dt.second())]
        {
            out.push(sep);
            crate::text::u64_zeros(out, u64::from(v), 2);
        }
        out.push(b'.');
        crate::text::u64_zeros(out, u64::from(self.nanos), 9);
        out.push(b'Z');
    }

    /// Seconds from `earlier` to `self` (negative if out of order).
    pub fn since(self, earlier: Time) -> f64 {
        (self.secs - earlier.secs) as f64 + (f64::from(self.nanos) - f64::from(earlier.nanos)) / 1e9
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IpRecord {
    pub version: u8,
    pub proto: u8,
    pub id: u32,
    pub ttl: u8,
    pub tos: u8,
    pub df: bool,
    pub mf: bool,
    pub frag_offset: u32,
    pub total_len: u32,
    pub header_len: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_ok: Option<bool>,
    /// Fragments this frame completed (the layers above come from all of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reassembled_fragments: Option<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TcpRecord {
    /// Flag names, lowest bit first as tshark lists them ("SYN,ACK").
    pub flags: String,
    pub flags_raw: u16,
    pub seq: u32,
    pub ack: u32,
    pub rel_seq: Option<u32>,
    pub rel_ack: Option<u32>,
    pub win: u16,
    /// Window after scaling, when the handshake told the scale.
    pub win_scaled: Option<u64>,
    pub len: u32,
    pub header_len: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mss: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wscale: Option<u8>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sack_perm: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sack: Vec<[u32; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsval: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsecr: Option<u32>,
    /// tshark's `tcp.analysis`: verdicts and their evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<TcpAnalysisRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DupAckRecord {
    pub num: u32,
    pub of_frame: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TcpAnalysisRecord {
    /// Verdicts in snake_case (`retransmission`, `dup_ack`, ...).
    pub flags: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dup_ack: Option<DupAckRecord>,
    /// The frame that first carried these bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retransmission_of: Option<u64>,
    /// Bytes missing before this segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_bytes: Option<u32>,
    /// The data segment this ACK covers, and the round trip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acks_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_rtt_ms: Option<f64>,
    /// The verdicts explained, for people.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub evidence: String,
}

fn analysis_record(a: &Analysis) -> TcpAnalysisRecord {
    TcpAnalysisRecord {
        flags: a.kinds.iter().map(Kind::name).collect(),
        dup_ack: a.dup_ack.map(|d| DupAckRecord { num: d.num, of_frame: d.of_frame }),
        retransmission_of: a.retransmission.and_then(|r| r.original_frame),
        missing_bytes: a.lost.map(|l| l.missing_bytes),
        acks_frame: a.acks.map(|x| x.frame),
        ack_rtt_ms: a.acks.and_then(|x| x.rtt_ns).map(|ns| ns as f64 / 1e6),
        evidence: if a.kinds.is_empty() { String::new() } else { a.describe() },
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UdpRecord {
    pub len: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_ok: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IcmpRecord {
    pub version: u8,
    #[serde(rename = "type")]
    pub icmp_type: u8,
    pub code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArpRecord {
    pub opcode: u16,
    pub sender_mac: String,
    pub sender_ip: String,
    pub target_mac: String,
    pub target_ip: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsQuestionRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: String,
    pub type_code: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsAnswerRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub type_code: u16,
    pub ttl: u32,
    pub data: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsRecord {
    pub id: u16,
    pub response: bool,
    pub opcode: u8,
    pub rcode: u16,
    pub rcode_name: &'static str,
    pub truncated: bool,
    pub question_count: u16,
    pub answer_count: u16,
    pub authority_count: u16,
    pub additional_count: u16,
    pub questions: Vec<DnsQuestionRecord>,
    pub answers: Vec<DnsAnswerRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed: Option<String>,
}

/// One packet, owned and ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct PacketRecord {
    pub frame: u64,
    pub ts: Time,
    pub len: u32,
    pub caplen: u32,
    pub link: &'static str,
    pub interface: u32,
    pub vlan: Vec<u16>,
    pub src: Option<String>,
    pub dst: Option<String>,
    pub proto: String,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp: Option<UdpRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp: Option<IcmpRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arp: Option<ArpRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsRecord>,
    /// Further DNS messages in the same frame (several per TCP segment).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_more: Vec<DnsRecord>,
    pub truncated: bool,
    pub errors: Vec<String>,
    /// The flow (conversation) the packet belongs to: wirelens' `tcp.stream`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<u64>,
    pub info: String,
    /// `-V` lines (depth, text); not part of the JSON.
    #[serde(skip)]
    pub tree: Vec<(usize, String)>,
    /// `-x` bytes; not part of the JSON.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// What to include when building a record.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordOptions {
    /// Show well-known port names in the Info column.
    pub resolve_ports: bool,
    pub tree: bool,
    pub bytes: bool,
}

/// Builds the record of one dissected packet. `dns` are its parsed DNS
/// messages (from `p.dns`); `flow` the flow it belongs to and `analysis`
/// the TCP analysis of the segment (relative numbers, verdicts).
pub fn build(
    p: &Packet<'_>,
    dns: &[dns::Message],
    flow: Option<u64>,
    analysis: Option<&Analysis>,
    opts: &RecordOptions,
) -> PacketRecord {
    let rel = analysis;
    let (src, dst) = line::addresses(p);
    let (src, dst) = (src.map(|a| a.to_string()), dst.map(|a| a.to_string()));
    let mut errors = Vec::new();
    if let Some(e) = &p.error {
        errors.push(e.to_string());
    }
    for m in dns {
        if let Some(mal) = &m.malformed {
            errors.push(format!("DNS: {} (message offset {})", mal.reason, mal.offset));
        }
    }
    let mut r = PacketRecord {
        frame: p.number,
        ts: Time { secs: p.ts.secs, nanos: p.ts.nanos },
        len: p.orig_len,
        caplen: p.caplen(),
        link: p.link.name(),
        interface: p.interface,
        vlan: p.vlans.ids().collect(),
        src,
        dst,
        proto: info::protocol(p, !dns.is_empty()).to_string(),
        sport: p.ports().map(|x| x.0),
        dport: p.ports().map(|x| x.1),
        ip: p.ip.map(|ip| IpRecord {
            version: ip.version,
            proto: ip.proto,
            id: ip.id,
            ttl: ip.ttl,
            tos: ip.tos,
            df: ip.df,
            mf: ip.mf,
            frag_offset: ip.frag_offset,
            total_len: ip.total_len,
            header_len: ip.header_len,
            checksum_ok: ip.checksum_ok,
            reassembled_fragments: match ip.fragment {
                dissect::Fragment::Completed { fragments, .. } => Some(fragments),
                _ => None,
            },
        }),
        tcp: p.tcp().map(|t| TcpRecord {
            flags: info::tcp_flag_names(t.flags, ","),
            flags_raw: t.flags,
            seq: t.seq,
            ack: t.ack,
            rel_seq: rel.map(|r| r.rel_seq),
            rel_ack: rel.and_then(|r| r.rel_ack),
            win: t.window,
            win_scaled: rel.filter(|r| r.scaling.shift().is_some()).map(|r| u64::from(r.scaled_window)),
            analysis: analysis.filter(|a| !a.kinds.is_empty() || a.acks.is_some()).map(analysis_record),
            len: t.payload_len,
            header_len: t.header_len,
            checksum_ok: t.checksum_ok,
            mss: t.options.mss,
            wscale: t.options.wscale,
            sack_perm: t.options.sack_permitted,
            sack: t.options.sack[..usize::from(t.options.sack_count)].iter().map(|&(l, r)| [l, r]).collect(),
            tsval: t.options.timestamp.map(|x| x.0),
            tsecr: t.options.timestamp.map(|x| x.1),
        }),
        udp: p.udp().map(|u| UdpRecord { len: u.length, checksum_ok: u.checksum_ok }),
        icmp: p.icmp().map(|i| IcmpRecord {
            version: if i.v6 { 6 } else { 4 },
            icmp_type: i.icmp_type,
            code: i.code,
            id: i.echo.map(|e| e.0),
            seq: i.echo.map(|e| e.1),
        }),
        arp: p.arp.map(|a| ArpRecord {
            opcode: a.opcode,
            sender_mac: a.sender_mac.to_string(),
            sender_ip: a.sender_ip.to_string(),
            target_mac: a.target_mac.to_string(),
            target_ip: a.target_ip.to_string(),
        }),
        dns: dns.first().map(dns_record),
        dns_more: dns.iter().skip(1).map(dns_record).collect(),
        truncated: p.truncated,
        errors,
        flow,
        info: info::info(p, dns, rel, opts.resolve_ports),
        tree: Vec::new(),
        bytes: Vec::new(),
    };
    if opts.tree {
        dissect::tree::write_tree(p, &mut r.tree);
        // The tree leaves the wall-clock line to us (time formatting is ours).
        if let Some(i) = r.tree.iter().position(|(d, t)| *d == 1 && t.starts_with("Encapsulation type")) {
            let when = chrono::DateTime::from_timestamp(p.ts.secs, p.ts.nanos)
                .map(|t| t.format("%b %e, %Y %H:%M:%S%.9f UTC").to_string())
                .unwrap_or_else(|| r.ts.rfc3339());
            r.tree.insert(i + 1, (1, format!("Arrival Time: {when}")));
        }
        for m in dns {
            m.write_tree_for_capture(0, &mut r.tree, p.truncated);
        }
    }
    if opts.bytes {
        r.bytes = p.data.to_vec();
    }
    r
}

fn dns_record(m: &dns::Message) -> DnsRecord {
    DnsRecord {
        id: m.id,
        response: m.response,
        opcode: m.opcode,
        rcode: m.rcode,
        rcode_name: dns::rcode_name(m.rcode),
        truncated: m.truncated,
        question_count: m.question_count,
        answer_count: m.answer_count,
        authority_count: m.authority_count,
        additional_count: m.additional_count,
        questions: m
            .questions
            .iter()
            .map(|q| DnsQuestionRecord {
                name: q.name.clone(),
                qtype: dns::type_name(q.qtype).into_owned(),
                type_code: q.qtype,
            })
            .collect(),
        answers: m
            .answers
            .iter()
            .map(|a| DnsAnswerRecord {
                name: a.name.clone(),
                rtype: dns::type_name(a.rtype).into_owned(),
                type_code: a.rtype,
                ttl: a.ttl,
                data: a.data.short(),
            })
            .collect(),
        malformed: m.malformed.as_ref().map(|x| x.reason.clone()),
    }
}

/// Parses the DNS messages a packet carries, as the port says: mDNS and
/// LLMNR differ from DNS in a few header and class bits.
pub fn parse_dns(p: &Packet<'_>) -> Vec<dns::Message> {
    parse_dns_where(p, |_| true)
}

/// [`parse_dns`] for the responses only, the queries skipped unparsed: all
/// that a tracker learning names from answers (`DnsTracker::names_only`,
/// which ignores queries) needs. Half the DNS messages of a capture are
/// queries, and each message parsed cost `flows` about 6,000 instructions
/// on each of its parts (every part gets every DNS packet).
pub fn parse_dns_responses(p: &Packet<'_>) -> Vec<dns::Message> {
    parse_dns_where(p, dns::is_response)
}

fn parse_dns_where(p: &Packet<'_>, wanted: impl Fn(&[u8]) -> bool) -> Vec<dns::Message> {
    let flavor = match p.app {
        AppKind::None => return Vec::new(),
        AppKind::Dns => dns::Flavor::Dns,
        AppKind::Mdns => dns::Flavor::Mdns,
        AppKind::Llmnr => dns::Flavor::Llmnr,
    };
    p.dns.iter().filter(|m| wanted(m)).filter_map(|m| dns::parse_as(m, flavor).ok()).collect()
}
