//! Creating and activating a libpcap handle the way tcpdump does, with
//! libpcap's status codes, and listing an interface's time stamp types.
//!
//! The pcap crate's `Capture::open` turns any status of `pcap_activate` but
//! 0 into an error carrying only `pcap_geterr`'s text: a warning (a status
//! above 0, such as PCAP_WARNING_TSTAMP_TYPE_NOTSUP) would end the capture,
//! and errors cannot be told apart (PCAP_ERROR_RFMON_NOTSUP from
//! PCAP_ERROR_PERM_DENIED). Its setters also drop what libpcap returns, and
//! `pcap_set_tstamp_type`'s answer is the warning tcpdump prints. So the
//! handle is created, set up and activated here through libpcap's C API
//! (pcap_create(3PCAP), pcap_activate(3PCAP)) and handed to the crate once
//! active. Which status is an error and which a warning, and their wording,
//! follow tcpdump.c (`open_interface`, `show_tstamp_types_and_exit`).

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr::NonNull;

use super::{LiveError, LiveOptions, PCAP_TSTAMP_PRECISION_NANO, POLL_MS, exe_path, interface_names};

// libpcap functions, from the libpcap the pcap crate links.
unsafe extern "C" {
    fn pcap_create(source: *const c_char, errbuf: *mut c_char) -> *mut c_void;
    fn pcap_close(p: *mut c_void);
    fn pcap_set_snaplen(p: *mut c_void, snaplen: c_int) -> c_int;
    fn pcap_set_promisc(p: *mut c_void, promisc: c_int) -> c_int;
    fn pcap_set_immediate_mode(p: *mut c_void, on: c_int) -> c_int;
    fn pcap_set_timeout(p: *mut c_void, ms: c_int) -> c_int;
    fn pcap_set_buffer_size(p: *mut c_void, bytes: c_int) -> c_int;
    fn pcap_set_tstamp_precision(p: *mut c_void, precision: c_int) -> c_int;
    fn pcap_set_rfmon(p: *mut c_void, on: c_int) -> c_int;
    fn pcap_set_tstamp_type(p: *mut c_void, kind: c_int) -> c_int;
    fn pcap_activate(p: *mut c_void) -> c_int;
    fn pcap_geterr(p: *mut c_void) -> *mut c_char;
    fn pcap_statustostr(status: c_int) -> *const c_char;
    fn pcap_list_tstamp_types(p: *mut c_void, types: *mut *mut c_int) -> c_int;
    fn pcap_free_tstamp_types(types: *mut c_int);
    fn pcap_tstamp_type_val_to_name(kind: c_int) -> *const c_char;
    fn pcap_tstamp_type_val_to_description(kind: c_int) -> *const c_char;
}

// Status codes (pcap/pcap.h).
const PCAP_ERRBUF_SIZE: usize = 256;
const PCAP_ERROR_NO_SUCH_DEVICE: c_int = -5;
const PCAP_ERROR_RFMON_NOTSUP: c_int = -6;
const PCAP_ERROR_PERM_DENIED: c_int = -8;
const PCAP_ERROR_PROMISC_PERM_DENIED: c_int = -11;
const PCAP_WARNING: c_int = 1;
const PCAP_WARNING_TSTAMP_TYPE_NOTSUP: c_int = 3;

/// A time stamp source (`-j`): libpcap's `PCAP_TSTAMP_*` values, with the
/// names `pcap_tstamp_type_name_to_val` knows (pcap-tstamp(7)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TstampType {
    /// The host's, characteristics unknown (libpcap's default).
    Host = 0,
    HostLowPrec = 1,
    HostHiPrec = 2,
    /// The adapter's, synchronised with the system clock.
    Adapter = 3,
    AdapterUnsynced = 4,
    HostHiPrecUnsynced = 5,
}

impl TstampType {
    /// libpcap's name (`pcap_tstamp_type_val_to_name`), as `-j` takes it.
    pub fn name(self) -> &'static str {
        match self {
            TstampType::Host => "host",
            TstampType::HostLowPrec => "host_lowprec",
            TstampType::HostHiPrec => "host_hiprec",
            TstampType::Adapter => "adapter",
            TstampType::AdapterUnsynced => "adapter_unsynced",
            TstampType::HostHiPrecUnsynced => "host_hiprec_unsynced",
        }
    }
}

