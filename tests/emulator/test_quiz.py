"""The arithmetic quiz: per-model accuracy, deterministic per (model, question, seed), the same
answer through chat completions, Responses and a batch."""

from __future__ import annotations

import time

import httpx
import pytest

from xai_magics.emulator.quiz import RATES, quiz_answer

QUESTIONS = [(17 + 3 * i, 25 + 7 * i) for i in range(200)]


def _ask(http: httpx.Client, model: str, prompt: str, **extra: object) -> str:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], **extra}
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def _accuracy(model: str, seed: int | None = None, prompt: str = "What is {a} + {b}?") -> float:
    right = 0
    for a, b in QUESTIONS:
        answer = quiz_answer(prompt.format(a=a, b=b) + " Give just the number.", model, seed)
        right += answer == str(a + b)
    return right / len(QUESTIONS)


@pytest.mark.parametrize("model", sorted(RATES))
def test_each_model_answers_right_at_about_its_rate(model: str) -> None:
    assert abs(_accuracy(model) - RATES[model]) < 0.08


def test_models_differ_and_step_by_step_helps() -> None:
    assert _accuracy("grok-4.3") > _accuracy("grok-4.20-0309-non-reasoning") + 0.15
    stepwise = "Think step by step. What is {a} + {b}?"
    assert _accuracy("grok-4.20-0309-non-reasoning", prompt=stepwise) > _accuracy(
        "grok-4.20-0309-non-reasoning"
    )


def test_another_seed_is_an_independent_draw() -> None:
    prompt = "What is {a} + {b}? Just the number."
    draws = [
        [
            quiz_answer(prompt.format(a=a, b=b), "grok-4.20-0309-non-reasoning", s)
            for a, b in QUESTIONS
        ]
        for s in (None, 1, 2)
    ]
    assert draws[0] != draws[1] != draws[2]
    same = sum(x == y for x, y in zip(draws[1], draws[2], strict=True))
    assert same < len(QUESTIONS)  # not the same draws renamed
    again = [
        quiz_answer(prompt.format(a=a, b=b), "grok-4.20-0309-non-reasoning", 1)
        for a, b in QUESTIONS
    ]
    assert again == draws[1]


def test_a_wrong_answer_is_off_by_one_to_nine() -> None:
    for a, b in QUESTIONS:
        answer = quiz_answer(f"What is {a} + {b}? just the number", "grok-3-mini", 7)
        assert answer is not None
        assert 0 <= abs(int(answer) - (a + b)) <= 9


def test_other_prompts_get_the_usual_simulated_answer() -> None:
    assert quiz_answer("Explain Python decorators", "grok-4.3", None) is None


def test_chat_answers_the_quiz_per_seed_over_http(http: httpx.Client) -> None:
    prompt = "What is 17 + 25?"
    first = _ask(http, "grok-4.20-0309-non-reasoning", prompt, seed=3)
    assert first == quiz_answer(prompt, "grok-4.20-0309-non-reasoning", 3)
    assert first.startswith("The answer is ")
    assert _ask(http, "grok-4.20-0309-non-reasoning", prompt, seed=3) == first
    bare = _ask(http, "grok-4.3", "What is 6 * 7? Reply with just the number.")
    assert bare == quiz_answer("What is 6 * 7? Reply with just the number.", "grok-4.3", None)


def test_a_seed_that_is_not_an_integer_is_refused(http: httpx.Client) -> None:
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}], "seed": "x"}
    assert http.post("/chat/completions", json=body).status_code == 422


def test_a_batch_gives_each_request_its_seeds_answer(http: httpx.Client) -> None:
    model = "grok-4.20-0309-non-reasoning"
    prompts = [f"What is {a} + {b}? Just the number." for a, b in QUESTIONS[:20]]
    batch = http.post("/batches", json={"name": "quiz"}).json()["batch_id"]
    requests = [
        {
            "batch_request_id": f"r{i}-{seed}",
            "batch_request": {
                "chat_get_completion": {
                    "model": model,
                    "messages": [{"role": "user", "content": p}],
                    "seed": seed,
                }
            },
        }
        for i, p in enumerate(prompts)
        for seed in (1, 2)
    ]
    added = http.post(f"/batches/{batch}/requests", json={"batch_requests": requests})
    assert added.status_code == 200, added.text
    deadline = time.monotonic() + 20
    results: dict[str, str] = {}
    while len(results) < len(requests) and time.monotonic() < deadline:
        page = http.get(f"/batches/{batch}/results", params={"limit": 1000}).json()
        for item in page["results"]:
            completion = item["batch_result"]["response"]["chat_get_completion"]
            results[item["batch_request_id"]] = completion["choices"][0]["message"]["content"]
        time.sleep(0.05)
    for i, p in enumerate(prompts):
        for seed in (1, 2):
            assert results[f"r{i}-{seed}"] == quiz_answer(p, model, seed)
    assert any(results[f"r{i}-1"] != results[f"r{i}-2"] for i in range(len(prompts)))
