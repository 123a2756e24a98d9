"""The status bar in real JupyterLab shows spend against the budget, and warns from 80%."""

from __future__ import annotations

import json
from pathlib import Path

from lab_harness import LabPage, write_notebook

STATUS = ".jp-StatusBar-Widget .jp-xai-StatusItem"


def _status_has(lab: LabPage, text: str) -> None:
    lab.page.wait_for_function(
        "([selector, text]) => (document.querySelector(selector)?.innerText ?? '').includes(text)",
        arg=[STATUS, text],
    )


def test_status_item_shows_spend_of_the_budget_and_warns_past_80_percent(
    lab: LabPage, notebook_dir: Path
) -> None:
    write_notebook(
        notebook_dir / "budget.ipynb",
        ["%load_ext xai_magics\n%config GrokMagics.budget_usd = 0.01"],
    )
    lab.open_notebook("budget.ipynb")
    lab.run_all()
    item = lab.page.locator(STATUS)
    item.wait_for(state="visible")
    _status_has(lab, "of $0.0100")
    assert item.inner_text().strip() == "Grok $0.0000 of $0.0100 · 0 requests"
    assert "jp-xai-StatusItem-warning" not in (item.get_attribute("class") or "")

    lab.kernel_run("%grok --max-tokens 50 -o r A little")
    cost = lab.kernel_value("r.cost_usd")
    _status_has(lab, "1 request")
    assert item.inner_text().strip() == f"Grok ${cost:.4f} of $0.0100 · 1 request"
    assert "of the session budget" in (item.get_attribute("title") or "")

    # An answer stopped at --max-cost 0.009 takes the session past 80% of its budget.
    lab.kernel_run("%grok --max-cost 0.009 -o s emulator:tokens=8000 a long one")
    assert lab.kernel_value("s.stop_reason") == "budget"
    _status_has(lab, "⚠")
    spent = lab.kernel_value("__import__('xai_magics.spend').spend.spend_guard().session_spent_usd")
    assert item.inner_text().strip() == f"Grok ⚠ ${spent:.4f} of $0.0100 · 2 requests"
    assert "jp-xai-StatusItem-warning" in (item.get_attribute("class") or "")
    title = item.get_attribute("title") or ""
    assert "could cost more than what is left is refused" in title
    colour = lab.page.evaluate(
        f"() => getComputedStyle(document.querySelector({json.dumps(STATUS)})).color"
    )
    expected = lab.page.evaluate(
        "() => { const probe = document.createElement('span');"
        " probe.style.color = 'var(--jp-warn-color0)'; document.body.append(probe);"
        " const c = getComputedStyle(probe).color; probe.remove(); return c; }"
    )
    assert colour == expected
    lab.screenshot("status bar warns past 80% of the budget")
    lab.assert_no_console_errors()
