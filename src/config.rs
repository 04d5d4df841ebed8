//! Flags resolved into what the run needs: the one place that turns the
//! command line and the environment (terminal or not, NO_COLOR) into
//! decisions, once, before any packet is read.

use std::io::IsTerminal;
use std::time::Duration;

use crate::capture::live::{LiveOptions, SaveTo, TstampType};
use crate::cli::{
    ByArg, Cli, ColorArg, Command, ConvArgs, DnsArgs, FlowsArgs, FormatArg, InfoArgs, InputArgs, LadderArgs, LiveArg,
    LiveArgs, PacketsArgs, SortArg, TimeArg, TstampArg,
};
use crate::process::RunAs;
pub use crate::report::{Format, TimeFormat};

/// Where packets come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A capture file (`-` for stdin).
    File(String),
    /// A network interface (`-i`).
    Live(LiveInput),
}

#[derive(Debug, Clone)]
pub struct LiveInput {
    /// The interface and how to open it, the BPF filter included (libpcap
    /// compiles it for the handle and the kernel applies it).
    pub options: LiveOptions,
    /// `-w`; the owner is filled in once it is known whom the run becomes.
    pub save: Option<SaveTo>,
    /// Whom to become once the capture is open (when started as root).
    pub run_as: RunAs,
}

#[derive(Debug, Clone)]
pub struct Input {
    pub source: Source,
    pub display_filter: Option<String>,
    /// BPF filter applied to file packets (a live capture's is in its options).
    pub bpf: Option<String>,
    pub count: Option<u64>,
    /// What a live capture shows while it runs (always `Off` for files).
    pub view: LiveView,
}

impl Input {
    /// The file name, or the interface names of a live capture ("eth0, eth1").
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        match &self.source {
            Source::File(p) => p.into(),
            Source::Live(l) => l.options.interfaces.join(", ").into(),
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self.source, Source::Live(_))
    }
}

/// What a live capture shows while it runs, before the final report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveView {
    /// Only the final report (a file, or JSON, which is one document).
    Off,
    /// On a terminal: the report so far, redrawn in place about once a second.
    Redraw,
    /// Not on a terminal (or NDJSON/CSV): a line per event as it happens
    /// (a flow that ended, an analysis event, a DNS transaction).
    Events,
}

/// The live view: `--live` when given, else a redraw on a terminal and
/// event lines otherwise. JSON is one document, written at the end.
fn live_view(live: bool, arg: Option<LiveArg>, fmt: Format, stdout_tty: bool) -> LiveView {
    match (live, arg, fmt) {
        (false, _, _) | (true, _, Format::Json) | (true, Some(LiveArg::Off), _) => LiveView::Off,
        (true, Some(LiveArg::Redraw), _) => LiveView::Redraw,
        (true, Some(LiveArg::Events), _) => LiveView::Events,
        (true, None, Format::Table) if stdout_tty => LiveView::Redraw,
        (true, None, _) => LiveView::Events,
    }
}

#[derive(Debug, Clone)]
pub struct PacketsConfig {
    pub input: Input,
    pub format: Format,
    pub time: TimeFormat,
    pub verbose: bool,
    pub hex: bool,
    pub resolve_ports: bool,
}

#[derive(Debug, Clone)]
pub struct InfoConfig {
    pub input: Input,
    pub format: Format,
    /// The overview: info plus conversations and the largest flows.
    pub summary: bool,
    pub styled: bool,
}

/// Row order of the flows report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowSort {
    Start,
    Bytes,
    Packets,
    Duration,
    Retrans,
}

#[derive(Debug, Clone)]
pub struct FlowsConfig {
    pub input: Input,
    pub format: Format,
    pub sort: FlowSort,
    pub top: Option<usize>,
    pub max_flows: usize,
    pub idle: crate::flow::table::Idle,
    /// Analysis threads for a capture file (1: the analysis on one thread).
    pub threads: usize,
    /// Box-drawing tables (a terminal that wants styling).
    pub styled: bool,
}

#[derive(Debug, Clone)]
pub struct ConvConfig {
    pub input: Input,
    pub format: Format,
    pub by: crate::record::conv::GroupBy,
    pub top: Option<usize>,
    /// Analysis threads for a capture file, as for `flows`.
    pub threads: usize,
    pub styled: bool,
}

