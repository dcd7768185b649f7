"""Open paths joined end to end: DXF files often draw one outline as many LINEs and ARCs.

End points are grouped into joints by `slicing.toolpaths.joints` (the rule prepare chains
by: coincident ends, then mutual nearest loose ends within `tol`); each open path is an edge between its two end nodes. A chain whose nodes all have two
edges is a closed contour; a node with one edge is a loose end, and the gap to the nearest
other loose end says whether it was meant to close.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from slicing.geometry import Drawing
from slicing.toolpaths.joints import joints


@dataclass
class Chains:
    count: int  # chains of open paths (each is one cut, one pierce)
    closed_chains: int
    loose_ends: np.ndarray  # (k, 2) points
    loose_sources: list[str | None]
    gaps: np.ndarray  # (k,) distance from each loose end to the nearest other loose end (inf if alone)


def open_chains(drawing: Drawing, tol: float = 0.01) -> Chains:
    opened = [i for i, p in enumerate(drawing.paths)
              if not p.closed and len(p.points) >= 2 and np.isfinite(p.points[[0, -1]]).all()]
    if not opened:
        return Chains(0, 0, np.zeros((0, 2)), [], np.zeros(0))
    ends = np.array([[drawing.paths[i].points[0], drawing.paths[i].points[-1]] for i in opened]).reshape(-1, 2)
    lengths = np.array([drawing.paths[i].length_mm() for i in opened])
    node = joints(ends, tol, lengths)  # endpoint -> joint: the very rule prepare chains by
    degree = np.bincount(node, minlength=node.max() + 1)
    # chains: components of the path graph (nodes linked by paths)
    path_graph = coo_matrix((np.ones(len(opened)), (node[0::2], node[1::2])), shape=(len(degree), len(degree)))
    n_comp, comp = connected_components(path_graph, directed=False)
    used = np.unique(comp[node])
    loose_mask = degree[node] == 1
    loose = ends[loose_mask]
    loose_comp = comp[node[loose_mask]]
    closed_chains = int(len(used) - len(np.unique(loose_comp)))
    gaps = np.full(len(loose), np.inf)
    if len(loose) > 1:
        d, j = cKDTree(loose).query(loose, k=2)
        gaps = d[:, 1]
    sources = [drawing.paths[opened[k // 2]].source for k in np.flatnonzero(loose_mask)]
    return Chains(int(len(used)), closed_chains, loose, sources, gaps)
