#!/usr/bin/env bash
# Regenerates the inputs and tshark references of tests/tcp_analysis_corpus.rs:
# the crafted captures (crafted/*.pcap from crafted/*.txt, by craft.py), then
# one gzip'd TSV per sample, crafted capture and TCP corpus capture (the
# corpus ones, in corpus/, add the evidence fields the shared references
# lack), made by tshark 4.0.17 with default preferences (single pass, as the
# shared corpus references are).
# Usage: [WIRELENS_CORPUS=DIR] tests/data/tcp_analysis/make-refs.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=tests/data/tcp_analysis
python3 "$out/craft.py" "$out"/crafted/*.txt
corpus=${WIRELENS_CORPUS:-../shared/corpus}
# Corpus captures whose shared reference has a TCP frame (a tcp.stream value).
tcp_captures=$(python3 - "$corpus" <<'PY'
import gzip, os, sys
root = sys.argv[1]
refs = os.path.join(root, "expected/tshark-4.0.17")
for line in open(os.path.join(root, "INDEX.tsv")).read().splitlines()[1:]:
    name = line.split("\t")[0]
    path = os.path.join(refs, name + ".fields.tsv.gz")
    if not os.path.exists(path):
        continue
    rows = [r.split("\t") for r in gzip.open(path, "rt").read().splitlines()]
    if not rows:
        continue
    col = rows[0].index("tcp.stream")
    if any(len(r) > col and r[col] for r in rows[1:]):
        print(os.path.join(root, "captures", name))
PY
)
mkdir -p "$out/corpus"
for f in samples/*.pcap "$out"/crafted/*.pcap $tcp_captures; do
    case "$f" in
        samples/*) ref="$out/$(basename "$f").tcp.tsv.gz" ;;
        "$out"/crafted/*) ref="$f.tcp.tsv.gz" ;;
        *) ref="$out/corpus/$(basename "$f").tcp.tsv.gz" ;;
    esac
    tshark -n -r "$f" -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e tcp.stream -e tcp.seq -e tcp.ack -e tcp.len \
        -e tcp.window_size -e tcp.window_size_scalefactor \
        -e tcp.analysis.acks_frame -e tcp.analysis.ack_rtt \
        -e tcp.analysis.duplicate_ack_num -e tcp.analysis.duplicate_ack_frame \
        -e tcp.analysis.rto_frame -e tcp.analysis.initial_rtt \
        -e _ws.expert.message \
        -Y tcp 2>/dev/null | gzip -9n > "$ref"
done
tshark --version 2>/dev/null | head -1 > "$out/TSHARK_VERSION"
