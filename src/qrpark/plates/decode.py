"""CTC decoding for the Korean recogniser, constrained by the plate grammar.

The model gives log-probabilities per column. Greedy (best-path) decoding is tried first; when the
greedy string is a valid plate it is also the best valid path. Otherwise a Viterbi search runs over
(grammar state, last frame label) pairs and returns the most probable frame labelling whose
collapsed string the grammar accepts.

The search first runs over a pruned lattice below a floor: the greedy score less ``_DELTA``, or
the score a caller's other read already has. In each column it keeps only the labels through
which a path could still reach the floor (the label plus every other column's best), so every
path it drops scores below the floor, and a valid path it finds at or above the floor is the
best valid path of the whole lattice: the answer is exact. A trained model's columns are
peaked, so the pruned lattice holds one or two labels per column and a plain loop over it is far
cheaper than the vectorised search over every label, which stays for the cases the floor does
not settle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qrpark.plates.domain import (
    GRAMMAR,
    GRAMMAR_ACCEPT,
    GRAMMAR_START,
    TOKEN_INDEX,
    TOKENS,
    grammar_accepts,
    token_kind,
)

F32 = npt.NDArray[np.float32]

_STATES = list(GRAMMAR)
_STATE_INDEX = {s: i for i, s in enumerate(_STATES)}
_KINDS = sorted({k for edges in GRAMMAR.values() for k in edges})
#: Token ids of each kind (index 0, the blank, belongs to none).
_KIND_IDS = {
    k: np.array([i for i, t in enumerate(TOKENS) if i and token_kind(t) == k]) for k in _KINDS
}
_NEG = -1e30


def _edges() -> npt.NDArray[np.bool_]:
    """``[g, g2, l - 1]``: the grammar moves from state g to g2 on emitting label l (not blank)."""
    edges = np.zeros((len(_STATES), len(_STATES), len(TOKENS) - 1), bool)
    for kind, ids in _KIND_IDS.items():
        for state, moves in GRAMMAR.items():
            if kind in moves:
                edges[_STATE_INDEX[state], _STATE_INDEX[moves[kind]], ids - 1] = True
    return edges


_EDGES = _edges()


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded string with its tokens, per-token confidences and path log-probability."""

    text: str
    tokens: tuple[str, ...]
    char_confidences: tuple[float, ...]
    log_prob: float
    valid: bool

    @property
    def confidence(self) -> float:
        """The weakest character's confidence (0 for an empty read)."""
        return min(self.char_confidences) if self.char_confidences else 0.0


def _collapse(path: npt.NDArray[np.int64], probs: F32) -> tuple[list[str], list[float]]:
    tokens: list[str] = []
    confs: list[float] = []
    prev = 0
    for t, k in enumerate(path.tolist()):
        if k not in (0, prev):
            tokens.append(TOKENS[k])
            confs.append(float(probs[t, k]))
        elif k != 0 and k == prev:
            confs[-1] = max(confs[-1], float(probs[t, k]))
        prev = k
    return tokens, confs


def _result(path: npt.NDArray[np.int64], log_probs: F32, start: str) -> Decoded:
    probs = np.exp(log_probs)
    tokens, confs = _collapse(path, probs)
    score = float(log_probs[np.arange(len(path)), path].sum())
    valid = bool(tokens) and grammar_accepts(tokens, start)
    return Decoded("".join(tokens), tuple(tokens), tuple(confs), score, valid)


def greedy(log_probs: F32, start: str = GRAMMAR_START) -> Decoded:
    """Unconstrained best path (valid when the grammar accepts it from ``start``)."""
    return _result(np.argmax(log_probs, axis=1).astype(np.int64), log_probs, start)


def constrained(log_probs: F32, beat: float | None = None, start: str = GRAMMAR_START) -> Decoded:
    """Best path whose collapsed string the Korean plate grammar accepts from ``start``
    (``GRAMMAR_START_REGIONAL``: only plates that begin with their region).

    Falls back to the greedy read (marked invalid) when no valid path fits in the columns. With
    ``beat``, only valid paths scoring at least ``beat`` are looked for, and the greedy read is
    returned (invalid) when there is none: a caller holding a valid read that scores ``beat``
    has no use for a worse one.
    """
    first = greedy(log_probs, start)
    if first.valid or (beat is not None and first.log_prob < beat):
        return first
    # The greedy path's score is every column's best: no path scores more.
    floor = first.log_prob - _DELTA if beat is None else beat
    settled, path = _pruned_search(log_probs, floor, start)
    if path is not None:
        return _result(path, log_probs, start)
    if settled and beat is not None:
        return first
    # Too many labels within reach, or (with no beat) no valid path within _DELTA of greedy.
    best = _full_search(log_probs, start)
    if best is None or (beat is not None and best.log_prob < beat):
        return first
    return best


