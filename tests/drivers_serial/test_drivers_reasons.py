"""A driver's failure or cancel is a code with parameters, said in French and English by the
web and the CLI (`web.driver_reasons`, the faults catalog), never an English sentence."""

from __future__ import annotations

import pytest

from drivers.base import AlarmError, Cancelled, DisconnectedError, FirmwareError
from jobqueue import reasons
from jobqueue.cli.words import words
from web.driver_reasons import say_driver_reason


def _say(error: Exception, lang: str) -> str:
    code, params = reasons.parse(reasons.from_driver(error))  # as the job stores it, read back
    return say_driver_reason(code, params, words(lang).gettext)


@pytest.mark.parametrize(("error", "fr", "en"), [
    (Cancelled("cancelled after line 4848", line=4848, done=["hotend_off", "bed_off", "fan_off", "motors_off"]),
     "Annulé après la ligne 4848. Machine mise en sécurité : chauffe de la buse coupée, chauffe du plateau coupée, "
     "ventilateur arrêté, moteurs coupés.",
     "Cancelled after line 4848. Machine left safe: hotend heater off, bed heater off, fan off, motors off."),
    (Cancelled("stopped there", line=12, by="server"), "Arrêté depuis le serveur OctoPrint après la ligne 12.",
     "Stopped on the OctoPrint server after line 12."),
    (FirmwareError(20, "Unsupported or invalid g-code command found in block.", 2),
     "Le firmware a refusé la ligne 3 (erreur 20 : Unsupported or invalid g-code command found in block.).",
     "The firmware refused line 3 (error 20: Unsupported or invalid g-code command found in block.)."),
    (AlarmError(1, "Hard limit triggered."), "La machine s'est mise en alarme 1 (Hard limit triggered.) : quelqu'un "
     "doit la vérifier.", "The machine went into alarm 1 (Hard limit triggered.): someone must check it."),
    (DisconnectedError("write to /dev/pts/3 failed: EIO"), "La liaison avec la machine a été perdue. Détail technique : "
     "write to /dev/pts/3 failed: EIO", "The link to the machine was lost. Technical detail: write to /dev/pts/3 failed: EIO"),
])
def test_driver_reasons_in_both_languages(error: Exception, fr: str, en: str) -> None:
    assert _say(error, "fr") == fr
    assert _say(error, "en") == en


def test_other_reasons_are_left_to_their_own_renderer() -> None:
    assert say_driver_reason("run.interrupted", {"line": 3}, words("fr").gettext) is None
    assert reasons.parse("cancelled after line 4848; heaters, fan and motors off") == (None, {})  # an old stored text
