"""The accuracy/cost chart: a static SVG, well formed, the Pareto front marked, text escaped."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from xai_magics.evals.chart import Point, accuracy_cost_svg, pareto_front

SVG = "{http://www.w3.org/2000/svg}"


def _sweep(costs: list[float], accuracies: list[float]) -> list[bool]:
    """The front by a sweep: by cost (ties: most accurate first), keep strict new bests."""
    order = sorted(range(len(costs)), key=lambda i: (costs[i], -accuracies[i]))
    front = [False] * len(costs)
    best = -math.inf
    for k, i in enumerate(order):
        tied = k > 0 and (costs[order[k - 1]], accuracies[order[k - 1]]) == (
            costs[i], accuracies[i])  # fmt: skip
        if accuracies[i] > best or (tied and front[order[k - 1]]):
            front[i] = True
            best = max(best, accuracies[i])
    return front


@pytest.mark.parametrize("seed", range(20))
def test_pareto_front_agrees_with_a_sweep(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    costs = rng.choice([0.1, 0.2, 0.3, 0.5, 1.0], n).tolist()
    accuracies = rng.choice([0.5, 0.6, 0.7, 0.9], n).tolist()
    assert pareto_front(costs, accuracies) == _sweep(costs, accuracies)


def test_pareto_front_by_hand() -> None:
    # cheap and weak, dear and strong are both on it; the dear-and-weak one is not
    assert pareto_front([0.1, 1.0, 1.0, 0.5], [0.6, 0.9, 0.6, 0.6]) == [True, True, False, False]
    assert pareto_front([math.nan, 1.0], [1.0, 0.5]) == [False, True]


def test_chart_is_static_svg_with_the_front_marked_and_labels_escaped() -> None:
    points = [
        Point("cheap", 0.001, 0.6, 0.42, 0.75),
        Point("strong", 0.02, 0.9, 0.74, 0.97),
        Point("<script>alert(1)</script>", 0.02, 0.5, 0.33, 0.67),
    ]
    svg = accuracy_cost_svg(points, title="Eval <q>")
    root = ET.fromstring(svg)  # well-formed XML: the labels did not open any element
    assert root.tag == f"{SVG}svg"
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "title", "rect", "line", "text", "polyline", "circle", "g"}
    assert not any(k.startswith("on") or "href" in k for el in root.iter() for k in el.attrib)
    groups: dict[str, list[str]] = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class"):
            rank, key = (t for t in g.iter(f"{SVG}text"))
            groups.setdefault(g.get("class"), []).append("".join(key.itertext()))
            assert "".join(key.itertext()).startswith(f"{rank.text}  ")
            assert g.find(f"{SVG}title").text.startswith(points[int(rank.text) - 1].label + ": ")
    assert groups == {
        "pareto": ["1  cheap", "2  strong"],
        "dominated": ["3  <script>alert(1)</script>"],
    }
    (front,) = root.iter(f"{SVG}polyline")
    assert front.get("class") == "pareto-front"
    assert len(front.get("points").split()) == 2
    assert root.find(f"{SVG}title").text == "Eval <q>"


def test_chart_scales_costs_over_orders_of_magnitude_logarithmically() -> None:
    points = [Point("a", 0.0001, 0.5, 0.3, 0.7), Point("b", 0.5, 0.8, 0.6, 0.9)]
    root = ET.fromstring(accuracy_cost_svg(points))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any("(log scale)" in t for t in texts)
    assert {"$0.001", "$0.01", "$0.1"} <= set(texts)


def test_chart_over_one_decade_ticks_at_one_two_and_five() -> None:
    points = [Point("a", 0.0015, 0.5, 0.3, 0.7), Point("b", 0.033, 0.8, 0.6, 0.9)]
    root = ET.fromstring(accuracy_cost_svg(points))
    texts = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
    assert {"$0.002", "$0.005", "$0.01", "$0.02"} <= texts


def test_chart_of_one_variant_still_draws() -> None:
    root = ET.fromstring(accuracy_cost_svg([Point("only", 0.0, 1.0, 0.8, 1.0)]))
    assert [g.get("class") for g in root.iter(f"{SVG}g") if g.get("class")] == ["pareto"]
    assert list(root.iter(f"{SVG}polyline")) == []
