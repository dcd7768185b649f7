"""The shape of one registry entry (`IssueText`) and the extraction markers `N_`/`Nn_`, shared
by the issue registries (web/issue_messages.py, web/issue_messages_files.py) so each can be
its own small module without importing the other."""

from __future__ import annotations

from dataclasses import dataclass


def N_(msgid: str) -> str:  # noqa: N802 - gettext's "mark for extraction"
    return msgid


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - a plural msgid pair
    return singular, plural


@dataclass(frozen=True)
class IssueText:
    message: str | tuple[str, str]
    hint: str = ""
    count: str | None = None  # the parameter that chooses singular or plural
    # (parameter, sentence added when it is true, sentence added when false): a whole sentence
    # each, so French never has to glue fragments.
    then: tuple[tuple[str, str, str], ...] = ()
