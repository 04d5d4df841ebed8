//! Runs a resolved job: opens the source, drives frames through the
//! dissector (and the flow state each report needs) and streams records to
//! the chosen renderer. The only module that wires layers together.
//!
//! A fault in the input (a truncated or corrupt record) ends reading, but
//! everything before it is still analysed and reported; the fault is then
//! printed on stderr naming the file, the packet and the byte offset, and
//! the exit code is 2.
//!
//! Every command reads a file or a live interface the same way (`source.rs`
//! opens either); a live capture ends on Ctrl-C, SIGTERM, `--duration` or
//! `-c`, and then reports exactly as a file does, followed by the capture
//! statistics. `live_flows.rs` is the flows view while capturing; `summary.rs` the
//! capture facts of `info` and `summary`.

mod flow_out;
mod interfaces;
mod live;
mod live_flows;
mod live_reports;
mod merge;
mod sharded;
mod source;
mod summary;

use std::io::{self, BufWriter, Write};
use std::time::Instant;

use anyhow::Result;

use crate::bpf::Bpf;
use crate::capture::{CaptureError, Next, PacketSource};
use crate::config::{
    Config, ConvConfig, DnsConfig, ExpertConfig, FlowsConfig, Format, InfoConfig, Input, Job, LadderConfig, LiveView,
    PacketsConfig,
};
use crate::dissect::Dissector;
use crate::filter::analysis::AnalysisFields;
use crate::filter::{EvalContext, Filter};
use crate::flow::table::FlowTable;
use crate::record::flow::FlowRecord;
use crate::record::{self, RecordOptions, Time};
use crate::report::{self, packets};
use crate::stats::StatsBuilder;
use source::{Source, finish};

/// Exit code for bad input.
pub const EXIT_BAD_INPUT: u8 = 2;

pub fn run(config: &Config) -> Result<u8> {
    match &config.job {
        Job::Packets(c) => run_packets(c),
        Job::Flows(c) => run_flows(c),
        Job::Conv(c) => run_conv(c),
        Job::Dns(c) => run_dns(c),
        Job::Ladder(c) => run_ladder(c),
        Job::Expert(c) => run_expert(c),
        Job::Info(c) => run_info(c),
        Job::Interfaces(c) => interfaces::run(c),
    }
}

/// Opens the input and compiles its filters, so that a bad filter fails
/// before any packet is read (and before a live capture starts). A live
/// capture's BPF filter is compiled by libpcap when the interface is opened.
fn open(input: &Input) -> Result<(Source, Option<Bpf>, Option<Filter>)> {
    let bpf = input.bpf.as_deref().map(Bpf::new).transpose()?;
    let extras = crate::filter::analysis::fields();
    let filter = input.display_filter.as_deref().map(|e| Filter::compile_with(e, &extras)).transpose()?;
    let reader = source::open(input)?;
    Ok((reader, bpf, filter))
}

/// One step of a run: a frame, or (a live capture with a view) a tick
/// about once a second of wall time.
enum Step<'a, 'f> {
    Frame(&'a crate::capture::Frame<'f>),
    Tick(live::Tick),
}

/// Reads frames until the end, the count limit or a fault; calls `each` for
/// every frame that passes the BPF filter, and for every tick of a live
/// view. Returns the fault, if any.
fn for_each_frame(
    reader: &mut Source,
    input: &Input,
    bpf: &mut Option<Bpf>,
    mut each: impl FnMut(Step<'_, '_>) -> Result<()>,
) -> Result<Option<CaptureError>> {
    let ticks = reader.is_live() && input.view != LiveView::Off;
    let mut next_tick = Instant::now() + live::TICK;
    let mut read = 0u64;
    loop {
        if input.count.is_some_and(|c| read >= c) {
            return Ok(None);
        }
        match reader.next() {
            Ok(Next::Frame(frame)) => {
                read += 1;
                let wanted = match bpf.as_mut() {
                    Some(b) => b.matches(frame.link, frame.data)?,
                    None => true,
                };
                if wanted {
                    each(Step::Frame(&frame))?;
                }
            }
            Ok(Next::Idle) => {}
            Ok(Next::End) => return Ok(None),
            Err(e) => return Ok(Some(e)),
        }
        if ticks && Instant::now() >= next_tick {
            next_tick = Instant::now() + live::TICK;
            let stats = reader.live_stats().unwrap_or_default();
            each(Step::Tick(live::Tick { now: live::wall_now(), stats }))?;
        }
    }
}

