"""Clocks of simulated stations: virtual time (discrete events), and an accelerated wall clock.

`VirtualClock` is what simulated campaigns run on: simulated time stands still while any participant runs and
jumps to the next wake-up when every participant waits, as a discrete-event simulator does. So a seed fixes the
campaign at any machine load, and a campaign runs as fast as the processor allows. Participants:

- threads started with `worker` (e.g. a device's settle watcher): running from their start until they sleep
  on the clock or return; they are background participants, which never move time on their own;
- a RunEngine given to `bind`: its thread runs between the messages it waits on (`sleep` in clock seconds, a
  `wait` for statuses) and leaves when its run ends;
- any other thread that calls `sleep` (a test, say) waits for its wake-up like a RunEngine does.

Time jumps only while a RunEngine or another foreground thread waits on it, so leftover watchers never move it
between runs. Wake-ups at the same instant come in the order they were asked for.

`SimClock` runs simulated seconds `speedup` times faster than the wall clock; it stays for what needs wall time:
protocol emulators serving a real client, rehearsals an operator watches, `sdlab simulate --speedup X`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from devices.clock import bind_sleep, start_thread

DEFAULT_SPEEDUP = 3600.0  # a 60-minute recipe takes about one wall second
MIN_WALL_SLEEP_S = 1e-3  # shortest wall sleep, so pollers do not spin
SUSPENDED_TICK_S = 1.0  # while a RunEngine is suspended, time moves in these steps …
SUSPENDED_TICK_WALL_S = 1e-3  # … one per this much wall time, so that monitors polling in wall time see it pass


@dataclass(order=True)
class _WakeUp:
    at: float
    seq: int
    thread: int = field(compare=False)
    foreground: bool = field(compare=False)
    callback: Callable[[], None] | None = field(compare=False, default=None)
    fired: bool = field(compare=False, default=False)


class VirtualClock:
    """Discrete-event simulated time (seconds from 0): see the module docstring."""

    def __init__(self) -> None:
        self._now = 0.0
        self._cv = threading.Condition()
        self._queue: list[_WakeUp] = []
        self._seq = itertools.count()
        self._workers: set[int] = set()  # background participants (threads of `worker`)
        self._engines: dict[int, Any] = {}  # threads of bound RunEngines (→ engine), while a run of theirs is on
        self._running: set[int] = set()  # participants running now
        self._starting = 0  # workers started whose thread has not begun yet
        self._waiting: dict[int, Callable[[], bool]] = {}  # engines waiting for statuses: what ends the wait
        self._suspended: set[Any] = set()  # engines suspended (bluesky suspenders)

    # ---- the Clock interface ------------------------------------------------------------------------
    def time(self) -> float:
        """Simulated seconds since creation."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Wait until `seconds` of simulated time have passed (time jumps there once every participant waits)."""
        me = threading.get_ident()
        with self._cv:
            wake = self._schedule(seconds, me)
            self._running.discard(me)
            self._advance()
            while not wake.fired:
                self._cv.wait()

    def wall_seconds(self, seconds: float) -> float:
        """Zero: virtual time costs no wall time of its own."""
        return 0.0

    def worker(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Run `target` in a daemon thread that takes part in this clock's time from this moment on."""
        with self._cv:
            self._starting += 1

        def run() -> None:
            me = threading.get_ident()
            with self._cv:
                self._starting -= 1
                self._workers.add(me)
                self._running.add(me)
            try:
                target()
            finally:
                with self._cv:
                    self._workers.discard(me)
                    self._running.discard(me)
                    self._advance()

        return start_thread(run, name)

    def bind(self, engine: Any) -> None:
        """Make `engine` take part: its `sleep` messages wait in clock seconds, its waits for statuses and its
        suspensions let time run, and its thread runs between them until its run ends."""
        previous_waiting, previous_state = engine.waiting_hook, engine.state_hook

        async def sleep(msg: Any) -> None:
            loop = asyncio.get_running_loop()
            done = loop.create_future()
            me = threading.get_ident()

            def wake() -> None:
                loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))

            with self._cv:
                self._engines[me] = engine
                wake_up = self._schedule(msg.args[0], me, wake)
                self._running.discard(me)
                self._advance()
            try:
                await done
            except asyncio.CancelledError:  # a suspender bumped the engine out of its sleep
                with self._cv:
                    if not wake_up.fired:
                        self._queue.remove(wake_up)
                        heapq.heapify(self._queue)
                    self._resume(me)
                raise

        def waiting_hook(statuses: Any) -> None:
            me = threading.get_ident()
            with self._cv:
                if statuses:
                    objects = list(statuses)
                    self._engines[me] = engine
                    self._waiting[me] = lambda: (all(s.done for s in objects)
                                                 or any(s.done and not s.success for s in objects))
                    self._running.discard(me)
                    self._advance()
                else:
                    self._waiting.pop(me, None)
                    self._resume(me)
            if previous_waiting is not None:
                previous_waiting(statuses)

        def state_hook(new: str, old: str) -> None:
            if new == "suspending":
                self._tick_while_suspended(engine)
            elif new in ("idle", "paused", "panicked"):
                with self._cv:
                    self._end_run(engine)
            if previous_state is not None:
                previous_state(new, old)

        resume_from_suspender = engine._command_registry["_resume_from_suspender"]  # bluesky has no public hook

        async def resumed(msg: Any) -> Any:  # readings recovered: the engine runs again
            with self._cv:
                self._suspended.discard(engine)
                for thread in [t for t, e in self._engines.items() if e is engine]:
                    self._resume(thread)
            return await resume_from_suspender(msg)

        engine.register_command("sleep", sleep)
        engine.register_command("_resume_from_suspender", resumed)
        engine.waiting_hook = waiting_hook
        engine.state_hook = state_hook

    # ---- scheduling ---------------------------------------------------------------------------------
    def _schedule(self, seconds: float, thread: int, callback: Callable[[], None] | None = None) -> _WakeUp:
        wake = _WakeUp(self._now + max(0.0, float(seconds)), next(self._seq), thread,
                       thread not in self._workers, callback)
        heapq.heappush(self._queue, wake)
        return wake

    def _takes_part(self, thread: int) -> bool:
        """A worker, or the thread of a bound engine that is not suspended (a suspended one waits for its readings
        to recover, in ticks of time, whatever it was waiting for before)."""
        if thread in self._workers:
            return True
        return thread in self._engines and self._engines[thread] not in self._suspended

    def _resume(self, thread: int) -> None:
        """An engine's thread runs again (unless its engine is suspended)."""
        if self._takes_part(thread):
            self._running.add(thread)
        else:
            self._running.discard(thread)
            self._advance()

    def _end_run(self, engine: Any) -> None:
        """The engine's run is over: its thread no longer takes part (it waits for the next run)."""
        for thread in [t for t, e in self._engines.items() if e is engine]:
            del self._engines[thread]
            self._running.discard(thread)
            self._waiting.pop(thread, None)
        self._suspended.discard(engine)
        self._advance()

    def _advance(self) -> None:
        """With the lock held: wake the next sleeper while nobody runs and a foreground participant waits."""
        while not (self._starting or self._running):
            if any(done() for done in self._waiting.values()):
                return  # an engine whose statuses finished is about to run
            if not self._waiting and not any(w.foreground for w in self._queue):
                return  # nobody in the foreground waits for time: it stands still
            if not self._queue:
                return
            wake = heapq.heappop(self._queue)
            self._now = max(self._now, wake.at)
            wake.fired = True
            member = self._takes_part(wake.thread)
            if member:
                self._running.add(wake.thread)
            if wake.callback is not None:
                try:
                    wake.callback()
                except RuntimeError:  # the engine's loop has closed
                    self._running.discard(wake.thread)
                    continue
            self._cv.notify_all()
            if member:
                return

    def _tick_while_suspended(self, engine: Any) -> None:
        """A suspended engine waits for readings to recover, which takes time: let it pass in steps."""
        with self._cv:
            if engine in self._suspended:
                return
            self._suspended.add(engine)
            for thread in [t for t, e in self._engines.items() if e is engine]:
                self._running.discard(thread)
            self._advance()

        def tick() -> None:
            while engine in self._suspended:
                self.sleep(SUSPENDED_TICK_S)
                time.sleep(SUSPENDED_TICK_WALL_S)

        start_thread(tick, "virtual-clock-suspended")


