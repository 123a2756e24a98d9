"""Column templates: the %%grok rule over columns, plus {[label]} for labels with spaces."""

from __future__ import annotations

import pytest

from xai_magics.batch.template import (
    Field,
    MissingColumnError,
    TemplateError,
    parse_template,
    placeholder,
)


@pytest.mark.parametrize(
    ("source", "parts"),
    [
        ("Classify: {review}", ("Classify: ", Field("review"))),
        ("{a}{b}", (Field("a"), Field("b"))),
        ("{[review text]} end", (Field("review text"), " end")),
        ("{[2024 sales]}/{n}", (Field("2024 sales"), "/", Field("n"))),
        ("keep {{review}} literal {x}", ("keep {review} literal ", Field("x"))),
        ("keep {{[a b]}} literal {x}", ("keep {[a b]} literal ", Field("x"))),
        ('JSON {"label": 1} for {x}', ('JSON {"label": 1} for ', Field("x"))),
        ("code {x.attr} {f()} {d['k']} {y}", ("code {x.attr} {f()} {d['k']} ", Field("y"))),
        ('nested {{"a": {"b": 1}}} {y}', ('nested {{"a": {"b": 1}}} ', Field("y"))),
        ("js ${name} and {y}", ("js ${name} and ", Field("y"))),
    ],
    ids=[
        "one-column",
        "adjacent",
        "label-with-space",
        "label-starting-with-digit",
        "escaped-name",
        "escaped-label",
        "json-braces-kept",
        "no-evaluation",
        "nested-json-braces",
        "dollar-brace-kept",
    ],
)
def test_parses_literals_and_columns(source: str, parts: tuple[object, ...]) -> None:
    assert parse_template(source).parts == parts


def test_columns_are_listed_once_in_first_use_order() -> None:
    assert parse_template("{b} {a} {b} {[c d]}").columns == ("b", "a", "c d")


def test_rendering_is_single_pass_so_cell_braces_arrive_verbatim() -> None:
    template = parse_template("A: {a} B: {b}")
    assert template.render({"a": "{b}", "b": "{{x}}"}) == "A: {b} B: {{x}}"


def test_template_without_a_column_is_refused() -> None:
    with pytest.raises(TemplateError, match="uses no column"):
        parse_template("Classify this: {{review}}")


@pytest.mark.parametrize(
    ("column", "available", "suggestion"),
    [
        ("reviw", ["review", "id"], "{review}"),
        ("Review", ["review", "id"], "{review}"),
        ("review text", ["review_text", "id"], "{review_text}"),
        ("revew txt", ["review txt", "id"], "{[review txt]}"),
    ],
    ids=["typo", "case", "space-vs-underscore", "suggests-bracket-syntax"],
)
def test_missing_column_names_the_closest_match(
    column: str, available: list[str], suggestion: str
) -> None:
    template = parse_template(placeholder(column))
    with pytest.raises(MissingColumnError) as caught:
        template.check_columns(available)
    message = str(caught.value)
    assert f"Did you mean {suggestion}?" in message
    assert "Columns: 'review" in message


def test_missing_column_without_close_match_lists_columns() -> None:
    with pytest.raises(MissingColumnError) as caught:
        parse_template("{zzz}").check_columns(["review", "id"])
    assert "Did you mean" not in str(caught.value)
    assert "'review', 'id'" in str(caught.value)
