//! Live capture from a network interface, through libpcap (the `pcap` crate).
//!
//! [`LiveSource`] is a [`PacketSource`] like a file reader: frames numbered
//! from 1 with the kernel's timestamp (nanosecond precision where libpcap
//! offers it, which on Linux it does). What differs from a file is how it ends:
//! a live interface has no end, so the source ends when asked to — a stop
//! flag (set by the SIGINT/SIGTERM handler, see `crate::process`) or the end
//! of `--duration` — and it must notice that promptly even when no packet
//! ever arrives. So the handle is put in non-blocking mode and the source
//! waits for packets with `poll(2)` on libpcap's selectable descriptor, at
//! most [`POLL_MS`] at a time, checking the flag and the deadline between
//! waits. A blocking `pcap_next_ex` cannot be used: with a filter matching
//! nothing it would never return.
//!
//! Ending: the moment the stop is noticed (or the deadline) becomes a cut-off
//! in packet time. Packets already queued in the kernel's ring with a
//! timestamp up to the cut-off are still delivered, so a capture stopped by
//! Ctrl-C holds every packet that arrived before it; the first packet after
//! the cut-off, or an empty ring, ends the source. The drain is bounded by
//! [`DRAIN_BUDGET`] of wall time so a flooded interface still stops.
//!
//! With `-w`, every frame is written to the save file as it is handed out,
//! so the file holds exactly the frames the caller read (a `-c` limit stops
//! the caller before the next frame is taken).
//!
//! The capture reads the clock (for the deadline and the cut-off); nothing
//! downstream does: flows and reports only see packet timestamps.
//!
//! Opening follows tcpdump: `handle.rs` creates and activates the libpcap
//! handle, with monitor mode (`-I`) and the time stamp source (`-j`), and
//! lists the time stamp types an interface offers (`-J`).

mod handle;

pub use handle::{TstampType, TstampTypeInfo};

use std::ffi::{CString, c_int, c_void};
use std::fs::File;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::save::Saver;
use super::{CaptureError, CaptureErrorKind, Frame, LinkType, MAX_CAPLEN, Next, PacketSource, Timestamp};

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
    /// Interface name, or `any` (Linux: every interface, cooked headers).
    pub interface: String,
    pub promisc: bool,
    /// Bytes kept of each packet; 0 means [`DEFAULT_SNAPLEN`].
    pub snaplen: u32,
    /// Kernel buffer size in bytes (libpcap's default, 2 MiB, when `None`).
    pub buffer_size: Option<u32>,
    /// BPF expression compiled by libpcap for this handle and installed in the kernel.
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
    #[error("invalid capture filter \"{expr}\": {message}")]
    BadFilter { expr: String, message: String },
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

pub struct LiveSource {
    cap: pcap::Capture<pcap::Active>,
    name: String,
    link: LinkType,
    snaplen: u32,
    nanos: bool,
    fd: c_int,
    stop: &'static AtomicBool,
    deadline: Option<(Instant, Timestamp)>,
    /// Set once a stop is noticed: packet time after which nothing is
    /// delivered, and the wall time the drain must end by.
    cutoff: Option<(Timestamp, Instant)>,
    save: Option<(Saver, SaveTo)>,
    /// libpcap's warnings from opening (the capture goes on), for the caller to show.
    warnings: Vec<String>,
    /// The current frame's bytes: the frame borrows them until the next call.
    buf: Vec<u8>,
    /// The current frame's timestamp and length on the wire.
    ts: Timestamp,
    orig_len: u32,
    /// Frames read, and frames handed out (equal unless the last read
    /// frame is still to be returned by `next_frame`).
    number: u64,
    returned: u64,
    done: bool,
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

impl LiveSource {
    /// Opens and activates the interface, installs the filter, creates the
    /// save file. Everything that needs privileges happens here, so the
    /// caller can give them up right after.
    pub fn open(opts: &LiveOptions, save: Option<SaveTo>, stop: &'static AtomicBool) -> Result<LiveSource, LiveError> {
        let name = opts.interface.clone();
        check_exists(&name)?;
        let open_err = |e: pcap::Error| LiveError::Open { name: name.clone(), message: pcap_message(&e) };
        let snaplen = if opts.snaplen == 0 { DEFAULT_SNAPLEN } else { opts.snaplen.min(DEFAULT_SNAPLEN) };
        let (cap, warnings) = handle::activate(opts, snaplen)?;
        let mut cap = cap.setnonblock().map_err(open_err)?;
        if let Some(expr) = &opts.filter {
            cap.filter(expr, true)
                .map_err(|e| LiveError::BadFilter { expr: expr.clone(), message: pcap_message(&e) })?;
        }
        let link = LinkType(cap.get_datalink().0 as u32);
        let handle = cap.as_ptr() as *mut c_void;
        // SAFETY: `handle` is the live, activated pcap_t owned by `cap`.
        let nanos = unsafe { pcap_get_tstamp_precision(handle) } == PCAP_TSTAMP_PRECISION_NANO;
        // SAFETY: as above.
        let fd = unsafe { pcap_get_selectable_fd(handle) };
        if fd < 0 {
            return Err(LiveError::Open {
                name,
                message: "libpcap has no descriptor to wait on for this device".into(),
            });
        }
        let save = match save {
            None => None,
            Some(to) => {
                let serr = |error: io::Error| LiveError::Save { path: to.path.clone(), error };
                let file = File::create(&to.path).map_err(serr)?;
                if let Some((uid, gid)) = to.owner {
                    std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).map_err(serr)?;
                }
                let pcapng = super::save::wants_pcapng(&to.path);
                let saver =
                    Saver::new(file, pcapng, &cap, link, snaplen, &name).map_err(|m| serr(io::Error::other(m)))?;
                Some((saver, to))
            }
        };
        let deadline = opts.duration.map(|d| (Instant::now() + d, plus(now_ts(), d)));
        Ok(LiveSource {
            cap,
            name,
            link,
            snaplen,
            nanos,
            fd,
            stop,
            deadline,
            cutoff: None,
            save,
            warnings,
            buf: Vec::with_capacity(snaplen as usize),
            ts: Timestamp::new(0, 0),
            orig_len: 0,
            number: 0,
            returned: 0,
            done: false,
        })
    }

