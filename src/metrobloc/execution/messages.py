"""Message schemas: each module message declared once, as a typed msgspec Struct.

From one declaration come the stateless parser (``decode``), the JSON Schema (``json_schema``), the
SDK builder, the CLI command and the spec tables. A field's type says how it is checked:

- ``Address``: an ``mb1`` address (``msg.bad_address``);
- ``Amount`` / ``Quantity``: a decimal string of an integer in 1 .. 2^128-1 / 0 .. 2^128-1
  (``msg.bad_amount``, ``msg.amount_out_of_range``), an ``int`` in Python;
- a ``Text`` subclass: a string matching its pattern in full (its ``code``, else ``msg.bad_string``);
- ``Key32`` / ``Signature64``: unpadded base64url of 32 / 64 bytes, ``bytes`` in Python;
- ``int`` / ``str`` / ``tuple`` with ``msgspec.Meta`` bounds (``msg.bad_integer``, ``msg.bad_string``);
- ``bool`` (``msg.bad_bool``); a ``Record`` (a nested object) or a tuple of them.

``field(doc, code=..., default=..., cli=...)`` documents a field: its doc line feeds the JSON Schema,
the CLI help and the spec; ``code`` overrides the error code of the field (a list's own bounds and
shape, and its elements' structure; an element of a checked type - address, amount, ``Text`` - keeps
its type's code);
``default`` is what the SDK and CLI fill in when the caller gives nothing (the wire still needs it);
``cli`` names the CLI option when the field name reads badly as one (``owners`` -> ``owner``).
Cross-field rules go in ``__post_init__`` and raise ``InvalidInput`` with their own code.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import msgspec

from metrobloc.codec import b64url_decode, b64url_encode, is_address
from metrobloc.errors import InvalidInput
from metrobloc.ledger.limits import MAX_AMOUNT

DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,38})$")


class Message(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type"):
    """A module message; a subclass names its wire type with ``tag="module/name"``."""


class Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A nested object inside a message (an owner's share, a part of a split)."""


class _Plain(type):
    """Metaclass of the field types below. A decoded value stays a plain ``str``, ``int`` or ``bytes``
    (records and canonical JSON accept nothing else), yet passes msgspec's check that the decoder
    returned an instance of the declared type."""

    def __instancecheck__(cls, obj: object) -> bool:
        return type(obj) in cls.__mro__


class Text(str, metaclass=_Plain):
    """A string type checked against ``pattern`` in full; subclasses set the class variables."""

    pattern: ClassVar[re.Pattern[str]]
    """Matched with ``fullmatch`` (a final newline never slips through ``$``)."""
    code: ClassVar[str] = "msg.bad_string"
    """The error code of a value that does not match."""
    example: ClassVar[str] = ""
    """An example value, for docs and help."""


class Address(str, metaclass=_Plain):
    """An ``mb1`` bech32 address."""


class Symbol(Text):
    """An asset symbol: an upper-case letter, then 1 to 15 upper-case letters or digits (e.g. CITY).

    Declared here, like ``Address``, because many modules name assets (the assets module owns them).
    """

    pattern = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
    example = "CITY"


class Amount(int, metaclass=_Plain):
    """A positive integer amount, sent as a decimal string."""


class Quantity(int, metaclass=_Plain):
    """An integer amount that may be zero, sent as a decimal string."""


class Key32(bytes, metaclass=_Plain):
    """A 32-byte Ed25519 public key, sent as unpadded base64url."""


class Signature64(bytes, metaclass=_Plain):
    """A 64-byte Ed25519 signature, sent as unpadded base64url."""


def field(doc: str, *, code: str | None = None, default: Any = msgspec.UNSET, cli: str | None = None) -> msgspec.Meta:
    """A field's documentation and hints (see the module docstring)."""
    extra: dict[str, Any] = {}
    if code is not None:
        extra["code"] = code
    if default is not msgspec.UNSET:
        extra["default"] = default
    if cli is not None:
        extra["cli"] = cli
    return msgspec.Meta(description=doc, extra=extra)


