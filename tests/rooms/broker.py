"""A private mosquitto for tests and benchmarks: its own config, port and folder.

Debian's `mosquitto` binary started directly (never the system service, never a
running system broker): a config file written in a temp folder, listening on
127.0.0.1 on a free port, no persistence. `kill()` SIGKILLs it (a broker lost
mid-show), `start()` starts it again on the same port. Only the process started
here is ever signalled. Importable without pytest (bench/ uses it).

With `users` it requires passwords (`allow_anonymous false`, a `password_file`
made by `mosquitto_passwd -b`) and takes an `acl_file`; `docs_mosquitto()` reads
the configuration and ACL that docs/rooms.md prescribes, so the docs are what is
tested (the TLS listener lines are left out there; with `tls=(cert, key)` the harness
listens with the docs' own TLS lines instead, `docs_tls_lines()`, on its port and with
the test's certificate).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

INSTALL = "apt-get install mosquitto"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "rooms.md"
DOCS_CONF, DOCS_ACL = "# /etc/mosquitto/conf.d/timekeeper.conf", "# /etc/mosquitto/acl"
TLS_LINES = ("listener", "certfile", "keyfile")  # the harness's own plain listener instead
DOCS_CERT, DOCS_KEY = "/etc/mosquitto/certs/broker.crt", "/etc/mosquitto/certs/broker.key"


def docs_blocks(docs: Path = DOCS) -> dict[str, str]:
    """The code blocks of docs/rooms.md by their first line (a file name, or a title)."""
    blocks: dict[str, str] = {}
    for block in docs.read_text().split("```")[1::2]:
        body = block.removeprefix("\n")
        blocks[body.split("\n", 1)[0].strip()] = body
    return blocks


def docs_tls_lines(docs: Path = DOCS) -> str:
    """The TLS listener lines of the docs' mosquitto configuration, as written there."""
    conf = docs_blocks(docs).get(DOCS_CONF, "")
    lines = [line for line in conf.splitlines() if line.split(" ", 1)[0] in TLS_LINES]
    if len(lines) != len(TLS_LINES):
        raise BrokerError(f"{docs}: the {DOCS_CONF!r} block lacks one of {TLS_LINES}")
    return "".join(line + "\n" for line in lines)


def docs_mosquitto(docs: Path = DOCS) -> tuple[str, str]:
    """(config lines, ACL) from the code blocks of docs/rooms.md headed by their file names."""
    blocks = docs_blocks(docs)
    if DOCS_CONF not in blocks or DOCS_ACL not in blocks:
        raise BrokerError(f"{docs} has no {DOCS_CONF!r} or {DOCS_ACL!r} block")
    conf = "".join(
        line + "\n"
        for line in blocks[DOCS_CONF].splitlines()
        if line.split(" ", 1)[0] not in TLS_LINES
    )
    return conf, blocks[DOCS_ACL]


def mosquitto_missing_reason() -> str | None:
    """Why a real mosquitto cannot run here, or None if it can."""
    if mosquitto_path() is None:
        return f"mosquitto is not installed ({INSTALL})"
    return None


def mosquitto_path() -> str | None:
    return shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BrokerError(RuntimeError):
    pass


