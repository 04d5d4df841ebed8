//! Live capture from network interfaces, through libpcap (the `pcap` crate).
//!
//! [`LiveSource`] is a [`PacketSource`](super::PacketSource) like a file reader: frames numbered
//! from 1 with the kernel's timestamp (nanosecond precision where libpcap
//! offers it, which on Linux it does). What differs from a file is how it ends:
//! a live interface has no end, so the source ends when asked to — a stop
//! flag (set by the SIGINT/SIGTERM handler, see `crate::process`) or the end
//! of `--duration` — and it must notice that promptly even when no packet
//! ever arrives. So the handles are put in non-blocking mode and the source
//! waits for packets with one `poll(2)` on libpcap's selectable descriptors,
//! at most [`POLL_MS`] at a time, checking the flag and the deadline between
//! waits. A blocking `pcap_next_ex` cannot be used: with a filter matching
//! nothing it would never return.
//!
//! Several interfaces (`-i eth0 -i eth1`, as tshark and dumpcap take them)
//! are opened with the same options, each with the filter compiled for its
//! own link type, and read from the one thread (`crate::process` gives
//! privileges up only while the process has a single thread). Their frames
//! are merged by time stamp (`live/merge.rs`); a frame's `interface` is the
//! interface's place in the `-i` list and its `link` that interface's link
//! type, which may differ between interfaces (Ethernet and raw IP, say).
//! `any` is every interface already and stays alone.
//!
//! Ending: the moment the stop is noticed (or the deadline) becomes a cut-off
//! in packet time. Packets already queued in the kernel's rings with a
//! timestamp up to the cut-off are still delivered, so a capture stopped by
//! Ctrl-C holds every packet that arrived before it; when the earliest frame
//! left is after the cut-off, or every ring is empty, the source ends. The
//! drain is bounded by [`DRAIN_BUDGET`] of wall time so a flooded interface
//! still stops.
//!
//! With `-w`, every frame is written to the save file as it is handed out,
//! so the file holds exactly the frames the caller read (a `-c` limit stops
//! the caller before the next frame is taken); several interfaces are saved
//! as pcapng, one interface description each (`save.rs`).
//!
//! The capture reads the clock (for the deadline, the cut-off and the
//! merge); nothing downstream does: flows and reports only see packet
//! timestamps.
//!
//! Files: `live/handle.rs` creates and activates a libpcap handle the way
//! tcpdump does, with monitor mode (`-I`) and the time stamp source (`-j`),
//! and lists the time stamp types an interface offers (`-J`);
//! `live/iface.rs` is one open interface; `live/merge.rs` decides the order;
//! `live/source.rs` is the [`LiveSource`].

mod handle;
mod iface;
mod merge;
mod source;

pub use handle::{TstampType, TstampTypeInfo};
pub use source::{LiveInterface, LiveSource};

use std::ffi::{CString, c_int, c_void};
use std::io;
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{LinkType, MAX_CAPLEN, Timestamp};

/// Longest wait for a packet before checking the stop flag and the deadline.
pub const POLL_MS: u64 = 100;

/// Most wall time spent delivering already-queued packets after a stop.
pub const DRAIN_BUDGET: Duration = Duration::from_millis(500);

/// Default snapshot length: whole packets (libpcap's and tcpdump's default).
pub const DEFAULT_SNAPLEN: u32 = MAX_CAPLEN;

// libpcap functions the crate does not wrap. The crate links libpcap, so
// these resolve against the same library.
unsafe extern "C" {
    fn pcap_get_tstamp_precision(p: *mut c_void) -> c_int;
    fn pcap_get_selectable_fd(p: *mut c_void) -> c_int;
}

const PCAP_TSTAMP_PRECISION_NANO: c_int = 1;