fn run_packets(c: &PacketsConfig) -> Result<u8> {
    let (mut reader, mut bpf, filter) = open(&c.input)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut dissector = Dissector::new();
    // The flow tracker gives relative numbers and tshark's analysis. Every
    // command uses the same flow rules, so a flow id means the same flow in
    // `packets`, `expert`, `flows` and `ladder`.
    let mut table = FlowTable::new(0);
    let opts = RecordOptions { resolve_ports: c.resolve_ports, tree: c.verbose, bytes: c.hex };
    let mut first: Option<Time> = None;
    let mut prev: Option<Time> = None;
    if c.format == Format::Csv {
        out.write_all(&report::csv_line(packets::CSV_HEADER))?;
    }
    let mut emitted = 0u64;
    if c.format == Format::Json {
        out.write_all(b"[")?;
    }
    // Nanosecond captures get nanosecond times.
    let digits = reader.time_digits();
    // Live lines are written as packets arrive, not when a buffer fills.
    let live = reader.is_live();
    let input = c.input.clone();
    // The current packet's Info text and table line, reused packet after packet.
    let mut info = Vec::with_capacity(256);
    let mut line = Vec::with_capacity(512);
    let fault = for_each_frame(&mut reader, &input, &mut bpf, |step| {
        let Step::Frame(f) = step else { return Ok(()) };
        let p = dissector.dissect(f);
        // Analysis and times follow every packet, displayed or not
        // (tshark's frame.time_relative counts from the first packet read).
        let placed = table.packet(&p, |_, _| {});
        let (flow, analysis) = match &placed {
            Some(pl) => (Some(pl.id), table.analysis(pl)),
            None => (None, None),
        };
        let t = Time { secs: p.ts.secs, nanos: p.ts.nanos };
        let first_t = *first.get_or_insert(t);
        let dns = record::parse_dns(&p);
        if let Some(flt) = &filter {
            let extra = AnalysisFields { flow, analysis };
            if !flt.matches(&EvalContext::new(&p).with_dns(&dns).with_extra(&extra)) {
                return Ok(());
            }
        }
        match c.format {
            Format::Table => {
                // The line is written from a borrowed view into a reused
                // buffer: no allocation per packet. Only -V and -x need the
                // owned record.
                let view = record::line::line(&p, &dns, analysis, c.resolve_ports, &mut info);
                line.clear();
                let time = packets::TimeColumn { format: c.time, first: first_t, prev, digits };
                packets::write_line(&mut line, &view, &time);
                out.write_all(&line)?;
                if c.verbose || c.hex {
                    let rec = record::build(&p, &dns, flow, analysis, &opts);
                    if c.verbose {
                        out.write_all(packets::tree(&rec).as_bytes())?;
                    }
                    if c.hex {
                        out.write_all(report::hexdump::hexdump(&rec.bytes).as_bytes())?;
                    }
                    out.write_all(b"\n")?;
                }
            }
            Format::Json => {
                let rec = record::build(&p, &dns, flow, analysis, &opts);
                out.write_all(if emitted == 0 { b"\n" } else { b",\n" })?;
                out.write_all(&packets::json(&rec))?;
            }
            Format::Ndjson => {
                let rec = record::build(&p, &dns, flow, analysis, &opts);
                out.write_all(&packets::json(&rec))?;
                out.write_all(b"\n")?;
            }
            Format::Csv => {
                let rec = record::build(&p, &dns, flow, analysis, &opts);
                out.write_all(&report::csv_line(packets::csv_row(&rec)))?;
            }
        }
        emitted += 1;
        prev = Some(t);
        if live {
            out.flush()?;
        }
        Ok(())
    })?;
    if c.format == Format::Json {
        out.write_all(if emitted == 0 { b"]\n" } else { b"\n]\n" })?;
    }
    out.flush()?;
    finish(&mut reader, fault)
}

