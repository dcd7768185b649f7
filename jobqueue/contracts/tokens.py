"""API token bodies: GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{token_id}."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from jobqueue.contracts.api import RequestModel, Timestamp
from jobqueue.tokens import DEFAULT_DAYS, MAX_DAYS, token_status


class TokenCreateIn(RequestModel):
    name: str = Field("", max_length=64, description="what the token is for, e.g. 'atelier laptop'")
    days: int | None = Field(DEFAULT_DAYS, ge=1, le=MAX_DAYS, description="valid this many days")


class TokenOut(BaseModel):
    id: int
    name: str
    status: Literal["active", "expired", "revoked"]
    created_at: Timestamp | None = None
    expires_at: Timestamp | None = None
    last_used_at: Timestamp | None = None
    revoked_at: Timestamp | None = None

    @classmethod
    def of(cls, row) -> TokenOut:  # noqa: ANN001 - jobqueue.models.ApiToken
        return cls(id=row.id, name=row.name or "", status=token_status(row), created_at=row.created_at,
                   expires_at=row.expires_at, last_used_at=row.last_used_at, revoked_at=row.revoked_at)


class TokenCreated(TokenOut):
    token: str = Field(description="the bearer token: shown this once, only its digest is kept")


class TokenList(BaseModel):
    tokens: list[TokenOut]
