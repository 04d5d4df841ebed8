//! DNS transactions as the `dns` report shows them, and their statistics.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Time;
use crate::dissect::AppKind;
use crate::dissect::dns::{self, Message, RData};
use crate::flow::dns::{DnsTransaction, DnsTransport};

#[derive(Debug, Clone, Serialize)]
pub struct DnsAnswer {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl: u32,
    pub data: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DnsTxRecord {
    pub query_frame: Option<u64>,
    pub response_frame: Option<u64>,
    pub ts: Time,
    pub client: String,
    pub client_port: u16,
    pub server: String,
    pub server_port: u16,
    pub transport: &'static str,
    /// dns, mdns or llmnr.
    pub protocol: &'static str,
    pub id: u16,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub qtype: Option<String>,
    pub type_code: Option<u16>,
    /// NOERROR, NXDOMAIN, SERVFAIL, ... (extended by EDNS); null when unanswered.
    pub rcode: Option<&'static str>,
    pub rcode_code: Option<u16>,
    pub answers: Vec<DnsAnswer>,
    pub answer_count: Option<u16>,
    /// CNAME chain from the asked name, and the addresses it ends at.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cname_chain: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Response time (tshark's dns.time), milliseconds.
    pub rtt_ms: Option<f64>,
    /// answered, unanswered, late (answered after the timeout), retried,
    /// truncated, unsolicited, malformed.
    pub status: &'static str,
    pub retries: usize,
    pub retry_frames: Vec<u64>,
    pub duplicate_responses: usize,
    pub response_frames_dup: Vec<u64>,
    /// TC bit: the answer did not fit (RFC 1035 §4.1.1).
    pub truncated: bool,
    /// The TCP query that retried this truncated answer / the UDP query this one retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried_over_tcp_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_truncation_of: Option<u64>,
    /// EDNS of the query: UDP payload size, DO bit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edns_udp_size: Option<u16>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub edns_do: bool,
    /// EDNS Client Subnet of the query (RFC 7871), "address/prefix".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edns_client_subnet: Option<String>,
    /// A DNS cookie was sent (RFC 7873); and whether the server returned one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub edns_cookie: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub edns_server_cookie: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed: Option<String>,
}

fn protocol_name(p: AppKind) -> &'static str {
    match p {
        AppKind::Mdns => "mdns",
        AppKind::Llmnr => "llmnr",
        _ => "dns",
    }
}

/// Follows CNAMEs from `name` through the answers; returns the chain and
/// the A/AAAA addresses of its end.
pub fn resolve(name: &str, m: &Message) -> (Vec<String>, Vec<String>) {
    let mut chain = Vec::new();
    let mut current = name.to_string();
    // At most as many hops as answers: CNAME loops end here.
    for _ in 0..=m.answers.len() {
        let next = m.answers.iter().find_map(|a| match &a.data {
            RData::Cname(t) if a.name.eq_ignore_ascii_case(&current) => Some(t.clone()),
            _ => None,
        });
        match next {
            Some(t) => {
                chain.push(t.clone());
                current = t;
            }
            None => break,
        }
    }
    let addrs = m
        .answers
        .iter()
        .filter(|a| a.name.eq_ignore_ascii_case(&current))
        .filter_map(|a| match &a.data {
            RData::A(v) => Some(v.to_string()),
            RData::Aaaa(v) => Some(v.to_string()),
            _ => None,
        })
        .collect();
    (chain, addrs)
}

