"""A throwaway PostgreSQL cluster for the tests (Debian's postgresql binaries).

Used when SECREVIEW_TEST_PG is not set but the binaries are installed (CI starts its own
cluster in .ci/run and sets SECREVIEW_TEST_PG). PostgreSQL refuses to run as root: as root the
cluster runs as the ``postgres`` system user (made by Debian's package) through runuser.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER = "postgres"


def find_bindir() -> Path | None:
    """The folder with initdb, pg_ctl and postgres (PATH first, then Debian's layout)."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [
        Path(p)
        for p in sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0)
        )[::-1]
    ]
    for d in candidates:
        if all((d / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def why_unavailable() -> str | None:
    """None when a cluster can be started here, else the reason (for a skip)."""
    if find_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and no '{SERVER_USER}' system user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary folder. ``listen``: comma-separated addresses."""

    listen: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    password: str | None = None  # scram-sha-256 for TCP when set, else trust
    networks: tuple[str, ...] = ()  # extra client networks allowed (CIDR)
    durable: bool = False  # fsync and synchronous commit as in production (benchmarks)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="secreview-pg-")))

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def start(self) -> Cluster:
        bindir = find_bindir()
        assert bindir is not None
        os.chmod(self.folder, 0o700)
        if os.geteuid() == 0:
            shutil.chown(self.folder, SERVER_USER)
        pwfile = self.folder / "pw"
        args = [str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8"]
        args += ["--locale=C.UTF-8", "--no-sync", "--auth-local=trust"]
        if self.password:
            pwfile.write_text(self.password, encoding="utf-8")
            if os.geteuid() == 0:
                shutil.chown(pwfile, SERVER_USER)
            args += ["--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        else:
            args += ["--auth-host=trust"]
        self._run(*args)
        pwfile.unlink(missing_ok=True)
        if self.networks:
            method = "scram-sha-256" if self.password else "trust"
            with (self.data / "pg_hba.conf").open("a", encoding="utf-8") as fh:
                for net in self.networks:
                    fh.write(f"host all all {net} {method}\n")
        opts = (
            f"-c listen_addresses='{self.listen}' -p {self.port}"
            f" -c unix_socket_directories='{self.folder}' -c max_connections=200"
            + (
                " -c shared_buffers=128MB"
                if self.durable
                else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c shared_buffers=32MB"
            )
        )
        self._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def url(self, db: str = "postgres", host: str | None = None) -> str:
        host = host or self.listen.split(",")[0]
        auth = f"postgres:{self.password}" if self.password else "postgres"
        return f"postgresql://{auth}@{host}:{self.port}/{db}"

    def stop(self) -> None:
        bindir = find_bindir()
        if bindir is not None and self.data.exists():
            self._run(
                str(bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_for(url: str, seconds: float = 30.0) -> None:
    import psycopg

    end = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(url, connect_timeout=3).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)
