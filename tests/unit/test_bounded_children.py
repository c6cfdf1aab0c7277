"""The bounded readers' children (documents.bounded, documents.zygote): one fresh process per
document under its budget, forked from a warm zygote instead of started, with the same answers as
a started child; a zygote that is gone or belongs to a parent process is never used."""

from __future__ import annotations

import json
import os
import time

import pytest

from verifier.documents import bounded, zygote

MB = 1 << 20


def _gone(pid: int, seconds: float = 2.0) -> bool:
    """The process has exited (and been reaped) within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _remember(data: bytes = b"x") -> dict:
    return bounded.run_bounded("tests.unit.bounded_targets:remember", data, memory_bytes=256 * MB, seconds=30)


def test_each_document_gets_a_fresh_child_of_one_warm_zygote() -> None:
    first, second = _remember(), _remember()
    assert first["seen"] == [1] and second["seen"] == [1]  # nothing of the first read is left
    assert first["pid"] != second["pid"]
    assert first["ppid"] == second["ppid"] != os.getpid()  # forked by the zygote, not started by us
    assert first["warm"]  # the PDF reader was imported before the fork


def test_input_larger_than_a_pipe_buffer_is_read_whole() -> None:
    data = os.urandom(3 * MB)
    assert _remember(data)["size"] == len(data)


def test_a_child_past_its_deadline_is_stopped() -> None:
    got = bounded.run_bounded_lines("tests.unit.bounded_targets:pid_then_hang", b"", memory_bytes=256 * MB,
                                    seconds=1)
    assert got.stopped == "took longer than 1 s"
    pid = got.items[0]["pid"]
    assert _gone(pid, 2.5), f"the child {pid} still runs after its deadline"


def test_a_child_over_its_memory_budget_is_refused_in_one_line() -> None:
    with pytest.raises(bounded.BudgetExceeded) as e:
        bounded.run_bounded("tests.unit.bounded_targets:grab", str(400 * MB).encode(), memory_bytes=256 * MB,
                            seconds=30)
    assert "256 MB" in str(e.value) and "\n" not in str(e.value)


def test_a_broken_reader_is_a_refusal_and_its_traceback_stays_in_the_child(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(bounded.BudgetExceeded):
        bounded.run_bounded("tests.unit.bounded_targets:broken", b"", memory_bytes=256 * MB, seconds=30)
    assert "traceback the caller must not see" not in capfd.readouterr().err


def test_a_zygote_that_died_is_replaced() -> None:
    before = _remember()["ppid"]
    os.kill(before, 9)
    time.sleep(0.2)
    after = _remember()
    assert after["ppid"] != before and after["seen"] == [1]


def test_a_forked_process_starts_its_own_zygote() -> None:
    parents = _remember()["ppid"]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # like a Celery pool process forked from a main process that read a document
        try:
            os.write(w, json.dumps(_remember()).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        got = json.loads(f.read() or b"{}")
    os.waitpid(pid, 0)
    assert got["seen"] == [1] and got["ppid"] not in (parents, os.getpid())
    assert _remember()["ppid"] == parents  # ours is still ours


def test_without_a_zygote_the_child_is_started_and_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zygote.Zygote, "spawn", lambda self, argv: None)
    got = _remember()
    assert got["seen"] == [1] and got["ppid"] == os.getpid()
    with pytest.raises(bounded.BudgetExceeded) as e:
        bounded.run_bounded("tests.unit.bounded_targets:grab", str(400 * MB).encode(), memory_bytes=256 * MB,
                            seconds=30)
    assert "256 MB" in str(e.value)


def test_a_forked_process_does_not_keep_its_parents_zygote_alive() -> None:
    """The zygote exits with the process that started it, even when that process forked children
    that outlive it (Celery's main process and its pool)."""
    r, w = os.pipe()
    starter = os.fork()
    if starter == 0:
        try:
            zygote_pid = _remember()["ppid"]
            if os.fork() == 0:  # a child of the starter that outlives it
                time.sleep(3)
                os._exit(0)
            os.write(w, str(zygote_pid).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        zygote_pid = int(f.read())
    os.waitpid(starter, 0)
    assert _gone(zygote_pid), "the zygote outlived the process that started it"
