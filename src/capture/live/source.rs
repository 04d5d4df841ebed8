//! [`LiveSource`]: the frames of one or several interfaces as one
//! [`PacketSource`], waiting on all of them with one poll(2), merged by
//! time (`merge.rs`), saved with `-w` as they are handed out, and ending on
//! a stop request or the deadline (see the notes of `live.rs`).

use std::ffi::c_int;
use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::iface::Iface;
use super::merge::{self, Action, SlotState};
use super::{
    DEFAULT_SNAPLEN, DRAIN_BUDGET, LiveError, LiveOptions, LiveStats, POLL_MS, SaveTo, check_exists, now_ts, plus,
};
use crate::capture::save::{SavedInterface, Saver};
use crate::capture::{CaptureError, CaptureErrorKind, Frame, LinkType, Next, PacketSource, Timestamp};

/// One interface as a report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveInterface {
    pub name: String,
    /// The `LINKTYPE_` value of its frames.
    pub link: LinkType,
    /// libpcap's DLT value, for libpcap's names of it.
    pub dlt: LinkType,
    pub snaplen: u32,
    /// Time stamp units per second (10^9 or 10^6).
    pub ts_units_per_sec: u64,
}

/// What one step of reading came to (the frame itself is in the source).
enum Got {
    Frame,
    Idle,
    End,
}

pub struct LiveSource {
    ifaces: Vec<Iface>,
    /// The merge's view of each interface, in the same order.
    slots: Vec<SlotState>,
    pollfds: Vec<libc::pollfd>,
    stop: &'static AtomicBool,
    deadline: Option<(Instant, Timestamp)>,
    /// Set once a stop is noticed: packet time after which nothing is
    /// delivered, and the wall time the drain must end by.
    cutoff: Option<(Timestamp, Instant)>,
    save: Option<(Saver, SaveTo)>,
    /// The current frame: its bytes (the frame borrows them until the next
    /// call), time stamp, length on the wire, link type and interface.
    buf: Vec<u8>,
    ts: Timestamp,
    orig_len: u32,
    link: LinkType,
    interface: u32,
    /// Frames handed out.
    number: u64,
    done: bool,
    /// Each interface's counters at the end (read once, so that the lines
    /// printed and the file's statistics agree).
    final_stats: Option<Vec<LiveStats>>,
}

/// Checks what the interfaces and the save file may be before anything is
/// opened: `any` alone (it already is every interface: with another one
/// that interface's packets would come twice, and libpcap cannot put it in
/// promiscuous mode), each interface once, and several interfaces saved as
/// pcapng only.
fn check_request(opts: &LiveOptions, save: Option<&SaveTo>) -> Result<(), LiveError> {
    let names = &opts.interfaces;
    if names.is_empty() {
        return Err(LiveError::Open { name: String::new(), message: "no interface given".into() });
    }
    if names.len() > 1 && names.iter().any(|n| n == "any") {
        return Err(LiveError::AnyWithOthers { others: names.iter().filter(|n| *n != "any").cloned().collect() });
    }
    if let Some(dup) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)).map(|(_, n)| n) {
        return Err(LiveError::Twice { name: dup.clone() });
    }
    if let Some(to) = save {
        if names.len() > 1 && !crate::capture::save::wants_pcapng(&to.path) {
            return Err(LiveError::SeveralNeedPcapng { path: to.path.clone() });
        }
    }
    Ok(())
}

