"""API tokens through the API (the account page and scripts): list, create, revoke one's own.

A token is made by a person logged in (session + CSRF header) or with the CLI, never by
another token: a short-lived token must not mint itself a long-lived successor.
"""

from __future__ import annotations

from flask import Blueprint, g

from jobqueue import tokens
from jobqueue.contracts.tokens import TokenCreated, TokenCreateIn, TokenList, TokenOut
from web.api import api_error, authenticated
from web.validation import api_route

api_tokens = Blueprint("api_tokens", __name__, url_prefix="/api/v1")


@api_tokens.get("/tokens")
@authenticated
@api_route(resp={200: TokenList}, tags=["tokens"])
def list_tokens():  # noqa: ANN201
    """The caller's API tokens, newest first (revoked and expired ones with their dates)"""
    return TokenList(tokens=[TokenOut.of(row) for row in tokens.list_tokens(g.db, g.user)])


@api_tokens.post("/tokens")
@authenticated
@api_route(json=TokenCreateIn, resp={201: TokenCreated}, tags=["tokens"])
def create_token(json: TokenCreateIn):  # noqa: ANN201, A002
    """Make a named API token for the caller (from a logged-in session, not from a token)"""
    if g.auth == "token":
        return api_error("tokens are made from a logged-in session or with `fablab token create`", 403,
                         "session_required")
    secret, row = tokens.issue_token(g.db, g.user, json.name, json.days)
    return TokenCreated(**TokenOut.of(row).model_dump(), token=secret), 201


@api_tokens.delete("/tokens/<int:token_id>")
@authenticated
@api_route(resp={200: TokenOut}, tags=["tokens"])
def revoke_token(token_id: int):  # noqa: ANN201
    """Revoke one of the caller's tokens (it stops working at once)"""
    try:
        row = tokens.revoke_token(g.db, g.user, token_id)
    except tokens.TokenError:
        return api_error(f"no token {token_id}", 404, "not_found")
    return TokenOut.of(row)
