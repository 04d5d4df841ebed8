//! Capturing on several interfaces at once (`-i v0 -i w0`), end to end (a
//! module of `live.rs`, with its helpers and its server and client).
//!
//! The lab has three namespaces (names `wlmi<pid>-<tag>-a|b|c`, apart from
//! the other live tests' `wlt...`): A holds `v0` (10.77.0.1) and `w0`
//! (10.78.0.1), B holds `v1` (10.77.0.2), the other end of `v0`, and C holds
//! `w1` (10.78.0.2), the other end of `w0`. B and C talk to the same server
//! in A at once, so the two interfaces carry different traffic
//! interleaved in time, and tcpdump captures each interface on its own as
//! the reference. A `tun` device `tn0` in A (raw IP, no Ethernet header)
//! gives an interface of another link type, fed by a script that writes
//! IPv4 datagrams into it.

use super::*;

const W_A: &str = "10.78.0.1";
const W_C: &str = "10.78.0.2";
const TUN_A: &str = "10.79.0.1";

/// Attaches to the `tun` device `tn0` and, once the trigger file exists,
/// writes N UDP datagrams (10.79.0.2:5000 → 10.79.0.1:7002, 100 bytes)
/// into it: the kernel receives them on tn0, and a socket bound to the port
/// takes them (so no ICMP answer goes back). Bounded by timeouts.
const TUN: &str = r#"
import fcntl, os, socket, struct, sys, time
trigger, n = sys.argv[1], int(sys.argv[2])
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tn0", 0x0001 | 0x1000))  # TUNSETIFF, IFF_TUN | IFF_NO_PI
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("10.79.0.1", 7002)); u.settimeout(5)
print("ready", flush=True)
end = time.time() + 20
while not os.path.exists(trigger) and time.time() < end: time.sleep(0.02)
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
src, dst = bytes([10, 79, 0, 2]), bytes([10, 79, 0, 1])
for k in range(n):
    udp = struct.pack("!HHHH", 5000, 7002, 108, 0) + b"t" * 100
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), k, 0x4000, 64, 17, 0, src, dst)
    os.write(fd, h[:10] + struct.pack("!H", csum(h)) + h[12:] + udp); time.sleep(0.01)
got = 0
for _ in range(n):
    try: u.recvfrom(4096); got += 1
    except OSError: break
print("received", got, flush=True)
time.sleep(30)
"#;

/// Three namespaces, two veth pairs and a scratch directory; all removed on drop.
struct MultiLab {
    a: String,
    b: String,
    c: String,
    dir: PathBuf,
}

