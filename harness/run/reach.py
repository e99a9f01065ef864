"""Before recording: is anything listening at a local base URL? (a hint instead of retries)

A profile pointing at 127.0.0.1 / localhost (the emulator, Ollama, vLLM, llama.cpp) whose port
refuses connections would otherwise burn every retry with backoff before failing. One TCP
connect per local address says it at once, with the command that starts the emulator.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from harness.errors import UserError
from harness.run.config import ProviderProfile

__all__ = ["LOCAL_HOSTS", "check_local_servers"]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _address(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    host = parts.hostname or ""
    return (host, port) if host in LOCAL_HOSTS else None


def _refused(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:  # a timeout or another error: let the real request tell
        return False


def check_local_servers(profiles: Sequence[ProviderProfile], timeout: float = 1.0) -> None:
    """Raise UserError naming each local address nobody listens on, with how to start it."""
    down: dict[tuple[str, int], list[ProviderProfile]] = {}
    checked: dict[tuple[str, int], bool] = {}
    for p in profiles:
        addr = _address(p.base_url) if p.base_url else None
        if addr is None:
            continue
        if addr not in checked:
            checked[addr] = _refused(addr[0], addr[1], timeout)
        if checked[addr]:
            down.setdefault(addr, []).append(p)
    if not down:
        return
    lines = []
    for (host, port), profs in down.items():
        ids = ", ".join(p.id for p in profs)
        if all(p.is_emulator for p in profs):
            hint = (
                f"start the emulator in another terminal: `fcharness emulator --port {port}` "
                "(it answers unscripted cases with their expected calls)"
            )
        else:
            hint = "start that server, or point the profile elsewhere with --base-url ID=URL"
        lines.append(f"nothing listens on {host}:{port} (provider(s) {ids}): {hint}")
    raise UserError("cannot record: " + "; ".join(lines))
