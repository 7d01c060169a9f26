"""Run the fuzzer for longer: ``python -m tests.fuzz --cases 20000 --seed 7``."""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from pathlib import Path

from tests.fuzz.harness import OracleError, cases, check_case
from tests.programmes import REFERENCE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--minutes", type=float, default=60.0, help="stop after this long")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    outcomes: collections.Counter[str] = collections.Counter()
    failures = 0
    reference = REFERENCE if REFERENCE.exists() else None
    for number, (name, build) in enumerate(cases(reference, args.cases, args.seed)):
        if time.monotonic() > deadline:
            print(f"stopped after {number} cases: time is up")
            break
        with tempfile.TemporaryDirectory() as folder:
            file_name, content = build()
            try:
                outcomes[f"{name}: {check_case(Path(folder), file_name, content)}"] += 1
            except OracleError as error:
                failures += 1
                keep = Path(f"fuzz-failure-{args.seed}-{number}-{file_name}")
                keep.write_bytes(content)
                print(f"case {number} ({name}): {error}; input kept as {keep}")
    for outcome, count in sorted(outcomes.items()):
        print(f"{count:6d}  {outcome}")
    print(f"{sum(outcomes.values())} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