impl MultiLab {
    fn new(tag: &str) -> Option<MultiLab> {
        match MultiLab::build(tag) {
            Ok(lab) => Some(lab),
            Err(why) if ci() => panic!("live tests must run under CI, but: {why}"),
            Err(why) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPED live::multi::{tag}: needs root and network namespaces ({why}) ***\n"
                );
                None
            }
        }
    }

    fn build(tag: &str) -> Result<MultiLab, String> {
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not running as root".into());
        }
        for cmd in ["ip", "python3", "tcpdump"] {
            if !have(cmd) {
                return Err(format!("{cmd} is not installed"));
            }
        }
        let id = format!("wlmi{}-{tag}", std::process::id());
        let dir = std::env::temp_dir().join(&id);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let lab = MultiLab { a: format!("{id}-a"), b: format!("{id}-b"), c: format!("{id}-c"), dir };
        lab.setup()?;
        Ok(lab)
    }

    fn setup(&self) -> Result<(), String> {
        for ns in [&self.a, &self.b, &self.c] {
            sh(&["ip", "netns", "add", ns])?;
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
            // Before the devices exist, so they are created without IPv6
            // (no router solicitations or reports of their own).
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
        sh(&[
            "ip", "-n", &self.a, "link", "add", "name", "w0", "type", "veth", "peer", "name", "w1", "netns", &self.c,
        ])?;
        let ethtool = have("ethtool");
        for (ns, dev, addr) in
            [(&self.a, "v0", A_ADDR), (&self.b, "v1", B_ADDR), (&self.a, "w0", W_A), (&self.c, "w1", W_C)]
        {
            sh(&["ip", "-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev])?;
            if ethtool {
                // Wire-sized segments, as in the one-interface tests; a
                // failure only leaves them larger.
                let _ = sh(&[
                    "ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx",
                    "off", "rx", "off",
                ]);
            }
            sh(&["ip", "-n", ns, "link", "set", dev, "up"])?;
        }
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            let up = |dev: &str| {
                Command::new("ip")
                    .args(["-n", &self.a, "link", "show", dev])
                    .output()
                    .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("LOWER_UP"))
            };
            if up("v0") && up("w0") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("the veth links did not come up".into())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn cmd(&self, ns: &str, prog: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns, prog]).args(args).env("NO_COLOR", "1");
        c.env_remove("SUDO_UID").env_remove("SUDO_GID");
        c
    }

    fn wirelens(&self, args: &[&str]) -> Command {
        self.cmd(&self.a, BIN, args)
    }

    /// tcpdump on one interface of A, once listening.
    fn tcpdump(&self, dev: &str, file: &Path) -> Proc {
        let f = file.to_str().expect("utf-8 path");
        let mut p = Proc::spawn(&mut self.cmd(
            &self.a,
            "tcpdump",
            &["-n", "-U", "--immediate-mode", "-Z", "root", "--time-stamp-precision=nano", "-i", dev, "-w", f],
        ));
        assert!(p.wait_for("listening on", Duration::from_secs(10)).is_some(), "tcpdump on {dev} did not start");
        p
    }

    /// The server in A (it listens on every address), once ready.
    fn server(&self, n_tcp: u32, n_udp: u32) -> Proc {
        let mut p =
            Proc::spawn(&mut self.cmd(&self.a, "python3", &["-c", SERVER, &n_tcp.to_string(), &n_udp.to_string()]));
        assert!(p.wait_for("ready", Duration::from_secs(10)).is_some(), "the server did not start");
        p
    }

    /// A client in `ns`, talking to `host`, in the background.
    fn client_bg(&self, ns: &str, host: &str, n_tcp: u32, n_udp: u32) -> Proc {
        Proc::spawn(&mut self.cmd(ns, "python3", &["-c", CLIENT, host, &n_tcp.to_string(), &n_udp.to_string(), "0.01"]))
    }

    /// The `tun` device `tn0` in A with its script attached (ready to write
    /// `n` datagrams once `trigger` exists); `None` when tun is not available.
    fn tun(&self, trigger: &Path, n: u32) -> Option<Proc> {
        let made = sh(&["ip", "-n", &self.a, "tuntap", "add", "dev", "tn0", "mode", "tun"])
            .and_then(|()| sh(&["ip", "-n", &self.a, "addr", "add", &format!("{TUN_A}/24"), "dev", "tn0"]))
            .and_then(|()| sh(&["ip", "-n", &self.a, "link", "set", "tn0", "up"]));
        if let Err(e) = made {
            assert!(!ci(), "tun is needed under CI: {e}");
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED part of a live test: no tun device ({e}) ***\n");
            return None;
        }
        let mut p = Proc::spawn(&mut self.cmd(
            &self.a,
            "python3",
            &["-c", TUN, trigger.to_str().expect("utf-8 path"), &n.to_string()],
        ));
        assert!(p.wait_for("ready", Duration::from_secs(10)).is_some(), "the tun script did not start");
        Some(p)
    }
}

