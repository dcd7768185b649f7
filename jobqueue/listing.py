"""Lists of jobs, paginated, in a fixed number of queries whatever the page size.

Showing a job needs its owner, its audit rows and its live progress. Loaded one job at a
time that is two lazy loads and a Redis GET per listed job (N+1: a 200-job list was 600
round trips). Here: the page's jobs in one query, owners and events by one `selectinload`
each, progress by one MGET (`live.latest_progress_many`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from jobqueue.models import Job

PER_PAGE = 50
MAX_PER_PAGE = 200


def with_details(query: Select) -> Select:
    """`select(Job)...` plus what showing the jobs needs, loaded in bulk."""
    return query.options(selectinload(Job.owner), selectinload(Job.events))


@dataclass(frozen=True)
class Page:
    items: list[Job]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    def meta(self) -> dict[str, Any]:
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "pages": self.pages}


def paginate(session: Session, query: Select, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of `query` (already ordered), with owners and events loaded, and the total count.

    A page past the end is empty (not an error): lists change while people page through them.
    """
    page, per_page = min(max(1, int(page)), 1_000_000), max(1, min(int(per_page), MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(with_details(query).limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
