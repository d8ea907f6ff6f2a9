"""`make bench`: run every registered benchmark script in bench/ and print one table.

    .venv/bin/python bench/run.py                 # all scripts, default sizes
    .venv/bin/python bench/run.py --quick         # small sizes, to check the scripts still work
    .venv/bin/python bench/run.py grants          # some scripts
    .venv/bin/python bench/run.py --strict        # exit 1 when a figure misses its target

Each script (`bench/<name>.py`) runs in a child process, in scratch databases of its own on
DATABASE_URL's server, and follows one protocol: `python bench/<name>.py --json FILE [quick args]`
writes a JSON list of rows (or one dict). A row is one of:
- a metric (`bench.seeding.metric`): {"metric", "value", "unit", "target", "op", "ok", "queries"?};
  a script that writes metric rows has its other rows kept as details;
- a latency row {"scenario", "p50_ms", "p95_ms", ...} with an optional target ("target_p95_ms": number,
  or "target": text, and "ok"): shown as its p50 and p95;
- any other row with "scenario", "target" (text) and "ok": shown as a pass/fail line;
- anything else: a detail, kept in the results file and printed after the table.
The combined results, with the commit and the machine, go to bench/out/results-<timestamp>.json
(git-ignored; copy a run worth keeping into bench/results/). Speed is measured here, never by timed
asserts in tests. Missed targets are reported (the machine may be busy); `--strict` fails on them.

To add a benchmark, add a `Benchmark` to BENCHMARKS below; a registered script whose file is missing
is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"


@dataclass(frozen=True)
class Benchmark:
    name: str  # bench/<name>.py
    issue: str  # what it measures, for the table's section header
    quick: tuple[str, ...] = ("--quick",)  # arguments for `--quick` (small sizes)


# The registry, in running order: one line per script.
BENCHMARKS: list[Benchmark] = [
    Benchmark("grants", "issue 3: officer's round table, applications API and firm's pages"),
    Benchmark("assignment", "issue 5: reviewer assignment"),
    Benchmark("selection", "issue 5: aggregation + calibration + ranking + allocation"),
    Benchmark("deadlines", "issue 4: due reminders swept"),
    Benchmark("pages", "issue 2: demo pages and API"),
    Benchmark(
        "ledger",
        "issue 6: ledger exports and auditor report",
        ("--entries", "50000", "--requests", "10", "--skip-xlsx"),
    ),
]
BY_NAME = {b.name: b for b in BENCHMARKS}
COLUMNS = ("metric", "value", "target", "result", "queries")


def run_script(bench: Benchmark, quick: bool) -> tuple[list[dict], str, float]:
    """Run bench/<name>.py in a child process; return its rows, its error output on failure, seconds."""
    out = OUT_DIR / f"{bench.name}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH_DIR / f"{bench.name}.py"), "--json", str(out)]
    if quick:
        command += list(bench.quick)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if not out.exists():
        return [], done.stderr[-3000:] or f"exit code {done.returncode}", seconds
    data = json.loads(out.read_text())
    rows = data if isinstance(data, list) else [data]
    error = "" if done.returncode == 0 else f"exit code {done.returncode}: {done.stderr[-1000:]}"
    return rows, error, seconds


def _number(value: float | int, unit: str) -> str:
    if isinstance(value, float):
        text = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}"
    return f"{text} {unit}".strip()


def table_rows(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the rows shown in the table as {metric, value, target, result, queries, ok}, the detail rows)."""
    shown, details = [], []
    has_metrics = any("metric" in r for r in rows)
    for row in rows:
        if "metric" in row:
            target = row.get("target")
            shown.append(
                {
                    "metric": row["metric"],
                    "value": _number(row["value"], row.get("unit", "")),
                    "target": ""
                    if target is None
                    else f"{row.get('op', '<')} {_number(target, row.get('unit', ''))}",
                    "ok": row.get("ok"),
                    "queries": row.get("queries", ""),
                }
            )
        elif has_metrics:
            details.append(row)
        elif "p95_ms" in row:
            target = row.get("target_p95_ms")
            text = f"< {_number(target, 'ms')}" if target is not None else str(row.get("target", ""))
            ok = row.get("ok", row.get("meets_target"))
            if ok is None and target is not None:
                ok = row["p95_ms"] < target
            name = row.get("scenario", "?")
            shown.append({"metric": f"{name}: p50", "value": _number(row["p50_ms"], "ms"), "target": "",
                          "ok": None, "queries": row.get("queries", "")})  # fmt: skip
            shown.append({"metric": f"{name}: p95", "value": _number(row["p95_ms"], "ms"), "target": text,
                          "ok": ok if text else None, "queries": row.get("queries", "")})  # fmt: skip
        elif "target" in row and "ok" in row and "scenario" in row:
            shown.append(
                {
                    "metric": row["scenario"],
                    "value": "",
                    "target": str(row["target"]),
                    "ok": row["ok"],
                    "queries": "",
                }
            )
            details.append(row)
        else:
            details.append(row)
    for row in shown:
        row["result"] = {True: "PASS", False: "FAIL", None: ""}[row["ok"]]
        row["queries"] = str(row["queries"])
    return shown, details


