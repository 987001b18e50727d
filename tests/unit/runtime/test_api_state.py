"""The Runtime API's hand-off between an environment and its runtime, without processes."""

from __future__ import annotations

import asyncio
from typing import Any

from workbench.runtime.api import NextEvent, Outcome, RuntimeApiState


class Connection:
    """Stands in for the runtime's parked /next connection."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_event(self, event: NextEvent) -> None:
        self.sent.append(event.request_id)


def event(request_id: str) -> NextEvent:
    return NextEvent(request_id, b"{}", 0, "arn")


def run(body: Any) -> Any:
    async def main() -> Any:
        return body(RuntimeApiState())
    return asyncio.run(main())


def test_an_event_offered_to_a_parked_runtime_is_sent_at_once() -> None:
    def body(state: RuntimeApiState) -> list[str]:
        runtime = Connection()
        state.poll(runtime)  # type: ignore[arg-type]
        state.offer(event("a"))
        return runtime.sent

    assert run(body) == ["a"]


def test_an_event_offered_before_the_runtime_polls_waits_for_it() -> None:
    def body(state: RuntimeApiState) -> tuple[list[str], list[str]]:
        state.offer(event("a"))
        runtime = Connection()
        before = list(runtime.sent)
        state.poll(runtime)  # type: ignore[arg-type]
        state.poll(runtime)  # parks again: nothing more to send
        return before, runtime.sent

    assert run(body) == ([], ["a"])


def test_a_closed_poller_is_not_sent_to() -> None:
    def body(state: RuntimeApiState) -> tuple[list[str], list[str]]:
        gone, back = Connection(), Connection()
        state.poll(gone)  # type: ignore[arg-type]
        state.disconnected(gone)  # type: ignore[arg-type]
        state.offer(event("a"))
        state.poll(back)  # type: ignore[arg-type]
        return gone.sent, back.sent

    assert run(body) == ([], ["a"])


def test_answers_reach_their_request_and_strays_are_dropped() -> None:
    def body(state: RuntimeApiState) -> tuple[Any, bool, bool]:
        answer = state.expect("a")
        forgotten = state.expect("b")
        state.forget("b")
        state.deliver("b", Outcome("response", b"late"))
        state.deliver("nobody", Outcome("response", b"stray"))
        state.deliver("a", Outcome("response", b"ok"))
        state.deliver("a", Outcome("response", b"twice"))  # a second post changes nothing
        return answer.result().body, forgotten.done(), state.polled.is_set()

    assert run(body) == (b"ok", False, False)
