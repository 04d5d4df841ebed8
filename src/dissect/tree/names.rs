//! Names of well-known protocol values, worded as Wireshark/tshark prints them
//! (epan/etypes.h, ipproto.c, packet-icmp.c, packet-icmpv6.c, packet-ip.c,
//! packet-vlan.c, packet-sll.c, packet-nflog.c, packet-tcp.c).

/// Ethertypes (Wireshark's etype_vals).
pub fn ethertype(t: u16) -> &'static str {
    match t {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x0842 => "Wake on LAN",
        0x22f0 => "IEEE 1722 Audio Video Bridging Transport Protocol",
        0x6558 => "Transparent Ethernet bridging",
        0x8035 => "RARP",
        0x809b => "AppleTalk LLAP bridging",
        0x80f3 => "AARP",
        0x8100 => "802.1Q Virtual LAN",
        0x8137 => "Netware IPX/SPX",
        0x86dd => "IPv6",
        0x8808 => "MAC Control",
        0x8809 => "Slow Protocols",
        0x8847 => "MPLS label switched packet",
        0x8848 => "MPLS multicast label switched packet",
        0x8863 => "PPPoE Discovery",
        0x8864 => "PPPoE Session",
        0x886d => "Intel ANS probe",
        0x888e => "802.1X Authentication",
        0x8892 => "PROFINET",
        0x889a => "HyperSCSI",
        0x88a2 => "ATA over Ethernet",
        0x88a4 => "EtherCAT frame",
        0x88a8 => "802.1ad Provider Bridge (Q-in-Q)",
        0x88b5 => "Local Experimental Ethertype 1",
        0x88b6 => "Local Experimental Ethertype 2",
        0x88cc => "802.1 Link Layer Discovery Protocol (LLDP)",
        0x88e5 => "802.1AE (MACsec)",
        0x88e7 => "802.1ah Provider Backbone Bridge (mac-in-mac)",
        0x88f7 => "PTPv2 over Ethernet (IEEE1588)",
        0x88fb => "Parallel Redundancy Protocol (PRP) and HSR Supervision (IEC62439 Part 3)",
        0x8902 => "IEEE 802.1ag Connectivity Fault Management (CFM) Protocol",
        0x8906 => "Fibre Channel over Ethernet",
        0x8914 => "FCoE Initialization Protocol",
        0x8926 => "VN-Tag",
        0x893a => "IEEE 1905.1a",
        0x9000 => "Loopback",
        0x9100 => "VLAN-tagged frame (Q-in-Q)",
        0x9200 => "VLAN-tagged frame (Q-in-Q, 0x9200)",
        _ => "Unknown",
    }
}

/// IP protocol numbers / IPv6 next headers (Wireshark's ipproto_val).
pub fn ip_proto(p: u8) -> &'static str {
    match p {
        0 => "IPv6 Hop-by-Hop Option",
        1 => "ICMP",
        2 => "IGMP",
        3 => "GGP",
        4 => "IPIP",
        6 => "TCP",
        8 => "EGP",
        9 => "IGRP",
        17 => "UDP",
        27 => "RDP",
        33 => "DCCP",
        41 => "IPv6",
        43 => "Routing Header for IPv6",
        44 => "Fragment Header for IPv6",
        46 => "RSVP",
        47 => "Generic Routing Encapsulation",
        50 => "Encap Security Payload",
        51 => "Authentication Header",
        58 => "ICMPv6",
        59 => "IPv6 No Next Header",
        60 => "Destination Options for IPv6",
        88 => "EIGRP",
        89 => "OSPF IGP",
        94 => "IP-within-IP Encapsulation Protocol",
        97 => "Ethernet-within-IP Encapsulation",
        103 => "Protocol Independent Multicast",
        108 => "IP Payload Compression Protocol",
        112 => "Virtual Router Redundancy Protocol",
        115 => "Layer 2 Tunneling Protocol",
        124 => "IS-IS over IPv4",
        132 => "Stream Control Transmission Protocol",
        135 => "Mobile IPv6",
        136 => "Lightweight User Datagram Protocol",
        137 => "MPLS in IP",
        139 => "Host Identity Protocol",
        140 => "Shim6 Protocol",
        143 => "Ethernet",
        253 | 254 => "Experimental",
        _ => "Unknown",
    }
}

