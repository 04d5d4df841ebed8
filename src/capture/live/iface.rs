//! One open interface of a live capture: its libpcap handle in
//! non-blocking mode, the descriptor to poll, its link type, and the frame
//! read from it ahead of the others (see `merge.rs`).

use std::ffi::{c_int, c_void};

use super::{
    LiveError, LiveOptions, LiveStats, PCAP_TSTAMP_PRECISION_NANO, handle, pcap_get_selectable_fd,
    pcap_get_tstamp_precision, pcap_message,
};
use crate::capture::{LinkType, Timestamp};

/// The link type written to files and given to frames for a libpcap DLT:
/// pcap and pcapng files carry `LINKTYPE_` values, which differ from the
/// DLT numbers for a few platform-dependent types. libpcap converts them
/// the same way when it writes a file (`dlt_to_linktype` in pcap-common.c);
/// on Linux the one that matters is DLT_RAW, 12, which files call 101.
pub(super) fn linktype_of(dlt: LinkType) -> LinkType {
    match dlt.0 {
        // DLT_RAW (12 on most systems, 14 on OpenBSD) -> LINKTYPE_RAW.
        12 | 14 => LinkType::RAW,
        // DLT_ATM_RFC1483 -> LINKTYPE_ATM_RFC1483.
        11 => LinkType(100),
        _ => dlt,
    }
}

pub(super) struct Iface {
    cap: pcap::Capture<pcap::Active>,
    pub name: String,
    /// The `LINKTYPE_` value (frames, files).
    pub link: LinkType,
    /// libpcap's DLT value, for its names ("RAW", "EN10MB").
    pub dlt: LinkType,
    pub snaplen: u32,
    /// Time stamps in nanoseconds (else microseconds).
    pub nanos: bool,
    pub fd: c_int,
    /// libpcap's warnings from opening.
    pub warnings: Vec<String>,
    /// Frames of this interface handed out.
    pub handed: u64,
    /// The pending frame's libpcap header (for libpcap's pcap writer) and
    /// bytes; meaningful while the merge says a frame is pending.
    pub header: pcap::PacketHeader,
    pub buf: Vec<u8>,
}

impl Iface {
    /// Creates and activates the handle (tcpdump's way, `handle.rs`), puts
    /// it in non-blocking mode and installs the filter, compiled by libpcap
    /// for this interface's link type.
    pub(super) fn open(name: &str, opts: &LiveOptions, snaplen: u32, several: bool) -> Result<Iface, LiveError> {
        let open_err = |e: pcap::Error| LiveError::Open { name: name.to_string(), message: pcap_message(&e) };
        let (cap, warnings) = handle::activate(name, opts, snaplen)?;
        let mut cap = cap.setnonblock().map_err(open_err)?;
        if let Some(expr) = &opts.filter {
            cap.filter(expr, true).map_err(|e| LiveError::BadFilter {
                expr: expr.clone(),
                on: several.then(|| name.to_string()),
                message: pcap_message(&e),
            })?;
        }
        let dlt = LinkType(cap.get_datalink().0 as u32);
        let p = cap.as_ptr() as *mut c_void;
        // SAFETY: `p` is the live, activated pcap_t owned by `cap`.
        let nanos = unsafe { pcap_get_tstamp_precision(p) } == PCAP_TSTAMP_PRECISION_NANO;
        // SAFETY: as above.
        let fd = unsafe { pcap_get_selectable_fd(p) };
        if fd < 0 {
            return Err(LiveError::Open {
                name: name.to_string(),
                message: "libpcap has no descriptor to wait on for this device".into(),
            });
        }
        let zero = libc::timeval { tv_sec: 0, tv_usec: 0 };
        Ok(Iface {
            cap,
            name: name.to_string(),
            link: linktype_of(dlt),
            dlt,
            snaplen,
            nanos,
            fd,
            warnings,
            handed: 0,
            header: pcap::PacketHeader { ts: zero, caplen: 0, len: 0 },
            buf: Vec::with_capacity(snaplen.min(1 << 16) as usize),
        })
    }

    pub(super) fn cap(&self) -> &pcap::Capture<pcap::Active> {
        &self.cap
    }

    /// Reads one queued frame into `header` and `buf`, without waiting:
    /// its time stamp, or `None` when the queue is empty.
    pub(super) fn read(&mut self) -> Result<Option<Timestamp>, String> {
        match self.cap.next_packet() {
            Ok(p) => {
                // time_t and suseconds_t are 32 bits on some targets.
                #[allow(clippy::unnecessary_cast)]
                let (secs, frac) = (p.header.ts.tv_sec as i64, p.header.ts.tv_usec.max(0) as u32);
                let ts = Timestamp::new(secs, if self.nanos { frac } else { frac.saturating_mul(1000) });
                self.header = *p.header;
                self.buf.clear();
                self.buf.extend_from_slice(p.data);
                Ok(Some(ts))
            }
            Err(pcap::Error::TimeoutExpired) => Ok(None),
            Err(e) => Err(pcap_message(&e)),
        }
    }

    /// libpcap's counters now, with the frames handed out so far.
    pub(super) fn stats(&mut self) -> LiveStats {
        let s = self.cap.stats().unwrap_or(pcap::Stat { received: 0, dropped: 0, if_dropped: 0 });
        LiveStats {
            captured: self.handed,
            received: u64::from(s.received),
            dropped_kernel: u64::from(s.dropped),
            dropped_interface: u64::from(s.if_dropped),
        }
    }

    /// Why the capture on this interface cannot go on, after poll(2) set
    /// POLLERR, POLLHUP or POLLNVAL on its descriptor. libpcap itself treats
    /// these as the end of the capture (in blocking mode it polls and checks
    /// them; in non-blocking mode it leaves that to us): the interface went
    /// down or disappeared.
    pub(super) fn failure(&self) -> String {
        let mut err: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
        // SAFETY: `err` and `len` are valid for writes of the sizes given.
        let got = unsafe {
            libc::getsockopt(self.fd, libc::SOL_SOCKET, libc::SO_ERROR, (&mut err as *mut c_int).cast(), &mut len)
        };
        if got == 0 && err == libc::ENETDOWN {
            "the interface went down".to_string()
        } else if got == 0 && err != 0 {
            std::io::Error::from_raw_os_error(err).to_string()
        } else {
            "the capture socket failed (the interface may have gone away)".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_get_linktype_values() {
        assert_eq!(linktype_of(LinkType(12)), LinkType::RAW);
        assert_eq!(linktype_of(LinkType::ETHERNET), LinkType::ETHERNET);
        assert_eq!(linktype_of(LinkType::LINUX_SLL), LinkType::LINUX_SLL);
        assert_eq!(linktype_of(LinkType::LINUX_SLL2), LinkType::LINUX_SLL2);
    }
}
