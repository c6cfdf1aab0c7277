"""A warm parent for the bounded readers: one fresh child per document, forked, not started.

Why: every PDF source and PDF brief is read in a child process under a memory and time budget
(documents.bounded). Starting that child as a new interpreter costs about 70 ms of CPU (the
interpreter and pypdfium2's import) for a read that takes under 1 ms: most of a service worker's
time on a brief that cites one short PDF. The zygote is one such interpreter, started once per
process on first use with the readers already imported; each read forks it. The child is as
fresh as before (a new process per document, the budget set in it before it reads, nothing of
an earlier document left in it), it only skips the start-up.

The zygote is single-threaded (fork is safe there, as it is not in a worker with threads), reaps
each child as it exits (SIGCHLD), and exits when the process that started it closes
the socket (or dies). The protocol is one datagram per read on a SOCK_SEQPACKET pair: the
parent sends the child's arguments (JSON) with the two pipe ends the child takes as its stdin
and stdout; the zygote answers with the child's pid (so the parent can stop it at its deadline).

A process forked after starting a zygote (a Celery pool child, say) starts its own; when the
zygote cannot be started or dies, `spawn` answers None and the caller starts a plain child.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass

#: imported by the zygote before it forks, so that no child imports them again
PRELOAD = ("verifier.documents.bounded", "verifier.documents.pdf", "verifier.core.intake", "pypdfium2")


@dataclass(frozen=True)
class Child:
    """A forked reader: its pid, the fd its input is written to, the fd its output is read from."""

    pid: int
    stdin: int
    stdout: int


class Zygote:
    """The parent side: starts the zygote on first use, asks it for children, restarts it once gone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None

    def spawn(self, argv: list[str]) -> Child | None:
        """A child running `python -m verifier.documents.bounded *argv`'s reader, or None."""
        with self._lock:
            for _ in range(2):  # a zygote that died since the last read is replaced once
                if self._proc is None or self._proc.poll() is not None:
                    self._start()
                child = self._ask(argv)
                if child is not None:
                    return child
                self.close()
            return None

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "verifier.documents.zygote", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._sock = ours
        except OSError:
            ours.close()
        finally:
            theirs.close()

    def _ask(self, argv: list[str]) -> Child | None:
        if self._sock is None:
            return None
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            socket.send_fds(self._sock, [json.dumps(argv).encode()], [in_r, out_w])
            reply = self._sock.recv(64)
            pid = int(json.loads(reply)["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            os.close(in_w)
            os.close(out_r)
            return None
        finally:
            os.close(in_r)
            os.close(out_w)
        return Child(pid, in_w, out_r)

    def drop_inherited(self) -> None:
        """In a forked child: close our copy of the parent's socket, leave its process alone."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock, self._proc = None, None

    def close(self) -> None:
        """Close the socket (the zygote exits on its own) and forget the process."""
        if self._sock is not None:
            self._sock.close()
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._sock, self._proc = None, None


_shared: tuple[int, Zygote] | None = None
_shared_lock = threading.Lock()


def shared() -> Zygote:
    """This process's zygote (a forked process gets its own, never its parent's)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            _shared = (os.getpid(), Zygote())
        return _shared[1]


def _after_fork_in_child() -> None:
    """The parent's zygote is not ours: our copy of its socket is closed (so that the zygote still
    exits with the parent), and the lock (perhaps held by a thread that is not here) made anew."""
    global _shared, _shared_lock
    if _shared is not None:
        _shared[1].drop_inherited()
    _shared, _shared_lock = None, threading.Lock()


def _close_at_exit() -> None:
    if _shared is not None and _shared[0] == os.getpid():
        _shared[1].close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_at_exit)


# ------------------------------------------------------------------ the zygote's side


def serve(fd: int) -> int:
    """Fork one child per request until the socket closes."""
    sock = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, _reap)
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 65536, 2)
        except OSError:
            return 0
        if not msg:
            return 0
        if len(fds) != 2:
            for f in fds:
                os.close(f)
            continue
        pid = os.fork()
        if pid == 0:
            _be_child(sock, json.loads(msg), fds)
        for f in fds:
            os.close(f)
        sock.send(json.dumps({"pid": pid}).encode())


def _reap(*_: object) -> None:
    """Collect every exited child (waited for, so their CPU time is counted as the zygote's children's)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _be_child(sock: socket.socket, argv: list[str], fds: list[int]) -> None:
    """In the forked child: the pipes become stdin and stdout, then the bounded reader runs."""
    code = 1
    try:
        sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        for f in fds:
            os.close(f)
        from verifier.documents.bounded import _child

        code = _child(argv[0], int(argv[1]), int(argv[2]))
    except BaseException:  # the child must never return into the zygote's loop
        code = 1
    finally:
        os._exit(code)


if __name__ == "__main__":
    raise SystemExit(serve(int(sys.argv[1])))
