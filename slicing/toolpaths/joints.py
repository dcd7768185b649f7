"""Where open paths meet: their end points grouped into joints, shared by analysis and prepare.

A CAD export may draw one outline as ten thousand LINEs of 0.005 mm. Grouping every end
within the closing tolerance (0.1 mm) of another, transitively, would melt such an
outline into one point. So joints are found in two steps:

1. ends that coincide (within `COINCIDENT_MM`, far below any real segment) are one joint;
2. a loose end (a joint with one path) is joined to its nearest other loose end when each
   is the other's nearest and the gap is within `tol`: a small gap a person meant closed.
   Never transitive, so no chain of short segments collapses.

`joints(ends, tol)` gives each end its joint number; the analysis counts chains and loose
ends from it, `contours_from` snaps ends to their joint and merges the chains.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

COINCIDENT_MM = 1e-4


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    if len(pairs) == 0:
        return np.arange(n)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def joints(ends: np.ndarray, tol: float, lengths: np.ndarray | None = None) -> np.ndarray:
    """Joint number of each end. `ends` is (2k, 2): start and end of path k at 2k and 2k+1.

    `lengths` (per path) keeps a path shorter than a few tolerances from being closed on
    itself by the gap step (a stray dash is not a loop).
    """
    ends = np.asarray(ends, dtype=float).reshape(-1, 2)
    n = len(ends)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    tree = cKDTree(ends)
    node = _components(n, tree.query_pairs(COINCIDENT_MM, output_type="ndarray"))
    if tol <= COINCIDENT_MM or n < 2:
        return node
    degree = np.bincount(node)
    loose = np.flatnonzero(degree[node] == 1)
    if len(loose) < 2:
        return node
    # Chains after step 1 (components of the path graph), to refuse closing a tiny one on itself.
    path_graph = coo_matrix((np.ones(n // 2), (node[0::2], node[1::2])), shape=(len(degree), len(degree)))
    _, chain = connected_components(path_graph, directed=False)
    chain_length = np.zeros(chain.max() + 1)
    if lengths is not None:
        np.add.at(chain_length, chain[node[0::2]], np.asarray(lengths, dtype=float))
    dist, nearest = cKDTree(ends[loose]).query(ends[loose], k=2)
    partner = nearest[:, 1]
    mutual = (partner[partner] == np.arange(len(loose))) & (dist[:, 1] <= tol)
    a = np.flatnonzero(mutual & (np.arange(len(loose)) < partner))
    b = partner[a]
    same_chain = chain[node[loose[a]]] == chain[node[loose[b]]]
    if lengths is not None:
        keep = ~same_chain | (chain_length[chain[node[loose[a]]]] > 4 * tol)
        a, b = a[keep], b[keep]
    if len(a) == 0:
        return node
    links = np.column_stack([node[loose[a]], node[loose[b]]])
    merged = _components(len(degree), links)
    return merged[node]
