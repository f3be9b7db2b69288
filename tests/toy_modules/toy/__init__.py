"""A toy module, plugged into a test app by one line: counters anyone can add to, and a handler bug.

It exists to show that a module is one folder and one line in a modules list: from this package
alone the app, the API, the CLI, the SDK and the JSON Schemas pick it up. ``toy/fail`` raises a
Python exception of the kind asked for, after writing, as a buggy handler would.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from metrobloc.errors import Conflict, InvalidInput
from metrobloc.execution import Context, ErrorCode, EventSpec, Module, QuerySpec
from metrobloc.execution.messages import Message, Text, field

TOO_BIG = ErrorCode("toy.too_big", Conflict, "a counter would pass 1000")


class Name(Text):
    """A counter's name: lower-case letters, 1 to 16."""

    pattern = re.compile(r"^[a-z]{1,16}$")


class Add(Message, tag="toy/add", frozen=True):
    """Add to a named counter."""

    name: Annotated[Name, field("The counter.")]
    by: Annotated[int, field("How much to add, 1..100.", default=1)]

    def __post_init__(self) -> None:
        if not 1 <= self.by <= 100:
            raise InvalidInput("by must lie in 1..100", "msg.bad_integer")


class Fail(Message, tag="toy/fail", frozen=True):
    """Write to a counter, then fail the way a bug would."""

    kind: Annotated[str, field("key_error, zero_division or recursion.")]


def counter_key(name: str) -> bytes:
    return b"toy/counter/" + name.encode()


def read_counter(state: Any, name: str) -> int:
    raw = state.get(counter_key(name))
    return 0 if raw is None else int(raw)


class ToyHandlers:
    def add(self, ctx: Context, msg: Add) -> None:
        value = read_counter(ctx, msg.name) + msg.by
        if value > 1000:
            raise TOO_BIG.error(f"{msg.name} would reach {value}")
        ctx.set(counter_key(msg.name), str(value).encode())
        ctx.emit("toy/add", name=msg.name, value=str(value))

    def fail(self, ctx: Context, msg: Fail) -> None:
        ctx.set(counter_key("broken"), b"999")  # a write the failure must roll back
        ctx.emit("toy/add", name="broken", value="999")
        if msg.kind == "key_error":
            _ = {}["missing"]  # type: ignore[index]
        elif msg.kind == "zero_division":
            _ = 1 // (len(msg.kind) - len(msg.kind))
        else:
            recurse(0)


def recurse(depth: int) -> int:
    return recurse(depth + 1) + 1


def init_genesis(ctx: Context, section: Any) -> None:
    for name, value in sorted(section.get("counters", {}).items()):
        ctx.set(counter_key(name), str(int(value)).encode())


MODULE = Module(
    name="toy",
    doc="Counters anyone can add to (a test module).",
    package=__name__,
    messages=(Add, Fail),
    handlers=ToyHandlers,
    events=(EventSpec("toy/add", ("name", "value"), "A counter changed."),),
    errors=(TOO_BIG,),
    init_genesis=init_genesis,
    queries=(QuerySpec("counter", "/v1/toy/counters/{name}", "A counter's value."),),
)
