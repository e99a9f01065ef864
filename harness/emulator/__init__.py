"""A local HTTP emulator of the vendors' function-calling wire formats (a test double).

Its traffic is emulator traffic, never a vendor's: recordings made against it live under
provider ids starting with `emulator-`. See `server.start_emulator`, `scripts` (scripted
answers), `answers` (answers made from the cases: `--answer expected|mistakes`), `casewatch`
(reloading edited cases) and docs/emulator.md. Importing it imports no vendor SDK.
"""

from __future__ import annotations

from harness.emulator.server import EmulatorHandle, start_emulator

__all__ = ["EmulatorHandle", "start_emulator"]