/// Short DSCP names as in the "Differentiated Services Field" summary.
pub fn dscp_short(d: u8) -> &'static str {
    match d {
        0 => "CS0",
        1 => "LE",
        8 => "CS1",
        10 => "AF11",
        12 => "AF12",
        14 => "AF13",
        16 => "CS2",
        18 => "AF21",
        20 => "AF22",
        22 => "AF23",
        24 => "CS3",
        26 => "AF31",
        28 => "AF32",
        30 => "AF33",
        32 => "CS4",
        34 => "AF41",
        36 => "AF42",
        38 => "AF43",
        40 => "CS5",
        44 => "VA",
        46 => "EF",
        48 => "CS6",
        56 => "CS7",
        _ => "Unknown",
    }
}

/// Long DSCP names (RFC 2474, 2597, 3246, 5865, 8622).
pub fn dscp_long(d: u8) -> String {
    match d {
        0 => "Default".into(),
        1 => "Lower Effort".into(),
        8 | 16 | 24 | 32 | 40 | 48 | 56 => format!("Class Selector {}", d / 8),
        10 | 12 | 14 | 18 | 20 | 22 | 26 | 28 | 30 | 34 | 36 | 38 => {
            format!("Assured Forwarding {}{}", d / 8, (d % 8) / 2)
        }
        44 => "Voice Admit".into(),
        46 => "Expedited Forwarding".into(),
        _ => "Unknown".into(),
    }
}

pub fn ecn_short(e: u8) -> &'static str {
    ["Not-ECT", "ECT(1)", "ECT(0)", "CE"][usize::from(e & 3)]
}

pub fn ecn_long(e: u8) -> &'static str {
    [
        "Not ECN-Capable Transport",
        "ECN-Capable Transport codepoint '01'",
        "ECN-Capable Transport codepoint '10'",
        "Congestion Experienced",
    ][usize::from(e & 3)]
}

/// 802.1Q priority code points (IEEE 802.1Q-2014 table I-2 as Wireshark names them).
pub fn vlan_pcp(p: u8) -> &'static str {
    match p {
        0 => "Best Effort (default)",
        1 => "Background",
        2 => "Excellent Effort",
        3 => "Critical Applications",
        4 => "Video, < 100ms latency and jitter",
        5 => "Voice, < 10ms latency and jitter",
        6 => "Internetwork Control",
        _ => "Network Control",
    }
}

/// Capture link types (tcpdump.org LINKTYPE numbers) named as tshark's
/// "Encapsulation type".
pub fn link_type(n: u32) -> &'static str {
    match n {
        0 => "NULL/Loopback",
        1 => "Ethernet",
        6 => "Token Ring",
        9 => "PPP",
        10 => "FDDI",
        12 | 14 | 101 => "Raw IP",
        50 => "PPP in HDLC-like framing",
        104 => "Cisco HDLC",
        105 => "IEEE 802.11 Wireless LAN",
        108 => "OpenBSD loopback",
        113 => "Linux cooked-mode capture v1",
        127 => "IEEE 802.11 plus radiotap radio header",
        195 => "IEEE 802.15.4 Wireless PAN",
        228 => "Raw IPv4",
        229 => "Raw IPv6",
        239 => "NFLOG",
        253 => "Linux Netlink",
        276 => "Linux cooked-mode capture v2",
        _ => "Unknown",
    }
}

/// Linux packet types (sll_pkttype).
pub fn sll_pkttype(t: u16) -> &'static str {
    match t {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        5 => "Loopback",
        6 => "Fastroute",
        _ => "Unknown",
    }
}

/// Linux ARPHRD_* hardware types (SLL "Link-layer address type").
pub fn arphrd(t: u16) -> &'static str {
    match t {
        0 => "NET/ROM",
        1 => "Ethernet",
        6 => "IEEE 802",
        15 => "Frame Relay DLCI",
        19 => "ATM",
        24 => "IEEE 1394",
        32 => "InfiniBand",
        256 => "SLIP",
        280 => "CAN",
        512 => "PPP",
        519 => "Raw IP",
        768 => "IPIP Tunnel",
        769 => "IPv6-in-IPv6",
        772 => "Loopback",
        776 => "IPv6-in-IPv4",
        778 => "GRE over IP",
        801 => "IEEE 802.11",
        803 => "IEEE 802.11 + radiotap header",
        804 => "IEEE 802.15.4",
        824 => "Netlink",
        65534 => "None",
        _ => "Unknown",
    }
}

