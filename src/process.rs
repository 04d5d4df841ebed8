//! The running process, for live captures: stop requests (SIGINT, SIGTERM)
//! and giving up privileges (root, capabilities) once the capture is open.
//!
//! Signals only set [`STOP`]; the capture loop checks it (at least every
//! `capture::live::POLL_MS`) and ends normally, so the report, the capture
//! statistics and the `-w` file are all written as on any other end. The
//! handler is installed with `SA_RESETHAND`: a second Ctrl-C gets the default
//! action and ends the process at once, for when the normal end is stuck
//! (e.g. on a blocked output pipe).
//!
//! Privileges, given up right after the capture device and the `-w` file
//! are open, before the first packet is decoded ([`resolve`] decides what to
//! do before anything is opened, [`give_up`] does it):
//! - Started as root, wirelens becomes another user, as tcpdump does: the
//!   `--user` (`-Z`) named, else the one who ran sudo, else `nobody` (Debian's
//!   tcpdump is built `--with-user=tcpdump` and so never keeps root unless
//!   told `-Z root`; wirelens has no user of its own and takes `nobody`,
//!   uid and gid 65534 when the system has no such entry). `--user root`
//!   keeps root, as `tcpdump -Z root` does. The order is supplementary groups,
//!   then the group, then the user: any other order leaves a way back (a
//!   process that dropped its uid can no longer change its groups).
//! - Every capability goes too (`caps.rs`): the ones a setcap'd binary
//!   gets when a normal user runs it, and, after root becomes a user, the
//!   inheritable and bounding sets that setuid(2) leaves alone.
//!
//! A `-w` file is given to the user wirelens becomes when that user was
//! asked for (`--user`) or ran sudo: it is theirs. When root ran wirelens
//! directly, the file stays root's: root asked for it, and a file owned by
//! `nobody` could be changed by any other process running as `nobody`.
//! Either way it is open before the change and stays writable.

mod caps;

pub use caps::{CapSets, CapsError};

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

/// Whom to become after the capture is open, as the command line and the
/// environment say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAs {
    /// `--user NAME` (a name or a numeric uid).
    User(String),
    /// The user who ran sudo (`SUDO_UID`, `SUDO_GID`).
    Sudo { uid: u32, gid: u32 },
    /// Neither: root becomes `nobody`.
    Nobody,
}

/// A resolved user to switch to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    /// The account name, for its supplementary groups (`initgroups`).
    pub name: Option<String>,
    /// Files written with `-w` are given to this user (see the module notes).
    pub owns_files: bool,
}

/// What [`give_up`] will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Privileges {
    /// Root becomes this user, with no capabilities.
    Become(Identity),
    /// Root was told to stay root (`--user root`): nothing changes.
    KeepRoot,
    /// Not root: the user stays, every capability goes (there are some
    /// when the binary was given them with setcap).
    DropCapabilities,
}

impl Privileges {
    /// The owner to give a `-w` file, if not the one running.
    pub fn file_owner(&self) -> Option<(u32, u32)> {
        match self {
            Privileges::Become(id) if id.owns_files => Some((id.uid, id.gid)),
            _ => None,
        }
    }
}

/// uid and gid of `nobody` where the password file has no entry: 65534, as
/// on Debian and most Linux systems (the kernel's overflow uid).
pub const NOBODY_ID: u32 = 65534;