/// How to open the interface.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Interface names, in the order given (a frame's `interface` is its
    /// place here); or `any` alone (Linux: every interface, cooked headers).
    pub interfaces: Vec<String>,
    pub promisc: bool,
    /// Bytes kept of each packet; 0 means [`DEFAULT_SNAPLEN`].
    pub snaplen: u32,
    /// Kernel buffer size in bytes (libpcap's default, 2 MiB, when `None`).
    pub buffer_size: Option<u32>,
    /// BPF expression compiled by libpcap for each handle and installed in the kernel.
    pub filter: Option<String>,
    /// Stop this long after the capture opened.
    pub duration: Option<Duration>,
    /// Monitor mode (rfmon), for Wi-Fi interfaces whose driver has it.
    pub monitor: bool,
    /// Time stamp source; libpcap's default (the host's) when `None`.
    pub tstamp_type: Option<TstampType>,
}

/// Where `-w` writes.
#[derive(Debug, Clone)]
pub struct SaveTo {
    pub path: String,
    /// `-U`: flush after every packet, so the file is complete even if the
    /// process is killed.
    pub flush_each: bool,
    /// Give the file to this uid and gid (the user root is dropping to).
    pub owner: Option<(u32, u32)>,
}

/// Why a live capture could not start.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("there is no interface named \"{name}\"; the interfaces are: {}", if available.is_empty() { "(none found)".to_string() } else { available.join(", ") })]
    NoSuchInterface { name: String, available: Vec<String> },
    #[error(
        "no permission to capture on {name} ({message}).\n  Capturing needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities: run it with sudo,\n  or give the binary the capabilities once: sudo setcap cap_net_raw,cap_net_admin=eip {exe}"
    )]
    Permission { name: String, message: String, exe: String },
    #[error("invalid capture filter \"{expr}\"{}: {message}", on.as_ref().map(|n| format!(" for {n}")).unwrap_or_default())]
    BadFilter { expr: String, on: Option<String>, message: String },
    #[error(
        "`-i any` captures on every interface already and cannot be combined with other interfaces ({}): give `-i any` alone, or the interfaces one by one",
        others.join(", ")
    )]
    AnyWithOthers { others: Vec<String> },
    #[error("interface {name} is given twice")]
    Twice { name: String },
    #[error(
        "cannot write {path}: packets of several interfaces are saved as pcapng only (pcap has one link type and does not say which interface a packet came from); name the file .pcapng"
    )]
    SeveralNeedPcapng { path: String },
    #[error("cannot capture on {name}: {message}")]
    Open { name: String, message: String },
    #[error(
        "cannot capture on {name} in monitor mode: {message}.\n  Monitor mode (-I) is for Wi-Fi interfaces whose driver supports it; `wirelens interfaces` marks them \"wireless\""
    )]
    MonitorMode { name: String, message: String },
    #[error("cannot set the time stamp type of {name} to {kind}: {message}")]
    TstampType { name: String, kind: &'static str, message: String },
    #[error("cannot write {path}: {error}")]
    Save { path: String, error: io::Error },
    #[error("cannot list the interfaces: {0}")]
    List(String),
}

/// Counters at the end of a capture, as tcpdump prints them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Frames handed out (analysed, and saved with `-w`).
    pub captured: u64,
    /// libpcap's `ps_recv`: packets that passed the kernel filter.
    pub received: u64,
    /// `ps_drop`: dropped for lack of buffer space.
    pub dropped_kernel: u64,
    /// `ps_ifdrop`: dropped by the interface or its driver.
    pub dropped_interface: u64,
}

fn now_ts() -> Timestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::new(d.as_secs() as i64, d.subsec_nanos())
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp::new(t.secs.saturating_add(d.as_secs() as i64), t.nanos + d.subsec_nanos())
}

/// The path of this executable, for the `setcap` advice.
fn exe_path() -> String {
    std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "$(command -v wirelens)".into())
}

/// libpcap's message without the crate's "libpcap error: " prefix.
fn pcap_message(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => m.clone(),
        other => other.to_string(),
    }
}

/// Names of the interfaces libpcap can see (best effort, for messages).
fn interface_names() -> Vec<String> {
    pcap::Device::list().map(|l| l.into_iter().map(|d| d.name).collect()).unwrap_or_default()
}