#: The pruned search's margin below the greedy score when the caller gives no ``beat``.
_DELTA = 12.0
#: Labels over all columns above which the pruned search gives way to the vectorised one.
_PRUNED_LABELS = 160


def _transitions() -> tuple[list[list[int]], list[int]]:
    """``next[g][l]``: the state after emitting label l (not blank) in state g, or -1; and
    ``need[g]``: the fewest tokens that take state g to the accepting state (a large number
    where none does)."""
    nxt = [[-1] * len(TOKENS) for _ in _STATES]
    for g, g2, label in zip(*np.nonzero(_EDGES), strict=True):
        nxt[int(g)][int(label) + 1] = int(g2)
    unreachable = len(_STATES) + 1
    need = [unreachable] * len(_STATES)
    need[_STATE_INDEX[GRAMMAR_ACCEPT]] = 0
    for _ in _STATES:
        for state, moves in GRAMMAR.items():
            g = _STATE_INDEX[state]
            for target in moves.values():
                need[g] = min(need[g], need[_STATE_INDEX[target]] + 1)
    return nxt, need


_NEXT, _NEED = _transitions()


def _pruned_search(
    log_probs: F32, floor: float, start_state: str = GRAMMAR_START
) -> tuple[bool, npt.NDArray[np.int64] | None]:
    """The best valid frame labelling from ``start_state`` among those scoring at least
    ``floor``, if the search is small enough to run as a plain loop.

    Returns ``(False, None)`` when too many labels come within reach of ``floor`` (the caller
    runs the full search), ``(True, None)`` when no valid path scores ``floor`` or more, and
    ``(True, path)`` otherwise: every path at or above ``floor`` was considered, so ``path``
    is the best valid one of the whole lattice.
    """
    n_t = log_probs.shape[0]
    top = log_probs.max(axis=1).astype(np.float64)
    total = float(top.sum())
    # A path through (t, l) scores at most lp[t, l] plus every other column's best.
    keep = log_probs + (total - top)[:, None] >= floor
    if int(np.count_nonzero(keep)) > _PRUNED_LABELS:
        return False, None
    ts, ls = np.nonzero(keep)
    columns: list[list[tuple[int, float]]] = [[] for _ in range(n_t)]
    for t, label, value in zip(
        ts.tolist(), ls.tolist(), log_probs[ts, ls].astype(np.float64).tolist(), strict=True
    ):
        columns[t].append((label, value))
    rest = (np.cumsum(top[::-1])[::-1] - top).tolist()  # the best of the columns after t
    start = _STATE_INDEX[start_state]
    cur: dict[tuple[int, int], float] = {}
    for label, value in columns[0]:
        g = start if label == 0 else _NEXT[start][label]
        if g >= 0 and _NEED[g] < n_t and value + rest[0] >= floor:
            cur[(g, label)] = value
    backs: list[dict[tuple[int, int], tuple[int, int]]] = []
    for t in range(1, n_t):
        left = n_t - 1 - t
        bound = floor - rest[t]
        new: dict[tuple[int, int], float] = {}
        back: dict[tuple[int, int], tuple[int, int]] = {}
        for (g, last), score in cur.items():
            moves = _NEXT[g]
            for label, value in columns[t]:
                g2 = g if label in (0, last) else moves[label]
                total_here = score + value
                if g2 < 0 or _NEED[g2] > left or total_here < bound:
                    continue
                key = (g2, label)
                if total_here > new.get(key, _NEG):
                    new[key] = total_here
                    back[key] = (g, last)
        if not new:
            return True, None
        backs.append(back)
        cur = new
    # Only keys that need no more tokens are left: every one is in the accepting state.
    key = max(cur, key=lambda k: cur[k])
    path = [key[1]]
    for back in reversed(backs):
        key = back[key]
        path.append(key[1])
    return True, np.array(path[::-1], np.int64)


