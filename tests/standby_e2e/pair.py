"""A standby pair as two machines would run it: two `timekeeper run` processes, one OBS, one broker.

`Pair` writes a live programme (short slots on the real clock, each its own scene, the
recording started by the first slot and stopped by the last), then starts

- the **primary**: `timekeeper run PROGRAMME --headless --mqtt URL --room ROOM`, reaching
  the broker through a `BrokerProxy` (so a test can cut its path and only its path);
- the **standby**: the same command on its own log folder with `--standby [auto|armed]
  --takeover-delay S`, straight to the broker.

Both reach the same headless OBS; `ObsWitness` records what OBS itself said. Every
process is started here and signalled only by its own PID (`Run.kill`, `signal`). The
logs are read from each machine's own folder. Used by the tests beside it and by
bench/bench_standby.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.broker_proxy import BrokerProxy
from tests.e2e.programmes import PASSWORD_ENV, ProgrammeFile, SlotSpec, write_programme
from tests.e2e.runner import Line, Run, environment, read_jsonl, run_argv
from tests.obs.headless import HeadlessObs, reset
from tests.rooms.broker import Broker

from .judge import STOPPED, Boundary, Outcome, outcome
from .witness import ObsWitness, Seen

ROOM = "Main hall"
START_SCENE = "Holding"  # where OBS is put before each show (reset: the first); no slot uses it
SCENES = (START_SCENE, "Intro", "Keynote", "Panel", "Q&A", "Reception", "Closing")
SHOW_SCENES = SCENES[1:]
TOKEN_ENV = "TIMEKEEPER_CONTROL_TOKEN"
TOKEN = "standby-e2e-token-0123456789abcdefghijklmnopqrstuv"  # a local, throwaway token


def show_slots(count: int, seconds: float, scenes: Sequence[str]) -> list[SlotSpec]:
    """`count` slots of `seconds`, cycling `scenes` (no two in a row alike); the first starts
    the recording, the last stops it at its end."""
    slots = []
    for i in range(count):
        on_start = ["start_recording"] if i == 0 else []
        on_end = ["stop_recording"] if i == count - 1 else []
        scene = scenes[i % len(scenes)]
        slots.append(SlotSpec(f"Slot {i + 1}", seconds, scene, on_start, on_end))
    return slots


@dataclass
class Machine:
    """One laptop: its log folder and its `timekeeper run` process."""

    name: str
    logs: Path
    run: Run
    extra: tuple[str, ...] = ()

    @property
    def pid(self) -> int:
        return self.run.pid

    def log(self) -> list[Line]:
        """The records of this machine's as-run log (the copy, for a standby)."""
        files = [p for p in sorted(self.logs.glob("*.jsonl")) if ".set-aside-" not in p.name]
        if not files:
            return []
        return read_jsonl(max(files, key=lambda p: p.stat().st_mtime))

    def signal(self, sig: signal.Signals) -> None:
        if self.run.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.run.pid, sig)


