"""CalDAV benchmark: publish 1,000 events to a local Radicale, then republish unchanged.

    python benchmarks/publish.py            # 1,000 events
    python benchmarks/publish.py --smoke    # 50 events, for CI

Radicale (from PyPI) runs on a free loopback port with htpasswd
authentication, its storage in a temporary folder; it is stopped by its PID.
Reported: seconds, requests and writes of the first publication and of a
republication with no change (expected: no writes, two requests).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import isecg_events  # noqa: E402
from isecg_events.publish import publish  # noqa: E402
from run import synthetic  # noqa: E402
from tests.judges import start_radicale  # noqa: E402


def main() -> None:
    """Publish, republish, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="50 events, for CI")
    args = parser.parse_args()
    n = 50 if args.smoke else 1_000
    programme = isecg_events.loads(synthetic(n))
    with tempfile.TemporaryDirectory() as folder:
        servers = start_radicale(Path(folder))
        server = next(servers)
        try:
            url = f"{server.url}/{server.user}/bench/"
            rows = []
            for label in ("first publication", "republication, no change"):
                started = time.perf_counter()
                outcome = publish(programme, url, user=server.user, password=server.password)
                rows.append((label, time.perf_counter() - started, outcome))
        finally:
            servers.close()
    print(f"{n:,} events to Radicale on loopback\n")
    print("| run | seconds | requests | writes | result |")
    print("|---|---|---|---|---|")
    for label, seconds, outcome in rows:
        print(
            f"| {label} | {seconds:.2f} | {outcome.requests} | {outcome.writes} | "
            f"{outcome.summary()} |"
        )
    assert rows[1][2].writes == 0, "a republication with no change must write nothing"


if __name__ == "__main__":
    main()
