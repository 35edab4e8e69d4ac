"""State machines: a status that moves from state to state along a parent's rows.

A path decides how many rows its parent has (it stops at a final state), so paths are drawn per parent
block, where the children-per-parent counts are drawn: one step per position, vectorised over the block's
parents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sdga.engine.rng import block_rng
from sdga.models.schema import END_STATE, FieldSpec, StateMachine


@dataclass(frozen=True)
class Machine:
    """A state machine compiled to cumulative weights: row ``s`` of ``next_cdf`` gives the next state
    (column ``len(states)`` is the end)."""

    states: tuple[str, ...]
    initial_cdf: np.ndarray
    next_cdf: np.ndarray
    key: int


def compile_machine(f: FieldSpec, m: StateMachine, key: int) -> Machine:
    states = tuple(str(v) for v in (f.constraints.enum or []))
    index = {s: i for i, s in enumerate(states)}
    k = len(states)
    init = np.zeros(k)
    for s, w in m.initial.items():
        init[index[s]] += w
    nxt = np.zeros((k, k + 1))
    for s in states:
        weights = m.transitions.get(s)
        if not weights:
            nxt[index[s], k] = 1.0  # no transitions: the sequence ends here
            continue
        for t, w in weights.items():
            nxt[index[s], k if t == END_STATE else index[t]] += w
    nxt = np.cumsum(nxt, axis=1) / nxt.sum(axis=1, keepdims=True)
    return Machine(states, np.cumsum(init) / init.sum(), nxt, key)


def simulate(machine: Machine, parent_block: int, n: int, longest: int) -> tuple[np.ndarray, np.ndarray]:
    """Paths of ``n`` parents (one parent block): their lengths, and their states in child order.

    One step per position, each vectorised over the block's parents; a path stops at the end state or after
    ``longest`` states. The second array lists every path's states one after the other (``lengths`` of them
    per parent), which is exactly the order of the child rows.
    """
    rng = block_rng(machine.key, parent_block)
    k = len(machine.states)
    longest = max(int(longest), 1)
    dtype = np.int8 if k < 127 else np.int16
    path = np.full((n, longest), -1, dtype=dtype)
    state = np.minimum(np.searchsorted(machine.initial_cdf, rng.random(n), side="right"), k - 1)
    path[:, 0] = state
    alive = np.ones(n, dtype=bool)
    for step in range(1, longest):
        u = rng.random(n)
        nxt = (u[:, None] >= machine.next_cdf[state, :-1]).sum(axis=1)
        alive &= nxt < k
        if not alive.any():
            break
        state = np.where(alive, nxt, state)
        path[alive, step] = state[alive]
    lengths = (path >= 0).sum(axis=1).astype(np.int64)
    return lengths, path


def machine_counts(machine: Machine, parent_block: int, card: np.ndarray, longest: int) -> np.ndarray:
    """Children per parent: the cardinality's count, cut where the parent's path ends."""
    lengths, _ = simulate(machine, parent_block, len(card), longest)
    return np.minimum(card, lengths)
