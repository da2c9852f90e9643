"""Who and when an Audit row records.

The user is the person's name where the system gives one (the full name of
the account: the GECOS field on Linux and macOS, the display name on
Windows), else the login name; the ``Operator`` setting, when filled,
names the operator instead (see :func:`.common.seal`). The time is the wall
clock, except while :func:`clock` stands in for it: the demo runs its story
on the story's own dates, so its Audit rows carry those dates.
"""
from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
from datetime import datetime
from typing import Callable, Iterator

_CLOCK: contextvars.ContextVar[Callable[[], datetime] | None] = \
    contextvars.ContextVar("audit_clock", default=None)


def now() -> datetime:
    """The Audit row's time, to the second."""
    stand_in = _CLOCK.get()
    return (stand_in() if stand_in else datetime.now()).replace(microsecond=0)


@contextlib.contextmanager
def clock(stand_in: Callable[[], datetime]) -> Iterator[None]:
    """Audit rows written inside the block take their time from ``stand_in``."""
    token = _CLOCK.set(stand_in)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _full_name() -> str:
    if os.name == "nt":  # pragma: no cover - Windows
        import ctypes
        size = ctypes.c_ulong(0)
        secur32 = ctypes.windll.secur32
        secur32.GetUserNameExW(3, None, ctypes.byref(size))  # 3: NameDisplay
        buffer = ctypes.create_unicode_buffer(size.value)
        if size.value and secur32.GetUserNameExW(3, buffer, ctypes.byref(size)):
            return buffer.value
        return ""
    import pwd
    return pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()


def person() -> str:
    """The signed-in person's name, else the login name."""
    try:
        name = _full_name()
    except Exception:  # no account entry (containers), no secur32
        name = ""
    return name or getpass.getuser()
