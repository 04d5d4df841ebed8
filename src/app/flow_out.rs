//! Where `flows` puts each flow as it ends, so that memory follows the
//! active flows and not the length of the capture.
//!
//! The default order is by id (the order flows started), but flows end in
//! another order: a transfer that runs all capture long ends last although
//! it started first. [`Reorder`] writes each flow as soon as every flow
//! with a lower id has been written, and holds the ones that ended early:
//! serialized, in memory up to [`MEM_LIMIT`], then in an unlinked temporary
//! file (only an offset and a length per flow stay in memory). The machine
//! formats (JSON, NDJSON, CSV) stream this way; `--top N` of another sort,
//! or of any sort in the table format, keeps only the best N in a heap. The
//! table format without `--top` needs every row to size its columns, so it
//! keeps them all (as does a sort other than start without `--top`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

use crate::config::{FlowSort, Format};
use crate::record::flow::FlowRecord;
use crate::report::{self, Row};

/// Serialized flows held in memory before they go to the temporary file.
pub(super) const MEM_LIMIT: usize = 4 << 20;

enum Held {
    Mem(Vec<u8>),
    Disk { offset: u64, len: usize },
}

/// Rows keyed by a dense sequence (flow ids 1, 2, 3, ...) written in that
/// order whatever order they arrive in.
pub(super) struct Reorder {
    next: u64,
    held: BTreeMap<u64, Held>,
    mem_bytes: usize,
    spill: Option<File>,
    spill_len: u64,
}

impl Reorder {
    pub(super) fn new(first: u64) -> Reorder {
        Reorder { next: first, held: BTreeMap::new(), mem_bytes: 0, spill: None, spill_len: 0 }
    }

    /// Row `seq` is ready: writes it (and whatever it unblocks) through
    /// `write`, or holds a copy of it.
    pub(super) fn push(
        &mut self,
        seq: u64,
        bytes: &[u8],
        write: &mut impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        if seq != self.next {
            return self.hold(seq, bytes);
        }
        write(bytes)?;
        self.next += 1;
        let mut buf = Vec::new();
        while let Some(entry) = self.held.first_entry().filter(|e| *e.key() == self.next) {
            match entry.remove() {
                Held::Mem(b) => {
                    self.mem_bytes -= b.len();
                    write(&b)?;
                }
                Held::Disk { offset, len } => {
                    buf.resize(len, 0);
                    self.spill
                        .as_ref()
                        .ok_or_else(|| io::Error::other("spill file lost"))?
                        .read_exact_at(&mut buf, offset)?;
                    write(&buf)?;
                }
            }
            self.next += 1;
        }
        if self.held.is_empty() && self.spill.is_some() {
            // Everything held has been written: start the file over.
            self.spill_len = 0;
            if let Some(f) = self.spill.as_mut() {
                f.set_len(0)?;
                f.seek(SeekFrom::Start(0))?;
            }
        }
        Ok(())
    }

    fn hold(&mut self, seq: u64, bytes: &[u8]) -> io::Result<()> {
        if self.mem_bytes + bytes.len() <= MEM_LIMIT {
            self.mem_bytes += bytes.len();
            self.held.insert(seq, Held::Mem(bytes.to_vec()));
            return Ok(());
        }
        if self.spill.is_none() {
            self.spill = Some(spill_file()?);
        }
        let f = self.spill.as_mut().ok_or_else(|| io::Error::other("spill file lost"))?;
        f.write_all_at(bytes, self.spill_len)?;
        self.held.insert(seq, Held::Disk { offset: self.spill_len, len: bytes.len() });
        self.spill_len += bytes.len() as u64;
        Ok(())
    }

    /// Rows still held (a gap in the sequence at the end: none in practice,
    /// as every flow ends), in order.
    pub(super) fn drain(&mut self, write: &mut impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        while let Some(&seq) = self.held.keys().next() {
            self.next = seq;
            // Re-push the first held row as the next one.
            let bytes = match self.held.remove(&seq) {
                Some(Held::Mem(b)) => {
                    self.mem_bytes -= b.len();
                    b
                }
                Some(Held::Disk { offset, len }) => {
                    let mut b = vec![0; len];
                    self.spill
                        .as_ref()
                        .ok_or_else(|| io::Error::other("spill file lost"))?
                        .read_exact_at(&mut b, offset)?;
                    b
                }
                None => break,
            };
            self.push(seq, &bytes, write)?;
        }
        Ok(())
    }
}

