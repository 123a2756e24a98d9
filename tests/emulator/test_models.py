"""Model listings: the recorded shapes, current models, aliases and ticks-per-token prices."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.wire import key_paths, recorded_json

CURRENT = {
    "grok-4.3",
    "grok-4.20-0309-reasoning",
    "grok-4.20-0309-non-reasoning",
    "grok-4.20-multi-agent-0309",
    "grok-4.5",
    "grok-4.6",
    "grok-4.7",
    "grok-3-mini",
    "grok-build-0.1",
}


def test_models_list_has_the_recorded_shape_and_current_models(http: httpx.Client) -> None:
    recorded = recorded_json("rubyllm/models-listing/models__GET-v1-models__2026-02.yml")
    ours = http.get("/models").json()
    assert key_paths(ours) == key_paths(recorded)
    assert {m["id"] for m in ours["data"]} == CURRENT


def test_language_models_have_the_recorded_shape_and_prices(http: httpx.Client) -> None:
    recorded = recorded_json(
        "rubyllm/models-listing-2025-09/language-models+image-generation-models__GET__2025-09.yml"
    )
    ours = http.get("/language-models").json()
    assert key_paths(ours) == key_paths(recorded)
    by_id = {m["id"]: m for m in ours["models"]}
    flagship = by_id["grok-4.3"]
    prices = (
        flagship["prompt_text_token_price"],
        flagship["cached_prompt_text_token_price"],
        flagship["completion_text_token_price"],
    )
    assert prices == (12500, 2000, 25000)
    assert "grok-4.3-latest" in flagship["aliases"]


@pytest.mark.parametrize("route", ["/models", "/language-models"])
@pytest.mark.parametrize(
    ("asked", "served"),
    [("grok-4.3", "grok-4.3"), ("grok-4.20", "grok-4.20-0309-reasoning"), ("grok-3", "grok-4.3")],
    ids=["id", "alias", "retired"],
)
def test_single_model_resolves_aliases(
    http: httpx.Client, route: str, asked: str, served: str
) -> None:
    response = http.get(f"{route}/{asked}")
    assert response.status_code == 200
    assert response.json()["id"] == served


def test_unknown_single_model_is_404(http: httpx.Client) -> None:
    assert http.get("/language-models/grok-0").status_code == 404


def test_tokenize_text_splits_into_tokens_that_rejoin(http: httpx.Client) -> None:
    text = "Hello, wörld!\n  code()"
    body = http.post("/tokenize-text", json={"text": text, "model": "grok-4.3"}).json()
    tokens = body["token_ids"]
    assert "".join(t["string_token"] for t in tokens) == text
    assert all(bytes(t["token_bytes"]).decode() == t["string_token"] for t in tokens)
    again = http.post("/tokenize-text", json={"text": text, "model": "grok-4.3"}).json()
    assert [t["token_id"] for t in again["token_ids"]] == [t["token_id"] for t in tokens]
