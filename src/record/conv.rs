//! Per-port (and per-host-pair) conversations: flows grouped by what they
//! talked to, for `wirelens conv`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::flow::FlowRecord;

/// How flows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Protocol and responder port (the service).
    Port,
    /// The two hosts, whatever the ports.
    Hosts,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConvRecord {
    pub proto: &'static str,
    /// Responder port (by port), absent when grouping by hosts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'static str>,
    /// Host pair (by hosts), originator first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosts: Option<[String; 2]>,
    pub flows: u64,
    /// Distinct originator addresses.
    pub clients: u64,
    pub orig_pkts: u64,
    pub resp_pkts: u64,
    pub orig_frame_bytes: u64,
    pub resp_frame_bytes: u64,
    pub orig_payload_bytes: u64,
    pub resp_payload_bytes: u64,
    /// Flows that got no packet back from the responder.
    pub unanswered: u64,
    /// The name earlier DNS answers gave the responders most often.
    pub server_name: Option<String>,
    /// All of them (up to 5, most used first).
    pub server_names: Vec<String>,
    #[serde(skip)]
    name_counts: BTreeMap<String, u64>,
    /// TCP handshakes refused (RST) or unanswered.
    pub failed_handshakes: u64,
    pub retransmissions: u64,
    /// Retransmitted segments per TCP packet, in percent.
    pub retransmission_rate_pct: f64,
    /// Median and 95th percentile of the flows' initial RTTs (nearest rank).
    pub initial_rtt_p50_ms: Option<f64>,
    pub initial_rtt_p95_ms: Option<f64>,
    #[serde(skip)]
    rtts: Vec<f64>,
    #[serde(skip)]
    tcp_pkts: u64,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

pub fn group(flows: &[FlowRecord], by: GroupBy) -> Vec<ConvRecord> {
    let mut g = ConvGroups::new(by);
    for f in flows {
        g.add(f);
    }
    g.finish()
}

type GroupKey = (&'static str, Option<u16>, Option<[String; 2]>);

/// Conversations built one flow at a time, so that a report can group
/// flows as they end without keeping them (memory follows the groups).
/// Flows must come in the same order every time for the same output: a
/// group's service name is its first flow's.
pub struct ConvGroups {
    by: GroupBy,
    groups: BTreeMap<GroupKey, (ConvRecord, std::collections::BTreeSet<String>)>,
}

impl ConvGroups {
    pub fn new(by: GroupBy) -> ConvGroups {
        ConvGroups { by, groups: BTreeMap::new() }
    }

    pub fn add(&mut self, f: &FlowRecord) {
        let by = self.by;
        let groups = &mut self.groups;
        let key: GroupKey = match by {
            // ICMP groups by message type (carried in orig_port, as Zeek does).
            GroupBy::Port if f.proto.starts_with("icmp") => (f.proto, Some(f.orig_port), None),
            GroupBy::Port => (f.proto, Some(f.resp_port), None),
            GroupBy::Hosts => {
                let pair = if f.orig_addr <= f.resp_addr {
                    [f.orig_addr.clone(), f.resp_addr.clone()]
                } else {
                    [f.resp_addr.clone(), f.orig_addr.clone()]
                };
                (f.proto, None, Some(pair))
            }
        };
        let (c, clients) = groups.entry(key.clone()).or_insert_with(|| {
            (
                ConvRecord {
                    proto: f.proto,
                    port: key.1,
                    service: if by == GroupBy::Port { f.service } else { None },
                    hosts: key.2.clone(),
                    flows: 0,
                    clients: 0,
                    orig_pkts: 0,
                    resp_pkts: 0,
                    orig_frame_bytes: 0,
                    resp_frame_bytes: 0,
                    orig_payload_bytes: 0,
                    resp_payload_bytes: 0,
                    unanswered: 0,
                    server_name: None,
                    server_names: Vec::new(),
                    name_counts: BTreeMap::new(),
                    failed_handshakes: 0,
                    retransmissions: 0,
                    retransmission_rate_pct: 0.0,
                    initial_rtt_p50_ms: None,
                    initial_rtt_p95_ms: None,
                    rtts: Vec::new(),
                    tcp_pkts: 0,
                },
                Default::default(),
            )
        });
        c.flows += 1;
        clients.insert(f.orig_addr.clone());
        c.orig_pkts += f.orig_pkts;
        c.resp_pkts += f.resp_pkts;
        c.orig_frame_bytes += f.orig_frame_bytes;
        c.resp_frame_bytes += f.resp_frame_bytes;
        c.orig_payload_bytes += f.orig_payload_bytes;
        c.resp_payload_bytes += f.resp_payload_bytes;
        if f.resp_pkts == 0 {
            c.unanswered += 1;
        }
        if matches!(f.handshake, Some("refused") | Some("unanswered")) {
            c.failed_handshakes += 1;
        }
        if let Some(n) = &f.server_name {
            *c.name_counts.entry(n.clone()).or_default() += 1;
        }
        if f.proto == "tcp" {
            c.retransmissions += f.retransmissions;
            c.tcp_pkts += f.orig_pkts + f.resp_pkts;
        }
        if let Some(r) = f.initial_rtt_ms {
            c.rtts.push(r);
        }
    }

    /// The conversations, busiest first.
    pub fn finish(self) -> Vec<ConvRecord> {
        let mut out: Vec<ConvRecord> = self
            .groups
            .into_values()
            .map(|(mut c, clients)| {
                c.clients = clients.len() as u64;
                if c.tcp_pkts > 0 {
                    c.retransmission_rate_pct = 100.0 * c.retransmissions as f64 / c.tcp_pkts as f64;
                }
                let mut names: Vec<(String, u64)> = std::mem::take(&mut c.name_counts).into_iter().collect();
                names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                c.server_names = names.into_iter().take(5).map(|(n, _)| n).collect();
                c.server_name = c.server_names.first().cloned();
                c.rtts.sort_by(f64::total_cmp);
                c.initial_rtt_p50_ms = percentile(&c.rtts, 50.0);
                c.initial_rtt_p95_ms = percentile(&c.rtts, 95.0);
                c
            })
            .collect();
        // Busiest first: what a person looks at first.
        out.sort_by_key(|c| std::cmp::Reverse(c.orig_frame_bytes + c.resp_frame_bytes));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(10.0));
        assert_eq!(percentile(&v, 95.0), Some(19.0));
        assert_eq!(percentile(&[3.0], 95.0), Some(3.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
