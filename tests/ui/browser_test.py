#!/usr/bin/env python3
"""The web view in a real browser: headless Chromium against `jobmock replay`'s /__jobmock/ui and
`jobmock report`'s file, the shipped fixtures and a hostile set (tests/ui/hostile).

    python3 tests/ui/browser_test.py JOBMOCK_BIN FIXTURES OUTDIR

Python 3 standard library only. Chromium (`chromium`, or $CHROMIUM) is run once per look at a
page: `--dump-dom` for the DOM after load, `--screenshot` for a picture (OUTDIR/*.png), each with
a new empty profile and `--enable-logging=stderr --v=0`, which writes every console message
(CSP violations included) to stderr as `…:INFO:CONSOLE:<line>] "<message>", source: …`. That
log carries no level (console.log and console.error look alike), and the pages hold no script,
so any console line at all, or any "Refused to" / "Content Security Policy" line, fails.

`--virtual-time-budget` is used only for a page without a meta refresh: under virtual time a
refresh that falls inside the budget fires at once, the page reloads, and Chromium reloads in
a loop until killed (seen with Chromium 156: `<meta http-equiv="refresh" content="3">` with a
budget of 3000 ms never returns). A page that holds no script is complete at its load event,
which is when --dump-dom and --screenshot take it without a budget.

Prints one line per check and `ui: N passed, M failed`; exits 1 on any failure. The servers it
starts are killed on every way out.
"""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(HERE, "hostile")

JOB_3_STEPS = "j6185135c-92a8-4402-b8de-90a66dc61fcc"  # SUBMITTED, PROCESSING, COMPLETED
JOB_OPEN = "j52c9f6a4-2a7c-418f-a360-0ce757077342"  # SUBMITTED, PROCESSING, COMPLETED (openNotebook)
HOSTILE_JOB = "jhostile"

# What the hostile fixtures hold (tests/ui/hostile/jobs/jhostile/*.json): each is the status of
# one step, and also sits in messages, customAttributes, results, a made-up field name, a fault.
H_SCRIPT = "<script>document.title='pwned'</script>"
H_ATTR = "\"><img src=x onerror=\"document.title='pwned'\">"
H_SVG = "</title><svg onload=alert(1)>"
H_JS_URL = "javascript:alert(1)"
H_STYLE = "</style><iframe src=\"javascript:alert(1)\"></iframe><!--"
H_ENTITIES = "&lt;b&gt;not bold&lt;/b&gt; &amp; <b>not bold either</b>"
HOSTILE_STATUSES = [H_SCRIPT, H_ATTR, H_SVG, H_JS_URL, H_STYLE, H_ENTITIES]
# A session name and filter values the client (or whoever opens the page) chooses.
H_SESSION = "s\"><img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"
H_JOURNAL_PATH = "/arcgis/admin/system/jobs/%3Cscript%3Edocument.title='pwned'%3C/script%3E"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Debian's wrapper adds this only when /dev/shm is small, and its test of that breaks when
    # findmnt prints more than one line (`[: …: unexpected operator`): always say it.
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]
BUDGET_MS = 3000
BROWSER_TIMEOUT = 20
WINDOW = (1400, 1800)

# Elements that run, load or embed something: none may be in any page, whoever wrote it.
FORBIDDEN_TAGS = {
    "script", "img", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "link", "audio", "video", "source", "track", "picture", "portal", "foreignobject",
    "animate", "animatemotion", "animatetransform", "set", "use", "image", "feimage",
}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset",
             "background", "ping", "lowsrc", "dynsrc", "codebase", "cite", "manifest"}
CONSOLE_RE = re.compile(r":CONSOLE[:(]|Refused to |Content Security Policy|Uncaught ")


# ---------------------------------------------------------------------------------------------
# Results

class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok    %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL  %s%s" % (name, (": " + detail) if detail else ""), flush=True)
        return ok

    def note(self, text):
        print("      %s" % text, flush=True)


R = Results()