#[derive(Debug, Clone)]
pub struct ExpertConfig {
    pub input: Input,
    pub format: Format,
    pub styled: bool,
}

#[derive(Debug, Clone)]
pub struct LadderConfig {
    pub input: Input,
    pub flow: u64,
    pub fold: bool,
    /// UTF-8 arrows (a terminal that wants styling), else ASCII.
    pub styled: bool,
}

#[derive(Debug, Clone)]
pub struct DnsConfig {
    pub input: Input,
    pub format: Format,
    pub stats: bool,
    pub timeout_ns: i64,
    pub styled: bool,
}

#[derive(Debug, Clone)]
pub enum Job {
    Conv(ConvConfig),
    Dns(DnsConfig),
    Ladder(LadderConfig),
    Expert(ExpertConfig),
    Packets(PacketsConfig),
    Flows(FlowsConfig),
    Info(InfoConfig),
    Interfaces(InterfacesConfig),
}

#[derive(Debug, Clone)]
pub struct InterfacesConfig {
    pub format: Format,
    pub styled: bool,
    pub list: Listing,
}

/// What `interfaces` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// The capture devices (`-D`).
    Devices,
    /// The time stamp types of each interface (`-J`), in the order given.
    TstampTypes(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub job: Job,
    /// Colour and styling on (a terminal, not NO_COLOR, not --color never).
    pub color: bool,
}

/// The most analysis threads `--threads` gives.
const MAX_THREADS: usize = 64;

/// One thread per core, at most 8; one on a single core. The flows are
/// split into one part more than the threads (`app::sharded`), and the
/// threads take the reading and the parts as tasks (`capture::pool`), so
/// that no core waits while there is work. Before the pool, the default
/// was a thread per part and one for the reader, one analysis thread more
/// than cores (three against two: 0.435 against 0.446 s on the benchmark
/// capture); the pool on two threads with three parts against that: faster
/// in 67 of 100 paired runs (medians -7, -25 and -55 ms).
fn default_threads() -> usize {
    match std::thread::available_parallelism().map_or(1, |n| n.get()) {
        1 => 1,
        n => n.min(8),
    }
}

/// The user to become after opening a capture as root: `--user` (as
/// tcpdump -Z), else the one who ran sudo (sudo sets SUDO_UID and SUDO_GID),
/// else `nobody` (see `process`).
fn run_as(user: Option<String>) -> RunAs {
    if let Some(u) = user {
        return RunAs::User(u);
    }
    let id = |k: &str| std::env::var(k).ok()?.parse::<u32>().ok();
    match (id("SUDO_UID"), id("SUDO_GID")) {
        (Some(uid), Some(gid)) => RunAs::Sudo { uid, gid },
        _ => RunAs::Nobody,
    }
}

fn input(a: InputArgs, fmt: Format, stdout_tty: bool) -> Input {
    let InputArgs { file, display_filter, bpf, count, live } = a;
    // -J is resolved before this (see `tstamp_listing`).
    let LiveArgs {
        interface,
        no_promisc,
        snaplen,
        buffer_size,
        duration,
        write,
        packet_buffered,
        user,
        monitor_mode,
        time_stamp_type,
        list_time_stamp_types: _,
        view,
    } = live;
    let source = match interface.is_empty() {
        // clap makes FILE required without -i, so the default is never used.
        true => Source::File(file.unwrap_or_default()),
        false => {
            return Input {
                source: Source::Live(LiveInput {
                    options: LiveOptions {
                        interfaces: interface,
                        promisc: !no_promisc,
                        snaplen: snaplen.unwrap_or(0),
                        buffer_size: buffer_size.map(|k| k.saturating_mul(1024)),
                        filter: bpf,
                        duration: duration.map(Duration::from_secs_f64),
                        monitor: monitor_mode,
                        tstamp_type: time_stamp_type.map(tstamp_type),
                    },
                    save: write.map(|path| SaveTo { path, flush_each: packet_buffered, owner: None }),
                    run_as: run_as(user),
                }),
                display_filter,
                bpf: None,
                count,
                view: live_view(true, view, fmt, stdout_tty),
            };
        }
    };
    Input { source, display_filter, bpf, count, view: LiveView::Off }
}

