"""The words of notifications (in-app list and e-mail), French and English.

Kept apart from the page strings so the people area's wording lives in one place; converted to
the gettext catalogs with the rest when they land.
"""

from __future__ import annotations

from typing import Any

# kind -> ((French subject, French body), (English subject, English body)); {filename}, {job},
# {machine}, {reason} come from the notification's parameters.
TEXTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "approved": (("Travail n° {job} validé", "Votre fichier « {filename} » est validé : il sera fabriqué sur {machine}."),
                 ("Job #{job} approved", "Your file '{filename}' is approved: it will be made on {machine}.")),
    "rejected": (("Travail n° {job} refusé", "Votre fichier « {filename} » est refusé. Motif : {reason}"),
                 ("Job #{job} rejected", "Your file '{filename}' was rejected. Reason: {reason}")),
    "sent_back": (("Travail n° {job} à corriger",
                   "Votre fichier « {filename} » vous est renvoyé pour correction : {reason}\n"
                   "Déposez le fichier corrigé depuis la page du travail."),
                  ("Job #{job} sent back",
                   "Your file '{filename}' was sent back for a correction: {reason}\n"
                   "Upload the corrected file from the job's page.")),
    "started": (("Travail n° {job} commencé", "La fabrication de « {filename} » a commencé sur {machine}."),
                ("Job #{job} started", "Making '{filename}' has started on {machine}.")),
    "completed": (("Travail n° {job} terminé", "« {filename} » est terminé : vous pouvez venir le chercher."),
                  ("Job #{job} completed", "'{filename}' is done: you can come and collect it.")),
    "failed": (("Travail n° {job} en échec", "La fabrication de « {filename} » a échoué : {reason}"),
               ("Job #{job} failed", "Making '{filename}' failed: {reason}")),
    "invalid": (("Travail n° {job} : fichier inutilisable",
                 "L'analyse de « {filename} » a trouvé des problèmes : voyez la page du travail."),
                ("Job #{job}: file not usable", "The analysis of '{filename}' found problems: see the job's page.")),
    "awaiting_clearance": (("Machine {machine} à libérer", "La machine {machine} attend d'être libérée (plateau ou plaque)."),
                           ("Machine {machine} to clear", "Machine {machine} waits to be cleared (bed or stock).")),
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def notification_text(kind: str, params: dict[str, Any], lang: str) -> tuple[str, str]:
    """(subject, body) of a notification in `lang` ('fr' or 'en')."""
    pair = TEXTS.get(kind)
    if pair is None:
        return kind, kind
    subject, body = pair[0 if lang == "fr" else 1]
    values = _Blank({k: v for k, v in params.items() if v is not None})
    return subject.format_map(values), body.format_map(values)
