"""The checker's model of staff is the staff pages' flow: replays of histories that once raised
false alarms (a history is the checker's own steps, so each replay is deterministic)."""

from __future__ import annotations

from tests.proof.history import invariants
from tests.proof.history.machine import History
from tests.proof.history.world import World


def test_loading_a_cancelled_document_opens_no_door(make_db, tmp_path):
    """The --slow run's history 704 (both databases): doc 3 is registered on door 3, cancelled
    before loading, door 3 is given to doc 4 and loaded; then staff "load" doc 3. The staff page
    asks the office to assign the door first (refused: cancelled), so no door opens; the model
    opened door 3 and reported "offered to load document 3 while holding [4]"."""
    History.make_world = staticmethod(lambda: World(tmp_path / "h", make_db("sqlite")()))
    state = History()
    world = state.world
    state.register_ready(door=0, kind="locker", pages=1, pin=False)
    state.register_ready(door=0, kind="locker", pages=1, pin=False)
    state.register(door=0, kind="locker", pages=1, pin=False, ready=False)
    state.staff_document(pick=2, what="cancel")
    state.register_ready(door=0, kind="locker", pages=1, pin=False)
    doc3, doc4 = world.docs[2], world.docs[3]
    assert (doc3.bank, doc3.door) == (doc4.bank, doc4.door), "doc 4 should get the door doc 3 freed"
    state.staff_document(pick=2, what="load")
    assert world.refusals["document.bad_state"] == 1
    assert world.doors.contents[(doc4.bank, doc4.door)] == {doc4.id}
    assert invariants.handed_out(world) == []
    state.teardown()