fn tstamp_type(t: TstampArg) -> TstampType {
    match t {
        TstampArg::Host => TstampType::Host,
        TstampArg::HostLowprec => TstampType::HostLowPrec,
        TstampArg::HostHiprec => TstampType::HostHiPrec,
        TstampArg::HostHiprecUnsynced => TstampType::HostHiPrecUnsynced,
        TstampArg::Adapter => TstampType::Adapter,
        TstampArg::AdapterUnsynced => TstampType::AdapterUnsynced,
    }
}

/// The interfaces of `-J`, given at the top (`wirelens -J -i IFACE`) or to
/// a command (`wirelens packets -i IFACE -J`, or several `-i`, as dumpcap
/// lists each): as in tcpdump, listing the types replaces the run.
fn tstamp_listing(cli: &Cli) -> Option<Vec<String>> {
    if cli.list_time_stamp_types {
        return cli.interface.clone().map(|i| vec![i]);
    }
    let input = match cli.command.as_ref()? {
        Command::Packets(a) => &a.input,
        Command::Flows(a) => &a.input,
        Command::Conv(a) => &a.input,
        Command::Expert(a) | Command::Info(a) | Command::Summary(a) => &a.input,
        Command::Ladder(a) => &a.input,
        Command::Dns(a) => &a.input,
        Command::Interfaces => return None,
    };
    let names = &input.live.interface;
    (input.live.list_time_stamp_types && !names.is_empty()).then(|| names.clone())
}

fn format(f: Option<FormatArg>) -> Format {
    match f.unwrap_or(FormatArg::Table) {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Ndjson => Format::Ndjson,
        FormatArg::Csv => Format::Csv,
    }
}

impl Config {
    /// Resolves the parsed command line. `None` when there is nothing to do
    /// (no subcommand and no file): the caller prints help.
    pub fn resolve(cli: Cli) -> Option<Config> {
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match cli.output.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => stdout_tty && !no_color,
        };
        let fmt = format(cli.output.format);
        if let Some(interfaces) = tstamp_listing(&cli) {
            let list = Listing::TstampTypes(interfaces);
            return Some(Config { job: Job::Interfaces(InterfacesConfig { format: fmt, styled: color, list }), color });
        }
        let devices = InterfacesConfig { format: fmt, styled: color, list: Listing::Devices };
        let job = match cli.command {
            Some(Command::Packets(PacketsArgs { input: i, verbose, hex, numeric, time })) => {
                Job::Packets(PacketsConfig {
                    input: input(i, fmt, stdout_tty),
                    format: fmt,
                    time: match time {
                        TimeArg::Rel => TimeFormat::Relative,
                        TimeArg::Abs => TimeFormat::Absolute,
                        TimeArg::Delta => TimeFormat::Delta,
                        TimeArg::Epoch => TimeFormat::Epoch,
                        TimeArg::Utc => TimeFormat::Utc,
                    },
                    verbose,
                    hex,
                    resolve_ports: !numeric,
                })
            }
            Some(Command::Flows(FlowsArgs { input: i, sort, top, max_flows, idle_timeout, threads })) => {
                Job::Flows(FlowsConfig {
                    input: input(i, fmt, stdout_tty),
                    format: fmt,
                    sort: match sort {
                        SortArg::Start => FlowSort::Start,
                        SortArg::Bytes => FlowSort::Bytes,
                        SortArg::Packets => FlowSort::Packets,
                        SortArg::Duration => FlowSort::Duration,
                        SortArg::Retrans => FlowSort::Retrans,
                    },
                    top,
                    max_flows,
                    idle: match idle_timeout {
                        None => crate::flow::table::Idle::ZeekDefaults,
                        Some(s) if s <= 0.0 => crate::flow::table::Idle::Never,
                        Some(s) => crate::flow::table::Idle::After((s * 1e9) as i64),
                    },
                    threads: threads.unwrap_or_else(default_threads).clamp(1, MAX_THREADS),
                    styled: color,
                })
            }
            Some(Command::Conv(ConvArgs { input: i, by, top, threads })) => Job::Conv(ConvConfig {
                input: input(i, fmt, stdout_tty),
                format: fmt,
                by: match by {
                    ByArg::Port => crate::record::conv::GroupBy::Port,
                    ByArg::Hosts => crate::record::conv::GroupBy::Hosts,
                },
                top,
                threads: threads.unwrap_or_else(default_threads).clamp(1, MAX_THREADS),
                styled: color,
            }),
            Some(Command::Expert(InfoArgs { input: i })) => {
                Job::Expert(ExpertConfig { input: input(i, fmt, stdout_tty), format: fmt, styled: color })
            }
            Some(Command::Ladder(LadderArgs { input: i, flow, no_fold })) => {
                Job::Ladder(LadderConfig { input: input(i, fmt, stdout_tty), flow, fold: !no_fold, styled: color })
            }
            Some(Command::Dns(DnsArgs { input: i, stats, dns_timeout })) => Job::Dns(DnsConfig {
                input: input(i, fmt, stdout_tty),
                format: fmt,
                stats,
                timeout_ns: (dns_timeout.max(0.0) * 1e9) as i64,
                styled: color,
            }),
            Some(Command::Info(InfoArgs { input: i })) => {
                Job::Info(InfoConfig { input: input(i, fmt, stdout_tty), format: fmt, summary: false, styled: color })
            }
            Some(Command::Summary(InfoArgs { input: i })) => {
                Job::Info(InfoConfig { input: input(i, fmt, stdout_tty), format: fmt, summary: true, styled: color })
            }
            Some(Command::Interfaces) => Job::Interfaces(devices),
            None if cli.list_interfaces => Job::Interfaces(devices),
            None => {
                let path = cli.file?;
                Job::Info(InfoConfig {
                    input: Input {
                        source: Source::File(path),
                        display_filter: None,
                        bpf: None,
                        count: None,
                        view: LiveView::Off,
                    },
                    format: fmt,
                    summary: true,
                    styled: color,
                })
            }
        };
        Some(Config { job, color })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn job(args: &[&str]) -> Job {
        Config::resolve(Cli::try_parse_from(args).expect("parses")).expect("a job").job
    }

