"""Lists of jobs, paginated, in a fixed number of queries whatever the page size.

Showing a job needs its owner, its audit rows and its live progress. Loaded one job at a
time that is two lazy loads and a Redis GET per listed job (N+1: a 200-job list was 600
round trips). Here: the page's jobs in one query, owners and events by one `selectinload`
each, progress by one MGET (`live.latest_progress_many`).

A list row (`paginate_summaries`) does not even read the analysis (7 KB of JSON a job, mostly
quotes): the verdict and the issue count come from the database's JSON functions, and the
big columns are not loaded (touching one raises, so a new N+1 shows up in the tests).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from jobqueue.models import Job, User

PER_PAGE = 50
MAX_PER_PAGE = 200


def with_details(query: Select) -> Select:
    """`select(Job)...` plus what showing the jobs needs, loaded in bulk."""
    return query.options(selectinload(Job.owner), selectinload(Job.events))


@dataclass(frozen=True)
class Page:
    items: list  # Job, or Row from paginate_summaries
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


def _bounds(page: int, per_page: int) -> tuple[int, int]:
    return min(max(1, int(page)), 1_000_000), max(1, min(int(per_page), MAX_PER_PAGE))


def _total(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _issue_count(dialect: str) -> ColumnElement:
    if dialect == "sqlite":
        # Rows written before NaN was kept out of the JSON columns would make SQLite's JSON
        # functions fail the whole list: such a row counts as no issue.
        return case((func.json_valid(Job.analysis) == 1, func.json_array_length(Job.analysis, "$.issues")),
                    else_=None)
    return func.json_array_length(Job.analysis["issues"])


# What a list row shows of a job: read as plain columns (no ORM objects: building one per row
# with its owner was most of a list request's cost, bench/web_load.py).
SUMMARY_COLUMNS = ("id", "filename", "process", "material", "machine_id", "state", "reason", "session_label",
                   "program_lines", "lines_acked", "created_at", "started_at", "finished_at")
Summary = namedtuple("Summary", SUMMARY_COLUMNS)


@dataclass(frozen=True)
class Row:
    """A job of a list page: `job` has the SUMMARY_COLUMNS as attributes (a database row, not
    a `Job`), `owner` its owner's name, and what the list shows of its analysis."""

    job: Any
    owner: str | None
    valid: bool | None
    issue_count: int


def paginate_summaries(session: Session, query: Select, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Like `paginate`, for list rows: items are `Row`s; the analysis and program columns stay unread."""
    page, per_page = _bounds(page, per_page)
    total = _total(session, query)
    dialect = session.get_bind().dialect.name
    valid = Job.analysis["valid"].as_boolean()
    if dialect == "sqlite":
        valid = case((func.json_valid(Job.analysis) == 1, valid), else_=None)
    light = (query.with_only_columns(*(getattr(Job, c) for c in SUMMARY_COLUMNS), User.username, valid,
                                     _issue_count(dialect), maintain_column_froms=True)
             .outerjoin(User, User.id == Job.owner_id))
    rows = session.execute(light.limit(per_page).offset((page - 1) * per_page)).all()
    n = len(SUMMARY_COLUMNS)
    items = [Row(Summary(*row[:n]), row[n], row[n + 1], row[n + 2] or 0) for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


def paginate(session: Session, query: Select, page: int = 1, per_page: int = PER_PAGE,
             details: Callable[[Select], Select] = with_details) -> Page:
    """One page of `query` (already ordered), with what `details` loads in bulk (owners and
    events by default), and the total count.

    A page past the end is empty (not an error): lists change while people page through them.
    """
    page, per_page = _bounds(page, per_page)
    total = _total(session, query)
    items = list(session.scalars(details(query).limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
