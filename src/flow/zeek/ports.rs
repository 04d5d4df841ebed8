//! `likely_server_ports`: the ports that make Zeek flip a new connection's
//! direction when its first packet comes *from* them (`WantConnection` in
//! src/packet_analysis/protocol/{tcp/TCP.cc,udp/UDP.cc}).
//!
//! The set is not built into Zeek: each protocol script loaded adds its
//! ports (`redef likely_server_ports += { ports }`), so it depends on what
//! the run loaded. A plain `zeek -r` loads the base scripts; `zeek -b` with
//! only `base/protocols/conn` loads none.

use super::Proto;

/// A set of (transport, port) pairs. `Copy`: a static list, shared by every
/// connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerPorts(&'static [(Proto, u16)]);

use Proto::{Tcp as T, Udp as U};

/// Ports added by Zeek's base protocol and tunnel scripts (what a plain
/// `zeek -r` loads), from scripts/base/protocols/*/main.zeek and
/// scripts/base/frameworks/tunnels/main.zeek.
const BASE: &[(Proto, u16)] = &[
    // dce-rpc, dhcp (server side only), dnp3
    (T, 135),
    (U, 67),
    (T, 20000),
    (U, 20000),
    // dns
    (U, 53),
    (T, 53),
    (U, 137),
    (U, 5353),
    (U, 5355),
    // ftp
    (T, 21),
    (T, 2811),
    // http
    (T, 80),
    (T, 81),
    (T, 631),
    (T, 1080),
    (T, 3128),
    (T, 8000),
    (T, 8080),
    (T, 8888),
    // imap, irc
    (T, 143),
    (T, 6666),
    (T, 6667),
    (T, 6668),
    (T, 6669),
    // krb, ldap
    (U, 88),
    (U, 750),
    (T, 88),
    (T, 750),
    (T, 389),
    (U, 389),
    (T, 3268),
    // modbus, mqtt, mysql, ntp, postgresql, radius, rdp, redis
    (T, 502),
    (T, 1883),
    (T, 1434),
    (T, 3306),
    (U, 123),
    (T, 5432),
    (U, 1812),
    (T, 3389),
    (T, 6379),
    // sip, smb, smtp, snmp, socks, ssh, syslog
    (U, 5060),
    (T, 139),
    (T, 445),
    (T, 25),
    (T, 587),
    (U, 161),
    (U, 162),
    (T, 22),
    (U, 514),
    // ssl/dtls/quic
    (T, 443),
    (T, 563),
    (T, 585),
    (T, 614),
    (T, 636),
    (T, 989),
    (T, 990),
    (T, 992),
    (T, 993),
    (T, 995),
    (T, 5223),
    (U, 443),
    // xmpp
    (T, 5222),
    (T, 5269),
    // tunnels: ayiya, teredo, gtpv1, vxlan, geneve
    (U, 5072),
    (U, 3544),
    (U, 2152),
    (U, 2123),
    (U, 4789),
    (U, 6081),
];

/// base/protocols/http alone (`zeek -b` loading the HTTP script).
const HTTP: &[(Proto, u16)] = &[(T, 80), (T, 81), (T, 631), (T, 1080), (T, 3128), (T, 8000), (T, 8080), (T, 8888)];

/// base/protocols/dns alone.
const DNS: &[(Proto, u16)] = &[(U, 53), (T, 53), (U, 137), (U, 5353), (U, 5355)];

impl ServerPorts {
    /// No protocol scripts loaded (`zeek -b` with base/protocols/conn only).
    pub const NONE: ServerPorts = ServerPorts(&[]);
    /// A plain `zeek -r` run (base scripts).
    pub const ZEEK_BASE: ServerPorts = ServerPorts(BASE);
    /// `zeek -b` loading base/protocols/http.
    pub const HTTP_ONLY: ServerPorts = ServerPorts(HTTP);
    /// `zeek -b` loading base/protocols/dns.
    pub const DNS_ONLY: ServerPorts = ServerPorts(DNS);

    pub const fn custom(list: &'static [(Proto, u16)]) -> ServerPorts {
        ServerPorts(list)
    }

    pub fn contains(&self, proto: Proto, port: u16) -> bool {
        self.0.iter().any(|&(p, n)| p == proto && n == port)
    }
}

impl Default for ServerPorts {
    fn default() -> Self {
        ServerPorts::ZEEK_BASE
    }
}