def _moves() -> tuple[npt.NDArray[np.intp], ...]:
    """Every grammar move (from state, to state, label), ordered by its target (to state, label)
    and then by source state: per move its source state, its label and its target's index; per
    target where its moves begin in that order, its state and its label."""
    src, dst, label = np.nonzero(_EDGES)
    label = label + 1
    order = np.lexsort((src, label, dst))
    src, dst, label = src[order], dst[order], label[order]
    starts = np.flatnonzero(np.r_[True, (dst[1:] != dst[:-1]) | (label[1:] != label[:-1])])
    target = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(src)]))
    return src, label, target, starts, dst[starts], label[starts]


_MOVE_SRC, _MOVE_LABEL, _MOVE_TARGET, _TARGET_STARTS, _TARGET_STATE, _TARGET_LABEL = _moves()


def _full_search(log_probs: F32, start_state: str = GRAMMAR_START) -> Decoded | None:
    """The vectorised Viterbi search over every (grammar state, label) pair: the best valid
    path from ``start_state``, or None when none fits in the columns.

    A new token moves along the grammar's moves (``_moves``: a few hundred, where a dense
    array of every state to every state and label holds ten thousand); each target (state,
    label) takes its best move, from the lowest source state on a tie."""
    n_t, n_c = log_probs.shape
    n_g = len(_STATES)
    states = np.arange(n_g)
    # score[g, l]: best log-prob of a prefix ending in grammar state g with frame label l.
    score = np.full((n_g, n_c), _NEG, np.float64)
    # (previous g, previous l), first as if every label were held in its state from the column
    # before: each column then writes only its blanks and its moves.
    back = np.empty((n_t, n_g, n_c, 2), np.int32)
    back[..., 0] = states[:, None]
    back[..., 1] = np.arange(n_c)
    lp = log_probs.astype(np.float64)
    start = _STATE_INDEX[start_state]
    score[start, 0] = lp[0, 0]
    back[0] = 0
    back[0, start, 0] = (start, 0)
    for kind, ids in _KIND_IDS.items():
        nxt = GRAMMAR[start_state].get(kind)
        if nxt is not None:
            g2 = _STATE_INDEX[nxt]
            score[g2, ids] = lp[0, ids]
            back[0, g2, ids, 0] = start
            back[0, g2, ids, 1] = 0
    src, labels = _MOVE_SRC, _MOVE_LABEL
    order = np.arange(len(src))
    to_g, to_l = _TARGET_STATE, _TARGET_LABEL
    for t in range(1, n_t):
        step = back[t]
        best_l = np.argmax(score, axis=1)
        best_v = score[states, best_l]
        # The best predecessor label that differs from a given label: the best, or for the best
        # label itself the runner-up (the same label again would be a repeat, not a new token).
        top2 = np.argpartition(score, -2, axis=1)[:, -2:]
        runner_l = np.where(top2[:, 1] == best_l, top2[:, 0], top2[:, 1])
        same = labels == best_l[src]
        prev_l = np.where(same, runner_l[src], best_l[src])
        moves = np.where(same, score[src, runner_l[src]], best_v[src]) + lp[t, labels]
        # Each target's best move: its highest score, from the lowest source on a tie (the
        # moves are ordered by source within a target).
        top = np.maximum.reduceat(moves, _TARGET_STARTS)
        hit = np.where(moves == top[_MOVE_TARGET], order, len(order))
        win = np.minimum.reduceat(hit, _TARGET_STARTS)
        new = score + lp[t]  # the same label again, same state
        new[:, 0] = best_v + lp[t, 0]  # a blank after anything
        step[:, 0, 1] = best_l
        better = top > new[to_g, to_l]
        g2, l2, w = to_g[better], to_l[better], win[better]
        new[g2, l2] = top[better]
        step[g2, l2, 0] = src[w]
        step[g2, l2, 1] = prev_l[w]
        score = new
    acc = _STATE_INDEX[GRAMMAR_ACCEPT]
    end_l = int(np.argmax(score[acc]))
    if score[acc, end_l] <= _NEG / 2:
        return None
    return _result(_backtrack(back, acc, end_l), log_probs, start_state)


def _backtrack(back: npt.NDArray[np.int32], state: int, label: int) -> npt.NDArray[np.int64]:
    """Frame labels of the best path ending in (state, label), from the back-pointers."""
    n_t = back.shape[0]
    path = np.zeros(n_t, np.int64)
    for t in range(n_t - 1, -1, -1):
        path[t] = label
        state, label = (int(v) for v in back[t, state, label])
    return path


