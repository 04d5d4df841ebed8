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
//! mapped; pipes, stdin and gzip streams are read as before. As with any
//! mapping (ripgrep's included), a file truncated by another program while
//! it is mapped raises SIGBUS on the next access to the missing pages; a
//! file that grows is read up to its size when it was opened.

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
    /// Maps `file` if it is a regular, non-empty file; `None` otherwise
    /// (the caller reads it as a stream).
    pub fn of(file: &File) -> io::Result<Option<Map>> {
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
        // SAFETY: unmaps exactly the mapping `of` made; no slice of it
        // outlives `self` (they borrow it).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
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
        let m = Map::of(&f).unwrap().expect("a regular file maps");
        assert_eq!(m.bytes(), &data[..]);
        m.release(0, m.bytes().len());
        m.release(5, 17);
        m.release(100, 5);
        assert_eq!(m.bytes(), &data[..], "released pages read back the same");
    }

    #[test]
    fn an_empty_file_is_not_mapped() {
        let f = tempfile();
        assert!(Map::of(&f).unwrap().is_none());
    }

    fn tempfile() -> File {
        let dir = std::env::temp_dir();
        let name = dir.join(format!("wirelens-map-{}-{:?}", std::process::id(), std::thread::current().id()));
        let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&name).unwrap();
        let _ = std::fs::remove_file(&name);
        f
    }
}
