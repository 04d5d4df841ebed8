#!/usr/bin/env bash
# Regenerates the tshark references for tests/tcp_analysis_corpus.rs from
# the sample captures: one gzip'd TSV per capture, made by tshark 4.0.17 with
# default preferences (single pass, as the corpus references are).
# Usage: tests/data/tcp_analysis/make-refs.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=tests/data/tcp_analysis
for f in samples/*.pcap; do
    name=$(basename "$f")
    tshark -n -r "$f" -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e tcp.stream -e tcp.seq -e tcp.ack -e tcp.len \
        -e tcp.window_size -e tcp.window_size_scalefactor \
        -e tcp.analysis.acks_frame -e tcp.analysis.ack_rtt \
        -e tcp.analysis.duplicate_ack_num -e tcp.analysis.duplicate_ack_frame \
        -e tcp.analysis.rto_frame -e tcp.analysis.initial_rtt \
        -e _ws.expert.message \
        -Y tcp 2>/dev/null | gzip -9n > "$out/$name.tcp.tsv.gz"
done
tshark --version | head -1 > "$out/TSHARK_VERSION"
