"""A local HTTP emulator of the vendors' function-calling wire formats (a test double).

Its traffic is emulator traffic, never a vendor's: recordings made against it live under
provider ids starting with `emulator-`. See `server.start_emulator` and `scripts`.
"""

from __future__ import annotations

__all__ = ["start_emulator"]


def start_emulator(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Start the emulator (see `harness.emulator.server.start_emulator`)."""
    from harness.emulator.server import start_emulator as _start

    return _start(*args, **kwargs)
