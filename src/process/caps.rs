//! Capabilities (capabilities(7)): giving every one up once the capture is
//! open, and checking that they are gone. Linux only; elsewhere there is
//! nothing to give up beyond the user, and these functions do nothing.
//!
//! A binary given capabilities with `setcap cap_net_raw,cap_net_admin=eip`
//! runs with them in its permitted and effective sets, whoever starts it.
//! tcpdump (built with libcap-ng, as Debian's is) clears them once the device
//! is open: `capng_clear(CAPNG_SELECT_BOTH)` then `capng_apply` in tcpdump.c,
//! so the code that decodes untrusted packets runs with none. wirelens makes
//! the system calls libcap-ng makes for that:
//! - the bounding set, `prctl(PR_CAPBSET_DROP)` for each capability, when
//!   the process may: that needs CAP_SETPCAP, which root has and a setcap'd
//!   binary normally has not (libcap-ng skips the step then too);
//! - the ambient set, `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)`;
//! - effective, permitted and inheritable, `capset(2)` with all three empty
//!   (lowering needs no privilege);
//! - `PR_SET_NO_NEW_PRIVS`: no later execve(2) can gain privileges (setuid
//!   binaries, file capabilities), which also makes a bounding set that could
//!   not be dropped harmless.
//!
//! Then `capget(2)` and `PR_CAP_AMBIENT_IS_SET` must show every set empty.
//!
//! capset(2) and these prctl(2) calls act on the calling thread only, so
//! they must run while the process has one thread: threads started later
//! copy the empty sets. [`check_single_thread`] refuses otherwise.

use std::fmt;
use std::io;

/// Capability sets as 64-bit masks (bit n is capability n), in the order and
/// notation of `/proc/PID/status` (`CapInh`, `CapPrm`, `CapEff`, `CapAmb`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapSets {
    pub inheritable: u64,
    pub permitted: u64,
    pub effective: u64,
    pub ambient: u64,
}

impl CapSets {
    pub fn is_empty(&self) -> bool {
        *self == CapSets::default()
    }
}

impl fmt::Display for CapSets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CapInh {:016x}, CapPrm {:016x}, CapEff {:016x}, CapAmb {:016x}",
            self.inheritable, self.permitted, self.effective, self.ambient
        )
    }
}

/// What went wrong while giving capabilities up.
#[derive(Debug, thiserror::Error)]
pub enum CapsError {
    #[error("{step}: {error}")]
    Call { step: &'static str, error: io::Error },
    #[error("capabilities are still held afterwards ({0})")]
    Remain(CapSets),
    #[error(
        "the process has {0} threads, and capabilities belong to each thread: they must be given up while it has one"
    )]
    Threads(usize),
}

#[cfg(target_os = "linux")]
fn last_os(step: &'static str) -> CapsError {
    CapsError::Call { step, error: io::Error::last_os_error() }
}

#[cfg(target_os = "linux")]
mod sys {
    use std::ffi::{c_int, c_ulong};

    /// `_LINUX_CAPABILITY_VERSION_3` (linux/capability.h): 64-bit sets, as
    /// two 32-bit words each.
    const VERSION_3: u32 = 0x2008_0522;
    /// CAP_SETPCAP (linux/capability.h): needed to drop from the bounding set.
    pub const CAP_SETPCAP: u32 = 8;

    #[repr(C)]
    struct Header {
        version: u32,
        /// 0: the calling thread.
        pid: c_int,
    }

    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }

    /// (effective, permitted, inheritable) of the calling thread.
    pub fn capget() -> Option<(u64, u64, u64)> {
        let mut h = Header { version: VERSION_3, pid: 0 };
        let mut d = [Data::default(); 2];
        // SAFETY: capget(2) with a version-3 header reads two Data structs,
        // which `d` holds; both pointers are valid for the call.
        let r = unsafe { libc::syscall(libc::SYS_capget, &mut h as *mut Header, d.as_mut_ptr()) };
        let wide = |lo: u32, hi: u32| u64::from(lo) | u64::from(hi) << 32;
        (r == 0).then(|| {
            (
                wide(d[0].effective, d[1].effective),
                wide(d[0].permitted, d[1].permitted),
                wide(d[0].inheritable, d[1].inheritable),
            )
        })
    }

    /// Empties the calling thread's effective, permitted and inheritable sets.
    pub fn capset_empty() -> bool {
        let mut h = Header { version: VERSION_3, pid: 0 };
        let d = [Data::default(); 2];
        // SAFETY: capset(2) with a version-3 header reads two Data structs
        // from `d`; both pointers are valid for the call.
        unsafe { libc::syscall(libc::SYS_capset, &mut h as *mut Header, d.as_ptr()) == 0 }
    }

    pub fn prctl(option: c_int, a: c_ulong, b: c_ulong) -> c_int {
        // SAFETY: the prctl options used here take integer arguments only.
        unsafe { libc::prctl(option, a, b, 0 as c_ulong, 0 as c_ulong) }
    }

    /// The highest capability number the kernel knows: PR_CAPBSET_READ
    /// fails with EINVAL past it (prctl(2)), which needs no /proc.
    pub fn last_cap() -> u32 {
        (0..64u32).take_while(|&c| prctl(libc::PR_CAPBSET_READ, c_ulong::from(c), 0) >= 0).last().unwrap_or(0)
    }

    /// The ambient set; empty on kernels without one (before 4.3, EINVAL).
    pub fn ambient() -> u64 {
        (0..=last_cap())
            .filter(|&c| prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_IS_SET as c_ulong, c_ulong::from(c)) == 1)
            .fold(0, |m, c| m | 1 << c)
    }
}

