"""The rules of the keyed output actions, sans I/O: once and only once per key.

Owns the set of keys already done (never sent again), the actions waiting for a
connection, the check of the output's state before sending (`ReadOutput`, then
`SendAction` only if OBS is not already as wanted), the retry after a timeout
(`ActionTimer`) and the `streaming`/`recording` status fields as OBS's output
events report them. Each input takes a `Moment` and returns a `Step`; replies
come back tagged with the key and attempt they were issued for, so a late one
changes nothing. The shell that carries the commands out is `outputs.OutputActions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from timekeeper.core.modes import RunMode
from timekeeper.core.programme import ObsAction
from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import (
    ActionTimer,
    CancelActionTimer,
    Moment,
    ReadOutput,
    ResolveAction,
    SendAction,
    Step,
)
from timekeeper.obs.port import CODE_OUTPUT_NOT_RUNNING, CODE_OUTPUT_RUNNING
from timekeeper.obs.status import ActionRecord
from timekeeper.obs.step_builder import StepBuilder

OUTPUT_STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
OUTPUT_STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"

_STREAM = {ObsAction.START_STREAMING, ObsAction.STOP_STREAMING}
_STARTS = {ObsAction.START_STREAMING, ObsAction.START_RECORDING}


@dataclass(frozen=True)
class Done:
    """The read found the output's state (`active`), or the action was accepted."""

    active: bool | None = None


@dataclass(frozen=True)
class Failed:
    """A request failed: `how` is refused (with `code`), timeout, link or internal."""

    how: str
    error: str
    code: int | None = None


OutputReply = Done | Failed


@dataclass
class _Pending:
    action: ObsAction
    key: str
    attempt: int = 0
    running: bool = False
    timed: bool = False


class OutputBook(StepBuilder):
    """Keyed start/stop of streaming and recording (see the module docstring)."""

    def __init__(self, *, done_keys: Iterable[str], retry_after: float) -> None:
        super().__init__()
        self.retry_after = retry_after  # real seconds before a timed-out action is tried again
        self.done: set[str] = set(done_keys)
        self._reported: set[str] = set()  # keys reported as "would …" (dry run / rehearsal)
        self._pending: dict[str, _Pending] = {}

    def pending(self, key: str) -> bool:
        return key in self._pending

    def run(self, m: Moment, action: ObsAction, key: str, *, configured: bool) -> Step:
        """Start/stop an output once per `key` (see ObsController.run_action)."""
        self._begin(m)
        if key in self.done:
            self._emit(
                ev.ActionSkipped(at=m.now, action=action.value, key=key, reason="already_done")
            )
            self._do(ResolveAction(key, ActionRecord(action, key, "already_done")))
        elif m.status.mode is not RunMode.LIVE or m.status.watch_reason or not configured:
            reason = m.status.mode.obs_word if configured else "not_configured"
            if configured and m.status.watch_reason == "standby":
                reason = "standby"
            if key not in self._reported:
                self._reported.add(key)
                self._emit(ev.ActionSkipped(at=m.now, action=action.value, key=key, reason=reason))
            self._do(ResolveAction(key, ActionRecord(action, key, "skipped", reason)))
        elif key not in self._pending:
            job = self._pending[key] = _Pending(action, key)
            if m.connected:
                self._attempt(job)
            else:
                self._emit(ev.ActionQueued(at=m.now, action=action.value, key=key))
        return self._end()

    def connected(self, m: Moment) -> Step:
        """After a (re)connect: send the queued actions."""
        self._begin(m)
        for job in list(self._pending.values()):
            self._attempt(job)
        return self._end()

    def retry(self, m: Moment, key: str, attempt: int) -> Step:
        """The `ActionTimer` of a timed-out action ran out."""
        self._begin(m)
        job = self._pending.get(key)
        if job is not None and job.attempt == attempt and job.timed:
            job.timed = False
            self._attempt(job)
        return self._end()

    def output_read(self, m: Moment, key: str, attempt: int, reply: OutputReply) -> Step:
        """The answer to `ReadOutput`: already as wanted (done), else send the action."""
        self._begin(m)
        job = self._current(key, attempt)
        if job is not None and isinstance(reply, Done):
            start = job.action in _STARTS
            if reply.active == start:
                running = "already streaming" if job.action in _STREAM else "already recording"
                self._done_(job, running if start else "already stopped")
            else:
                self._emit(ev.ActionSent(at=m.now, action=job.action.value, key=key))
                self._do(SendAction(key, attempt, job.action))
        elif job is not None and isinstance(reply, Failed):
            self._failed(job, reply)
        return self._end()

    def action_replied(self, m: Moment, key: str, attempt: int, reply: OutputReply) -> Step:
        """The answer to `SendAction`."""
        self._begin(m)
        job = self._current(key, attempt)
        if job is not None and isinstance(reply, Done):
            self._done_(job, None)
        elif job is not None and isinstance(reply, Failed):
            start = job.action in _STARTS
            if reply.code == (CODE_OUTPUT_RUNNING if start else CODE_OUTPUT_NOT_RUNNING):
                self._done_(job, "OBS says " + ("already running" if start else "not running"))
            else:
                self._failed(job, reply)
        return self._end()

    def cancel_all(self, m: Moment, note: str) -> Step:
        self._begin(m)
        for job in list(self._pending.values()):
            self._finish(job, "cancelled", note)
        return self._end()

    def output_state(self, m: Moment, stream: bool, state: str, path: str | None) -> Step:
        """OBS's StreamStateChanged / RecordStateChanged."""
        self._begin(m)
        if state in (OUTPUT_STARTED, OUTPUT_STOPPED):
            on = state == OUTPUT_STARTED
            if stream:
                self._put(replace(self._status, streaming=on))
                self._emit(ev.StreamStarted(at=m.now) if on else ev.StreamStopped(at=m.now))
            else:
                self._put(replace(self._status, recording=on))
                made = ev.RecordStarted if on else ev.RecordStopped
                self._emit(made(at=m.now, path=path))
        return self._end()

    # ------------------------------------------------------------------ rules

    def _attempt(self, job: _Pending) -> None:
        if job.running or not self._connected:
            return
        job.running = True
        job.attempt += 1
        self._do(ReadOutput(job.key, job.attempt, job.action in _STREAM))

    def _current(self, key: str, attempt: int) -> _Pending | None:
        """The pending action `key`, if `attempt` is still its: the one staleness check."""
        job = self._pending.get(key)
        if job is None or job.attempt != attempt:
            return None
        job.running = False
        return job

    def _failed(self, job: _Pending, reply: Failed) -> None:
        will_retry = reply.how in ("timeout", "link")
        if reply.how != "internal":
            self._emit(
                ev.ActionFailed(
                    at=self._now,
                    action=job.action.value,
                    key=job.key,
                    error=reply.error,
                    code=reply.code,
                    will_retry=will_retry,
                )
            )
        if reply.how == "timeout":
            job.timed = True
            self._do(ActionTimer(job.key, job.attempt, self.retry_after))
        elif not will_retry:
            self._finish(job, "failed", reply.error)

    def _done_(self, job: _Pending, note: str | None) -> None:
        self.done.add(job.key)
        self._emit(ev.ActionDone(at=self._now, action=job.action.value, key=job.key, note=note))
        self._finish(job, "done", note)

    def _finish(self, job: _Pending, outcome: str, note: str | None) -> None:
        if job.timed:
            job.timed = False
            self._do(CancelActionTimer(job.key))
        self._pending.pop(job.key, None)
        self._do(ResolveAction(job.key, ActionRecord(job.action, job.key, outcome, note)))
