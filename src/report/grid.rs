//! A table of many rows, written byte for byte as comfy-table writes it
//! with content arrangement disabled, in the two presets the reports use
//! (`ASCII_MARKDOWN`, `UTF8_FULL_CONDENSED`).
//!
//! Why not comfy-table itself for these: it keeps every cell as a vector
//! of owned lines, measures each with `unicode-width` and pads each into a
//! new string. The flows table of the benchmark capture (9,597 rows) took
//! the main thread 200 ms, alone at the end of the run, a third of
//! `wirelens flows`. Here the cells are written into one buffer and
//! measured as they are written.
//!
//! Only plain cells: printable ASCII and two arrows, one line. A table with
//! any other cell (a name with UTF-8 or a control character, a line break)
//! is written by comfy-table, from the same cells, which knows display
//! widths and multi-line cells; tests hold the two together. The header
//! may hold the same arrows: its widths are counted in `char`s.

use std::io::Write as _;

/// The two presets, as comfy-table draws them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `ASCII_MARKDOWN`: no top or bottom border, `|` between cells.
    Markdown,
    /// `UTF8_FULL_CONDENSED`: box-drawing borders, `┆` between cells.
    Boxes,
}

/// Characters other than printable ASCII a plain cell may hold: one column
/// wide each in `unicode-width`, as comfy-table measures (the `dns` report's
/// frame arrows; a test holds it).
const NARROW: [char; 2] = ['→', '←'];

/// The cells of a table, row after row, in one buffer.
pub struct Grid {
    header: Vec<&'static str>,
    right: Vec<bool>,
    /// Each column's widest content, in columns of the terminal.
    widths: Vec<usize>,
    text: Vec<u8>,
    /// Where each cell ends in `text`, row after row.
    ends: Vec<usize>,
    /// Every cell so far is printable ASCII on one line.
    plain: bool,
}

impl Grid {
    /// A table with these column titles; `right[i]` aligns column `i`'s
    /// cells (not its title) to the right.
    pub fn new(header: Vec<&'static str>, right: Vec<bool>) -> Grid {
        let widths = header.iter().map(|h| h.chars().count()).collect();
        Grid { header, right, widths, text: Vec::new(), ends: Vec::new(), plain: true }
    }

    /// Appends the next cell, written by `f` (rows fill left to right).
    #[inline]
    pub fn cell(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let start = self.text.len();
        f(&mut self.text);
        let c = &self.text[start..];
        let width = if c.iter().all(|&b| (0x20..0x7f).contains(&b)) { c.len() } else { self.narrow(start) };
        let col = self.ends.len() % self.header.len();
        self.widths[col] = self.widths[col].max(width);
        self.ends.push(self.text.len());
    }

    /// The width of the cell from `start` when it is printable ASCII and
    /// [`NARROW`] characters only (one column each); else the grid is no
    /// longer plain.
    #[cold]
    fn narrow(&mut self, start: usize) -> usize {
        match std::str::from_utf8(&self.text[start..]) {
            Ok(s) if s.chars().all(|c| (' '..='~').contains(&c) || NARROW.contains(&c)) => s.chars().count(),
            _ => {
                self.plain = false;
                0
            }
        }
    }

    /// A cell of plain text.
    #[inline]
    pub fn str(&mut self, s: &str) {
        self.cell(|t| t.extend_from_slice(s.as_bytes()));
    }

    /// A cell of anything `Display`.
    #[inline]
    pub fn display(&mut self, v: impl std::fmt::Display) {
        self.cell(|t| {
            let _ = write!(t, "{v}");
        });
    }

    /// Every cell is plain and every row whole: `render` writes the table
    /// itself.
    pub fn is_plain(&self) -> bool {
        let cols = self.header.len();
        self.plain && cols > 0 && self.ends.len() % cols == 0
    }

    /// The cells, row after row.
    fn cells(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        // Every cell was written whole from a `str`.
        starts.zip(&self.ends).map(|(a, &b)| std::str::from_utf8(&self.text[a..b]).unwrap_or_default())
    }

    /// The table, lines joined by `\n` without a last one (as comfy-table's
    /// `to_string`): written here when every cell is plain, else by
    /// comfy-table.
    pub fn render(&self, style: Style) -> String {
        if self.is_plain() { self.write(style) } else { self.comfy(style) }
    }

    /// The table through comfy-table, from the same cells: what a table
    /// that is not plain is written by, and what `render` must match.
    pub fn comfy(&self, style: Style) -> String {
        use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
        let mut t = Table::new();
        t.load_preset(match style {
            Style::Markdown => presets::ASCII_MARKDOWN,
            Style::Boxes => presets::UTF8_FULL_CONDENSED,
        });
        t.set_content_arrangement(ContentArrangement::Disabled);
        t.set_header(self.header.clone());
        let cols = self.header.len();
        let mut cells = self.cells().peekable();
        while cells.peek().is_some() {
            t.add_row(cells.by_ref().take(cols).zip(&self.right).map(|(c, &right)| {
                let c = Cell::new(c);
                if right { c.set_alignment(CellAlignment::Right) } else { c }
            }));
        }
        t.to_string()
    }

    /// `render` for plain cells: each is as wide as its chars.
    fn write(&self, style: Style) -> String {
        // (left, fill, between, right) of each kind of line; the header and
        // the rows are drawn alike.
        let (top, line_of_cells, sep, bottom) = match style {
            Style::Markdown => (None, ("|", " ", "|", "|"), ("|", "-", "|", "|"), None),
            Style::Boxes => {
                (Some(("┌", "─", "┬", "┐")), ("│", " ", "┆", "│"), ("╞", "═", "╪", "╡"), Some(("└", "─", "┴", "┘")))
            }
        };
        let cols = self.header.len();
        let line: usize = self.widths.iter().map(|w| w + 5).sum();
        let mut out = String::with_capacity(line * (self.ends.len() / cols + 4));
        let rule = |out: &mut String, (l, fill, mid, r): (&str, &str, &str, &str)| {
            out.push_str(l);
            for (i, w) in self.widths.iter().enumerate() {
                if i > 0 {
                    out.push_str(mid);
                }
                for _ in 0..w + 2 {
                    out.push_str(fill);
                }
            }
            out.push_str(r);
        };
        let cells = |out: &mut String, row: &mut dyn Iterator<Item = (&str, bool)>| {
            let (l, _, mid, r) = line_of_cells;
            out.push_str(l);
            for (i, ((c, right), w)) in row.zip(&self.widths).enumerate() {
                if i > 0 {
                    out.push_str(mid);
                }
                let pad = w.saturating_sub(c.chars().count());
                out.push(' ');
                if right {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push_str(c);
                if !right {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push(' ');
            }
            out.push_str(r);
        };
        if let Some(t) = top {
            rule(&mut out, t);
            out.push('\n');
        }
        cells(&mut out, &mut self.header.iter().map(|h| (*h, false)));
        out.push('\n');
        rule(&mut out, sep);
        let mut all = self.cells();
        for _ in 0..self.ends.len() / cols {
            out.push('\n');
            cells(&mut out, &mut all.by_ref().take(cols).zip(self.right.iter().copied()));
        }
        if let Some(b) = bottom {
            out.push('\n');
            rule(&mut out, b);
        }
        out
    }
}
