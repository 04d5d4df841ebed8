//! Command-line syntax (clap derive). Only syntax lives here: flags are
//! turned into a resolved `Config` by `config.rs`, and nothing else in the
//! crate knows that flags exist.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "wirelens",
    version,
    about = "Packet capture analyser: dissects captures and explains what happened on the wire",
    long_about = None,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Capture file to summarise (pcap, pcapng, optionally gzip-compressed; `-` for stdin).
    pub file: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One line per packet, like tshark: number, time, source → destination, protocol, length, info.
    Packets(PacketsArgs),
    /// One row per flow (TCP, UDP, ICMP conversation): endpoints, duration, packets and bytes each way.
    Flows(FlowsArgs),
    /// Conversations by service: flows grouped by responder port (or by host pair with --by hosts).
    Conv(ConvArgs),
    /// One line per TCP analysis event (retransmission, lost segment, dup ACK, zero window, ...), then counts.
    Expert(InfoArgs),
    /// One TCP connection as an arrow diagram: handshake, data, losses, retransmissions, close.
    Ladder(LadderArgs),
    /// DNS transactions: each query with its answer, response time, rcode and status (--stats for totals).
    Dns(DnsArgs),
    /// What capinfos says about a capture, plus the protocol hierarchy.
    Info(InfoArgs),
    /// The overview a person wants first: capture info, conversations by service, the largest flows.
    Summary(InfoArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Ndjson,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimeArg {
    /// Seconds since the first packet.
    Rel,
    /// Local time of day.
    Abs,
    /// Seconds since the previous displayed packet.
    Delta,
    /// Seconds since the Unix epoch.
    Epoch,
    /// UTC date and time.
    Utc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, global = true)]
    pub format: Option<FormatArg>,

    /// When to use colour (NO_COLOR in the environment also turns it off).
    #[arg(long, value_enum, default_value = "auto", global = true)]
    pub color: ColorArg,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Capture file (pcap, pcapng, optionally gzip-compressed; `-` for stdin).
    pub file: String,

    /// Display filter applied after decoding, e.g. `tcp.port == 443 && !dns` (see docs/filters.md).
    #[arg(short = 'Y', long = "filter", value_name = "EXPR")]
    pub display_filter: Option<String>,

    /// BPF capture filter (libpcap syntax), applied to file packets too, e.g. "udp port 53".
    #[arg(short = 'f', long = "bpf", value_name = "BPF")]
    pub bpf: Option<String>,

    /// Stop after N packets have been read.
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,
}

#[derive(Debug, Args)]
pub struct PacketsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Show the layered details of each packet (every header field and its meaning).
    #[arg(short = 'V', long = "verbose")]
    pub verbose: bool,

    /// Show a hex and ASCII dump of each packet.
    #[arg(short = 'x', long = "hex")]
    pub hex: bool,

    /// Do not show port service names (numbers only).
    #[arg(short = 'n', long = "numeric")]
    pub numeric: bool,

    /// Time column format.
    #[arg(long, value_enum, default_value = "rel")]
    pub time: TimeArg,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// By first packet (flow id order).
    Start,
    /// By bytes on the wire, both ways, largest first.
    Bytes,
    /// By packets, both ways, most first.
    Packets,
    /// By duration, longest first.
    Duration,
    /// By retransmissions, most first.
    Retrans,
}

#[derive(Debug, Args)]
pub struct FlowsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Row order.
    #[arg(long, value_enum, default_value = "start")]
    pub sort: SortArg,

    /// Show only the first N rows after sorting.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Cap the flow table at N active flows, finishing the least recently seen first (0 = no cap).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_flows: usize,

    /// End a flow after SECS seconds without packets (packet time; 0 = never, as tshark's streams).
    /// Default: Zeek's, 300 s for TCP and 60 s for UDP and ICMP.
    #[arg(long, value_name = "SECS")]
    pub idle_timeout: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    /// Protocol and responder port.
    Port,
    /// Host pair.
    Hosts,
}

#[derive(Debug, Args)]
pub struct ConvArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Group flows by responder port or by host pair.
    #[arg(long, value_enum, default_value = "port")]
    pub by: ByArg,

    /// Show only the first N rows (busiest first).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

#[derive(Debug, Args)]
pub struct LadderArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The flow to draw (its id in `wirelens flows`).
    #[arg(long, value_name = "ID")]
    pub flow: u64,

    /// Draw every segment instead of folding long runs of ordinary ones.
    #[arg(long)]
    pub no_fold: bool,
}

#[derive(Debug, Args)]
pub struct DnsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Counts by rcode and type, top names and clients, response-time percentiles, slowest and failed.
    #[arg(long)]
    pub stats: bool,

    /// A query without an answer after SECS seconds (packet time) is unanswered.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub dns_timeout: f64,
}
