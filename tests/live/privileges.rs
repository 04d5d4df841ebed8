//! Privileges and capture options, end to end (a module of `live.rs`, with
//! its lab and helpers): what a capture gives up once it is open, read from
//! /proc/PID/status while it runs, and monitor mode and time stamp types.
//!
//! The pid is the child's own: `ip netns exec` and `setpriv` both exec in
//! place, and each check first reads the status's `Name` to be sure it is
//! wirelens. It is read after the "listening on" line, which wirelens prints
//! once privileges are given up.

use super::*;

/// /proc/PID/status as key → value ("Uid" → "0\t0\t0\t0").
fn proc_status(pid: i32) -> HashMap<String, String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let map: HashMap<String, String> =
        text.lines().filter_map(|l| l.split_once(':')).map(|(k, v)| (k.to_string(), v.trim().to_string())).collect();
    assert_eq!(map.get("Name").map(String::as_str), Some("wirelens"), "pid {pid} is not wirelens: {text}");
    map
}

fn words<'a>(status: &'a HashMap<String, String>, key: &str) -> Vec<&'a str> {
    status.get(key).map(|v| v.split_whitespace().collect()).unwrap_or_default()
}

/// Effective, permitted, inheritable and ambient sets all empty.
fn assert_no_capabilities(status: &HashMap<String, String>) {
    for key in ["CapEff", "CapPrm", "CapInh", "CapAmb"] {
        assert_eq!(status.get(key).map(String::as_str), Some("0000000000000000"), "{key}: {status:?}");
    }
    assert_eq!(status.get("NoNewPrivs").map(String::as_str), Some("1"), "{status:?}");
}

/// Whether file capabilities take effect in `dir`: not on a nosuid mount.
fn suid_allowed(dir: &Path) -> bool {
    let c = std::ffi::CString::new(dir.to_str().expect("utf-8 path")).expect("path");
    // SAFETY: statvfs is plain data; `c` is NUL-terminated; `st` is written by the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::statvfs(c.as_ptr(), &mut st) == 0 && st.f_flag & libc::ST_NOSUID == 0 }
}

/// A setup step this test cannot do: skipped outside CI, a failure under it.
fn cannot(why: &str) {
    assert!(!ci(), "{why}");
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED part of a live test: {why} ***\n");
}

