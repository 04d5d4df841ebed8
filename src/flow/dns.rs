//! DNS transactions: each query matched with its response, over UDP and
//! TCP, with retries, duplicate and unsolicited responses, truncation and
//! the retry over TCP that follows it, and timeouts in packet time.
//!
//! A transaction is keyed like tshark's DNS request/response matching
//! (packet-dns.c): the transport, the client and server address/port, and
//! the message id. A query that repeats a pending one (same key and
//! question) is a retry; a response to no pending query is a duplicate of
//! a recent answer or else unsolicited. Queries sent to a multicast group
//! (LLMNR, RFC 4795) are answered by unicast from whoever knows the name, so
//! their responses match on client and id alone; mDNS (RFC 6762) answers go
//! to the group with id 0, so they match a recent query by name and type.
//!
//! Answered transactions are held for the timeout before they are handed
//! out, so that duplicate responses and the TCP retry after a truncated
//! answer can still be attached to them. Memory is bounded: at most
//! `MAX_PENDING` open transactions (the oldest are finished as unanswered)
//! and `MAX_NAMES` remembered addresses.

use std::net::IpAddr;
use std::sync::Arc;

use crate::capture::Timestamp;
use crate::dissect::dns::{Message, RData};
use crate::dissect::{AppKind, Packet, Transport};
use crate::flow::FastMap as HashMap;
use crate::flow::sweep::ns;

pub const DEFAULT_TIMEOUT_NS: i64 = 5_000_000_000;
/// How long an open or answered transaction is kept for a late answer or a
/// duplicate one. tshark pairs a response with its query however late it
/// comes; a minute covers what the corpus shows (mDNS repeats 56 s apart)
/// while keeping memory bounded.
pub const HOLD_NS: i64 = 60_000_000_000;
pub const MAX_PENDING: usize = 65_536;
pub const MAX_NAMES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsTransport {
    Udp,
    Tcp,
}

/// What identifies a repeated query whatever its source port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RetryKey {
    transport: DnsTransport,
    client: IpAddr,
    server: (IpAddr, u16),
    id: u16,
    name: String,
    qtype: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    transport: DnsTransport,
    client: (IpAddr, u16),
    server: (IpAddr, u16),
    id: u16,
}

/// One message of a transaction, where and when it was seen.
#[derive(Debug, Clone)]
pub struct Seen {
    pub frame: u64,
    pub ts: Timestamp,
    pub msg: Message,
    /// The frame was cut by the snaplen.
    pub snaplen_cut: bool,
}

#[derive(Debug, Clone)]
pub struct DnsTransaction {
    pub protocol: AppKind,
    pub transport: DnsTransport,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub id: u16,
    /// `None` for an unsolicited response.
    pub query: Option<Seen>,
    /// `None` when unanswered.
    pub response: Option<Seen>,
    /// Frames that sent the same query again before the answer.
    pub retry_frames: Vec<u64>,
    /// Frames that repeated the answer.
    pub duplicate_frames: Vec<u64>,
    /// A truncated (TC) UDP answer was followed by the same query over TCP.
    pub retried_over_tcp: Option<u64>,
    /// This TCP query follows a truncated UDP answer (its query frame).
    pub after_truncation: Option<u64>,
    /// The answer came after the timeout: the query counts as unanswered
    /// in time, the answer is still shown.
    pub late: bool,
    /// Already handed out early as a live event (answered, or unanswered at
    /// the timeout); see [`DnsTracker::with_live_events`].
    pub announced: bool,
}

impl DnsTransaction {
    /// A transaction opened by `seen`: its query, or (`is_query` false) an
    /// unsolicited response.
    fn new(
        protocol: AppKind,
        transport: DnsTransport,
        client: (IpAddr, u16),
        server: (IpAddr, u16),
        seen: Seen,
        is_query: bool,
    ) -> DnsTransaction {
        let id = seen.msg.id;
        let (query, response) = if is_query { (Some(seen), None) } else { (None, Some(seen)) };
        DnsTransaction {
            protocol,
            transport,
            client,
            server,
            id,
            query,
            response,
            retry_frames: Vec::new(),
            duplicate_frames: Vec::new(),
            retried_over_tcp: None,
            after_truncation: None,
            late: false,
            announced: false,
        }
    }

