"""Evaluate the offline planner on the public request set and its held-out part.

    python bench/agent_eval.py            # accuracy per dimension and exact match, both sets
    python bench/agent_eval.py --misses   # and every request that was not planned exactly right
    python bench/agent_eval.py --json     # machine-readable

The held-out requests (tests/agent/eval/heldout.yaml) were written with the public ones and never used
to tune the planner; its figure is the better estimate for requests nobody here has seen.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = {"public": ROOT / "tests/agent/eval/public.yaml", "held-out": ROOT / "tests/agent/eval/heldout.yaml"}
TODAY = date(2026, 1, 15)  # the expected facts are written against this day ("the last 30 days", ages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the requests not planned exactly right")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="only this set (repeatable)")
    args = parser.parse_args(argv)

    from sdga.agent.evaluation import evaluate, load_cases
    from sdga.agent.planning import OfflinePlanner
    from sdga.knowledge import LocalKnowledgeBase

    planner = OfflinePlanner(LocalKnowledgeBase(None, semantic=False), today=TODAY)
    reports = [evaluate(planner, load_cases(SETS[name]), name) for name in args.set or list(SETS)]
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
        return 0
    for report in reports:
        print(report.render())
        if args.misses:
            for r in report.results:
                if not r.exact:
                    print(f"    x {r.id}: {r.prompt!r}\n        " + "\n        ".join(r.problems))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
