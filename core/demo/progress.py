"""A dependency-free progress bar for long management commands."""

import time


class Progress:
    """Draw `label [####....] 40% 800/2000` on a terminal; on other streams print only the end.

    `write` takes a string and writes it without adding a newline; a disabled bar writes nothing.
    """

    def __init__(self, total, *, label, write, tty, enabled=True, width=30):
        self.total = max(total, 0)
        self.label = label
        self.write = write
        self.tty = tty
        self.enabled = enabled and self.total > 0
        self.width = width
        self.done = 0
        self.started = time.monotonic()

    def __enter__(self):
        self._draw()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def advance(self, count=1):
        """Record `count` more units of work done and redraw."""
        self.done = min(self.total, self.done + count)
        self._draw()

    def close(self):
        """Finish the line with the elapsed time."""
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        prefix = "\r" if self.tty else ""
        self.write(f"{prefix}{self._line()} in {elapsed:.1f}s\n")
        self.enabled = False

    def _draw(self):
        if self.enabled and self.tty:
            self.write(f"\r{self._line()}")

    def _line(self):
        filled = self.width * self.done // self.total
        percent = 100 * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label} [{bar}] {percent:3d}% {self.done}/{self.total}"