/// An unnamed file in the temporary directory ($TMPDIR or /tmp): created,
/// then unlinked at once, so it goes away with the process whatever happens.
fn spill_file() -> io::Result<File> {
    let dir = std::env::temp_dir();
    for n in 0..100u32 {
        let path = dir.join(format!(".wirelens-flows-{}-{n}", std::process::id()));
        match File::options().read(true).write(true).create_new(true).open(&path) {
            Ok(f) => {
                std::fs::remove_file(&path)?;
                return Ok(f);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(io::Error::new(e.kind(), format!("cannot hold flows in {}: {e}", dir.display())));
            }
        }
    }
    Err(io::Error::other(format!("cannot create a temporary file in {}", dir.display())))
}

/// A flow ranked for `--sort` other than start: its key, then its id.
pub(super) struct Ranked {
    key: f64,
    rec: FlowRecord,
}

impl Ranked {
    /// Better ranks first: larger key, then the flow that started first.
    /// Ties go by id, not by the order flows ended: that order is not the
    /// same when the analysis runs on several threads.
    fn cmp_rank(&self, other: &Ranked) -> Ordering {
        other.key.total_cmp(&self.key).then(self.rec.id.cmp(&other.rec.id))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    /// The heap's top is the worst rank, to be dropped first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_rank(other)
    }
}

fn sort_key(sort: FlowSort, r: &FlowRecord) -> f64 {
    match sort {
        FlowSort::Start => -(r.id as f64),
        FlowSort::Bytes => (r.orig_frame_bytes + r.resp_frame_bytes) as f64,
        FlowSort::Packets => (r.orig_pkts + r.resp_pkts) as f64,
        FlowSort::Duration => r.duration,
        FlowSort::Retrans => r.retransmissions as f64,
    }
}

/// What `collect_flows` hands each ended flow to.
pub(super) trait FlowOut {
    /// A flow, with its id.
    fn push(&mut self, r: FlowRecord) -> io::Result<()>;

    /// How this output's rows can be rendered before the flows' ids are
    /// known, when it writes rows as they come: the flows open at the end
    /// of a capture (most of them) are rendered while the analysis still
    /// runs, and [`FlowOut::push_ahead`] only puts the id in.
    fn ahead(&self) -> Option<Ahead> {
        None
    }

    /// A row [`Ahead::render`] made, now that its flow's id is known.
    fn push_ahead(&mut self, id: u64, row: &[u8]) -> io::Result<()> {
        let _ = (id, row);
        Err(io::Error::other("this output takes no rows rendered ahead"))
    }
}

/// A closure as an output: each flow to it.
pub(super) struct Each<F>(pub F);

impl<F: FnMut(FlowRecord) -> io::Result<()>> FlowOut for Each<F> {
    fn push(&mut self, r: FlowRecord) -> io::Result<()> {
        (self.0)(r)
    }
}

/// Renders a stream's rows without their ids (a pure function of the
/// record: any thread may call it).
#[derive(Debug, Clone, Copy)]
pub(super) struct Ahead {
    format: Format,
}

impl Ahead {
    /// `r`'s row, with the id 0 where its id goes (see [`id_at`]).
    pub(super) fn render(self, r: &mut FlowRecord, out: &mut Vec<u8>) {
        r.id = 0;
        render_row(self.format, r, out);
    }
}

/// Where the id's digits start in a row: every format puts it first.
fn id_at(format: Format) -> usize {
    match format {
        Format::Csv => 0,
        // `{"id":`
        _ => 6,
    }
}

/// A row of a stream (JSON, NDJSON, CSV), without the separator.
fn render_row(format: Format, r: &FlowRecord, row: &mut Vec<u8>) {
    match format {
        Format::Csv => row.extend_from_slice(&report::csv_line(r.csv_row())),
        _ => report::json::flow(row, r),
    }
}

