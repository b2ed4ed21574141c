"""Progress on long work: Keras' bar on a terminal, plain lines in a log file (no escape codes)."""

import sys
import time


class Progress:
    """`add(k)` after each piece of `total`; a bar when stdout is a terminal, else a line
    "done/total unit (seconds)" at every tenth of the work and at the end."""

    def __init__(self, total, unit="image", stream=None, label=""):
        self.total, self.unit, self.done, self.label = int(total), unit, 0, label
        self.stream = stream or sys.stdout
        self.start = time.time()
        self.bar = None
        self.next_line = 0.1
        if self.stream.isatty():
            import keras

            self.bar = keras.utils.Progbar(self.total, unit_name=unit)

    def add(self, k):
        self.done += int(k)
        if self.bar is not None:
            self.bar.add(int(k))
            return
        frac = self.done / self.total if self.total else 1.0
        if frac >= self.next_line or self.done >= self.total:
            while self.next_line <= frac:
                self.next_line += 0.1
            prefix = f"{self.label}: " if self.label else ""
            spent = time.time() - self.start
            left = "" if self.done >= self.total or not self.done else \
                f", about {spent * (self.total - self.done) / self.done:.0f} s left"
            print(f"{prefix}{self.done}/{self.total} {self.unit}s ({spent:.0f} s{left})", file=self.stream, flush=True)
