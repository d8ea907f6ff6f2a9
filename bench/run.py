"""`make bench`: run every benchmark script in bench/ and print one table.

    .venv/bin/python bench/run.py                 # all scripts, default sizes
    .venv/bin/python bench/run.py --quick         # small sizes, to check the scripts still work
    .venv/bin/python bench/run.py pages           # one script

Each script (`bench/<name>.py`) runs on its own in a scratch database, takes `--json FILE` and
writes either one result (a dict) or a list of rows. The combined results, with the commit and the
machine, go to bench/out/results-<timestamp>.json (git-ignored; copy a run worth keeping into
bench/results/). Speed is measured here, never by timed asserts in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
# Script name -> extra arguments for a quick run.
SCRIPTS: dict[str, list[str]] = {
    "pages": ["--requests", "30", "--warmup", "5"],
    "deadlines": ["--count", "500"],
}
ROW_COLUMNS = ("scenario", "p50_ms", "p95_ms", "max_ms", "requests_per_second", "queries")


def run_script(name: str, quick: bool) -> tuple[list[dict], str]:
    """Run bench/<name>.py in a child process; return its rows and, on failure, its error output."""
    out = OUT_DIR / f"{name}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH_DIR / f"{name}.py"), "--json", str(out)]
    if quick:
        command += SCRIPTS.get(name, [])
    done = subprocess.run(command, capture_output=True, text=True)
    if not out.exists():
        return [], done.stderr[-3000:] or f"exit code {done.returncode}"
    data = json.loads(out.read_text())
    rows = data if isinstance(data, list) else [data]
    return rows, "" if done.returncode == 0 else f"exit code {done.returncode}: {done.stderr[-1000:]}"


def format_table(rows: list[dict]) -> str:
    """Latency rows as an aligned table; any other result as `key: value` lines."""
    latency = [r for r in rows if "p95_ms" in r]
    lines = []
    if latency:
        table = [ROW_COLUMNS, *[tuple(str(r.get(c, "")) for c in ROW_COLUMNS) for r in latency]]
        widths = [max(len(row[i]) for row in table) for i in range(len(ROW_COLUMNS))]
        for n, row in enumerate(table):
            cells = [row[0].ljust(widths[0])] + [
                cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append("  ".join(cells))
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        if "p95_ms" not in row:
            lines += [f"{key}: {value}" for key, value in row.items()]
    return "\n".join(lines)


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scripts", nargs="*", help=f"which scripts to run (default: all of {', '.join(SCRIPTS)})"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: check the scripts, not the speed")
    args = parser.parse_args(argv)
    names = args.scripts or [name for name in SCRIPTS if (BENCH_DIR / f"{name}.py").exists()]
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    results: dict[str, list[dict]] = {}
    failures: dict[str, str] = {}
    for name in names:
        print(f"== {name}", flush=True)
        rows, error = run_script(name, args.quick)
        results[name] = rows
        if rows:
            print(format_table(rows))
        if error:
            failures[name] = error
            print(f"FAILED: {error}", file=sys.stderr)
        print()

    record = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "quick": args.quick,
        "results": results,
        "failures": failures,
    }
    path = OUT_DIR / f"results-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"Results written to {path.relative_to(BENCH_DIR.parent)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