    pub fn interface(&self) -> &str {
        &self.name
    }

    pub fn link(&self) -> LinkType {
        self.link
    }

    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// libpcap's warnings from opening, in tcpdump's words (e.g. a time
    /// stamp type the interface does not offer).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Timestamp units per second of the frames (10^9 or 10^6).
    pub fn ts_units_per_sec(&self) -> u64 {
        if self.nanos { 1_000_000_000 } else { 1_000_000 }
    }

    /// libpcap's counters now, with the frames handed out so far.
    pub fn stats(&mut self) -> LiveStats {
        let s = self.cap.stats().unwrap_or(pcap::Stat { received: 0, dropped: 0, if_dropped: 0 });
        LiveStats {
            captured: self.number,
            received: u64::from(s.received),
            dropped_kernel: u64::from(s.dropped),
            dropped_interface: u64::from(s.if_dropped),
        }
    }

    /// Ends the capture: final counters, and the save file flushed (pcapng
    /// also gets them as interface statistics) and closed.
    pub fn finish(&mut self) -> Result<LiveStats, LiveError> {
        self.done = true;
        let stats = self.stats();
        if let Some((mut saver, to)) = self.save.take() {
            saver
                .finish(now_ts(), stats.received, stats.dropped_kernel, stats.dropped_interface)
                .map_err(|error| LiveError::Save { path: to.path.clone(), error })?;
        }
        Ok(stats)
    }

    /// Notices a stop request or the deadline and sets the cut-off.
    fn check_stop(&mut self) {
        if self.cutoff.is_some() {
            return;
        }
        let at = if self.stop.load(Ordering::Relaxed) {
            Some(now_ts())
        } else {
            self.deadline.filter(|(when, _)| Instant::now() >= *when).map(|(_, ts)| ts)
        };
        if let Some(ts) = at {
            self.cutoff = Some((ts, Instant::now() + DRAIN_BUDGET));
        }
    }

    fn error(&self, message: String) -> CaptureError {
        CaptureError {
            path: self.name.clone(),
            packet: Some(self.number + 1),
            offset: 0,
            kind: CaptureErrorKind::Live(message),
        }
    }