# ---------------------------------------------------------------------------------------------
# Processes: every one this script starts is killed on every way out.

CHILDREN = []


def kill_children():
    while CHILDREN:
        proc = CHILDREN.pop()
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()


def on_signal(signum, _frame):
    kill_children()
    sys.exit(128 + signum)


class Replay:
    """`jobmock replay` on 127.0.0.1:0, its stderr in a log file."""

    def __init__(self, binary, fixtures, log_path, extra=()):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "replay", "--fixtures", fixtures, "--listen", "127.0.0.1:0", *extra],
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL,
            start_new_session=True)
        CHILDREN.append(self.proc)
        first = []
        reader = threading.Thread(target=lambda: first.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(20)
        line = first[0].decode("utf-8", "replace").strip() if first else ""
        match = re.match(r"listening on (http://127\.0\.0\.1:\d+)$", line)
        if not match:
            self.stop()
            raise RuntimeError("replay did not say where it listens (first line %r); stderr: %s"
                               % (line, self.stderr_tail()))
        self.base = match.group(1)
        # Keep draining stdout so that the server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            for _ in self.proc.stdout:
                pass
        except (OSError, ValueError):
            pass

    def stderr_tail(self, n=1500):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-n:]

    def get(self, path, headers=None):
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers.items()), err.read()

    def poll(self, job, session=None):
        headers = {"X-Jobmock-Session": session} if session else {}
        status, _, body = self.get("/arcgis/admin/system/jobs/%s?f=json" % job, headers)
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        return status, answer

    def stop(self):
        if self.proc in CHILDREN:
            CHILDREN.remove(self.proc)
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# ---------------------------------------------------------------------------------------------
# The browser

def chromium_binary():
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser",
                      "google-chrome", "google-chrome-stable"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def browse(url, *, dump_dom=False, screenshot=None, budget=None):
    """One headless Chromium run. Returns (dom or None, console lines, error or None)."""
    profile = tempfile.mkdtemp(prefix="jobmock-ui-chromium-")
    args = [CHROMIUM, *CHROMIUM_FLAGS, "--user-data-dir=" + profile]
    if budget:
        args.append("--virtual-time-budget=%d" % budget)
    if dump_dom:
        args.append("--dump-dom")
    if screenshot:
        args += ["--screenshot=" + screenshot, "--window-size=%d,%d" % WINDOW]
    args.append(url)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    CHILDREN.append(proc)
    error = None
    try:
        out, err = proc.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        # A page whose data ran a script can hang here: an alert() dialog never closes.
        error = ("Chromium did not finish within %d s (a script that opened a dialog, such as "
                 "alert(), holds it)" % BROWSER_TIMEOUT)
    finally:
        # Renderers and helpers share the group: none outlives the run.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if proc in CHILDREN:
            CHILDREN.remove(proc)
        shutil.rmtree(profile, ignore_errors=True)
    err_text = err.decode("utf-8", "replace")
    console = [line for line in err_text.splitlines() if CONSOLE_RE.search(line)]
    if error is None and proc.returncode != 0:
        error = "Chromium exited with %s: %s" % (proc.returncode, err_text[-800:])
    dom = out.decode("utf-8", "replace") if dump_dom else None
    if dump_dom and error is None and "<html" not in (dom or "").lower():
        error = "--dump-dom printed no document: %r" % (dom or "")[:200]
    return dom, console, error


def unique(console):
    """Console lines without Chromium's `[pid:tid:time:INFO:` prefix, each message once."""
    seen = []
    for line in console:
        line = re.sub(r"^\[[^\]]*:(INFO|WARNING|ERROR|VERBOSE\d*):", "", line)
        if line not in seen:
            seen.append(line)
    return seen


def refresh_seconds(raw_html):
    """The page's meta refresh in seconds, or None."""
    for tag in re.findall(r"<meta\b[^>]*>", raw_html, re.I):
        if re.search(r"http-equiv\s*=\s*[\"']?refresh", tag, re.I):
            content = re.search(r"content\s*=\s*[\"']?([0-9.]+)", tag, re.I)
            return float(content.group(1)) if content else 0.0
    return None


