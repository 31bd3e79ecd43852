"""The grading form at 1280 and 360 px (issue 18 polish): the exemption's reason is a wide field, and on a phone
each learner's row is a block of labelled cells inside a keyboard-reachable region."""

import re
from pathlib import Path

from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import Grade, Learner, Project

CSS = Path(__file__).parents[1] / "bootcamp" / "static" / "css" / "app.css"


def test_the_grading_form_is_usable_on_a_phone_and_shows_the_whole_reason(app: Flask, client, auth, world) -> None:
    with app.app_context():
        learner, project = db.session.get(Learner, world.learner_id), db.session.get(Project, world.project_id)
        db.session.add(Grade(learner=learner, project=project, exempted=True,
                             exemption_reason="Arrivé après la fin du projet (entrée en cours de formation)"))
        db.session.commit()
    auth.login("trainer@example.org")
    page = client.get(f"/projects/{world.project_id}/grades").text
    wrap = re.search(r'<div class="table-wrap"[^>]*>\s*<table class="([^"]*)">\s*<caption[^>]*id="([^"]+)"', page)
    assert wrap and "blocks" in wrap.group(1).split() and "grading" in wrap.group(1).split()
    opening = wrap.group(0)
    assert 'role="region"' in opening and 'tabindex="0"' in opening and f'aria-labelledby="{wrap.group(2)}"' in opening
    reason = re.search(rf'<input [^>]*name="reason_{world.learner_id}"[^>]*>', page).group(0)
    assert 'class="reason"' in reason and "size=" not in reason
    assert 'value="Arrivé après la fin du projet (entrée en cours de formation)"' in reason
    for label in ("Rendu", "Note /20", "Retour", "Dernière saisie"):
        assert f'data-label="{label}"' in page, label
    css = CSS.read_text()
    assert "table.grading input.reason { width: 100%; min-width: 16rem; }" in css
