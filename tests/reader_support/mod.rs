//! What the capture-layer tests share: the corpus's place, a frame as an
//! owned record, and a reader drained with the invariants every frame must
//! satisfy. Each test crate that includes it uses a part of it.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use wirelens::capture::{CaptureError, FileReader, LinkType, PacketSource};

pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

pub fn capture_path(name: &str) -> String {
    format!("{CORPUS}/captures/{name}")
}

pub fn corpus_bytes(name: &str) -> Vec<u8> {
    std::fs::read(capture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What one frame looked like, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub number: u64,
    pub secs: i64,
    pub nanos: u32,
    pub link: LinkType,
    pub interface: u32,
    pub orig_len: u32,
    pub caplen: usize,
    pub offset: u64,
    pub first_bytes: Vec<u8>,
}

/// Reads to the end or the first error; checks the invariants every frame must satisfy.
pub fn drain(r: &mut FileReader) -> (Vec<Rec>, Option<CaptureError>) {
    let mut out = Vec::new();
    let err = loop {
        match r.next_frame() {
            Ok(Some(f)) => {
                assert_eq!(f.number, out.len() as u64 + 1);
                assert!(f.ts.nanos < 1_000_000_000);
                assert!(f.data.len() <= 262_144);
                out.push(Rec {
                    number: f.number,
                    secs: f.ts.secs,
                    nanos: f.ts.nanos,
                    link: f.link,
                    interface: f.interface,
                    orig_len: f.orig_len,
                    caplen: f.data.len(),
                    offset: f.offset,
                    first_bytes: f.data[..f.data.len().min(8)].to_vec(),
                });
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    // Finished readers stay finished.
    assert!(matches!(r.next_frame(), Ok(None)));
    assert_eq!(r.stats().frames, out.len() as u64);
    for rec in &out {
        let iface = &r.interfaces()[rec.interface as usize];
        assert_eq!(iface.link, rec.link);
    }
    (out, err)
}

pub fn read_bytes(bytes: Vec<u8>) -> Result<(FileReader, Vec<Rec>, Option<CaptureError>), CaptureError> {
    let mut r = FileReader::from_reader("test", Box::new(Cursor::new(bytes)))?;
    let (recs, err) = drain(&mut r);
    Ok((r, recs, err))
}

pub fn read_ok(bytes: Vec<u8>) -> (FileReader, Vec<Rec>) {
    let (r, recs, err) = read_bytes(bytes).expect("open");
    if let Some(e) = err {
        panic!("unexpected error: {e}");
    }
    (r, recs)
}

pub fn gzip(parts: &[&[u8]]) -> Vec<u8> {
    // One gzip member per part, concatenated (as `cat a.gz b.gz` makes).
    let mut out = Vec::new();
    for p in parts {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(p).unwrap();
        out.extend(enc.finish().unwrap());
    }
    out
}

// Builders of hand-made files.

pub fn pcap_header(be: bool, magic: u32, version: (u16, u16), snaplen: u32, linktype: u32) -> Vec<u8> {
    let mut v = Vec::new();
    let w16 = |v: &mut Vec<u8>, x: u16| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
    let w32 = |v: &mut Vec<u8>, x: u32| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
    w32(&mut v, magic);
    w16(&mut v, version.0);
    w16(&mut v, version.1);
    w32(&mut v, 0);
    w32(&mut v, 0);
    w32(&mut v, snaplen);
    w32(&mut v, linktype);
    v
}

pub fn pcap_record(be: bool, sec: u32, frac: u32, caplen: u32, orig: u32, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [sec, frac, caplen, orig] {
        v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
    }
    v.extend_from_slice(data);
    v
}

pub fn e16(be: bool, x: u16) -> [u8; 2] {
    if be { x.to_be_bytes() } else { x.to_le_bytes() }
}

pub fn e32(be: bool, x: u32) -> [u8; 4] {
    if be { x.to_be_bytes() } else { x.to_le_bytes() }
}

/// A block: type, total length, body padded to 32 bits, total length.
pub fn block(be: bool, btype: u32, body: &[u8]) -> Vec<u8> {
    let padded = (body.len() + 3) & !3;
    let total = (12 + padded) as u32;
    let mut v = Vec::new();
    v.extend(e32(be, btype));
    v.extend(e32(be, total));
    v.extend_from_slice(body);
    v.resize(8 + padded, 0);
    v.extend(e32(be, total));
    v
}

pub fn opt(be: bool, code: u16, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(e16(be, code));
    v.extend(e16(be, value.len() as u16));
    v.extend_from_slice(value);
    v.resize((v.len() + 3) & !3, 0);
    v
}

pub fn shb(be: bool, major: u16, minor: u16) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(e32(be, 0x1A2B_3C4D));
    body.extend(e16(be, major));
    body.extend(e16(be, minor));
    body.extend([0xff; 8]); // section length unknown
    body.extend(opt(be, 4, b"wirelens test")); // shb_userappl
    body.extend(opt(be, 0, b""));
    block(be, 0x0A0D_0D0A, &body)
}

pub fn idb(be: bool, link: u16, snaplen: u32, opts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(e16(be, link));
    body.extend(e16(be, 0));
    body.extend(e32(be, snaplen));
    for o in opts {
        body.extend_from_slice(o);
    }
    if !opts.is_empty() {
        body.extend(opt(be, 0, b""));
    }
    block(be, 1, &body)
}

pub fn epb(be: bool, if_id: u32, ts: u64, orig: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(e32(be, if_id));
    body.extend(e32(be, (ts >> 32) as u32));
    body.extend(e32(be, ts as u32));
    body.extend(e32(be, data.len() as u32));
    body.extend(e32(be, orig));
    body.extend_from_slice(data);
    body.resize((body.len() + 3) & !3, 0);
    body.extend(opt(be, 1, b"a comment")); // options are skipped, not parsed
    body.extend(opt(be, 0, b""));
    block(be, 6, &body)
}

pub fn pb(be: bool, if_id: u16, ts: u64, orig: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(e16(be, if_id));
    body.extend(e16(be, 0)); // drops count
    body.extend(e32(be, (ts >> 32) as u32));
    body.extend(e32(be, ts as u32));
    body.extend(e32(be, data.len() as u32));
    body.extend(e32(be, orig));
    body.extend_from_slice(data);
    block(be, 2, &body)
}

pub fn spb(be: bool, orig: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(e32(be, orig));
    body.extend_from_slice(data);
    block(be, 3, &body)
}

pub fn ng_prefix(be: bool) -> Vec<u8> {
    let mut f = shb(be, 1, 0);
    f.extend(idb(be, 1, 0, &[]));
    f
}
