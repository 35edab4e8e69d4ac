"""Start-up cost of the command line: ``sdga --help`` and ``sdga ask ... --plan-only``, in CPU seconds.

    python bench/bench_startup.py            # 7 runs each, medians; targets 0.3 s and 0.5 s of CPU
    python bench/bench_startup.py --runs 15

Each command runs as its own process (what a user waits for), measured by the CPU time the child used
(user + system, from the operating system's accounting) as well as wall time. The first ``ask`` in a fresh
SDGA_HOME builds the disk cache of the parsed templates and lexicon ("cold"); the others read it ("warm").
The baseline is what importing every command module costs (what ``sdga --help`` paid before the commands
were loaded lazily), measured in the same run, so the ratio holds on a loaded machine too. CPU time is
less sensitive to other load than wall time, but not immune: report the machine's state with the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PROMPT = "8k shipments with tracking events as csv, 2% exceptions, GDPR"
TARGETS = {"sdga --help": 0.3, "sdga ask --plan-only": 0.5}


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``argv`` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(argv[:3])} failed ({proc.returncode}): {proc.stderr.decode()[:300]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    found = os.environ.get("SDGA_BIN") or shutil.which("sdga", path=os.path.dirname(sys.executable))
    sdga = [found] if found else [sys.executable, "-c", "import sys; from sdga.cli import main; main()"]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SDGA_HOME": home, "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("SDGA_LLM_BACKEND", None)
        cases = {
            "sdga --help": [*sdga, "--help"],
            "sdga ask --plan-only": [*sdga, "ask", PROMPT, "--plan-only", "--json"],
            "baseline: import every command module": [
                sys.executable, "-c",
                "import sdga.cli.generate, sdga.cli.quality, sdga.cli.service, sdga.cli.agent, sdga.cli.mcp",
            ],
        }  # fmt: skip
        cold_cpu, cold_wall = measure(cases["sdga ask --plan-only"], env)
        results: dict[str, tuple[float, float]] = {}
        for name, cmd in cases.items():
            measure(cmd, env)  # warm the page cache and the disk cache
            runs = [measure(cmd, env) for _ in range(args.runs)]
            results[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"start-up, median of {args.runs} runs (load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'command':<42} {'CPU s':>7} {'wall s':>7}  target")
    for name, (cpu, wall) in results.items():
        target = TARGETS.get(name)
        verdict = f"< {target} {'ok' if cpu < target else 'MISSED'}" if target else ""
        print(f"{name:<42} {cpu:7.3f} {wall:7.3f}  {verdict}")
    print(f"{'sdga ask --plan-only, cold (builds the cache)':<42} {cold_cpu:7.3f} {cold_wall:7.3f}")
    base = results["baseline: import every command module"][0]
    print(f"ratio baseline/help: {base / results['sdga --help'][0]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
