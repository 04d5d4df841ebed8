//! Live capture end to end: the `wirelens` binary capturing on one end of a
//! veth pair between two network namespaces made for each test, with known
//! traffic across it and tcpdump capturing the same interface as the
//! reference.
//!
//! Needs root and `ip netns` (plus python3 and tcpdump; tshark where a check
//! reads files with it; setcap and setpriv for the privilege checks). Without them each test prints a loud SKIPPED line
//! and passes, except under CI (`CI=true`), where it fails: CI runs as root
//! and must run them.
//!
//! Everything stays inside the namespaces: interfaces `v0` (namespace A,
//! 10.77.0.1) and `v1` (namespace B, 10.77.0.2), IPv6 off so that no
//! multicast listener reports or neighbour discovery add packets of their
//! own. Offloads are turned off (when ethtool is there) so that captured
//! segments are wire-sized with correct checksums. Every process a test
//! starts is ended by its id, and the namespaces are deleted when the test
//! ends, panics included.
//!
//! `live/privileges.rs` holds the tests of what a capture gives up (root,
//! capabilities of a setcap'd copy) and of monitor mode and time stamp types;
//! `live/multi.rs` those of capturing on several interfaces at once (a lab
//! of its own, three namespaces).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wirelens::capture::{FileReader, PacketSource};

#[path = "live/multi.rs"]
mod multi;
#[path = "live/privileges.rs"]
mod privileges;
#[path = "live/router.rs"]
mod router;
#[path = "live/views.rs"]
mod views;

const BIN: &str = env!("CARGO_BIN_EXE_wirelens");
const A_ADDR: &str = "10.77.0.1";
const B_ADDR: &str = "10.77.0.2";

/// The server in namespace A: TCP on 7000 (read until EOF, answer 1000
/// bytes, close) for N connections, UDP on 7001 for M datagrams (kept open
/// until they are in, so none draws an ICMP port unreachable). Bounded by
/// socket timeouts.
const SERVER: &str = r#"
import socket, sys, threading
n_tcp, n_udp = int(sys.argv[1]), int(sys.argv[2])
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", 7000)); t.listen(16); t.settimeout(15)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 7001)); u.settimeout(15)
def udp():
    for _ in range(n_udp):
        try: u.recvfrom(4096)
        except OSError: return
th = threading.Thread(target=udp); th.start()
print("ready", flush=True)
for _ in range(n_tcp):
    c, _ = t.accept(); c.settimeout(5)
    while c.recv(65536): pass
    c.sendall(b"r" * 1000); c.close()
th.join(15)
"#;

/// The client in namespace B: N TCP connections (500 bytes up, half-close,
/// read the answer), then M UDP datagrams of 200 bytes, GAP seconds apart.
const CLIENT: &str = r#"
import socket, sys, time
host, n_tcp, n_udp, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
for _ in range(n_tcp):
    c = socket.create_connection((host, 7000), timeout=5)
    c.sendall(b"q" * 500); c.shutdown(socket.SHUT_WR)
    while c.recv(65536): pass
    c.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n_udp):
    u.sendto(b"u" * 200, (host, 7001)); time.sleep(gap)
"#;

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn have(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd}")]).output().is_ok_and(|o| o.status.success())
}

/// Runs a setup command; its failure is a reason to skip (outside CI).
fn sh(args: &[&str]) -> Result<(), String> {
    let o = Command::new(args[0]).args(&args[1..]).output().map_err(|e| format!("{}: {e}", args[0]))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed: {}", args.join(" "), String::from_utf8_lossy(&o.stderr).trim()))
    }
}

/// A running process with its output collected line by line (with the time
/// each line arrived), so a test can wait for a line without blocking.
struct Proc {
    child: Child,
    out_rx: Receiver<(Instant, String)>,
    err_rx: Receiver<(Instant, String)>,
    out: Vec<(Instant, String)>,
    err: Vec<(Instant, String)>,
    readers: Vec<JoinHandle<()>>,
}

fn reader(r: impl Read + Send + 'static) -> (Receiver<(Instant, String)>, JoinHandle<()>) {
    let (tx, rx) = channel();
    let h = std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    (rx, h)
}