impl Drop for MultiLab {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b, &self.c] {
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

/// Flows keyed by (proto, originator, responder) with their packet and byte counts.
type Counts = HashMap<(String, String, String), (u64, u64, u64, u64)>;

fn counts(rows: &[serde_json::Value]) -> Counts {
    rows.iter()
        .map(|r| {
            let n = |k: &str| r[k].as_u64().unwrap_or(0);
            let ep = |a: &str, p: &str| format!("{}:{}", r[a].as_str().unwrap_or(""), n(p));
            (
                (
                    r["proto"].as_str().unwrap_or("").to_string(),
                    ep("orig_addr", "orig_port"),
                    ep("resp_addr", "resp_port"),
                ),
                (n("orig_pkts"), n("resp_pkts"), n("orig_frame_bytes"), n("resp_frame_bytes")),
            )
        })
        .collect()
}

/// `wirelens flows` of a capture file, as counts.
fn file_counts(path: &Path) -> Counts {
    let o = Command::new(BIN).args(["flows", "--format", "json", path.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    counts(&json_rows(&String::from_utf8_lossy(&o.stdout)))
}

/// Frames of one interface of a capture file, sorted (see `frames`).
fn frames_of(path: &Path, interface: u32) -> Vec<(u32, Vec<u8>)> {
    let mut r = FileReader::open(path.to_str().expect("utf-8 path")).expect("open capture");
    let mut v = Vec::new();
    while let Some(f) = r.next_frame().expect("read capture") {
        if f.interface == interface {
            v.push((f.orig_len, f.data.to_vec()));
        }
    }
    v.sort();
    v
}

/// dumpcap's per-interface lines: interface name → (captured, dropped).
fn per_interface(stderr: &str) -> HashMap<String, (u64, u64)> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("Packets received/dropped on interface '")?;
            let (name, rest) = rest.split_once("': ")?;
            let (got, rest) = rest.split_once('/')?;
            let dropped = rest.split_whitespace().next()?;
            Some((name.to_string(), (got.parse().ok()?, dropped.parse().ok()?)))
        })
        .collect()
}

#[test]
fn flows_of_two_interfaces_match_tcpdump_on_each_and_the_pcapng_has_both() {
    let Some(lab) = MultiLab::new("flows") else { return };
    let (ours, tv, tw) = (lab.path("ours.pcapng"), lab.path("v0.pcap"), lab.path("w0.pcap"));
    let tcpdump_v = lab.tcpdump("v0", &tv);
    let tcpdump_w = lab.tcpdump("w0", &tw);
    let mut wl = Proc::spawn(&mut lab.wirelens(&[
        "flows",
        "-i",
        "v0",
        "-i",
        "w0",
        "--duration",
        "5",
        "-w",
        ours.to_str().unwrap(),
        "--format",
        "json",
    ]));
    // One tcpdump line per interface; w0's comes second.
    let listening = wl.wait_for("listening on w0", Duration::from_secs(10)).expect("wirelens did not start");
    assert!(wl.wait_for("listening on v0, link-type EN10MB", Duration::from_secs(1)).is_some());
    // B and C at the same time: the interfaces' packets interleave.
    let server = lab.server(3 + 2, 20 + 15);
    let from_b = lab.client_bg(&lab.b, A_ADDR, 3, 20);
    let from_c = lab.client_bg(&lab.c, W_A, 2, 15);
    for client in [from_b, from_c] {
        let done = client.finish(Duration::from_secs(15));
        assert_eq!(done.code(), Some(0), "client: {}", done.stderr);
    }
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    for t in [tcpdump_v, tcpdump_w] {
        t.signal(libc::SIGINT);
        t.finish(Duration::from_secs(10));
    }
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    let took = done.ended - listening;
    assert!(took < Duration::from_millis(6000), "--duration 5 took {took:?}");

    // The flows of both interfaces, apart, with the counts wirelens finds
    // in tcpdump's file of each.
    let live = counts(&json_rows(&done.stdout));
    let tcp_to = |host: &str| live.keys().filter(|k| k.0 == "tcp" && k.2 == format!("{host}:7000")).count();
    assert_eq!((tcp_to(A_ADDR), tcp_to(W_A)), (3, 2), "{}", done.stdout);
    let udp = |from: &str, to: &str| {
        live.iter()
            .find(|(k, _)| k.0 == "udp" && k.1.starts_with(from) && k.2 == format!("{to}:7001"))
            .map(|(_, v)| v.0)
    };
    assert_eq!((udp(B_ADDR, A_ADDR), udp(W_C, W_A)), (Some(20), Some(15)), "{}", done.stdout);
    let mut reference = file_counts(&tv);
    let from_w = file_counts(&tw);
    assert!(from_w.keys().all(|k| !reference.contains_key(k)), "the two interfaces carry different flows");
    reference.extend(from_w);
    assert_eq!(live, reference);

    // One pcapng: two interface descriptions, v0 then w0, and each
    // interface's packets are exactly what tcpdump saw on it.
    let r = FileReader::open(ours.to_str().unwrap()).expect("open the pcapng");
    let described: Vec<(Option<String>, u32)> = r.interfaces().iter().map(|i| (i.name.clone(), i.link.0)).collect();
    assert_eq!(described, [(Some("v0".to_string()), 1), (Some("w0".to_string()), 1)]);
    let (saved_v, saved_w) = (frames_of(&ours, 0), frames_of(&ours, 1));
    assert_eq!(saved_v, frames(&tv), "v0's packets in the pcapng differ from tcpdump's");
    assert_eq!(saved_w, frames(&tw), "w0's packets in the pcapng differ from tcpdump's");

    // Merged in time order (see capture/live/merge.rs for the one window
    // it cannot see; on an idle machine it does not open).
    let mut r = FileReader::open(ours.to_str().unwrap()).unwrap();
    let mut times = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        times.push(f.ts);
    }
    let inversions = times.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(inversions * 100 <= times.len(), "{inversions} of {} frames out of time order", times.len());

    // tcpdump's totals, then dumpcap's line per interface.
    let total = (saved_v.len() + saved_w.len()) as u64;
    let (captured, received, dropped) = stats(&done.stderr);
    assert_eq!((captured, received, dropped), (total, total, 0), "{}", done.stderr);
    let per = per_interface(&done.stderr);
    assert_eq!(per.get("v0"), Some(&(saved_v.len() as u64, 0)), "{}", done.stderr);
    assert_eq!(per.get("w0"), Some(&(saved_w.len() as u64, 0)), "{}", done.stderr);
    if let Some(n) = tshark_count(&ours) {
        assert_eq!(n as u64, total, "tshark reads the pcapng");
        let o = Command::new("tshark")
            .args(["-n", "-r", ours.to_str().unwrap(), "-T", "fields", "-e", "frame.interface_name"])
            .output()
            .expect("tshark");
        let names = String::from_utf8_lossy(&o.stdout);
        assert_eq!(names.lines().filter(|l| *l == "w0").count(), saved_w.len(), "tshark's interface of each packet");
    }
}

