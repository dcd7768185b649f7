"""E-mail for notifications, sent by a queue task (`deliver_pending`, run by an analysis worker),
worded in each user's language from the page catalogs (no Flask app: web.i18n_notify), dated in
the fablab's time zone. SMTP settings: FABLAB_SMTP_* (see jobqueue.notifications.mail_settings);
without FABLAB_SMTP_HOST no e-mail is queued."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from jobqueue import notifications
from jobqueue.context import Context
from jobqueue.models import User
from jobqueue.models_people import Notification
from web.i18n_notify import dated, language_of, local_time, notification_text

log = logging.getLogger(__name__)


def _timezone(ctx: Context) -> str | None:
    try:
        return ctx.spec().timezone
    except Exception:  # noqa: BLE001 - the e-mail still goes, dated in the default zone
        log.exception("machines.yaml unreadable: e-mails dated in the default time zone")
        return None


def _message(note: Notification, user: User, settings: notifications.MailSettings, tz: str | None) -> EmailMessage:
    lang = language_of(user.language)
    subject, body = notification_text(note.kind, note.params or {}, lang)
    link = f"{settings.base_url}/jobs/{note.job_id}" if note.job_id else f"{settings.base_url}/notifications"
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = user.email
    msg["Date"] = format_datetime(local_time(note.created_at, tz))
    msg["Message-ID"] = make_msgid(domain="fablab")
    msg.set_content(f"{body}\n\n{link}\n\n{dated(note.created_at, lang, tz)}\n")
    msg["Content-Language"] = lang  # after set_content, which resets the Content-* headers
    return msg


def deliver_pending(limit: int = 50) -> int:
    """Send the pending e-mails; each is marked sent or failed (never sent twice)."""
    settings = notifications.mail_settings()
    if settings is None:
        return 0
    sent = 0
    ctx = Context.from_env()
    tz = _timezone(ctx)
    with ctx.session() as s:
        notes = notifications.claim_pending(s, limit)
        if not notes:
            return 0
        try:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
        except OSError as exc:
            log.error("SMTP %s:%s unreachable: %s", settings.host, settings.port, exc)
            for note in notes:
                note.email_state = "pending"  # tried again by the next task
            return 0
        with smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user and settings.password:
                smtp.login(settings.user, settings.password)
            for note in notes:
                user = s.get(User, note.user_id)
                try:
                    smtp.send_message(_message(note, user, settings, tz))
                except (smtplib.SMTPException, OSError) as exc:
                    log.error("e-mail notification %s to user %s failed: %s", note.id, note.user_id, exc)
                    note.email_state = "failed"
                    continue
                note.email_state = "sent"
                sent += 1
    return sent
