"""Batch building and results joining, against json.dumps / json.loads loops timed in the same run.

1. Build every add-requests body for 1,000,000 rows (two text columns, ~400 bytes of prompt per row,
   with quotes, backslashes, tabs, newlines, non-ASCII and emoji). Goal: >= 240k rows/s and peak
   memory <= the frame + 100 MB. Each side runs in its own process, which loads the frame from
   Parquet, resets the kernel's peak-RSS counter, builds, and reports the new peak over the frame.
2. Parse 100,000 results (100 pages of 1,000, shuffled, 1% errors, in xAI's results shape) and join
   them onto a 100,000-row frame, page by page as the runner's fetch loop does (without its
   SQLite writes). Goal: >= 150k rows/s.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._process import best_of, in_process, reset_peak, rss_mb

N_BUILD = 1_000_000
N_BASELINE = 200_000  # the loop is slow; its rate is per row, so a fifth of the rows is enough
N_RESULTS = 100_000
PAGE = 1_000
TEMPLATE = 'Summarize the article titled "{title}" in one sentence.\n\nArticle:\n{body}'
_WORDS = [
    *("the", "of", "and", "to", "in", "is", "market", "city", '"quoted"', "back\\slash"),
    *("tab\there", "new\nline", "café", "naïve", "Zürich", "東京", "🎉", "data", "model"),
    *("result", "(note)", "42", "3.14", "—", "–", "«guillemets»"),
]


def _texts(n: int, words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    distinct = [" ".join(rng.choice(_WORDS) for _ in range(words)) for _ in range(5_000)]
    return [distinct[rng.randrange(len(distinct))] + f" #{i}" for i in range(n)]


def _write_frame(path: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"title": _texts(n, 6, 1), "body": _texts(n, 50, 2)})
    pq.write_table(table, path)


def _build_ours(path: str, out: Any) -> None:
    import pandas as pd

    from xai_magics.batch.chunks import iter_chunks
    from xai_magics.batch.frame import FrameSource
    from xai_magics.batch.plan import plan_rows
    from xai_magics.batch.template import parse_template
    from xai_magics.batch.wire import LineBuilder, RequestSpec

    df = pd.read_parquet(path)
    frame_mb = rss_mb("VmRSS")
    reset_peak()
    started = time.perf_counter()
    source = FrameSource.of(df)
    template = parse_template(TEMPLATE)
    spec = RequestSpec(model="grok-4.3", system="Be brief.", max_tokens=128, temperature=0.0)
    plan = plan_rows(source, template, 4_000_000)
    builder = LineBuilder(spec, "0123456789ab-", template)
    chunks = total = 0
    for chunk in iter_chunks(source, template, builder, max_prompt_bytes=4_000_000):
        chunks += 1
        total += len(chunk.body)
    elapsed = time.perf_counter() - started
    out.put(
        {
            "rows": plan.n_rows,
            "seconds": elapsed,
            "bytes": total,
            "chunks": chunks,
            "frame_mb": frame_mb,
            "peak_over_frame_mb": rss_mb("VmHWM") - frame_mb,
        }
    )


def _build_baseline(path: str, n: int, out: Any) -> None:
    import pandas as pd

    df = pd.read_parquet(path).iloc[:n]
    frame_mb = rss_mb("VmRSS")
    reset_peak()
    started = time.perf_counter()
    total = 0
    lines: list[str] = []
    size = 0
    for i, (title, body) in enumerate(zip(df["title"].tolist(), df["body"].tolist(), strict=True)):
        prompt = TEMPLATE.replace("{title}", title).replace("{body}", body)
        request = {
            "batch_request_id": f"0123456789ab-{i}",
            "batch_request": {
                "chat_get_completion": {
                    "model": "grok-4.3",
                    "messages": [
                        {"role": "system", "content": "Be brief."},
                        {"role": "user", "content": prompt},
                    ],
                    "max_tokens": 128,
                    "temperature": 0.0,
                }
            },
        }
        line = json.dumps(request, ensure_ascii=False, separators=(",", ":"))
        lines.append(line)
        size += len(line)
        if len(lines) == 10_000 or size > 24_000_000:
            total += len(('{"batch_requests":[' + ",".join(lines) + "]}").encode())
            lines, size = [], 0
    if lines:
        total += len(('{"batch_requests":[' + ",".join(lines) + "]}").encode())
    out.put(
        {
            "rows": n,
            "seconds": time.perf_counter() - started,
            "bytes": total,
            "frame_mb": frame_mb,
            "peak_over_frame_mb": rss_mb("VmHWM") - frame_mb,
        }
    )


def _result_pages(n: int, prefix: str) -> list[bytes]:
    rng = random.Random(3)
    order = list(range(n))
    rng.shuffle(order)
    pages = []
    for start in range(0, n, PAGE):
        items = []
        for position in order[start : start + PAGE]:
            rid = f"{prefix}{position}"
            if position % 100 == 7:
                items.append(
                    {
                        "batch_request_id": rid,
                        "batch_result": {"error": {"code": 3, "message": "boom"}},
                    }
                )
                continue
            completion = {
                "id": f"c{position}",
                "object": "chat.completion",
                "created": 1,
                "model": "grok-4.3",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": f"answer {position} " + "é" * 40,
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 120,
                    "completion_tokens": 30,
                    "total_tokens": 150,
                    "cost_in_usd_ticks": 2_250_000,
                },
            }
            items.append(
                {
                    "batch_request_id": rid,
                    "batch_result": {"response": {"chat_get_completion": completion}},
                }
            )
        token = None if start + PAGE >= n else f"t{start}"
        pages.append(json.dumps({"results": items, "pagination_token": token}).encode())
    return pages


def _parse_with_client(pages: list[bytes]) -> list[Any]:
    """What ``client.batches.results`` returns for each page: one ``BatchResult`` per item."""
    from xai_magics.client.batches import parse_results_page

    return [result for body in pages for result in parse_results_page(body).results]


def _records(pages: list[bytes], n_rows: int, prefix: str) -> list[Any]:
    """The runner's fetch loop minus SQLite: each page parsed, then turned into row records."""
    from xai_magics.batch.outcomes import ResultTally, records_from_results
    from xai_magics.client.batches import parse_results_page

    known = set(range(n_rows))
    tally = ResultTally()
    records: list[Any] = []
    for body in pages:
        page = parse_results_page(body)
        records.extend(records_from_results(page.results, prefix, known, tally))
    return records