/// What [`collect_flows`] hands back.
struct Collected {
    stats: crate::flow::table::TableStats,
    fault: Option<CaptureError>,
    /// Still open: a live capture's statistics come after the report.
    source: Source,
}

/// Runs the flow table over the input and hands every flow to `sink` as
/// it ends (the last ones when the input ends); returns the table's
/// counters and the input fault, if any. `view` shows flows while a live
/// capture runs; every flow goes through it as it ends.
fn collect_flows(
    input: &Input,
    max_flows: usize,
    idle: crate::flow::table::Idle,
    threads: usize,
    mut view: Option<&mut live_flows::LiveFlows>,
    sink: &mut dyn flow_out::FlowOut,
) -> Result<Collected> {
    if let Some(n) = sharded::threads_for(input, threads, max_flows).filter(|_| view.is_none()) {
        return sharded::collect_flows(input, n, idle, sink);
    }
    let (mut reader, mut bpf, filter) = open(input)?;
    let mut dissector = Dissector::new();
    let mut table = FlowTable::new(max_flows).with_idle(idle);
    let mut names = crate::flow::dns::DnsTracker::new(crate::flow::dns::DEFAULT_TIMEOUT_NS).names_only();
    // Ended flows go to the view and the sink from inside the table's
    // callback, one at a time: an eviction ends a tenth of `--max-flows`
    // at once (10,000 records, 15 MB, when they were collected first).
    let mut failed: Option<io::Error> = None;
    if let Some(v) = view.as_deref_mut() {
        v.start()?;
    }
    let fault = for_each_frame(
        &mut reader,
        input,
        &mut bpf,
        #[inline(always)]
        |step| {
            let f = match step {
                Step::Frame(f) => f,
                Step::Tick(t) => {
                    if let Some(v) = view.as_deref_mut() {
                        v.tick(&t, &table)?;
                    }
                    return Ok(());
                }
            };
            if let Some(v) = view.as_deref_mut() {
                v.packet(f.orig_len);
            }
            dissector.dissect_with(
                f,
                #[inline(always)]
                |p| {
                    // Parsed once: the filter and the names both use it;
                    // the names alone need only the answers.
                    let dns = if filter.is_some() { record::parse_dns(p) } else { record::parse_dns_responses(p) };
                    if let Some(flt) = &filter {
                        if !flt.matches(&EvalContext::new(p).with_dns(&dns)) {
                            return;
                        }
                    }
                    names.packet(p, &dns, |_| {});
                    let placed = table.packet(p, |fl, why| hand_on(&fl, why, view.as_deref_mut(), sink, &mut failed));
                    name_new_flow(&mut table, placed.as_ref(), &names);
                },
            );
            match failed.take() {
                Some(e) => Err(e.into()),
                None => Ok(()),
            }
        },
    )?;
    // One at a time as well: the flows still open at the end can be most of them.
    table.finish(|fl, why| hand_on(&fl, why, view.as_deref_mut(), sink, &mut failed));
    if let Some(e) = failed {
        return Err(e.into());
    }
    Ok(Collected { stats: table.stats, fault, source: reader })
}