    /// Response time, as tshark's `dns.time`: from the (first) query to the response.
    pub fn rtt_ns(&self) -> Option<i64> {
        match (&self.query, &self.response) {
            (Some(q), Some(r)) => Some(r.ts.nanos_since(q.ts)),
            _ => None,
        }
    }

    fn question(&self) -> Option<(&str, u16)> {
        let m = &self.query.as_ref()?.msg;
        m.questions.first().map(|q| (q.name.as_str(), q.qtype))
    }

    fn first_ts(&self) -> Timestamp {
        self.query.as_ref().or(self.response.as_ref()).map(|s| s.ts).unwrap_or_default()
    }
}

/// Counters over the capture.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DnsStats {
    pub queries: u64,
    pub responses: u64,
    pub transactions: u64,
    pub evicted: u64,
}

#[derive(Debug, Default)]
pub struct DnsTracker {
    timeout_ns: i64,
    pending: HashMap<Key, DnsTransaction>,
    /// Multicast queries (LLMNR): (transport, client, id) -> key.
    mcast: HashMap<(DnsTransport, (IpAddr, u16), u16), Key>,
    /// Pending queries by what a retry from another source port repeats
    /// (resolvers such as dig send each retry from a new port, same id).
    by_question: HashMap<RetryKey, Key>,
    /// Retry key -> the transaction it retries, for matching its answer.
    alias: HashMap<Key, Key>,
    /// The reverse of both, so that finishing a transaction is O(1).
    question_of: HashMap<Key, RetryKey>,
    aliases_of: HashMap<Key, Vec<Key>>,
    /// Answered, held for duplicates and TCP retries.
    recent: HashMap<Key, DnsTransaction>,
    /// The response's own key -> the key its transaction is held under,
    /// when they differ (multicast and mDNS answers), for duplicates.
    recent_alias: HashMap<Key, Key>,
    /// Truncated UDP answers: (client, server, name, type) -> key in `recent`.
    truncated: HashMap<(IpAddr, IpAddr, String, u16), Key>,
    /// Addresses learned from A/AAAA answers -> the name that was asked.
    names: HashMap<IpAddr, Arc<str>>,
    sweeps: crate::flow::sweep::SweepClock,
    /// Live events (a transaction answered, or past the timeout without an
    /// answer) when asked for; `None` otherwise, so a file run clones nothing.
    live: Option<Vec<DnsTransaction>>,
    /// Learn names and nothing else (see [`names_only`](Self::names_only)).
    only_names: bool,
    pub stats: DnsStats,
}

impl DnsTracker {
    pub fn new(timeout_ns: i64) -> Self {
        DnsTracker { timeout_ns, ..Default::default() }
    }

    /// Also reports each transaction the moment it is answered, or once the
    /// timeout passes without an answer (see [`take_live_events`](Self::take_live_events)),
    /// instead of only when it is handed out after [`HOLD_NS`]. A live view
    /// shows these; the transactions are still handed out as usual, marked
    /// `announced`, and a late answer is reported again.
    /// Learns the names answers give addresses, and keeps no transaction:
    /// what `flows` needs to name its flows. A name comes from every answer
    /// as it is seen, matched to a query or not, so the names are the same
    /// as a full tracker's, in a fraction of its memory (a capture with
    /// thousands of queries holds each transaction a minute).
    pub fn names_only(mut self) -> Self {
        self.only_names = true;
        self
    }

    pub fn with_live_events(mut self) -> Self {
        self.live = Some(Vec::new());
        self
    }

