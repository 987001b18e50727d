"""The debugger's parts on their own: timers that stand still while paused, and what the
DAP proxy reads and changes on the way through."""

from __future__ import annotations

import asyncio

from workbench.debug.clock import PausableClock, within
from workbench.debug.dap import Link, frame, read_message
from workbench.debug.session import Threads
from workbench.runtime.types import FakeClock


def test_timers_stand_still_while_paused_and_resume_with_what_was_left() -> None:
    base = FakeClock()
    clock = PausableClock(base)
    fired: list[str] = []
    clock.call_later(3.0, lambda: fired.append("timeout"))
    base.advance(1.0)
    clock.pause()
    base.advance(100.0)  # a long stop at a breakpoint
    assert fired == []
    clock.resume()
    base.advance(1.9)
    assert fired == []
    base.advance(0.2)
    assert fired == ["timeout"]


def test_a_timer_made_while_paused_starts_on_resume_and_cancel_forgets_it() -> None:
    base = FakeClock()
    clock = PausableClock(base)
    clock.pause()
    fired: list[int] = []
    clock.call_later(1.0, lambda: fired.append(1))
    cancelled = clock.call_later(1.0, lambda: fired.append(2))
    base.advance(5.0)
    cancelled.cancel()
    clock.resume()
    base.advance(1.0)
    assert fired == [1] and base.sleepers == 0


def test_within_waits_on_the_pausable_clock() -> None:
    async def main() -> tuple[bool, bool]:
        base = FakeClock()
        clock = PausableClock(base)
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = asyncio.ensure_future(within(never, 29.0, clock))
        await asyncio.sleep(0)
        clock.pause()
        base.advance(60.0)
        await asyncio.sleep(0)
        still = not waiting.done()
        clock.resume()
        base.advance(29.0)
        return still, await waiting

    still_waiting, answered = asyncio.run(main())
    assert still_waiting and answered is False


def test_threads_held_until_every_stopped_one_goes_on() -> None:
    changes: list[bool] = []
    threads = Threads(changes.append)
    threads.stop(1, everything=False)
    threads.stop(2, everything=False)
    threads.go(1, everything=False)
    assert threads.held and changes == [True]
    threads.go(2, everything=False)
    threads.stop(3, everything=True)
    threads.go(None, everything=True)
    assert changes == [True, False, True, False]


def test_link_adds_mappings_first_and_reads_stops_and_readiness() -> None:
    changes: list[bool] = []
    ready: list[bool] = []
    link = Link([("/src/fn", "/build/Fn")], Threads(changes.append), lambda: ready.append(True))
    attach = link._from_ide({"seq": 1, "type": "request", "command": "attach", "arguments": {
        "pathMappings": [{"localRoot": "/ws", "remoteRoot": "."}]}})
    assert attach["arguments"]["pathMappings"] == [
        {"localRoot": "/src/fn", "remoteRoot": "/build/Fn"},
        {"localRoot": "/ws", "remoteRoot": "."}]
    link._from_ide({"seq": 2, "type": "request", "command": "configurationDone"})
    link._from_debuggee({"type": "response", "request_seq": 2, "success": True})
    link._from_debuggee({"type": "event", "event": "stopped",
                         "body": {"threadId": 7, "reason": "breakpoint"}})
    link._from_ide({"seq": 3, "type": "request", "command": "next",
                    "arguments": {"threadId": 7}})
    link._from_debuggee({"type": "response", "request_seq": 3, "success": True})
    assert ready == [True] and changes == [True, False]


def test_framing_round_trip_and_garbage_ends_the_stream() -> None:
    async def main() -> list[object]:
        out = []
        for data in [frame({"seq": 1, "type": "event"}), b"Content-Length: x\r\n\r\n{}",
                     b"Content-Length: 5\r\n\r\n[1]", b"no header end"]:
            reader = asyncio.StreamReader()
            reader.feed_data(data)
            reader.feed_eof()
            out.append(await read_message(reader))
        return out

    assert asyncio.run(main()) == [{"seq": 1, "type": "event"}, None, None, None]