/// The SLL protocol field when it is not an ethertype (libpcap's sll.h).
pub fn sll_protocol(p: u16) -> &'static str {
    match p {
        0x0001 => "Novell 802.3 frames without 802.2 LLC header",
        0x0003 => "All protocols (ETH_P_ALL)",
        0x0004 => "802.2 LLC",
        0x0005 => "SNAP",
        0x000c => "CAN",
        0x000d => "CAN FD",
        0x0010 => "LocalTalk",
        0x0016 => "PPP",
        0x0019 => "IEEE 802.15.4",
        _ => ethertype(p),
    }
}

/// BSD address families of the NULL/LOOP header.
pub fn bsd_af(f: u32) -> &'static str {
    match f {
        2 => "IP",
        7 => "OSI",
        10 | 24 | 28 | 30 => "IPv6",
        16 | 17 => "AppleTalk",
        23 => "IPX",
        _ => "Unknown",
    }
}

pub fn nflog_tlv(t: u16) -> &'static str {
    match t {
        1 => "NFULA_PACKET_HDR",
        2 => "NFULA_MARK",
        3 => "NFULA_TIMESTAMP",
        4 => "NFULA_IFINDEX_INDEV",
        5 => "NFULA_IFINDEX_OUTDEV",
        6 => "NFULA_IFINDEX_PHYSINDEV",
        7 => "NFULA_IFINDEX_PHYSOUTDEV",
        8 => "NFULA_HWADDR",
        9 => "NFULA_PAYLOAD",
        10 => "NFULA_PREFIX",
        11 => "NFULA_UID",
        12 => "NFULA_SEQ",
        13 => "NFULA_SEQ_GLOBAL",
        14 => "NFULA_GID",
        15 => "NFULA_HWTYPE",
        16 => "NFULA_HWHEADER",
        17 => "NFULA_HWLEN",
        18 => "NFULA_CT",
        19 => "NFULA_CT_INFO",
        20 => "NFULA_VLAN",
        21 => "NFULA_L2HDR",
        _ => "Unknown",
    }
}

pub fn nf_hook(h: u8) -> &'static str {
    match h {
        0 => "Pre-routing",
        1 => "Local in",
        2 => "Forward",
        3 => "Local out",
        4 => "Post-routing",
        _ => "Unknown",
    }
}

/// IEEE 802.2 SAPs.
pub fn llc_sap(s: u8) -> &'static str {
    match s & 0xfe {
        0x00 => "NULL LSAP",
        0x02 => "LLC Sub-Layer Management",
        0x04 => "SNA Path Control",
        0x06 => "TCP/IP",
        0x0e => "PROWAY Network Management, Maintenance and Installation",
        0x42 => "Spanning Tree BPDU",
        0x4e => "Manufacturing Message Service",
        0x7e => "ISO 8208 (X.25 over 802.2)",
        0x8e => "PROWAY Active Station List Maintenance",
        0xaa => "SNAP",
        0xe0 => "NetWare",
        0xf0 => "NetBIOS",
        0xf4 => "LAN Management",
        0xfe => "ISO Network Layer",
        _ => "Unknown",
    }
}

/// PPP protocol numbers (RFC 1661 and the IANA registry).
pub fn ppp_proto(p: u16) -> &'static str {
    match p {
        0x0021 => "Internet Protocol version 4",
        0x0057 => "Internet Protocol version 6",
        0x0281 => "MPLS Unicast",
        0x8021 => "Internet Protocol Control Protocol",
        0x8057 => "IPv6 Control Protocol",
        0xc021 => "Link Control Protocol",
        0xc023 => "Password Authentication Protocol",
        0xc223 => "Challenge Handshake Authentication Protocol",
        _ => "Unknown",
    }
}

/// MPLS reserved labels (RFC 3032, 7274).
pub fn mpls_label(l: u32) -> Option<&'static str> {
    Some(match l {
        0 => "IPv4 Explicit-Null",
        1 => "Router Alert",
        2 => "IPv6 Explicit-Null",
        3 => "Implicit-Null",
        7 => "Entropy Label Indicator",
        13 => "Generic Associated Channel Label (GAL)",
        14 => "OAM Alert Label",
        15 => "Extension Label",
        _ => return None,
    })
}

