//! What several integration tests share: the captures they run over.

use std::path::{Path, PathBuf};

/// The files of `samples/` and of the shared corpus that `keep` accepts,
/// sorted; a directory that is not there is skipped, and said so.
pub fn captures(keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<PathBuf> = Vec::new();
    for dir in [root.join("samples"), root.join("../shared/corpus/captures")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("*** SKIPPED {}: not there ***", dir.display());
            continue;
        };
        v.extend(entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| keep(p)));
    }
    v.sort();
    v
}
