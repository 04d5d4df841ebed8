//! A capture read through a memory mapping (`FileReader::open_mapped`, what
//! the threaded `flows` reader uses) yields exactly what the streamed read
//! yields: every frame's number, time, link, interface, lengths, bytes and
//! offset, the same statistics and warnings, and the same fault at the same
//! packet and byte, on every corpus capture and sample (pcap in both byte
//! orders, nanosecond and modified, pcapng, gzip, damaged files).

use std::path::{Path, PathBuf};

mod common;

use wirelens::capture::{FileReader, PacketSource};

/// Every file of the samples and the corpus.
fn captures() -> Vec<PathBuf> {
    common::captures(Path::is_file)
}

/// Everything a reader says of a file, as text.
fn read_all(r: Result<FileReader, wirelens::capture::CaptureError>) -> (Vec<String>, String) {
    let mut r = match r {
        Ok(r) => r,
        Err(e) => return (Vec::new(), format!("open: {e}")),
    };
    let mut frames = Vec::new();
    let end = loop {
        match r.next_frame() {
            Ok(Some(f)) => frames.push(format!(
                "{} {}.{:09} {} {} {} {} {:?}",
                f.number, f.ts.secs, f.ts.nanos, f.link.0, f.interface, f.orig_len, f.offset, f.data
            )),
            Ok(None) => break "end".to_string(),
            Err(e) => break format!("fault: {e}"),
        }
    };
    let s = r.stats();
    let tail = format!(
        "{end}; frames {} bytes {} sections {} skipped {} warnings {:?} interfaces {:?} format {:?}",
        s.frames,
        s.bytes_read,
        s.sections,
        s.skipped_blocks,
        s.warnings,
        r.interfaces(),
        r.format()
    );
    (frames, tail)
}

#[test]
fn a_mapped_file_reads_as_the_stream_does() {
    let files = captures();
    assert!(files.len() > 7, "the samples at least: {files:?}");
    let mut mapped = 0;
    for f in &files {
        let path = f.to_str().expect("utf-8 path");
        let streamed = read_all(FileReader::open(path));
        let m = FileReader::open_mapped(path);
        if m.as_ref().is_ok_and(|r| r.mapping().is_some()) {
            mapped += 1;
        }
        let via_map = read_all(m);
        assert_eq!(streamed.0.len(), via_map.0.len(), "{path}: frame count");
        for (a, b) in streamed.0.iter().zip(&via_map.0) {
            assert_eq!(a, b, "{path}");
        }
        assert_eq!(streamed.1, via_map.1, "{path}");
    }
    assert!(mapped > 7, "most files are mapped ({mapped} of {})", files.len());
}

#[test]
fn gzip_and_empty_files_are_streamed() {
    let dir = std::env::temp_dir().join(format!("wirelens-mapped-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let e = FileReader::open_mapped(empty.to_str().unwrap()).expect_err("an empty file is no capture");
    assert!(e.to_string().contains("empty"), "{e}");
    for f in captures() {
        if f.to_string_lossy().ends_with(".gz") {
            let r = FileReader::open_mapped(f.to_str().unwrap()).expect("a gzip capture opens");
            assert!(r.mapping().is_none(), "{}: gzip is decompressed as a stream", f.display());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