#[test]
fn a_setcap_binary_run_by_a_user_gives_every_capability_up() {
    let Some(lab) = Lab::new("setcap") else { return };
    for cmd in ["setcap", "setpriv"] {
        if !have(cmd) {
            return cannot(&format!("{cmd} is not installed (libcap2-bin, util-linux)"));
        }
    }
    if !suid_allowed(&lab.dir) {
        return cannot(&format!("{} is on a nosuid mount, where file capabilities do nothing", lab.dir.display()));
    }
    // A copy of the binary with the capabilities, as the README says to do.
    let copy = lab.path("wirelens");
    std::fs::copy(BIN, &copy).expect("copy the binary");
    let copy = copy.to_str().unwrap().to_string();
    if let Err(e) = sh(&["setcap", "cap_net_raw,cap_net_admin=eip", &copy]) {
        return cannot(&format!("setcap failed, the file system may lack extended attributes: {e}"));
    }
    // A directory the user may write the -w file in.
    let out = lab.path("out");
    std::fs::create_dir(&out).expect("mkdir");
    sh(&["chown", "65534:65534", out.to_str().unwrap()]).expect("chown");
    let saved = out.join("saved.pcap");
    let as_nobody = |args: &[&str]| {
        let mut all = vec!["--reuid=65534", "--regid=65534", "--clear-groups", copy.as_str()];
        all.extend_from_slice(args);
        lab.cmd(&lab.a, "setpriv", &all)
    };

    // The capture lasts long enough for a python3 server and client to
    // start and talk on a loaded machine (see below).
    let mut wl = Proc::spawn(&mut as_nobody(&["flows", "-i", "v0", "--duration", "5", "-w", saved.to_str().unwrap()]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("the setcap'd wirelens did not start");
    let status = proc_status(wl.pid());
    let server = lab.server(0, 5);
    lab.client(0, 5, 0.01);
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert_eq!(words(&status, "Uid"), vec!["65534"; 4], "{status:?}");
    assert_no_capabilities(&status);
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&saved).expect("the -w file");
    assert_eq!(meta.uid(), 65534);
    assert!(frames(&saved).len() >= 5, "the capture worked: {}", done.stderr);

    // The same user, the same binary without the capabilities.
    sh(&["setcap", "-r", &copy]).expect("setcap -r");
    let o = as_nobody(&["flows", "-i", "v0", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no permission to capture on v0"), "{err}");
    assert!(err.contains(&format!("setcap cap_net_raw,cap_net_admin=eip {copy}")), "{err}");
}

#[test]
fn root_alone_becomes_nobody_and_user_root_stays_root() {
    let Some(lab) = Lab::new("nobody") else { return };
    // Without sudo (the lab removes SUDO_UID): nobody, and the file stays root's.
    let ours = lab.path("ours.pcap");
    // 5 s: with 2, the test once failed under CI (`.ci/run` runs the test
    // binaries' tests in parallel on two cores): the python3 server and
    // client had not sent their five datagrams before the capture ended.
    let mut wl =
        Proc::spawn(&mut lab.wirelens(&["flows", "-i", "v0", "--duration", "5", "-w", ours.to_str().unwrap()]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens did not start");
    let status = proc_status(wl.pid());
    let server = lab.server(0, 5);
    lab.client(0, 5, 0.01);
    server.finish(Duration::from_secs(10));
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert_eq!(words(&status, "Uid"), vec!["65534"; 4], "{status:?}");
    assert_eq!(words(&status, "Gid"), vec!["65534"; 4], "{status:?}");
    assert_eq!(words(&status, "Groups"), vec!["65534"], "{status:?}");
    assert_no_capabilities(&status);
    assert_eq!(status.get("CapBnd").map(String::as_str), Some("0000000000000000"), "root may drop the bounding set");
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&ours).expect("the -w file");
    assert_eq!((meta.uid(), meta.gid()), (0, 0), "root ran it: the file stays root's");
    assert_eq!(frames(&ours).len() as u64, stats(&done.stderr).0);
    assert!(frames(&ours).len() >= 5);

    // -Z root, as tcpdump's: root stays, with its capabilities.
    let mut wl = Proc::spawn(&mut lab.wirelens(&["flows", "-i", "v0", "--duration", "1", "-Z", "root"]));
    wl.wait_for("listening on v0", Duration::from_secs(10)).expect("wirelens -Z root did not start");
    let status = proc_status(wl.pid());
    let done = wl.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{}", done.stderr);
    assert_eq!(words(&status, "Uid"), vec!["0"; 4], "{status:?}");
    assert_ne!(status.get("CapEff").map(String::as_str), Some("0000000000000000"), "{status:?}");
}

#[test]
fn time_stamp_types_are_listed_and_chosen() {
    let Some(lab) = Lab::new("tstamp") else { return };
    // tcpdump -J's words; a veth offers the host's time stamps.
    let o = lab.wirelens(&["-J", "-i", "v0"]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.starts_with("Time stamp types for v0 (use option -j to set):\n"), "{out}");
    assert!(out.lines().any(|l| l == "  host (Host)"), "{out}");
    // Also as a command's option, in JSON.
    let o = lab.wirelens(&["packets", "-i", "v0", "-J", "--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let rows = json_rows(&String::from_utf8_lossy(&o.stdout));
    assert!(rows.iter().any(|r| r["name"] == "host" && r["value"] == 0), "{rows:?}");

    // -j host: no warning, the capture runs.
    let o = lab.wirelens(&["packets", "-i", "v0", "-j", "host", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("listening on v0") && !err.contains("WARNING"), "{err}");
    // A type the veth does not offer: libpcap's warning, as tcpdump prints
    // it, and the capture goes on with the host's.
    let o = lab.wirelens(&["packets", "-i", "v0", "-j", "adapter", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("wirelens: WARNING: ") && err.contains("'adapter' on v0"), "{err}");
    assert!(err.contains("listening on v0"), "{err}");
    // A type libpcap does not know: refused with the list.
    let o = lab.wirelens(&["packets", "-i", "v0", "-j", "bogus", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid value 'bogus'") && err.contains("adapter_unsynced"), "{err}");
}

#[test]
fn monitor_mode_on_a_veth_fails_clearly() {
    let Some(lab) = Lab::new("rfmon") else { return };
    let o = lab.wirelens(&["packets", "-i", "v0", "-I", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot capture on v0 in monitor mode: That device doesn't support monitor mode"), "{err}");
    assert!(!err.contains("listening on"), "{err}");
}
