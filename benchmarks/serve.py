"""Load benchmark of the feed server against the standard library's file server.

    python benchmarks/serve.py            # 2,000 requests, 16 clients; 10,000 for memory
    python benchmarks/serve.py --smoke    # a few requests, for CI

Both servers run side by side in this run, each in its own process on a free
loopback port: ``isecg-events serve`` on a 300-event programme, and
``http.server.ThreadingHTTPServer`` serving the files ``export --format all
--feeds`` wrote for it. The same clients request the same paths from each.
Reported: requests per second, errors, and the feed server's resident memory
after a warm-up and after 10,000 more requests (personal feeds included).
Every request has a timeout and the loops stop by themselves.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import synthetic
from tests.judges import free_port, wait_for_port

CLIENTS = 16
TIMEOUT = 10.0


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def hammer(port: int, paths: list[str], total: int) -> tuple[float, int]:
    """``total`` GETs from CLIENTS threads, each on its own keep-alive connection."""
    counter = itertools.count()
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        while (n := next(counter)) < total:
            try:
                connection.request("GET", paths[n % len(paths)])
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(response.status)
            except Exception:
                with lock:
                    errors[0] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return total / (time.perf_counter() - started), errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few requests, for CI")
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    requests, memory_requests = (200, 400) if args.smoke else (2_000, 10_000)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = root / "programme.toml"
        source.write_text(synthetic(args.events), encoding="utf-8")
        out = root / "out"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "isecg_events",
                "export",
                str(source),
                "--feeds",
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        paths = sorted("/" + str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
        ours_port, theirs_port = free_port(), free_port()
        ours = subprocess.Popen(
            [sys.executable, "-m", "isecg_events", "serve", str(source), "--port", str(ours_port)],
            stderr=subprocess.DEVNULL,
        )
        theirs = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(theirs_port), "--bind", "127.0.0.1",
             "--directory", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_port(ours_port, ours, 60)
            wait_for_port(theirs_port, theirs, 60)
            hammer(ours_port, paths, CLIENTS * 4)  # warm-up
            hammer(theirs_port, paths, CLIENTS * 4)
            rows = []
            for name, port in (
                ("isecg-events serve", ours_port),
                ("ThreadingHTTPServer", theirs_port),
            ):
                rate, errors = hammer(port, paths, requests)
                rows.append((name, rate, errors))
            personal = [f"/feed.ics?event=event-{n}&event=event-{n + 1}" for n in range(1, 60)]
            before = resident_kib(ours.pid)
            hammer(ours_port, paths + personal, memory_requests)
            after = resident_kib(ours.pid)
        finally:
            for process in (ours, theirs):
                process.terminate()
                process.wait(timeout=20)
    print(
        f"{len(paths)} files, {args.events} events, {CLIENTS} clients, {requests} requests each\n"
    )
    print("| server | requests/s | errors |")
    print("|---|---|---|")
    for name, rate, errors in rows:
        print(f"| {name} | {rate:,.0f} | {errors} |")
    ratio = rows[0][1] / rows[1][1]
    print(f"\nthroughput ratio (ours / ThreadingHTTPServer): {ratio:.2f}")
    print(
        f"feed server resident memory: {before / 1024:.1f} MiB after warm-up, "
        f"{after / 1024:.1f} MiB after {memory_requests:,} more requests "
        f"({after / before:.2f}x)"
    )
    if not args.smoke:
        assert rows[0][2] == 0 and rows[1][2] == 0, "errors"


if __name__ == "__main__":
    main()