/// Where ended flows go.
pub(super) enum FlowSink<W: Write> {
    /// Machine formats in start order: written as they are unblocked.
    Stream {
        out: W,
        format: Format,
        reorder: Reorder,
        written: u64,
        limit: Option<usize>,
        started: bool,
        /// The row being written, reused: a row in order goes straight out.
        row: Vec<u8>,
    },
    /// `--top N` of another sort: the best N so far.
    Top { heap: BinaryHeap<Ranked>, n: usize, sort: FlowSort },
    /// Everything, for the table or a full sort.
    All(Vec<FlowRecord>),
    /// A live event stream already wrote every flow.
    Discard,
}

impl<W: Write> FlowOut for FlowSink<W> {
    fn push(&mut self, r: FlowRecord) -> io::Result<()> {
        FlowSink::push(self, r)
    }

    fn ahead(&self) -> Option<Ahead> {
        match self {
            FlowSink::Stream { format, .. } => Some(Ahead { format: *format }),
            _ => None,
        }
    }

    fn push_ahead(&mut self, id: u64, row: &[u8]) -> io::Result<()> {
        FlowSink::push_ahead(self, id, row)
    }
}

impl<W: Write> FlowSink<W> {
    pub(super) fn new(format: Format, sort: FlowSort, top: Option<usize>, out: W) -> io::Result<FlowSink<W>> {
        Ok(if let (Format::Table, Some(n)) = (format, top) {
            FlowSink::Top { heap: BinaryHeap::with_capacity(n + 1), n, sort }
        } else if format == Format::Table {
            FlowSink::All(Vec::new())
        } else if sort == FlowSort::Start {
            FlowSink::Stream {
                out,
                format,
                reorder: Reorder::new(1),
                written: 0,
                limit: top,
                started: false,
                row: Vec::new(),
            }
        } else if let Some(n) = top {
            FlowSink::Top { heap: BinaryHeap::with_capacity(n + 1), n, sort }
        } else {
            FlowSink::All(Vec::new())
        })
    }

    /// The head of the output, once the input has opened and a flow or the
    /// end comes (an input that cannot be opened writes nothing).
    fn start(&mut self) -> io::Result<()> {
        if let FlowSink::Stream { out, format, started: started @ false, .. } = self {
            *started = true;
            match format {
                Format::Json => out.write_all(b"[")?,
                Format::Csv => out.write_all(&report::csv_line(FlowRecord::csv_header()))?,
                _ => {}
            }
        }
        Ok(())
    }

    pub(super) fn push(&mut self, r: FlowRecord) -> io::Result<()> {
        self.start()?;
        match self {
            FlowSink::Stream { out, format, reorder, written, limit, row, .. } => {
                row.clear();
                render_row(*format, &r, row);
                let (format, limit) = (*format, *limit);
                reorder.push(r.id, row, &mut |b| write_row(out, format, written, limit, b))
            }
            FlowSink::Top { heap, n, sort } => {
                let ranked = Ranked { key: sort_key(*sort, &r), rec: r };
                if *n == 0 {
                    return Ok(());
                }
                if heap.len() < *n {
                    heap.push(ranked);
                } else if heap.peek().is_some_and(|worst| ranked.cmp_rank(worst) == Ordering::Less) {
                    heap.pop();
                    heap.push(ranked);
                }
                Ok(())
            }
            FlowSink::All(v) => {
                v.push(r);
                Ok(())
            }
            FlowSink::Discard => Ok(()),
        }
    }

    /// A row rendered ahead with id 0 (see [`Ahead`]), its id put in.
    fn push_ahead(&mut self, id: u64, ahead: &[u8]) -> io::Result<()> {
        self.start()?;
        let FlowSink::Stream { out, format, reorder, written, limit, row, .. } = self else {
            return Err(io::Error::other("a row rendered ahead for an output that keeps records"));
        };
        let at = id_at(*format);
        if ahead.get(at) != Some(&b'0') {
            return Err(io::Error::other("a row rendered ahead without its id in place"));
        }
        row.clear();
        row.extend_from_slice(&ahead[..at]);
        crate::text::u64(row, id);
        row.extend_from_slice(&ahead[at + 1..]);
        let (format, limit) = (*format, *limit);
        reorder.push(id, row, &mut |b| write_row(out, format, written, limit, b))
    }