#[derive(Debug, thiserror::Error)]
pub enum PrivError {
    #[error("--user {0}: there is no such user")]
    NoSuchUser(String),
    #[error("--user needs root: this process runs as uid {0} and cannot become another user")]
    NotRoot(u32),
    #[error("cannot give up root privileges ({step}): {error}")]
    Failed { step: &'static str, error: io::Error },
    #[error("cannot give up capabilities: {0}")]
    Capabilities(#[from] CapsError),
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

type Lookup = fn(Option<&str>, Option<u32>) -> Option<(u32, u32, String)>;

/// Decides what giving up privileges will mean; called before the capture
/// opens, so that a bad `--user` fails before anything else.
pub fn resolve(run_as: &RunAs) -> Result<Privileges, PrivError> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    plan(run_as, unsafe { libc::geteuid() }, lookup)
}

fn plan(run_as: &RunAs, euid: u32, lookup: Lookup) -> Result<Privileges, PrivError> {
    let become_ = |uid: u32, gid: u32, name: Option<String>, owns_files: bool| {
        if uid == 0 { Privileges::KeepRoot } else { Privileges::Become(Identity { uid, gid, name, owns_files }) }
    };
    let nobody = || {
        let (uid, gid, name) = match lookup(Some("nobody"), None) {
            Some((u, g, n)) => (u, g, Some(n)),
            None => (NOBODY_ID, NOBODY_ID, None),
        };
        become_(uid, gid, name, false)
    };
    match run_as {
        RunAs::User(_) if euid != 0 => Err(PrivError::NotRoot(euid)),
        // A setcap'd binary run by a user (through `sudo -u` or not).
        _ if euid != 0 => Ok(Privileges::DropCapabilities),
        RunAs::User(u) => {
            let found = lookup(Some(u), None).or_else(|| u.parse::<u32>().ok().and_then(|n| lookup(None, Some(n))));
            let (uid, gid, name) = found.ok_or_else(|| PrivError::NoSuchUser(u.clone()))?;
            Ok(become_(uid, gid, Some(name), true))
        }
        // sudo run by root is root running it: as without sudo.
        RunAs::Sudo { uid: 0, .. } | RunAs::Nobody => Ok(nobody()),
        RunAs::Sudo { uid, gid } => Ok(become_(*uid, *gid, lookup(None, Some(*uid)).map(|(_, _, n)| n), true)),
    }
}

/// Gives up what `p` says, for good, and checks that it is gone.
pub fn give_up(p: &Privileges) -> Result<(), PrivError> {
    match p {
        Privileges::KeepRoot => Ok(()),
        Privileges::DropCapabilities => {
            caps::drop_bounding_and_ambient()?;
            caps::clear_and_verify()?;
            Ok(())
        }
        Privileges::Become(id) => {
            // While still root: the bounding set needs CAP_SETPCAP.
            caps::drop_bounding_and_ambient()?;
            become_user(id)?;
            caps::clear_and_verify()?;
            Ok(())
        }
    }
}

/// Groups, gid, uid; then checks that root cannot be regained.
fn become_user(id: &Identity) -> Result<(), PrivError> {
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
        if libc::setuid(0) == 0 {
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

    /// A password file with root, nobody (gid 65534) and alice.
    fn users(name: Option<&str>, uid: Option<u32>) -> Option<(u32, u32, String)> {
        [(0, 0, "root"), (65534, 65534, "nobody"), (1000, 1000, "alice")]
            .into_iter()
            .find(|(u, _, n)| name.map_or(uid == Some(*u), |name| name == *n))
            .map(|(u, g, n)| (u, g, n.to_string()))
    }

    fn no_users(_: Option<&str>, _: Option<u32>) -> Option<(u32, u32, String)> {
        None
    }

    fn id(uid: u32, name: Option<&str>, owns_files: bool) -> Privileges {
        Privileges::Become(Identity { uid, gid: uid, name: name.map(String::from), owns_files })
    }

    #[test]
    fn root_alone_becomes_nobody_and_keeps_its_files() {
        let p = plan(&RunAs::Nobody, 0, users).unwrap();
        assert_eq!(p, id(65534, Some("nobody"), false));
        assert_eq!(p.file_owner(), None);
        // Without a password entry: the numbers.
        assert_eq!(plan(&RunAs::Nobody, 0, no_users).unwrap(), id(NOBODY_ID, None, false));
    }

    #[test]
    fn sudo_by_root_is_root_alone() {
        assert_eq!(plan(&RunAs::Sudo { uid: 0, gid: 0 }, 0, users).unwrap(), id(65534, Some("nobody"), false));
    }

    #[test]
    fn the_sudo_user_and_the_named_user_get_the_files() {
        let p = plan(&RunAs::Sudo { uid: 1000, gid: 1000 }, 0, users).unwrap();
        assert_eq!(p, id(1000, Some("alice"), true));
        assert_eq!(p.file_owner(), Some((1000, 1000)));
        assert_eq!(plan(&RunAs::User("alice".into()), 0, users).unwrap(), id(1000, Some("alice"), true));
        assert_eq!(plan(&RunAs::User("1000".into()), 0, users).unwrap(), id(1000, Some("alice"), true));
        assert!(matches!(plan(&RunAs::User("bob".into()), 0, users), Err(PrivError::NoSuchUser(u)) if u == "bob"));
    }

    #[test]
    fn user_root_keeps_root() {
        assert_eq!(plan(&RunAs::User("root".into()), 0, users).unwrap(), Privileges::KeepRoot);
        assert_eq!(plan(&RunAs::User("0".into()), 0, users).unwrap(), Privileges::KeepRoot);
        assert_eq!(Privileges::KeepRoot.file_owner(), None);
    }

    #[test]
    fn a_user_keeps_the_user_and_loses_the_capabilities() {
        for r in [RunAs::Nobody, RunAs::Sudo { uid: 1000, gid: 1000 }, RunAs::Sudo { uid: 0, gid: 0 }] {
            assert_eq!(plan(&r, 1000, users).unwrap(), Privileges::DropCapabilities, "{r:?}");
        }
        assert!(matches!(plan(&RunAs::User("alice".into()), 1000, users), Err(PrivError::NotRoot(1000))));
    }
}