class Broker:
    """One mosquitto on 127.0.0.1:`port`, configured in `root`."""

    def __init__(
        self,
        root: Path,
        port: int | None = None,
        extra_config: str = "",
        *,
        users: Mapping[str, str] | None = None,
        acl: str | None = None,
        auth_config: str | None = None,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        """`users` (name: password) turns anonymous access off; `auth_config` (default: the
        harness's own lines) holds `password_file /etc/mosquitto/passwd` and `acl_file
        /etc/mosquitto/acl` as the docs write them, pointed here at this broker's files."""
        self.root = root
        self.port = port or free_port()
        self.extra_config = extra_config
        self.users = dict(users or {})
        self.acl = acl
        self.auth_config = auth_config
        self.tls = tls  # (certfile, keyfile): listen with TLS, as the docs configure it
        self.proc: subprocess.Popen[bytes] | None = None
        self.config = root / "mosquitto.conf"
        self.log = root / "mosquitto.log"

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        head = f"listener {self.port} 127.0.0.1\n"
        if self.tls is not None:  # the docs' lines, on this port and with the test's files
            head = docs_tls_lines().replace("listener 8883", f"listener {self.port} 127.0.0.1")
            head = head.replace(DOCS_CERT, str(self.tls[0])).replace(DOCS_KEY, str(self.tls[1]))
        head += "log_dest stderr\nlog_type error\nlog_type warning\n"
        auth = self._write_auth() if self.users else "allow_anonymous true\npersistence false\n"
        self.config.write_text(head + auth + self.extra_config)

    def _write_auth(self) -> str:
        passwd, acl = self.root / "passwd", self.root / "acl"
        tool = shutil.which("mosquitto_passwd")
        if tool is None:
            raise BrokerError(f"mosquitto_passwd is not installed ({INSTALL})")
        passwd.unlink(missing_ok=True)
        for n, (user, password) in enumerate(self.users.items()):
            create = ["-c"] if n == 0 else []
            subprocess.run([tool, "-b", *create, str(passwd), user, password], check=True)
        acl.write_text(self.acl if self.acl is not None else "topic readwrite #\n")
        conf = self.auth_config or (
            "allow_anonymous false\npassword_file /etc/mosquitto/passwd\n"
            "acl_file /etc/mosquitto/acl\npersistence false\n"
        )
        conf = conf.replace("/etc/mosquitto/passwd", str(passwd))
        conf = conf.replace("/etc/mosquitto/acl", str(acl))
        # started as root, mosquitto drops to its own user: let it read (and persist) here
        return conf + f"persistence_location {self.root}/\nuser {_user()}\n"

    def start(self, timeout: float = 5.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        binary = mosquitto_path()
        if binary is None:
            raise BrokerError(f"mosquitto is not installed ({INSTALL})")
        self._write_config()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [binary, "-c", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrokerError(f"mosquitto exited: {self.log.read_text()[-500:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.02)
        self.kill()
        raise BrokerError(f"mosquitto did not listen on {self.port} within {timeout} s")

    def kill(self) -> None:
        """SIGKILL the broker (only the one started here) and wait for it to go."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def _user() -> str:
    import getpass

    return getpass.getuser()


class Listener:
    """A test's own MQTT subscriber: collects (topic, payload, retain) and waits for one."""

    def __init__(
        self,
        port: int,
        topic: str = "timekeeper/#",
        username: str | None = None,
        password: str | None = None,
        tls_context: Any = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.port, self.topic = port, topic
        self.username, self.password = username, password
        self.tls_context, self.host = tls_context, host
        self.messages: list[tuple[str, bytes, bool]] = []
        self._changed: Any = None
        self._task: Any = None

    async def __aenter__(self) -> Listener:
        import asyncio

        import aiomqtt

        self._changed = asyncio.Event()
        ready = asyncio.Event()

        async def run() -> None:
            async with aiomqtt.Client(
                self.host,
                self.port,
                username=self.username,
                password=self.password,
                tls_context=self.tls_context,
            ) as client:
                await client.subscribe(self.topic, qos=1)
                ready.set()
                async for m in client.messages:
                    payload = m.payload if isinstance(m.payload, bytes) else str(m.payload).encode()
                    self.messages.append((str(m.topic), payload, bool(m.retain)))
                    self._changed.set()

        self._task = asyncio.get_running_loop().create_task(run())
        await asyncio.wait_for(ready.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        from timekeeper.tasks import stop_task  # cancels until it ends: one cancel can be lost

        await stop_task(self._task, 2.0, "the test's listener")

    async def wait_for(
        self, topic_end: str, match: Callable[[bytes], bool] = lambda _: True, timeout: float = 10
    ) -> tuple[str, bytes, bool]:
        """The first message (already received or coming) on a topic ending `topic_end`."""
        import asyncio

        async def wait() -> tuple[str, bytes, bool]:
            while True:
                for message in self.messages:
                    if message[0].endswith(topic_end) and match(message[1]):
                        return message
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(wait(), timeout)