def format_table(sections: list[tuple[str, list[dict]]]) -> str:
    """One aligned table of every section's rows, with a header line per section."""
    all_rows = [r for _title, rows in sections for r in rows]
    widths = [max([len(c)] + [len(r[c]) for r in all_rows]) for c in COLUMNS]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i in (0, 2) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [line(list(COLUMNS)), "  ".join("-" * w for w in widths)]
    for title, rows in sections:
        lines.append(f"[{title}]")
        lines += [line([r[c] for c in COLUMNS]) for r in rows]
    return "\n".join(lines)


def format_details(details: list[dict]) -> str:
    lines = []
    for row in details:
        if "p95_ms" in row:
            continue  # a latency row, already in the table
        name = row.get("scenario", "")
        rest = ", ".join(f"{k}={v}" for k, v in row.items() if k != "scenario")
        lines.append(f"  {name}: {rest}" if name else f"  {rest}")
    return "\n".join(lines)


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*", help=f"which scripts to run (default: {', '.join(BY_NAME)})")
    parser.add_argument("--quick", action="store_true", help="small sizes: check the scripts, not the speed")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    args = parser.parse_args(argv)
    unknown = [name for name in args.scripts if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (registered: {', '.join(BY_NAME)})")
    chosen = [BY_NAME[name] for name in args.scripts] if args.scripts else BENCHMARKS
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    results: dict[str, list[dict]] = {}
    failures: dict[str, str] = {}
    sections: list[tuple[str, list[dict]]] = []
    all_details: list[tuple[str, list[dict]]] = []
    for bench in chosen:
        if not (BENCH_DIR / f"{bench.name}.py").exists():
            print(f"== {bench.name}: bench/{bench.name}.py not found, skipped", flush=True)
            continue
        print(f"== {bench.name} ({bench.issue}) ...", flush=True)
        rows, error, seconds = run_script(bench, args.quick)
        results[bench.name] = rows
        shown, details = table_rows(rows)
        print(f"   {len(shown)} figures in {seconds:.0f} s", flush=True)
        if shown:
            sections.append((f"{bench.name}: {bench.issue}", shown))
        if details:
            all_details.append((bench.name, details))
        if error:
            failures[bench.name] = error
            print(f"   FAILED: {error}", file=sys.stderr, flush=True)

    print()
    if sections:
        print(format_table(sections))
    if all_details:
        print("\nDetails:")
        for name, details in all_details:
            print(f"[{name}]\n{format_details(details)}")
    figures = [r for _title, rows in sections for r in rows if r["ok"] is not None]
    missed = [r["metric"] for r in figures if r["ok"] is False]
    load = os.getloadavg()[0]
    print(
        f"\n{len(figures) - len(missed)} of {len(figures)} targets met"
        + (f"; missed: {'; '.join(missed)}" if missed else "")
        + f". Load average now {load:.2f} on {os.cpu_count()} CPUs (other work inflates the figures)."
    )
    if failures:
        print(f"Failed scripts: {', '.join(failures)}", file=sys.stderr)

    record = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": round(load, 2),
        "machine": platform.platform(),
        "quick": args.quick,
        "results": results,
        "failures": failures,
    }
    path = OUT_DIR / f"results-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"Results written to {path.relative_to(BENCH_DIR.parent)}")
    return 1 if failures or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
