"""The supervisor's states and the changes allowed between them.

Every change of a Supervisor's state goes through ``StateMachine.enter``: it checks the change
against TRANSITIONS and logs it, once, with its reason. A change the table doesn't allow is a
bug in the supervisor: it raises InvalidTransition (and is logged as an error) instead of
leaving the state half-changed. Entering the state it is already in is no change: nothing is
checked or logged.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable


class State(str, enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"
    MISSING = "missing"
    #: an invalid c.VSCode option: nothing is started until it is fixed (misconfigured.py)
    MISCONFIGURED = "misconfigured"


_S = State

#: state -> the states it may change to, and why.
TRANSITIONS: dict[State, frozenset[State]] = {
    # a start (at once, or after a crash loop's pause); stop() of nothing
    _S.STOPPED: frozenset({_S.STARTING}),
    _S.STARTING: frozenset(
        {
            _S.RUNNING,  # it answered
            _S.STOPPING,  # a failed start's process is stopped; stop() during a start
            _S.STOPPED,  # stop() during a start (nothing to kill yet)
            _S.FAILED,  # the last allowed start failed: giving up
            _S.MISSING,  # no code-server found
        }
    ),
    _S.RUNNING: frozenset(
        {
            _S.STOPPING,  # stop(), idle stop, health-check kill
            _S.STOPPED,  # it exited by itself
            _S.FAILED,  # it exited soon after starting, once too often
            _S.STARTING,  # a start that finds it exited before its exit was noticed
        }
    ),
    _S.STOPPING: frozenset(
        {
            _S.STOPPED,  # stopped
            _S.STARTING,  # the next try after a failed start or a health-check kill
            _S.FAILED,  # killed for the last allowed time: giving up
        }
    ),
    # stop() or a restart asked for (reset_failures)
    _S.FAILED: frozenset({_S.STOPPED}),
    _S.MISSING: frozenset({_S.STOPPED, _S.STARTING}),
    _S.MISCONFIGURED: frozenset(),  # nothing changes until Jupyter restarts with a fix
}


class InvalidTransition(RuntimeError):
    """A state change that TRANSITIONS doesn't allow: a bug in the supervisor."""


class StateMachine:
    """One supervisor's current state; changed only by ``enter``."""

    def __init__(self, log: logging.Logger, initial: State = State.STOPPED):
        self._log = log
        self._state = initial
        #: state changes so far (tests check that each is logged once)
        self.changes = 0
        #: called with (old, new, reason) right after each change, before anything else runs
        #: (tests fire requests in the instant after a change)
        self.listeners: list[Callable[[State, State, str], None]] = []

    @property
    def state(self) -> State:
        return self._state

    def allows(self, new: State) -> bool:
        return new is self._state or new in TRANSITIONS[self._state]

    def enter(self, new: State, reason: str, level: int = logging.INFO) -> bool:
        """Change to ``new`` because of ``reason`` (logged at ``level``); False if it was in
        that state already (no change: nothing logged)."""
        old = self._state
        if new is old:
            return False
        if new not in TRANSITIONS[old]:
            self._log.error(
                "[jupyter-vscode] invalid code-server state change %s -> %s (%s)",
                old.value,
                new.value,
                reason,
            )
            raise InvalidTransition(f"{old.value} -> {new.value} ({reason})")
        self._state = new
        self.changes += 1
        self._log.log(level, "[jupyter-vscode] state %s -> %s: %s", old.value, new.value, reason)
        for listener in list(self.listeners):
            listener(old, new, reason)
        return True
