//! Flow tracking: what happened to each conversation over time.
//!
//! Owns: per-connection state built from dissected packets, with time taken
//! only from the packets (never the clock). Must not know: capture sources
//! or output formats.
//!
//! So far: relative TCP sequence numbers and window scaling per direction,
//! as tshark's Info column shows them, and Zeek's per-connection state
//! machine (`zeek`: conn_state, history, packet/byte counts, missed bytes).
//! The flow table comes with the flow tracker.

pub mod relseq;
pub mod zeek;