# ---------------------------------------------------------------------------------------------
# The DOM, as Chromium serialised it

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "keygen"}


class Node:
    """An element; `content` holds its children and its text, in order."""

    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.content = []

    @property
    def children(self):
        return [c for c in self.content if isinstance(c, Node)]

    def text(self):
        if self.tag in ("script", "style"):
            return ""
        return "".join(c if isinstance(c, str) else c.text() for c in self.content)

    def iter(self):
        yield self
        for child in self.children:
            yield from child.iter()

    def attr(self, name):
        for key, value in self.attrs:
            if key == name:
                return value
        return None

    def classes(self):
        return (self.attr("class") or "").split()


class DomParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.stack = [self.root]

    def _element(self, tag, attrs):
        node = Node(tag, [(k.lower(), v if v is not None else "") for k, v in attrs],
                    self.stack[-1])
        self.stack[-1].content.append(node)
        return node

    def handle_starttag(self, tag, attrs):
        node = self._element(tag, attrs)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].content.append(data)


def parse(dom):
    parser = DomParser()
    parser.feed(dom)
    parser.close()
    return parser.root


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def doc_title(root):
    for node in root.iter():
        if node.tag == "title" and node.parent is not None and node.parent.tag == "head":
            return node.text()
    return None


def job_sections(root):
    return [n for n in root.iter() if n.tag == "section" and "job" in n.classes()]


def section_by_id(root, element_id):
    for node in root.iter():
        if node.tag == "section" and node.attr("id") == element_id:
            return node
    return None


def dangers(root):
    """Every element that runs, loads or embeds something, or carries an event handler or a
    javascript: URL, as short descriptions."""
    found = []
    for node in root.iter():
        if node.tag == "#document":
            continue
        if node.tag in FORBIDDEN_TAGS:
            found.append("<%s>" % node.tag)
        for key, value in node.attrs:
            if key.startswith("on"):
                found.append("<%s %s=…>" % (node.tag, key))
            if key in URL_ATTRS or key.endswith(":href"):
                bare = re.sub(r"[\x00-\x20]", "", value).lower()
                if bare.startswith(("javascript:", "vbscript:", "data:text/html")):
                    found.append("<%s %s=%r>" % (node.tag, key, value[:60]))
        if node.tag == "meta" and (node.attr("http-equiv") or "").lower() == "refresh":
            content = node.attr("content") or ""
            if not re.fullmatch(r"\s*\d+\s*", content):
                found.append("<meta refresh content=%r>" % content[:60])
        if node.tag == "b" and "not bold either" in node.text():
            found.append("<b> from fixture data")
    return found


# ---------------------------------------------------------------------------------------------
# Checks common to every page

def look(label, url, outdir, png_name, raw_html):
    """Loads a page twice (DOM, screenshot); checks what every page must be. Returns the DOM
    tree, or None when there is none."""
    refresh = refresh_seconds(raw_html)
    budget = None if refresh is not None else BUDGET_MS
    if refresh is not None:
        R.note("%s: meta refresh every %g s, so loaded without --virtual-time-budget"
               % (label, refresh))
    started = time.monotonic()
    dom, console_dom, error = browse(url, dump_dom=True, budget=budget)
    R.check("%s: Chromium dumps the DOM (%.1f s)" % (label, time.monotonic() - started),
            error is None, error or "")
    png = os.path.join(outdir, png_name)
    if os.path.exists(png):
        os.remove(png)
    _, console_shot, error_shot = browse(url, screenshot=png, budget=budget)
    R.check("%s: screenshot %s" % (label, png), error_shot is None and png_ok(png),
            error_shot or png_problem(png))
    console = unique(console_dom + console_shot)
    R.check("%s: no console message, no CSP violation" % label, not console,
            "\n        " + "\n        ".join(console[:8]))
    if dom is None or error is not None:
        return None
    with open(os.path.join(outdir, os.path.splitext(png_name)[0] + ".dom.html"), "w",
              encoding="utf-8") as f:
        f.write(dom)
    root = parse(dom)
    found = dangers(root)
    R.check("%s: no script, img, iframe, on* attribute or javascript: URL in the DOM" % label,
            not found, ", ".join(found[:12]))
    return root


