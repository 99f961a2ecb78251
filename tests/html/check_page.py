#!/usr/bin/env python3
"""check_page.py — liqsim's HTML reports, opened in a real browser.

Renders each page in headless Chromium (Debian's `chromium`; tools/dev.sh
installs it) and checks what the browser made of it:

  * every chart the data calls for is in the DOM and was laid out with a
    size (an instrumented copy of the page measures each <svg> with
    getBBox; the page itself runs no script);
  * every bar the data calls for is drawn: a venue or policy with a loss
    part or a payer has its segment, named in the segment's tooltip;
  * every number in the page's tables equals the value at the same place
    in the JSON the page embeds (cells carry data-row and data-key);
  * a screenshot of the page is not blank (PNG decoded with zlib: enough
    distinct colours, enough ink).

Pages: `liqsim compare --format html` (the default comparison), two shipped
replays (`liqsim replay --format html`: the 12-13 March 2020 reconstruction,
and BitMEX's traded prices of those days) and, when test_report_html left
it, the grid page. Python 3 standard library only.

With --docs DIR, also writes a small copy of each screenshot to
DIR/report-<page>.png (scaled down, colours reduced to a palette: a few
tens of KB), as the README shows them.

usage: check_page.py LIQSIM OUTDIR [--docs DIR]
Exit 0 when every check passes, 1 when one fails, 77 (ctest's skip) when
chromium is not installed.
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
]

# Measures every chart once the page is laid out; the result goes into the
# DOM, where --dump-dom shows it. Only the test's copy of a page has it.
PROBE = """<script>
(function () {
  var out = [];
  document.querySelectorAll('svg.chart').forEach(function (s) {
    var b = s.getBBox(), r = s.getBoundingClientRect();
    var marks = 0;
    s.querySelectorAll('rect.seg, polyline.series, g.cell rect').forEach(function (m) {
      var mb = m.getBBox();
      if (mb.width > 0 || mb.height > 0) marks++;
    });
    out.push({id: s.id, bw: b.width, bh: b.height, w: r.width, h: r.height, marks: marks,
              texts: s.querySelectorAll('text').length});
  });
  var pre = document.createElement('pre');
  pre.id = 'liqsim-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what)
    return ok


def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def run_chromium(exe, args, workdir):
    profile = tempfile.mkdtemp(prefix="profile-", dir=workdir)
    try:
        r = subprocess.run([exe] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + args,
                           capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return r


class Dom(html.parser.HTMLParser):
    """The parts of a dumped DOM the checks read."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = {}        # id -> text of <script type=application/json>
        self.cells = []          # (row, key, col, text)
        self.seg_titles = []     # (svg id, title text)
        self.probe = None
        self._stack = []         # open elements of interest
        self._svg = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "chart" in (a.get("class") or ""):
            self._svg = a.get("id")
        if tag == "script" and a.get("type") == "application/json":
            self._stack.append(["script", a.get("id"), ""])
        elif tag in ("td", "span") and "data-row" in a:
            self._stack.append(["cell", (a["data-row"], a.get("data-key"), a.get("data-col")), ""])
        elif tag == "pre" and a.get("id") == "liqsim-probe":
            self._stack.append(["probe", None, ""])
        elif tag == "rect" and "seg" in (a.get("class") or ""):
            self._stack.append(["seg", self._svg, None])
        elif tag == "title" and self._stack and self._stack[-1][0] == "seg":
            self._stack.append(["segtitle", None, ""])

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None
        if not self._stack:
            return
        kind = self._stack[-1][0]
        ends = {"script": ("script",), "cell": ("td", "span"), "probe": ("pre",),
                "seg": ("rect",), "segtitle": ("title",)}[kind]
        if tag not in ends:
            return
        kind, meta, text = self._stack.pop()
        if kind == "script":
            self.scripts[meta] = text
        elif kind == "cell":
            self.cells.append((int(meta[0]), meta[1], meta[2], text))
        elif kind == "probe":
            self.probe = json.loads(text)
        elif kind == "segtitle":
            self.seg_titles.append((self._stack[-1][1] if self._stack else None, text))

    def handle_data(self, data):
        if self._stack and self._stack[-1][2] is not None:
            self._stack[-1][2] += data


def at(obj, dotted):
    """The value at a dotted path; None below a null (a row with no numbers)."""
    for k in dotted.split("."):
        if obj is None:
            return None
        obj = obj[k]
    return obj


def as_text(v):
    if v is None:
        return "—"
    if v is True:
        return "yes"
    if v is False:
        return "no"
    return str(v)


# ---- PNG ---------------------------------------------------------------

def png_pixels(path):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB(A) PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "PNG colour type %d depth %d" % (ctype, depth)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows, bpp


def screenshot_ink(path):
    """Distinct colours, and the share of pixels that are not the background."""
    w, h, rows, bpp = png_pixels(path)
    colours, ink = set(), 0
    for row in rows:
        for x in range(0, w * bpp, bpp):
            px = row[x:x + 3]
            colours.add(px)
            ink += px != b"\xff\xff\xff"
    return len(colours), ink / float(w * h)


def write_small_png(rows, w, h, bpp, dst, levels=6):
    """An indexed PNG of the pixels, each channel rounded to `levels` steps."""
    step = 255 // (levels - 1)
    pal, idx, out = [], {}, bytearray()
    for row in rows:
        out.append(0)
        for x in range(0, w * bpp, bpp):
            key = bytes((v + step // 2) // step * step for v in row[x:x + 3])
            i = idx.get(key)
            if i is None:
                i = idx[key] = len(pal)
                pal.append(key)
            out.append(i)

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))

    with open(dst, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
                + chunk(b"PLTE", b"".join(pal)) + chunk(b"IDAT", zlib.compress(bytes(out), 9))
                + chunk(b"IEND", b""))


# ---- the checks --------------------------------------------------------

def expected_charts(name, result):
    if name == "grid":
        return ["heatmap"]
    rows = result
    ccy_key = "settlement"
    ids = []
    if name.startswith("replay"):
        ids = ["price", "liquidations"]
    seen = []
    for i, r in enumerate(rows):
        if r.get("status", "ok") != "ok":
            continue    # a row with no numbers has no bars
        if name.startswith("replay"):
            c = r["__settlement"]
        else:
            c = r[ccy_key]
        if c in seen:
            continue
        seen.append(c)
        if name.startswith("replay"):
            ids.append("fund-%d" % i)
        ids += ["loss-%d" % i, "cover-%d" % i]
    return ids


def check_page(exe, name, page, outdir, docs=None):
    print("== %s: %s" % (name, page))
    src = open(page, encoding="utf-8").read()
    probe_path = os.path.join(outdir, name + ".probe.html")
    with open(probe_path, "w", encoding="utf-8") as f:
        f.write(src.replace("</body>", PROBE + "</body>"))
    r = run_chromium(exe, ["--dump-dom", "file://" + os.path.abspath(probe_path)], outdir)
    if not check(r.returncode == 0 and r.stdout, "%s: chromium --dump-dom failed: %s"
                 % (name, r.stderr.decode(errors="replace")[-400:])):
        return
    dom = Dom()
    dom.feed(r.stdout.decode("utf-8"))
    if not check("liqsim-result" in dom.scripts, name + ": no embedded JSON"):
        return
    result = json.loads(dom.scripts["liqsim-result"])
    if name.startswith("replay"):
        series = json.loads(dom.scripts["liqsim-series"])
        for row, run in zip(result, series["runs"]):
            row["__settlement"] = run["settlement"]

    # Every chart present and laid out.
    check(dom.probe is not None, name + ": the probe did not run")
    charts = {c["id"]: c for c in (dom.probe or [])}
    want = expected_charts(name, result)
    for cid in want:
        c = charts.get(cid)
        if check(c is not None, "%s: chart %s missing" % (name, cid)):
            check(c["w"] > 100 and c["h"] > 50 and c["bw"] > 100 and c["bh"] > 50,
                  "%s: chart %s not laid out (%r)" % (name, cid, c))
            check(c["texts"] >= 4, "%s: chart %s has no axis labels" % (name, cid))
    check(len(charts) == len(want), "%s: %d charts, expected %d (%s)"
          % (name, len(charts), len(want), sorted(charts)))
    for cid in want:
        if cid in ("price", "liquidations", "heatmap") or cid.startswith("fund-"):
            check(charts.get(cid, {}).get("marks", 0) >= 1, "%s: chart %s draws nothing"
                  % (name, cid))
    print("  %d charts: %s" % (len(charts), " ".join(sorted(charts))))

    # Every bar the data calls for, in its currency's chart.
    if name != "grid":
        titles = set(dom.seg_titles)
        nseg = 0
        def ccy_of(r):
            if r.get("status", "ok") != "ok":
                return None
            return r["__settlement"] if name.startswith("replay") else r["settlement"]
        for i, row in enumerate(result):
            ccy = ccy_of(row)
            if ccy is None:
                continue
            first = next(k for k, r2 in enumerate(result) if ccy_of(r2) == ccy)
            if name == "compare":
                parts = [("loss", "unforced (entry to trigger)", row["loss"]["unforced"]),
                         ("loss", "forced (trigger to fill)", row["loss"]["forced"]),
                         ("loss", "fees", row["loss"]["fees"])]
            else:
                parts = [("loss", "fees and forfeited margin", row["fees"])]
            payers = [("insurance_fund", "insurance fund"), ("adl", "ADL"),
                      ("socialized", "socialized"), ("liquidity_pool", "liquidity pool"),
                      ("venue", "venue"), ("trader_debt", "trader debt")]
            parts += [("cover", label, row["covered_by"][key]) for key, label in payers]
            for chart, label, value in parts:
                if value == "0":
                    continue
                t = "%s — %s: %s %s" % (row["policy"], label, value, ccy)
                nseg += 1
                check(("%s-%d" % (chart, first), t) in titles,
                      "%s: no segment '%s' in %s-%d" % (name, t, chart, first))
        print("  %d bar segments match the JSON" % nseg)

    # Every number in the tables equals the JSON.
    check(len(dom.cells) > 0, name + ": no table cells")
    for row, key, col, text in dom.cells:
        if name == "grid":
            want_v = result["cells"][row][int(col)]
        else:
            want_v = at(result[row], key)
        check(text == as_text(want_v), "%s: row %d %s: table says %r, JSON %r"
              % (name, row, key or col, text, want_v))
    print("  %d table cells equal the JSON" % len(dom.cells))

    # A screenshot that is not blank.
    png = os.path.join(outdir, name + ".png")
    if os.path.exists(png):
        os.unlink(png)
    r = run_chromium(exe, ["--window-size=1100,1400", "--screenshot=" + png,
                           "file://" + os.path.abspath(page)], outdir)
    if check(r.returncode == 0 and os.path.exists(png), name + ": no screenshot"):
        colours, ink = screenshot_ink(png)
        print("  screenshot %s: %d bytes, %d colours, %.1f%% ink"
              % (png, os.path.getsize(png), colours, ink * 100))
        check(colours >= 16, "%s: screenshot has %d colours: blank?" % (name, colours))
        check(ink >= 0.03, "%s: screenshot is %.2f%% ink: blank?" % (name, ink * 100))
    if docs:
        small = os.path.join(outdir, name + ".small.png")
        run_chromium(exe, ["--window-size=1200,1500", "--force-device-scale-factor=0.75",
                           "--screenshot=" + small, "file://" + os.path.abspath(page)], outdir)
        w, h, rows, bpp = png_pixels(small)
        dst = os.path.join(docs, "report-%s.png" % name)
        write_small_png(rows, w, h, bpp, dst)
        print("  docs: %s, %d bytes" % (dst, os.path.getsize(dst)))


def main(argv):
    docs = None
    if len(argv) == 5 and argv[3] == "--docs":
        docs = argv[4]
        argv = argv[:3]
    if len(argv) != 3:
        print(__doc__.split("\n\n")[-1])
        return 2
    liqsim, outdir = argv[1], argv[2]
    exe = chromium()
    if not exe:
        print("chromium is not installed (tools/dev.sh test installs it): skipped")
        return 77
    os.makedirs(outdir, exist_ok=True)
    pages = []
    btc = "scenarios/btc-2020-03-12/"
    for name, args in (
            ("compare", ["compare", "--format", "html"]),
            ("replay", ["replay", "--book", btc + "book.csv", "--path", btc + "path.csv",
                        "--format", "html", "bitmex-xbtusd", "bybit-inverse", "binance-usdm",
                        "okx-swap", "kraken-futures"]),
            # Real data: BitMEX's traded prices (scenarios/btc-2020-03-12-bitmex/).
            ("replay-traded", ["replay", "--book", btc + "book.csv", "--path",
                               "scenarios/btc-2020-03-12-bitmex/path.csv", "--market", "BTCUSD",
                               "--format", "html", "bitmex-xbtusd", "binance-usdm",
                               "kraken-futures", "hyperliquid"])):
        out = os.path.join(outdir, name + ".html")
        r = subprocess.run([liqsim] + args, capture_output=True)
        if not check(r.returncode == 0, "%s: liqsim exited %d: %s"
                     % (name, r.returncode, r.stderr.decode(errors="replace"))):
            continue
        with open(out, "wb") as f:
            f.write(r.stdout)
        pages.append((name, out))
    grid = os.path.join(outdir, "grid.html")
    if os.path.exists(grid):
        pages.append(("grid", grid))
    else:
        print("(no grid page: test_report_html writes it)")
    for name, page in pages:
        check_page(exe, name, page, outdir, docs)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
