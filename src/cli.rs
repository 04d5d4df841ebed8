//! Command-line syntax (clap derive). Only syntax lives here: flags are
//! turned into a resolved `Config` by `config.rs`, and nothing else in the
//! crate knows that flags exist.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A positive, finite number of seconds (at most a year).
fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 366.0 * 86_400.0 => Ok(v),
        _ => Err(format!("expected a number of seconds above 0, got \"{s}\"")),
    }
}

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

    /// List the interfaces a live capture can use (as `wirelens interfaces`).
    #[arg(short = 'D', long = "list-interfaces")]
    pub list_interfaces: bool,

    /// List the time stamp types the -i interface offers (for -j), as tcpdump -J.
    #[arg(short = 'J', long = "list-time-stamp-types", requires = "interface",
          conflicts_with_all = ["file", "list_interfaces"])]
    pub list_time_stamp_types: bool,

    /// With -J: the interface.
    #[arg(short = 'i', long = "interface", value_name = "IFACE", requires = "list_time_stamp_types")]
    pub interface: Option<String>,

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
    /// Interfaces for live capture (`-i`): index, name, addresses, flags and link type.
    Interfaces,
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

/// Time stamp sources, with libpcap's names (pcap-tstamp(7)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TstampArg {
    /// The host's (libpcap's default).
    #[value(name = "host")]
    Host,
    /// The host's, low precision, synchronised with the system clock.
    #[value(name = "host_lowprec")]
    HostLowprec,
    /// The host's, high precision, synchronised with the system clock.
    #[value(name = "host_hiprec")]
    HostHiprec,
    /// The host's, high precision, not synchronised with the system clock.
    #[value(name = "host_hiprec_unsynced")]
    HostHiprecUnsynced,
    /// The network adapter's, synchronised with the system clock.
    #[value(name = "adapter")]
    Adapter,
    /// The network adapter's, not synchronised with the system clock.
    #[value(name = "adapter_unsynced")]
    AdapterUnsynced,
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
    /// Capture file (pcap, pcapng, optionally gzip-compressed; `-` for stdin). Not with -i.
    #[arg(required_unless_present = "interface", conflicts_with = "interface")]
    pub file: Option<String>,

    /// Display filter applied after decoding, e.g. `tcp.port == 443 && !dns` (see docs/filters.md).
    #[arg(short = 'Y', long = "filter", value_name = "EXPR")]
    pub display_filter: Option<String>,

    /// BPF capture filter (libpcap syntax), applied to file packets too, e.g. "udp port 53".
    #[arg(short = 'f', long = "bpf", value_name = "BPF")]
    pub bpf: Option<String>,

    /// Stop after N packets have been read.
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// Live capture: read an interface instead of a file. The options below -i
/// conflict with FILE rather than require -i: clap drops the requirements of
/// an argument that conflicts with one given, so `requires` would let
/// `flows x.pcap -w y` through; with the conflict, FILE or -i is still
/// required and FILE refuses them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Live capture")]
pub struct LiveArgs {
    /// Capture live on IFACE instead of reading a file; repeat for several (`-i eth0 -i eth1`), or
    /// `any` alone for all (see `wirelens interfaces`). Needs root or CAP_NET_RAW; stop with Ctrl-C
    /// for the final report.
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Vec<String>,

    /// Do not put the interface in promiscuous mode.
    #[arg(long, conflicts_with = "file")]
    pub no_promisc: bool,

    /// Bytes kept of each packet [default: 262144, whole packets; 0 means the default].
    #[arg(short = 's', long, value_name = "BYTES", conflicts_with = "file",
          value_parser = clap::value_parser!(u32).range(0..=262_144))]
    pub snaplen: Option<u32>,

    /// Kernel capture buffer in KiB, as tcpdump -B [default: libpcap's, 2 MiB].
    #[arg(short = 'B', long, value_name = "KIB", conflicts_with = "file",
          value_parser = clap::value_parser!(u32).range(1..=4_194_304))]
    pub buffer_size: Option<u32>,

    /// Stop after SECS seconds (wall time) and print the report.
    #[arg(long, value_name = "SECS", conflicts_with = "file", value_parser = seconds)]
    pub duration: Option<f64>,

    /// Also save the raw packets to FILE: pcapng if it ends in .pcapng, else pcap (one interface only).
    #[arg(short = 'w', long = "write", value_name = "FILE", conflicts_with = "file")]
    pub write: Option<String>,

    /// With -w, flush the file after every packet (complete even if the process is killed).
    #[arg(short = 'U', long = "packet-buffered", requires = "write", conflicts_with = "file")]
    pub packet_buffered: bool,

    /// Started as root: become USER once the capture is open [default: the user who ran sudo, else nobody;
    /// `root` stays root].
    #[arg(short = 'Z', long = "user", value_name = "USER", conflicts_with = "file")]
    pub user: Option<String>,

    /// Put the interface in monitor mode (Wi-Fi interfaces whose driver has it), as tcpdump -I.
    #[arg(short = 'I', long = "monitor-mode", conflicts_with = "file")]
    pub monitor_mode: bool,

    /// Time stamp source, as tcpdump -j (the interface's choices: -J) [default: host].
    #[arg(short = 'j', long = "time-stamp-type", value_name = "TYPE", value_enum, conflicts_with = "file")]
    pub time_stamp_type: Option<TstampArg>,

    /// List the time stamp types the interface offers (for -j) and exit, as tcpdump -J.
    #[arg(short = 'J', long = "list-time-stamp-types", requires = "interface", conflicts_with = "file")]
    pub list_time_stamp_types: bool,

    /// What to show while capturing [default: redraw on a terminal, else events].
    #[arg(long = "live", value_enum, value_name = "VIEW", conflicts_with = "file")]
    pub view: Option<LiveArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LiveArg {
    /// The report so far, redrawn in place about once a second (like top).
    Redraw,
    /// A line per event as it happens: a flow that ended, an analysis event, a DNS transaction.
    Events,
    /// Nothing until the final report.
    Off,
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

    /// Analyse a capture file on N threads, the flows split into N+1 parts that the threads
    /// take in turn (default: one per core, at most 8; 1 = one thread). Live captures, filters
    /// and --max-flows use one.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
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

    /// Analyse a capture file on N threads, as `flows --threads` (default: one per core, at
    /// most 8; 1 = one thread).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
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
