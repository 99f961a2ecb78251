#!/usr/bin/env python3
"""venue_examples.py — the worked-examples tables of docs/venues.md, made
from the examples files beside the policies (one source of truth).

For each shipped policy (policies/<name>.examples.yaml): the examples it
reproduces (id, source, what each checks: its expected result keys and
events) and the branches of its waterfall no venue example reaches, with
why (the file's no_venue_example: list, which `liqsim test --coverage`
reports). The tables sit in docs/venues.md between the two marker lines.

  tools/venue_examples.py           rewrite the section in docs/venues.md
  tools/venue_examples.py --check   exit 1 when the section is not what the
                                    examples files say (ctest venue_examples_doc)
"""
import glob
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "venues.md")
BEGIN = "<!-- worked-examples:begin (tools/venue_examples.py writes this section) -->"
END = "<!-- worked-examples:end -->"


def cell(text):
    """Text for one table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def source_cell(ex):
    """The example's source:, else the first address its rule or note cites."""
    src = ex.get("source")
    for text in ([] if src else [ex.get("rule"), ex.get("note")]):
        found = re.search(r"https?://[^\s)\"',;]+", str(text or ""))
        if found:
            src = found.group(0).rstrip(".")
            break
    if not src:
        return "—"
    src = cell(src)
    return "<%s>" % src if src.startswith("http") else src


def checks(ex):
    """What an example checks: the result keys it expects, then its events."""
    expect = ex.get("expect") or {}
    keys = [k for k in expect if k != "events_include"]
    events = list(ex.get("events_include") or expect.get("events_include") or [])
    parts = []
    if keys:
        parts.append(", ".join("`%s`" % k for k in keys))
    if events:
        parts.append("events " + ", ".join("`%s`" % e for e in events))
    return "; ".join(parts) or "—"


def whose(ex_id):
    # The -e2e- examples are ours: numbers worked by hand from the venue's
    # cited rule (docs/venues.md, above); the others are the venue's own.
    return "ours, from the rule" if "-e2e-" in ex_id else "venue's numbers"


def section():
    out = [BEGIN, "", "## Worked examples reproduced, per venue", "",
           "Made from `policies/<name>.examples.yaml` by `tools/venue_examples.py` "
           "(ctest `venue_examples_doc` checks this section is what the files say). "
           "\"venue's numbers\": the venue's own document or code gives the numbers; "
           "\"ours, from the rule\": worked by hand from the rule the example cites. "
           "\"Out of reach\": a branch of the policy's waterfall (`liqsim test "
           "--coverage`) that no example of the venue's reaches, and why.", ""]
    files = sorted(glob.glob(os.path.join(ROOT, "policies", "*.examples.yaml")))
    for path in files:
        name = os.path.basename(path)[: -len(".examples.yaml")]
        with open(os.path.join(ROOT, "policies", name + ".yaml"), encoding="utf-8") as f:
            venue = yaml.safe_load(f).get("venue", name)
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
        out += ["### %s — %s" % (name, cell(venue)), "",
                "| example | whose | source | checks |", "|---|---|---|---|"]
        for ex in doc.get("examples") or []:
            out.append("| `%s` | %s | %s | %s |" % (ex["id"], whose(ex["id"]),
                                                    source_cell(ex), checks(ex)))
        out.append("")
        missing = doc.get("no_venue_example") or []
        if missing:
            out += ["Out of reach:", "", "| branch | why |", "|---|---|"]
            out += ["| %s | %s |" % (cell(m["branch"]), cell(m["why"])) for m in missing]
            out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def main():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    want = section()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        new = head + want + ("\n" + tail if tail else "")
    else:
        new = text.rstrip("\n") + "\n\n" + want
    if "--check" in sys.argv[1:]:
        if new != text:
            sys.stderr.write("docs/venues.md: the worked-examples section is stale: "
                             "run tools/venue_examples.py\n")
            return 1
        return 0
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
