"""The JSON schema and the console's completion are derived from the operations and their
outcomes: a new command (one operation, one handler, one outcome) appears in both without
anything kept by hand, and an outcome that writes its own JSON states its shape beside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Self

import jsonschema
import pytest

import engine.outcomes  # noqa: F401  (every outcome class defined)
from bot.completion import complete, grammar
from engine import schema
from engine.core import Context, Kind, Operation, Outcome, Refusal
from engine.grammar import Words
from engine.registry import HANDLERS, OPERATIONS, command, handles, parse
from engine.shapes import shape_of


def every_outcome(cls: type[Outcome] = Outcome) -> Iterator[type[Outcome]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from every_outcome(sub)


def test_every_command_has_its_data_shape_and_every_change_its_preview() -> None:
    done, preview = schema.shapes()
    assert set(done) == set(OPERATIONS)
    changes = {v for v, cls in OPERATIONS.items() if cls.spec.typed
               and cls.spec.kind in (Kind.CHANGE, Kind.APPROVAL, Kind.DECISION)}
    assert changes <= set(preview)
    assert done == schema.DATA and preview == schema.PREVIEW
    assert schema.DATA["list"]["required"] == ["pushes"]
    assert "matches" in schema.PREVIEW["approve"]["properties"]  # the decision's preview


def test_an_outcome_that_writes_its_json_states_its_shape_beside_it() -> None:
    for cls in every_outcome():
        writer = next(k for k in cls.__mro__ if "to_json" in vars(k))
        if issubclass(cls, Refusal) or writer is Outcome:
            continue
        assert "shape" in vars(writer), f"{writer.__name__}.to_json has no shape beside it"
        assert shape_of(cls)["type"] == "object", cls.__name__


@dataclass(frozen=True)
class Greeted(Outcome):
    """A made-up outcome: no to_json of its own, so its shape is its fields'."""

    login: str
    times: int
    apps: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Greet(Operation):
    """A made-up command: `greet LOGIN on APP`."""

    login: str
    app: str

    @classmethod
    def parse(cls, words: Words) -> Self:
        return cls(*words.around("on"))

    def words(self) -> list[str]:
        return [self.login, "on", self.app]


def greeting(ctx: Context, op: Greet) -> Greeted:
    return Greeted(op.login, 1, (op.app,))


@pytest.fixture
def greet() -> Iterator[type[Operation]]:
    """The made-up command registered as a real one is (operation + handler), then removed."""
    command("greet LOGIN on APP", Kind.READ, "say hello", handled_in=__name__)(Greet)
    handles(Greet)(greeting)
    schema.shapes.cache_clear()
    grammar.cache_clear()
    try:
        yield Greet
    finally:
        del OPERATIONS["greet"], HANDLERS[Greet]
        schema.shapes.cache_clear()
        grammar.cache_clear()


def test_a_new_command_appears_in_the_schema_and_the_completion(
        greet: type[Operation]) -> None:
    shape = schema.DATA["greet"]
    assert shape["required"] == ["apps", "login", "note", "times"]
    done = HANDLERS[greet](None, parse("greet ann on box"))  # type: ignore[arg-type]
    jsonschema.validate(done.to_json(), shape)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"login": "ann", "times": "once", "apps": [], "note": None}, shape)
    assert "greet " in complete("gr", [], ["box"])
    assert complete("greet ann on b", [], ["box"]) == ["greet ann on box "]


def test_every_typed_command_completes_with_its_apps() -> None:
    for verb, cls in OPERATIONS.items():
        if not cls.spec.typed:
            continue
        assert f"{verb} " in complete(verb[:2], [], ["box"]), verb
        usage = cls.spec.usage.split()
        if "APP" in usage and usage.index("APP") > len(verb.split()):
            before = usage[usage.index("APP") - 1]
            assert complete(f"{verb} Sales {before} b", ["Sales"], ["box"]) \
                == [f"{verb} Sales {before} box "], verb
