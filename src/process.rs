//! The running process, for live captures: stop requests (SIGINT, SIGTERM)
//! and giving up root once the capture is open.
//!
//! Signals only set [`STOP`]; the capture loop checks it (at least every
//! `capture::live::POLL_MS`) and ends normally, so the report, the capture
//! statistics and the `-w` file are all written as on any other end. The
//! handler is installed with `SA_RESETHAND`: a second Ctrl-C gets the default
//! action and ends the process at once, for when the normal end is stuck
//! (e.g. on a blocked output pipe).
//!
//! Privileges: as `tcpdump -Z`, a capture started as root gives root up
//! right after the capture device (and the `-w` file) are open: supplementary
//! groups, then the group, then the user. Doing it in any other order leaves a
//! way back (a process that dropped its uid can no longer change its groups).

use std::ffi::{CStr, CString, c_int};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT and SIGTERM once handlers are installed.
pub static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop_signal(_sig: c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM request a stop instead of killing the process.
pub fn install_stop_handlers() -> io::Result<()> {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is a valid starting point (empty mask,
        // no flags); the handler only stores to an atomic, which is
        // async-signal-safe. No SA_RESTART: a signal should interrupt poll(2).
        let r = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_stop_signal as extern "C" fn(c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut())
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whom to become after the capture is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAs {
    /// `--user NAME` (a name or a numeric uid).
    User(String),
    /// The user who ran sudo (`SUDO_UID`, `SUDO_GID`).
    Sudo { uid: u32, gid: u32 },
}

/// A resolved user to switch to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    /// The account name, for its supplementary groups (`initgroups`).
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrivError {
    #[error("--user {0}: there is no such user")]
    NoSuchUser(String),
    #[error("--user needs root: this process runs as uid {0} and cannot become another user")]
    NotRoot(u32),
    #[error("cannot give up root privileges ({step}): {error}")]
    Failed { step: &'static str, error: io::Error },
}

/// The password entry of a name or uid: (uid, gid, name).
fn lookup(name: Option<&str>, uid: Option<u32>) -> Option<(u32, u32, String)> {
    // SAFETY: passwd is plain data (integers and pointers); all-zero is valid.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let cname = name.map(CString::new).transpose().ok()?;
    // SAFETY: every pointer is valid for the call: `pw` and `result` are
    // written by it, `buf` (with its true length) holds the strings `pw`
    // points into, and `cname` is NUL-terminated.
    let r = unsafe {
        match (&cname, uid) {
            (Some(c), _) => libc::getpwnam_r(c.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut result),
            (None, Some(u)) => libc::getpwuid_r(u, &mut pw, buf.as_mut_ptr(), buf.len(), &mut result),
            (None, None) => return None,
        }
    };
    if r != 0 || result.is_null() || pw.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points to a NUL-terminated string in `buf`,
    // which is still alive.
    let n = unsafe { CStr::from_ptr(pw.pw_name) }.to_string_lossy().into_owned();
    Some((pw.pw_uid, pw.pw_gid, n))
}

/// Resolves whom to become; `None` when there is nothing to do (not root).
pub fn resolve(run_as: &RunAs) -> Result<Option<Identity>, PrivError> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    match run_as {
        RunAs::User(u) => {
            if euid != 0 {
                return Err(PrivError::NotRoot(euid));
            }
            let found = lookup(Some(u), None).or_else(|| u.parse::<u32>().ok().and_then(|n| lookup(None, Some(n))));
            let (uid, gid, name) = found.ok_or_else(|| PrivError::NoSuchUser(u.clone()))?;
            Ok(Some(Identity { uid, gid, name: Some(name) }))
        }
        // sudo run by root, or a setcap binary run through sudo -u: stay.
        RunAs::Sudo { uid, .. } if euid != 0 || *uid == 0 => Ok(None),
        RunAs::Sudo { uid, gid } => {
            Ok(Some(Identity { uid: *uid, gid: *gid, name: lookup(None, Some(*uid)).map(|(_, _, n)| n) }))
        }
    }
}

/// Becomes `id` for good: groups, gid, uid; then checks root cannot be regained.
pub fn drop_to(id: &Identity) -> Result<(), PrivError> {
    let fail = |step| PrivError::Failed { step, error: io::Error::last_os_error() };
    let cname = id.name.as_deref().and_then(|n| CString::new(n).ok());
    // SAFETY: plain system calls on valid arguments (`cname` is
    // NUL-terminated, the group list is one valid gid).
    unsafe {
        let groups_ok = match &cname {
            Some(c) => libc::initgroups(c.as_ptr(), id.gid) == 0,
            None => libc::setgroups(1, &id.gid) == 0,
        };
        if !groups_ok {
            return Err(fail("setgroups"));
        }
        if libc::setgid(id.gid) != 0 {
            return Err(fail("setgid"));
        }
        if libc::setuid(id.uid) != 0 {
            return Err(fail("setuid"));
        }
        if id.uid != 0 && libc::setuid(0) == 0 {
            return Err(PrivError::Failed { step: "check", error: io::Error::other("root could be regained") });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_found_by_name_and_number() {
        assert_eq!(lookup(Some("root"), None).map(|(u, g, _)| (u, g)), Some((0, 0)));
        assert_eq!(lookup(None, Some(0)).map(|(_, _, n)| n).as_deref(), Some("root"));
        assert_eq!(lookup(Some("wirelens-no-such-user"), None), None);
    }

    #[test]
    fn sudo_from_root_changes_nothing() {
        assert_eq!(resolve(&RunAs::Sudo { uid: 0, gid: 0 }).unwrap(), None);
    }
}