# -- decoding --------------------------------------------------------------------------------------


class _FieldError(ValueError):
    """A custom type's refusal; msgspec adds the path, ``decode`` turns it into ``InvalidInput``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}|{text}")


def _amount(value: object, positive: bool) -> int:
    if not isinstance(value, str) or not DECIMAL.fullmatch(value):
        raise _FieldError("msg.bad_amount", "must be a decimal string of digits")
    n = int(value)
    if n > MAX_AMOUNT:
        raise _FieldError("msg.amount_out_of_range", "exceeds 2^128-1")
    if positive and n == 0:
        raise _FieldError("msg.bad_amount", "must be positive")
    return n


def _dec_hook(type_: type, value: object) -> object:
    if type_ is Address:
        if not is_address(value):
            raise _FieldError("msg.bad_address", "must be an mb1 address")
        return value
    if type_ is Amount or type_ is Quantity:
        return _amount(value, type_ is Amount)
    if isinstance(type_, type) and issubclass(type_, Text):
        if not isinstance(value, str) or not type_.pattern.fullmatch(value):
            raise _FieldError(type_.code, f"must be a string matching {type_.pattern.pattern}")
        return value
    if type_ is Key32 or type_ is Signature64:
        if not isinstance(value, str):
            raise _FieldError("codec.bad_base64url", "must be a base64url string")
        return b64url_decode(value, length=32 if type_ is Key32 else 64, what="value")
    raise NotImplementedError(type_)


_AT = re.compile(r"^(.*) - at `\$(.*)`$", re.DOTALL)
_TAGGED = re.compile(r"^([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\|(.*)$", re.DOTALL)
"""A ``_FieldError``'s text: ``code|message``."""
_MISSING = re.compile(r"^Object missing required field `(.*)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(.*)`$")


def decode(cls: type[msgspec.Struct], value: Any) -> Any:
    """The typed message for a parsed JSON object; ``InvalidInput`` with the field's code otherwise."""
    try:
        return msgspec.convert(value, cls, dec_hook=_dec_hook)
    except msgspec.ValidationError as exc:
        raise _invalid(cls, str(exc)) from None


def _invalid(cls: type[msgspec.Struct], text: str) -> InvalidInput:
    found = _AT.match(text)
    reason, path = (found.group(1), found.group(2)) if found else (text, "")
    if m := _MISSING.match(reason):
        return InvalidInput(f"{_join(path, m.group(1))}: missing field", "msg.missing_field")
    if m := _UNKNOWN.match(reason):
        return InvalidInput(f"{_join(path, m.group(1))}: unknown field", "msg.unknown_field")
    if tagged := _TAGGED.match(reason):
        code, detail = tagged.group(1), tagged.group(2)
    else:
        code, detail = _path_code(cls, path), reason
    where = path.lstrip(".") or "message"
    return InvalidInput(f"{where}: {detail[:1].lower()}{detail[1:]}", code)


def _join(path: str, name: str) -> str:
    return f"{path.lstrip('.')}.{name}" if path else name


_STEP = re.compile(r"\.(\w+)|\[\d+\]")


def _path_code(cls: type[msgspec.Struct], path: str) -> str:
    """The error code of the innermost struct field on ``path`` (its ``code``, else its type's)."""
    owner: Any = cls
    code = "msg.invalid"
    for step in _STEP.finditer(path):
        name = step.group(1)
        if name is None or not _is_struct(owner):
            owner = _element(owner)
            continue
        spec = field_specs(owner).get(name)
        if spec is None:
            break
        code = spec.code
        owner = spec.inner
    return code


