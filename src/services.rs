//! Well-known port names (IANA service names, as /etc/services and tshark
//! spell them). Ports 0–1023 are the well-known range (RFC 6335 §6); a few
//! registered ports that people read every day are included too.

/// The service name of a port, if it has a well-known one.
pub fn name(port: u16) -> Option<&'static str> {
    Some(match port {
        7 => "echo",
        9 => "discard",
        13 => "daytime",
        20 => "ftp-data",
        21 => "ftp",
        22 => "ssh",
        23 => "telnet",
        25 => "smtp",
        37 => "time",
        43 => "whois",
        49 => "tacacs",
        53 => "domain",
        67 => "bootps",
        68 => "bootpc",
        69 => "tftp",
        70 => "gopher",
        79 => "finger",
        80 => "http",
        88 => "kerberos",
        110 => "pop3",
        111 => "sunrpc",
        113 => "auth",
        119 => "nntp",
        123 => "ntp",
        135 => "epmap",
        137 => "netbios-ns",
        138 => "netbios-dgm",
        139 => "netbios-ssn",
        143 => "imap",
        161 => "snmp",
        162 => "snmp-trap",
        179 => "bgp",
        389 => "ldap",
        443 => "https",
        445 => "microsoft-ds",
        465 => "submissions",
        500 => "isakmp",
        514 => "syslog",
        515 => "printer",
        520 => "route",
        546 => "dhcpv6-client",
        547 => "dhcpv6-server",
        554 => "rtsp",
        587 => "submission",
        631 => "ipp",
        636 => "ldaps",
        853 => "domain-s",
        873 => "rsync",
        989 => "ftps-data",
        990 => "ftps",
        993 => "imaps",
        995 => "pop3s",
        1723 => "pptp",
        1812 => "radius",
        1813 => "radius-acct",
        2049 => "nfs",
        3306 => "mysql",
        3389 => "ms-wbt-server",
        5060 => "sip",
        5353 => "mdns",
        5355 => "llmnr",
        5432 => "postgresql",
        6379 => "redis",
        8080 => "http-alt",
        _ => return None,
    })
}

/// A port as tshark prints it with transport name resolution on:
/// `http(80)` for a named port, `43264` otherwise.
pub fn label(port: u16, resolve: bool) -> String {
    match name(port).filter(|_| resolve) {
        Some(n) => format!("{n}({port})"),
        None => port.to_string(),
    }
}
