"""Drive a command through a real pseudo-terminal (stdlib pty), expect-style: the program
sees a terminal on stdin, stdout and stderr, exactly as a person at a console would give it."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")


class PtySession:
    def __init__(
        self, argv: Sequence[str], env: dict[str, str], cols: int = 140, rows: int = 50
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.raw = b""
        self.seen = 0  # how much of the output an expect() has consumed

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.raw += chunk
        return bool(chunk)

    def expect(self, pattern: str, timeout: float = 60) -> str:
        """Wait for ``pattern`` (a regex) after what earlier expects consumed; return the
        text up to and including it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text
            m = rx.search(text, self.seen)
            if m:
                out = text[self.seen : m.end()]
                self.seen = m.end()
                return out
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.5)) and self.proc.poll() is not None):
                if not self._read(0.1):
                    raise AssertionError(f"never saw {pattern!r}; output was:\n{text}")

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\r").encode("utf-8"))

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0.05):
            pass
        code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        os.close(self.master)
        return code
