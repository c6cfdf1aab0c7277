"""Targets for the bounded-child tests (tests/unit/test_bounded_children.py), run in the child."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from typing import Any

SEEN: list[int] = []


def remember(data: bytes) -> dict[str, Any]:
    """What an earlier document left in this process, and who the process is."""
    SEEN.append(len(data))
    return {"seen": list(SEEN), "pid": os.getpid(), "ppid": os.getppid(), "size": len(data),
            "warm": "pypdfium2" in sys.modules}


def pid_then_hang(data: bytes) -> Iterator[dict[str, int]]:
    yield {"pid": os.getpid()}
    time.sleep(120)


def grab(data: bytes) -> int:
    return len(bytearray(int(data)))


def broken(data: bytes) -> int:
    print("a traceback the caller must not see", file=sys.stderr)
    raise RuntimeError("the reader broke")
