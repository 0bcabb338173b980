"""Output actions: start/stop streaming and recording, once and only once per key.

The shell of the keyed actions (`run_action`): their rules (keys done, the
queue, the state check before sending, the retry after a timeout, the
`streaming`/`recording` fields) are the sans-I/O `output_rules.OutputBook`;
`OutputActions` sends its requests through the port, runs its retry timers and
resolves the futures callers hold. It must not switch scenes, set texts or
manage the connection.

Also owns the dress rehearsal's guard (`RehearsalGuard`): a rehearsal never
touches a live output, so when OBS is (or starts) streaming or recording during
one, the guard has scene switching stopped at once and raises an alarm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from typing import Any

from timekeeper.core.programme import ObsAction
from timekeeper.errors import ObsError, ObsRequestError, ObsTimeoutError
from timekeeper.obs import events as ev
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.fenced_port import FencedOff
from timekeeper.obs.machine_messages import (
    ActionTimer,
    CancelActionTimer,
    ReadOutput,
    ResolveAction,
    SendAction,
    Step,
)
from timekeeper.obs.output_rules import (
    OUTPUT_STARTED,
    OUTPUT_STOPPED,
    Done,
    Failed,
    OutputBook,
    OutputReply,
)
from timekeeper.obs.port import ObsPort
from timekeeper.obs.status import ActionRecord, SwitchPolicy

__all__ = ["OUTPUT_STARTED", "OUTPUT_STOPPED", "OutputActions", "RehearsalGuard"]

_ACTION_CALLS: dict[ObsAction, Callable[[ObsPort], Coroutine[Any, Any, None]]] = {
    ObsAction.START_STREAMING: lambda p: p.start_stream(),
    ObsAction.STOP_STREAMING: lambda p: p.stop_stream(),
    ObsAction.START_RECORDING: lambda p: p.start_record(),
    ObsAction.STOP_RECORDING: lambda p: p.stop_record(),
}


class OutputActions:
    """The shell of `output_rules.OutputBook`: the port's requests, the retry timers, futures."""

    def __init__(self, ctx: ObsContext, *, policy: SwitchPolicy, done_keys: Iterable[str]) -> None:
        self._ctx = ctx
        self.book = OutputBook(done_keys=done_keys, retry_after=policy.retry_interval * 2)
        self._policy = policy
        self._futures: dict[str, asyncio.Future[ActionRecord]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    @property
    def policy(self) -> SwitchPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: SwitchPolicy) -> None:
        """Its retry_interval (×2) spaces the retries after a timeout."""
        self._policy = policy
        self.book.retry_after = policy.retry_interval * 2

    @property
    def done_keys(self) -> frozenset[str]:
        return frozenset(self.book.done)

    def run_action(self, action: ObsAction, key: str) -> asyncio.Future[ActionRecord]:
        """Start/stop streaming or recording, once per `key` (see ObsController.run_action)."""
        pending = self._futures.get(key) if self.book.pending(key) else None
        future = pending or asyncio.get_running_loop().create_future()
        self._futures.setdefault(key, future)
        configured = self._ctx.port is not None
        self._run(self.book.run(self._ctx.moment(), action, key, configured=configured), future)
        return future

    async def finish(self, timeout: float) -> None:
        """Wait up to `timeout` real seconds for the pending actions, while connected, and for
        OBS's event that a stopped output has stopped (its reply comes first)."""
        ctx = self._ctx
        port = ctx.port
        jobs = [f for f in self._futures.values() if not f.done()]
        if not jobs or port is None or not port.connected:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await asyncio.wait(jobs, timeout=timeout)
        done = {f.result().action for f in jobs if f.done() and f.result().outcome == "done"}

        def stopping() -> bool:
            recording = ObsAction.STOP_RECORDING in done and ctx.status.recording
            streaming = ObsAction.STOP_STREAMING in done and ctx.status.streaming
            return bool(recording or streaming)

        while stopping() and port.connected and loop.time() < deadline:
            await asyncio.sleep(0.02)

    def resync(self) -> None:
        """After a (re)connect: send the queued actions."""
        self._run(self.book.connected(self._ctx.moment()))

    def cancel_all(self, note: str) -> None:
        self._run(self.book.cancel_all(self._ctx.moment(), note))

    def on_stream_state(self, state: str) -> None:
        self._run(self.book.output_state(self._ctx.moment(), True, state, None))

    def on_record_state(self, state: str, path: str | None) -> None:
        self._run(self.book.output_state(self._ctx.moment(), False, state, path))

    def _run(self, step: Step, fresh: asyncio.Future[ActionRecord] | None = None) -> None:
        """Apply the step; carry out its commands (`fresh`: the future of this very call)."""
        for command in self._ctx.apply(step):
            match command:
                case ReadOutput() | SendAction():
                    self._ctx.spawn(self._request(command))  # resumes in _request
                case ActionTimer(key=key, attempt=attempt, seconds=seconds):
                    self._cancel_timer(key)
                    self._timers[key] = asyncio.get_running_loop().call_later(
                        seconds, self._retry, key, attempt
                    )
                case CancelActionTimer(key=key):
                    self._cancel_timer(key)
                case ResolveAction(key=key, record=record):
                    future = fresh if fresh is not None else self._futures.get(key)
                    if future is self._futures.get(key):
                        self._futures.pop(key, None)
                    if future is not None and not future.done():
                        future.set_result(record)

    def _cancel_timer(self, key: str) -> None:
        handle = self._timers.pop(key, None)
        if handle is not None:
            handle.cancel()

    def _retry(self, key: str, attempt: int) -> None:
        self._timers.pop(key, None)
        self._run(self.book.retry(self._ctx.moment(), key, attempt))

    async def _request(self, command: ReadOutput | SendAction) -> None:
        """One request to OBS; its outcome is fed back to the rules. Never raises."""
        port = self._ctx.port
        assert port is not None
        reply: OutputReply
        try:
            if isinstance(command, ReadOutput):
                read = port.get_stream_status() if command.stream else port.get_record_status()
                reply = Done((await read).active)
            else:
                await _ACTION_CALLS[command.action](port)
                reply = Done()
        except FencedOff:
            return  # stood down (fencing) before it left: nothing was sent, the job is over
        except ObsRequestError as exc:
            reply = Failed("refused", str(exc), exc.code)
        except ObsTimeoutError as exc:
            reply = Failed("timeout", str(exc))
        except ObsError as exc:
            reply = Failed("link", str(exc))
        except Exception as exc:
            log.exception("action %s failed unexpectedly", command.key)
            reply = Failed("internal", str(exc))
        m = self._ctx.moment()
        if isinstance(command, ReadOutput):
            step = self.book.output_read(m, command.key, command.attempt, reply)
        else:
            step = self.book.action_replied(m, command.key, command.attempt, reply)
        self._run(step)


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
