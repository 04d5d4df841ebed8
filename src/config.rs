//! Flags resolved into what the run needs: the one place that turns the
//! command line and the environment (terminal or not, NO_COLOR) into
//! decisions, once, before any packet is read.

use std::io::IsTerminal;
use std::time::Duration;

use crate::capture::live::{LiveOptions, SaveTo};
use crate::cli::{
    ByArg, Cli, ColorArg, Command, ConvArgs, DnsArgs, FlowsArgs, FormatArg, InfoArgs, InputArgs, LadderArgs, LiveArg,
    LiveArgs, PacketsArgs, SortArg, TimeArg,
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
    /// Started as root: whom to become once the capture is open.
    pub run_as: Option<RunAs>,
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
    /// The file name, or the interface name of a live capture.
    pub fn name(&self) -> &str {
        match &self.source {
            Source::File(p) => p,
            Source::Live(l) => &l.options.interface,
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
    /// Box-drawing tables (a terminal that wants styling).
    pub styled: bool,
}

#[derive(Debug, Clone)]
pub struct ConvConfig {
    pub input: Input,
    pub format: Format,
    pub by: crate::record::conv::GroupBy,
    pub top: Option<usize>,
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
}

#[derive(Debug, Clone)]
pub struct Config {
    pub job: Job,
    /// Colour and styling on (a terminal, not NO_COLOR, not --color never).
    pub color: bool,
}

/// The user to become after opening a capture as root: `--user`, else the
/// one who ran sudo (as tcpdump -Z; sudo sets SUDO_UID and SUDO_GID).
fn run_as(user: Option<String>) -> Option<RunAs> {
    if let Some(u) = user {
        return Some(RunAs::User(u));
    }
    let id = |k: &str| std::env::var(k).ok()?.parse::<u32>().ok();
    Some(RunAs::Sudo { uid: id("SUDO_UID")?, gid: id("SUDO_GID")? })
}

fn input(a: InputArgs, fmt: Format, stdout_tty: bool) -> Input {
    let InputArgs { file, display_filter, bpf, count, live } = a;
    let LiveArgs { interface, no_promisc, snaplen, buffer_size, duration, write, packet_buffered, user, view } = live;
    let source = match interface {
        // clap makes FILE required without -i, so the default is never used.
        None => Source::File(file.unwrap_or_default()),
        Some(interface) => {
            return Input {
                source: Source::Live(LiveInput {
                    options: LiveOptions {
                        interface,
                        promisc: !no_promisc,
                        snaplen: snaplen.unwrap_or(0),
                        buffer_size: buffer_size.map(|k| k.saturating_mul(1024)),
                        filter: bpf,
                        duration: duration.map(Duration::from_secs_f64),
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
            Some(Command::Flows(FlowsArgs { input: i, sort, top, max_flows, idle_timeout })) => {
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
                    styled: color,
                })
            }
            Some(Command::Conv(ConvArgs { input: i, by, top })) => Job::Conv(ConvConfig {
                input: input(i, fmt, stdout_tty),
                format: fmt,
                by: match by {
                    ByArg::Port => crate::record::conv::GroupBy::Port,
                    ByArg::Hosts => crate::record::conv::GroupBy::Hosts,
                },
                top,
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
            Some(Command::Interfaces) => Job::Interfaces(InterfacesConfig { format: fmt, styled: color }),
            None if cli.list_interfaces => Job::Interfaces(InterfacesConfig { format: fmt, styled: color }),
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
