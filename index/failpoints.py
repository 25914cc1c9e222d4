"""Named crash points for the kill tests: ``NEWSBOT_FAILPOINT=name[:n]`` SIGKILLs the process the n-th time
(default the first) the sync reaches ``name``. Unset, a failpoint is one dictionary lookup."""

from __future__ import annotations

import os
import signal
from collections import Counter

_reached: Counter[str] = Counter()


def failpoint(name: str) -> None:
    wanted = os.environ.get("NEWSBOT_FAILPOINT")
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
