"""tests/known-differences.tsv for the conformance scripts: loading the
lines that apply to some fields, and matching a (file, frame) against them."""
import fnmatch
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_known(fields):
    """(file glob, frames) of the lines whose field is `*` or starts with one of `fields`."""
    known = []
    with open(os.path.join(REPO, "tests", "known-differences.tsv")) as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) >= 3 and (c[2] == "*" or any(c[2].startswith(f) for f in fields)):
                known.append((c[0], c[1]))
    return known


def is_known(known, name, frame):
    for pat, frames in known:
        if fnmatch.fnmatch(name, pat):
            if frames == "*":
                return True
            for part in frames.split(","):
                lo, _, hi = part.partition("-")
                if lo.isdigit() and int(lo) <= frame <= int(hi or lo):
                    return True
    return False