def _framed(labels: list[int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """The CTC states of a text: its labels with a blank before, between and after them, and
    per state whether a path may reach it from two states back, skipping the blank between,
    as it may where the two labels differ."""
    ext = np.zeros(2 * len(labels) + 1, np.int64)
    ext[1::2] = labels
    skip = np.zeros(len(ext), bool)
    skip[2:] = (ext[2:] != 0) & (ext[2:] != ext[:-2])
    return ext, skip


def _forced(
    log_probs: F32, tokens: tuple[str, ...], back: npt.NDArray[np.int8] | None = None
) -> tuple[float, int, npt.NDArray[np.int64]]:
    """The best score of a path that collapses to exactly ``tokens`` (a Viterbi pass over the
    text's states, ``_framed``), the state it ends in and the states' labels. With ``back``
    (columns × states), each state's best predecessor is written into it: how many states back
    it lies (0, 1 or 2)."""
    ext, skip = _framed([TOKEN_INDEX[t] for t in tokens])
    n_s = len(ext)
    no_jump = np.where(skip, 0.0, -np.inf)
    emit = np.asarray(log_probs, np.float64)[:, ext]
    score = np.full(n_s, -np.inf)
    score[: min(2, n_s)] = emit[0, : min(2, n_s)]
    step = np.full(n_s, -np.inf)  # from the state before
    jump = np.full(n_s, -np.inf)  # from two states before, over a blank
    for t in range(1, emit.shape[0]):
        step[1:] = score[:-1]
        jump[2:] = score[:-2]
        jump += no_jump
        if back is None:
            np.maximum(score, step, out=score)
            np.maximum(score, jump, out=score)
        else:
            stepped = step > score
            np.maximum(score, step, out=score)
            jumped = jump > score
            np.maximum(score, jump, out=score)
            back[t] = np.where(jumped, 2, stepped)
        score += emit[t]
    end = n_s - 1 if n_s == 1 or score[-1] >= score[-2] else n_s - 2
    return float(score[end]), end, ext


def aligned_log_prob(log_probs: F32, tokens: tuple[str, ...]) -> float:
    """The log-probability of the best path whose collapsed string is exactly ``tokens`` (a
    forced alignment): how well these columns hold a text another view read, whatever their
    own best read is. Minus infinity where the columns are too few to spell it (a repeated label
    needs a blank between its copies)."""
    return _forced(log_probs, tokens)[0]


def aligned(log_probs: F32, tokens: tuple[str, ...], start: str = GRAMMAR_START) -> Decoded:
    """The best path whose collapsed string is exactly ``tokens``, with its characters'
    confidences (``aligned_log_prob``'s path); marked invalid, with a log-probability of minus
    infinity, where the columns cannot spell the text."""
    n_t = len(log_probs)
    back = np.zeros((n_t, 2 * len(tokens) + 1), np.int8)
    score, state, ext = _forced(log_probs, tokens, back)
    if not np.isfinite(score):
        return Decoded("".join(tokens), tokens, (0.0,) * len(tokens), -np.inf, False)
    path = np.zeros(n_t, np.int64)
    for t in range(n_t - 1, -1, -1):
        path[t] = ext[state]
        state -= int(back[t, state])
    return _result(path, np.asarray(log_probs), start)


def text_log_posterior(log_probs: F32, labels: list[int]) -> npt.NDArray[np.float64]:
    """log P(``labels`` | columns) of each view in ``log_probs`` (views × columns × tokens):
    the probability of the string summed over every frame labelling that collapses to it (the
    CTC forward pass), where a path's score is one labelling's alone.

    A read whose characters the columns also spread over other labellings of other strings
    scores less here than its best path suggests; one the columns agree on scores about its
    characters' probabilities multiplied."""
    lps = np.asarray(log_probs, np.float64)
    ext, skip = _framed(labels)
    emit = lps[:, :, ext]
    alpha = np.full((lps.shape[0], len(ext)), -np.inf)
    alpha[:, 0] = emit[:, 0, 0]
    if len(ext) > 1:
        alpha[:, 1] = emit[:, 0, 1]
    stay = np.empty_like(alpha)
    for t in range(1, lps.shape[1]):
        stay[:, 0] = alpha[:, 0]
        stay[:, 1:] = np.logaddexp(alpha[:, 1:], alpha[:, :-1])
        stay[:, 2:][:, skip[2:]] = np.logaddexp(stay[:, 2:], alpha[:, :-2])[:, skip[2:]]
        alpha = stay + emit[:, t]
    ends = alpha[:, -1] if len(ext) == 1 else np.logaddexp(alpha[:, -1], alpha[:, -2])
    return np.asarray(ends, np.float64)
