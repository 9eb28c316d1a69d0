"""The months of an export folder, as `tweetchat run` without `--month` tells them, two codes.

`orchestration.months.directory_months` of this checkout and of `--code DIR` (a checkout, or a
`git archive` unpacked in a folder), each in a process of its own (imports not timed),
alternately, `--rounds` times, on the same folder and registry: wall and CPU seconds, and
whether both found the same months and problems.

    python -m benchmarks.month_scan --raw DIR --chats chats.yaml --code /tmp/base [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.run import ROOT, log, machine

# Run in the measured code's own process: its months module, timed after the imports.
PROBE = """
import json, sys, time
from pathlib import Path
from orchestration.months import directory_months
from orchestration.registry import load_registry
chats = load_registry(Path(sys.argv[2])).chats
cpu, wall = time.process_time(), time.perf_counter()
months, problems = directory_months(Path(sys.argv[1]), chats)
print(json.dumps({"wall_s": round(time.perf_counter() - wall, 2),
                  "cpu_s": round(time.process_time() - cpu, 2),
                  "months": [m.isoformat() for m in months], "problems": problems}))
"""


def scan(code: Path, raw: Path, chats: Path) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(raw), str(chats)],
        env=environment, capture_output=True, text=True, check=True, cwd=code,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="the export folder")
    parser.add_argument("--chats", type=Path, required=True, help="its chats.yaml")
    parser.add_argument("--code", type=Path, required=True, help="the baseline code tree")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    files = sum(1 for path in args.raw.rglob("*") if path.is_file())
    rows = []
    for round_ in range(args.rounds):
        for label, code in (("base", args.code.resolve()), ("this code", ROOT)):
            log(f"round {round_ + 1}: {label} ({code})")
            figures = scan(code, args.raw.resolve(), args.chats.resolve())
            rows.append({"code": label, "load": round(os.getloadavg()[0], 1), **figures})
    same = all(
        row["months"] == rows[0]["months"] and row["problems"] == rows[0]["problems"]
        for row in rows
    )
    print(f"months of {files} files in {args.raw}")
    print("| code | wall s | CPU s | months | load |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['code']} | {row['wall_s']} | {row['cpu_s']} | {len(row['months'])} "
              f"| {row['load']} |")  # fmt: skip
    print(f"same months and problems in every run: {'yes' if same else 'NO'}")
    if args.out:
        slim = [{key: value for key, value in row.items() if key != "months"} for row in rows]
        args.out.write_text(
            json.dumps({"machine": machine(), "files": files, "same": same, "runs": slim}, indent=2)
        )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
