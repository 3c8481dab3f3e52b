"""A real PostgreSQL for tests: a throwaway cluster in a temp dir on a free 127.0.0.1 port.

Debian's ``postgresql`` package (``scripts/test`` installs it) puts the server under
``/usr/lib/postgresql/<major>/bin``. ``initdb`` and ``postgres`` refuse to run as root, so when
the tests run as root (CI here does) both run as the package's ``postgres`` user, which owns the
temp dir. Password authentication (scram) over TCP only, so the URL carries a real secret and
tests can check it never shows. Durability is off (fsync, synchronous_commit): a test cluster
lives for one session. Stopped by PID, like :mod:`tests.redis_server`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

from tests.support import free_port

USER = "syncgql"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def postgres_available() -> bool:
    """Whether PostgreSQL's server binaries exist on this machine."""
    return _bin_dir() is not None


class PostgresServer:
    """One ``postgres`` process with one superuser ``syncgql``, bound to 127.0.0.1."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self._bin = bin_dir
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self._dir = tempfile.TemporaryDirectory(prefix="syncgql-pg-")
        self._proc: subprocess.Popen[bytes] | None = None
        # As root, run as the package's user (initdb refuses root); else as ourselves.
        self._user = "postgres" if os.geteuid() == 0 else None
        root = Path(self._dir.name)
        self._data = root / "data"
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        pwfile = root / "pw"
        pwfile.write_text(self.password)
        if self._user is not None:
            os.chown(pwfile, pwd.getpwnam(self._user).pw_uid, -1)
        subprocess.run(
            [
                str(self._bin / "initdb"), "-D", str(self._data), "-U", USER,
                "--pwfile", str(pwfile), "--auth", "scram-sha-256",
                "-E", "UTF8", "--locale", "C", "--no-sync",
            ],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, user=self._user,
        )  # fmt: skip
        pwfile.unlink()

    def url(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL of ``database`` on this server, password included."""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until it accepts connections."""
        if self.running:
            return
        log = open(Path(self._dir.name) / "postgres.log", "ab")  # noqa: SIM115 - the child's
        if self._user is not None:
            os.chown(log.name, pwd.getpwnam(self._user).pw_uid, -1)
        self._proc = subprocess.Popen(
            [
                str(self._bin / "postgres"), "-D", str(self._data),
                "-c", f"port={self.port}", "-c", "listen_addresses=127.0.0.1",
                "-c", f"unix_socket_directories={self._dir.name}",
                "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200",
            ],
            stdout=log, stderr=log, user=self._user,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self._proc.returncode}: {self.log()}")
            ready = subprocess.run(
                [str(self._bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("postgres did not start in time")

    def create_database(self) -> str:
        """A new empty database; returns its URL (one per test keeps tests apart)."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one statement with ``psql`` and return its unaligned output."""
        out = subprocess.run(
            [
                str(self._bin / "psql"),
                "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database,
                "-v", "ON_ERROR_STOP=1", "-At", "-c", sql,
            ],
            check=True, capture_output=True, env={**os.environ, "PGPASSWORD": self.password},
        )  # fmt: skip
        return out.stdout.decode()

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (Path(self._dir.name) / "postgres.log").read_text()[-2000:]
        return ""

    def kill(self) -> None:
        """SIGKILL the server (a crash) and reap it."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None

    def stop(self) -> None:
        """Stop the server (a fast shutdown) and remove its directory."""
        if self._proc is not None and self._proc.poll() is None:
            # SIGINT is postgres's "fast" shutdown; SIGTERM ("smart") would wait for clients.
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._proc = None
        self._dir.cleanup()

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
