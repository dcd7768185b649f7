"""French for the refusals `jobqueue.services` explains in English (shown in flash messages).

The rules and their wording live in jobqueue; a page in French says the same thing in French.
A message not listed here is shown as it is.
"""

from __future__ import annotations

import re

from web.i18n import current_language, state_label

_FR: list[tuple[re.Pattern[str], str]] = [(re.compile(p), fr) for p, fr in (
    (r"^file larger than the limit of (?P<mb>\d+) MB$", "Fichier plus gros que la limite de {mb} Mo"),
    (r"^unknown process '(?P<p>.*)' \(this fablab has: (?P<kinds>.*)\)$",
     "Procédé « {p} » inconnu (ce fablab propose : {kinds})"),
    (r"^'(?P<name>.*)': only STL, DXF and SVG files are accepted$",
     "« {name} » : seuls les fichiers STL, DXF et SVG sont acceptés"),
    (r"^a (?P<ext>\w+) file cannot be made with process '(?P<p>.*)'$",
     "Un fichier {ext} ne peut pas être fabriqué avec le procédé « {p} »"),
    (r"^no machine for process '(?P<p>.*)' offers material '(?P<m>.*)'$",
     "Aucune machine du procédé « {p} » ne propose le matériau « {m} »"),
    (r"^no machine for process '(?P<p>.*)' in this fablab$", "Aucune machine pour le procédé « {p} » dans ce fablab"),
    (r"^only the fabmanager can do this$", "Réservé au fabmanager"),
    (r"^not allowed: (?P<a>\w+)( on job (?P<id>\d+))?$", "Action « {a} » non autorisée"),
    (r"^job (?P<id>\d+) never had a program for a machine: nothing to run again$",
     "Le travail {id} n'a jamais eu de programme machine : rien à relancer"),
    (r"^no machine '(?P<m>.*)'$", "Pas de machine « {m} »"),
    (r"^machine '(?P<m>.*)' is a (?P<kind>\w+) machine, the job needs (?P<need>\w+)$",
     "La machine « {m} » fait du {kind} ; ce travail demande du {need}"),
    (r"^machine '(?P<m>.*)' has no material '(?P<mat>.*)'$", "La machine « {m} » n'a pas le matériau « {mat} »"),
    (r"^a reason is required to reject a job$", "Un motif est nécessaire pour refuser un travail"),
    (r"^job (?P<id>\d+) is (?P<state>\w+): only a running job can be paused or resumed$",
     "Le travail {id} est {state} : seul un travail en cours peut être mis en pause ou repris"),
    (r"^job (?P<id>\d+) is (?P<state>\w+): cannot (?P<cmd>\w+)$",
     "Le travail {id} est {state} : commande « {cmd} » impossible"),
    (r"^line (?P<line>\d+) is outside the program \(0\.\.(?P<last>\w+)\)$",
     "La ligne {line} est hors du programme (0 à {last})"),
    (r"^job (?P<id>\d+): cannot go from '(?P<a>\w+)' to '(?P<b>\w+)'.*$",
     "Travail {id} : impossible de passer de « {a} » à « {b} »"),
)]
_STATES = ("state", "a", "b")


def say(message: str) -> str:
    """`message` in the page's language (French when a pattern knows it)."""
    if current_language() != "fr":
        return message
    for pattern, french in _FR:
        match = pattern.match(message)
        if match:
            values = match.groupdict()
            for key in _STATES:
                if key in values:
                    values[key] = state_label(values[key])
            return french.format(**values)
    return message
