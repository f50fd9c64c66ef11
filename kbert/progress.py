"""A progress line on stderr for long loops, without a dependency."""

import sys
import time


class Progress:
    """Counts work done and redraws one stderr line at most twice a second.

    On a terminal the line is redrawn in place; otherwise (a log file, a
    pipe) a line is written at most every `log_seconds`, so logs stay short.

    Args:
        label: what is being counted ("articles", "lines").
        total: the expected total, or None when unknown (then no percentage
            or time left is shown).
        stream: where to write (default `sys.stderr`).
        log_seconds: seconds between lines when `stream` is not a terminal.

    Example:
    >>> progress = Progress("lines", total=3)  # doctest: +SKIP
    >>> for line in lines:  # doctest: +SKIP
    ...     progress.update()
    >>> progress.close()  # doctest: +SKIP
    """

    def __init__(self, label, total=None, stream=None, log_seconds=30.0):
        self.label = label
        self.total = total
        self.count = 0
        self.stream = sys.stderr if stream is None else stream
        self._interactive = getattr(self.stream, "isatty", lambda: False)()
        self._every = 0.5 if self._interactive else log_seconds
        self._start = self._last = time.monotonic()

    def update(self, amount=1):
        self.count += amount
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._draw(now)

    def close(self):
        """Draws the final count and ends the line."""
        self._draw(time.monotonic())
        if self._interactive:
            self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now):
        elapsed = max(now - self._start, 1e-9)
        rate = self.count / elapsed
        text = f"{self.label}: {self.count:,}"
        if self.total:
            share = self.count / self.total
            text += f"/{self.total:,} ({share:.0%})"
            if rate > 0 and self.count < self.total:
                text += f", {(self.total - self.count) / rate:.0f} s left"
        text += f", {rate:,.0f}/s, {elapsed:.0f} s"
        self.stream.write(("\r" + text) if self._interactive else text + "\n")
        self.stream.flush()