impl LiveSource {
    /// Opens and activates every interface with the same options, installs
    /// the filter on each, creates the save file. Everything that needs
    /// privileges happens here, so the caller can give them up right after.
    pub fn open(opts: &LiveOptions, save: Option<SaveTo>, stop: &'static AtomicBool) -> Result<LiveSource, LiveError> {
        check_request(opts, save.as_ref())?;
        for name in &opts.interfaces {
            check_exists(name)?;
        }
        let snaplen = if opts.snaplen == 0 { DEFAULT_SNAPLEN } else { opts.snaplen.min(DEFAULT_SNAPLEN) };
        let several = opts.interfaces.len() > 1;
        let ifaces = opts
            .interfaces
            .iter()
            .map(|name| Iface::open(name, opts, snaplen, several))
            .collect::<Result<Vec<_>, _>>()?;
        let save = match save {
            None => None,
            Some(to) => {
                let serr = |error: io::Error| LiveError::Save { path: to.path.clone(), error };
                let file = File::create(&to.path).map_err(serr)?;
                if let Some((uid, gid)) = to.owner {
                    std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).map_err(serr)?;
                }
                let pcapng = crate::capture::save::wants_pcapng(&to.path);
                let described: Vec<SavedInterface> = ifaces
                    .iter()
                    .map(|f| SavedInterface { link: f.link, snaplen: f.snaplen, name: f.name.clone() })
                    .collect();
                let saver =
                    Saver::new(file, pcapng, ifaces[0].cap(), &described).map_err(|m| serr(io::Error::other(m)))?;
                Some((saver, to))
            }
        };
        let deadline = opts.duration.map(|d| (Instant::now() + d, plus(now_ts(), d)));
        let n = ifaces.len();
        let pollfds = ifaces.iter().map(|f| libc::pollfd { fd: f.fd, events: libc::POLLIN, revents: 0 }).collect();
        let link = ifaces[0].link;
        Ok(LiveSource {
            ifaces,
            slots: vec![SlotState::default(); n],
            pollfds,
            stop,
            deadline,
            cutoff: None,
            save,
            buf: Vec::with_capacity(snaplen.min(1 << 16) as usize),
            ts: Timestamp::new(0, 0),
            orig_len: 0,
            link,
            interface: 0,
            number: 0,
            done: false,
            final_stats: None,
        })
    }

    /// The interfaces, in the order given (a frame's `interface` indexes it).
    pub fn interfaces(&self) -> Vec<LiveInterface> {
        self.ifaces
            .iter()
            .map(|f| LiveInterface {
                name: f.name.clone(),
                link: f.link,
                dlt: f.dlt,
                snaplen: f.snaplen,
                ts_units_per_sec: if f.nanos { 1_000_000_000 } else { 1_000_000 },
            })
            .collect()
    }

    /// libpcap's warnings from opening, in tcpdump's words (e.g. a time
    /// stamp type an interface does not offer).
    pub fn warnings(&self) -> Vec<String> {
        self.ifaces.iter().flat_map(|f| f.warnings.iter().cloned()).collect()
    }

    /// Timestamp units per second of the finest interface (10^9 or 10^6).
    pub fn ts_units_per_sec(&self) -> u64 {
        if self.ifaces.iter().any(|f| f.nanos) { 1_000_000_000 } else { 1_000_000 }
    }

    /// Each interface's counters now (at the end: as they were then).
    pub fn interface_stats(&mut self) -> Vec<LiveStats> {
        match &self.final_stats {
            Some(s) => s.clone(),
            None => self.ifaces.iter_mut().map(Iface::stats).collect(),
        }
    }

    /// The counters of every interface added up.
    pub fn stats(&mut self) -> LiveStats {
        sum(&self.interface_stats())
    }

    /// Ends the capture: final counters, and the save file flushed (pcapng
    /// also gets each interface's counters as its statistics) and closed.
    pub fn finish(&mut self) -> Result<LiveStats, LiveError> {
        self.done = true;
        let per = self.interface_stats();
        self.final_stats = Some(per.clone());
        if let Some((mut saver, to)) = self.save.take() {
            saver.finish(now_ts(), &per).map_err(|error| LiveError::Save { path: to.path.clone(), error })?;
        }
        Ok(sum(&per))
    }

    /// Notices a stop request or the deadline and sets the cut-off. Every
    /// interface found empty before it is read again: packets may have
    /// arrived between that look and the stop.
    fn check_stop(&mut self) {
        if self.cutoff.is_some() {
            return;
        }
        let at = if self.stop.load(Ordering::Relaxed) {
            Some(now_ts())
        } else {
            self.deadline.filter(|(when, _)| Instant::now() >= *when).map(|(_, ts)| ts)
        };
        if let Some(ts) = at {
            self.cutoff = Some((ts, Instant::now() + DRAIN_BUDGET));
            for s in &mut self.slots {
                s.covered = None;
            }
        }
    }

    fn error(&self, interface: usize, message: String) -> CaptureError {
        CaptureError {
            path: self.ifaces[interface].name.clone(),
            packet: Some(self.number + 1),
            offset: 0,
            kind: CaptureErrorKind::Live(message),
        }
    }

    /// Waits until a descriptor is readable, a signal arrives, or the poll
    /// interval (or what is left before the deadline) passes. Interfaces
    /// found readable are to be read; the others are covered up to now.
    /// Returns whether any was readable.
    fn wait(&mut self) -> Result<bool, CaptureError> {
        let mut timeout = Duration::from_millis(POLL_MS);
        if let Some((when, _)) = self.deadline {
            // +1 ms: poll rounds down, and waking just before the deadline
            // would only loop once more.
            timeout = timeout.min(when.saturating_duration_since(Instant::now()) + Duration::from_millis(1));
        }
        for p in &mut self.pollfds {
            p.revents = 0;
        }
        // SAFETY: `pollfds` holds `len` valid pollfd structs for the duration of the call.
        let r = unsafe {
            libc::poll(self.pollfds.as_mut_ptr(), self.pollfds.len() as libc::nfds_t, timeout.as_millis() as c_int)
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            // A signal (the stop request) interrupts the wait: go and check.
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(self.error(0, format!("poll: {e}")))
            };
        }
        let now = now_ts();
        for i in 0..self.pollfds.len() {
            let revents = self.pollfds[i].revents;
            if revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                return Err(self.error(i, self.ifaces[i].failure()));
            }
            self.slots[i].covered = if revents & libc::POLLIN != 0 { None } else { Some(now) };
        }
        Ok(r > 0)
    }

    /// Reads until a frame can be handed out (`Got::Frame`, the frame in
    /// `buf`), or a poll found nothing (`Got::Idle`), or the end. At most
    /// one poll per call, so the caller gets an `Idle` each poll interval.
    fn step(&mut self) -> Result<Got, CaptureError> {
        if self.done {
            return Ok(Got::End);
        }
        let mut polled = false;
        loop {
            self.check_stop();
            if self.cutoff.is_some_and(|(_, until)| Instant::now() >= until) {
                self.done = true;
                return Ok(Got::End);
            }
            match merge::decide(&self.slots) {
                Action::Read(i) => match (now_ts(), self.ifaces[i].read()) {
                    // The clock is read before the queue: a frame stamped
                    // earlier that was not queued yet is what `merge.rs`
                    // cannot see, and that window stays as short as can be.
                    (_, Ok(Some(ts))) => self.slots[i] = SlotState { pending: Some(ts), covered: None },
                    (before, Ok(None)) => self.slots[i].covered = Some(merge::covered_when_empty(&self.slots, before)),
                    (_, Err(m)) => {
                        self.done = true;
                        return Err(self.error(i, m));
                    }
                },
                Action::Hand(i) => return self.hand(i),
                Action::Wait => {
                    // Nothing queued anywhere: after a stop that is the end.
                    if self.cutoff.is_some() {
                        self.done = true;
                        return Ok(Got::End);
                    }
                    if polled {
                        return Ok(Got::Idle);
                    }
                    polled = true;
                    match self.wait() {
                        Ok(true) => {}
                        Ok(false) => return Ok(Got::Idle),
                        Err(e) => {
                            self.done = true;
                            return Err(e);
                        }
                    }
                }
            }
        }
    }

    /// Hands out interface `i`'s pending frame (saving it with `-w`), or
    /// ends the capture when it is past the cut-off: it is the earliest
    /// frame left, so every interface is past it.
    fn hand(&mut self, i: usize) -> Result<Got, CaptureError> {
        let Some(ts) = self.slots[i].pending.take() else {
            // The merge hands out pending frames only.
            return Ok(Got::Idle);
        };
        if self.cutoff.is_some_and(|(cut, _)| ts > cut) {
            self.done = true;
            return Ok(Got::End);
        }
        let iface = &mut self.ifaces[i];
        if let Some((saver, to)) = self.save.as_mut() {
            let written = saver
                .write(i as u32, &iface.header, ts, &iface.buf)
                .and_then(|()| if to.flush_each { saver.flush() } else { Ok(()) });
            if let Err(e) = written {
                let message = format!("writing {}: {e}", to.path);
                self.done = true;
                return Err(self.error(i, message));
            }
        }
        std::mem::swap(&mut self.buf, &mut iface.buf);
        iface.handed += 1;
        self.orig_len = iface.header.len;
        self.link = iface.link;
        self.interface = i as u32;
        self.ts = ts;
        self.number += 1;
        Ok(Got::Frame)
    }

    /// The frame just handed out.
    fn current(&self) -> Frame<'_> {
        Frame {
            number: self.number,
            ts: self.ts,
            link: self.link,
            interface: self.interface,
            orig_len: self.orig_len,
            data: &self.buf,
            offset: 0,
        }
    }
}

