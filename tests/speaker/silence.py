"""A real `timekeeper run` serving the speaker screens, that a test can freeze and thaw."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def listening(port: int, timeout: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise AssertionError(f"nothing listened on port {port} in {timeout}s") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return


@contextlib.asynccontextmanager
async def operator(tmp: Path, port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    """The seed's keynote as a headless dry run on `port`; stopped (by its PID) at the end."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "timekeeper.cli", "run", "programme.yaml", "--dry-run",
        "--at", "15:40", "--headless", "--port", str(port), "--log", str(tmp),
        cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await listening(port)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
        await proc.wait()
