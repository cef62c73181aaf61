"""`make bench`: jobmock side by side with a bare hyper server, on 127.0.0.1 only.

Usage: bench.py [--quick] [--only record|replay] [--out BENCHMARKS.md]

Runs wrk against the reference server (examples/reference_server.rs) and against jobmock in
each mode, alternating reference and jobmock runs, and prints a table of requests per second,
latency, errors, peak RSS and the ratio to the reference measured in the same run; then start-up,
memory and `jobmock diff` figures on a generated set of 10,000 jobs of 5 steps, and what the
pytest fixture costs a test (bench/pytest_overhead.py). Every figure comes from this run. `--quick` shortens each load run (for a smoke test of the bench itself);
`--only MODE` runs that mode's load rows alone and prints them, writing nothing (for tuning).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import process  # noqa: E402  (beside this file)
import pytest_overhead  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target", "bench")
# JOBMOCK_BIN: another build to measure (an older commit's, for a before-and-after).
JOBMOCK = os.environ.get("JOBMOCK_BIN", os.path.join(ROOT, "target", "release", "jobmock"))
REFERENCE = os.path.join(ROOT, "target", "release", "examples", "reference_server")
# The limits of record, and of start-up and diff: a bare reverse proxy, and a read of the set.
REFERENCE_PROXY = os.path.join(ROOT, "target", "release", "examples", "reference_proxy")
REFERENCE_READ = os.path.join(ROOT, "target", "release", "examples", "reference_read")
JOB_ID = "j6185135c-92a8-4402-b8de-90a66dc61fcc"
BIG_JOBS = 10_000
BIG_STEPS = 5


def job_body():
    """The job body both servers answer: the reference's PROCESSING executeNotebook example, 454
    bytes compact (its own job ID kept, so the size is the issue's)."""
    with open(os.path.join(ROOT, "fixtures", "jobs", "j6185135c-92a8-4402-b8de-90a66dc61fcc", "002.json")) as f:
        job = json.load(f)
    return json.dumps(job, separators=(",", ":")).encode()


def write_fixtures():
    """The bench fixture set (one job, three equal steps: polls advance, the last repeats) and the
    big set (10,000 jobs of 5 steps) for start-up, memory and diff."""
    body = job_body()
    small = os.path.join(TARGET, "fixtures")
    shutil.rmtree(small, ignore_errors=True)
    job_dir = os.path.join(small, "jobs", JOB_ID)
    os.makedirs(job_dir)
    pretty = json.dumps(json.loads(body), indent=2) + "\n"
    for step in range(1, 4):
        with open(os.path.join(job_dir, f"{step:03}.json"), "w") as f:
            f.write(pretty)
    with open(os.path.join(TARGET, "body.json"), "wb") as f:
        f.write(body)

    big = os.path.join(TARGET, "big")
    marker = os.path.join(big, ".complete")
    if not os.path.exists(marker):
        shutil.rmtree(big, ignore_errors=True)
        template = json.loads(body)
        statuses = ["SUBMITTED", "PROCESSING", "PROCESSING", "PROCESSING", "COMPLETED"]
        for index in range(BIG_JOBS):
            job_id = f"j{index:08x}-0000-4000-8000-000000000000"
            job_dir = os.path.join(big, "jobs", job_id)
            os.makedirs(job_dir)
            for step, status in enumerate(statuses, start=1):
                job = dict(template, jobId=job_id, status=status)
                if status != "PROCESSING":
                    job["customAttributes"] = {"isCancelled": False}
                    job.pop("results", None)
                    if status == "COMPLETED":
                        job["endTime"] = job["startTime"] + 2762
                        job["results"] = {"notebookUrl": "https://machine.domain.com/notebook.ipynb",
                                          "notebookId": "0a465abc08ed4fe8ac087f204222fb02", "webToolVersion": "11.2"}
                with open(os.path.join(job_dir, f"{step:03}.json"), "w") as f:
                    json.dump(job, f, indent=2)
        open(marker, "w").close()
    return small, big, len(body)


class Server:
    """A server process on 127.0.0.1:0, its address read from its first line."""

    def __init__(self, command):
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.process.kill()
            raise SystemExit(f"{command[0]} did not start: {line!r}")
        self.base = line.removeprefix("listening on ")

    def cpu_ms(self):
        """CPU time (user and system) the process has used so far, in milliseconds."""
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    def status(self, field):
        """A field of /proc/PID/status in MB (VmRSS now, VmHWM the peak)."""
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        process.stop(self.process)


def wrk(url, connections, seconds, headers=()):
    command = ["wrk", "--latency", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return {"rps": rps, "requests": requests, "p50": latency(50), "p99": latency(99), "errors": errors}


def load_runs(name, start_jobmock, path, headers, connections, seconds, rounds, reference, limit=None):
    """Alternates reference and jobmock runs; returns jobmock's median figures and ratios, and
    the CPU time each server spent per request (steadier than throughput on a shared machine:
    it does not move with what else takes the cores meanwhile)."""
    ours, ratios, p99_ratios, cpu_ratios, cpus, peak = [], [], [], [], [], 0.0
    # The limit the figure is read against: the bare server, or (for record) a bare reverse
    # proxy in front of it, whose CPU is its own and the upstream's.
    limit = limit or reference
    for _ in range(rounds):
        before = limit.cpu_ms() + (reference.cpu_ms() if limit is not reference else 0)
        ref = wrk(limit.base + path, connections, seconds, headers)
        ref_cpu = (limit.cpu_ms() + (reference.cpu_ms() if limit is not reference else 0) - before) / max(ref["requests"], 1)
        server = start_jobmock()
        try:
            url = server.base + path
            wrk(url, connections, 1, headers)  # warm-up
            upstream = reference.cpu_ms() if limit is not reference else 0
            before = server.cpu_ms() + upstream
            result = wrk(url, connections, seconds, headers)
            upstream = reference.cpu_ms() if limit is not reference else 0
            our_cpu = (server.cpu_ms() + upstream - before) / max(result["requests"], 1)
            peak = max(peak, server.status("VmHWM"))
        finally:
            server.stop()
        ours.append(result)
        cpus.append(our_cpu)
        ratios.append(result["rps"] / ref["rps"])
        p99_ratios.append(result["p99"] / ref["p99"] if ref["p99"] else float("nan"))
        cpu_ratios.append(our_cpu / ref_cpu if ref_cpu else float("nan"))
    return {
        "cpu_us": statistics.median(cpus) * 1000,
        "cpu_ratio": statistics.median(cpu_ratios),
        "name": name,
        "connections": connections,
        "rps": statistics.median(r["rps"] for r in ours),
        "p50": statistics.median(r["p50"] for r in ours),
        "p99": statistics.median(r["p99"] for r in ours),
        "errors": sum(r["errors"] for r in ours),
        "rss": peak,
        "ratio": statistics.median(ratios),
        "p99_ratio": statistics.median(p99_ratios),
    }


def first_200(command, url, runs):
    """Median milliseconds from process start to the first 200 on `url`."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = process.stdout.readline().strip()
        base = line.removeprefix("listening on ")
        while True:
            try:
                with urllib.request.urlopen(base + url, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.001)
        times.append((time.perf_counter() - started) * 1000)
        process.terminate()
        process.wait(timeout=15)
    return statistics.median(times)


def wall(command):
    """Seconds from the start of `command` to its exit, its output thrown away."""
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 round: check the bench itself")
    parser.add_argument("--only", choices=["record", "replay"], help="that mode's load rows alone, printed, not written")
    parser.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = parser.parse_args()
    # Short runs, more of them, alternating: a slow drift of the machine's speed (other tenants,
    # clocks) falls on both servers alike, and the median ratio leaves out a bad round.
    seconds, rounds, soak = (2, 1, 5) if args.quick else (5, 4, 30)

    os.makedirs(TARGET, exist_ok=True)
    small, big, body_len = write_fixtures()
    job_path = f"/arcgis/admin/system/jobs/{JOB_ID}"
    replay = lambda *extra: lambda: Server([JOBMOCK, "replay", "--fixtures", small, "--listen", "127.0.0.1:0", *extra])

    reference = Server([REFERENCE, os.path.join(TARGET, "body.json")])
    proxy = Server([REFERENCE_PROXY, reference.base])
    recording = os.path.join(TARGET, "recording")

    def record():
        shutil.rmtree(recording, ignore_errors=True)
        return Server([JOBMOCK, "record", "--upstream", reference.base, "--fixtures", recording, "--listen", "127.0.0.1:0"])

    rows = []
    try:
        baseline = [wrk(reference.base + job_path + "?f=json", c, seconds) for c in (64, 1)]
        if args.only in (None, "replay"):
            for connections in (64, 1):
                rows.append(load_runs("replay, f=json", replay(), job_path + "?f=json", (), connections, seconds, rounds, reference))
            for connections in (64, 1):
                rows.append(load_runs("replay, f=json, X-Jobmock-Session", replay(), job_path + "?f=json",
                                      ("X-Jobmock-Session: bench",), connections, seconds, rounds, reference))
            for connections in (64, 1):
                rows.append(load_runs("replay, f=pjson", replay(), job_path + "?f=pjson", (), connections, seconds, rounds, reference))
        if args.only in (None, "record"):
            for connections in (64, 1):
                rows.append(load_runs("record (proxy + recording)", record, job_path + "?f=json", (), connections, seconds, rounds,
                                      reference, limit=proxy))
        proxy_rps = wrk(proxy.base + job_path + "?f=json", 64, seconds)["rps"]
    finally:
        proxy.stop()
        reference.stop()
    if args.only:
        print(f"reference: {baseline[0]['rps']:,.0f} req/s at 64 connections, {baseline[1]['rps']:,.0f} at 1")
        for row in rows:
            print(f"{row['name']}, {row['connections']} conns: {row['rps']:,.0f} req/s, p99 {row['p99']:.3f} ms, "
                  f"{row['ratio']:.2f} x reference, CPU {row['cpu_us']:.1f} us/request ({row['cpu_ratio']:.2f} x), "
                  f"errors {row['errors']}")
        return 0

    shipped = first_200([JOBMOCK, "replay", "--fixtures", os.path.join(ROOT, "fixtures"), "--listen", "127.0.0.1:0"],
                        "/arcgis/admin/system/jobs/j6185135c-92a8-4402-b8de-90a66dc61fcc?f=json", 5)
    big_job = "/arcgis/admin/system/jobs/j00000000-0000-4000-8000-000000000000?f=json"
    startup_big = first_200([JOBMOCK, "replay", "--fixtures", big, "--listen", "127.0.0.1:0"], big_job, 5)
    # The limit of start-up and diff: the set's folders listed and every file read whole, on
    # every core, from process start to exit, as the two are timed. Alternated with them.
    read_times = [wall([REFERENCE_READ, big]) for _ in range(5)]

    server = Server([JOBMOCK, "replay", "--fixtures", big, "--listen", "127.0.0.1:0"])
    try:
        urllib.request.urlopen(server.base + big_job).read()
        rss_loaded = server.status("VmRSS")
        wrk(server.base + big_job, 64, soak)
        rss_after_soak = server.status("VmRSS")
    finally:
        server.stop()

    diff_times = []
    for _ in range(5):
        diff_times.append(wall([JOBMOCK, "diff", big]))
        read_times.append(wall([REFERENCE_READ, big]))
    diff_seconds = statistics.median(diff_times)
    read_ms = statistics.median(read_times) * 1000
    limits = {"read_ms": read_ms, "proxy_rps": proxy_rps}
    # Last: it installs pytest into a venv of its own on its first run.
    pytest_figures = pytest_overhead.measure(JOBMOCK, quick=args.quick)

    report = render(rows, baseline, body_len, shipped, startup_big, rss_loaded, rss_after_soak, diff_seconds, seconds, rounds, soak,
                    limits, pytest_figures)
    print(report)
    if not args.quick:
        with open(args.out, "w") as f:
            f.write(report)
        print(f"written to {os.path.relpath(args.out, ROOT)}")


def render(rows, baseline, body_len, shipped, startup_big, rss_loaded, rss_after_soak, diff_seconds, seconds, rounds, soak, limits,
           pytest_figures):
    def verdict(ok):
        return "met" if ok else "MISSED"

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {datetime.date.today().isoformat()}: {os.cpu_count()} cores ({cpu}), "
        f"{platform.system()} {platform.release()}; wrk on the same machine, 127.0.0.1 only.",
        f"Each load run is {seconds} s after a 1 s warm-up; reference and jobmock runs alternate "
        f"({rounds} round(s) each) and the ratio is the median of the per-round ratios. Body: {body_len} bytes.",
        "",
        f"Reference (bare hyper 1 server, `examples/reference_server.rs`): {baseline[0]['rps']:,.0f} req/s at 64 "
        f"connections (p99 {baseline[0]['p99']:.2f} ms), {baseline[1]['rps']:,.0f} req/s at 1 connection.",
        "",
        "| server | conns | req/s | p50 ms | p99 ms | errors | peak RSS MB | CPU µs/request | × limit req/s | × limit p99 | × limit CPU/request |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['name']} | {row['connections']} | {row['rps']:,.0f} | {row['p50']:.3f} | {row['p99']:.3f} | "
            f"{row['errors']} | {row['rss']:.1f} | {row['cpu_us']:.1f} | {row['ratio']:.2f} | {row['p99_ratio']:.2f} | "
            f"{row['cpu_ratio']:.2f} |"
        )
    replay64 = rows[0]
    record64 = next(row for row in rows if row["name"].startswith("record") and row["connections"] == 64)
    lines += [
        "",
        "Each figure beside its limit, measured in the same run: the bare server for replay; a bare hyper reverse proxy "
        "(`examples/reference_proxy.rs`, forward and answer, nothing else) in front of the same upstream for record "
        f"({limits['proxy_rps']:,.0f} req/s at 64 connections); for start-up and diff, a program that lists the set's folders "
        f"and reads every file whole on every core (`examples/reference_read.rs`): {limits['read_ms']:.0f} ms for the "
        f"{BIG_JOBS:,}-job set. CPU per request counts the upstream's too for record and its limit.",
        "",
        "| figure | measured | limit | ratio to the limit | target | |",
        "|---|---|---|---|---|---|",
        f"| replay throughput, 64 connections | {replay64['rps']:,.0f} req/s | bare server | {replay64['ratio']:.2f} | ≥ 0.9 | {verdict(replay64['ratio'] >= 0.9)} |",
        f"| replay CPU per request, 64 connections | {replay64['cpu_us']:.1f} µs | bare server | {replay64['cpu_ratio']:.2f} | ≤ 1.15 | {verdict(replay64['cpu_ratio'] <= 1.15)} |",
        f"| replay p99, 64 connections | {replay64['p99']:.2f} ms | bare server | {replay64['p99_ratio']:.2f} | ≤ 1.5 | {verdict(replay64['p99_ratio'] <= 1.5)} |",
        f"| record throughput, 64 connections | {record64['rps']:,.0f} req/s | bare reverse proxy | {record64['ratio']:.2f} | ≥ 0.8 | {verdict(record64['ratio'] >= 0.8)} |",
        f"| record CPU per request, 64 connections | {record64['cpu_us']:.1f} µs | bare reverse proxy | {record64['cpu_ratio']:.2f} | | |",
        f"| start-up to the first 200, {BIG_JOBS:,} jobs × {BIG_STEPS} steps | {startup_big:.1f} ms | reading the set | {startup_big / limits['read_ms']:.2f} | ≤ 1.2 | {verdict(startup_big <= 1.2 * limits['read_ms'])} |",
        f"| `jobmock diff` of {BIG_JOBS * BIG_STEPS:,} payloads | {diff_seconds:.2f} s | reading the set | {diff_seconds * 1000 / limits['read_ms']:.2f} | ≤ 2, and < 1 s | {verdict(diff_seconds * 1000 <= 2 * limits['read_ms'] and diff_seconds < 1)} |",
        f"| start-up to the first 200, shipped fixtures | {shipped:.1f} ms | | | | |",
        f"| RSS with {BIG_JOBS:,} jobs loaded | {rss_loaded:.1f} MB | | | < 64 MB | {verdict(rss_loaded < 64)} |",
        f"| RSS after a {soak} s load, default journal | {rss_after_soak:.1f} MB | | | | |",
        f"| a test's overhead in pytest (the `jobmock` fixture, {pytest_figures['tests']} tests of one request) | "
        f"{pytest_figures['overhead_per_test_ms']:.2f} ms | the same test without it | | < {pytest_figures['overhead_aim_ms']:g} ms | "
        f"{verdict(pytest_figures['overhead_per_test_ms'] < pytest_figures['overhead_aim_ms'])} |",
        f"| a suite's start in pytest, the server's start included | {pytest_figures['suite_start_ms']:.0f} ms | "
        f"the same suite without the fixture: {pytest_figures['suite_start_ms_without']:.0f} ms | "
        f"{pytest_figures['suite_start_ms'] / pytest_figures['suite_start_ms_without']:.2f} | | |",
        "",
        "A test's overhead in pytest (bench/pytest_overhead.py): " + "; ".join(pytest_overhead.describe(pytest_figures)) + ".",
        "",
        "What limits the missed figures is in docs/performance.md.",
        "",
        "Command: `make bench` (bench/bench.py).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