    fn listing(args: &[&str]) -> Option<Listing> {
        match job(args) {
            Job::Interfaces(c) => Some(c.list),
            _ => None,
        }
    }

    #[test]
    fn list_time_stamp_types_at_the_top_or_in_a_command() {
        let want = Some(Listing::TstampTypes(vec!["eth0".into()]));
        assert_eq!(listing(&["wirelens", "-J", "-i", "eth0"]), want);
        assert_eq!(listing(&["wirelens", "flows", "-i", "eth0", "-J"]), want);
        assert_eq!(listing(&["wirelens", "-D"]), Some(Listing::Devices));
        // -J needs an interface, and -i at the top is only for -J.
        assert!(Cli::try_parse_from(["wirelens", "-J"]).is_err());
        assert!(Cli::try_parse_from(["wirelens", "-i", "eth0"]).is_err());
        assert!(Cli::try_parse_from(["wirelens", "packets", "x.pcap", "-J"]).is_err());
        let both = Some(Listing::TstampTypes(vec!["eth0".into(), "eth1".into()]));
        assert_eq!(listing(&["wirelens", "flows", "-i", "eth0", "-i", "eth1", "-J"]), both);
    }

    #[test]
    fn interfaces_repeat_in_the_order_given() {
        let Job::Flows(c) = job(&["wirelens", "flows", "-i", "eth1", "-i", "eth0", "-w", "x.pcapng"]) else {
            panic!("not flows")
        };
        assert_eq!(c.input.name(), "eth1, eth0");
        let Source::Live(live) = c.input.source else { panic!("not live") };
        assert_eq!(live.options.interfaces, ["eth1", "eth0"]);
        // Not with a file.
        assert!(Cli::try_parse_from(["wirelens", "flows", "x.pcap", "-i", "eth0"]).is_err());
    }

    #[test]
    fn monitor_mode_and_time_stamp_type_reach_the_capture() {
        let Job::Packets(c) = job(&["wirelens", "packets", "-i", "wlan0", "-I", "-j", "adapter_unsynced"]) else {
            panic!("not packets")
        };
        let Source::Live(live) = c.input.source else { panic!("not live") };
        assert!(live.options.monitor);
        assert_eq!(live.options.tstamp_type, Some(TstampType::AdapterUnsynced));
        // libpcap's names only, and not for files.
        assert!(Cli::try_parse_from(["wirelens", "packets", "-i", "eth0", "-j", "adapter_hiprec"]).is_err());
        assert!(Cli::try_parse_from(["wirelens", "packets", "x.pcap", "-j", "host"]).is_err());
        assert!(Cli::try_parse_from(["wirelens", "packets", "x.pcap", "-I"]).is_err());
    }
}