    /// The live events since the last call, in the order they happened.
    pub fn take_live_events(&mut self) -> Vec<DnsTransaction> {
        self.live.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Packet time moves on without a packet (a live capture's clock on a
    /// quiet interface): finishes and reports what timed out by `now`.
    pub fn tick(&mut self, now: Timestamp, mut done: impl FnMut(DnsTransaction)) {
        self.sweep(ns(now), &mut done);
    }

    /// The name an earlier answer gave to `addr`, if any.
    pub fn name_for(&self, addr: &IpAddr) -> Option<Arc<str>> {
        self.names.get(addr).cloned()
    }

    /// Feeds the DNS messages one packet carries; finished transactions
    /// are handed to `done`.
    ///
    /// Inlined: `flows` calls it for every packet with a tracker that only
    /// learns names, and nearly every packet has no DNS message (a call that
    /// did nothing cost 26 instructions a packet, callgrind).
    #[inline]
    pub fn packet(&mut self, p: &Packet<'_>, msgs: &[Message], done: impl FnMut(DnsTransaction)) {
        if self.only_names {
            if !msgs.is_empty() {
                self.learn_all(msgs);
            }
            return;
        }
        self.track(p, msgs, done);
    }

    fn learn_all(&mut self, msgs: &[Message]) {
        for m in msgs.iter().filter(|m| m.response) {
            self.learn_names(m);
        }
    }

    fn track(&mut self, p: &Packet<'_>, msgs: &[Message], mut done: impl FnMut(DnsTransaction)) {
        let now = ns(p.ts);
        self.sweep(now, &mut done);
        if msgs.is_empty() {
            return;
        }
        let (Some(ip), Some((sport, dport))) = (&p.ip, p.ports()) else { return };
        let transport = match p.transport {
            Transport::Tcp(_) => DnsTransport::Tcp,
            _ => DnsTransport::Udp,
        };
        let src = (ip.src, sport);
        let dst = (ip.dst, dport);
        for m in msgs {
            let seen = Seen { frame: p.number, ts: p.ts, msg: m.clone(), snaplen_cut: p.truncated };
            if m.response {
                self.stats.responses += 1;
                self.response(p.app, transport, src, dst, seen, &mut done);
            } else {
                self.stats.queries += 1;
                self.query(p.app, transport, src, dst, seen, &mut done);
            }
        }
    }

    fn query(
        &mut self,
        protocol: AppKind,
        transport: DnsTransport,
        client: (IpAddr, u16),
        server: (IpAddr, u16),
        seen: Seen,
        done: &mut impl FnMut(DnsTransaction),
    ) {
        let key = Key { transport, client, server, id: seen.msg.id };
        let question = seen.msg.questions.first().map(|q| (q.name.clone(), q.qtype));
        let within = |t: &DnsTransaction, timeout: i64| seen.ts.nanos_since(t.first_ts()) < timeout;
        let timeout = self.timeout_ns;
        if let Some(t) = self.pending.get_mut(&key) {
            // tshark's rule: a repeat within the retransmission timer (from
            // the first query) is a retry; later, it opens a new transaction.
            if t.question().map(|(n, ty)| (n.to_string(), ty)) == question && within(t, timeout) {
                t.retry_frames.push(seen.frame);
                return;
            }
            // Same id, another question or too late: the old one was never answered.
            if let Some(old) = self.take_pending(&key) {
                self.finish(old, done);
            }
        }
        let retry_key = question.as_ref().map(|(name, qtype)| RetryKey {
            transport,
            client: client.0,
            server,
            id: key.id,
            name: name.clone(),
            qtype: *qtype,
        });
        if let Some(orig) = retry_key.as_ref().and_then(|r| self.by_question.get(r)).copied() {
            if let Some(t) = self.pending.get_mut(&orig).filter(|t| within(t, timeout)) {
                t.retry_frames.push(seen.frame);
                self.alias.insert(key, orig);
                self.aliases_of.entry(orig).or_default().push(key);
                return;
            }
        }
        if self.pending.len() >= MAX_PENDING {
            self.evict_oldest(done);
        }
        let mut t = DnsTransaction::new(protocol, transport, client, server, seen, true);
        // RFC 7766 §5: a truncated UDP answer is retried over TCP.
        if transport == DnsTransport::Tcp {
            if let Some((name, ty)) = &question {
                if let Some(k) = self.truncated.remove(&(client.0, server.0, name.clone(), *ty)) {
                    if let Some(udp) = self.recent.get_mut(&k) {
                        udp.retried_over_tcp = t.query.as_ref().map(|q| q.frame);
                        t.after_truncation = udp.query.as_ref().map(|q| q.frame);
                    }
                }
            }
        }
        if server.0.is_multicast() {
            self.mcast.insert((transport, client, key.id), key);
        }
        if let Some(r) = retry_key {
            self.by_question.insert(r.clone(), key);
            self.question_of.insert(key, r);
        }
        self.pending.insert(key, t);
    }

    /// Removes a pending transaction and every index that points at it.
    fn take_pending(&mut self, k: &Key) -> Option<DnsTransaction> {
        let t = self.pending.remove(k)?;
        self.mcast.remove(&(k.transport, k.client, k.id));
        if let Some(r) = self.question_of.remove(k) {
            self.by_question.remove(&r);
        }
        for a in self.aliases_of.remove(k).unwrap_or_default() {
            self.alias.remove(&a);
        }
        Some(t)
    }

    fn response(
        &mut self,
        protocol: AppKind,
        transport: DnsTransport,
        server: (IpAddr, u16),
        client: (IpAddr, u16),
        seen: Seen,
        done: &mut impl FnMut(DnsTransaction),
    ) {
        self.learn_names(&seen.msg);
        let key = Key { transport, client, server, id: seen.msg.id };
        let found = if self.pending.contains_key(&key) {
            Some(key)
        } else if let Some(orig) = self.alias.get(&key).copied() {
            // The answer to a retry sent from another port.
            Some(orig)
        } else if let Some(k) = self.mcast.get(&(transport, client, key.id)).copied() {
            // Answer to a multicast query, from the host that knows the name.
            Some(k)
        } else if protocol == AppKind::Mdns {
            // tshark's rule first: a response on the query's own address/port
            // pair (the querying host answering the group itself), then ours:
            // the pending query that asked one of its names.
            let same_pair = Key { transport, client: server, server: client, id: key.id };
            if self.pending.contains_key(&same_pair) { Some(same_pair) } else { self.mdns_match(&seen.msg) }
        } else {
            None
        };
        if let Some(k) = found {
            if let Some(mut t) = self.take_pending(&k) {
                if k.server != server {
                    // The answering host, not the group the query went to.
                    t.server = server;
                }
                let tc = seen.msg.truncated && transport == DnsTransport::Udp;
                t.late = t.query.as_ref().is_some_and(|q| seen.ts.nanos_since(q.ts) > self.timeout_ns);
                t.response = Some(seen);
                if let Some(live) = self.live.as_mut() {
                    t.announced = true;
                    live.push(t.clone());
                }
                if tc {
                    if let Some((n, ty)) = t.question().map(|(n, ty)| (n.to_string(), ty)) {
                        self.truncated.insert((t.client.0, t.server.0, n, ty), k);
                    }
                }
                if k != key {
                    self.recent_alias.insert(key, k);
                }
                if let Some(old) = self.recent.insert(k, t) {
                    self.finish(old, done);
                }
                return;
            }
        }
        let held = if self.recent.contains_key(&key) { Some(key) } else { self.recent_alias.get(&key).copied() };
        if let Some(t) = held.and_then(|k| self.recent.get_mut(&k)) {
            t.duplicate_frames.push(seen.frame);
            return;
        }
        // Unsolicited (or its query was not captured).
        let t = DnsTransaction::new(protocol, transport, client, server, seen, false);
        self.finish(t, done);
    }

    /// An mDNS answer goes to the group with id 0 and usually no question
    /// (RFC 6762 §6): it answers the pending mDNS query asking one of its
    /// names and types.
    fn mdns_match(&self, m: &Message) -> Option<Key> {
        self.pending
            .iter()
            .filter(|(_, t)| t.protocol == AppKind::Mdns)
            .filter(|(_, t)| {
                t.question().is_some_and(|(n, ty)| {
                    m.answers.iter().any(|a| a.name.eq_ignore_ascii_case(n) && (ty == 255 || a.rtype == ty))
                })
            })
            .min_by_key(|(_, t)| t.first_ts())
            .map(|(k, _)| *k)
    }

    fn learn_names(&mut self, m: &Message) {
        let Some(q) = m.questions.first() else { return };
        let mut name: Option<Arc<str>> = None;
        for a in &m.answers {
            let addr = match &a.data {
                RData::A(v4) => IpAddr::V4(*v4),
                RData::Aaaa(v6) => IpAddr::V6(*v6),
                _ => continue,
            };
            if self.names.len() >= MAX_NAMES && !self.names.contains_key(&addr) {
                self.names.clear();
            }
            let n = name.get_or_insert_with(|| Arc::from(q.name.as_str())).clone();
            self.names.insert(addr, n);
        }
    }

    fn finish(&mut self, t: DnsTransaction, done: &mut impl FnMut(DnsTransaction)) {
        self.stats.transactions += 1;
        done(t);
    }

    fn evict_oldest(&mut self, done: &mut impl FnMut(DnsTransaction)) {
        if let Some(k) = self.pending.iter().min_by_key(|(_, t)| t.first_ts()).map(|(k, _)| *k) {
            if let Some(t) = self.take_pending(&k) {
                self.stats.evicted += 1;
                self.finish(t, done);
            }
        }
    }

    /// Finishes what timed out, at most once per second of packet time.
    fn sweep(&mut self, now: i64, done: &mut impl FnMut(DnsTransaction)) {
        if !self.sweeps.due(now) {
            return;
        }
        if let Some(live) = self.live.as_mut() {
            let timeout = self.timeout_ns;
            let mut due: Vec<&mut DnsTransaction> = self
                .pending
                .values_mut()
                .filter(|t| !t.announced && now.saturating_sub(ns(t.first_ts())) > timeout)
                .collect();
            due.sort_by_key(|t| t.first_ts());
            for t in due {
                t.announced = true;
                live.push(t.clone());
            }
        }
        let hold = HOLD_NS.max(self.timeout_ns);
        let old = |t: &DnsTransaction| now.saturating_sub(ns(t.first_ts())) > hold;
        let expired: Vec<Key> = self.pending.iter().filter(|(_, t)| old(t)).map(|(k, _)| *k).collect();
        let mut out: Vec<DnsTransaction> = Vec::new();
        for k in expired {
            if let Some(t) = self.take_pending(&k) {
                out.push(t);
            }
        }
        let held: Vec<Key> = self.recent.iter().filter(|(_, t)| old(t)).map(|(k, _)| *k).collect();
        for k in held {
            if let Some(t) = self.recent.remove(&k) {
                out.push(t);
            }
        }
        self.truncated.retain(|_, k| self.recent.contains_key(k));
        self.recent_alias.retain(|_, k| self.recent.contains_key(k));
        out.sort_by_key(|t| t.first_ts());
        for t in out {
            self.finish(t, done);
        }
    }

    /// Finishes everything still open (end of capture).
    pub fn finish_all(&mut self, mut done: impl FnMut(DnsTransaction)) {
        let mut out: Vec<DnsTransaction> = self.pending.drain().map(|(_, t)| t).collect();
        out.extend(self.recent.drain().map(|(_, t)| t));
        self.mcast.clear();
        self.by_question.clear();
        self.alias.clear();
        self.question_of.clear();
        self.aliases_of.clear();
        self.recent_alias.clear();
        self.truncated.clear();
        out.sort_by_key(|t| t.first_ts());
        for t in out {
            self.finish(t, &mut done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use crate::dissect::{Dissector, dns};

    /// A DNS message: header, one question (and an A answer when `answer`).
    fn msg(id: u16, response: bool, tc: bool, name: &str, answer: Option<[u8; 4]>) -> Vec<u8> {
        let flags: u16 = if response { 0x8180 | if tc { 0x0200 } else { 0 } } else { 0x0100 };
        let mut m = Vec::new();
        m.extend_from_slice(&id.to_be_bytes());
        m.extend_from_slice(&flags.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, u8::from(answer.is_some()), 0, 0, 0, 0]);
        for label in name.split('.') {
            m.push(label.len() as u8);
            m.extend_from_slice(label.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        if let Some(a) = answer {
            m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            m.extend_from_slice(&a);
        }
        m
    }

    /// Raw IPv4/UDP or IPv4/TCP (with the 2-byte length prefix) carrying `payload`.
    fn packet(src: ([u8; 4], u16), dst: ([u8; 4], u16), tcp: bool, payload: &[u8]) -> Vec<u8> {
        let mut l4 = Vec::new();
        if tcp {
            l4.extend_from_slice(&src.1.to_be_bytes());
            l4.extend_from_slice(&dst.1.to_be_bytes());
            l4.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
            l4.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        } else {
            l4.extend_from_slice(&src.1.to_be_bytes());
            l4.extend_from_slice(&dst.1.to_be_bytes());
            l4.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
            l4.extend_from_slice(&[0, 0]);
        }
        l4.extend_from_slice(payload);
        let total = (20 + l4.len()) as u16;
        let mut b = vec![0x45, 0];
        b.extend_from_slice(&total.to_be_bytes());
        b.extend_from_slice(&[0, 1, 0x40, 0, 64, if tcp { 6 } else { 17 }, 0, 0]);
        b.extend_from_slice(&src.0);
        b.extend_from_slice(&dst.0);
        b.extend_from_slice(&l4);
        b
    }

    const C: [u8; 4] = [10, 0, 0, 1];
    const S: [u8; 4] = [10, 0, 0, 53];

    struct Run {
        d: Dissector,
        t: DnsTracker,
        out: Vec<DnsTransaction>,
        n: u64,
    }

    impl Run {
        fn new() -> Self {
            Run { d: Dissector::new(), t: DnsTracker::new(DEFAULT_TIMEOUT_NS), out: Vec::new(), n: 0 }
        }

        fn feed(&mut self, bytes: &[u8], ms: i64) {
            self.n += 1;
            let ts = Timestamp { secs: ms / 1000, nanos: (ms % 1000) as u32 * 1_000_000 };
            let f = crate::testutil::frame(self.n, ts, LinkType::RAW, bytes);
            let p = self.d.dissect(&f);
            let msgs: Vec<dns::Message> = p.dns.iter().filter_map(|m| dns::parse(m).ok()).collect();
            let out = &mut self.out;
            self.t.packet(&p, &msgs, |tx| out.push(tx));
        }

        fn done(mut self) -> Vec<DnsTransaction> {
            let out = &mut self.out;
            self.t.finish_all(|tx| out.push(tx));
            self.out.sort_by_key(|t| t.first_ts());
            self.out
        }
    }

    #[test]
    fn query_and_answer_make_one_transaction_with_its_time() {
        let mut r = Run::new();
        r.feed(&packet((C, 5000), (S, 53), false, &msg(7, false, false, "a.test", None)), 1000);
        r.feed(&packet((S, 53), (C, 5000), false, &msg(7, true, false, "a.test", Some([1, 2, 3, 4]))), 1012);
        assert_eq!(r.t.name_for(&IpAddr::from([1, 2, 3, 4])).as_deref(), Some("a.test"));
        let out = r.done();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rtt_ns(), Some(12_000_000));
        assert_eq!((out[0].query.as_ref().unwrap().frame, out[0].response.as_ref().unwrap().frame), (1, 2));
    }

    #[test]
    fn retries_same_port_and_new_port_then_timeout() {
        let mut r = Run::new();
        r.feed(&packet((C, 5000), (S, 53), false, &msg(9, false, false, "b.test", None)), 0);
        r.feed(&packet((C, 5000), (S, 53), false, &msg(9, false, false, "b.test", None)), 1000);
        r.feed(&packet((C, 6000), (S, 53), false, &msg(9, false, false, "b.test", None)), 2000);
        // After the hold time the sweep finishes it as unanswered.
        r.feed(&packet((C, 7000), (S, 53), false, &msg(10, false, false, "c.test", None)), 61_000);
        assert_eq!(r.out.len(), 1);
        assert!(r.out[0].response.is_none());
        assert_eq!(r.out[0].retry_frames, vec![2, 3]);
    }

    #[test]
    fn a_repeat_after_the_timeout_opens_a_new_transaction_and_late_answers_pair() {
        let mut r = Run::new();
        r.feed(&packet((C, 5000), (S, 53), false, &msg(9, false, false, "b.test", None)), 0);
        // 6 s later (tshark: not a retransmission) and answered 4 s after that.
        r.feed(&packet((C, 5000), (S, 53), false, &msg(9, false, false, "b.test", None)), 6000);
        r.feed(&packet((S, 53), (C, 5000), false, &msg(9, true, false, "b.test", None)), 10_000);
        let out = r.done();
        assert_eq!(out.len(), 2);
        assert!(out[0].response.is_none() && out[0].retry_frames.is_empty());
        assert_eq!(out[1].rtt_ns(), Some(4_000_000_000));
        assert!(!out[1].late);
        // A late answer still pairs, marked late.
        let mut r = Run::new();
        r.feed(&packet((C, 5000), (S, 53), false, &msg(8, false, false, "l.test", None)), 0);
        r.feed(&packet((S, 53), (C, 5000), false, &msg(8, true, false, "l.test", None)), 25_000);
        let out = r.done();
        assert_eq!(out.len(), 1);
        assert!(out[0].late && out[0].response.is_some());
    }

    #[test]
    fn answer_to_a_retry_from_another_port_closes_the_transaction() {
        let mut r = Run::new();
        r.feed(&packet((C, 5000), (S, 53), false, &msg(9, false, false, "b.test", None)), 0);
        r.feed(&packet((C, 6000), (S, 53), false, &msg(9, false, false, "b.test", None)), 1000);
        r.feed(&packet((S, 53), (C, 6000), false, &msg(9, true, false, "b.test", Some([5, 5, 5, 5]))), 1001);
        let out = r.done();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].retry_frames, vec![2]);
        assert_eq!(out[0].response.as_ref().unwrap().frame, 3);
        assert_eq!(out[0].rtt_ns(), Some(1_001_000_000), "from the first query, as tshark's dns.time");
    }

    #[test]
    fn duplicate_and_unsolicited_responses() {
        let mut r = Run::new();
        r.feed(&packet((C, 5000), (S, 53), false, &msg(1, false, false, "d.test", None)), 0);
        r.feed(&packet((S, 53), (C, 5000), false, &msg(1, true, false, "d.test", Some([1, 1, 1, 1]))), 1);
        r.feed(&packet((S, 53), (C, 5000), false, &msg(1, true, false, "d.test", Some([1, 1, 1, 1]))), 2);
        r.feed(&packet((S, 53), (C, 5001), false, &msg(2, true, false, "e.test", Some([2, 2, 2, 2]))), 3);
        let out = r.done();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].duplicate_frames, vec![3]);
        assert!(out[1].query.is_none(), "unsolicited");
    }

    #[test]
    fn truncated_udp_answer_links_the_tcp_retry() {
        let mut r = Run::new();
        r.feed(&packet((C, 5000), (S, 53), false, &msg(3, false, false, "big.test", None)), 0);
        r.feed(&packet((S, 53), (C, 5000), false, &msg(3, true, true, "big.test", None)), 1);
        r.feed(&packet((C, 40000), (S, 53), true, &msg(4, false, false, "big.test", None)), 2);
        r.feed(&packet((S, 53), (C, 40000), true, &msg(4, true, false, "big.test", Some([9, 9, 9, 9]))), 3);
        let out = r.done();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].retried_over_tcp, Some(3));
        assert_eq!(out[1].after_truncation, Some(1));
        assert_eq!(out[1].transport, DnsTransport::Tcp);
    }

    #[test]
    fn multicast_query_is_answered_by_unicast_llmnr() {
        let mut r = Run::new();
        let group = [224, 0, 0, 252];
        let responder = [10, 0, 0, 9];
        r.feed(&packet((C, 5000), (group, 5355), false, &msg(5, false, false, "host", None)), 0);
        r.feed(&packet((responder, 5355), (C, 5000), false, &msg(5, true, false, "host", Some(responder))), 1);
        let out = r.done();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].protocol, AppKind::Llmnr);
        assert_eq!(out[0].server.0, IpAddr::from(responder));
    }
}
