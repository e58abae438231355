"""No network for the query engine: a seccomp filter that makes ``socket(AF_INET|AF_INET6, …)`` fail.

pyoxigraph evaluates ``SERVICE`` with its own HTTP client and its Python API (0.5.13) offers no way to
replace or switch off that client. The read-only check in :mod:`tokutei_kg.query` refuses ``SERVICE``
before the engine sees a query; this module is the independent second line: the thread (or worker
process) that evaluates a user query cannot open an internet socket at all, so a ``SERVICE`` the check
missed reaches nothing — Oxigraph gets ``EACCES`` from ``socket()`` and the query fails (or, with
``SERVICE SILENT``, gives the empty answer).

Linux on x86-64 and AArch64 only, with ``prctl(PR_SET_NO_NEW_PRIVS)`` and ``PR_SET_SECCOMP`` called
through ``ctypes`` (no dependency). A filter belongs to the thread that installs it and to the threads
and processes it starts; it ends with the thread. Elsewhere :func:`deny_network` returns False and
the read-only check is the only line.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_EACCES = 13
_AF_INET, _AF_INET6 = 2, 10
# machine → (AUDIT_ARCH_*, __NR_socket)
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}

_state = threading.local()


def _program(arch: int, socket_nr: int) -> list[tuple[int, int, int, int]]:
    ld_abs, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    args0 = 16 if sys.byteorder == "little" else 20  # offsetof(seccomp_data, args[0]), low 32 bits
    return [
        (ld_abs, 0, 0, 4),                     # 0: A = arch
        (jeq, 1, 0, arch),                     # 1: our architecture? go on : deny (foreign ABI)
        (ret, 0, 0, _RET_ERRNO | _EACCES),     # 2
        (ld_abs, 0, 0, 0),                     # 3: A = syscall number
        (jeq, 0, 3, socket_nr),                # 4: socket()? go on : allow
        (ld_abs, 0, 0, args0),                 # 5: A = domain
        (jeq, 2, 0, _AF_INET),                 # 6: AF_INET → deny
        (jeq, 1, 0, _AF_INET6),                # 7: AF_INET6 → deny
        (ret, 0, 0, _RET_ALLOW),               # 8
        (ret, 0, 0, _RET_ERRNO | _EACCES),     # 9
    ]


def deny_network() -> bool:
    """Forbid internet sockets to the calling thread and everything it starts, for good. True when
    the filter is in force (now or already), False where the platform offers no way to do it."""
    if getattr(_state, "denied", False):
        return True
    machine = os.uname().machine.lower() if hasattr(os, "uname") else ""
    if not sys.platform.startswith("linux") or machine not in _ARCHES:
        return False
    import ctypes  # (only here: it costs ~10 ms to import, and only Linux needs it)

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        program = _program(*_ARCHES[machine])
        filters = (SockFilter * len(program))(*(SockFilter(*op) for op in program))
        fprog = SockFprog(len(program), filters)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
            return False
    except (OSError, AttributeError, TypeError):
        return False
    _state.denied = True
    return True


def network_denied() -> bool:
    """Whether :func:`deny_network` is in force for the calling thread."""
    return bool(getattr(_state, "denied", False))


def without_network(function: Callable[[], T]) -> T:
    """``function()`` in a fresh thread that has no network; its result, or its exception re-raised.
    In a thread that already has no network (a ``serve`` worker), simply ``function()``."""
    if network_denied():
        return function()
    results: list[T] = []
    errors: list[BaseException] = []

    def body() -> None:
        try:
            deny_network()
            results.append(function())
        except BaseException as exc:  # noqa: BLE001 (handed back to the caller's thread)
            _drop_frames(exc)
            errors.append(exc)

    thread = threading.Thread(target=body, name="tokutei-kg-query", daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def _drop_frames(exc: BaseException | None) -> None:
    """Free the locals of the frames an exception holds, here in this thread: pyoxigraph's result
    objects must be dropped by the thread that made them."""
    import traceback

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if exc.__traceback__ is not None:
            traceback.clear_frames(exc.__traceback__)
        exc = exc.__context__ or exc.__cause__


__all__ = ["deny_network", "network_denied", "without_network"]
