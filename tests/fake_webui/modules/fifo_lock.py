"""A lock that waiting threads get in the order they asked for it."""

from __future__ import annotations

import collections
import threading


class FIFOLock:
    def __init__(self):
        self._guard = threading.Lock()
        self._held = False
        self._waiters: collections.deque[threading.Event] = collections.deque()
        self.owner = None  # fake-only: ident of the holding thread

    def acquire(self, blocking=True):
        with self._guard:
            if not self._held and not self._waiters:
                self._held = True
                self.owner = threading.get_ident()
                return True
            if not blocking:
                return False
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # release() hands the lock over directly
        self.owner = threading.get_ident()
        return True

    def release(self):
        with self._guard:
            self.owner = None
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._held = False

    def held_by_current_thread(self) -> bool:  # fake-only
        return self.owner == threading.get_ident()

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()