impl DnsTxRecord {
    pub fn from_tx(t: &DnsTransaction) -> DnsTxRecord {
        let q = t.query.as_ref().map(|s| &s.msg);
        let r = t.response.as_ref().map(|s| &s.msg);
        // The question: the query's, else the response's (unsolicited).
        let question = q.or(r).and_then(|m| m.questions.first());
        let first = t.query.as_ref().or(t.response.as_ref());
        let malformed = q
            .and_then(|m| m.malformed.as_ref())
            .or_else(|| r.and_then(|m| m.malformed.as_ref()))
            .map(|x| x.reason.clone());
        let truncated = r.is_some_and(|m| m.truncated);
        let (cname_chain, addresses) = match (question, r) {
            (Some(qq), Some(m)) => resolve(&qq.name, m),
            _ => (Vec::new(), Vec::new()),
        };
        let status = if malformed.is_some() {
            "malformed"
        } else if t.query.is_none() {
            "unsolicited"
        } else if t.response.is_none() {
            "unanswered"
        } else if t.late {
            "late"
        } else if truncated {
            "truncated"
        } else if !t.retry_frames.is_empty() {
            "retried"
        } else {
            "answered"
        };
        let edns = q.and_then(|m| m.edns.as_ref());
        DnsTxRecord {
            query_frame: t.query.as_ref().map(|s| s.frame),
            response_frame: t.response.as_ref().map(|s| s.frame),
            ts: first.map(|s| Time { secs: s.ts.secs, nanos: s.ts.nanos }).unwrap_or_default(),
            client: t.client.0.to_string(),
            client_port: t.client.1,
            server: t.server.0.to_string(),
            server_port: t.server.1,
            transport: match t.transport {
                DnsTransport::Udp => "udp",
                DnsTransport::Tcp => "tcp",
            },
            protocol: protocol_name(t.protocol),
            id: t.id,
            name: question.map(|x| x.name.clone()),
            qtype: question.map(|x| dns::type_name(x.qtype).into_owned()),
            type_code: question.map(|x| x.qtype),
            rcode: r.map(|m| dns::rcode_name(m.rcode)),
            rcode_code: r.map(|m| m.rcode),
            answers: r
                .map(|m| {
                    m.answers
                        .iter()
                        .map(|a| DnsAnswer {
                            name: a.name.clone(),
                            rtype: dns::type_name(a.rtype).into_owned(),
                            ttl: a.ttl,
                            data: a.data.short(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            answer_count: r.map(|m| m.answer_count),
            cname_chain,
            addresses,
            rtt_ms: t.rtt_ns().map(|n| n as f64 / 1e6),
            status,
            retries: t.retry_frames.len(),
            retry_frames: t.retry_frames.clone(),
            duplicate_responses: t.duplicate_frames.len(),
            response_frames_dup: t.duplicate_frames.clone(),
            truncated,
            retried_over_tcp_frame: t.retried_over_tcp,
            after_truncation_of: t.after_truncation,
            edns_udp_size: edns.map(|e| e.udp_payload_size),
            edns_do: edns.is_some_and(|e| e.dnssec_ok),
            edns_client_subnet: edns.and_then(|e| {
                e.options.iter().find_map(|o| match o {
                    dns::EdnsOption::ClientSubnet { address, source_prefix, .. } => {
                        Some(format!("{address}/{source_prefix}"))
                    }
                    _ => None,
                })
            }),
            edns_cookie: edns.is_some_and(|e| e.options.iter().any(|o| matches!(o, dns::EdnsOption::Cookie { .. }))),
            edns_server_cookie: r.and_then(|m| m.edns.as_ref()).is_some_and(|e| {
                e.options.iter().any(|o| matches!(o, dns::EdnsOption::Cookie { server: Some(_), .. }))
            }),
            malformed,
        }
    }

    /// The answers in short form: "A 10.0.0.1, CNAME x.example".
    pub fn answers_short(&self) -> String {
        self.answers.iter().map(|a| format!("{} {}", a.rtype, a.data)).collect::<Vec<_>>().join(", ")
    }
}

/// `dns --stats`: counts, top names and clients, response-time percentiles.
#[derive(Debug, Clone, Serialize, Default)]
pub struct DnsStatsRecord {
    pub transactions: usize,
    pub by_status: BTreeMap<&'static str, u64>,
    pub by_rcode: BTreeMap<&'static str, u64>,
    pub by_type: BTreeMap<String, u64>,
    pub top_names: Vec<(String, u64)>,
    pub top_clients: Vec<(String, u64)>,
    pub rtt_p50_ms: Option<f64>,
    pub rtt_p90_ms: Option<f64>,
    pub rtt_p99_ms: Option<f64>,
    pub rtt_max_ms: Option<f64>,
    pub slowest: Vec<DnsTxRecord>,
    pub failed: Vec<DnsTxRecord>,
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn top(m: HashMap<String, u64>, n: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

pub fn stats(rows: &[DnsTxRecord], top_n: usize) -> DnsStatsRecord {
    let mut s = DnsStatsRecord { transactions: rows.len(), ..Default::default() };
    let mut names: HashMap<String, u64> = HashMap::new();
    let mut clients: HashMap<String, u64> = HashMap::new();
    let mut rtts: Vec<f64> = Vec::new();
    for r in rows {
        *s.by_status.entry(r.status).or_default() += 1;
        if let Some(rc) = r.rcode {
            *s.by_rcode.entry(rc).or_default() += 1;
        }
        if let Some(t) = &r.qtype {
            *s.by_type.entry(t.clone()).or_default() += 1;
        }
        if let Some(n) = &r.name {
            *names.entry(n.clone()).or_default() += 1;
        }
        *clients.entry(r.client.clone()).or_default() += 1;
        if let Some(t) = r.rtt_ms {
            rtts.push(t);
        }
    }
    rtts.sort_by(f64::total_cmp);
    s.rtt_p50_ms = percentile(&rtts, 50.0);
    s.rtt_p90_ms = percentile(&rtts, 90.0);
    s.rtt_p99_ms = percentile(&rtts, 99.0);
    s.rtt_max_ms = rtts.last().copied();
    s.top_names = top(names, top_n);
    s.top_clients = top(clients, top_n);
    let mut slow: Vec<&DnsTxRecord> = rows.iter().filter(|r| r.rtt_ms.is_some()).collect();
    slow.sort_by(|a, b| b.rtt_ms.unwrap_or(0.0).total_cmp(&a.rtt_ms.unwrap_or(0.0)));
    s.slowest = slow.into_iter().take(top_n).cloned().collect();
    s.failed = rows
        .iter()
        .filter(|r| matches!(r.status, "unanswered" | "malformed") || r.rcode.is_some_and(|c| c != "NOERROR"))
        .take(50)
        .cloned()
        .collect();
    s
}
