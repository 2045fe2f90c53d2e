"""Polling rate of each serial driver against its emulator, next to the limit of the instrument's baud rate.

The emulators pace every exchange at the line rate (request and reply bytes × bits per character / baud,
plus Modbus RTU's 3.5-character silent interval after each frame). The theoretical limit is one exchange's
wire time from the same byte counts; the ratio shows the driver's and the host's overhead.

    .venv/bin/python -m benchmarks.drivers [--seconds 3] [--json benchmarks/results/drivers.json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from devices.drivers import (
    AlicatFlowController,
    EurothermController,
    PortSettings,
    PR4000BController,
    SerialLink,
    TPGGauge,
)
from simulators.clock import SimClock
from simulators.emulators import AlicatEmulator, EurothermEmulator, PR4000BEmulator, PtyEmulator, TPGEmulator
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld

MODBUS_GAP_CHARS = 3.5


def measure(emulator: PtyEmulator, poll: Callable[[], object], seconds: float, gaps_per_poll: float) -> dict:
    """Poll for `seconds`; the achieved rate and the baud-rate limit from the bytes actually exchanged."""
    poll()  # warm up (opens the port, e.g. reads the TPG's unit)
    in0, out0 = emulator.bytes_in, emulator.bytes_out
    polls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        poll()
        polls += 1
    elapsed = time.perf_counter() - started
    chars = (emulator.bytes_in - in0 + emulator.bytes_out - out0) / polls + gaps_per_poll
    limit = emulator.baudrate / (chars * emulator.bits_per_char)
    rate = polls / elapsed
    return {"baudrate": emulator.baudrate, "bits_per_char": emulator.bits_per_char,
            "chars_per_poll": round(chars, 2), "polls_per_s": round(rate, 2), "limit_per_s": round(limit, 2),
            "fraction_of_limit": round(rate / limit, 3)}


def run(seconds: float) -> dict[str, dict]:
    twin = Twin(GrapheneWorld.draw(0), SimClock(1.0))
    results = {}
    with EurothermEmulator(twin, pace=True) as emulator:
        furnace = EurothermController(SerialLink(emulator.path, PortSettings(9600)))
        results["eurotherm read PV (Modbus RTU)"] = measure(emulator, furnace.read_pv, seconds, 2 * MODBUS_GAP_CHARS)
    with AlicatEmulator(twin, {"A": ("Ar", 500.0)}, pace=True) as emulator:
        mfc = AlicatFlowController(SerialLink(emulator.path, PortSettings(19200)), "A")
        results["alicat poll"] = measure(emulator, mfc.poll, seconds, 0)
    with TPGEmulator(twin, pace=True) as emulator:
        gauge = TPGGauge(SerialLink(emulator.path, PortSettings(9600)))
        results["tpg PR1 + ENQ"] = measure(emulator, gauge.read_pressure, seconds, 0)
    with PR4000BEmulator(twin, pace=True) as emulator:
        controller = PR4000BController(SerialLink(emulator.path, PortSettings(9600, 7, "O")))
        results["pr4000b AV1"] = measure(emulator, controller.read_pressure, seconds, 0)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="polling time per driver")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/drivers.json"))
    args = parser.parse_args()
    results = run(args.seconds)
    print(f"{'driver':<32} {'baud':>6} {'chars/poll':>10} {'polls/s':>8} {'limit/s':>8} {'of limit':>8}")
    for name, r in results.items():
        print(f"{name:<32} {r['baudrate']:>6} {r['chars_per_poll']:>10} {r['polls_per_s']:>8} "
              f"{r['limit_per_s']:>8} {r['fraction_of_limit']:>8.1%}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