fn if_index(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

/// libpcap creates a handle for any name and only fails on activation,
/// after the permission check: the name is looked up first so that a typo
/// says so even without privileges.
fn check_exists(name: &str) -> Result<(), LiveError> {
    if name != "any" && if_index(name).is_none() && !interface_names().iter().any(|n| n == name) {
        return Err(LiveError::NoSuchInterface { name: name.to_string(), available: interface_names() });
    }
    Ok(())
}

/// The time stamp types an interface offers, for `-J`.
pub fn tstamp_types(name: &str) -> Result<Vec<TstampTypeInfo>, LiveError> {
    check_exists(name)?;
    handle::tstamp_types(name)
}

/// One interface as `wirelens interfaces` shows it.
#[derive(Debug, Clone)]
pub struct InterfaceInfo {
    /// Kernel interface index (`None` for pseudo-devices such as `any`).
    pub index: Option<u32>,
    pub name: String,
    pub description: Option<String>,
    /// Addresses with their prefix length (from the netmask).
    pub addresses: Vec<(IpAddr, Option<u8>)>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    pub wireless: bool,
    /// The link type a capture would get; `None` when the device could not
    /// be opened to ask (no privileges, or the device refuses).
    pub link: Option<LinkType>,
}

fn prefix_len(mask: &IpAddr) -> Option<u8> {
    let ones = match mask {
        IpAddr::V4(m) => u32::from(*m).count_ones(),
        IpAddr::V6(m) => u128::from(*m).count_ones(),
    };
    u8::try_from(ones).ok()
}

/// The capture devices libpcap knows, in its order. With `probe_link`, each
/// device is opened (not activated for long: opened, asked, closed) to learn
/// its link type, which needs the same privileges as capturing.
pub fn list_interfaces(probe_link: bool) -> Result<Vec<InterfaceInfo>, LiveError> {
    let devices = pcap::Device::list().map_err(|e| LiveError::List(pcap_message(&e)))?;
    Ok(devices
        .into_iter()
        .map(|d| {
            let link = probe_link
                .then(|| {
                    pcap::Capture::from_device(d.name.as_str())
                        .and_then(|c| c.snaplen(128).buffer_size(1 << 16).open())
                        .ok()
                        .map(|c| LinkType(c.get_datalink().0 as u32))
                })
                .flatten();
            InterfaceInfo {
                index: if_index(&d.name),
                description: d.desc.clone(),
                addresses: d.addresses.iter().map(|a| (a.addr, a.netmask.as_ref().and_then(prefix_len))).collect(),
                up: d.flags.is_up(),
                running: d.flags.is_running(),
                loopback: d.flags.is_loopback(),
                wireless: d.flags.is_wireless(),
                link,
                name: d.name,
            }
        })
        .collect())
}

/// libpcap's name and description of a link type ("EN10MB", "Ethernet"),
/// for link types this crate's own table does not name.
pub fn link_names(link: LinkType) -> (String, String) {
    let l = pcap::Linktype(link.0 as i32);
    let name = l.get_name().unwrap_or_else(|_| format!("DLT_{}", link.0));
    let desc = l.get_description().unwrap_or_else(|_| link.name().to_string());
    (name, desc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn prefixes_from_netmasks() {
        assert_eq!(prefix_len(&"255.255.255.0".parse().unwrap()), Some(24));
        assert_eq!(prefix_len(&"ffff:ffff:ffff:ffff::".parse().unwrap()), Some(64));
        assert_eq!(prefix_len(&"0.0.0.0".parse().unwrap()), Some(0));
    }

    #[test]
    fn link_names_from_libpcap() {
        assert_eq!(link_names(LinkType::ETHERNET), ("EN10MB".to_string(), "Ethernet".to_string()));
        assert_eq!(link_names(LinkType::LINUX_SLL).0, "LINUX_SLL");
    }

    #[test]
    fn missing_interface_is_named_before_any_privilege_check() {
        // Among several, the missing one is named.
        static STOP: AtomicBool = AtomicBool::new(false);
        let opts = LiveOptions {
            interfaces: vec!["lo".into(), "wirelens-no-such0".into()],
            promisc: true,
            snaplen: 0,
            buffer_size: None,
            filter: None,
            duration: None,
            monitor: false,
            tstamp_type: None,
        };
        match LiveSource::open(&opts, None, &STOP) {
            Err(LiveError::NoSuchInterface { name, .. }) => assert_eq!(name, "wirelens-no-such0"),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("opened a missing interface"),
        }
    }
}