/// An ended flow to the live view and the sink, unless one of them has
/// failed already: the first error is kept in `failed` for the caller.
fn hand_on(
    fl: &crate::flow::table::Flow,
    why: crate::flow::table::EndReason,
    view: Option<&mut live_flows::LiveFlows>,
    sink: &mut dyn flow_out::FlowOut,
    failed: &mut Option<io::Error>,
) {
    if failed.is_some() {
        return;
    }
    let r = FlowRecord::from_flow(fl, why);
    let done = match view {
        Some(v) => v.ended(&r),
        None => Ok(()),
    };
    if let Err(e) = done.and_then(|()| sink.push(r)) {
        *failed = Some(e);
    }
}

/// Puts the names earlier DNS answers gave its addresses on a new flow.
/// Inlined down to the test of `new` (false for nearly every packet): as a
/// call it cost 13 instructions a packet.
#[inline]
fn name_new_flow(
    table: &mut FlowTable,
    placed: Option<&crate::flow::table::Placement>,
    names: &crate::flow::dns::DnsTracker,
) {
    if let Some(pl) = placed.filter(|pl| pl.new) {
        name_flow(table, pl.slot, names);
    }
}

fn name_flow(table: &mut FlowTable, slot: usize, names: &crate::flow::dns::DnsTracker) {
    if let Some(f) = table.get_mut(slot) {
        f.names = [names.name_for(&f.orig().0), names.name_for(&f.resp().0)];
    }
}

fn run_expert(c: &ExpertConfig) -> Result<u8> {
    let (mut reader, mut bpf, filter) = open(&c.input)?;
    let mut dissector = Dissector::new();
    let mut table = FlowTable::new(0);
    let mut events: Vec<crate::record::expert::ExpertEvent> = Vec::new();
    let mut view = live_reports::LiveExpert::new(&c.input, c.styled);
    // While a redrawn view is up the lines wait for the end.
    let stream = view.is_none();
    let live = reader.is_live();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if c.format == Format::Csv {
        out.write_all(&report::csv_line(report::expert::CSV_HEADER))?;
    }
    let input = c.input.clone();
    let fault = for_each_frame(&mut reader, &input, &mut bpf, |step| {
        let f = match step {
            Step::Frame(f) => f,
            Step::Tick(t) => {
                if let Some(v) = view.as_mut() {
                    v.tick(&t, &events, table.active())?;
                }
                return Ok(());
            }
        };
        if let Some(v) = view.as_mut() {
            v.packet(f.orig_len);
        }
        let p = dissector.dissect(f);
        let Some(pl) = table.packet(&p, |_, _| {}) else { return Ok(()) };
        let Some(a) = table.analysis(&pl).filter(|a| !a.kinds.is_empty()) else { return Ok(()) };
        if let Some(flt) = &filter {
            let dns = if flt.needs_dns() { record::parse_dns(&p) } else { Vec::new() };
            let extra = AnalysisFields { flow: Some(pl.id), analysis: Some(a) };
            if !flt.matches(&EvalContext::new(&p).with_dns(&dns).with_extra(&extra)) {
                return Ok(());
            }
        }
        let ts = Time { secs: p.ts.secs, nanos: p.ts.nanos };
        // Events stream out as they happen (the counts come at the end).
        for e in crate::record::expert::events(p.number, ts, pl.id, a) {
            if stream {
                write_expert_event(&mut out, c.format, &e)?;
            }
            if let Some(v) = view.as_mut() {
                v.event(&e);
            }
            events.push(e);
        }
        if live && stream {
            out.flush()?;
        }
        Ok(())
    })?;
    if let Some(v) = view.as_mut() {
        v.finish()?;
        for e in &events {
            write_expert_event(&mut out, c.format, e)?;
        }
    }
    let counts = report::expert::counts(&events);
    match c.format {
        Format::Table => {
            writeln!(out)?;
            out.write_all(report::expert::summary_table(&counts, c.styled).as_bytes())?;
        }
        Format::Json => {
            let v = serde_json::json!({ "events": events, "counts": counts });
            out.write_all(&serde_json::to_vec_pretty(&v)?)?;
            out.write_all(b"\n")?;
        }
        _ => {}
    }
    out.flush()?;
    drop(view);
    finish(&mut reader, fault)
}

