"""One-line grok magics in code cells are shown as magic, options and prompt, not as Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabPage, write_notebook

CELLS = [
    "%grok -m grok-3-mini --tier priority What is 17 * 23?",
    "x = 1\n%grok_tts --voice eve Hello there\nprint(x)",
    '%grok_batch df --prompt "{x}" --max-tokens 10',
    "if x:\n    y = 17 * 23\n%grokker not ours",
]

# The words of a cell, each with the grok mark it is under (a mark may be drawn in several
# spans where Python's highlighting cuts it) and the colour of each character.
_WORDS = """(i) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
  const words = [];
  for (const line of cell.querySelectorAll('.cm-line')) {
    let word = null;
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const mark = node.parentElement.closest('[class*="xai-grok-line-"]');
      const kind = mark ? mark.className.match(/xai-grok-line-(\\w+)/)[1] : null;
      const color = getComputedStyle(node.parentElement).color;
      for (const ch of node.textContent) {
        if (/\\s/.test(ch)) { word = null; continue; }
        if (!word || word.kind !== kind) {
          word = { kind, text: '', colors: [] };
          words.push(word);
        }
        word.text += ch;
        word.colors.push(color);
      }
    }
  }
  return words;
}"""


def _words(lab: LabPage, index: int) -> list[dict[str, Any]]:
    return list(lab.page.evaluate(_WORDS, index))


def _texts(lab: LabPage, index: int, kind: str) -> list[str]:
    return [w["text"] for w in _words(lab, index) if w["kind"] == kind]


def _colors(lab: LabPage, index: int, kind: str) -> set[str]:
    return {c for w in _words(lab, index) if w["kind"] == kind for c in w["colors"]}


@pytest.mark.parametrize(
    ("index", "magic", "options", "prompt"),
    [
        pytest.param(
            0,
            ["%grok"],
            ["-m", "--tier"],
            ["grok-3-mini", "priority", "What", "is", "17", "*", "23?"],
            id="grok",
        ),
        pytest.param(1, ["%grok_tts"], ["--voice"], ["eve", "Hello", "there"], id="tts-mid-cell"),
        pytest.param(
            2, ["%grok_batch"], ["--prompt", "--max-tokens"], ["df", '"{x}"', "10"], id="batch"
        ),
        pytest.param(3, [], [], [], id="python-and-other-magics-untouched"),
    ],
)
def test_line_magic_is_marked_as_magic_options_and_prompt(
    lab: LabPage,
    notebook_dir: Path,
    index: int,
    magic: list[str],
    options: list[str],
    prompt: list[str],
) -> None:
    write_notebook(notebook_dir / "line-magics.ipynb", CELLS)
    lab.open_notebook("line-magics.ipynb")
    lab.page.locator(".xai-grok-line-magic").first.wait_for()
    assert _texts(lab, index, "magic") == magic
    assert _texts(lab, index, "option") == options
    assert _texts(lab, index, "prompt") == prompt


def test_prompt_words_are_not_coloured_as_python(lab: LabPage, notebook_dir: Path) -> None:
    write_notebook(notebook_dir / "line-magics.ipynb", CELLS)
    lab.open_notebook("line-magics.ipynb")
    lab.page.locator(".xai-grok-line-magic").first.wait_for()
    lab.screenshot("line magics highlighted")
    prompt_colors = _colors(lab, 0, "prompt")
    option_colors = _colors(lab, 0, "option")
    magic_colors = _colors(lab, 0, "magic")
    # "is", "17" and "*" are drawn like "What": one colour for the whole prompt.
    assert len(prompt_colors) == 1
    assert len(option_colors) == 1
    assert prompt_colors.isdisjoint(magic_colors)
    assert prompt_colors.isdisjoint(option_colors)
