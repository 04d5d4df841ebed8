//! The `ladder` report: one TCP connection drawn as the arrow diagram of
//! textbooks. The originator is the left column, the responder the right;
//! each segment is an arrow labelled with its flags, relative seq/ack and
//! length; analysis verdicts, the handshake and the close are named on the
//! right; long runs of ordinary segments are folded into one line.

use std::fmt::Write;

use super::flows::human_bytes;
use crate::record::ladder::LadderRow;

/// What the diagram says about the connection as a whole.
#[derive(Debug, Clone)]
pub struct LadderHeader {
    pub id: u64,
    pub orig: String,
    pub resp: String,
    pub handshake: Option<String>,
    pub close: Option<String>,
    pub initial_rtt_ms: Option<f64>,
}

const WIDTH: usize = 58;
/// Runs of ordinary segments longer than this are folded.
const FOLD_RUN: usize = 6;

fn arrow(label: &str, left_to_right: bool, utf8: bool) -> String {
    let (line, head_r, head_l) = if utf8 { ('─', '▶', '◀') } else { ('-', '>', '<') };
    let label = format!(" {label} ");
    let inner = WIDTH.saturating_sub(2);
    let n = label.chars().count().min(inner);
    let pad = inner - n;
    let (l, r) = (pad / 2, pad - pad / 2);
    let body: String =
        std::iter::repeat_n(line, l).chain(label.chars().take(n)).chain(std::iter::repeat_n(line, r)).collect();
    if left_to_right { format!("|{body}{head_r}|") } else { format!("|{head_l}{body}|") }
}

fn label(r: &LadderRow) -> String {
    let mut s = format!("{} seq={}", r.flag_names, r.seq);
    if let Some(a) = r.ack {
        let _ = write!(s, " ack={a}");
    }
    if r.len > 0 {
        let _ = write!(s, " len={}", r.len);
    }
    let _ = write!(s, " win={}", r.window);
    s
}

fn notes(r: &LadderRow, handshake_ack: bool) -> String {
    use crate::dissect::tcp_flags::{ACK, FIN, RST, SYN};
    let mut n: Vec<String> = Vec::new();
    if r.flags & SYN != 0 && r.flags & ACK == 0 {
        n.push("handshake: SYN".into());
    } else if r.flags & SYN != 0 {
        n.push("handshake: SYN-ACK".into());
    } else if handshake_ack {
        n.push("handshake: ACK (complete)".into());
    }
    if r.flags & FIN != 0 {
        n.push(format!("close: FIN from the {}", if r.from_orig { "originator" } else { "responder" }));
    }
    if r.flags & RST != 0 {
        n.push(format!("reset by the {}", if r.from_orig { "originator" } else { "responder" }));
    }
    for t in &r.tags {
        n.push(format!("[{t}]"));
    }
    n.join("  ")
}

pub fn render(h: &LadderHeader, rows: &[LadderRow], fold: bool, utf8: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Flow {}: {} (originator) ⇄ {} (responder)", h.id, h.orig, h.resp);
    let mut facts = Vec::new();
    if let Some(hs) = &h.handshake {
        let mut t = format!("handshake {hs}");
        if let Some(rtt) = h.initial_rtt_ms {
            let _ = write!(t, ", initial RTT {rtt:.3} ms");
        }
        facts.push(t);
    }
    if let Some(c) = &h.close {
        facts.push(format!("close: {}", close_words(c)));
    }
    if !facts.is_empty() {
        let _ = writeln!(s, "{}", facts.join("; "));
    }
    let _ = writeln!(s);
    let col = |t: &str| format!("{:<w$}", t, w = WIDTH / 2);
    let _ = writeln!(s, "{:>10} {:>7}  {}{:>w$}", "time (s)", "frame", col(&h.orig), h.resp, w = WIDTH / 2);
    let Some(first) = rows.first() else {
        let _ = writeln!(s, "(no TCP segments)");
        return s;
    };
    // The ACK that completes the handshake: the originator's first ACK
    // without SYN after a SYN-ACK. It is named, so it is never folded.
    let handshake_ack = {
        use crate::dissect::tcp_flags::{ACK, SYN};
        rows.iter()
            .position(|r| r.flags & SYN != 0 && r.flags & ACK != 0)
            .and_then(|sa| rows[sa..].iter().position(|r| r.from_orig && r.flags & (SYN | ACK) == ACK).map(|i| sa + i))
    };
    let foldable = |i: usize| rows[i].plain && Some(i) != handshake_ack;
    let mut i = 0;
    while i < rows.len() {
        let run = (i..rows.len()).take_while(|&j| foldable(j)).count();
        if fold && run > FOLD_RUN {
            for r in &rows[i..i + 2] {
                line(&mut s, r, first, false, utf8);
            }
            let hidden = &rows[i + 2..i + run - 2];
            let (mut o, mut r_) = (0u64, 0u64);
            for r in hidden {
                if r.from_orig {
                    o += u64::from(r.len);
                } else {
                    r_ += u64::from(r.len);
                }
            }
            let text = format!("… {} segments, {} → / {} ← …", hidden.len(), human_bytes(o), human_bytes(r_));
            let _ = writeln!(s, "{:>10} {:>7}  |{:^w$}|", "", "", text, w = WIDTH - 2);
            for r in &rows[i + run - 2..i + run] {
                line(&mut s, r, first, false, utf8);
            }
            i += run;
            continue;
        }
        line(&mut s, &rows[i], first, Some(i) == handshake_ack, utf8);
        i += 1;
    }
    s
}

/// The close code of a flow record in words.
pub fn close_words(code: &str) -> String {
    match code {
        "open" => "still open at the end of the capture".into(),
        "fin_orig_first" => "FIN both ways, the originator first".into(),
        "fin_resp_first" => "FIN both ways, the responder first".into(),
        "half_closed_by_orig" => "half-closed: FIN from the originator only".into(),
        "half_closed_by_resp" => "half-closed: FIN from the responder only".into(),
        "rst_by_orig" => "reset by the originator".into(),
        "rst_by_resp" => "reset by the responder".into(),
        other => other.to_string(),
    }
}

fn line(s: &mut String, r: &LadderRow, first: &LadderRow, handshake_ack: bool, utf8: bool) {
    let t = r.ts.since(first.ts);
    let _ =
        writeln!(s, "{:>10.6} {:>7}  {}  {}", t, r.frame, arrow(&label(r), r.from_orig, utf8), notes(r, handshake_ack));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_point_the_right_way_and_keep_their_width() {
        let a = arrow("SYN seq=0", true, false);
        assert!(a.starts_with("|-") && a.ends_with(">|"));
        let b = arrow("SYN,ACK seq=0 ack=1", false, false);
        assert!(b.starts_with("|<") && b.ends_with("-|"));
        assert_eq!(a.chars().count(), b.chars().count());
    }
}
