"""The ``{name}`` interpolation rule: fields, escapes, code that must survive, errors that help."""

from __future__ import annotations

import pytest

from xai_magics.templates import (
    Field,
    UnknownNameError,
    describe_dataframe,
    field_names,
    interpolate,
    parse,
)

NS: dict[str, object] = {"topic": "tides", "n": 3, "name": "Ada", "tricky": "{n} stays"}


def fill(template: str, ns: dict[str, object] = NS) -> str:
    return interpolate(template, ns.__getitem__, candidates=ns.keys)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Explain {topic}", "Explain tides"),
        ("{n} facts about {topic}", "3 facts about tides"),
        ("{{topic}}", "{topic}"),
        ("{{{topic}}}", "{{topic}}"),
        ("a }} b {{ c", "a }} b {{ c"),
        ("{tricky}", "{n} stays"),
        ("", ""),
        ("no fields", "no fields"),
    ],
    ids=[
        "one",
        "two",
        "escaped",
        "escape-wins-over-field",
        "doubled-braces-stay",
        "single-pass",
        "empty",
        "plain",
    ],
)
def test_fills_identifier_fields(template: str, expected: str) -> None:
    assert fill(template) == expected


CODE_SAMPLES = {
    "dict-comprehension": "{k: v for k, v in pairs.items()}",
    "json": '{"a": 1, "b": {"c": [1, 2]}}',
    "nested-dict": "{'a': {'b': {'c': 1}}}",
    "jinja-with-spaces": "{{ user }} and {% if x %}",
    "typescript": "function f(x: number): {a: string} { return {a: `${x}`}; }",
    "format-spec": "{v:k for k in x} and {x:>10}",
    "attribute": "{topic.upper}",
    "index": "{NS['topic']}",
    "call": "{print(1)}",
    "spaces": "{ topic }",
    "unbalanced": "a { b } c } d {",
    "set-literal": "s = {1, 2, 3}",
    "css": "body { color: red; }",
    "shell-variable": "echo ${HOME} ${topic}",
}


@pytest.mark.parametrize("code", CODE_SAMPLES.values(), ids=CODE_SAMPLES.keys())
def test_code_with_braces_is_sent_verbatim(code: str) -> None:
    assert fill(code) == code


def test_never_evaluates_attributes_indexes_or_calls() -> None:
    calls: list[str] = []

    def lookup(name: str) -> object:
        calls.append(name)
        return NS[name]

    template = "{topic.upper()} {NS['x']} {len(topic)} {topic}"
    assert interpolate(template, lookup) == "{topic.upper()} {NS['x']} {len(topic)} tides"
    assert calls == ["topic"]


def test_unknown_name_names_the_closest_match() -> None:
    with pytest.raises(UnknownNameError) as info:
        fill("Tell me about {topc}")
    assert info.value.name == "topc"
    assert info.value.suggestion == "topic"
    assert "{topic}" in str(info.value)
    assert "{{topc}}" in str(info.value)


def test_unknown_name_without_a_close_match_still_says_how_to_escape() -> None:
    with pytest.raises(UnknownNameError) as info:
        fill("{zzzzzz}")
    assert info.value.suggestion is None
    assert "{{zzzzzz}}" in str(info.value)


def test_parse_reports_fields_with_spans() -> None:
    assert parse("a {x} {{y}} {z}") == ("a ", Field("x", 2, 5), " {y} ", Field("z", 12, 15))
    assert parse("}} {{") == ("}} {{",)
    assert field_names("{b} {a} {b} {{c}}") == ["b", "a"]


def test_values_are_stringified_without_format_specs() -> None:
    assert fill("{n}{n}", {"n": 1.5}) == "1.51.5"


pd = pytest.importorskip("pandas")


def test_dataframe_interpolates_as_schema_and_capped_head() -> None:
    frame = pd.DataFrame({"city": [f"c{i}" for i in range(1000)], "pop": range(1000)})
    text = fill("Data: {df}", {"df": frame})
    assert text.startswith("Data: DataFrame with 1000 rows × 2 columns")
    assert "city (object)" in text or "city (str)" in text
    assert "pop (int64)" in text
    assert "c4,4" in text
    assert "c5," not in text
    assert len(text) < 400


def test_dataframe_cells_are_cut_and_quoted() -> None:
    frame = pd.DataFrame({"t": ["x" * 500, 'a,"b"']})
    text = describe_dataframe(frame)
    assert "x" * 79 + "…" in text
    assert "x" * 81 not in text
    assert '"a,""b"""' in text


def test_polars_frame_interpolates_too() -> None:
    pl = pytest.importorskip("polars")
    text = describe_dataframe(pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert text.splitlines()[0] == "DataFrame with 2 rows × 2 columns"
    assert "a (Int64)" in text
    assert "2,y" in text
