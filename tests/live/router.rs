//! A capture on the client's side of a lossy router, with a real DNS
//! server (a module of `live.rs`, with its helpers): the project's lab
//! (`lab/lib.sh`: client, router and server namespaces, the router dropping
//! 1 in 20 forwarded packets with nftables, dnsmasq on the server). While
//! wirelens and tcpdump capture the client's interface, the client uploads
//! over TCP through the router and asks dnsmasq for names with dig. The
//! flows, packet and byte counts, retransmissions and DNS answers wirelens
//! reports live must be those it finds in tcpdump's file, and its `-w`
//! file must hold tcpdump's packets.

use super::*;

/// The lab of `lab/lib.sh` under a prefix of this test's own; torn down on drop.
struct RouterLab {
    prefix: String,
    dir: PathBuf,
}

impl RouterLab {
    fn new() -> Option<RouterLab> {
        let prefix = format!("wlr{}", std::process::id() % 100_000);
        let dir = std::env::temp_dir().join(format!("{prefix}-router"));
        let lab = RouterLab { prefix, dir };
        let missing: Vec<&str> =
            ["ip", "nft", "dnsmasq", "dig", "tcpdump", "python3", "ethtool"].into_iter().filter(|c| !have(c)).collect();
        // SAFETY: geteuid cannot fail.
        let why = if unsafe { libc::geteuid() } != 0 {
            Some("not running as root".to_string())
        } else if !missing.is_empty() {
            Some(format!("missing {}", missing.join(", ")))
        } else {
            let _ = std::fs::create_dir_all(&lab.dir);
            lab.sh("lab_up; lab_dns_server; lab_tcp_sink 7000").err()
        };
        match why {
            None => Some(lab),
            Some(why) if ci() => panic!("live tests must run under CI, but: {why}"),
            Some(why) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPED live::router: needs root and the lab's tools ({why}) ***\n"
                );
                None
            }
        }
    }

    /// Runs lab functions (bash, `set -euo pipefail`, lab/lib.sh sourced).
    fn sh(&self, script: &str) -> Result<String, String> {
        let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/lib.sh");
        let o = Command::new("bash")
            .args(["-c", &format!("set -euo pipefail; source {}; {script}", lib.display())])
            .env("LAB_PREFIX", &self.prefix)
            .env("LAB_STATE", self.dir.join("state"))
            .env("LAB_VERBOSE", "0")
            // The other live tests run at the same time on two cores: a
            // kernel buffer big enough that the reference never drops.
            .env("LAB_CAPTURE_BUFFER_KIB", "32768")
            .output()
            .map_err(|e| e.to_string())?;
        if o.status.success() {
            Ok(String::from_utf8_lossy(&o.stdout).into_owned())
        } else {
            Err(format!("{script}: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
        }
    }

    /// wirelens in the client's namespace.
    fn wirelens(&self, args: &[&str]) -> Proc {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &format!("{}-cl", self.prefix), BIN]).args(args).env("NO_COLOR", "1");
        c.env_remove("SUDO_UID").env_remove("SUDO_GID");
        Proc::spawn(&mut c)
    }
}

