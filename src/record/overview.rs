//! The overview's judgements over finished flows: which flows had problems,
//! and the anomaly counts of the whole capture.

use std::collections::BTreeMap;

use serde::Serialize;

use super::flow::FlowRecord;

/// What went wrong in a flow, worst first; empty for a healthy flow.
pub fn problems(f: &FlowRecord) -> Vec<String> {
    let mut p = Vec::new();
    match f.handshake {
        Some("refused") => p.push("connection refused (RST to SYN)".to_string()),
        Some("unanswered") => p.push(format!("SYN unanswered ({} retries)", f.syn_retries)),
        _ => {}
    }
    if f.lost_segments > 0 {
        p.push(format!("{} lost segments ({} loss)", f.lost_segments, f.loss_location.unwrap_or("unknown")));
    }
    if f.retransmissions > 0 {
        p.push(format!("{} retransmissions ({} fast)", f.retransmissions, f.fast_retransmissions));
    }
    if f.zero_windows > 0 {
        p.push(format!("{} zero windows (receiver stalled)", f.zero_windows));
    }
    if f.out_of_order > 0 {
        p.push(format!("{} out of order", f.out_of_order));
    }
    if f.acked_unseen > 0 {
        p.push(format!("{} ACKs of data the capture missed", f.acked_unseen));
    }
    if f.close.is_some_and(|c| c.starts_with("rst_")) && f.handshake != Some("refused") {
        p.push(format!("reset ({})", f.close.unwrap_or_default().replace('_', " ")));
    }
    if f.proto == "udp" && f.resp_pkts == 0 && f.orig_pkts > 0 {
        p.push("no answer".to_string());
    }
    p
}

/// A severity score for ordering: refusals and losses before slowness.
pub fn score(f: &FlowRecord) -> u64 {
    let mut s = 0;
    if matches!(f.handshake, Some("refused") | Some("unanswered")) {
        s += 1000;
    }
    s += 100 * f.lost_segments + 50 * f.retransmissions + 20 * f.zero_windows + 10 * (f.out_of_order + f.acked_unseen);
    if f.close.is_some_and(|c| c.starts_with("rst_")) {
        s += 5;
    }
    s
}

#[derive(Debug, Clone, Serialize)]
pub struct ProblemFlow {
    #[serde(flatten)]
    pub flow: FlowRecord,
    pub problems: Vec<String>,
}

/// Flows with problems, worst first.
pub fn problem_flows(flows: &[FlowRecord], top: usize) -> Vec<ProblemFlow> {
    let mut v: Vec<(u64, ProblemFlow)> = flows
        .iter()
        .filter_map(|f| {
            let problems = problems(f);
            (!problems.is_empty()).then(|| (score(f), ProblemFlow { flow: f.clone(), problems }))
        })
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.flow.id.cmp(&b.1.flow.id)));
    v.into_iter().take(top).map(|(_, p)| p).collect()
}

/// Counts over the whole capture.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Anomalies {
    pub tcp_connections: u64,
    pub refused: u64,
    pub unanswered: u64,
    pub reset: u64,
    pub retransmissions: u64,
    pub lost_segments: u64,
    pub dup_acks: u64,
    pub zero_windows: u64,
    pub out_of_order: u64,
    pub acked_unseen: u64,
    /// Zeek conn_state -> flows.
    pub states: BTreeMap<&'static str, u64>,
}

pub fn anomalies(flows: &[FlowRecord]) -> Anomalies {
    let mut a = Anomalies::default();
    for f in flows {
        if let Some(s) = f.state {
            *a.states.entry(s).or_default() += 1;
        }
        if f.proto != "tcp" {
            continue;
        }
        a.tcp_connections += 1;
        match f.handshake {
            Some("refused") => a.refused += 1,
            Some("unanswered") => a.unanswered += 1,
            _ => {}
        }
        // A refused connection is reset too; count it once, as refused.
        if f.close.is_some_and(|c| c.starts_with("rst_")) && f.handshake != Some("refused") {
            a.reset += 1;
        }
        a.retransmissions += f.retransmissions;
        a.lost_segments += f.lost_segments;
        a.dup_acks += f.dup_acks;
        a.zero_windows += f.zero_windows;
        a.out_of_order += f.out_of_order;
        a.acked_unseen += f.acked_unseen;
    }
    a
}