def png_problem(path):
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError as err:
        return "no screenshot: %s" % err
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return "not a PNG"
    width = int.from_bytes(head[16:20], "big")
    height = int.from_bytes(head[20:24], "big")
    if (width, height) != WINDOW:
        return "%dx%d, not %dx%d" % (width, height, *WINDOW)
    if os.path.getsize(path) < 2000:
        return "only %d bytes" % os.path.getsize(path)
    return ""


def png_ok(path):
    return png_problem(path) == ""


def csp_blocks_scripts(policy):
    directives = {}
    for part in policy.split(";"):
        words = part.strip().split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    script = directives.get("script-src", directives.get("default-src"))
    return script == ["'none'"]


def meta_csp(raw_html):
    for tag in re.findall(r"<meta\b[^>]*>", raw_html, re.I):
        if re.search(r"http-equiv\s*=\s*[\"']?content-security-policy", tag, re.I):
            content = re.search(r"content\s*=\s*\"([^\"]*)\"", tag, re.I)
            return content.group(1).replace("&#39;", "'").replace("&quot;", "\"") \
                if content else ""
    return None


def without_csp(raw_html):
    return re.sub(r"<meta\b[^>]*http-equiv\s*=\s*[\"']?content-security-policy[^>]*>", "",
                  raw_html, flags=re.I)


def hostile_checks(label, root):
    title = doc_title(root)
    R.check("%s: the document title is not 'pwned'" % label,
            title is not None and title.strip() != "pwned", "title %r" % title)
    section = section_by_id(root, "job-" + HOSTILE_JOB)
    if not R.check("%s: section#job-%s is there" % (label, HOSTILE_JOB), section is not None):
        return
    text = squash(section.text())
    missing = [s for s in HOSTILE_STATUSES if squash(s) not in text]
    R.check("%s: every hostile status is in the job's section as text" % label, not missing,
            "missing %r" % missing)