def _join_records(records: list[Any], df: Any) -> Any:
    """The batch layer's part: one outcome per row, columns joined to the frame."""
    from xai_magics.batch.columns import join, output_columns
    from xai_magics.batch.frame import FrameSource
    from xai_magics.batch.outcomes import assemble

    outcomes = assemble(len(df), None, {}, records, "missing")
    return join(FrameSource.of(df), output_columns(outcomes, "answer"), "answer")


def _join_ours(pages: list[bytes], df: Any, prefix: str) -> Any:
    return _join_records(_records(pages, len(df), prefix), df)


def _join_baseline(pages: list[bytes], df: Any, prefix: str) -> Any:
    answers: dict[int, tuple[str, str | None, str | None, int | None]] = {}
    for body in pages:
        for item in json.loads(body)["results"]:
            position = int(item["batch_request_id"][len(prefix) :])
            outcome = item["batch_result"]
            if "response" in outcome:
                completion = outcome["response"]["chat_get_completion"]
                answers[position] = (
                    "ok",
                    completion["choices"][0]["message"]["content"],
                    None,
                    completion["usage"]["total_tokens"],
                )
            else:
                answers[position] = ("error", None, outcome["error"]["message"], None)
    missing = ("missing", None, None, None)
    rows = [answers.get(i, missing) for i in range(len(df))]
    out = df.copy()
    out["answer_status"] = [r[0] for r in rows]
    out["answer"] = [r[1] for r in rows]
    out["answer_error"] = [r[2] for r in rows]
    out["answer_tokens"] = [r[3] for r in rows]
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "frame.parquet"
        _write_frame(path, N_BUILD)
        ours = in_process(_build_ours, str(path))
        base = in_process(_build_baseline, str(path), N_BASELINE)
    ours_rate = ours["rows"] / ours["seconds"]
    base_rate = base["rows"] / base["seconds"]
    megabytes = ours["bytes"] / 1e6
    print(f"build {ours['rows']:,} rows -> {ours['chunks']} bodies, {megabytes:,.0f} MB")
    print(
        f"  ours (Arrow, chunked):   {ours_rate:>10,.0f} rows/s  ({ours['seconds']:.2f} s)  "
        "goal >= 240,000"
    )
    print(f"  baseline json.dumps loop:{base_rate:>10,.0f} rows/s  ({base['rows']:,} rows)")
    print(f"  speed-up vs baseline:    {ours_rate / base_rate:>10.1f}x")
    print(
        f"  peak memory over the frame: ours {ours['peak_over_frame_mb']:,.0f} MB "
        f"(frame {ours['frame_mb']:,.0f} MB RSS; goal <= 100 MB), "
        f"baseline {base['peak_over_frame_mb']:,.0f} MB for {base['rows']:,} rows"
    )

    import pandas as pd

    prefix = "0123456789ab-"
    pages = _result_pages(N_RESULTS, prefix)
    df = pd.DataFrame({"review": [f"row {i}" for i in range(N_RESULTS)]})
    check_ours = _join_ours(pages, df, prefix)
    check_base = _join_baseline(pages, df, prefix)
    assert list(check_ours["answer"].fillna("")) == list(check_base["answer"].fillna(""))
    ours_s = best_of(5, _join_ours, pages, df, prefix)
    base_s = best_of(5, _join_baseline, pages, df, prefix)
    parse_s = best_of(5, _parse_with_client, pages)
    records_s = best_of(5, _records, pages, len(df), prefix)
    records = _records(pages, len(df), prefix)
    join_s = best_of(5, _join_records, records, df)
    megabytes = sum(len(p) for p in pages) / 1e6
    print(f"parse + join {N_RESULTS:,} results ({len(pages)} pages, {megabytes:,.0f} MB)")
    print(f"  ours end to end:            {N_RESULTS / ours_s:>10,.0f} rows/s  goal >= 150,000")
    print(f"    client parse (parse_results_page):  {N_RESULTS / parse_s:>10,.0f} rows/s")
    print(f"    pages -> row records (fetch loop):  {N_RESULTS / records_s:>10,.0f} rows/s")
    print(f"    records -> columns -> join:         {N_RESULTS / join_s:>10,.0f} rows/s")
    print(f"  baseline json.loads loop:   {N_RESULTS / base_s:>10,.0f} rows/s")
    print(f"  ratio ours / baseline:      {base_s / ours_s:>10.2f}x")


if __name__ == "__main__":
    main()