/// One analysis event in a streaming format (JSON is written whole at the end).
fn write_expert_event(out: &mut impl Write, format: Format, e: &crate::record::expert::ExpertEvent) -> Result<()> {
    match format {
        Format::Table => writeln!(out, "{}", report::expert::line(e))?,
        Format::Ndjson => {
            out.write_all(&serde_json::to_vec(e)?)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => out.write_all(&report::csv_line(report::expert::csv_row(e)))?,
        Format::Json => {}
    }
    Ok(())
}

fn run_ladder(c: &LadderConfig) -> Result<u8> {
    let (mut reader, mut bpf, _filter) = open(&c.input)?;
    let mut dissector = Dissector::new();
    let mut table = FlowTable::new(0);
    let mut rows: Vec<crate::record::ladder::LadderRow> = Vec::new();
    let mut record: Option<FlowRecord> = None;
    let input = c.input.clone();
    let fault = for_each_frame(&mut reader, &input, &mut bpf, |step| {
        let Step::Frame(f) = step else { return Ok(()) };
        let p = dissector.dissect(f);
        let wanted = c.flow;
        let placed = table.packet(&p, |fl, why| {
            if fl.id == wanted {
                record = Some(FlowRecord::from_flow(&fl, why));
            }
        });
        if let Some(pl) = placed.filter(|pl| pl.id == c.flow) {
            if let Some(row) = table.analysis(&pl).and_then(|a| crate::record::ladder::LadderRow::new(&p, pl.side, a)) {
                rows.push(row);
            }
        }
        Ok(())
    })?;
    table.finish(|fl, why| {
        if fl.id == c.flow {
            record = Some(FlowRecord::from_flow(&fl, why));
        }
    });
    let Some(rec) = record else {
        anyhow::bail!("{}: there is no flow {} (see `wirelens flows`)", c.input.name(), c.flow);
    };
    if rec.proto != "tcp" {
        anyhow::bail!("flow {} is {}, not TCP: a ladder diagram needs TCP segments", c.flow, rec.proto);
    }
    let ep = |a: &str, p: u16| if a.contains(':') { format!("[{a}]:{p}") } else { format!("{a}:{p}") };
    let header = report::ladder::LadderHeader {
        id: rec.id,
        orig: ep(&rec.orig_addr, rec.orig_port),
        resp: ep(&rec.resp_addr, rec.resp_port),
        handshake: rec.handshake.map(str::to_string),
        close: rec.close.map(str::to_string),
        initial_rtt_ms: rec.initial_rtt_ms,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    out.write_all(report::ladder::render(&header, &rows, c.fold, c.styled).as_bytes())?;
    out.flush()?;
    finish(&mut reader, fault)
}

fn run_dns(c: &DnsConfig) -> Result<u8> {
    use crate::record::dnstx::DnsTxRecord;
    let (mut reader, mut bpf, filter) = open(&c.input)?;
    let mut dissector = Dissector::new();
    let mut view = live_reports::LiveDns::new(&c.input, c.format, c.styled, c.stats);
    let mut tracker = crate::flow::dns::DnsTracker::new(c.timeout_ns);
    if view.is_some() {
        tracker = tracker.with_live_events();
    }
    let mut rows: Vec<DnsTxRecord> = Vec::new();
    if let Some(v) = view.as_mut() {
        v.start()?;
    }
    let mut handed: Vec<crate::flow::dns::DnsTransaction> = Vec::new();
    let input = c.input.clone();
    let fault = for_each_frame(&mut reader, &input, &mut bpf, |step| {
        match step {
            Step::Frame(f) => {
                if let Some(v) = view.as_mut() {
                    v.packet(f.orig_len);
                }
                let p = dissector.dissect(f);
                let dns = record::parse_dns(&p);
                if let Some(flt) = &filter {
                    if !flt.matches(&EvalContext::new(&p).with_dns(&dns)) {
                        return Ok(());
                    }
                }
                tracker.packet(&p, &dns, |t| handed.push(t));
            }
            Step::Tick(t) => tracker.tick(t.now, |t| handed.push(t)),
        }
        dns_transactions(&mut handed, &mut rows, &mut tracker, &mut |r| match view.as_mut() {
            Some(v) => v.event(r),
            None => Ok(()),
        })?;
        if let (Some(v), Step::Tick(t)) = (view.as_mut(), step) {
            v.tick(&t)?;
        }
        Ok(())
    })?;
    tracker.finish_all(|t| handed.push(t));
    dns_transactions(&mut handed, &mut rows, &mut tracker, &mut |r| match view.as_mut() {
        Some(v) => v.event(r),
        None => Ok(()),
    })?;
    if let Some(v) = view.as_mut() {
        if v.finish()? {
            drop(view);
            return finish(&mut reader, fault);
        }
    }
    // In capture order of the first message of each transaction.
    rows.sort_by_key(|r| (r.query_frame.or(r.response_frame), r.response_frame));
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if c.stats {
        let s = crate::record::dnstx::stats(&rows, 10);
        match c.format {
            Format::Table | Format::Csv => out.write_all(report::dns::stats_text(&s, c.styled).as_bytes())?,
            Format::Json => {
                out.write_all(&serde_json::to_vec_pretty(&s)?)?;
                out.write_all(b"\n")?;
            }
            Format::Ndjson => {
                out.write_all(&serde_json::to_vec(&s)?)?;
                out.write_all(b"\n")?;
            }
        }
    } else {
        match report::rows_bytes(c.format, &rows) {
            Some(bytes) => out.write_all(&bytes)?,
            None => out.write_all(report::dns::table(&rows, c.styled).as_bytes())?,
        }
    }
    out.flush()?;
    drop(view);
    finish(&mut reader, fault)
}

fn run_conv(c: &ConvConfig) -> Result<u8> {
    let mut view = live_flows::LiveFlows::new(&c.input, c.format, c.styled, c.top, live_flows::Body::Conv(c.by));
    // Grouped as flows end: memory follows the conversations, not the flows.
    let mut groups = crate::record::conv::ConvGroups::new(c.by);
    let Collected { fault, mut source, .. } = collect_flows(
        &c.input,
        0,
        crate::flow::table::Idle::ZeekDefaults,
        c.threads,
        view.as_mut(),
        &mut flow_out::Each(|r: FlowRecord| {
            groups.add(&r);
            Ok(())
        }),
    )?;
    if let Some(v) = view.as_mut() {
        v.finish()?;
    }
    drop(view);
    let mut rows = groups.finish();
    if let Some(n) = c.top {
        rows.truncate(n);
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match report::rows_bytes(c.format, &rows) {
        Some(bytes) => out.write_all(&bytes)?,
        None => out.write_all(report::conv::table(&rows, c.styled).as_bytes())?,
    }
    out.flush()?;
    finish(&mut source, fault)
}

fn run_flows(c: &FlowsConfig) -> Result<u8> {
    let mut view = live_flows::LiveFlows::new(&c.input, c.format, c.styled, c.top, live_flows::Body::Flows);
    let stdout = io::stdout();
    let out = BufWriter::with_capacity(1 << 16, stdout.lock());
    // Flows stream out as they end unless a live view is on the screen
    // (its final report comes after it) or its event lines are the output.
    let mut sink = match view.as_ref() {
        Some(v) if v.is_whole_output() => flow_out::FlowSink::Discard,
        Some(_) => flow_out::FlowSink::All(Vec::new()),
        None => flow_out::FlowSink::new(c.format, c.sort, c.top, out)?,
    };
    let Collected { stats, fault, mut source } =
        collect_flows(&c.input, c.max_flows, c.idle, c.threads, view.as_mut(), &mut sink)?;
    if let Some(v) = view.as_mut() {
        v.finish()?;
    }
    drop(view);
    let Some(rows) = sink.finish(c.sort, c.top)? else {
        return finish(&mut source, fault);
    };
    let mut out = BufWriter::new(stdout.lock());
    match c.format {
        Format::Table => {
            out.write_all(report::flows::table(&rows, c.styled).as_bytes())?;
            let mut footer = format!("{} flows", stats.flows);
            if stats.evicted > 0 {
                footer.push_str(&format!(", {} evicted to stay within --max-flows {}", stats.evicted, c.max_flows));
            }
            if stats.expired > 0 {
                footer.push_str(&format!(", {} ended by inactivity", stats.expired));
            }
            if stats.unflowed_packets > 0 {
                footer.push_str(&format!(
                    "; {} packets belong to no flow (not IP, or fragments)",
                    stats.unflowed_packets
                ));
            }
            writeln!(out, "{footer}")?;
        }
        f => out.write_all(&report::rows_bytes(f, &rows).unwrap_or_default())?,
    }
    out.flush()?;
    finish(&mut source, fault)
}

fn run_info(c: &InfoConfig) -> Result<u8> {
    use crate::record::dnstx::DnsTxRecord;
    let (mut reader, mut bpf, filter) = open(&c.input)?;
    let mut dissector = Dissector::new();
    let mut sb = StatsBuilder::default();
    let mut view = live_reports::LiveSummary::new(&c.input, c.format, c.styled, c.summary);
    // The overview also groups packets into flows, in the same pass.
    let mut table = c.summary.then(|| FlowTable::new(0));
    let mut flows: Vec<FlowRecord> = Vec::new();
    let mut dns_rows: Vec<DnsTxRecord> = Vec::new();
    let mut names = crate::flow::dns::DnsTracker::new(crate::flow::dns::DEFAULT_TIMEOUT_NS);
    if view.is_some() {
        names = names.with_live_events();
    }
    let mut handed: Vec<crate::flow::dns::DnsTransaction> = Vec::new();
    let input = c.input.clone();
    let fault = for_each_frame(&mut reader, &input, &mut bpf, |step| {
        let f = match step {
            Step::Frame(f) => f,
            Step::Tick(t) => {
                if let Some(v) = view.as_mut() {
                    if table.is_some() {
                        names.tick(t.now, |tx| handed.push(tx));
                        dns_transactions(&mut handed, &mut dns_rows, &mut names, &mut |r| v.dns(r))?;
                    }
                    v.tick(&t, table.as_ref(), &flows)?;
                }
                return Ok(());
            }
        };
        if let Some(v) = view.as_mut() {
            v.packet(f.orig_len);
        }
        let p = dissector.dissect(f);
        let dns = record::parse_dns(&p);
        if let Some(flt) = &filter {
            if !flt.matches(&EvalContext::new(&p).with_dns(&dns)) {
                return Ok(());
            }
        }
        sb.add(&p, !dns.is_empty());
        if let Some(t) = table.as_mut() {
            let before_flows = flows.len();
            names.packet(&p, &dns, |tx| handed.push(tx));
            let placed = t.packet(&p, |fl, why| flows.push(FlowRecord::from_flow(&fl, why)));
            dns_transactions(&mut handed, &mut dns_rows, &mut names, &mut |r| match view.as_mut() {
                Some(v) => v.dns(r),
                None => Ok(()),
            })?;
            if let Some(v) = view.as_mut() {
                for r in &flows[before_flows..] {
                    v.flow(r)?;
                }
                if let Some(a) = placed.as_ref().and_then(|pl| t.analysis(pl).map(|a| (pl.id, a))) {
                    let ts = Time { secs: p.ts.secs, nanos: p.ts.nanos };
                    for e in crate::record::expert::events(p.number, ts, a.0, a.1) {
                        v.analysis(&e)?;
                    }
                }
            }
            name_new_flow(t, placed.as_ref(), &names);
        }
        Ok(())
    })?;
    if let Some(t) = table.as_mut() {
        t.finish(|fl, why| flows.push(FlowRecord::from_flow(&fl, why)));
    }
    if let Some(v) = view.as_mut() {
        v.finish()?;
    }
    drop(view);
    let summary = summary::capture_summary(&c.input, &mut reader, &mut sb, &dissector.finish(), fault.as_ref());
    let conversations = crate::record::conv::group(&flows, crate::record::conv::GroupBy::Port);
    let problem_flows = crate::record::overview::problem_flows(&flows, 10);
    let anomalies = crate::record::overview::anomalies(&flows);
    names.finish_all(|tx| dns_rows.push(crate::record::dnstx::DnsTxRecord::from_tx(&tx)));
    let dns_activity = crate::record::dnstx::stats(&dns_rows, 5);
    flows.sort_by_key(|r| std::cmp::Reverse(r.orig_frame_bytes + r.resp_frame_bytes));
    flows.truncate(10);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match c.format {
        Format::Table => {
            out.write_all(report::info::text(&summary).as_bytes())?;
            if c.summary {
                writeln!(out, "\nFlows with problems (worst first):")?;
                out.write_all(report::overview::problems(&problem_flows, c.styled).as_bytes())?;
                writeln!(out, "\nAnomalies:")?;
                out.write_all(report::overview::anomalies(&anomalies).as_bytes())?;
                writeln!(out, "\nDNS activity:")?;
                out.write_all(report::overview::dns(&dns_activity).as_bytes())?;
                writeln!(out, "\nConversations by service (busiest first):")?;
                out.write_all(report::conv::table(&conversations, c.styled).as_bytes())?;
                writeln!(out, "\nLargest flows:")?;
                out.write_all(report::flows::table(&flows, c.styled).as_bytes())?;
            }
        }
        Format::Json | Format::Ndjson if c.summary => {
            let v = serde_json::json!({
                "capture": summary,
                "problem_flows": problem_flows,
                "anomalies": anomalies,
                "dns": dns_activity,
                "conversations": conversations,
                "top_flows": flows,
            });
            out.write_all(&if c.format == Format::Json {
                serde_json::to_vec_pretty(&v)?
            } else {
                serde_json::to_vec(&v)?
            })?;
            out.write_all(b"\n")?;
        }
        Format::Json => {
            out.write_all(&report::info::json(&summary))?;
            out.write_all(b"\n")?;
        }
        Format::Ndjson => {
            out.write_all(&serde_json::to_vec(&summary)?)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => {
            out.write_all(&report::csv_line(["protocol", "frames", "bytes"]))?;
            for row in report::info::csv_rows(&summary) {
                out.write_all(&report::csv_line(row))?;
            }
        }
    }
    out.flush()?;
    finish(&mut reader, fault)
}

/// DNS transactions the tracker handed out join `rows`; `show` gets each
/// one as it happens: a live event (answered, or past its timeout), or a
/// handed-out transaction that was never announced as one.
fn dns_transactions(
    handed: &mut Vec<crate::flow::dns::DnsTransaction>,
    rows: &mut Vec<crate::record::dnstx::DnsTxRecord>,
    tracker: &mut crate::flow::dns::DnsTracker,
    show: &mut dyn FnMut(&crate::record::dnstx::DnsTxRecord) -> io::Result<()>,
) -> Result<()> {
    for tx in handed.drain(..) {
        let r = crate::record::dnstx::DnsTxRecord::from_tx(&tx);
        if !tx.announced {
            show(&r)?;
        }
        rows.push(r);
    }
    for tx in tracker.take_live_events() {
        show(&crate::record::dnstx::DnsTxRecord::from_tx(&tx))?;
    }
    Ok(())
}
