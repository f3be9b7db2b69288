"""Message builders generated from the modules' schemas: ``sdk.<module>.<message>(...)`` returns the wire dict.

Each builder takes the message's fields in declaration order (positionally or by name); amounts may
be ints or decimal strings, keys and signatures bytes or base64url, records structs, mappings or
tuples of their fields. Values are passed through unchecked: the node checks them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from metrobloc.execution import Module
from metrobloc.execution.messages import Message, field_specs, message_name, summary, to_wire, type_name

Builder = Callable[..., dict[str, Any]]


def builder(schema: type[Message]) -> Builder:
    """The builder of one message type, with a real signature and the schema's docs as its help."""
    specs = field_specs(schema)
    wire_type = type_name(schema)
    parameters = []
    for spec in specs.values():
        default = inspect.Parameter.empty if spec.default is msgspec.UNSET else spec.default
        parameters.append(inspect.Parameter(spec.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
    signature = inspect.Signature(parameters)

    def build(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        msg: dict[str, Any] = {"type": wire_type}
        for name, value in bound.arguments.items():
            spec = specs[name]
            if value is None and not spec.required:
                continue  # an optional field left out
            msg[name] = to_wire(spec, value)
        return msg

    build.__name__ = build.__qualname__ = message_name(schema)
    build.__signature__ = signature  # type: ignore[attr-defined]
    lines = [summary(schema), ""] + [f"{s.name}: {s.doc}" for s in specs.values()]
    build.__doc__ = "\n".join(lines)
    return build


class Namespace:
    """One module's builders (``sdk.assets.transfer``) and helpers (``sdk.land.registration_digest``)."""

    def __init__(self, module: Module) -> None:
        self.module = module.name
        self.__doc__ = module.doc
        members: dict[str, Callable[..., Any]] = {}
        for schema in module.messages:
            members[message_name(schema)] = builder(schema)
        members.update(module.sdk_helpers)
        self._members: Mapping[str, Callable[..., Any]] = members

    def __getattr__(self, name: str) -> Callable[..., Any]:
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(f"the {self.module} module has no message or helper {name!r}") from None

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __repr__(self) -> str:
        return f"<metrobloc.sdk.{self.module}: {', '.join(sorted(self._members))}>"


def namespaces(modules: tuple[Module, ...]) -> dict[str, Namespace]:
    """One namespace per module, by module name."""
    return {module.name: Namespace(module) for module in modules}
