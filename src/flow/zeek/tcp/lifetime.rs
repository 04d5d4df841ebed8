//! When Zeek removes a TCP connection (its timers) and when a SYN starts a
//! new one on the same 5-tuple (`IsReuse`), from TCPSessionAdapter.cc:
//! `AttemptTimer`, `ExpireTimer`, the delete timer armed by
//! `ConnectionClosed`, `Session::InactivityTimer` and `IsReuse`.

use super::{EndpointState, Flags, SEC, TcpSession};
use crate::flow::zeek::PacketFacts;

const TCP_CONNECTION_LINGER: i64 = 5 * SEC;
const TCP_INACTIVITY_TIMEOUT: i64 = 300 * SEC;

impl TcpSession {
    /// Whether Zeek's timers would have removed this connection by `now`
    /// (timers fire before the packet that advances network time past them).
    pub fn expired(&self, now: i64, orig: usize) -> bool {
        use EndpointState::*;
        if let Some(at) = self.delete_at {
            return at <= now;
        }
        let (o, r) = (&self.ep[orig], &self.ep[1 - orig]);
        if let Some(at) = self.attempt_at {
            if at <= now && self.is_active && matches!(o.state, SynSent | SynAckSent) && r.state == Inactive {
                return true; // AttemptTimer: connection_attempt
            }
        }
        // ExpireTimer (checked every tcp_session_timer; approximated as
        // continuous): idle past the linger time with one side closed and
        // the connection done, or nothing ever happened.
        if self.is_active && self.last_time.saturating_add(TCP_CONNECTION_LINGER) < now {
            let closed = o.did_close || r.did_close;
            if closed
                && ((o.did_close && r.did_close)
                    || o.state == Reset
                    || r.state == Reset
                    || o.state == Inactive
                    || r.state == Inactive)
            {
                return true;
            }
            if o.state == Inactive && r.state == Inactive {
                return true; // nothing ever happened (e.g. only bad checksums)
            }
        }
        let timeout = if self.handshake_done() { TCP_INACTIVITY_TIMEOUT } else { self.inactivity_timeout };
        self.last_time.saturating_add(timeout) <= now
    }

    /// `TCP_Endpoint::SetState` switches to `tcp_inactivity_timeout` once a
    /// state leaves the handshake.
    fn handshake_done(&self) -> bool {
        let hs = |s| matches!(s, EndpointState::Inactive | EndpointState::SynSent | EndpointState::SynAckSent);
        !hs(self.ep[0].state) || !hs(self.ep[1].state)
    }

    /// `TCPSessionAdapter::IsReuse`: whether a packet from side `s` starts a
    /// new connection on the same 5-tuple instead of joining this one.
    pub fn is_reuse(&self, f: &PacketFacts, orig: usize) -> bool {
        let flags = Flags(f.tcp_flags);
        if !flags.syn() {
            return false; // only initial SYNs (or SYN-ACKs of half connections)
        }
        let resp = 1 - orig;
        let mut conn_orig = orig;
        if flags.ack() {
            if self.ep[orig].state != EndpointState::Inactive {
                return false;
            }
            conn_orig = resp;
        }
        let closed = self.ep[0].did_close || self.ep[1].did_close;
        if !closed {
            if f.seq == self.ep[conn_orig].start_seq() {
                return false; // a retransmitted SYN
            }
            if !flags.ack()
                && self.ep[conn_orig].state == EndpointState::SynAckSent
                && self.ep[resp].state == EndpointState::Inactive
                && f.seq == self.ep[resp].start_seq()
            {
                return false; // the SYN of a flipped SYN/SYN-ACK pair
            }
        }
        true
    }
}
