//! Golden-output tests: every report on every sample, compared byte for
//! byte with `tests/golden/`. After an intended change, regenerate with
//! `UPDATE_GOLDEN=1 cargo test --test golden` and review the diff.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_wirelens");
const SAMPLES: [&str; 7] = ["mix", "lossy-sender", "lossy-receiver", "zero-window", "dns", "reorder", "short"];

fn check(name: &str, args: &[&str]) {
    // Relative paths from the repository root: reports name their input file.
    let o = Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .output()
        .expect("run wirelens");
    assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &o.stdout).unwrap();
        return;
    }
    let want = std::fs::read(&path).unwrap_or_else(|_| panic!("{path} missing: run with UPDATE_GOLDEN=1"));
    if want != o.stdout {
        let got = String::from_utf8_lossy(&o.stdout);
        let want = String::from_utf8_lossy(&want);
        let first = got.lines().zip(want.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from {path} at line {:?}\n got: {:?}\nwant: {:?}",
            first.map(|i| i + 1),
            first.and_then(|i| got.lines().nth(i)),
            first.and_then(|i| want.lines().nth(i))
        );
    }
}

fn sample(s: &str) -> String {
    format!("samples/{s}.pcap")
}

#[test]
fn reports_on_samples_match_golden_files() {
    for s in SAMPLES {
        let f = sample(s);
        check(&format!("{s}.packets.txt"), &["packets", "-n", &f]);
        check(&format!("{s}.flows.txt"), &["flows", &f]);
        check(&format!("{s}.flows.ndjson"), &["flows", "--format", "ndjson", &f]);
        check(&format!("{s}.conv.txt"), &["conv", &f]);
        check(&format!("{s}.expert.txt"), &["expert", &f]);
        check(&format!("{s}.summary.txt"), &["summary", &f]);
        check(&format!("{s}.dns.txt"), &["dns", &f]);
    }
    check("lossy-sender.ladder.txt", &["ladder", "--flow", "1", &sample("lossy-sender")]);
    check("lossy-receiver.ladder.txt", &["ladder", "--flow", "1", &sample("lossy-receiver")]);
    check("zero-window.ladder.txt", &["ladder", "--flow", "1", &sample("zero-window")]);
    check("reorder.ladder.txt", &["ladder", "--flow", "1", &sample("reorder")]);
    check("dns.dns-stats.txt", &["dns", "--stats", &sample("dns")]);
    check("dns.dns.ndjson", &["dns", "--format", "ndjson", &sample("dns")]);
    check("mix.packets.verbose.txt", &["packets", "-V", "-x", "-c", "40", &sample("mix")]);
}
