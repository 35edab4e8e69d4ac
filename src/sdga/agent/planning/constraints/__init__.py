"""Stage 6, constraints said in passing, each reader in its own module and run in this order:

columns added by name first (so "a churn_reason column, 30% null" has its column), then missing values,
ranges and bounds, allowed values and shares, uniqueness, fields added by kind, removals, named edge
cases, time windows and skew. Every reader consumes the words it used.
"""

from __future__ import annotations

from sdga.agent.planning.constraints import columns, edge_cases, nulls, ranges, time, values
from sdga.agent.planning.state import PlanState


def run(state: PlanState) -> None:
    changed = False
    changed |= columns.explicit_additions(state)
    changed |= nulls.run(state)
    changed |= ranges.run(state)
    changed |= values.run(state)
    changed |= columns.uniques(state)
    changed |= columns.additions(state)
    changed |= columns.removals(state)
    changed |= edge_cases.run(state)
    changed |= time.run(state)
    state.changed |= changed