def nocsp_look(label, raw_html, outdir, name):
    """The same page with its CSP <meta> taken out, as a file: whatever the policy would have
    blocked would run here, so the escaping alone is tested."""
    path = os.path.join(outdir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(without_csp(raw_html))
    dom, _console, error = browse("file://" + path, dump_dom=True, budget=None)
    if not R.check("%s without its CSP: Chromium dumps the DOM" % label, error is None,
                   error or ""):
        return
    root = parse(dom)
    found = dangers(root)
    R.check("%s without its CSP: no element or handler from the data" % label, not found,
            ", ".join(found[:12]))
    title = doc_title(root)
    R.check("%s without its CSP: the document title is not 'pwned'" % label,
            title is not None and title.strip() != "pwned", "title %r" % title)


# ---------------------------------------------------------------------------------------------
# The three parts

def shipped_job_ids(fixtures):
    jobs = os.path.join(fixtures, "jobs")
    return sorted(d for d in os.listdir(jobs) if os.path.isdir(os.path.join(jobs, d)))


def timeline_polls(section):
    """[(poll number, status)] from the SVG marks' <title>s of a job's section."""
    polls = []
    for node in section.iter():
        if node.tag in ("rect", "circle"):
            for child in node.children:
                if child.tag == "title":
                    match = re.match(r"\s*poll (\d+) · ([^·]+?) · ", child.text())
                    if match:
                        polls.append((int(match.group(1)), match.group(2)))
    return polls


def part_live(binary, fixtures, outdir):
    print("-- replay %s: GET /__jobmock/ui" % fixtures, flush=True)
    server = Replay(binary, fixtures, os.path.join(outdir, "replay.log"))
    try:
        # A client's pace, so that the screenshot's timelines show gaps (not a measurement).
        answers = []
        for _ in range(3):
            answers.append(server.poll(JOB_3_STEPS)[1].get("status"))
            time.sleep(0.2)
        R.check("poll %s three times: SUBMITTED, PROCESSING, COMPLETED" % JOB_3_STEPS,
                answers == ["SUBMITTED", "PROCESSING", "COMPLETED"], repr(answers))
        answers = [server.poll(JOB_OPEN)[1].get("status") for _ in range(2)]
        R.check("poll %s twice: SUBMITTED, PROCESSING" % JOB_OPEN,
                answers == ["SUBMITTED", "PROCESSING"], repr(answers))

        status, headers, body = server.get("/__jobmock/ui")
        raw = body.decode("utf-8", "replace")
        ctype = headers.get("Content-Type", headers.get("content-type", ""))
        R.check("GET /__jobmock/ui: 200 text/html", status == 200 and ctype.startswith("text/html"),
                "%s %s" % (status, ctype))
        policy = headers.get("Content-Security-Policy",
                             headers.get("content-security-policy", ""))
        R.check("GET /__jobmock/ui: a Content-Security-Policy header that allows no script",
                bool(policy) and csp_blocks_scripts(policy), repr(policy))

        root = look("ui", server.base + "/__jobmock/ui", outdir, "ui.png", raw)
        if root is None:
            return
        ids = shipped_job_ids(fixtures)
        sections = job_sections(root)
        have = [s.attr("id") for s in sections]
        missing = [i for i in ids if "job-" + i not in have]
        R.check("ui: a section.job#job-<id> for each of the %d shipped jobs" % len(ids),
                not missing, "missing %s; sections %s" % (missing, have))
        R.check("ui: no section id twice", len(have) == len(set(have)), repr(have))
        section = section_by_id(root, "job-" + JOB_3_STEPS)
        if section is not None:
            text = section.text()
            R.check("ui: %s shows its ID, SUBMITTED, PROCESSING and COMPLETED" % JOB_3_STEPS,
                    all(w in text for w in (JOB_3_STEPS, "SUBMITTED", "PROCESSING", "COMPLETED")),
                    squash(text)[:300])
            polls = timeline_polls(section)
            R.check("ui: %s's timeline marks: poll 1 SUBMITTED, 2 PROCESSING, 3 COMPLETED"
                    % JOB_3_STEPS,
                    polls == [(1, "SUBMITTED"), (2, "PROCESSING"), (3, "COMPLETED")],
                    repr(polls))
        section = section_by_id(root, "job-" + JOB_OPEN)
        if section is not None:
            polls = timeline_polls(section)
            R.check("ui: %s's timeline marks: poll 1 SUBMITTED, 2 PROCESSING" % JOB_OPEN,
                    polls == [(1, "SUBMITTED"), (2, "PROCESSING")], repr(polls))
        unpolled = [i for i in ids if i not in (JOB_3_STEPS, JOB_OPEN)]
        marked = [i for i in unpolled
                  if section_by_id(root, "job-" + i) is not None
                  and timeline_polls(section_by_id(root, "job-" + i))]
        R.check("ui: no timeline marks for the jobs nobody polled", not marked, repr(marked))
        journals = [n for n in root.iter() if n.tag == "table" and "journal" in n.classes()]
        if R.check("ui: a table.journal", len(journals) == 1, "%d found" % len(journals)):
            rows = [squash(r.text()) for r in journals[0].iter() if r.tag == "tr"]
            for job, count in ((JOB_3_STEPS, 3), (JOB_OPEN, 2)):
                n = sum(1 for r in rows if job in r)
                R.check("ui: the journal lists the %d polls of %s" % (count, job), n == count,
                        "%d row(s)" % n)

        # ?job= narrows the page to that job; refresh=0 turns the meta refresh off.
        path = "/__jobmock/ui?job=" + JOB_3_STEPS + "&refresh=0"
        raw = server.get(path)[2].decode("utf-8", "replace")
        budget = None if refresh_seconds(raw) is not None else BUDGET_MS
        dom, console, error = browse(server.base + path, dump_dom=True, budget=budget)
        if R.check("ui?job=…&refresh=0: Chromium dumps the DOM", error is None, error or ""):
            root = parse(dom)
            have = [s.attr("id") for s in job_sections(root)]
            R.check("ui?job=%s: that job's section alone" % JOB_3_STEPS,
                    have == ["job-" + JOB_3_STEPS], repr(have))
            R.check("ui?job=…&refresh=0: no meta refresh",
                    not any(n.tag == "meta" and (n.attr("http-equiv") or "").lower() == "refresh"
                            for n in root.iter()))
            R.check("ui?job=…: no console message", not console,
                    "\n        " + "\n        ".join(unique(console)[:4]))
    finally:
        server.stop()


def part_report(binary, fixtures, outdir):
    print("-- jobmock report %s" % fixtures, flush=True)
    out = os.path.abspath(os.path.join(outdir, "report.html"))
    ok = run_report(binary, fixtures, out, "report")
    if not ok:
        return
    with open(out, encoding="utf-8") as f:
        raw = f.read()
    policy = meta_csp(raw)
    R.check("report: a CSP <meta> that allows no script", bool(policy) and csp_blocks_scripts(policy),
            repr(policy))
    root = look("report", "file://" + out, outdir, "report.png", raw)
    if root is None:
        return
    ids = shipped_job_ids(fixtures)
    have = [s.attr("id") for s in job_sections(root)]
    missing = [i for i in ids if "job-" + i not in have]
    R.check("report: a section.job#job-<id> for each of the %d shipped jobs" % len(ids),
            not missing, "missing %s; sections %s" % (missing, have))
    section = section_by_id(root, "job-" + JOB_3_STEPS)
    R.check("report: %s shows SUBMITTED, PROCESSING and COMPLETED" % JOB_3_STEPS,
            section is not None and all(w in section.text()
                                        for w in ("SUBMITTED", "PROCESSING", "COMPLETED")))


def run_report(binary, fixtures, out, label):
    if os.path.exists(out):
        os.remove(out)
    try:
        done = subprocess.run([binary, "report", fixtures, "--out", out], capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return R.check("%s: jobmock report finishes" % label, False, "not within 60 s")
    return R.check("%s: jobmock report %s --out %s" % (label, fixtures, out),
                   done.returncode == 0 and os.path.isfile(out),
                   "exit %s: %s" % (done.returncode,
                                    done.stderr.decode("utf-8", "replace")[-600:]))


def part_hostile(binary, outdir):
    print("-- hostile fixtures %s" % os.path.relpath(HOSTILE), flush=True)
    server = Replay(binary, HOSTILE, os.path.join(outdir, "hostile-replay.log"),
                    extra=("--check-shapes", "warn"))
    try:
        answers = [server.poll(HOSTILE_JOB)[1].get("status") for _ in range(8)]
        R.check("hostile: 8 polls answer the hostile statuses as written",
                answers[:5] == HOSTILE_STATUSES[:5] and answers[6:] == ["COMPLETED"] * 2,
                repr(answers))
        # The same job polled in a session whose name is markup, and a request whose path is.
        status, answer = server.poll(HOSTILE_JOB, session=H_SESSION)
        R.check("hostile: a poll in a session named with markup is answered", status == 200,
                "%s %r" % (status, answer))
        server.get(H_JOURNAL_PATH + "?f=json", {"User-Agent": H_SCRIPT})

        status, headers, body = server.get("/__jobmock/ui")
        raw = body.decode("utf-8", "replace")
        R.check("hostile ui: GET /__jobmock/ui answers 200", status == 200, str(status))
        root = look("hostile ui", server.base + "/__jobmock/ui", outdir, "hostile-ui.png", raw)
        if root is not None:
            hostile_checks("hostile ui", root)
            text = squash(root.text())
            R.check("hostile ui: the session name is shown as text",
                    squash(H_SESSION) in text, "")
            section = section_by_id(root, "job-" + HOSTILE_JOB)
            if section is not None:
                polls = [s for _, s in timeline_polls(section)]
                served = [s for s in HOSTILE_STATUSES[:5] if s in polls]
                R.check("hostile ui: the hostile statuses are in the timeline marks' titles",
                        served == HOSTILE_STATUSES[:5], repr(polls))
        nocsp_look("hostile ui", raw, outdir, "hostile-ui-nocsp.html")

        # The filters, as whoever opens the page types them.
        query = urllib.parse.urlencode({"session": H_SESSION, "job": H_ATTR + H_SCRIPT,
                                        "refresh": "0;url=javascript:alert(1)"})
        status, headers, body = server.get("/__jobmock/ui?" + query)
        raw = body.decode("utf-8", "replace")
        R.check("hostile ui?session=…&job=…&refresh=…: answers 200", status == 200, str(status))
        root = look("hostile ui?filters", server.base + "/__jobmock/ui?" + query, outdir,
                    "hostile-ui-filters.png", raw)
        if root is not None:
            title = doc_title(root)
            R.check("hostile ui?filters: the document title is not 'pwned'",
                    title is not None and title.strip() != "pwned", "title %r" % title)
            values = [n.attr("value") for n in root.iter() if n.tag == "input"]
            R.check("hostile ui?filters: the filter values come back as input values, whole",
                    H_SESSION in values and (H_ATTR + H_SCRIPT) in values, repr(values))
        nocsp_look("hostile ui?filters", raw, outdir, "hostile-ui-filters-nocsp.html")
    finally:
        server.stop()

    out = os.path.abspath(os.path.join(outdir, "hostile-report.html"))
    if run_report(binary, HOSTILE, out, "hostile report"):
        with open(out, encoding="utf-8") as f:
            raw = f.read()
        root = look("hostile report", "file://" + out, outdir, "hostile-report.png", raw)
        if root is not None:
            hostile_checks("hostile report", root)
            diffs = [n for n in root.iter() if n.tag == "section" and "diff" in n.classes()]
            R.check("hostile report: a section.diff with the findings, markup as text",
                    len(diffs) == 1 and H_SCRIPT in diffs[0].text(),
                    "%d section(s): %s" % (len(diffs),
                                           squash(diffs[0].text())[:200] if diffs else ""))
        nocsp_look("hostile report", raw, outdir, "hostile-report-nocsp.html")


def main():
    global CHROMIUM
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    binary, fixtures, outdir = sys.argv[1:]
    if os.sep not in binary and shutil.which(binary):
        binary = shutil.which(binary)
    binary, fixtures, outdir = (os.path.abspath(a) for a in (binary, fixtures, outdir))
    os.makedirs(outdir, exist_ok=True)
    atexit.register(kill_children)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    CHROMIUM = chromium_binary()
    if CHROMIUM is None:
        print("ui: no chromium on PATH (set $CHROMIUM)", file=sys.stderr)
        return 1
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    print("ui: %s; artifacts in %s" % (version.stdout.strip(), outdir), flush=True)
    started = time.monotonic()
    for part in (lambda: part_live(binary, fixtures, outdir),
                 lambda: part_report(binary, fixtures, outdir),
                 lambda: part_hostile(binary, outdir)):
        try:
            part()
        except Exception as err:  # a part that breaks is a failure, and the others still run
            R.check("no error in the test itself", False, "%s: %s" % (type(err).__name__, err))
    kill_children()
    R.note("%.0f s; screenshots and DOMs in %s" % (time.monotonic() - started, outdir))
    print("ui: %d passed, %d failed" % (R.passed, R.failed), flush=True)
    return 1 if R.failed else 0


CHROMIUM = None

if __name__ == "__main__":
    sys.exit(main())