# -- introspection: what the SDK, the CLI and the docs read -----------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field of a message or record, as declared."""

    name: str
    """The wire name."""
    annotation: Any
    """The declared type, without ``Annotated`` metadata."""
    inner: Any
    """The type inside ``| None`` and ``tuple[..., ...]``: a scalar type or a Record."""
    doc: str
    """The doc line."""
    code: str
    """The error code of a bad value."""
    required: bool
    """Must be present on the wire (it may still be nullable)."""
    nullable: bool
    """May be ``null``."""
    many: bool
    """A list (JSON array) of ``inner``."""
    default: Any
    """The SDK and CLI default, or ``msgspec.UNSET``."""
    cli: str
    """The CLI option name (without ``--``)."""
    bounds: Mapping[str, int]
    """Numeric or length bounds from ``msgspec.Meta`` (ge, le, min_length, max_length)."""


def _is_struct(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, msgspec.Struct)


def _element(t: Any) -> Any:
    args = [a for a in typing.get_args(t) if a is not Ellipsis and a is not type(None)]
    return args[0] if args else t


DEFAULT_CODES: dict[Any, str] = {
    Address: "msg.bad_address",
    Amount: "msg.bad_amount",
    Quantity: "msg.bad_amount",
    int: "msg.bad_integer",
    bool: "msg.bad_bool",
    str: "msg.bad_string",
    Key32: "codec.bad_base64url",
    Signature64: "codec.bad_base64url",
}