/// The calling thread's capability sets.
#[cfg(target_os = "linux")]
pub fn current() -> io::Result<CapSets> {
    let (effective, permitted, inheritable) = sys::capget().ok_or_else(io::Error::last_os_error)?;
    Ok(CapSets { inheritable, permitted, effective, ambient: sys::ambient() })
}

#[cfg(not(target_os = "linux"))]
pub fn current() -> io::Result<CapSets> {
    Ok(CapSets::default())
}

/// Fails when the process has more than one thread (see the module notes).
/// Without /proc the count is unknown and this passes.
pub fn check_single_thread() -> Result<(), CapsError> {
    match std::fs::read_dir("/proc/self/task") {
        Ok(tasks) => match tasks.count() {
            0 | 1 => Ok(()),
            n => Err(CapsError::Threads(n)),
        },
        Err(_) => Ok(()),
    }
}

/// First half, while the process may still hold CAP_SETPCAP (before a
/// change of user, which empties the permitted set): the bounding set when
/// permitted, the ambient set, and keep-caps off so that a setuid(2) away
/// from root clears the permitted set as it should (prctl(2), PR_SET_KEEPCAPS).
#[cfg(target_os = "linux")]
pub fn drop_bounding_and_ambient() -> Result<(), CapsError> {
    use std::ffi::c_ulong;
    check_single_thread()?;
    let (effective, _, _) = sys::capget().ok_or_else(|| last_os("capget"))?;
    if effective & 1 << sys::CAP_SETPCAP != 0 {
        for c in 0..=sys::last_cap() {
            if sys::prctl(libc::PR_CAPBSET_READ, c_ulong::from(c), 0) == 1
                && sys::prctl(libc::PR_CAPBSET_DROP, c_ulong::from(c), 0) != 0
            {
                return Err(last_os("PR_CAPBSET_DROP"));
            }
        }
    }
    if sys::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL as c_ulong, 0) != 0
        && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL)
    {
        return Err(last_os("PR_CAP_AMBIENT_CLEAR_ALL"));
    }
    if sys::prctl(libc::PR_SET_KEEPCAPS, 0, 0) != 0 {
        return Err(last_os("PR_SET_KEEPCAPS"));
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn drop_bounding_and_ambient() -> Result<(), CapsError> {
    Ok(())
}

/// Second half: empties the effective, permitted and inheritable sets (a
/// setuid(2) away from root empties the first two but keeps the inheritable
/// set), sets no-new-privs, and checks with capget(2) that nothing is left.
#[cfg(target_os = "linux")]
pub fn clear_and_verify() -> Result<(), CapsError> {
    if !sys::capset_empty() {
        return Err(last_os("capset"));
    }
    if sys::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0) != 0 {
        return Err(last_os("PR_SET_NO_NEW_PRIVS"));
    }
    let left = current().map_err(|error| CapsError::Call { step: "capget", error })?;
    if left.is_empty() { Ok(()) } else { Err(CapsError::Remain(left)) }
}

#[cfg(not(target_os = "linux"))]
pub fn clear_and_verify() -> Result<(), CapsError> {
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A mask line of /proc/thread-self/status.
    fn proc_mask(key: &str) -> u64 {
        let status = std::fs::read_to_string("/proc/thread-self/status").expect("/proc/thread-self/status");
        let line = status.lines().find(|l| l.starts_with(key)).expect(key);
        u64::from_str_radix(line[key.len()..].trim(), 16).expect("hex mask")
    }

    #[test]
    fn capget_reads_what_proc_shows() {
        let c = current().expect("capget");
        assert_eq!(c.effective, proc_mask("CapEff:"));
        assert_eq!(c.permitted, proc_mask("CapPrm:"));
        assert_eq!(c.inheritable, proc_mask("CapInh:"));
        assert_eq!(c.ambient, proc_mask("CapAmb:"));
    }

    #[test]
    fn the_kernel_knows_at_least_the_classic_capabilities() {
        // CAP_AUDIT_READ (37) exists since Linux 3.16.
        assert!(sys::last_cap() >= 37);
    }

    #[test]
    fn sets_print_as_proc_does() {
        let c = CapSets { inheritable: 0, permitted: 0x3000, effective: 0x3000, ambient: 0 };
        assert_eq!(
            c.to_string(),
            "CapInh 0000000000000000, CapPrm 0000000000003000, CapEff 0000000000003000, CapAmb 0000000000000000"
        );
        assert!(!c.is_empty() && CapSets::default().is_empty());
    }

    #[test]
    fn a_second_thread_is_refused() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv());
        let r = check_single_thread();
        drop(tx);
        let _ = t.join();
        assert!(matches!(r, Err(CapsError::Threads(n)) if n >= 2), "{r:?}");
    }
}