/// One time stamp type an interface offers (`-J`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstampTypeInfo {
    pub value: i32,
    /// libpcap's name and description; `None` for a value this libpcap
    /// cannot name.
    pub name: Option<String>,
    pub description: Option<String>,
}

/// A libpcap string, if any.
fn text(p: *const c_char) -> Option<String> {
    // SAFETY: libpcap returns NULL or a NUL-terminated string that lives at
    // least until the next call on the handle; it is copied at once.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

fn status_text(status: c_int) -> String {
    // SAFETY: pcap_statustostr accepts any value and returns a static
    // string (or one in a static buffer for unknown values).
    text(unsafe { pcap_statustostr(status) }).unwrap_or_else(|| format!("status {status}"))
}

/// A created handle, closed on drop unless handed to the crate.
struct Handle(NonNull<c_void>);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from pcap_create and is closed only here.
        unsafe { pcap_close(self.0.as_ptr()) }
    }
}

impl Handle {
    fn create(name: &str) -> Result<Handle, LiveError> {
        let open = |message| LiveError::Open { name: name.to_string(), message };
        let c = CString::new(name).map_err(|_| open("the name contains a NUL byte".into()))?;
        let mut errbuf = [0 as c_char; PCAP_ERRBUF_SIZE];
        // SAFETY: `c` is NUL-terminated and `errbuf` has the size libpcap writes at most.
        let p = unsafe { pcap_create(c.as_ptr(), errbuf.as_mut_ptr()) };
        NonNull::new(p).map(Handle).ok_or_else(|| open(text(errbuf.as_ptr()).unwrap_or_default()))
    }

    fn ptr(&self) -> *mut c_void {
        self.0.as_ptr()
    }

    fn error(&self) -> String {
        // SAFETY: the handle is valid; the string is copied at once.
        text(unsafe { pcap_geterr(self.ptr()) }).unwrap_or_default()
    }

    /// Hands the activated handle to the crate, which closes it.
    fn into_capture(self) -> pcap::Capture<pcap::Active> {
        let p = self.0;
        std::mem::forget(self);
        pcap::Capture::from(p.cast())
    }
}

/// Creates, sets up and activates the handle for the interface `name`
/// (one of `opts.interfaces`). Warnings (the capture goes on) come back
/// with it, in tcpdump's words.
pub(super) fn activate(
    name: &str,
    opts: &LiveOptions,
    snaplen: u32,
) -> Result<(pcap::Capture<pcap::Active>, Vec<String>), LiveError> {
    let h = Handle::create(name)?;
    let mut warnings = Vec::new();
    let p = h.ptr();
    // SAFETY (this block): `p` is a created, not yet activated handle; on
    // such a handle these setters only store the value (and return 0),
    // except the two whose result is checked.
    unsafe {
        pcap_set_snaplen(p, snaplen.min(i32::MAX as u32) as c_int);
        // "any" cannot be promiscuous: libpcap would only warn, and the
        // user did not ask (promiscuous is the default), so do not.
        pcap_set_promisc(p, c_int::from(opts.promisc && name != "any"));
        // Packets are delivered as they arrive, not a ring block at a time:
        // live lines appear at once and nothing waits in a half-filled block
        // when the capture stops.
        pcap_set_immediate_mode(p, 1);
        pcap_set_timeout(p, POLL_MS as c_int);
        // Nanoseconds where offered (Linux does); the precision obtained is
        // read back after activation, so a refusal here is no error.
        pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
        if let Some(b) = opts.buffer_size {
            pcap_set_buffer_size(p, b.min(i32::MAX as u32) as c_int);
        }
        if opts.monitor {
            let s = pcap_set_rfmon(p, 1);
            if s != 0 {
                return Err(LiveError::MonitorMode { name: name.into(), message: status_text(s) });
            }
        }
        if let Some(t) = opts.tstamp_type {
            // tcpdump: an error (< 0) ends the run, a warning (> 0, the type
            // is not among the device's) is printed and libpcap keeps its
            // default, host time stamps.
            let s = pcap_set_tstamp_type(p, t as c_int);
            if s < 0 {
                return Err(LiveError::TstampType { name: name.into(), kind: t.name(), message: status_text(s) });
            }
            if s > 0 {
                let (kind, why) = (t.name(), status_text(s));
                warnings.push(format!(
                    "When trying to set timestamp type '{kind}' on {name}: {why} (using host time stamps; see -J)"
                ));
            }
        }
    }
    // SAFETY: as above; pcap_activate may be called once on a created handle.
    let status = unsafe { pcap_activate(p) };
    if status < 0 {
        // pcap_activate fills the message with pcap_statustostr's when the
        // platform code left none.
        let message = h.error();
        let m = message.to_ascii_lowercase();
        return Err(match status {
            PCAP_ERROR_PERM_DENIED | PCAP_ERROR_PROMISC_PERM_DENIED => {
                LiveError::Permission { name: name.into(), message, exe: exe_path() }
            }
            PCAP_ERROR_NO_SUCH_DEVICE => LiveError::NoSuchInterface { name: name.into(), available: interface_names() },
            PCAP_ERROR_RFMON_NOTSUP => LiveError::MonitorMode { name: name.into(), message },
            // Some paths report EPERM as a generic PCAP_ERROR.
            _ if m.contains("permission") || m.contains("not permitted") || m.contains("cap_net_raw") => {
                LiveError::Permission { name: name.into(), message, exe: exe_path() }
            }
            _ => LiveError::Open { name: name.into(), message },
        });
    }
    if status > 0 {
        let detail = h.error();
        let mut w = match status {
            PCAP_WARNING => detail,
            _ if detail.is_empty() || detail == status_text(status) => format!("{name}: {}", status_text(status)),
            _ => format!("{name}: {} ({detail})", status_text(status)),
        };
        if status == PCAP_WARNING_TSTAMP_TYPE_NOTSUP {
            // pcap-linux.c falls back to the host's when the adapter refuses.
            w.push_str(" (using host time stamps)");
        }
        warnings.push(w);
    }
    Ok((h.into_capture(), warnings))
}

