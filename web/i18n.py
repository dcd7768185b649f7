"""French first, English available: a small dictionary of page strings and the language choice.

The language lives in the session (and on the user's record once logged in), so a trainee who
switches to English keeps it on every page. Messages from the analysis come as `{fr, en}`
dicts and are picked with `pick()`; page strings go through `t()`.
"""

from __future__ import annotations

from typing import Any

from flask import session
from flask_login import current_user

LANGUAGES = ("fr", "en")
DEFAULT = "fr"

# key -> (French, English). Keep keys short and grouped by page.
STRINGS: dict[str, tuple[str, str]] = {
    # navigation and common words
    "nav.upload": ("Déposer un fichier", "Upload a file"),
    "nav.my_jobs": ("Mes travaux", "My jobs"),
    "nav.queue": ("File d'attente", "Queue"),
    "nav.machines": ("Machines", "Machines"),
    "nav.trainer": ("Formation", "Training"),
    "nav.logout": ("Déconnexion", "Log out"),
    "nav.language": ("Langue", "Language"),
    "login.title": ("Connexion", "Log in"),
    "login.username": ("Identifiant", "Username"),
    "login.password": ("Mot de passe", "Password"),
    "login.submit": ("Se connecter", "Log in"),
    "login.bad": ("Identifiant ou mot de passe incorrect.", "Wrong username or password."),
    "common.none": ("aucun", "none"),
    "common.job": ("Travail", "Job"),
    "common.file": ("Fichier", "File"),
    "common.owner": ("Auteur", "Owner"),
    "common.process": ("Procédé", "Process"),
    "common.material": ("Matériau", "Material"),
    "common.machine": ("Machine", "Machine"),
    "common.state": ("État", "State"),
    "common.progress": ("Avancement", "Progress"),
    "common.session": ("Session", "Session"),
    "common.created": ("Déposé le", "Uploaded"),
    "common.reason": ("Motif", "Reason"),
    "common.open": ("Ouvrir", "Open"),
    "common.empty": ("Rien pour l'instant.", "Nothing yet."),
    "common.seconds": ("s", "s"),
    # processes
    "process.fdm": ("Impression 3D (FDM)", "3D printing (FDM)"),
    "process.laser": ("Découpe laser", "Laser cutting"),
    "process.cnc": ("Fraiseuse CNC", "CNC router"),
    "process.vinyl": ("Découpe vinyle", "Vinyl cutting"),
    # states
    "state.submitted": ("déposé", "submitted"),
    "state.analysing": ("en analyse", "analysing"),
    "state.invalid": ("inutilisable", "invalid"),
    "state.pending_review": ("en attente de validation", "pending review"),
    "state.rejected": ("refusé", "rejected"),
    "state.sent_back": ("à corriger", "sent back"),
    "state.preparing": ("préparation", "preparing"),
    "state.ready": ("prêt", "ready"),
    "state.running": ("en cours", "running"),
    "state.paused": ("en pause", "paused"),
    "state.completed": ("terminé", "completed"),
    "state.failed": ("échec", "failed"),
    "state.cancelled": ("annulé", "cancelled"),
    "state.offline": ("hors ligne", "offline"),
    "state.idle": ("libre", "idle"),
    "sev.error": ("erreur", "error"),
    "sev.warning": ("attention", "warning"),
    "sev.info": ("info", "info"),
    # upload
    "upload.title": ("Déposer un fichier", "Upload a file"),
    "upload.intro": ("Fichiers acceptés : STL (impression 3D), DXF et SVG (laser, CNC, vinyle).",
                     "Accepted files: STL (3D printing), DXF and SVG (laser, CNC, vinyl)."),
    "upload.file": ("Fichier", "File"),
    "upload.process": ("Procédé", "Process"),
    "upload.material": ("Matériau", "Material"),
    "upload.session": ("Session d'atelier (facultatif)", "Workshop session (optional)"),
    "upload.session_help": ("Pour les stagiaires : le nom donné par le formateur.",
                            "For trainees: the name your trainer gave."),
    "upload.submit": ("Envoyer", "Send"),
    "upload.need_file": ("Choisissez un fichier.", "Choose a file."),
    "upload.sent": ("Fichier reçu : l'analyse commence.", "File received: the analysis starts."),
    # my jobs
    "jobs.title": ("Mes travaux", "My jobs"),
    "jobs.all_title": ("Tous les travaux", "All jobs"),
    # job page
    "job.title": ("Travail n° {id}", "Job #{id}"),
    "job.verdict_ok": ("Fichier utilisable", "File usable"),
    "job.verdict_bad": ("Fichier inutilisable en l'état", "File not usable as it is"),
    "job.verdict_wait": ("Analyse en attente…", "Analysis pending…"),
    "job.issues": ("Ce qu'il faut savoir", "What to know"),
    "job.no_issues": ("Aucun problème trouvé.", "No problem found."),
    "job.hint": ("Que faire", "What to do"),
    "job.where": ("Où", "Where"),
    "job.metrics": ("Mesures", "Measurements"),
    "job.more_metrics": ("Détails techniques", "Technical details"),
    "job.quotes": ("Devis", "Quotes"),
    "job.quote_total": ("Total", "Total"),
    "job.quote_subtotal": ("Sous-total", "Subtotal"),
    "job.quote_nofit": ("Ne rentre pas :", "Does not fit:"),
    "job.quote_time": ("Durée estimée", "Estimated time"),
    "job.preview": ("Aperçu", "Preview"),
    "job.preview_none": ("Pas d'aperçu disponible.", "No preview available."),
    "job.program": ("Programme machine", "Machine program"),
    "job.program_format": ("Format", "Format"),
    "job.program_lines": ("Lignes", "Lines"),
    "job.program_estimate": ("Durée estimée", "Estimated time"),
    "job.model_estimate": ("Modèle du firmware (brut)", "Firmware model (raw)"),
    "job.preslice_estimate": ("Estimation au dépôt (avant préparation)", "Estimate at upload (before preparation)"),
    "job.calibration": ("correction de la machine ×{factor} apprise sur {runs} travaux, écart restant {error} %",
                        "machine correction ×{factor} learnt from {runs} runs, remaining error {error} %"),
    "machines.calibration": ("Durées : ×{factor} d'après {runs} travaux terminés (écart {before} % → {after} %)",
                             "Times: ×{factor} from {runs} completed runs (error {before} % → {after} %)"),
    "machines.calibration_none": ("Durées : pas encore de correction ({runs}/{need} travaux terminés)",
                                  "Times: no correction yet ({runs}/{need} completed runs)"),
    "job.lines": ("lignes", "lines"),
    "job.eta": ("reste", "remaining"),
    "job.layer": ("Couche", "Layer"),
    "job.history": ("Historique", "History"),
    "job.controls": ("Commandes", "Controls"),
    "job.pause": ("Pause", "Pause"),
    "job.resume": ("Reprendre", "Resume"),
    "job.cancel": ("Annuler", "Cancel"),
    "job.retry": ("Reprendre au point de reprise", "Retry from checkpoint"),
    "job.retry_line": ("depuis la ligne", "from line"),
    "job.sent": ("Commande envoyée.", "Command sent."),
    "job.when": ("Quand", "When"),
    "job.who": ("Qui", "Who"),
    "job.change": ("Changement", "Change"),
    # queue
    "queue.title": ("File d'attente", "Queue"),
    "queue.pending": ("À valider", "To review"),
    "queue.valid": ("Valide", "Valid"),
    "queue.issues": ("Problèmes", "Issues"),
    "queue.quote": ("Devis", "Quote"),
    "queue.approve": ("Valider", "Approve"),
    "queue.reject": ("Refuser", "Reject"),
    "queue.reason": ("Motif du refus", "Reason for rejection"),
    "queue.approved": ("Travail {id} validé pour {machine}.", "Job {id} approved for {machine}."),
    "queue.rejected": ("Travail {id} refusé.", "Job {id} rejected."),
    "queue.batch": ("Valider une session d'un coup", "Approve a whole session"),
    "queue.batch_done": ("{n} travaux de la session « {label} » validés pour {machine}.",
                         "{n} jobs of session '{label}' approved for {machine}."),
    "queue.batch_skipped": ("Non validés : {items}", "Not approved: {items}"),
    "queue.batch_none": ("Aucun travail à valider dans la session « {label} ».",
                         "No job to review in session '{label}'."),
    "queue.per_machine": ("Par machine", "Per machine"),
    "queue.finish": ("Fin prévue", "Expected finish"),
    "queue.no_compatible": ("Aucune machine compatible.", "No compatible machine."),
    "queue.yes": ("oui", "yes"),
    "queue.no": ("non", "no"),
    # machines
    "machines.title": ("Machines", "Machines"),
    "machines.current": ("Travail en cours", "Current job"),
    "machines.kind": ("Type", "Kind"),
    "machines.work_area": ("Zone de travail", "Work area"),
    # trainer
    "trainer.title": ("Sessions d'atelier", "Workshop sessions"),
    "trainer.session": ("Session « {label} »", "Session '{label}'"),
    "trainer.count": ("{n} travaux", "{n} jobs"),
    "trainer.summary": ("{valid} valides, {invalid} à corriger, {done} terminés",
                        "{valid} valid, {invalid} to fix, {done} completed"),
    # errors
    "error.not_found": ("Introuvable.", "Not found."),
    "error.forbidden": ("Vous n'avez pas le droit de faire cela.", "You are not allowed to do this."),
    "error.csrf": ("Le formulaire a expiré : rechargez la page et recommencez.",
                   "The form has expired: reload the page and try again."),
}


def current_language() -> str:
    """The session's choice, else the user's saved one, else French."""
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    if current_user and current_user.is_authenticated and getattr(current_user, "language", None) in LANGUAGES:
        return current_user.language
    return DEFAULT


def t(key: str, lang: str | None = None, **values: Any) -> str:
    """The page string `key` in the current language (the key itself when it is unknown)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[LANGUAGES.index(lang or current_language())]
    return text.format(**values) if values else text


def pick(message: Any, lang: str | None = None) -> str:
    """A `{fr, en}` message from the analysis in the current language, tolerating plain text."""
    if message is None:
        return ""
    if isinstance(message, dict):
        lang = lang or current_language()
        other = "en" if lang == "fr" else "fr"
        return str(message.get(lang) or message.get(other) or "")
    return str(message)


def state_label(state: str | None) -> str:
    return t(f"state.{state}") if f"state.{state}" in STRINGS else str(state or "")


def template_helpers() -> dict[str, Any]:
    """What every template gets: `t`, `pick`, `state_label`, `lang`."""
    return {"t": t, "pick": pick, "state_label": state_label, "lang": current_language(), "LANGUAGES": LANGUAGES}