@cache
def field_specs(cls: type[msgspec.Struct]) -> dict[str, FieldSpec]:
    """The fields of a message or record, in declaration order."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out = {}
    for info in msgspec.structs.fields(cls):
        out[info.name] = _spec(info, hints[info.name])
    return out


def _spec(info: msgspec.structs.FieldInfo, hint: Any) -> FieldSpec:
    metas: list[msgspec.Meta] = []
    while typing.get_origin(hint) is typing.Annotated:
        metas += [m for m in hint.__metadata__ if isinstance(m, msgspec.Meta)]
        hint = hint.__origin__
    base = hint
    # ``X | None`` is a types.UnionType, ``Annotated[X, ...] | None`` a typing.Union
    union = isinstance(base, types.UnionType) or typing.get_origin(base) is typing.Union
    members = typing.get_args(base) if union else ()
    nullable = type(None) in members
    if nullable:
        base = next(m for m in members if m is not type(None))
    many = typing.get_origin(base) is tuple
    inner = _element(base) if many else base
    while typing.get_origin(inner) is typing.Annotated:
        metas += [m for m in inner.__metadata__ if isinstance(m, msgspec.Meta)]
        inner = inner.__origin__
    extra: dict[str, Any] = {}
    bounds: dict[str, int] = {}
    doc = ""
    for meta in metas:
        extra |= meta.extra or {}
        doc = meta.description or doc
        for bound in ("ge", "le", "min_length", "max_length"):
            if getattr(meta, bound) is not None:
                bounds[bound] = getattr(meta, bound)
    code = extra.get("code") or (inner.code if _is_text(inner) else DEFAULT_CODES.get(inner, "msg.invalid"))
    return FieldSpec(
        name=info.encode_name,
        annotation=hint,
        inner=inner,
        doc=doc,
        code=code,
        required=info.required,
        nullable=nullable,
        many=many,
        default=extra.get("default", msgspec.UNSET if info.required else info.default),
        cli=extra.get("cli", info.encode_name).replace("_", "-"),
        bounds=bounds,
    )


def _is_text(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, Text)


def type_name(cls: type[Message]) -> str:
    """The wire type, e.g. ``assets/transfer``."""
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str), cls
    return tag


def message_name(cls: type[Message]) -> str:
    """The name within its module, e.g. ``transfer`` for ``assets/transfer`` (its handler's name)."""
    return type_name(cls).partition("/")[2]


def summary(cls: type[msgspec.Struct]) -> str:
    """The first line of the declaration's docstring."""
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


# -- JSON Schema and the wire form the SDK builds -----------------------------------------------------


def _schema_hook(t: type) -> dict[str, Any]:
    if t is Address:
        # no pattern: a regular expression cannot say "with a valid checksum", and a client
        # generating data from one would make addresses the node must refuse
        return {"type": "string", "format": "mb1-address", "description": "An mb1 bech32 address (BIP-173, 20 bytes)."}
    if t is Amount or t is Quantity:
        low = "1" if t is Amount else "0"
        text = f"An integer {low} .. 2^128-1 as a decimal string."
        return {"type": "string", "pattern": DECIMAL.pattern, "maxLength": 39, "description": text}
    if isinstance(t, type) and issubclass(t, Text):
        schema: dict[str, Any] = {"type": "string", "pattern": t.pattern.pattern}
        if t.__doc__:
            schema["description"] = t.__doc__.strip().splitlines()[0]
        return schema
    if t is Key32 or t is Signature64:
        # canonical unpadded base64url: the last character carries only the remaining bits
        pattern = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$" if t is Key32 else "^[A-Za-z0-9_-]{85}[AQgw]$"
        return {"type": "string", "pattern": pattern, "description": t.__doc__}
    raise NotImplementedError(t)


def json_schema(cls: type[Message]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one message, self-contained."""
    schema: dict[str, Any] = msgspec.json.schema(cls, schema_hook=_schema_hook)
    body = dict(schema["$defs"].pop(cls.__name__))
    body["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    body["$id"] = f"urn:metrobloc:schema:{type_name(cls)}"
    body["title"] = type_name(cls)
    if schema["$defs"]:
        body["$defs"] = schema["$defs"]
    stripped: dict[str, Any] = _strip_defaults(body)
    return stripped


def _strip_defaults(node: Any) -> Any:
    """Drop msgspec's ``default: null`` noise from the optional fields' schemas, and dedent descriptions
    taken from docstrings (msgspec 0.23 dedents them, 0.22 did not: the schemas are the same with either)."""
    if isinstance(node, dict):
        return {
            k: inspect.cleandoc(v) if k == "description" and isinstance(v, str) else _strip_defaults(v)
            for k, v in node.items()
            if not (k == "default" and v is None)
        }
    if isinstance(node, list):
        return [_strip_defaults(v) for v in node]
    return node


def to_wire(spec: FieldSpec, value: Any) -> Any:
    """A Python value of a field in its JSON form (ints of amounts as strings, bytes as base64url)."""
    if value is None:
        return None
    if spec.many:
        return [_scalar(spec.inner, v) for v in value]
    return _scalar(spec.inner, value)


def _scalar(t: Any, value: Any) -> Any:
    if t is Amount or t is Quantity:
        return value if isinstance(value, str) else str(value)
    if (t is Key32 or t is Signature64) and isinstance(value, bytes):
        return b64url_encode(value)
    if _is_struct(t):
        return record_to_wire(t, value)
    return value


def record_to_wire(cls: type[msgspec.Struct], value: Any) -> dict[str, Any]:
    """A record given as a struct, a mapping or a tuple of its fields in order, in JSON form."""
    specs = field_specs(cls)
    if isinstance(value, msgspec.Struct):
        value = msgspec.structs.asdict(value)
    if not isinstance(value, Mapping):
        value = dict(zip(specs, value, strict=True))
    return {name: to_wire(specs[name], value[name]) for name in specs if name in value}


Builder = Callable[..., dict[str, Any]]


def command_name(cls: type[Message]) -> str:
    """The CLI command of a message: its ``cli_name`` class variable, else its name with dashes."""
    name = getattr(cls, "cli_name", None)
    return name if isinstance(name, str) else message_name(cls).replace("_", "-")


def param_schema(t: type) -> dict[str, Any]:
    """The JSON Schema of a field type, for documenting an HTTP parameter of that type."""
    return _schema_hook(t)
