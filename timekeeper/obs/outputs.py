"""Output actions: start/stop streaming and recording, once and only once per key.

Owns the keyed actions (`run_action`): the set of keys already done (never
sent again, across reconnects and, when the caller persists them, restarts),
the queue of actions waiting for a connection, the check of the output's state
before sending, the retry after a timeout, and the `streaming`/`recording`
status fields as OBS's output events report them. It must not switch scenes,
set texts or manage the connection.

Also owns the dress rehearsal's guard (`RehearsalGuard`): a rehearsal never
touches a live output, so when OBS is (or starts) streaming or recording during
one, the guard has scene switching stopped at once and raises an alarm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, replace
from typing import Any

from timekeeper.core.programme import ObsAction
from timekeeper.errors import ObsError, ObsRequestError, ObsTimeoutError
from timekeeper.obs import events as ev
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.port import CODE_OUTPUT_NOT_RUNNING, CODE_OUTPUT_RUNNING, ObsPort
from timekeeper.obs.status import ActionRecord, ObsMode, SwitchPolicy

OUTPUT_STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
OUTPUT_STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"

_STREAM = {ObsAction.START_STREAMING, ObsAction.STOP_STREAMING}
_STARTS = {ObsAction.START_STREAMING, ObsAction.START_RECORDING}

_ACTION_CALLS: dict[ObsAction, Callable[[ObsPort], Coroutine[Any, Any, None]]] = {
    ObsAction.START_STREAMING: lambda p: p.start_stream(),
    ObsAction.STOP_STREAMING: lambda p: p.stop_stream(),
    ObsAction.START_RECORDING: lambda p: p.start_record(),
    ObsAction.STOP_RECORDING: lambda p: p.stop_record(),
}


@dataclass(eq=False)
class _Action:
    action: ObsAction
    key: str
    future: asyncio.Future[ActionRecord]
    running: bool = False
    retry: asyncio.TimerHandle | None = None


class OutputActions:
    def __init__(self, ctx: ObsContext, *, policy: SwitchPolicy, done_keys: Iterable[str]) -> None:
        self._ctx = ctx
        self.policy = policy  # its retry_interval (×2) spaces the retries after a timeout
        self._done: set[str] = set(done_keys)
        self._reported: set[str] = set()  # keys reported as "would …" (dry run / rehearsal)
        self._actions: dict[str, _Action] = {}

    @property
    def done_keys(self) -> frozenset[str]:
        return frozenset(self._done)

    def run_action(self, action: ObsAction, key: str) -> asyncio.Future[ActionRecord]:
        """Start/stop streaming or recording, once per `key` (see ObsController.run_action)."""
        ctx = self._ctx
        loop = asyncio.get_running_loop()
        if key in self._done:
            ctx.emit(
                ev.ActionSkipped(at=ctx.now(), action=action.value, key=key, reason="already_done")
            )
            return _resolved(loop, ActionRecord(action, key, "already_done"))
        if ctx.status.mode is not ObsMode.LIVE or ctx.port is None:
            reason = ctx.status.mode.value if ctx.port is not None else "not_configured"
            if key not in self._reported:
                self._reported.add(key)
                ctx.emit(
                    ev.ActionSkipped(at=ctx.now(), action=action.value, key=key, reason=reason)
                )
            return _resolved(loop, ActionRecord(action, key, "skipped", reason))
        if key in self._actions:
            return self._actions[key].future
        job = _Action(action=action, key=key, future=loop.create_future())
        self._actions[key] = job
        if ctx.port is not None and ctx.port.connected:
            ctx.spawn(self._do_action(job))
        else:
            ctx.emit(ev.ActionQueued(at=ctx.now(), action=action.value, key=key))
        return job.future

    async def finish(self, timeout: float) -> None:
        """Wait up to `timeout` real seconds for the pending actions, while connected, and for
        OBS's event that a stopped output has stopped (its reply comes first)."""
        ctx = self._ctx
        port = ctx.port
        jobs = [a for a in self._actions.values() if not a.future.done()]
        if not jobs or port is None or not port.connected:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await asyncio.wait([a.future for a in jobs], timeout=timeout)
        done = {a.action for a in jobs if a.future.done() and a.future.result().outcome == "done"}

        def stopping() -> bool:
            recording = ObsAction.STOP_RECORDING in done and ctx.status.recording
            streaming = ObsAction.STOP_STREAMING in done and ctx.status.streaming
            return bool(recording or streaming)

        while stopping() and port.connected and loop.time() < deadline:
            await asyncio.sleep(0.02)

    def resync(self) -> None:
        """After a (re)connect: send the queued actions."""
        for action in list(self._actions.values()):
            if not action.running:
                self._ctx.spawn(self._do_action(action))

    def cancel_all(self, note: str) -> None:
        for action in list(self._actions.values()):
            self._finish_action(action, "cancelled", note)

    def on_stream_state(self, state: str) -> None:
        if state == OUTPUT_STARTED:
            self._ctx.status = replace(self._ctx.status, streaming=True)
            self._ctx.emit(ev.StreamStarted(at=self._ctx.now()))
        elif state == OUTPUT_STOPPED:
            self._ctx.status = replace(self._ctx.status, streaming=False)
            self._ctx.emit(ev.StreamStopped(at=self._ctx.now()))

    def on_record_state(self, state: str, path: str | None) -> None:
        if state == OUTPUT_STARTED:
            self._ctx.status = replace(self._ctx.status, recording=True)
            self._ctx.emit(ev.RecordStarted(at=self._ctx.now(), path=path))
        elif state == OUTPUT_STOPPED:
            self._ctx.status = replace(self._ctx.status, recording=False)
            self._ctx.emit(ev.RecordStopped(at=self._ctx.now(), path=path))

    async def _do_action(self, job: _Action) -> None:
        """Send one keyed action unless OBS's output is already in the wanted state."""
        ctx = self._ctx
        port = ctx.port
        if port is None or job.running or job.future.done() or not port.connected:
            return
        job.running = True
        streaming = job.action in _STREAM
        start = job.action in _STARTS
        what = job.action.value
        try:
            status = await (port.get_stream_status() if streaming else port.get_record_status())
            if status.active == start:
                running = "already streaming" if streaming else "already recording"
                self._action_done(job, running if start else "already stopped")
                return
            ctx.emit(ev.ActionSent(at=ctx.now(), action=what, key=job.key))
            await _ACTION_CALLS[job.action](port)
            self._action_done(job, None)
        except ObsRequestError as exc:
            if exc.code == (CODE_OUTPUT_RUNNING if start else CODE_OUTPUT_NOT_RUNNING):
                self._action_done(
                    job, "OBS says " + ("already running" if start else "not running")
                )
            else:
                self._failed(job, str(exc), exc.code, will_retry=False)
                self._finish_action(job, "failed", str(exc))
        except ObsTimeoutError as exc:
            self._failed(job, str(exc), None, will_retry=True)
            job.retry = asyncio.get_running_loop().call_later(
                self.policy.retry_interval * 2, lambda: ctx.spawn(self._do_action(job))
            )
        except ObsError as exc:
            self._failed(job, str(exc), None, will_retry=True)
        except Exception as exc:
            log.exception("action %s failed unexpectedly", what)
            self._finish_action(job, "failed", str(exc))
        finally:
            job.running = False

    def _failed(self, job: _Action, error: str, code: int | None, *, will_retry: bool) -> None:
        self._ctx.emit(
            ev.ActionFailed(
                at=self._ctx.now(),
                action=job.action.value,
                key=job.key,
                error=error,
                code=code,
                will_retry=will_retry,
            )
        )

    def _action_done(self, job: _Action, note: str | None) -> None:
        self._done.add(job.key)
        self._ctx.emit(
            ev.ActionDone(at=self._ctx.now(), action=job.action.value, key=job.key, note=note)
        )
        self._finish_action(job, "done", note)

    def _finish_action(self, job: _Action, outcome: str, note: str | None) -> None:
        if job.retry is not None:
            job.retry.cancel()
        self._actions.pop(job.key, None)
        if not job.future.done():
            job.future.set_result(ActionRecord(job.action, job.key, outcome, note))