pub fn arp_hw(t: u16) -> &'static str {
    match t {
        1 => "Ethernet",
        6 => "IEEE 802",
        7 => "ARCNET",
        15 => "Frame Relay",
        16 => "ATM",
        17 => "HDLC",
        18 => "Fibre Channel",
        20 => "Serial Line",
        24 => "IEEE 1394.1995",
        32 => "InfiniBand",
        _ => "Unknown",
    }
}

pub fn arp_op(o: u16) -> &'static str {
    match o {
        1 => "request",
        2 => "reply",
        3 => "reverse request",
        4 => "reverse reply",
        5 => "DRARP-Request",
        6 => "DRARP-Reply",
        7 => "DRARP-Error",
        8 => "inverse request",
        9 => "inverse reply",
        10 => "ARP-NAK",
        _ => "Unknown",
    }
}

/// TCP option kinds (IANA registry, Wireshark's tcp_option_kind_vs).
pub fn tcp_option(k: u8) -> &'static str {
    match k {
        0 => "End of Option List",
        1 => "No-Operation",
        2 => "Maximum Segment Size",
        3 => "Window Scale",
        4 => "SACK Permitted",
        5 => "SACK",
        6 => "Echo",
        7 => "Echo Reply",
        8 => "Time Stamp Option",
        9 => "Partial Order Connection Permitted",
        10 => "Partial Order Service Profile",
        11 => "CC",
        12 => "CC.NEW",
        13 => "CC.ECHO",
        14 => "TCP Alternate Checksum Request",
        15 => "TCP Alternate Checksum Data",
        16 => "Skeeter",
        17 => "Bubba",
        18 => "Trailer Checksum Option",
        19 => "MD5 Signature Option",
        20 => "SCPS Capabilities",
        21 => "Selective Negative Acknowledgements",
        22 => "Record Boundaries",
        23 => "Corruption experienced",
        24 => "SNAP",
        26 => "TCP Compression Filter",
        27 => "Quick-Start Response",
        28 => "User Timeout Option",
        29 => "TCP Authentication Option",
        30 => "Multipath TCP",
        34 => "TCP Fast Open Cookie",
        69 => "Encryption Negotiation (TCP-ENO)",
        172 => "Accurate ECN Order 0 (AccECN0)",
        174 => "Accurate ECN Order 1 (AccECN1)",
        253 => "RFC3692-style Experiment 1",
        254 => "RFC3692-style Experiment 2",
        _ => "Unknown",
    }
}

/// IPv6 Hop-by-Hop / Destination option types (IANA "Destination Options and Hop-by-Hop Options").
pub fn ipv6_option(t: u8) -> &'static str {
    match t {
        0x00 => "Pad1",
        0x01 => "PadN",
        0x04 => "Tunnel Encapsulation Limit",
        0x05 => "Router Alert",
        0x07 => "CALIPSO",
        0x08 => "SMF_DPD",
        0x0f => "Performance and Diagnostic Metrics",
        0x11 => "Minimum Path MTU",
        0x12 => "IOAM",
        0x26 => "Quick-Start",
        0x30 | 0x31 => "IOAM",
        0x63 => "RPL Option",
        0x6d => "MPL Option",
        0x8b => "ILNP Nonce",
        0x8c => "Line-Identification",
        0xc2 => "Jumbo Payload",
        0xc9 => "Home Address",
        0x1e | 0x3e | 0x5e | 0x7e | 0x9e | 0xbe | 0xde | 0xfe => "Experimental",
        _ => "Unknown",
    }
}

/// IPv4 option types (RFC 791 and the IANA registry).
pub fn ipv4_option(t: u8) -> &'static str {
    match t {
        0 => "End of Options List (EOL)",
        1 => "No Operation (NOP)",
        7 => "Record Route",
        25 => "Quick-Start",
        68 => "Time Stamp",
        82 => "Traceroute",
        130 => "Security",
        131 => "Loose Source Route",
        133 => "Extended Security",
        134 => "Commercial IP Security Option",
        136 => "Stream ID",
        137 => "Strict Source Route",
        148 => "Router Alert",
        _ => "Unknown",
    }
}

