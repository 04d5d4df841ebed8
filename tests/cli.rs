//! End-to-end tests of the `wirelens` binary: formats, options, exit codes
//! and the bad-input contract (everything before a fault is reported, the
//! fault names file, packet and byte offset, exit code 2).

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_wirelens");

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn corpus(name: &str) -> String {
    format!("{}/../shared/corpus/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("run wirelens")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wirelens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn packets_prints_one_line_per_packet_like_tshark() {
    let o = run(&["packets", &corpus("td_dns_tcp.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(lines[0].contains("192.168.1.11 → 209.87.249.18 TCP 74 33779 → domain(53) [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=2044906138 TSecr=0 WS=128"), "{}", lines[0]);
    assert!(lines[3].contains("DNS 112 Standard query 0x4319 A www.tcpdump.org OPT"), "{}", lines[3]);
    assert!(lines[6].contains("[ACK] Seq=59 Ack=227 Win=64014 Len=0"), "{}", lines[6]);
}

#[test]
fn numeric_ports_with_n() {
    let o = run(&["packets", "-n", "-c", "1", &corpus("td_dns_tcp.pcap")]);
    assert!(stdout(&o).contains("33779 → 53 [SYN]"));
}

#[test]
fn ndjson_has_the_documented_fields() {
    let o = run(&["packets", "--format", "ndjson", &sample("mix.pcap")]);
    assert!(o.status.success());
    let out = stdout(&o);
    let mut saw_dns = false;
    let mut saw_tcp = false;
    for (i, line) in out.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        assert_eq!(v["frame"], (i + 1) as u64);
        for key in ["ts", "len", "caplen", "link", "vlan", "src", "dst", "proto", "truncated", "errors", "info"] {
            assert!(v.get(key).is_some(), "frame {} lacks {key}", i + 1);
        }
        let ts = v["ts"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == "2026-11-21T05:00:00.123456789Z".len(), "{ts}");
        if let Some(d) = v.get("dns") {
            saw_dns = true;
            assert!(d["id"].is_u64() && d["response"].is_boolean() && d["questions"].is_array());
        }
        if let Some(t) = v.get("tcp") {
            saw_tcp = true;
            assert!(t["flags"].is_string() && t["seq"].is_u64() && t["win"].is_u64() && t["len"].is_u64());
            assert!(v["sport"].is_u64() && v["dport"].is_u64());
        }
    }
    assert!(saw_dns && saw_tcp);
}

#[test]
fn json_is_one_array() {
    let o = run(&["packets", "--format", "json", &corpus("td_dns_udp.pcap")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[1]["dns"]["response"], true);
    let empty = run(&["packets", "--format", "json", &corpus("td_empty.pcap")]);
    let v: serde_json::Value = serde_json::from_slice(&empty.stdout).expect("valid JSON");
    assert_eq!(v.as_array().unwrap().len(), 0);
}

#[test]
fn csv_has_a_header_and_a_row_per_packet() {
    let o = run(&["packets", "--format", "csv", &corpus("td_dns_tcp.pcap")]);
    let mut r = csv::Reader::from_reader(&o.stdout[..]);
    assert_eq!(r.headers().unwrap().get(0), Some("frame"));
    assert_eq!(r.records().count(), 11);
}

#[test]
fn count_filter_and_bpf() {
    let o = run(&["packets", "-c", "3", &sample("mix.pcap")]);
    assert_eq!(stdout(&o).lines().count(), 3);
    let o = run(&["packets", "-Y", "dns && udp", "--format", "ndjson", &sample("mix.pcap")]);
    assert!(o.status.success());
    let n = stdout(&o).lines().count();
    assert!(n > 0);
    for line in stdout(&o).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["proto"], "DNS");
        assert!(v.get("udp").is_some());
    }
    let o = run(&["packets", "-f", "udp port 53", "--format", "ndjson", &sample("mix.pcap")]);
    assert_eq!(stdout(&o).lines().count(), n, "BPF and display filter select the same DNS/UDP packets");
}

#[test]
fn bad_filters_exit_2_with_the_reason() {
    let o = run(&["packets", "-Y", "tcp.prot == 80", &sample("mix.pcap")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean tcp.port"), "{}", stderr(&o));
    let o = run(&["packets", "-f", "tcp port", &sample("mix.pcap")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("tcp port") && stderr(&o).contains("syntax error"), "{}", stderr(&o));
}

#[test]
fn time_formats() {
    let f = corpus("td_dns_udp.pcap");
    let epoch = stdout(&run(&["packets", "--time", "epoch", &f]));
    let utc = stdout(&run(&["packets", "--time", "utc", &f]));
    let delta = stdout(&run(&["packets", "--time", "delta", &f]));
    assert!(epoch.lines().next().unwrap().split_whitespace().nth(1).unwrap().contains('.'));
    assert!(utc.lines().next().unwrap().contains('-') && utc.contains(':'));
    assert!(delta.lines().next().unwrap().contains(" 0.000000 "));
}

#[test]
fn verbose_and_hex() {
    let o = run(&["packets", "-V", "-x", "-c", "1", &corpus("td_dns_udp.pcap")]);
    let out = stdout(&o);
    assert!(out.contains("Internet Protocol Version 4, Src:"), "{out}");
    assert!(out.contains("User Datagram Protocol"));
    assert!(out.contains("Domain Name System (query)"));
    assert!(out.contains("0000  "), "hex dump present");
}

#[test]
fn info_reports_counts_and_hierarchy() {
    let o = run(&["info", &sample("mix.pcap")]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("Number of packets:"));
    assert!(out.contains("Protocol hierarchy"));
    assert!(out.contains("dns"));
    let o = run(&["info", "--format", "json", &sample("mix.pcap")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["hierarchy"]["frames"], v["packets"]);
    // No subcommand: the overview.
    assert!(run(&[&sample("mix.pcap")]).status.success());
}

#[test]
fn missing_file_exits_2_naming_it() {
    for cmd in ["packets", "flows"] {
        let o = run(&[cmd, "/nonexistent/x.pcap"]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(e.contains("/nonexistent/x.pcap"), "{e}");
        // The system's reason once, not once more from the error's source.
        assert_eq!(e.matches("os error").count(), 1, "{e}");
    }
}

#[test]
fn not_a_capture_names_the_magic_bytes() {
    let p = tmp("notes.txt");
    std::fs::write(&p, b"<!DOCTYPE html>").unwrap();
    let o = run(&["packets", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("3c 21 44 4f"), "{}", stderr(&o));
}

#[test]
fn truncated_file_reports_everything_before_the_fault() {
    let bytes = std::fs::read(corpus("td_dns_tcp.pcap")).unwrap();
    let p = tmp("cut.pcap");
    std::fs::write(&p, &bytes[..bytes.len() - 10]).unwrap();
    let o = run(&["packets", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o).lines().count(), 10, "the 10 complete packets are printed");
    let err = stderr(&o);
    assert!(err.contains("cut.pcap") && err.contains("packet 11") && err.contains("byte offset"), "{err}");
    let o = run(&["info", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("Number of packets:      10"), "{}", stdout(&o));
}

#[test]
fn stdin_and_gzip() {
    let bytes = std::fs::read(corpus("td_dns_tcp.pcap")).unwrap();
    let mut child =
        Command::new(BIN).args(["packets", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 11);

    let gz = tmp("x.pcap.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&bytes).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    let o = run(&["packets", gz.to_str().unwrap()]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 11);
}

#[test]
fn broken_pipe_exits_0() {
    let mut child = Command::new(BIN)
        .args(["packets", "-V", &sample("lossy-sender.pcap")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 100];
    out.read_exact(&mut buf).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.is_empty(), "{err}");
}

#[test]
fn flows_formats_sort_and_top() {
    let o = run(&["flows", "--format", "ndjson", &sample("mix.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.len() > 10);
    for r in &rows {
        for key in [
            "id",
            "proto",
            "orig_addr",
            "orig_port",
            "resp_addr",
            "resp_port",
            "service",
            "start",
            "duration",
            "orig_pkts",
            "resp_pkts",
            "orig_frame_bytes",
            "resp_frame_bytes",
            "orig_ip_bytes",
            "resp_ip_bytes",
            "orig_payload_bytes",
            "resp_payload_bytes",
        ] {
            assert!(r.get(key).is_some(), "flow lacks {key}: {r}");
        }
    }
    let http = rows.iter().find(|r| r["resp_port"] == 80).expect("an HTTP flow");
    assert_eq!(http["service"], "http");
    // curl asked dnsmasq for the name first: the flow carries it.
    assert_eq!(http["server_name"], "www.example.test");
    let o = run(&["flows", "--sort", "bytes", "--top", "2", "--format", "csv", &sample("mix.pcap")]);
    let mut rdr = csv::Reader::from_reader(&o.stdout[..]);
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (ob, rb) = (col("orig_frame_bytes"), col("resp_frame_bytes"));
    let recs: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 2);
    let total = |r: &csv::StringRecord| r[ob].parse::<u64>().unwrap() + r[rb].parse::<u64>().unwrap();
    assert!(total(&recs[0]) >= total(&recs[1]));
    let o = run(&["flows", &sample("mix.pcap")]);
    assert!(stdout(&o).contains("flows"));
}

#[test]
fn max_flows_reports_evictions() {
    let o = run(&["flows", "--max-flows", "3", &sample("mix.pcap")]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("evicted to stay within --max-flows 3"), "{}", stdout(&o));
    let o = run(&["flows", "--max-flows", "3", "--format", "ndjson", &sample("mix.pcap")]);
    assert!(stdout(&o).lines().any(|l| l.contains("\"ended\":\"evicted\"")));
}

#[test]
fn conv_groups_by_service_and_by_hosts() {
    let o = run(&["conv", "--format", "ndjson", &sample("mix.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let http = rows.iter().find(|r| r["proto"] == "tcp" && r["port"] == 80).expect("http row");
    assert_eq!(http["service"], "http");
    let flows = run(&["flows", "--format", "ndjson", "-Y", "tcp.port == 80", &sample("mix.pcap")]);
    assert_eq!(http["flows"].as_u64().unwrap() as usize, stdout(&flows).lines().count());
    // Byte totals are preserved by the grouping.
    let all = run(&["flows", "--format", "ndjson", &sample("mix.pcap")]);
    let total = |s: &str, k: &str| -> u64 {
        s.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()[k].as_u64().unwrap()).sum()
    };
    assert_eq!(total(&stdout(&o), "orig_frame_bytes"), total(&stdout(&all), "orig_frame_bytes"));
    // Every table row has as many cells as the header (names are counted too).
    for report in ["conv", "flows", "dns"] {
        let o = run(&[report, &sample("mix.pcap")]);
        let cells: Vec<usize> =
            stdout(&o).lines().filter(|l| l.starts_with("| ")).map(|l| l.matches(" | ").count()).collect();
        assert!(cells.windows(2).all(|w| w[0] == w[1]), "{report}: ragged table {cells:?}");
    }
    let o = run(&["conv", "--by", "hosts", "--format", "csv", &sample("mix.pcap")]);
    assert!(stdout(&o).lines().nth(1).unwrap().contains("10.200."));
}

#[test]
fn expert_lists_events_and_counts() {
    let o = run(&["expert", "--format", "ndjson", &sample("lossy-receiver.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ev: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let count = |k: &str| ev.iter().filter(|e| e["kind"] == k).count();
    // What tshark 4.0 finds in this sample (samples/README.md).
    assert_eq!(count("lost_segment"), 4);
    assert_eq!(count("dup_ack"), 77);
    assert_eq!(count("window_update"), 26);
    // A fast retransmission is also a retransmission, one event each.
    assert_eq!(count("fast_retransmission"), 3);
    assert_eq!(count("retransmission"), 4);
    for e in &ev {
        assert!(e["frame"].is_u64() && e["flow"].is_u64() && e["evidence"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let fast = ev.iter().find(|e| e["kind"] == "fast_retransmission").unwrap();
    assert!(fast["evidence"].as_str().unwrap().contains("duplicate ACKs of frame"), "{fast}");
    let o = run(&["expert", &sample("lossy-receiver.pcap")]);
    assert!(stdout(&o).contains("| warning  | lost_segment"), "{}", stdout(&o));
}

#[test]
fn packets_show_tshark_analysis_tags() {
    let o = run(&["packets", "-n", "-Y", "tcp.analysis.fast_retransmission", &sample("lossy-receiver.pcap")]);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.lines().all(|l| l.contains("[TCP Fast Retransmission]")));
    let o = run(&[
        "packets",
        "-n",
        "--format",
        "ndjson",
        "-Y",
        "tcp.analysis.duplicate_ack",
        &sample("lossy-receiver.pcap"),
    ]);
    let first: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(first["tcp"]["analysis"]["flags"][0], "dup_ack");
    assert_eq!(first["tcp"]["analysis"]["dup_ack"]["num"], 1);
    assert!(first["info"].as_str().unwrap().starts_with("[TCP Dup ACK "));
}

#[test]
fn ladder_draws_the_handshake_losses_and_close() {
    let o = run(&["ladder", "--flow", "1", &sample("lossy-receiver.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("handshake: SYN")
            && out.contains("handshake: SYN-ACK")
            && out.contains("handshake: ACK (complete)")
    );
    assert!(out.contains("[Previous segment not captured]") && out.contains("[Dup ACK #1 of"));
    assert!(out.contains("close: FIN from the originator"));
    assert!(out.contains(" segments, "), "long runs are folded");
    let all = run(&["ladder", "--flow", "1", "--no-fold", &sample("lossy-receiver.pcap")]);
    assert!(stdout(&all).lines().count() > out.lines().count());
    let missing = run(&["ladder", "--flow", "999", &sample("mix.pcap")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no flow 999"));
}

#[test]
fn summary_puts_problems_first() {
    let o = run(&["summary", &sample("mix.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let problems = out.find("Flows with problems").expect("problems section");
    let conv = out.find("Conversations by service").expect("conversations section");
    assert!(problems < conv);
    assert!(out.contains("connection refused (RST to SYN)"));
    assert!(out.contains("DNS transactions: 8 (answered 8)"), "{out}");
    let o = run(&["summary", "--format", "json", &sample("lossy-receiver.pcap")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["anomalies"]["lost_segments"], 4);
    assert_eq!(v["problem_flows"][0]["id"], 1);
}

#[test]
fn dns_transactions_on_the_dns_sample() {
    let o = run(&["dns", "--format", "ndjson", &sample("dns.pcap")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for r in &rows {
        for key in [
            "query_frame",
            "response_frame",
            "ts",
            "client",
            "server",
            "transport",
            "id",
            "name",
            "type",
            "rcode",
            "answers",
            "rtt_ms",
            "status",
        ] {
            assert!(r.get(key).is_some(), "transaction lacks {key}: {r}");
        }
    }
    let status = |s: &str| rows.iter().filter(|r| r["status"] == s).count();
    // The silent server: two queries (IPv4, IPv6), each retried once by dig from a new port.
    assert_eq!(status("unanswered"), 2);
    assert!(rows.iter().filter(|r| r["status"] == "unanswered").all(|r| r["retries"] == 1));
    // The big TXT answer: truncated over UDP, then retried over TCP.
    let tc: Vec<&serde_json::Value> = rows.iter().filter(|r| r["status"] == "truncated").collect();
    assert_eq!(tc.len(), 2);
    let retried = tc.iter().find(|r| r.get("retried_over_tcp_frame").is_some()).expect("a TCP retry");
    let tcp = rows.iter().find(|r| r["query_frame"] == retried["retried_over_tcp_frame"]).unwrap();
    assert_eq!(tcp["transport"], "tcp");
    assert_eq!(tcp["after_truncation_of"], retried["query_frame"]);
    // NXDOMAIN and a CNAME chain resolved to its address.
    assert!(rows.iter().any(|r| r["rcode"] == "NXDOMAIN"));
    let chain = rows.iter().find(|r| r["name"] == "chain1.example.test" && r["type"] == "A").unwrap();
    assert_eq!(chain["cname_chain"].as_array().unwrap().len(), 3, "{chain}");
    assert!(!chain["addresses"].as_array().unwrap().is_empty());
    let o = run(&["dns", "--stats", &sample("dns.pcap")]);
    let out = stdout(&o);
    assert!(out.contains("Response time: p50") && out.contains("By rcode:") && out.contains("Failed"), "{out}");
}
