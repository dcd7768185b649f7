"""E-mail notifications are worded by the e-mail task without a Flask app, through the gettext
catalogs, in each recipient's language, dated in the fablab's time zone; read back from a real
SMTP server (aiosmtpd)."""

from __future__ import annotations

import email.utils
import io
from zoneinfo import ZoneInfo

import flask

from jobqueue import notifications, reasons, services
from jobqueue.models import User
from jobqueue.models_people import Notification

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="50mm" height="40mm"><rect width="40" height="30"/></svg>'


def test_mail_in_each_language_with_coded_reasons_and_local_dates(fablab_env, people, smtp) -> None:  # noqa: ANN001
    from web.mail import deliver_pending

    ctx = fablab_env
    tz = ZoneInfo(ctx.spec().timezone)
    with ctx.session() as s:
        fr, en = s.get(User, people["a3"]), s.get(User, people["a2"])
        job = services.submit_job(s, ctx.redis(), ctx.store, ctx.spec(), fr, io.BytesIO(SVG), "plaque.svg", "laser")
        why = reasons.make(reasons.RUN_INTERRUPTED, cause="timeout", line=120)
        for user in (fr, en):
            notifications.notify(s, user, "failed", job, job=job.id, filename="plaque.svg", reason=why)
        notifications.notify(s, fr, "awaiting_clearance", job, job=job.id, machine="laser-1")
        s.commit()
        created = {n.id: n.created_at for n in s.query(Notification)}
    assert not flask.has_app_context()
    assert deliver_pending() == 3
    [clear_fr, fail_fr] = sorted(smtp.to("a3@example.org"), key=lambda m: m["Subject"])
    [fail_en] = smtp.to("a2@example.org")
    assert fail_fr["Subject"] == f"Travail n° {job.id} en échec" and fail_fr["Content-Language"] == "fr"
    body = fail_fr.get_payload(decode=True).decode()
    assert "La fabrication de « plaque.svg » a échoué : Exécution interrompue après la ligne 120 : " \
           "il a dépassé sa durée limite." in body
    assert clear_fr["Subject"] == "Machine laser-1 à libérer"
    assert fail_en["Subject"] == f"Job #{job.id} failed" and fail_en["Content-Language"] == "en"
    assert "failed: Run interrupted after line 120: it ran past its time limit." in \
           fail_en.get_payload(decode=True).decode()
    # dated in the fablab's zone: the Date header's offset and the body's hour are Paris'
    first = created[min(created)].replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
    sent = email.utils.parsedate_to_datetime(fail_fr["Date"])
    assert sent.utcoffset() == first.utcoffset()
    assert f"Notification du {first.day} " in body and f" à {first:%H:%M}." in body