class RehearsalGuard:
    """Stops a dress rehearsal's scene switching whenever an output goes live.

    `enabled` only for a dress rehearsal without the operator's explicit
    `--allow-live-outputs`. Trips once per output going live (at connect, or on
    OBS's event); turning automatic switching back on is the operator's call.
    """

    def __init__(self, ctx: ObsContext, *, enabled: bool, stop_switching: Callable[[], None]):
        self._ctx = ctx
        self.enabled = enabled
        self._stop_switching = stop_switching
        self._live: set[str] = set()
        self.alarm: str | None = None  # kept on the panel while switching stays off

    def check(self) -> None:
        """Call after OBS's output state may have changed (connect, output events)."""
        status = self._ctx.status
        live = {name for name, on in (("streaming", status.streaming),
                                      ("recording", status.recording)) if on}  # fmt: skip
        new = live - self._live
        self._live = live
        if not self.enabled or not new:
            return
        self._stop_switching()
        outputs = " and ".join(sorted(live, key=("streaming", "recording").index))
        event = ev.RehearsalOnLiveOutput(at=self._ctx.clock.now(), outputs=outputs)
        self.alarm = event.message
        self._ctx.status = replace(self._ctx.status, alarm=self.alarm)
        self._ctx.emit(ev.RehearsalOnLiveOutput(at=self._ctx.now(), outputs=outputs))

    def keep_alarm(self) -> None:
        """A boundary clears the switch alarm; this one stays while switching is off."""
        if self.alarm is not None and not self._ctx.status.auto_switch:
            self._ctx.status = replace(self._ctx.status, alarm=self.alarm)
        elif self._ctx.status.auto_switch:
            self.alarm = None


def _resolved(
    loop: asyncio.AbstractEventLoop, record: ActionRecord
) -> asyncio.Future[ActionRecord]:
    fut: asyncio.Future[ActionRecord] = loop.create_future()
    fut.set_result(record)
    return fut