class SimClock:
    """Simulated seconds = wall seconds × speedup, counted from creation, less the wall time spent `paused`."""

    def __init__(self, speedup: float = DEFAULT_SPEEDUP) -> None:
        if not speedup > 0:
            raise ValueError(f"clock speedup must be > 0, got {speedup}")
        self.speedup = float(speedup)
        self._origin = time.monotonic()
        self._lock = threading.Lock()
        self._pauses = 0
        self._paused_at: float | None = None

    def time(self) -> float:
        """Simulated seconds since creation."""
        with self._lock:
            now = time.monotonic() if self._paused_at is None else self._paused_at
            return (now - self._origin) * self.speedup

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stop simulated time while the block runs (e.g. while a twin integrates a backlog, so that a loaded
        host slows the simulation down instead of leaving the twin ever further behind its clock)."""
        with self._lock:
            self._pauses += 1
            if self._pauses == 1:
                self._paused_at = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._pauses -= 1
                if self._pauses == 0 and self._paused_at is not None:
                    self._origin += time.monotonic() - self._paused_at
                    self._paused_at = None

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of simulated time (at least MIN_WALL_SLEEP_S of wall time)."""
        time.sleep(max(MIN_WALL_SLEEP_S, self.wall_seconds(seconds)))

    def wall_seconds(self, seconds: float) -> float:
        """Wall seconds that `seconds` of simulated time take."""
        return max(0.0, seconds) / self.speedup

    def worker(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Run `target` in a daemon thread."""
        return start_thread(target, name)

    def bind(self, engine: Any) -> None:
        """Make `engine`'s `sleep` messages wait in clock seconds."""
        bind_sleep(engine, self.wall_seconds)
