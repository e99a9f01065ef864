"""Optimal pairing of expected and actual calls (pure, no dependencies).

`min_cost_assignment` is the O(n²m) Hungarian algorithm (shortest augmenting paths with
potentials) for a rectangular cost matrix; `ordered_alignment` is the order-preserving
variant (a weighted longest common subsequence) used by `order: strict`.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["min_cost_assignment", "ordered_alignment"]

_INF = float("inf")


def min_cost_assignment(cost: Sequence[Sequence[float]]) -> list[int | None]:
    """Return, for each row, the column assigned to it so the total cost is minimal.

    Every row gets a column when rows ≤ columns; otherwise every column gets a row and
    the remaining rows get None. All costs must be finite.
    """
    n = len(cost)
    m = len(cost[0]) if n else 0
    if n == 0 or m == 0:
        return [None] * n
    if n > m:  # solve the transpose so rows ≤ columns
        cols = min_cost_assignment([[cost[i][j] for i in range(n)] for j in range(m)])
        rows: list[int | None] = [None] * n
        for j, i in enumerate(cols):
            if i is not None:
                rows[i] = j
        return rows
    # e-maxx formulation, 1-based with a virtual column 0
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [_INF] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = _INF
            j1 = 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    result: list[int | None] = [None] * n
    for j in range(1, m + 1):
        if p[j]:
            result[p[j] - 1] = j - 1
    return result


def ordered_alignment(cost: Sequence[Sequence[float | None]]) -> list[int | None]:
    """Return an order-preserving pairing of rows to columns.

    `cost[i][j]` is None where row i cannot pair with column j. The pairing maximises the
    number of pairs first and minimises their total cost second, subject to pairs being
    increasing in both row and column.
    """
    n = len(cost)
    m = len(cost[0]) if n else 0
    # best[i][j] = (pairs, -cost) achievable with rows i.. and columns j..
    best = [[(0, 0.0)] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            cand = max(best[i + 1][j], best[i][j + 1])
            c = cost[i][j]
            if c is not None:
                pairs, neg = best[i + 1][j + 1]
                cand = max(cand, (pairs + 1, neg - c))
            best[i][j] = cand
    result: list[int | None] = [None] * n
    i = j = 0
    while i < n and j < m:
        c = cost[i][j]
        if c is not None:
            pairs, neg = best[i + 1][j + 1]
            if best[i][j] == (pairs + 1, neg - c):
                result[i] = j
                i += 1
                j += 1
                continue
        if best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return result
