"""A notebook function as a tool: the schema the model sees (signature, hints, docstring styles)
and what a call returns, including every way a call can fail without raising into the cell."""

from __future__ import annotations

import json
from enum import Enum
from typing import Literal

import pytest

from xai_magics.client import ToolCall
from xai_magics.tools import LocalTools
from xai_magics.tools.local import MAX_RESULT_CHARS
from xai_magics.tools.schema import function_spec


class Unit(Enum):
    C = "c"
    F = "f"


def google(city: str, days: int = 3, unit: Unit = Unit.C, tags: list[str] | None = None) -> str:
    """Forecast for a city.

    More detail that is not the summary.

    Args:
        city: The city's name.
        days (int): How many days,
            counted from today.
        unit: Celsius or Fahrenheit.
    """
    return f"{city}:{days}:{unit.value}:{tags}"


def numpy_style(x: float, mode: Literal["fast", "exact"]) -> float:
    """Square a number.

    Parameters
    ----------
    x : float
        The number.
    mode : str
        How to compute.

    Returns
    -------
    float
    """
    return x * x


def rest_style(n: int, *args: int, **kwargs: int) -> int:
    """Double n.

    :param n: the number to double.
    :returns: twice n.
    """
    return 2 * n


def test_google_docstring_and_hints_make_the_schema() -> None:
    spec = function_spec(google)
    assert spec.description == "Forecast for a city."
    props = spec.parameters["properties"]
    assert props["city"] == {"type": "string", "description": "The city's name."}
    assert props["days"]["type"] == "integer"
    assert props["days"]["default"] == 3
    assert props["days"]["description"] == "How many days, counted from today."
    assert spec.parameters["required"] == ["city"]
    assert spec.parameters["additionalProperties"] is False
    assert "Unit" in json.dumps(spec.parameters)  # the enum is described ($defs), values c/f
    assert ["c", "f"] in [d.get("enum") for d in spec.parameters["$defs"].values()]


def test_numpy_and_rest_docstrings_and_varargs() -> None:
    spec = function_spec(numpy_style)
    props = spec.parameters["properties"]
    assert props["x"]["description"] == "The number."
    assert props["mode"] == {
        "enum": ["fast", "exact"],
        "type": "string",
        "description": "How to compute.",
    }
    rest = function_spec(rest_style)
    assert rest.description == "Double n."
    assert list(rest.parameters["properties"]) == ["n"]  # *args / **kwargs are not offered
    assert rest.parameters["properties"]["n"]["description"] == "the number to double."


def test_endpoint_shapes_follow_the_recordings() -> None:
    tools = LocalTools({"forecast": google})
    (flat,) = tools.responses_tools()
    assert set(flat) == {"type", "name", "description", "parameters"}
    assert flat["name"] == "forecast"  # the notebook name, not __name__
    (nested,) = tools.chat_tools()
    assert nested["type"] == "function"
    assert nested["function"]["parameters"] == flat["parameters"]


def call(tools: LocalTools, name: str, arguments: str) -> dict[str, object]:
    result = tools.run(ToolCall("call-1", name, arguments))
    assert result.call_id == "call-1"
    return {"output": result.output, "error": result.error}


def test_arguments_are_validated_and_converted() -> None:
    tools = LocalTools({"forecast": google})
    ok = call(tools, "forecast", '{"city": "Oslo", "unit": "f", "days": "2"}')
    assert ok == {"output": "Oslo:2:f:None", "error": None}  # "2" -> 2, "f" -> Unit.F
    bad = call(tools, "forecast", '{"days": 2}')
    assert bad["error"] is not None
    assert "city" in str(bad["error"])
    assert json.loads(str(bad["output"])) == {"error": bad["error"]}
    extra = call(tools, "forecast", '{"city": "Oslo", "colour": "red"}')
    assert "colour" in str(extra["error"])


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("forecast", "{not json", "arguments are not JSON"),
        ("forecast", "[1, 2]", "arguments must be a JSON object"),
        ("nowhere", "{}", "no tool named 'nowhere' (tools: forecast, boom)"),
        ("boom", "{}", "ZeroDivisionError: division by zero"),
    ],
)
def test_every_failure_is_an_error_result(name: str, arguments: str, expected: str) -> None:
    def boom() -> float:
        """Fails."""
        return 1 / 0

    result = call(LocalTools({"forecast": google, "boom": boom}), name, arguments)
    assert expected in str(result["error"])
    assert json.loads(str(result["output"]))["error"] == result["error"]


def test_results_are_text_json_or_cut() -> None:
    def table() -> dict[str, object]:
        """A table."""
        return {"rows": [1, 2], "when": Unit.C}

    def huge() -> str:
        """Too much."""
        return "x" * (MAX_RESULT_CHARS + 10)

    tools = LocalTools({"table": table, "huge": huge})
    assert json.loads(str(call(tools, "table", "")["output"])) == {"rows": [1, 2], "when": "Unit.C"}
    out = str(call(tools, "huge", "{}")["output"])
    assert out.startswith("x" * MAX_RESULT_CHARS)
    assert out.endswith(f"[cut: {MAX_RESULT_CHARS + 10:,} characters in all]")


def test_a_parameter_json_cannot_describe_is_refused_by_name() -> None:
    class Opaque:
        pass

    def takes(thing: Opaque) -> None:
        """Takes an opaque thing."""

    with pytest.raises(TypeError, match="takes: its parameters cannot be described as JSON"):
        function_spec(takes)