@dataclass
class Pair:
    root: Path
    obs: HeadlessObs
    broker: Broker
    proxy: BrokerProxy
    witness: ObsWitness
    programme: ProgrammeFile
    machines: list[Machine] = field(default_factory=list)
    room: str = ROOM

    @property
    def boundaries(self) -> list[Boundary]:
        return [Boundary(s.id, s.scene or "", s.start) for s in self.programme.slots]

    def env(self) -> dict[str, str]:
        return environment({PASSWORD_ENV: self.obs.password, TOKEN_ENV: TOKEN})

    def start(self, name: str, *extra: str, through_proxy: bool = False) -> Machine:
        """A machine running the show (`extra`: `--standby`, ...), its log in its own folder."""
        logs = self.root / name
        logs.mkdir(parents=True, exist_ok=True)
        url = self.proxy.url if through_proxy else self.broker.url
        argv = run_argv(self.programme.path, logs, "--mqtt", url, "--room", self.room, *extra)
        machine = Machine(name, logs, Run(argv, self.env()), tuple(extra))
        self.machines.append(machine)
        return machine

    def start_primary(self, *extra: str) -> Machine:
        return self.start("primary", *extra, through_proxy=True)

    def start_standby(
        self, mode: str = "auto", delay: float = 1.0, name: str = "standby"
    ) -> Machine:
        return self.start(name, "--standby", mode, "--takeover-delay", f"{delay:g}")

    def wait_announcing(self, machine: Machine, role: str, timeout: float = 30) -> Seen:
        """The machine's first announcement in `role` on OBS (driver, standby)."""
        return self.witness.wait(
            lambda s: s.kind == "announce" and s.pid == machine.pid and s.role == role,
            timeout,
            f"{machine.name} (pid {machine.pid}) announcing itself as {role}",
        )

    def wait_copy(self, primary: Machine, standby: Machine, timeout: float = 20) -> int:
        """Wait until the standby's copy holds every record of the primary's log; that seq."""
        deadline = time.monotonic() + timeout
        while True:
            theirs = primary.log()
            ours = {int(r["seq"]): r for r in standby.log()}
            if theirs and all(ours.get(int(r["seq"])) == r for r in theirs):
                return int(theirs[-1]["seq"])
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the standby's copy lacks records: primary {len(theirs)}, copy {len(ours)}"
                )
            time.sleep(0.05)

    def wait_ended(self, timeout: float = 30) -> None:
        """Wait for the show's end: OBS reports the recording stopped (the last slot's
        `stop_recording`), and a second more for anything that would come after."""
        self.witness.wait(
            lambda s: s.kind == "output" and s.output == "record" and s.state == STOPPED,
            self.programme.seconds_until(self.programme.end) + timeout,
            "the recording stopped at the show's end",
        )
        time.sleep(1.0)  # a bound on absence: a repeat after the end would show in it

    def judge(
        self,
        primary: Machine,
        standby: Machine,
        old_run: str,
        primary_log: list[Line] | None = None,
    ) -> Outcome:
        """The show judged; `primary_log`: the primary's records as they were when it stopped
        driving (default: its log now — for a killed primary, the same)."""
        theirs = primary.log() if primary_log is None else primary_log
        seen = list(self.witness.seen)
        return outcome(
            seen, self.boundaries, self.programme.end, START_SCENE, theirs, standby.log(), old_run
        )

    def run_id(self, machine: Machine) -> str:
        """The run id a machine announces itself with on OBS."""
        for s in list(self.witness.seen):
            if s.kind == "announce" and s.pid == machine.pid:
                return s.run_id
        raise AssertionError(f"{machine.name} never announced itself on OBS")

    def action(self, port: int, name: str, body: dict[str, object]) -> dict[str, object]:
        """POST /api/actions/NAME to a machine's control API (`--control --port PORT`)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/actions/{name}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
                     "X-Timekeeper-Client": "standby-e2e"},
            method="POST",
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return dict(json.loads(answer.read()))
        except urllib.error.HTTPError as exc:
            return {"ok": False, "status": exc.code, "body": exc.read().decode(errors="replace")}

    def close(self) -> None:
        for machine in self.machines:
            machine.signal(signal.SIGCONT)
            machine.run.close()


@contextlib.contextmanager
def pair(
    root: Path, obs: HeadlessObs, broker: Broker, slots: Sequence[SlotSpec], lead: float = 4.0,
    room: str = ROOM,
) -> Iterator[Pair]:  # fmt: skip
    """A pair's world (programme written, OBS reset, the witness and the proxy running); every
    process started inside is gone on exit."""
    root.mkdir(parents=True, exist_ok=True)
    reset(obs)
    programme = write_programme(root / "programme.yaml", obs.url, slots, lead=lead)
    with BrokerProxy(broker.port) as proxy, ObsWitness(obs.url, obs.password) as witness:
        p = Pair(root, obs, broker, proxy, witness, programme, room=room)
        try:
            yield p
        finally:
            p.close()
