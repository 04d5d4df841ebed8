//! The parts every live view shares: the tick that drives redraws, the
//! status at the top of the screen, and writing to the terminal.
//!
//! A live capture hands the command a [`Tick`] about once a second of wall
//! time, whether packets arrive or not (the source returns `Next::Idle`
//! every poll interval), so a quiet interface still redraws and its rates
//! fall to zero. This is the one place outside the capture layer that reads
//! the clock: the flow and DNS state only ever see packet time, and a tick
//! hands them the wall time as the packet time "now" of a quiet interface.

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::capture::Timestamp;
use crate::capture::live::LiveStats;
use crate::report::live::{self as screen, LiveStatus};

/// Wall time between two ticks.
pub(super) const TICK: Duration = Duration::from_secs(1);

/// Event lines shown under a redrawn report (the most recent ones).
pub(super) const RECENT: usize = 12;

/// About once a second during a live capture.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tick {
    /// The wall clock, as a packet timestamp.
    pub now: Timestamp,
    pub stats: LiveStats,
}

pub(super) fn wall_now() -> Timestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::new(d.as_secs() as i64, d.subsec_nanos())
}

/// Writes and flushes at once: a live line must not wait in a buffer.
pub(super) fn write_out(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Rows of the terminal on stdout (24 when it cannot be asked).
pub(super) fn terminal_rows() -> usize {
    // SAFETY: TIOCGWINSZ writes one `winsize` into the valid struct given.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    if r == 0 && ws.ws_row >= 5 { usize::from(ws.ws_row) } else { 24 }
}

/// Rows of a table that fit under the status lines (at least 5).
pub(super) fn table_rows(other_lines: usize) -> usize {
    // Status (4), a blank line, the table's header and borders (4).
    terminal_rows().saturating_sub(9 + other_lines).max(5)
}

/// The redrawn screen: status lines with rates, then the command's body.
pub(super) struct Screen {
    command: &'static str,
    interface: String,
    started: Instant,
    entered: bool,
    packets: u64,
    bytes: u64,
    /// Counters at the previous tick, for the rates.
    last: (Instant, u64, u64),
}

impl Screen {
    pub(super) fn new(command: &'static str, interface: &str) -> Screen {
        let now = Instant::now();
        Screen {
            command,
            interface: interface.to_string(),
            started: now,
            entered: false,
            packets: 0,
            bytes: 0,
            last: (now, 0, 0),
        }
    }

    pub(super) fn packet(&mut self, wire_len: u32) {
        self.packets += 1;
        self.bytes += u64::from(wire_len);
    }

    /// Redraws: `totals` is the command's own status line, `body` its report so far.
    pub(super) fn draw(&mut self, tick: &Tick, totals: String, body: &str) -> io::Result<()> {
        let now = Instant::now();
        let secs = now.duration_since(self.last.0).as_secs_f64().max(1e-3);
        let status = LiveStatus {
            command: self.command,
            interface: self.interface.clone(),
            elapsed_secs: now.duration_since(self.started).as_secs(),
            packets: self.packets,
            bytes: self.bytes,
            packets_per_sec: (self.packets - self.last.1) as f64 / secs,
            bytes_per_sec: (self.bytes - self.last.2) as f64 / secs,
            received: tick.stats.received,
            dropped_kernel: tick.stats.dropped_kernel,
            dropped_interface: tick.stats.dropped_interface,
            totals,
        };
        self.last = (now, self.packets, self.bytes);
        let mut out = String::new();
        if !self.entered {
            self.entered = true;
            out.push_str(screen::ENTER);
        }
        out.push_str(&screen::screen(&screen::status(&status), body, terminal_rows()));
        write_out(out.as_bytes())
    }

    /// Back to the normal screen, for the final report.
    pub(super) fn leave(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.entered) { write_out(screen::LEAVE.as_bytes()) } else { Ok(()) }
    }
}

impl Drop for Screen {
    /// An error that ends the run early must not leave the terminal on the
    /// alternate screen.
    fn drop(&mut self) {
        let _ = self.leave();
    }
}

/// The most recent `RECENT` items, oldest first.
#[derive(Debug)]
pub(super) struct Recent<T> {
    items: std::collections::VecDeque<T>,
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Recent { items: std::collections::VecDeque::with_capacity(RECENT) }
    }
}

impl<T> Recent<T> {
    pub(super) fn push(&mut self, t: T) {
        if self.items.len() == RECENT {
            self.items.pop_front();
        }
        self.items.push_back(t);
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }
}