impl Drop for RouterLab {
    fn drop(&mut self) {
        let _ = self.sh("lab_down");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn a_lossy_router_and_dnsmasq_as_tcpdump_sees_them() {
    let Some(lab) = RouterLab::new() else { return };
    let (ours, theirs) = (lab.dir.join("ours.pcapng"), lab.dir.join("tcpdump.pcap"));
    lab.sh(&format!("lab_capture_start ref cl cl-rt {}", theirs.display())).expect("tcpdump");
    let mut flows = lab.wirelens(&[
        "flows",
        "-i",
        "cl-rt",
        "-B",
        "32768",
        "--duration",
        "8",
        "-w",
        ours.to_str().unwrap(),
        "--format",
        "ndjson",
    ]);
    let mut dns = lab.wirelens(&["dns", "-i", "cl-rt", "-B", "32768", "--duration", "8", "--format", "ndjson"]);
    flows.wait_for("listening on cl-rt", Duration::from_secs(10)).expect("wirelens flows did not start");
    dns.wait_for("listening on cl-rt", Duration::from_secs(10)).expect("wirelens dns did not start");
    // Drops only on the way to the server (data segments), from here on.
    lab.sh("lab_drop 20 rt-cl").expect("drop rule");
    lab.sh(
        "for n in www alias mail nosuch; do lab_exec cl dig +tries=5 +time=1 @$LAB_SV4 $n.example.test A >/dev/null || true; done
         lab_tool cl upload --host $LAB_SV4 --port 7000 --bytes 1500000 >/dev/null",
    )
    .expect("traffic");
    let dropped: u64 = lab.sh("lab_drop_count").expect("count").trim().parse().unwrap_or(0);
    let done = flows.finish(Duration::from_secs(15));
    let dns_done = dns.finish(Duration::from_secs(15));
    lab.sh("lab_capture_stop ref").expect("tcpdump stopped cleanly");
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert_eq!(dns_done.code(), Some(0), "{}", dns_done.stderr);
    assert!(dropped > 0, "the router dropped nothing");

    // The flows seen live are the flows in tcpdump's file, packet for packet.
    let live = json_lines(&done.stdout);
    let o = Command::new(BIN).args(["flows", "--format", "json", theirs.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success());
    let reference = json_rows(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(flow_counts(&live), flow_counts(&reference), "live:\n{}", done.stdout);
    let upload = live.iter().find(|r| r["proto"] == "tcp" && r["resp_port"] == 7000).expect("the upload");
    let ref_upload = reference.iter().find(|r| r["proto"] == "tcp" && r["resp_port"] == 7000).expect("in tcpdump's");
    assert!(upload["retransmissions"].as_u64() > Some(0), "a lossy path retransmits: {upload}");
    // A segment that does not advance the sequence is a retransmission or,
    // if it came sooner after the highest one than the handshake's RTT, out
    // of order (Wireshark's rule): the time stamps decide. tcpdump's socket
    // stamps the same frames a few microseconds apart from ours, so only the
    // sum must match its file; our own -w file, with our time stamps, must
    // give every verdict exactly as seen live.
    let resent =
        |r: &serde_json::Value| r["retransmissions"].as_u64().zip(r["out_of_order"].as_u64()).map(|(a, b)| a + b);
    assert_eq!(resent(upload), resent(ref_upload), "live {upload}\ntcpdump's {ref_upload}");
    let o = Command::new(BIN).args(["flows", "--format", "json", ours.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success());
    let own = json_rows(&String::from_utf8_lossy(&o.stdout));
    let own_upload = own.iter().find(|r| r["proto"] == "tcp" && r["resp_port"] == 7000).expect("in our -w file");
    for k in [
        "retransmissions",
        "fast_retransmissions",
        "spurious_retransmissions",
        "out_of_order",
        "lost_segments",
        "dup_acks",
    ] {
        assert_eq!(upload[k], own_upload[k], "{k}: live {upload}\n-w file {own_upload}");
    }
    assert_eq!(upload["state"], "SF", "{upload}");
    assert!(upload["orig_payload_bytes"].as_u64() >= Some(1_500_000), "{upload}");

    // Every DNS transaction, answered or not, as in tcpdump's file.
    let txs = json_lines(&dns_done.stdout);
    let o = Command::new(BIN).args(["dns", "--format", "json", theirs.to_str().unwrap()]).output().unwrap();
    let ref_txs = json_rows(&String::from_utf8_lossy(&o.stdout));
    let summary = |v: &[serde_json::Value]| {
        let mut s: Vec<String> = v.iter().map(|t| format!("{} {} {}", t["name"], t["rcode"], t["addresses"])).collect();
        s.sort();
        s
    };
    assert_eq!(summary(&txs), summary(&ref_txs), "live:\n{}", dns_done.stdout);
    let www = txs.iter().find(|t| t["name"] == "www.example.test").expect("www asked");
    assert_eq!((www["rcode"].as_str(), www["addresses"].clone()), (Some("NOERROR"), serde_json::json!(["10.200.2.2"])));
    assert!(txs.iter().any(|t| t["name"] == "nosuch.example.test" && t["rcode"] == "NXDOMAIN"), "{}", dns_done.stdout);

    // The -w file holds tcpdump's packets; the counters say none was lost.
    assert_eq!(frames(&ours), frames(&theirs), "-w file differs from tcpdump's");
    let (captured, received, dropped_kernel) = stats(&done.stderr);
    assert_eq!((captured, received, dropped_kernel), (frames(&ours).len() as u64, captured, 0), "{}", done.stderr);
}
