//! `flows` (and `conv`) on several threads give what one thread gives, byte for byte:
//! the same rows in the same order with the same ids, the same footer, the
//! same errors and exit code, on every corpus capture and sample, in every
//! format, with idle timeouts short enough that flows end while the other
//! threads' packets move the clock, and with a packet count.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_wirelens");

fn run(args: &[&str], file: &Path, threads: usize) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--threads")
        .arg(threads.to_string())
        .arg(file)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .output()
        .expect("run wirelens")
}

/// The captures of the samples and the corpus, by their names.
fn captures() -> Vec<PathBuf> {
    common::captures(|p| {
        let name = p.to_string_lossy();
        name.contains(".pcap") || name.ends_with(".cap") || name.ends_with(".gz")
    })
}

#[test]
fn several_threads_give_what_one_gives() {
    let files = captures();
    assert!(files.len() > 7, "the samples at least: {files:?}");
    let variants: [&[&str]; 7] = [
        &["flows", "--format", "ndjson"],
        &["flows", "--format", "csv", "--idle-timeout", "1"],
        &["flows", "--format", "json", "--idle-timeout", "0.05"],
        &["flows", "--sort", "bytes", "--top", "5"],
        // A count, and a limit on the rows (rows rendered ahead, cut).
        &["flows", "--format", "ndjson", "-c", "40", "--top", "7"],
        // conv groups flows whatever order they end in.
        &["conv", "--format", "json"],
        &["conv", "--by", "hosts"],
    ];
    let mut compared = 0;
    for f in &files {
        for args in variants {
            let one = run(args, f, 1);
            for n in [2, 3] {
                let many = run(args, f, n);
                let what = format!("{} {} --threads {n}", f.display(), args.join(" "));
                assert_eq!(many.status.code(), one.status.code(), "{what}: {}", String::from_utf8_lossy(&many.stderr));
                assert_eq!(String::from_utf8_lossy(&many.stderr), String::from_utf8_lossy(&one.stderr), "{what}");
                if many.stdout != one.stdout {
                    let (a, b) = (String::from_utf8_lossy(&one.stdout), String::from_utf8_lossy(&many.stdout));
                    let line = a.lines().zip(b.lines()).position(|(x, y)| x != y);
                    panic!(
                        "{what}: differs at line {line:?}\n one: {:?}\nmany: {:?}",
                        line.and_then(|i| a.lines().nth(i)),
                        line.and_then(|i| b.lines().nth(i))
                    );
                }
                compared += 1;
            }
        }
    }
    eprintln!("{compared} runs on several threads matched one thread");
}

/// A fault in the file: the flows of every packet before it are reported,
/// then the error, exit code 2, on several threads as on one.
#[test]
fn a_fault_ends_the_run_as_on_one_thread() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/mix.pcap");
    let mut bytes = std::fs::read(&src).unwrap();
    // Cut the last record in half.
    bytes.truncate(bytes.len() - 20);
    let dir = std::env::temp_dir().join(format!("wirelens-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &bytes).unwrap();
    let one = run(&["flows", "--format", "ndjson"], &cut, 1);
    let two = run(&["flows", "--format", "ndjson"], &cut, 2);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(one.status.code(), Some(2));
    assert_eq!(two.status.code(), Some(2));
    assert!(!one.stdout.is_empty());
    assert_eq!(two.stdout, one.stdout);
    assert_eq!(two.stderr, one.stderr);
    assert!(String::from_utf8_lossy(&two.stderr).contains("cut.pcap"), "{}", String::from_utf8_lossy(&two.stderr));
}