/// ICMP (v4) message types, as packet-icmp.c names them.
pub fn icmp_type(t: u8) -> &'static str {
    match t {
        0 => "Echo (ping) reply",
        3 => "Destination unreachable",
        4 => "Source quench (flow control)",
        5 => "Redirect",
        6 => "Alternate host address",
        8 => "Echo (ping) request",
        9 => "Router advertisement",
        10 => "Router solicitation",
        11 => "Time-to-live exceeded",
        12 => "Parameter problem",
        13 => "Timestamp request",
        14 => "Timestamp reply",
        15 => "Information request",
        16 => "Information reply",
        17 => "Address mask request",
        18 => "Address mask reply",
        30 => "Traceroute",
        31 => "Datagram conversion error",
        32 => "Mobile host redirect",
        33 => "IPv6 where-are-you",
        34 => "IPv6 i-am-here",
        35 => "Mobile registration request",
        36 => "Mobile registration reply",
        37 => "Domain name request",
        38 => "Domain name reply",
        39 => "SKIP",
        40 => "Photuris",
        42 => "Extended Echo request",
        43 => "Extended Echo reply",
        _ => "Unknown ICMP (obsolete or malformed?)",
    }
}

pub fn icmp_code(t: u8, c: u8) -> Option<&'static str> {
    Some(match (t, c) {
        (3, 0) => "Network unreachable",
        (3, 1) => "Host unreachable",
        (3, 2) => "Protocol unreachable",
        (3, 3) => "Port unreachable",
        (3, 4) => "Fragmentation needed",
        (3, 5) => "Source route failed",
        (3, 6) => "Destination network unknown",
        (3, 7) => "Destination host unknown",
        (3, 8) => "Source host isolated",
        (3, 9) => "Network administratively prohibited",
        (3, 10) => "Host administratively prohibited",
        (3, 11) => "Network unreachable for TOS",
        (3, 12) => "Host unreachable for TOS",
        (3, 13) => "Communication administratively filtered",
        (3, 14) => "Host precedence violation",
        (3, 15) => "Precedence cutoff in effect",
        (5, 0) => "Redirect for network",
        (5, 1) => "Redirect for host",
        (5, 2) => "Redirect for TOS and network",
        (5, 3) => "Redirect for TOS and host",
        (9, 0) => "Normal router advertisement",
        (9, 16) => "Does not route common traffic",
        (11, 0) => "Time to live exceeded in transit",
        (11, 1) => "Fragment reassembly time exceeded",
        (12, 0) => "Pointer indicates the error",
        (12, 1) => "Required option missing",
        (12, 2) => "Bad length",
        (40, 0) => "Bad SPI",
        (40, 1) => "Authentication Failed",
        (40, 2) => "Decompression Failed",
        (40, 3) => "Decryption Failed",
        (40, 4) => "Need Authentication",
        (40, 5) => "Need Authorization",
        (43, 0) => "No Error",
        (43, 1) => "Malformed Query",
        (43, 2) => "No Such Interface",
        (43, 3) => "No Such Table Entry",
        (43, 4) => "Multiple Interfaces Satisfy Query",
        _ => return None,
    })
}

/// ICMPv6 message types (RFC 4443, 4861, 2710, 3810, ... as packet-icmpv6.c names them).
pub fn icmpv6_type(t: u8) -> &'static str {
    match t {
        1 => "Destination Unreachable",
        2 => "Packet Too Big",
        3 => "Time Exceeded",
        4 => "Parameter Problem",
        100 | 101 | 200 | 201 => "Private experimentation",
        127 => "Reserved for expansion of ICMPv6 error messages",
        128 => "Echo (ping) request",
        129 => "Echo (ping) reply",
        130 => "Multicast Listener Query",
        131 => "Multicast Listener Report",
        132 => "Multicast Listener Done",
        133 => "Router Solicitation",
        134 => "Router Advertisement",
        135 => "Neighbor Solicitation",
        136 => "Neighbor Advertisement",
        137 => "Redirect",
        138 => "Router Renumbering",
        139 => "ICMP Node Information Query",
        140 => "ICMP Node Information Response",
        141 => "Inverse Neighbor Discovery Solicitation Message",
        142 => "Inverse Neighbor Discovery Advertisement Message",
        143 => "Multicast Listener Report Message v2",
        144 => "Home Agent Address Discovery Request Message",
        145 => "Home Agent Address Discovery Reply Message",
        146 => "Mobile Prefix Solicitation",
        147 => "Mobile Prefix Advertisement",
        148 => "Certification Path Solicitation Message",
        149 => "Certification Path Advertisement Message",
        150 => "Experimental Mobility Protocols",
        151 => "Multicast Router Advertisement",
        152 => "Multicast Router Solicitation",
        153 => "Multicast Router Termination",
        154 => "FMIPv6 Messages",
        155 => "RPL Control Message",
        156 => "ILNPv6 Locator Update Message",
        157 => "Duplicate Address Request",
        158 => "Duplicate Address Confirmation",
        159 => "MPL Control Message",
        160 => "Extended Echo request",
        161 => "Extended Echo reply",
        255 => "Reserved for expansion of ICMPv6 informational messages",
        _ => "Unknown",
    }
}

