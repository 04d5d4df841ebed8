//! Flow tracking: what happened to each conversation over time.
//!
//! Owns: per-connection state built from dissected packets, with time taken
//! only from the packets (never the clock). Must not know: capture sources
//! or output formats.
//!
//! - `dns`: DNS transactions (queries matched with responses) and the names they give addresses;
//! - `table`: packets grouped into bidirectional flows, idle and capped;
//! - `tcp`: the per-connection TCP analysis (tshark's verdicts, RTT,
//!   handshake and close);
//! - `zeek`: Zeek's conn_state and history per connection;

pub mod dns;
pub mod table;
pub mod tcp;
pub mod zeek;