/// The time stamp types `name` offers, as `pcap_list_tstamp_types` lists
/// them on a created handle (no privileges needed). libpcap lists `host`
/// alone for a device that cannot choose.
pub(super) fn tstamp_types(name: &str) -> Result<Vec<TstampTypeInfo>, LiveError> {
    let h = Handle::create(name)?;
    let mut list: *mut c_int = std::ptr::null_mut();
    // SAFETY: a valid created handle; libpcap allocates the list.
    let n = unsafe { pcap_list_tstamp_types(h.ptr(), &mut list) };
    if n < 0 || list.is_null() {
        return Err(LiveError::Open { name: name.into(), message: h.error() });
    }
    // SAFETY: libpcap returned `n` values at `list`; they are copied before
    // the list is freed, with the function libpcap says to free it with.
    let types = unsafe {
        let v = std::slice::from_raw_parts(list, n as usize)
            .iter()
            .map(|&t| TstampTypeInfo {
                value: t,
                name: text(pcap_tstamp_type_val_to_name(t)),
                description: text(pcap_tstamp_type_val_to_description(t)),
            })
            .collect();
        pcap_free_tstamp_types(list);
        v
    };
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" {
        fn pcap_tstamp_type_name_to_val(name: *const c_char) -> c_int;
    }

    #[test]
    fn names_and_values_are_libpcaps() {
        use TstampType::*;
        for t in [Host, HostLowPrec, HostHiPrec, Adapter, AdapterUnsynced, HostHiPrecUnsynced] {
            let c = CString::new(t.name()).unwrap();
            // SAFETY: a NUL-terminated string.
            assert_eq!(unsafe { pcap_tstamp_type_name_to_val(c.as_ptr()) }, t as c_int, "{}", t.name());
            // SAFETY: any value is accepted.
            assert_eq!(text(unsafe { pcap_tstamp_type_val_to_name(t as c_int) }).as_deref(), Some(t.name()));
        }
    }

    #[test]
    fn statuses_read_as_libpcap_words_them() {
        assert_eq!(status_text(PCAP_ERROR_RFMON_NOTSUP), "That device doesn't support monitor mode");
        assert_eq!(
            status_text(PCAP_WARNING_TSTAMP_TYPE_NOTSUP),
            "That type of time stamp is not supported by that device"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn loopback_offers_host_time_stamps() {
        // Creating a handle needs no privileges; "lo" exists on Linux.
        let types = tstamp_types("lo").expect("list");
        assert!(types.iter().any(|t| t.value == 0 && t.name.as_deref() == Some("host")), "{types:?}");
    }
}