    /// Ends a stream (`None`), or hands back the rows to sort and render.
    pub(super) fn finish(mut self, sort: FlowSort, top: Option<usize>) -> io::Result<Option<Vec<FlowRecord>>> {
        self.start()?;
        match self {
            FlowSink::Stream { mut out, format, mut reorder, mut written, limit, .. } => {
                reorder.drain(&mut |b| write_row(&mut out, format, &mut written, limit, b))?;
                if format == Format::Json {
                    out.write_all(if written == 0 { b"]\n" } else { b"\n]\n" })?;
                }
                out.flush()?;
                Ok(None)
            }
            FlowSink::Top { heap, .. } => {
                let mut v: Vec<Ranked> = heap.into_vec();
                v.sort_by(|a, b| a.cmp_rank(b));
                Ok(Some(v.into_iter().map(|r| r.rec).collect()))
            }
            FlowSink::All(mut rows) => {
                sort_rows(&mut rows, sort);
                if let Some(n) = top {
                    rows.truncate(n);
                }
                Ok(Some(rows))
            }
            FlowSink::Discard => Ok(None),
        }
    }
}

fn write_row(
    out: &mut impl Write,
    format: Format,
    written: &mut u64,
    limit: Option<usize>,
    row: &[u8],
) -> io::Result<()> {
    if limit.is_some_and(|n| *written >= n as u64) {
        return Ok(());
    }
    match format {
        Format::Json => {
            out.write_all(if *written == 0 { b"\n" } else { b",\n" })?;
            out.write_all(row)?;
        }
        Format::Ndjson => {
            out.write_all(row)?;
            out.write_all(b"\n")?;
        }
        _ => out.write_all(row)?,
    }
    *written += 1;
    Ok(())
}

