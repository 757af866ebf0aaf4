"""The supervisor's state machine (states.py): only the changes in TRANSITIONS happen, each is
logged once with its reason, and one that isn't allowed raises instead of happening."""

from __future__ import annotations

import logging

import pytest

from jupyter_vscode.states import TRANSITIONS, InvalidTransition, State, StateMachine

LOG = "test.states"


def machine(initial: State = State.STOPPED) -> StateMachine:
    return StateMachine(logging.getLogger(LOG), initial)


def state_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOG]


def test_every_state_has_a_row():
    assert set(TRANSITIONS) == set(State)


ALLOWED = [(old, new) for old, targets in TRANSITIONS.items() for new in targets]
REFUSED = [
    (old, new) for old in State for new in State if new is not old and new not in TRANSITIONS[old]
]


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=lambda s: s.value)
def test_an_allowed_change_is_made_and_logged_once(caplog, old, new):
    caplog.set_level(logging.INFO, logger=LOG)
    m = machine(old)
    assert m.enter(new, "because") is True
    assert m.state is new and m.changes == 1
    assert state_lines(caplog) == [f"[jupyter-vscode] state {old.value} -> {new.value}: because"]


@pytest.mark.parametrize(("old", "new"), REFUSED, ids=lambda s: s.value)
def test_a_change_not_in_the_table_raises_and_is_logged(caplog, old, new):
    caplog.set_level(logging.INFO, logger=LOG)
    m = machine(old)
    with pytest.raises(InvalidTransition, match=f"{old.value} -> {new.value}"):
        m.enter(new, "a bug")
    assert m.state is old and m.changes == 0
    [line] = state_lines(caplog)
    assert "invalid code-server state change" in line
    assert caplog.records[-1].levelno == logging.ERROR


def test_entering_the_current_state_is_no_change(caplog):
    caplog.set_level(logging.DEBUG, logger=LOG)
    m = machine(State.STOPPED)
    assert m.enter(State.STOPPED, "stop of nothing") is False
    assert m.changes == 0 and state_lines(caplog) == []


def test_the_refusals_that_matter():
    """What the supervisor relies on: a failed one is only left by a stop or a restart, and
    nothing leaves 'misconfigured'."""
    assert TRANSITIONS[State.FAILED] == {State.STOPPED}
    assert TRANSITIONS[State.MISCONFIGURED] == frozenset()
    assert State.RUNNING not in TRANSITIONS[State.STOPPED]  # only through starting
    assert State.RUNNING not in TRANSITIONS[State.STOPPING]


def test_a_crash_loop_is_logged_once_per_change(tmp_path, caplog):
    """A supervisor's whole run of changes, through its one transition function: each change
    logged once, and giving up said once."""
    from traitlets.config import Config

    from jupyter_vscode.config import VSCode
    from jupyter_vscode.supervisor import Supervisor

    log = logging.getLogger(LOG)
    caplog.set_level(logging.INFO, logger=LOG)
    config = VSCode(config=Config({"VSCode": {"log_dir": str(tmp_path), "max_restarts": 1}}))
    sup = Supervisor(config, str(tmp_path), log)
    sup._enter(State.STARTING, "starting code-server")
    sup._failures = 1
    assert not sup._gave_up("crash 1")
    sup._enter(State.STOPPING, "stopping code-server (pid 1)")
    sup._enter(State.STARTING, "the next start in 0.5s")
    sup._failures = 2
    assert sup._gave_up("code-server exited with code 1 while starting")
    assert sup.state is State.FAILED
    assert sup.error == (
        "failed 2 times in a row; the last time: code-server exited with code 1 while starting"
    )
    with pytest.raises(InvalidTransition):
        sup._enter(State.RUNNING, "a bug")
    sup.reset_failures()
    lines = state_lines(caplog)
    changes = [line for line in lines if "-> " in line and "invalid" not in line]
    assert [line.split(":", 1)[0] for line in changes] == [
        "[jupyter-vscode] state stopped -> starting",
        "[jupyter-vscode] state starting -> stopping",
        "[jupyter-vscode] state stopping -> starting",
        "[jupyter-vscode] state starting -> failed",
        "[jupyter-vscode] state failed -> stopped",
    ]
    assert sum("giving up until restarted" in line for line in lines) == 1
    assert sup.state is State.STOPPED