#[test]
fn an_ethernet_and_a_raw_ip_interface_keep_their_own_link_types() {
    let Some(lab) = MultiLab::new("mixed") else { return };
    let (ours, trigger) = (lab.path("mixed.pcapng"), lab.path("go"));
    let Some(tun) = lab.tun(&trigger, 10) else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&[
        "summary",
        "-i",
        "v0",
        "-i",
        "tn0",
        "--duration",
        "3",
        "-w",
        ours.to_str().unwrap(),
        "--format",
        "json",
    ]));
    wl.wait_for("listening on tn0, link-type RAW (Raw IP)", Duration::from_secs(10)).expect("wirelens did not start");
    let server = lab.server(1, 5);
    let client = lab.client_bg(&lab.b, A_ADDR, 1, 5);
    std::fs::write(&trigger, b"").expect("trigger");
    client.finish(Duration::from_secs(15));
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    let mut tun = tun;
    assert!(tun.wait_for("received 10", Duration::from_secs(5)).is_some(), "the datagrams did not arrive on tn0");
    assert_eq!(done.code(), Some(0), "{}", done.stderr);

    let v: serde_json::Value = serde_json::from_str(&done.stdout).expect("one JSON document");
    let itf = &v["capture"]["interfaces"];
    assert_eq!(
        (itf[0]["name"].as_str(), itf[0]["link_type"].as_u64(), itf[1]["name"].as_str(), itf[1]["link_type"].as_u64()),
        (Some("v0"), Some(1), Some("tn0"), Some(101)),
        "{itf}"
    );
    assert_eq!(v["capture"]["encapsulations"]["Raw IP"].as_u64(), Some(10), "{}", v["capture"]);
    assert_eq!(v["capture"]["file"], "v0, tn0");
    let tun_flow = v["top_flows"].as_array().expect("flows").iter().find(|f| f["resp_port"] == 7002).cloned();
    assert_eq!(
        tun_flow.map(|f| (f["orig_pkts"].as_u64(), f["orig_addr"].clone())),
        Some((Some(10), "10.79.0.2".into()))
    );

    // The file reads back with both link types and the same packets.
    let (captured, _, _) = stats(&done.stderr);
    assert_eq!(v["capture"]["packets"].as_u64(), Some(captured));
    let o = Command::new(BIN).args(["info", "--format", "json", ours.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let back: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(back["packets"].as_u64(), Some(captured));
    assert_eq!(back["encapsulations"], v["capture"]["encapsulations"]);
    if let Some(n) = tshark_count(&ours) {
        assert_eq!(n as u64, captured);
        let o = Command::new("tshark")
            .args(["-n", "-r", ours.to_str().unwrap(), "-Y", "udp.dstport == 7002", "-T", "fields", "-e", "ip.src"])
            .output()
            .expect("tshark");
        let srcs = String::from_utf8_lossy(&o.stdout);
        assert_eq!(srcs.lines().filter(|l| *l == "10.79.0.2").count(), 10, "tshark decodes the raw IP packets");
    }
}

#[test]
fn a_filter_matching_nothing_on_both_still_ends_on_time() {
    let Some(lab) = MultiLab::new("quiet") else { return };
    let mut wl = Proc::spawn(&mut lab.wirelens(&["flows", "-i", "v0", "-i", "w0", "-f", "port 1", "--duration", "1"]));
    let listening = wl.wait_for("listening on w0", Duration::from_secs(10)).expect("wirelens did not start");
    let server = lab.server(0, 300);
    let from_b = lab.client_bg(&lab.b, A_ADDR, 0, 150);
    let from_c = lab.client_bg(&lab.c, W_A, 0, 150);
    let done = wl.finish(Duration::from_secs(5));
    from_b.finish(Duration::from_secs(10));
    from_c.finish(Duration::from_secs(10));
    server.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    let took = done.ended - listening;
    assert!(took >= Duration::from_millis(900) && took < Duration::from_millis(2000), "--duration 1 took {took:?}");
    assert_eq!(stats(&done.stderr).0, 0);
    let per = per_interface(&done.stderr);
    assert_eq!((per.get("v0"), per.get("w0")), (Some(&(0, 0)), Some(&(0, 0))), "{}", done.stderr);
    assert!(done.stdout.contains("0 flows"), "{}", done.stdout);
}

#[test]
fn sigint_on_two_interfaces_delivers_what_was_queued() {
    let Some(lab) = MultiLab::new("sigint") else { return };
    let (ours, tv, tw) = (lab.path("ours.pcapng"), lab.path("v0.pcap"), lab.path("w0.pcap"));
    let tcpdump_v = lab.tcpdump("v0", &tv);
    let tcpdump_w = lab.tcpdump("w0", &tw);
    let mut wl = Proc::spawn(&mut lab.wirelens(&[
        "packets",
        "-n",
        "-i",
        "v0",
        "-i",
        "w0",
        "-w",
        ours.to_str().unwrap(),
        "--format",
        "ndjson",
    ]));
    wl.wait_for("listening on w0", Duration::from_secs(10)).expect("wirelens did not start");
    let server = lab.server(2, 20);
    let from_b = lab.client_bg(&lab.b, A_ADDR, 1, 10);
    let from_c = lab.client_bg(&lab.c, W_A, 1, 10);
    from_b.finish(Duration::from_secs(15));
    from_c.finish(Duration::from_secs(15));
    server.finish(Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    wl.signal(libc::SIGINT);
    let done = wl.finish(Duration::from_secs(5));
    for t in [tcpdump_v, tcpdump_w] {
        t.signal(libc::SIGINT);
        t.finish(Duration::from_secs(10));
    }
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert!(done.ended - sent < Duration::from_millis(1000), "SIGINT took {:?}", done.ended - sent);
    let (v, w) = (frames(&tv), frames(&tw));
    assert_eq!(frames_of(&ours, 0), v);
    assert_eq!(frames_of(&ours, 1), w);
    // A line per packet, each naming its interface.
    let lines: Vec<serde_json::Value> =
        done.stdout.lines().map(|l| serde_json::from_str(l).expect("ndjson line")).collect();
    let on = |i: u64| lines.iter().filter(|p| p["interface"].as_u64() == Some(i)).count();
    assert_eq!((on(0), on(1)), (v.len(), w.len()), "{}", done.stdout);
    let numbers: Vec<u64> = lines.iter().filter_map(|p| p["frame"].as_u64()).collect();
    assert_eq!(numbers, (1..=lines.len() as u64).collect::<Vec<_>>(), "frames numbered across interfaces");
    assert_eq!(stats(&done.stderr).0, (v.len() + w.len()) as u64);
}

#[test]
fn any_with_another_interface_and_pcap_for_two_are_refused() {
    let Some(lab) = MultiLab::new("refused") else { return };
    let o = lab.wirelens(&["flows", "-i", "any", "-i", "v0", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`-i any` captures on every interface already and cannot be combined"), "{err}");
    assert!(o.stdout.is_empty() && !err.contains("listening"), "nothing was opened: {err}");

    let pcap = lab.path("two.pcap");
    let o = lab.wirelens(&["flows", "-i", "v0", "-i", "w0", "-w", pcap.to_str().unwrap(), "--duration", "1"]).output();
    let o = o.unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("saved as pcapng only") && err.contains("name the file .pcapng"), "{err}");
    assert!(!pcap.exists(), "no file is made");

    let o = lab.wirelens(&["flows", "-i", "v0", "-i", "v0", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("interface v0 is given twice"), "{err}");
}

#[test]
fn every_command_runs_on_two_interfaces() {
    let Some(lab) = MultiLab::new("commands") else { return };
    // Every command at once, each with its own handles on both interfaces.
    let two = ["-i", "v0", "-i", "w0", "--duration", "3"];
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("packets", vec!["packets", "-n", "--format", "ndjson"]),
        ("conv", vec!["conv", "--format", "json"]),
        ("expert", vec!["expert", "--live", "redraw"]),
        ("dns", vec!["dns", "--format", "ndjson"]),
        ("info", vec!["info", "--format", "json"]),
        ("summary", vec!["summary", "--live", "events"]),
        ("ladder", vec!["ladder", "--flow", "1"]),
    ];
    let mut procs: Vec<(&str, Proc)> = runs
        .iter()
        .map(|(name, args)| {
            let all: Vec<&str> = args.iter().chain(two.iter()).copied().collect();
            (*name, Proc::spawn(&mut lab.wirelens(&all)))
        })
        .collect();
    for (name, p) in &mut procs {
        assert!(p.wait_for("listening on w0", Duration::from_secs(10)).is_some(), "{name} did not start");
    }
    // TCP first on both sides, so that flow 1 is a connection for the ladder.
    let server = lab.server(2, 20);
    let from_b = lab.client_bg(&lab.b, A_ADDR, 1, 10);
    let from_c = lab.client_bg(&lab.c, W_A, 1, 10);
    from_b.finish(Duration::from_secs(15));
    from_c.finish(Duration::from_secs(15));
    server.finish(Duration::from_secs(10));
    let mut out = HashMap::new();
    for (name, p) in procs {
        let done = p.finish(Duration::from_secs(10));
        assert_eq!(done.code(), Some(0), "{name}: {}", done.stderr);
        assert!(stats(&done.stderr).0 > 0, "{name} captured nothing: {}", done.stderr);
        assert_eq!(per_interface(&done.stderr).len(), 2, "{name}: {}", done.stderr);
        out.insert(name, done.stdout);
    }
    let on = |i: u64| out["packets"].lines().filter(|l| l.contains(&format!("\"interface\":{i},"))).count();
    assert!(on(0) > 0 && on(1) > 0, "packets of both interfaces: {}", out["packets"]);
    let conv = json_rows(&out["conv"]);
    assert_eq!(conv.iter().filter(|r| r["proto"] == "tcp").map(|r| r["flows"].as_u64().unwrap_or(0)).sum::<u64>(), 2);
    assert!(out["expert"].contains("wirelens expert on v0, w0"), "the status names both: {}", out["expert"]);
    let info: serde_json::Value = serde_json::from_str(&out["info"]).expect("info json");
    let names: Vec<&str> = info["interfaces"].as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["v0", "w0"]);
    assert!(out["summary"].contains("Number of interfaces:   2"), "{}", out["summary"]);
    assert!(out["ladder"].contains(":7000"), "{}", out["ladder"]);
}
