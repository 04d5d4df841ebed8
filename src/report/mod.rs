//! Renderers: owned snapshots in, bytes out.
//!
//! Owns: the wording and layout of every output format (text lines and
//! tables, JSON, NDJSON, CSV). Must not know: capture sources, the dissector's
//! borrowed views or any parsing crate's types; it sees only `record` and
//! `stats` snapshots. Exporters are pure functions returning bytes or
//! strings (hyperfine's rule), so they are trivially testable.
//!
//! Tables are comfy-table's; the two that run to thousands of rows (`flows`,
//! `dns`) are written by `grid` with comfy-table's bytes, and fall back to
//! comfy-table for any cell `grid` does not measure.

pub mod conv;
pub mod dns;
pub mod expert;
pub mod flows;
pub mod grid;
pub mod hexdump;
pub mod info;
pub mod interfaces;
pub mod json;
pub mod ladder;
pub mod live;
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

/// A report row that the machine formats can write.
pub trait Row: serde::Serialize {
    fn csv_header() -> &'static [&'static str];
    fn csv_row(&self) -> Vec<String>;
}

/// Rows in a machine format: a JSON array (one object a line), NDJSON, or
/// CSV with its header. `None` for the human table, which each report draws.
pub fn rows_bytes<R: Row>(format: Format, rows: &[R]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        Format::Table => return None,
        Format::Json => {
            out.push(b'[');
            for (i, r) in rows.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                out.extend_from_slice(&serde_json::to_vec(r).unwrap_or_default());
            }
            out.extend_from_slice(if rows.is_empty() { b"]\n" } else { b"\n]\n" });
        }
        Format::Ndjson => {
            for r in rows {
                out.extend_from_slice(&serde_json::to_vec(r).unwrap_or_default());
                out.push(b'\n');
            }
        }
        Format::Csv => {
            out.extend_from_slice(&csv_line(R::csv_header()));
            for r in rows {
                out.extend_from_slice(&csv_line(r.csv_row()));
            }
        }
    }
    Some(out)
}
