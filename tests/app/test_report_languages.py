"""The report of a Danish, Lithuanian and Chinese take, on the upload page in that language.

A take of the page's line, said by espeak-ng with a 700 ms break after the
middle word (``language_takes``), is uploaded with the page in the line's
language: the report shows the pace in that language's unit (words a
minute; characters a minute for Chinese) near the take's own, the whole
line delivered, and the pause after the right word in "what you said", with
no English on the page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import switch_to
from language_takes import LINE_ID, language_take
from streamlit.testing.v1 import AppTest

from kiosk.i18n import load_strings
from kiosk.scenarios import find_scenario

pytestmark = pytest.mark.slow  # whole takes analysed

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


@dataclass(frozen=True)
class Shown:
    """How the report writes a language's measures (read from the page, not from the strings files)."""

    pace_cue: str
    pace: str  # the pace as measured, with the value as a group
    delivered: str  # the whole line delivered
    pause: str  # a pause's mark in "what you said", with its length as a group


SHOWN = {
    "da": Shown("pace", r"(\d+) ord pr\. minut", "100% af ordene", r"‖ (\d+,\d)\u00a0s"),
    "lt": Shown("pace", r"(\d+) žodž\./min\.", "100% žodžių", r"‖ (\d+,\d)\u00a0s"),
    "zh": Shown("pace_characters", r"每分钟(\d+)个字", "100%的字", r"‖ (\d+\.\d)秒"),
}
#: English a page in another language must not show.
ENGLISH = ("words per minute", "characters per minute", "What you said", "of words", "No video", "Line delivered")


def measured(page: str, cue: str) -> str:
    """The trainers' table's "measured" cell of ``cue``."""
    row = re.search(rf'<tr data-cue="{cue}"><th scope="row">[^<]*</th><td>[^<]*</td><td>([^<]*)</td>', page)
    assert row, f"no row for {cue}"
    return html.unescape(row[1])


def said_tokens(page: str) -> list[tuple[str, str]]:
    """(class, text) of each token of "what you said", in order."""
    line = re.search(r'<p class="said-line">(.*?)</p>', page, flags=re.S)
    assert line, "no transcript"
    return [(cls, html.unescape(text)) for cls, text in re.findall(r'class="([^"]+)"[^>]*>([^<]*)<', line[1])]


@pytest.mark.parametrize("language", ["da", "lt", "zh"])
def test_the_report_of_a_take_in_the_page_s_language_shows_pace_delivery_and_the_pause_in_it(language) -> None:
    take = language_take(language)
    shown = SHOWN[language]
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    switch_to(app, "upload")
    app.sidebar.selectbox(key="language").set_value(language).run()
    app.radio(key="upload-line-setting").set_value("front_desk").run()
    app.selectbox(key="upload-line-front_desk").set_value(LINE_ID).run()
    line = find_scenario(LINE_ID).text_in(language)
    assert any(m.value == f"> {line}" for m in app.markdown)
    app.get("file_uploader")[0].set_value((f"{language}.wav", take.wav.read_bytes(), "audio/wav")).run()
    assert not app.exception and not app.error
    page = app.get("iframe")[0].proto.srcdoc
    assert f'<html lang="{language}">' in page

    pace = re.fullmatch(shown.pace, measured(page, shown.pace_cue))
    assert pace, measured(page, shown.pace_cue)
    assert int(pace[1]) == pytest.approx(take.words_per_minute, rel=0.10)
    assert measured(page, "line_delivered") == shown.delivered
    # How each cue went, in a sentence: one full stop after a unit's own ("žodž./min."), not two.
    everyday = [html.unescape(t) for t in re.findall(r'<td class="everyday"[^>]*>([^<]*)</td>', page)]
    assert len(everyday) >= 5 and not any(t.endswith("..") for t in everyday), everyday

    strings = load_strings(language)["report"]
    assert f"<h2>{html.escape(strings['what_was_said'])}</h2>" in page
    tokens = said_tokens(page)
    words = [text for cls, text in tokens if cls.startswith("said-word")]
    assert words == list(take.words)
    pauses = [i for i, (cls, _) in enumerate(tokens) if cls == "pause-mark"]
    assert len(pauses) == 1, tokens
    before = [text for cls, text in tokens[: pauses[0]] if cls.startswith("said-word")]
    assert len(before) == take.pause_after + 1, f"the pause follows {take.words[take.pause_after]!r}"
    # Written as the line is: Chinese characters run on, without spaces.
    gap = "" if language == "zh" else " "
    said_line = html.unescape(re.sub(r"<[^>]+>", "", page.split('<p class="said-line">')[1].split("</p>")[0]))
    assert said_line.startswith(gap.join(take.words[: take.pause_after + 1]) + " ‖ "), said_line
    length = re.fullmatch(shown.pause, tokens[pauses[0]][1])
    assert length, tokens[pauses[0]]
    assert float(length[1].replace(",", ".")) == pytest.approx(0.7, abs=0.1)

    on_page = [page] + [w.value for w in app.warning] + [s.value for s in app.success]
    for english in ENGLISH:
        assert not any(english in text for text in on_page), english
