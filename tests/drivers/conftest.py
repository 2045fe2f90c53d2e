"""A scripted serial port: each expected request is answered with canned reply bytes."""

from __future__ import annotations

from collections import deque

import pytest

from devices.drivers.transport import PortSettings, SerialLink


class ScriptedPort:
    """Checks every write against the script and queues the scripted reply for reading."""

    def __init__(self, script: list[tuple[bytes, bytes]]) -> None:
        self.script = deque(script)
        self.pending = bytearray()
        self.written: list[bytes] = []

    def reset_input_buffer(self) -> None:
        self.pending.clear()

    def write(self, data: bytes) -> int:
        self.written.append(bytes(data))
        expected, reply = self.script.popleft()
        assert bytes(data) == expected, f"request {bytes(data)!r} != expected {expected!r}"
        self.pending += reply
        return len(data)

    def flush(self) -> None:
        pass

    def read(self, n: int) -> bytes:
        out, self.pending = bytes(self.pending[:n]), self.pending[n:]
        return out

    def close(self) -> None:
        pass


class ScriptedLink(SerialLink):
    def __init__(self, script: list[tuple[bytes, bytes]], settings: PortSettings, retries: int = 0) -> None:
        super().__init__("scripted", settings, timeout_s=0.05, retries=retries)
        self.scripted = ScriptedPort(script)

    def _open(self, device: str) -> ScriptedPort:  # type: ignore[override]
        return self.scripted


@pytest.fixture
def scripted():
    """scripted(script, baud, bytesize=8, parity='N', retries=0) → a link that plays `script`."""
    def make(script: list[tuple[bytes, bytes]], baud: int, bytesize: int = 8, parity: str = "N",
             retries: int = 0) -> ScriptedLink:
        return ScriptedLink(script, PortSettings(baud, bytesize, parity), retries)
    return make