/// The report's order: by the key, ties by id (the order flows started).
pub(super) fn sort_rows(rows: &mut [FlowRecord], sort: FlowSort) {
    use std::cmp::Reverse;
    match sort {
        FlowSort::Start => rows.sort_by_key(|r| r.id),
        FlowSort::Bytes => rows.sort_by_key(|r| (Reverse(r.orig_frame_bytes + r.resp_frame_bytes), r.id)),
        FlowSort::Packets => rows.sort_by_key(|r| (Reverse(r.orig_pkts + r.resp_pkts), r.id)),
        FlowSort::Duration => rows.sort_by(|a, b| b.duration.total_cmp(&a.duration).then(a.id.cmp(&b.id))),
        FlowSort::Retrans => rows.sort_by_key(|r| (Reverse(r.retransmissions), r.id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(order: &[u64], limit: usize) -> (Vec<u64>, bool) {
        let mut r = Reorder::new(1);
        let mut seen = Vec::new();
        let mut w = |b: &[u8]| {
            seen.push(u64::from_le_bytes(b[..8].try_into().unwrap()));
            Ok(())
        };
        for &id in order {
            // Rows big enough that `limit` of them fill the memory share.
            let mut row = id.to_le_bytes().to_vec();
            row.resize(MEM_LIMIT / limit, 0);
            r.push(id, &row, &mut w).unwrap();
        }
        r.drain(&mut w).unwrap();
        let spilled = r.spill.is_some();
        (seen, spilled)
    }

    #[test]
    fn rows_come_out_in_sequence_whatever_the_arrival_order() {
        let order = [3, 1, 2, 6, 5, 4, 7, 9, 8];
        assert_eq!(run(&order, 100), ((1..=9).collect(), false));
    }

    #[test]
    fn a_long_first_flow_sends_the_rest_to_disk_and_back() {
        // Flow 1 ends last; 199 others are held meanwhile, most on disk.
        let mut order: Vec<u64> = (2..=200).collect();
        order.push(1);
        assert_eq!(run(&order, 10), ((1..=200).collect(), true));
    }

    #[test]
    fn the_table_top_of_start_order_is_the_lowest_ids() {
        let mut s: FlowSink<Vec<u8>> = FlowSink::new(Format::Table, FlowSort::Start, Some(3), Vec::new()).unwrap();
        for id in [4, 2, 7, 1, 3] {
            s.push(FlowRecord { id, ..Default::default() }).unwrap();
        }
        let rows = s.finish(FlowSort::Start, Some(3)).unwrap().unwrap();
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn top_keeps_the_best_with_stable_ties() {
        let mut s: FlowSink<Vec<u8>> = FlowSink::new(Format::Json, FlowSort::Packets, Some(2), Vec::new()).unwrap();
        for (id, pkts) in [(1, 5), (2, 9), (3, 9), (4, 1), (5, 9)] {
            s.push(FlowRecord { id, orig_pkts: pkts, ..Default::default() }).unwrap();
        }
        let rows = s.finish(FlowSort::Packets, Some(2)).unwrap().unwrap();
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 3]);
    }

    /// The output of a stream whose rows come as records, or rendered ahead
    /// (with id 0) and given their ids later, in a mixed order.
    fn stream(format: Format, top: Option<usize>, ahead: &[bool]) -> Vec<u8> {
        let mut s: FlowSink<Vec<u8>> = FlowSink::new(format, FlowSort::Start, top, Vec::new()).unwrap();
        for (i, &early) in ahead.iter().enumerate() {
            let id = [2, 1, 3, 5, 4, 6][i % 6] + 6 * (i as u64 / 6);
            let r = FlowRecord {
                id: if early { 77 } else { id },
                proto: "tcp",
                orig_addr: "10.0.0.1".into(),
                resp_addr: "fd00::2".into(),
                orig_pkts: id * 3,
                history: Some(format!("Sh\"{id}")),
                close: Some("fin_orig_first"),
                ..Default::default()
            };
            if early {
                let mut r = r;
                let mut row = Vec::new();
                FlowOut::ahead(&s).unwrap().render(&mut r, &mut row);
                FlowOut::push_ahead(&mut s, id, &row).unwrap();
            } else {
                FlowOut::push(&mut s, r).unwrap();
            }
        }
        let FlowSink::Stream { out, .. } = &s else { panic!("a stream") };
        let mut out = out.clone();
        // The tail `finish` writes: JSON's closing bracket.
        if let FlowSink::Stream { reorder, written, limit, format, .. } = &mut s {
            reorder.drain(&mut |b| write_row(&mut out, *format, written, *limit, b)).unwrap();
        }
        out
    }

    #[test]
    fn rows_rendered_ahead_are_the_rows_of_their_records() {
        for format in [Format::Json, Format::Ndjson, Format::Csv] {
            for top in [None, Some(4)] {
                let plain = stream(format, top, &[false; 14]);
                let mixed = stream(
                    format,
                    top,
                    &[true, false, true, true, false, false, true, true, true, false, true, false, false, true],
                );
                let all = stream(format, top, &[true; 14]);
                assert!(plain.len() > 200, "{format:?}: {}", String::from_utf8_lossy(&plain));
                assert_eq!(String::from_utf8_lossy(&mixed), String::from_utf8_lossy(&plain), "{format:?} {top:?}");
                assert_eq!(String::from_utf8_lossy(&all), String::from_utf8_lossy(&plain), "{format:?} {top:?}");
            }
        }
    }

    #[test]
    fn a_row_without_its_id_in_place_is_refused() {
        let mut s: FlowSink<Vec<u8>> = FlowSink::new(Format::Json, FlowSort::Start, None, Vec::new()).unwrap();
        assert!(FlowOut::push_ahead(&mut s, 1, b"{\"id\":7,\"proto\":\"tcp\"}").is_err());
        assert!(FlowOut::push_ahead(&mut s, 1, b"").is_err());
        let mut table: FlowSink<Vec<u8>> = FlowSink::new(Format::Table, FlowSort::Start, None, Vec::new()).unwrap();
        assert!(FlowOut::ahead(&table).is_none());
        assert!(FlowOut::push_ahead(&mut table, 1, b"{\"id\":0}").is_err());
    }
}