fn sum(per: &[LiveStats]) -> LiveStats {
    per.iter().fold(LiveStats::default(), |a, s| LiveStats {
        captured: a.captured + s.captured,
        received: a.received + s.received,
        dropped_kernel: a.dropped_kernel + s.dropped_kernel,
        dropped_interface: a.dropped_interface + s.dropped_interface,
    })
}

impl PacketSource for LiveSource {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        loop {
            match self.step()? {
                Got::Idle => continue,
                Got::End => return Ok(None),
                Got::Frame => return Ok(Some(self.current())),
            }
        }
    }

    fn next(&mut self) -> Result<Next<'_>, CaptureError> {
        Ok(match self.step()? {
            Got::Idle => Next::Idle,
            Got::End => Next::End,
            Got::Frame => Next::Frame(self.current()),
        })
    }

    fn live_stats(&mut self) -> Option<LiveStats> {
        Some(self.stats())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(names: &[&str]) -> LiveOptions {
        LiveOptions {
            interfaces: names.iter().map(|s| s.to_string()).collect(),
            promisc: true,
            snaplen: 0,
            buffer_size: None,
            filter: None,
            duration: None,
            monitor: false,
            tstamp_type: None,
        }
    }

    fn save(path: &str) -> SaveTo {
        SaveTo { path: path.into(), flush_each: false, owner: None }
    }

    #[test]
    fn any_stays_alone_and_interfaces_come_once() {
        assert!(check_request(&opts(&["any"]), None).is_ok());
        assert!(check_request(&opts(&["eth0", "eth1"]), None).is_ok());
        match check_request(&opts(&["any", "eth0"]), None) {
            Err(e @ LiveError::AnyWithOthers { .. }) => {
                let m = e.to_string();
                assert!(m.contains("`-i any`") && m.contains("eth0"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(check_request(&opts(&["eth0", "eth0"]), None), Err(LiveError::Twice { .. })));
    }

    #[test]
    fn several_interfaces_are_saved_as_pcapng_only() {
        assert!(check_request(&opts(&["eth0"]), Some(&save("x.pcap"))).is_ok());
        assert!(check_request(&opts(&["eth0", "eth1"]), Some(&save("x.pcapng"))).is_ok());
        match check_request(&opts(&["eth0", "eth1"]), Some(&save("x.pcap"))) {
            Err(e @ LiveError::SeveralNeedPcapng { .. }) => assert!(e.to_string().contains(".pcapng"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn counters_add_up() {
        let a = LiveStats { captured: 1, received: 2, dropped_kernel: 3, dropped_interface: 4 };
        let b = LiveStats { captured: 10, received: 20, dropped_kernel: 30, dropped_interface: 40 };
        assert_eq!(sum(&[a, b]), LiveStats { captured: 11, received: 22, dropped_kernel: 33, dropped_interface: 44 });
        assert_eq!(sum(&[]), LiveStats::default());
    }
}
