"""The one cache of public reads: answers kept until the transparency log grows or the day changes.

Every change a public page shows (a label issued, suspended, reinstated, revoked or superseded, a key event)
appends a leaf to the log in the same transaction, and expiry follows from the date: so (question, day, log size)
names one answer. Reading the log's size is one primary-key lookup.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.log import store as log_store

T = TypeVar("T")


def log_size(engine: Engine) -> int:
    """The number of leaves in the log (one primary-key lookup)."""
    with Session(engine) as s:
        return log_store.tree_size(s)


class SnapshotCache:
    """A small LRU of answers keyed by (question, day, log size), safe across threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[Any, date, int], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, engine: Engine, question: Hashable, today: date, compute: Callable[[], T]) -> T:
        """The answer to ``question`` as of now, computed when the log or the day changed since."""
        key = (question, today, log_size(engine))
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return cast(T, self._answers[key])
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer
