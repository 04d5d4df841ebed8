//! Flags resolved into what the run needs: the one place that turns the
//! command line and the environment (terminal or not, NO_COLOR) into
//! decisions, once, before any packet is read.

use std::io::IsTerminal;

use crate::cli::{
    ByArg, Cli, ColorArg, Command, ConvArgs, DnsArgs, FlowsArgs, FormatArg, InfoArgs, InputArgs, LadderArgs,
    PacketsArgs, SortArg, TimeArg,
};
pub use crate::report::{Format, TimeFormat};

#[derive(Debug, Clone)]
pub struct Input {
    pub path: String,
    pub display_filter: Option<String>,
    pub bpf: Option<String>,
    pub count: Option<u64>,
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
}

#[derive(Debug, Clone)]
pub struct Config {
    pub job: Job,
    /// Colour and styling on (a terminal, not NO_COLOR, not --color never).
    pub color: bool,
}

fn input(a: InputArgs) -> Input {
    Input { path: a.file, display_filter: a.display_filter, bpf: a.bpf, count: a.count }
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
                    input: input(i),
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
                    input: input(i),
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
                input: input(i),
                format: fmt,
                by: match by {
                    ByArg::Port => crate::record::conv::GroupBy::Port,
                    ByArg::Hosts => crate::record::conv::GroupBy::Hosts,
                },
                top,
                styled: color,
            }),
            Some(Command::Expert(InfoArgs { input: i })) => {
                Job::Expert(ExpertConfig { input: input(i), format: fmt, styled: color })
            }
            Some(Command::Ladder(LadderArgs { input: i, flow, no_fold })) => {
                Job::Ladder(LadderConfig { input: input(i), flow, fold: !no_fold, styled: color })
            }
            Some(Command::Dns(DnsArgs { input: i, stats, dns_timeout })) => Job::Dns(DnsConfig {
                input: input(i),
                format: fmt,
                stats,
                timeout_ns: (dns_timeout.max(0.0) * 1e9) as i64,
                styled: color,
            }),
            Some(Command::Info(InfoArgs { input: i })) => {
                Job::Info(InfoConfig { input: input(i), format: fmt, summary: false, styled: color })
            }
            Some(Command::Summary(InfoArgs { input: i })) => {
                Job::Info(InfoConfig { input: input(i), format: fmt, summary: true, styled: color })
            }
            None => {
                let path = cli.file?;
                Job::Info(InfoConfig {
                    input: Input { path, display_filter: None, bpf: None, count: None },
                    format: fmt,
                    summary: true,
                    styled: color,
                })
            }
        };
        Some(Config { job, color })
    }
}
