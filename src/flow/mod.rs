//! Flow tracking: what happened to each conversation over time.
//!
//! Owns: per-connection state built from dissected packets, with time taken
//! only from the packets (never the clock). Must not know: capture sources
//! or output formats.
//!
//! - `dns`: DNS transactions (queries matched with responses) and the names they give addresses;
//! - `sim` (tests only): plausible TCP connections, on which the machines'
//!   fast paths are compared with their full rules;
//! - `sweep`: when the tables look for what timed out;
//! - `table`: packets grouped into bidirectional flows, idle and capped;
//! - `tcp`: the per-connection TCP analysis (tshark's verdicts, RTT,
//!   handshake and close);
//! - `zeek`: Zeek's conn_state and history per connection;

pub mod dns;
#[cfg(test)]
pub(crate) mod sim;
pub mod sweep;
pub mod table;
pub mod tcp;
pub mod zeek;

/// The hash map of the per-packet paths (flow table, DNS tracker).
///
/// std's SipHash-1-3 cost 18 % of all instructions of `wirelens flows` (one
/// hash of the flow key per packet; bench/results/profile-history.md). foldhash is
/// several times cheaper for short keys. Its `fast::RandomState` draws a
/// random seed per process (and per map), so packets crafted to collide under
/// a known seed cannot turn the map's lookups quadratic: the property std's
/// `RandomState` gave, kept. Iteration order is random either way, so no
/// output may depend on it (none did).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
