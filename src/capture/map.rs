//! A capture file mapped into memory, read-only, for readers that hand its
//! frames to other threads without copying them.
//!
//! Reading a file with `read(2)` copies every byte twice: the kernel copies
//! it from the page cache into the read buffer, and a reader thread that
//! deals frames to analysis threads copies each frame again into their
//! batches. A mapping shares the page cache's pages: frames are sliced where
//! they lie, and a batch carries their places instead of their bytes.
//!
//! Mapped pages count in the process's resident set while they are mapped,
//! so a whole file read through a mapping would show its size as peak
//! memory. The reader gives pages back behind it with [`Map::release`]
//! (`madvise(MADV_DONTNEED)`: for a private read-only file mapping this
//! only drops the page-table entries, the page cache keeps the data and a
//! later access faults it back in), so the mapped pages in memory stay
//! those between the slowest consumer and the reader.
//!
//! Must not know records or formats: it maps bytes. Only regular files are
//! mapped; pipes, stdin and gzip streams are read as before. A file that
//! grows is read up to its size when it was opened. A file cut short by
//! another program while it is mapped (a rotation by truncation, say)
//! raises SIGBUS on the next access to the missing pages, as with any
//! mapping (ripgrep's included): instead of dying of a bus error, the
//! process says which file was cut, and where, and exits with 2 (see
//! [`sigbus`]); the flows of the frames before are not written, as nothing
//! can be finished from inside a signal handler.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

/// A read-only private mapping of a whole file.
#[derive(Debug)]
pub struct Map {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and never written through; `release`
// only drops page-table entries, the bytes seen through the mapping stay
// the file's.
unsafe impl Send for Map {}
unsafe impl Sync for Map {}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(p).ok().filter(|&p| p.is_power_of_two()).unwrap_or(4096)
}

impl Map {
    /// Maps `file` (named `name` in errors) if it is a regular, non-empty
    /// file; `None` otherwise (the caller reads it as a stream).
    pub fn of(file: &File, name: &str) -> io::Result<Option<Map>> {
        let meta = file.metadata()?;
        if !meta.is_file() || meta.len() == 0 {
            return Ok(None);
        }
        let Ok(len) = usize::try_from(meta.len()) else { return Ok(None) };
        // SAFETY: a fresh mapping of `len` bytes of an open file, read-only;
        // the result is checked against MAP_FAILED before use.
        let ptr =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let Some(ptr) = NonNull::new(ptr.cast::<u8>()) else { return Ok(None) };
        // Read-ahead and fault-around sized for a front-to-back pass; advice
        // only, so its failure changes nothing.
        // SAFETY: the range is exactly the mapping made above.
        unsafe { libc::madvise(ptr.as_ptr().cast(), len, libc::MADV_SEQUENTIAL) };
        sigbus::watch(ptr.as_ptr() as usize, len, name);
        Ok(Some(Map { ptr, len }))
    }

    /// The file's bytes.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// Drops the whole pages inside `start..end` from the resident set: no
    /// slice of them may be in use (the caller knows every consumer is past
    /// them). Their bytes stay readable, faulted in again from the page
    /// cache on a later access. Returns where the released pages end (the
    /// `start` of the next call, so that no page is left behind).
    pub fn release(&self, start: usize, end: usize) -> usize {
        let page = page_size();
        let start = start.div_ceil(page) * page;
        let end = end.min(self.len) / page * page;
        if end <= start {
            return start;
        }
        // SAFETY: a page-aligned range inside the mapping; MADV_DONTNEED on
        // a private read-only file mapping keeps its contents (they are the
        // file's).
        unsafe { libc::madvise(self.ptr.as_ptr().add(start).cast(), end - start, libc::MADV_DONTNEED) };
        end
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        sigbus::unwatch(self.ptr.as_ptr() as usize);
        // SAFETY: unmaps exactly the mapping `of` made; no slice of it
        // outlives `self` (they borrow it).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// A clear end instead of a bus error when the mapped file is cut short.
///
/// The handler knows the mapping most recently made (its start, length
/// and a message naming its file, prepared beforehand: a handler may not
/// allocate). A SIGBUS at an address inside it writes the message with the
/// offset and ends the process with exit code 2 (`_exit`: only
/// async-signal-safe calls). Any other SIGBUS goes to the handler that was
/// there before (std's, for stack overflows), or to the default action.
pub(crate) mod sigbus {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

    static START: AtomicUsize = AtomicUsize::new(0);
    static LEN: AtomicUsize = AtomicUsize::new(0);
    static MSG: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
    static MSG_LEN: AtomicUsize = AtomicUsize::new(0);
    /// The action before ours, for the faults that are not ours.
    static BEFORE: OnceLock<Action> = OnceLock::new();

    struct Action(libc::sigaction);
    // SAFETY: a plain C struct of a handler address, flags and a mask.
    unsafe impl Send for Action {}
    unsafe impl Sync for Action {}

    /// Watches the mapping at `start` of `len` bytes of the file `name`.
    pub(super) fn watch(start: usize, len: usize, name: &str) {
        let msg = format!("wirelens: {name}: the file was cut short while it was being read: no byte at offset ");
        // Leaked: the handler may read it at any time. One per mapped file.
        let msg: &'static mut [u8] = Box::leak(msg.into_bytes().into_boxed_slice());
        LEN.store(0, Ordering::SeqCst);
        MSG_LEN.store(msg.len(), Ordering::SeqCst);
        MSG.store(msg.as_mut_ptr(), Ordering::SeqCst);
        START.store(start, Ordering::SeqCst);
        LEN.store(len, Ordering::SeqCst);
        BEFORE.get_or_init(install);
    }

    /// The mapping at `start` is gone: no longer ours to explain.
    pub(super) fn unwatch(start: usize) {
        if START.load(Ordering::SeqCst) == start {
            LEN.store(0, Ordering::SeqCst);
        }
    }

    fn install() -> Action {
        // SAFETY: sigaction with a zeroed struct filled in below; the old
        // action is written into `old`.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = handler as *const () as usize;
            new.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut new.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGBUS, &new, &mut old);
            Action(old)
        }
    }

    extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo for an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        let (start, len) = (START.load(Ordering::SeqCst), LEN.load(Ordering::SeqCst));
        if len > 0 && addr >= start && addr - start < len {
            let (msg, msg_len) = (MSG.load(Ordering::SeqCst), MSG_LEN.load(Ordering::SeqCst));
            let mut digits = [0u8; 20];
            let from = crate::text::digits((addr - start) as u64, &mut digits);
            // SAFETY: write(2) and _exit(2) are async-signal-safe; `msg`
            // points to `msg_len` leaked bytes, `digits[from..]` is in bounds.
            unsafe {
                libc::write(2, msg.cast(), msg_len);
                libc::write(2, digits[from..].as_ptr().cast(), digits.len() - from);
                libc::write(2, b"\n".as_ptr().cast(), 1);
                libc::_exit(2);
            }
        }
        // Not ours: the handler before, or the default action (the fault
        // happens again when this returns).
        match BEFORE.get() {
            Some(Action(old)) if old.sa_sigaction != libc::SIG_DFL && old.sa_sigaction != libc::SIG_IGN => {
                if old.sa_flags & libc::SA_SIGINFO != 0 {
                    // SAFETY: the previous SA_SIGINFO handler, called as the kernel would.
                    let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        unsafe { std::mem::transmute(old.sa_sigaction) };
                    f(sig, info, ctx);
                } else {
                    // SAFETY: the previous plain handler.
                    let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(old.sa_sigaction) };
                    f(sig);
                }
            }
            _ => {
                // SAFETY: signal(2) is async-signal-safe.
                unsafe { libc::signal(libc::SIGBUS, libc::SIG_DFL) };
            }
        }
    }

    #[cfg(test)]
    #[test]
    fn offsets_in_decimal() {
        // The handler's digits: `text::digits`, which allocates nothing.
        let mut out = [0u8; 20];
        let from = crate::text::digits(0, &mut out);
        assert_eq!(&out[from..], b"0");
        let from = crate::text::digits(8192, &mut out);
        assert_eq!(&out[from..], b"8192");
        let from = crate::text::digits(usize::MAX as u64, &mut out);
        assert_eq!(&out[from..], format!("{}", usize::MAX).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_a_file_and_keeps_its_bytes_after_release() {
        let mut f = tempfile();
        let data: Vec<u8> = (0..3 * page_size() + 100).map(|i| (i % 251) as u8).collect();
        f.write_all(&data).unwrap();
        let m = Map::of(&f, "t").unwrap().expect("a regular file maps");
        assert_eq!(m.bytes(), &data[..]);
        m.release(0, m.bytes().len());
        m.release(5, 17);
        m.release(100, 5);
        assert_eq!(m.bytes(), &data[..], "released pages read back the same");
    }

    #[test]
    fn an_empty_file_is_not_mapped() {
        let f = tempfile();
        assert!(Map::of(&f, "t").unwrap().is_none());
    }

    /// A file cut short under its mapping: a clear message and exit code 2,
    /// not a bus error. The fault ends the process, so this runs the test
    /// binary again for `cut_short_child`.
    #[test]
    fn a_file_cut_short_ends_with_a_message() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "capture::map::tests::cut_short_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env("WIRELENS_CUT_SHORT_CHILD", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        let offset = 2 * page_size();
        assert!(
            err.contains(&format!(
                "wirelens: cut.pcap: the file was cut short while it was being read: no byte at offset {offset}\n"
            )),
            "{err}"
        );
    }

    #[test]
    #[ignore = "run by a_file_cut_short_ends_with_a_message: it ends its process"]
    fn cut_short_child() {
        if std::env::var_os("WIRELENS_CUT_SHORT_CHILD").is_none() {
            return;
        }
        let mut f = tempfile();
        f.write_all(&vec![7u8; 3 * page_size()]).unwrap();
        let m = Map::of(&f, "cut.pcap").unwrap().expect("a regular file maps");
        f.set_len(page_size() as u64).unwrap();
        let b = std::hint::black_box(m.bytes()[2 * page_size()]);
        panic!("read {b} past the end of a file cut short");
    }

    fn tempfile() -> File {
        let dir = std::env::temp_dir();
        let name = dir.join(format!("wirelens-map-{}-{:?}", std::process::id(), std::thread::current().id()));
        let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&name).unwrap();
        let _ = std::fs::remove_file(&name);
        f
    }
}