    /// Waits until the descriptor is readable, a signal arrives, or the
    /// poll interval (or what is left before the deadline) passes.
    fn wait(&self) -> Result<(), CaptureError> {
        let mut timeout = Duration::from_millis(POLL_MS);
        if let Some((when, _)) = self.deadline {
            // +1 ms: poll rounds down, and waking just before the deadline
            // would only loop once more.
            timeout = timeout.min(when.saturating_duration_since(Instant::now()) + Duration::from_millis(1));
        }
        let mut pfd = libc::pollfd { fd: self.fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, for the duration of the call.
        let r = unsafe { libc::poll(&mut pfd, 1, timeout.as_millis() as c_int) };
        if r < 0 {
            let e = io::Error::last_os_error();
            // A signal (the stop request) interrupts the wait: go and check.
            return if e.kind() == io::ErrorKind::Interrupted { Ok(()) } else { Err(self.error(format!("poll: {e}"))) };
        }
        // libpcap itself treats these as the end of the capture (in
        // blocking mode it polls and checks them; in non-blocking mode it
        // leaves that to us): the interface went down or disappeared.
        if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
            let mut err: c_int = 0;
            let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
            // SAFETY: `err` and `len` are valid for writes of the sizes given.
            let got = unsafe {
                libc::getsockopt(self.fd, libc::SOL_SOCKET, libc::SO_ERROR, (&mut err as *mut c_int).cast(), &mut len)
            };
            let why = if got == 0 && err == libc::ENETDOWN {
                "the interface went down".to_string()
            } else if got == 0 && err != 0 {
                io::Error::from_raw_os_error(err).to_string()
            } else {
                "the capture socket failed (the interface may have gone away)".to_string()
            };
            return Err(self.error(why));
        }
        Ok(())
    }
}

impl PacketSource for LiveSource {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        // Keep waiting through idle polls. (The frame is returned through a
        // second call because a borrow returned from inside the loop would
        // hold `self` for the whole loop.)
        loop {
            if !matches!(self.next_idle()?, Next::Idle) {
                break;
            }
        }
        if self.done && self.number == self.returned {
            return Ok(None);
        }
        self.returned = self.number;
        Ok(Some(self.current()))
    }

    fn next(&mut self) -> Result<Next<'_>, CaptureError> {
        match self.next_idle()? {
            Next::Idle => Ok(Next::Idle),
            Next::End => Ok(Next::End),
            Next::Frame(_) => {
                self.returned = self.number;
                Ok(Next::Frame(self.current()))
            }
        }
    }

    fn live_stats(&mut self) -> Option<LiveStats> {
        Some(self.stats())
    }
}

impl LiveSource {
    /// The frame just read into `buf`.
    fn current(&self) -> Frame<'_> {
        Frame {
            number: self.number,
            ts: self.ts,
            link: self.link,
            interface: 0,
            orig_len: self.orig_len,
            data: &self.buf,
            offset: 0,
        }
    }

    /// Reads one frame into `buf` (returning `Next::Frame` with it), or
    /// waits once (at most [`POLL_MS`]) and returns `Next::Idle`, or ends.
    fn next_idle(&mut self) -> Result<Next<'_>, CaptureError> {
        {
            if self.done {
                return Ok(Next::End);
            }
            self.check_stop();
            if let Some((_, drain_until)) = self.cutoff {
                if Instant::now() >= drain_until {
                    self.done = true;
                    return Ok(Next::End);
                }
            }
            let (ts, orig_len) = match self.cap.next_packet() {
                Ok(p) => {
                    // time_t and suseconds_t are 32 bits on some targets.
                    #[allow(clippy::unnecessary_cast)]
                    let (secs, frac) = (p.header.ts.tv_sec as i64, p.header.ts.tv_usec.max(0) as u32);
                    let ts = Timestamp::new(secs, if self.nanos { frac } else { frac.saturating_mul(1000) });
                    if self.cutoff.is_some_and(|(cut, _)| ts > cut) {
                        self.done = true;
                        return Ok(Next::End);
                    }
                    if let Some((saver, to)) = self.save.as_mut() {
                        let written =
                            saver.write(&p, ts).and_then(|()| if to.flush_each { saver.flush() } else { Ok(()) });
                        if let Err(e) = written {
                            let message = format!("writing {}: {e}", to.path);
                            self.done = true;
                            return Err(CaptureError {
                                path: self.name.clone(),
                                packet: Some(self.number + 1),
                                offset: 0,
                                kind: CaptureErrorKind::Live(message),
                            });
                        }
                    }
                    self.buf.clear();
                    self.buf.extend_from_slice(p.data);
                    (ts, p.header.len)
                }
                Err(pcap::Error::TimeoutExpired) => {
                    // Nothing queued: after a stop that is the end,
                    // otherwise wait for more.
                    if self.cutoff.is_some() {
                        self.done = true;
                        return Ok(Next::End);
                    }
                    if let Err(e) = self.wait() {
                        self.done = true;
                        return Err(e);
                    }
                    return Ok(Next::Idle);
                }
                Err(e) => {
                    self.done = true;
                    return Err(self.error(pcap_message(&e)));
                }
            };
            self.number += 1;
            self.ts = ts;
            self.orig_len = orig_len;
            Ok(Next::Frame(self.current()))
        }
    }
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
        static STOP: AtomicBool = AtomicBool::new(false);
        let opts = LiveOptions {
            interface: "wirelens-no-such0".into(),
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