impl Proc {
    fn spawn(cmd: &mut Command) -> Proc {
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let (out_rx, h1) = reader(child.stdout.take().expect("stdout"));
        let (err_rx, h2) = reader(child.stderr.take().expect("stderr"));
        Proc { child, out_rx, err_rx, out: Vec::new(), err: Vec::new(), readers: vec![h1, h2] }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn drain(&mut self) {
        self.out.extend(self.out_rx.try_iter());
        self.err.extend(self.err_rx.try_iter());
    }

    /// Waits for a line containing `needle` on stdout or stderr; the time it came.
    fn wait_for(&mut self, needle: &str, timeout: Duration) -> Option<Instant> {
        let end = Instant::now() + timeout;
        loop {
            self.drain();
            if let Some((t, _)) = self.out.iter().chain(&self.err).find(|(_, l)| l.contains(needle)) {
                return Some(*t);
            }
            if Instant::now() >= end || self.child.try_wait().ok().flatten().is_some() {
                std::thread::sleep(Duration::from_millis(50));
                self.drain();
                return self.out.iter().chain(&self.err).find(|(_, l)| l.contains(needle)).map(|(t, _)| *t);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
        unsafe { libc::kill(self.pid(), sig) };
    }

    /// Waits for the exit (killing the process after `timeout`); the exit
    /// status, when it ended, and everything it wrote.
    fn finish(mut self, timeout: Duration) -> Finished {
        let end = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break Some(s);
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let ended = Instant::now();
        for h in std::mem::take(&mut self.readers) {
            let _ = h.join();
        }
        self.drain();
        let text = |v: &[(Instant, String)]| v.iter().map(|(_, l)| format!("{l}\n")).collect::<String>();
        Finished { status, ended, stdout: text(&self.out), stderr: text(&self.err), lines: self.out.clone() }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

struct Finished {
    /// `None`: killed after the timeout.
    status: Option<ExitStatus>,
    ended: Instant,
    stdout: String,
    stderr: String,
    lines: Vec<(Instant, String)>,
}

impl Finished {
    fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
}

/// Two namespaces joined by a veth pair, and a scratch directory; all
/// removed on drop.
struct Lab {
    a: String,
    b: String,
    dir: PathBuf,
    /// Offloads are off: checksums in captures are right.
    offloads_off: bool,
}

impl Lab {
    /// The lab, or `None` after printing why the test is skipped (a panic
    /// under CI, which must run these tests).
    fn new(tag: &str) -> Option<Lab> {
        match Lab::build(tag) {
            Ok(lab) => Some(lab),
            Err(why) if ci() => panic!("live tests must run under CI, but: {why}"),
            Err(why) => {
                // Straight to stderr: the test harness captures eprintln!.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPED live::{tag}: needs root and network namespaces ({why}) ***\n"
                );
                None
            }
        }
    }

    fn build(tag: &str) -> Result<Lab, String> {
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not running as root".into());
        }
        for cmd in ["ip", "python3", "tcpdump"] {
            if !have(cmd) {
                return Err(format!("{cmd} is not installed"));
            }
        }
        let id = format!("wlt{}-{tag}", std::process::id());
        let dir = std::env::temp_dir().join(&id);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut lab = Lab { a: format!("{id}-a"), b: format!("{id}-b"), dir, offloads_off: false };
        // On failure, dropping `lab` removes what was made.
        lab.offloads_off = lab.setup()?;
        Ok(lab)
    }

    /// Returns whether offloads could be turned off.
    fn setup(&self) -> Result<bool, String> {
        for ns in [&self.a, &self.b] {
            sh(&["ip", "netns", "add", ns])?;
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
            // Before the veth exists, so it is created without IPv6.
            sh(&[
                "ip",
                "netns",
                "exec",
                ns,
                "sysctl",
                "-qw",
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ])?;
        }
        sh(&[
            "ip", "-n", &self.a, "link", "add", "name", "v0", "type", "veth", "peer", "name", "v1", "netns", &self.b,
        ])?;
        let mut offloads_off = have("ethtool");
        for (ns, dev, addr) in [(&self.a, "v0", A_ADDR), (&self.b, "v1", B_ADDR)] {
            sh(&["ip", "-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev])?;
            if offloads_off {
                offloads_off = sh(&[
                    "ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx",
                    "off", "rx", "off",
                ])
                .is_ok();
            }
            sh(&["ip", "-n", ns, "link", "set", dev, "up"])?;
        }
        // The link is up once both ends are.
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            let o = Command::new("ip").args(["-n", &self.a, "link", "show", "v0"]).output();
            if o.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("LOWER_UP")) {
                return Ok(offloads_off);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("the veth link did not come up".into())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A command run inside a namespace.
    fn cmd(&self, ns: &str, prog: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns, prog]).args(args).env("NO_COLOR", "1");
        // Under `sudo cargo test` wirelens would give root up to the
        // invoking user; only the test about that wants it.
        c.env_remove("SUDO_UID").env_remove("SUDO_GID");
        c
    }

    /// wirelens in namespace A.
    fn wirelens(&self, args: &[&str]) -> Command {
        self.cmd(&self.a, BIN, args)
    }

    /// tcpdump on v0 (the reference), nanosecond timestamps, once listening.
    fn tcpdump(&self, file: &Path) -> Proc {
        let f = file.to_str().expect("utf-8 path");
        let mut p = Proc::spawn(&mut self.cmd(
            &self.a,
            "tcpdump",
            &["-n", "-U", "--immediate-mode", "-Z", "root", "--time-stamp-precision=nano", "-i", "v0", "-w", f],
        ));
        assert!(p.wait_for("listening on", Duration::from_secs(10)).is_some(), "tcpdump did not start");
        p
    }

    /// The server in A, once ready.
    fn server(&self, n_tcp: u32, n_udp: u32) -> Proc {
        let mut p =
            Proc::spawn(&mut self.cmd(&self.a, "python3", &["-c", SERVER, &n_tcp.to_string(), &n_udp.to_string()]));
        assert!(p.wait_for("ready", Duration::from_secs(10)).is_some(), "the server did not start");
        p
    }

    /// The client in B, running in the background.
    fn client_bg(&self, n_tcp: u32, n_udp: u32, gap: f64) -> Proc {
        Proc::spawn(&mut self.cmd(
            &self.b,
            "python3",
            &["-c", CLIENT, A_ADDR, &n_tcp.to_string(), &n_udp.to_string(), &gap.to_string()],
        ))
    }

    /// The client in B, run to the end.
    fn client(&self, n_tcp: u32, n_udp: u32, gap: f64) {
        let o = self
            .cmd(&self.b, "python3", &["-c", CLIENT, A_ADDR, &n_tcp.to_string(), &n_udp.to_string(), &gap.to_string()])
            .output()
            .expect("client");
        assert!(o.status.success(), "client failed: {}", String::from_utf8_lossy(&o.stderr));
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            // Whatever still runs in our namespaces was started by this test.
            if let Ok(o) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&o.stdout).split_whitespace().filter_map(|p| p.parse::<i32>().ok()) {
                    // SAFETY: kill(2) on a pid inside a namespace this test created.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Frames of a capture file as (original length, bytes), sorted: two
/// captures of the same interface may interleave simultaneous packets of the
/// two directions differently, so they are compared as multisets.
fn frames(path: &Path) -> Vec<(u32, Vec<u8>)> {
    let mut r = FileReader::open(path.to_str().expect("utf-8 path")).expect("open capture");
    let mut v = Vec::new();
    while let Some(f) = r.next_frame().expect("read capture") {
        v.push((f.orig_len, f.data.to_vec()));
    }
    v.sort();
    v
}

/// Packets tshark reads in a file, or `None` when tshark is not installed
/// (a failure under CI, which installs it).
fn tshark_count(path: &Path) -> Option<usize> {
    if !have("tshark") {
        assert!(!ci(), "tshark is needed under CI");
        return None;
    }
    let o = Command::new("tshark")
        .args(["-n", "-r", path.to_str()?, "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("tshark");
    assert!(o.status.success(), "tshark cannot read {}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    Some(String::from_utf8_lossy(&o.stdout).lines().count())
}

/// The stats lines tcpdump prints, parsed: (captured, received, dropped by kernel).
fn stats(stderr: &str) -> (u64, u64, u64) {
    let get = |what: &str| {
        stderr
            .lines()
            .find(|l| l.ends_with(what))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no \"{what}\" line in:\n{stderr}"))
    };
    assert!(stderr.lines().any(|l| l.ends_with("dropped by interface")), "{stderr}");
    (get("captured"), get("received by filter"), get("dropped by kernel"))
}

/// Flows as (proto, orig port, resp port) → (orig pkts, resp pkts, orig bytes, resp bytes).
type FlowCounts = HashMap<(String, u64, u64), (u64, u64, u64, u64)>;

fn flow_counts(rows: &[serde_json::Value]) -> FlowCounts {
    rows.iter()
        .map(|r| {
            let n = |k: &str| r[k].as_u64().unwrap_or(0);
            (
                (r["proto"].as_str().unwrap_or("").to_string(), n("orig_port"), n("resp_port")),
                (n("orig_pkts"), n("resp_pkts"), n("orig_frame_bytes"), n("resp_frame_bytes")),
            )
        })
        .collect()
}

fn json_rows(text: &str) -> Vec<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(v)) => v,
        _ => panic!("not a JSON array:\n{text}"),
    }
}

const N_TCP: u32 = 3;
const N_UDP: u32 = 20;

#[test]
fn flows_and_saved_file_match_tcpdump() {
    let Some(lab) = Lab::new("flows") else { return };
    let (ours, theirs) = (lab.path("ours.pcap"), lab.path("tcpdump.pcap"));
    let tcpdump = lab.tcpdump(&theirs);
    let mut wl = Proc::spawn(&mut lab.wirelens(&[
        "flows",
        "-i",
        "v0",
        "--duration",
        "4",
        "-w",
        ours.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let listening = wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    let server = lab.server(N_TCP, N_UDP);
    lab.client(N_TCP, N_UDP, 0.01);
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    tcpdump.signal(libc::SIGINT);
    tcpdump.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    let took = done.ended - listening;
    assert!(took < Duration::from_millis(5000), "--duration 4 took {took:?}");

    let live = json_rows(&done.stdout);
    let counts = flow_counts(&live);
    let tcp: Vec<_> = counts.iter().filter(|(k, _)| k.0 == "tcp" && k.2 == 7000).collect();
    assert_eq!(tcp.len(), N_TCP as usize, "{}", done.stdout);
    for &(_, &(o, r, _, _)) in &tcp {
        // SYN, ACK, data, FIN up; SYN-ACK, data, FIN, ACKs down: at least 7.
        assert!(o + r >= 7, "{}", done.stdout);
    }
    let udp = counts.iter().find(|(k, _)| k.0 == "udp" && k.2 == 7001).map(|(_, v)| v);
    assert_eq!(udp.map(|c| (c.0, c.1)), Some((u64::from(N_UDP), 0)), "{}", done.stdout);
    assert_eq!(live.len(), N_TCP as usize + 1, "only the test's flows: {}", done.stdout);
    if lab.offloads_off {
        for r in live.iter().filter(|r| r["proto"] == "tcp") {
            assert_eq!(r["state"], "SF", "a whole connection with good checksums: {r}");
        }
    }

    // The same flows and counts as wirelens finds in tcpdump's file.
    let o = Command::new(BIN).args(["flows", "--format", "json", theirs.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success());
    assert_eq!(counts, flow_counts(&json_rows(&String::from_utf8_lossy(&o.stdout))));

    // The saved file holds exactly tcpdump's packets, and the count printed.
    let saved = frames(&ours);
    assert_eq!(saved, frames(&theirs), "-w file differs from tcpdump's");
    let (captured, received, dropped) = stats(&done.stderr);
    assert_eq!(captured, saved.len() as u64);
    assert_eq!((received, dropped), (captured, 0), "{}", done.stderr);
    if let Some(n) = tshark_count(&ours) {
        assert_eq!(n, saved.len());
    }
}

#[test]
fn sigint_ends_with_the_report_and_a_complete_pcapng() {
    let Some(lab) = Lab::new("sigint") else { return };
    let (ours, theirs) = (lab.path("ours.pcapng"), lab.path("tcpdump.pcap"));
    let tcpdump = lab.tcpdump(&theirs);
    // No -U: the file must be complete because the run ends properly.
    let mut wl = Proc::spawn(&mut lab.wirelens(&[
        "packets",
        "-n",
        "-i",
        "v0",
        "-w",
        ours.to_str().unwrap(),
        "--format",
        "ndjson",
    ]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    let server = lab.server(N_TCP, N_UDP);
    lab.client(N_TCP, N_UDP, 0.01);
    server.finish(Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    wl.signal(libc::SIGINT);
    let done = wl.finish(Duration::from_secs(5));
    tcpdump.signal(libc::SIGINT);
    tcpdump.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert!(done.ended - sent < Duration::from_millis(1000), "SIGINT took {:?}", done.ended - sent);

    let saved = frames(&ours);
    assert_eq!(saved, frames(&theirs), "-w file differs from tcpdump's");
    // One NDJSON line per packet analysed, the same packets as saved.
    let lines: Vec<serde_json::Value> =
        done.stdout.lines().map(|l| serde_json::from_str(l).expect("ndjson line")).collect();
    assert_eq!(lines.len(), saved.len());
    assert_eq!(lines.iter().filter(|p| p["proto"] == "UDP" && p["dport"] == 7001).count(), N_UDP as usize);
    let (captured, _, dropped) = stats(&done.stderr);
    assert_eq!((captured, dropped), (saved.len() as u64, 0));
    if let Some(n) = tshark_count(&ours) {
        assert_eq!(n, saved.len(), "tshark reads the pcapng");
    }
}

#[test]
fn a_filter_matching_nothing_still_ends_on_time() {
    let Some(lab) = Lab::new("quiet") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["flows", "-i", "v0", "-f", "port 1", "--duration", "1"]));
    let listening = wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    // Traffic the filter drops, for longer than the capture runs (in the
    // background: the exit is timed as it happens).
    let server = lab.server(0, 150);
    let client = lab.client_bg(0, 150, 0.01);
    let done = wl.finish(Duration::from_secs(5));
    client.finish(Duration::from_secs(10));
    server.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    let took = done.ended - listening;
    assert!(took >= Duration::from_millis(900) && took < Duration::from_millis(2000), "--duration 1 took {took:?}");
    assert_eq!(stats(&done.stderr).0, 0);
    assert!(done.stdout.contains("0 flows"), "{}", done.stdout);
}

#[test]
fn sigterm_ends_an_idle_capture_promptly() {
    let Some(lab) = Lab::new("sigterm") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["flows", "-i", "v0", "-f", "udp port 7001"]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    wl.signal(libc::SIGTERM);
    let done = wl.finish(Duration::from_secs(5));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert!(done.ended - sent < Duration::from_millis(1000), "SIGTERM took {:?}", done.ended - sent);
    assert!(done.stdout.contains("0 flows"), "the final report: {}", done.stdout);
    assert_eq!(stats(&done.stderr).0, 0);
}

#[test]
fn flow_lines_stream_as_flows_end() {
    let Some(lab) = Lab::new("ndjson") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["flows", "-i", "v0", "--duration", "5", "--format", "ndjson"]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    // The connections close at once; the datagrams then run for 3 s, and
    // their packets move the live view's clock past the closes.
    let server = lab.server(N_TCP, 300);
    lab.client(N_TCP, 300, 0.01);
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    let rows: Vec<(Instant, serde_json::Value)> =
        done.lines.iter().map(|(t, l)| (*t, serde_json::from_str(l).expect("ndjson line"))).collect();
    let mut ids: Vec<u64> = rows.iter().filter_map(|(_, r)| r["id"].as_u64()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rows.len(), "each flow once: {}", done.stdout);
    assert_eq!(rows.len(), N_TCP as usize + 1, "{}", done.stdout);
    for (t, r) in rows.iter().filter(|(_, r)| r["proto"] == "tcp") {
        assert_eq!(r["ended"], "closed", "{r}");
        assert!(done.ended - *t > Duration::from_millis(500), "written while capturing: {r}");
    }
    let udp = rows.iter().find(|(_, r)| r["proto"] == "udp").expect("the UDP flow");
    assert_eq!((udp.1["orig_pkts"].as_u64(), udp.1["ended"].as_str()), (Some(300), Some("end_of_capture")));
}

#[test]
fn packet_lines_appear_as_packets_arrive() {
    let Some(lab) = Lab::new("lines") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["packets", "-n", "-i", "v0", "-f", "udp", "--duration", "4"]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    let server = lab.server(0, 1);
    let sent = Instant::now();
    lab.client(0, 1, 0.0);
    let seen = wl.wait_for("→ 7001", Duration::from_secs(3)).expect("no line for the datagram");
    assert!(seen - sent < Duration::from_millis(1500), "the line came {:?} after the packet", seen - sent);
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert!(done.ended - seen > Duration::from_millis(1000), "the line came only at the end");
}

#[test]
fn root_is_given_up_and_the_file_belongs_to_the_user() {
    let Some(lab) = Lab::new("privs") else { return };
    let ours = lab.path("ours.pcap");
    let mut cmd = lab.wirelens(&["flows", "-i", "v0", "--duration", "2", "-w", ours.to_str().unwrap()]);
    cmd.env("SUDO_UID", "65534").env("SUDO_GID", "65534");
    let mut wl = Proc::spawn(&mut cmd);
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    let status = std::fs::read_to_string(format!("/proc/{}/status", wl.pid())).unwrap_or_default();
    let ids = |key: &str| {
        status.lines().find(|l| l.starts_with(key)).map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>())
    };
    let server = lab.server(0, 5);
    lab.client(0, 5, 0.01);
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert_eq!(ids("Uid:"), Some(vec!["65534"; 4]), "{status}");
    assert_eq!(ids("Gid:"), Some(vec!["65534"; 4]), "{status}");
    for key in ["CapEff:", "CapPrm:", "CapInh:", "CapAmb:"] {
        assert_eq!(ids(key), Some(vec!["0000000000000000"]), "{status}");
    }
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&ours).expect("the -w file");
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(frames(&ours).len() as u64, stats(&done.stderr).0);
    assert!(frames(&ours).len() >= 5);
}

#[test]
fn capture_errors_say_what_to_do_and_exit_2() {
    let Some(lab) = Lab::new("errors") else { return };
    let o = lab.wirelens(&["flows", "-i", "nosuch0", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no interface named \"nosuch0\"") && err.contains("v0"), "lists the interfaces: {err}");

    let o = lab.wirelens(&["packets", "-i", "v0", "-f", "port 99999x", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid capture filter \"port 99999x\": "), "{err}");

    if !have("setpriv") {
        assert!(!ci(), "setpriv is needed under CI");
        return;
    }
    let o = lab
        .cmd(&lab.a, "setpriv", &["--reuid=65534", "--regid=65534", "--clear-groups", BIN, "flows", "-i", "v0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no permission to capture on v0"), "{err}");
    assert!(err.contains("sudo") && err.contains("setcap cap_net_raw,cap_net_admin=eip"), "{err}");
}

#[test]
fn interfaces_lists_the_veth() {
    let Some(lab) = Lab::new("ifaces") else { return };
    let o = lab.wirelens(&["interfaces", "--format", "json"]).output().unwrap();
    assert!(o.status.success());
    let rows = json_rows(&String::from_utf8_lossy(&o.stdout));
    let v0 = rows.iter().find(|r| r["name"] == "v0").expect("v0 listed");
    assert!(v0["index"].as_u64().is_some());
    assert_eq!(v0["addresses"], serde_json::json!(["10.77.0.1/24"]));
    assert_eq!((v0["up"].as_bool(), v0["running"].as_bool()), (Some(true), Some(true)));
    assert_eq!((v0["link"].as_str(), v0["link_type"].as_u64()), (Some("EN10MB"), Some(1)));
    let o = lab.wirelens(&["-D"]).output().unwrap();
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.lines().any(|l| l.contains("v0") && l.contains("10.77.0.1/24") && l.contains("up, running")),
        "{table}"
    );
}
