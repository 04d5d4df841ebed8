//! Renderers: owned snapshots in, bytes out.
//!
//! Owns: the wording and layout of every output format (text lines and
//! tables, JSON, NDJSON, CSV). Must not know: capture sources, the dissector's
//! borrowed views or any parsing crate's types; it sees only `record` and
//! `stats` snapshots. Exporters are pure functions returning bytes or
//! strings (hyperfine's rule), so they are trivially testable.

pub mod conv;
pub mod expert;
pub mod flows;
pub mod hexdump;
pub mod info;
pub mod ladder;
pub mod overview;
pub mod packets;

/// Output format, resolved once from the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable: tshark-like lines for packets, tables for summaries.
    Table,
    Json,
    Ndjson,
    Csv,
}

/// How the time column is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    Relative,
    Absolute,
    Delta,
    Epoch,
    Utc,
}

/// One CSV line (RFC 4180 quoting, newline-terminated).
pub fn csv_line<I, T>(fields: I) -> Vec<u8>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}
