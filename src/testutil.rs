//! What the unit tests share (compiled for tests only): a frame made of
//! bytes, and where the corpus is. Tests use it by its place next to the project (`../shared/corpus`),
//! never a copy and never an absolute path, so that they find it wherever
//! the project is checked out (CI's worktree included).

use std::path::{Path, PathBuf};

use crate::capture::{Frame, LinkType, Timestamp};

/// Frame `number` of link type `link` at `ts`, captured whole (its wire
/// length is its bytes'), from interface 0.
pub fn frame(number: u64, ts: Timestamp, link: LinkType, data: &[u8]) -> Frame<'_> {
    Frame { number, ts, link, interface: 0, orig_len: data.len() as u32, data, offset: 0 }
}

/// The directory of the corpus captures.
pub fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/captures")
}

/// The corpus capture `name`.
pub fn capture(name: &str) -> PathBuf {
    captures_dir().join(name)
}

/// Every corpus capture, sorted by name; `None`, said on stderr, when the
/// corpus is not there (the test then checks nothing, and says so).
pub fn captures() -> Option<Vec<PathBuf>> {
    let dir = captures_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("*** SKIPPED: no corpus at {} ***", dir.display());
        return None;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    Some(paths)
}