pub fn icmpv6_code(t: u8, c: u8) -> Option<&'static str> {
    Some(match (t, c) {
        (1, 0) => "No route to destination",
        (1, 1) => "Administratively prohibited",
        (1, 2) => "Beyond scope of source address",
        (1, 3) => "Address unreachable",
        (1, 4) => "Port unreachable",
        (1, 5) => "Source address failed ingress/egress policy",
        (1, 6) => "Reject route to destination",
        (1, 7) => "Error in Source Routing Header",
        (1, 8) => "Headers too long",
        (3, 0) => "hop limit exceeded in transit",
        (3, 1) => "fragment reassembly time exceeded",
        (4, 0) => "erroneous header field encountered",
        (4, 1) => "unrecognized Next Header type encountered",
        (4, 2) => "unrecognized IPv6 option encountered",
        (4, 3) => "IPv6 First Fragment has incomplete IPv6 Header Chain",
        (4, 4) => "SR Upper-layer Header Error",
        (4, 5) => "Unrecognized Next Header type encountered by intermediate node",
        (4, 6) => "Extension header too big",
        (4, 7) => "Extension header chain too long",
        (4, 8) => "Too many extension headers",
        (4, 9) => "Too many options in extension header",
        (4, 10) => "Option too big",
        _ => return None,
    })
}

/// Neighbor Discovery option types (RFC 4861 §4.6 and later).
pub fn nd_option(t: u8) -> &'static str {
    match t {
        1 => "Source link-layer address",
        2 => "Target link-layer address",
        3 => "Prefix information",
        4 => "Redirected header",
        5 => "MTU",
        6 => "NBMA Shortcut Limit Option",
        7 => "Advertisement Interval",
        8 => "Home Agent Information",
        9 => "Source Address List",
        10 => "Target Address List",
        11 => "CGA option",
        12 => "RSA Signature option",
        13 => "Timestamp",
        14 => "Nonce",
        24 => "Route Information",
        25 => "Recursive DNS Server",
        31 => "DNS Search List",
        33 => "Address Registration Option",
        38 => "PREF64",
        _ => "Unknown",
    }
}

/// MLDv2 multicast address record types (RFC 3810 §5.2.12).
pub fn mldv2_record(t: u8) -> &'static str {
    match t {
        1 => "Include",
        2 => "Exclude",
        3 => "Changed to include",
        4 => "Changed to exclude",
        5 => "Allow new sources",
        6 => "Block old sources",
        _ => "Unknown",
    }
}

/// IPv6 routing header types.
pub fn routing_type(t: u8) -> &'static str {
    match t {
        0 => "Source Route",
        1 => "Nimrod",
        2 => "Type 2 Routing",
        3 => "RPL Source Route",
        4 => "Segment Routing",
        5 => "CRH-16",
        6 => "CRH-32",
        _ => "Unknown",
    }
}

/// MPTCP option subtypes (RFC 8684 §3).
pub fn mptcp_subtype(s: u8) -> &'static str {
    match s {
        0 => "Multipath Capable",
        1 => "Join Connection",
        2 => "Data Sequence Signal",
        3 => "Add Address",
        4 => "Remove Address",
        5 => "Change Subflow Priority",
        6 => "TCP Fallback",
        7 => "Fast Close",
        8 => "Subflow Reset",
        15 => "Private Use",
        _ => "Unknown",
    }
}
