"""Certificates made by the tests with the `openssl` command: a CA of their own, and broker
certificates it signs (valid, or expired), for a real mosquitto over TLS.

`cryptography` is not in the lock, so the `openssl` command does it: `req -x509` for the
CA, `ca` (with its small database in the folder) for a broker certificate, because only
`openssl ca` takes explicit start and end dates (an expired certificate). EC keys: fast.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL = "apt-get install openssl"
NAMES = "IP:127.0.0.1,DNS:localhost"  # what the broker certificate is for


def openssl_missing_reason() -> str | None:
    return None if shutil.which("openssl") else f"openssl is not installed ({INSTALL})"


@dataclass(frozen=True)
class Ca:
    folder: Path
    cert: Path
    key: Path


@dataclass(frozen=True)
class ServerCert:
    cert: Path
    key: Path


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path, name: str = "Timekeeper Test CA") -> Ca:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "ca.pem", folder / "ca.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", cert, "-days", "30", "-subj", f"/CN={name}",
        cwd=folder,
    )  # fmt: skip
    (folder / "index.txt").write_text("")
    (folder / "serial").write_text("1000\n")
    (folder / "ca.cnf").write_text(
        "[ca]\ndefault_ca = test\n"
        f"[test]\ndir = {folder}\ndatabase = {folder}/index.txt\nnew_certs_dir = {folder}\n"
        f"serial = {folder}/serial\ncertificate = {cert}\nprivate_key = {key}\n"
        "default_md = sha256\npolicy = any\nunique_subject = no\n"
        "[any]\ncommonName = supplied\n"
        f"[server]\nbasicConstraints = CA:FALSE\nsubjectAltName = {NAMES}\n"
        "extendedKeyUsage = serverAuth\n"
    )
    return Ca(folder, cert, key)


def make_server_cert(ca: Ca, name: str, *, expired: bool = False) -> ServerCert:
    """A broker certificate for 127.0.0.1 and localhost signed by `ca`; `expired`: valid only
    in January 2020."""
    key, csr, cert = ca.folder / f"{name}.key", ca.folder / f"{name}.csr", ca.folder / f"{name}.crt"
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=localhost",
        cwd=ca.folder,
    )  # fmt: skip
    dates = ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"] if expired else [
        "-days", "30"
    ]  # fmt: skip
    _openssl(
        "ca", "-batch", "-notext", "-config", ca.folder / "ca.cnf", "-extensions", "server",
        "-in", csr, "-out", cert, *dates,
        cwd=ca.folder,
    )  # fmt: skip
    key.chmod(0o644)  # mosquitto drops to its own user before it reads the key
    return ServerCert(cert, key)
