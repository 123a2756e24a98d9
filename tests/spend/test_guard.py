"""The spend guard's pure parts: bounds and their stated assumptions, where a budget comes from,
admission and the running cap, and the day file shared by kernels."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from xai_magics.spend import BudgetRefused, SpendGuard, answer_bound, batch_bound
from xai_magics.spend.bound import output_tokens_seen
from xai_magics.spend.day import DayLedger
from xai_magics.spend.limits import Limit, limit_of
from xai_magics.usage import PUBLISHED_PRICES, Ledger, Receipt

GROK_43 = PUBLISHED_PRICES["grok-4.3"]


@pytest.mark.parametrize(
    ("max_tokens", "tier", "model", "usd", "says"),
    [
        pytest.param(
            None,
            None,
            "grok-4.3",
            4096 * 25000 / 1e10,
            "assumed 4,096: no --max-tokens",
            id="no-cap",
        ),
        pytest.param(
            100,
            None,
            "grok-4.3",
            1124 * 25000 / 1e10,
            "--max-tokens 100 plus 1,024 of reasoning",
            id="cap",
        ),
        pytest.param(
            100,
            "priority",
            "grok-4.3",
            2 * 1124 * 25000 / 1e10,
            "priority priced at 2x",
            id="priority",
        ),
        pytest.param(
            100,
            None,
            "grok-9",
            1124 * 60000 / 1e10,
            "no price known for grok-9: priced as the dearest",
            id="unknown-price",
        ),
    ],
)
def test_an_answer_bound_states_what_it_assumes(
    max_tokens: int | None, tier: str | None, model: str, usd: float, says: str
) -> None:
    prices = PUBLISHED_PRICES.get(model)
    bound = answer_bound("", model=model, max_tokens=max_tokens, prices=prices, tier=tier)
    assert bound.usd - bound.input_usd == pytest.approx(usd)
    assert says in bound.describe()


def test_input_is_counted_generously_for_any_script() -> None:
    english = answer_bound("tides " * 100, model="grok-4.3", max_tokens=0, prices=GROK_43)
    chinese = answer_bound("潮汐" * 100, model="grok-4.3", max_tokens=0, prices=GROK_43)
    assert english.input_tokens >= len("tides " * 100) / 4  # never below 4 characters a token
    assert chinese.input_tokens >= 200  # one token a character or more


def test_a_batch_bound_is_every_row_at_the_batch_rate() -> None:
    bound = batch_bound(
        1000, 30_000, "Be brief.", model="grok-4.3", max_tokens=50, prices=GROK_43, rate=0.5
    )
    assert bound.output_tokens == 1000 * (50 + 1024)
    assert bound.usd == pytest.approx(
        0.5 * (bound.input_tokens * GROK_43.input + bound.output_tokens * GROK_43.output) / 1e10
    )
    assert bound.input_tokens >= 30_000 / 3 + 1000 * 3  # prompts, plus the system prompt each


@pytest.mark.parametrize(
    ("env", "configured", "expected"),
    [
        pytest.param(None, None, None, id="none"),
        pytest.param("5", None, Limit(5.0, "session", from_env=True), id="env"),
        pytest.param(None, 3.0, Limit(3.0, "session", from_env=False), id="config"),
        pytest.param("5", 100.0, Limit(5.0, "session", from_env=True), id="config-cannot-loosen"),
        pytest.param("$5", 2.0, Limit(2.0, "session", from_env=False), id="config-can-tighten"),
    ],
)
def test_the_lower_of_environment_and_config_applies(
    monkeypatch: pytest.MonkeyPatch, env: str | None, configured: float | None, expected: Limit
) -> None:
    if env is None:
        monkeypatch.delenv("XAI_MAGICS_BUDGET_USD", raising=False)
    else:
        monkeypatch.setenv("XAI_MAGICS_BUDGET_USD", env)
    assert limit_of("session", configured) == expected


def test_a_budget_variable_that_is_not_a_number_refuses_every_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XAI_MAGICS_BUDGET_DAY_USD", "-3")
    guard = SpendGuard(day_dir=lambda: tmp_path)
    with pytest.raises(BudgetRefused, match="XAI_MAGICS_BUDGET_DAY_USD='-3': a budget is zero"):
        guard.admit(
            lambda: answer_bound("", model="grok-4.3", max_tokens=1, prices=GROK_43), what="x"
        )


def _receipt(cost: float) -> Receipt:
    return Receipt("grok-4.3", "grok-4.3", "responses", None, "default", cost_usd=cost)


def test_reservations_count_until_the_receipt_takes_their_place(tmp_path: Path) -> None:
    ledger = Ledger()
    guard = SpendGuard(ledger=ledger, day_dir=lambda: tmp_path)
    guard.session_usd = 0.02
    bound = answer_bound("", model="grok-4.3", max_tokens=None, prices=GROK_43)  # ≈ $0.0102
    first = guard.admit(lambda: bound, what="this answer")
    with pytest.raises(BudgetRefused, match=r"\$0\.0098 is left"):
        guard.admit(lambda: bound, what="this answer")  # the first one's bound is held
    ledger.record(_receipt(0.001))  # what it really cost
    first.release()
    guard.admit(lambda: bound, what="this answer").release()
    assert guard.session_spent_usd == pytest.approx(0.001)
    # Clearing the usage table does not give the budget back.
    ledger.clear()
    assert guard.session_spent_usd == pytest.approx(0.001)


def test_a_streamed_answer_is_capped_at_what_is_left(tmp_path: Path) -> None:
    guard = SpendGuard(day_dir=lambda: tmp_path)
    guard.session_usd = 0.05
    bound = answer_bound("x" * 300, model="grok-4.3", max_tokens=None, prices=GROK_43)
    ticket = guard.admit(lambda: bound, what="this answer", max_cost=0.01)
    assert ticket.limit_usd == 0.01
    tokens_at_limit = (0.01 - bound.input_usd) / bound.output_usd_per_token
    assert not ticket.over(tokens_at_limit - 1)
    assert ticket.over(tokens_at_limit + 1)
    halves = ticket.split([bound, bound])
    assert [t.limit_usd for t in halves] == [0.005, 0.005]


@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        pytest.param("tides and moons", 15 / 4, id="ascii-as-receipts-count"),
        pytest.param("潮汐与月亮", 5, id="chinese-a-token-a-character"),
    ],
)
def test_streamed_text_is_counted_against_spending(text: str, at_least: float) -> None:
    assert output_tokens_seen(text) >= at_least


def test_a_receipt_without_a_cost_is_priced_at_the_dearest_rate(tmp_path: Path) -> None:
    ledger = Ledger()
    guard = SpendGuard(ledger=ledger, day_dir=lambda: tmp_path)
    unpriced = Receipt("grok-9", "grok-9", "responses", None, None, 1000, 0, 100, 0, None)
    ledger.record(unpriced)
    dearest = max(p.input * 1000 + p.output * 100 for p in PUBLISHED_PRICES.values()) / 1e10
    assert guard.session_spent_usd == pytest.approx(dearest)


def test_a_call_that_cannot_be_stopped_must_fit_whole(tmp_path: Path) -> None:
    guard = SpendGuard(day_dir=lambda: tmp_path)
    bound = answer_bound("", model="grok-4.3", max_tokens=None, prices=GROK_43)
    assert guard.admit(lambda: bound, what="it", max_cost=0.001).limit_usd == 0.001
    with pytest.raises(BudgetRefused, match=r"more than --max-cost \$0\.001000"):
        guard.admit(lambda: bound, what="it", max_cost=0.001, stoppable=False)


def test_kernels_racing_for_the_last_dollar_of_the_day_cannot_both_take_it(
    tmp_path: Path,
) -> None:
    ledgers = [DayLedger(tmp_path / "spend.sqlite3", f"kernel-{n}") for n in range(8)]
    admitted: list[int] = []
    start = threading.Barrier(len(ledgers))

    def take(n: int) -> None:
        def check(total: float) -> None:
            if total + 0.3 > 1.0:
                raise BudgetRefused("no")

        start.wait()
        try:
            ledgers[n].reserve("2026-12-02", 0.3, check)
            admitted.append(n)
        except BudgetRefused:
            pass

    threads = [threading.Thread(target=take, args=(n,)) for n in range(len(ledgers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 3  # 3 x $0.30 fit in $1.00, the fourth does not
    assert ledgers[0].total("2026-12-02") == pytest.approx(0.9)


def test_a_dead_kernels_reservation_is_ignored_but_its_spend_stays(tmp_path: Path) -> None:
    path = tmp_path / "spend.sqlite3"
    code = (
        "import sys; from pathlib import Path; from xai_magics.spend.day import DayLedger\n"
        "d = DayLedger(Path(sys.argv[1]), 'gone')\n"
        "d.add_spent('2026-12-02', 0.25); d.reserve('2026-12-02', 5.0, lambda total: None)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    day = DayLedger(path, "here")
    assert day.total("2026-12-02") == pytest.approx(0.25)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    rows = sqlite3.connect(path).execute("SELECT * FROM day_spend").fetchall()
    texts = {v for row in rows for v in row if isinstance(v, str)}
    assert texts == {"2026-12-02", "gone"}  # dates and kernel ids: nothing else is kept


def test_the_magics_look_for_the_budget_variables_the_guard_reads() -> None:
    from xai_magics.magics import grok
    from xai_magics.spend.limits import DAY_ENV, SESSION_ENV

    assert grok._BUDGET_ENVS == (SESSION_ENV, DAY_ENV)
