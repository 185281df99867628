"""Per-volunteer exclusion shared by point and box clustering.

A cluster keeps at most one mark per volunteer (the one with the best score, e.g. the
nearest to the cluster's centre) and needs marks from at least ``min_users`` distinct
volunteers; otherwise its marks become noise (label ``-1``). Labels are renumbered
``0..k-1`` in order of first appearance.

Examples
--------
>>> import numpy as np
>>> from jet_aggregate.members import one_mark_per_user
>>> labels = np.array([0, 0, 0, 1, 1])
>>> users = np.array(["a", "a", "b", "c", "c"])
>>> score = np.array([0.1, 0.5, 0.2, 0.0, 0.0])   # lower is better
>>> one_mark_per_user(labels, users, score, min_users=2).tolist()
[0, -1, 0, -1, -1]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["one_mark_per_user", "renumber"]


def renumber(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Labels renumbered ``0..k-1`` in order of first appearance; ``-1`` kept."""
    out = np.full(labels.shape, -1, dtype=np.int64)
    seen: dict[int, int] = {}
    for i, label in enumerate(labels.tolist()):
        if label >= 0:
            out[i] = seen.setdefault(label, len(seen))
    return out


def one_mark_per_user(
    labels: npt.ArrayLike, users: npt.ArrayLike, score: npt.ArrayLike, *, min_users: int
) -> npt.NDArray[np.int64]:
    """Keep one mark per volunteer per cluster (lowest ``score``), and clusters of ``min_users``+."""
    lab = np.asarray(labels, dtype=np.int64).copy()
    user = np.asarray(users, dtype=object)
    sc = np.asarray(score, dtype=np.float64)
    for k in np.unique(lab[lab >= 0]):
        idx = np.flatnonzero(lab == k)
        order = idx[np.lexsort((idx, sc[idx]))]  # best score first, ties by position
        kept: dict[object, int] = {}
        for i in order.tolist():
            if user[i] in kept:
                lab[i] = -1
            else:
                kept[user[i]] = i
        if len(kept) < min_users:
            lab[lab == k] = -1
    return renumber(lab)
