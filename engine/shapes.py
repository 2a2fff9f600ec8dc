"""JSON Schema pieces (draft 2020-12) with which an outcome states the shape of its `to_json`,
beside it (`shape`); engine/schema.py gathers them per command from the handlers' return
types. An outcome that writes no `to_json` of its own has the shape of its fields."""

from __future__ import annotations

import types
from dataclasses import fields, is_dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

Shape = dict[str, Any]
STR: Shape = {"type": "string"}
INT: Shape = {"type": "integer"}
BOOL: Shape = {"type": "boolean"}
OPT_STR: Shape = {"type": ["string", "null"]}
STRS: Shape = {"type": "array", "items": STR}
EMPTY: Shape = {"type": "object"}


def obj(required: Shape, optional: Shape | None = None) -> Shape:
    """An object with these fields (and maybe these), others allowed."""
    return {"type": "object", "required": sorted(required),
            "properties": {**required, **(optional or {})}}


def array(item: Shape) -> Shape:
    """A list of items of one shape."""
    return {"type": "array", "items": item}


def listed(key: str, item: Shape) -> Shape:
    """{key: [item...]}."""
    return obj({key: array(item)})


FAILURE = obj({"group": STR, "app": STR, "operation": STR, "message": STR,
               "status": {"type": ["integer", "null"]}, "hint": STR})
"""A recorded failure as a reply's data shows it (engine.failures.Failure.to_dict)."""

_PLAIN = {str: STR, int: INT, bool: BOOL}


def shape_of(cls: type) -> Shape:
    """The shape of a record's or outcome's JSON: its declared `shape`, else its fields'."""
    declared: Shape | None = getattr(cls, "shape", None)
    if declared is not None:
        return declared
    if not is_dataclass(cls):
        raise TypeError(f"{cls.__name__} has no JSON shape: declare `shape` beside to_json")
    hints = get_type_hints(cls)
    return obj({f.name: _of_type(hints[f.name]) for f in fields(cls)})


def _of_type(tp: Any) -> Shape:
    if tp in _PLAIN:
        return _PLAIN[tp]
    args = get_args(tp)
    if get_origin(tp) in (Union, types.UnionType) and type(None) in args:
        inner = _of_type(next(a for a in args if a is not type(None)))
        return {"anyOf": [inner, {"type": "null"}]}
    if get_origin(tp) in (tuple, list):
        return array(_of_type(args[0]))
    if get_origin(tp) is dict:
        return {"type": "object", "additionalProperties": _of_type(args[1])}
    return shape_of(tp)
