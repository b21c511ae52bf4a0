"""Scenarios: the shipped lines are complete and well written; bad files are refused clearly.

A malformed scenario file must be refused with a message that names the file,
the line number, the scenario (its id, or its position when the id itself is
the problem) and the field, so a trainer can fix it without reading code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.scenarios import (
    KIND_LABELS,
    KINDS,
    LANGUAGES,
    LINES_DIR,
    LIST_FOOTER,
    OBSERVABLE_TARGETS,
    SETTING_LABELS,
    SETTINGS,
    TARGETS,
    Scenario,
    ScenarioError,
    find_scenario,
    format_scenario_list,
    load_scenarios,
)

HAN = re.compile(r"[\u4e00-\u9fff]")

#: English words the aligner's dictionary lacks that a shipped line may use
#: anyway. Empty: every shipped English line is fully checkable.
UNCHECKED_ALLOWED: frozenset[str] = frozenset()

#: The profile's conversational pace band starts at 130-175 wpm (Read.ai);
#: a de-escalation line must ask for slower than its top.
DE_ESCALATION_MAX_WPM = 160


# ---- the shipped scenarios ----


@pytest.fixture(scope="module")
def shipped() -> tuple[Scenario, ...]:
    return load_scenarios()


def test_every_shipped_file_validates_and_is_cached(shipped: tuple[Scenario, ...]) -> None:
    files = sorted(LINES_DIR.glob("*.toml"))
    assert [f.name for f in files] == ["front_desk.toml", "phone.toml", "video_call.toml"]
    assert load_scenarios() is shipped, "the shipped scenarios are read once per process"
    assert load_scenarios(files) == shipped
    assert len({s.id for s in shipped}) == len(shipped)
    for scenario in shipped:
        assert scenario.source in files
        header = scenario.source.read_text(encoding="utf-8").splitlines()[scenario.line_number - 1]
        assert header.strip() == "[[line]]", scenario.id
        assert scenario.id.startswith(scenario.setting.replace("_", "-") + "-" + scenario.kind.replace("_", "-"))


def test_at_least_twelve_greetings_and_twelve_de_escalations(shipped: tuple[Scenario, ...]) -> None:
    kinds = [s.kind for s in shipped]
    assert kinds.count("greeting") >= 12
    assert kinds.count("de_escalation") >= 12


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_has_both_kinds(shipped: tuple[Scenario, ...], setting: str) -> None:
    assert {s.kind for s in shipped if s.setting == setting} == set(KINDS)


def test_every_line_and_situation_is_in_every_language(shipped: tuple[Scenario, ...]) -> None:
    for scenario in shipped:
        for language in LANGUAGES:
            assert scenario.text_in(language).strip(), (scenario.id, language)
            assert scenario.situation_in(language).strip(), (scenario.id, language)
        assert HAN.search(scenario.text_in("zh")), scenario.id
        assert HAN.search(scenario.situation_in("zh")), scenario.id
        assert not HAN.search(scenario.text_in("lt") + scenario.text_in("da"))


def test_lithuanian_and_danish_use_their_own_letters(shipped: tuple[Scenario, ...]) -> None:
    lithuanian = "".join(s.text_in("lt") + s.situation_in("lt") for s in shipped)
    danish = "".join(s.text_in("da") + s.situation_in("da") for s in shipped)
    assert set("ąčęėįšųūž") <= set(lithuanian.lower())
    assert set("æøå") <= set(danish.lower())


def test_english_lines_are_speakable_and_fully_checkable(shipped: tuple[Scenario, ...]) -> None:
    from kiosk.voice import prepare_line

    for scenario in shipped:
        line = prepare_line(scenario.text_in("en"), language="en")
        assert 8 <= len(line.words) <= 25, (scenario.id, len(line.words))
        unchecked = {w.written.lower() for w in line.unchecked}
        assert unchecked <= UNCHECKED_ALLOWED, (scenario.id, sorted(unchecked))


def test_some_lines_exercise_number_normalisation(shipped: tuple[Scenario, ...]) -> None:
    from kiosk.voice import prepare_line

    spoken = {s.id: " ".join(prepare_line(s.text_in("en")).spoken_words) for s in shipped}
    said = " | ".join(spoken.values())
    assert "room two fourteen" in said
    assert "twenty dollars" in said
    assert "ten minutes" in said
    assert "three thirty" in said


def test_greetings_ask_for_an_early_smile_where_a_face_is_seen(shipped: tuple[Scenario, ...]) -> None:
    for scenario in shipped:
        if scenario.kind == "greeting" and scenario.setting != "phone":
            assert scenario.targets["smile_onset_max_s"] <= 2.0, scenario.id
            assert scenario.targets["eye_contact_at_start"] is True, scenario.id


def test_de_escalation_lines_ask_for_slower_even_delivery(shipped: tuple[Scenario, ...]) -> None:
    for scenario in shipped:
        if scenario.kind != "de_escalation":
            continue
        lo, hi = scenario.targets["pace_wpm_band"]
        assert lo < hi <= DE_ESCALATION_MAX_WPM, scenario.id
        assert scenario.targets["loudness_spread_max_db"] > 0, scenario.id
        assert scenario.targets["falling_phrase_ends"] is True, scenario.id
        if scenario.setting != "phone":
            assert scenario.targets["smile_allowed"] is False, scenario.id
        if scenario.setting == "front_desk":
            assert scenario.targets["arms_open"] is True, scenario.id


def test_phone_lines_set_no_body_targets(shipped: tuple[Scenario, ...]) -> None:
    for scenario in shipped:
        assert set(scenario.targets) <= OBSERVABLE_TARGETS[scenario.setting], scenario.id
        assert scenario.voice_only == (scenario.setting == "phone")


def test_every_label_is_in_every_language() -> None:
    for labels in (*SETTING_LABELS.values(), *KIND_LABELS.values(), LIST_FOOTER):
        assert set(labels) == set(LANGUAGES)
        assert all(text.strip() for text in labels.values())
    assert set(SETTING_LABELS) == set(SETTINGS)
    assert set(KIND_LABELS) == set(KINDS)


def test_a_scenario_is_immutable(shipped: tuple[Scenario, ...]) -> None:
    scenario = shipped[0]
    with pytest.raises(AttributeError):
        scenario.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        scenario.text["en"] = "changed"  # type: ignore[index]
    assert hash(scenario) == hash(find_scenario(scenario.id))


# ---- finding and listing ----


def test_find_scenario_by_id_and_language_with_region() -> None:
    scenario = find_scenario("front-desk-greeting-02")
    assert scenario.setting == "front_desk"
    assert "214" in scenario.text_in("en")
    assert scenario.text_in("da-DK") == scenario.text_in("da")


def test_an_unknown_scenario_says_how_to_list_them() -> None:
    with pytest.raises(ScenarioError, match=r"No scenario 'front-desk-greting-01'.*kiosk scenarios"):
        find_scenario("front-desk-greting-01")
    with pytest.raises(KioskError):
        find_scenario("nothing")


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"'de'.*en, zh, lt, da"):
        find_scenario("phone-greeting-01").text_in("de")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_shows_ids_settings_and_text_in_the_language(shipped: tuple[Scenario, ...], language: str) -> None:
    listing = format_scenario_list(shipped, language)
    for setting in SETTINGS:
        assert SETTING_LABELS[setting][language] in listing
        assert f"[{setting}]" in listing
    for scenario in shipped:
        row = next(line for line in listing.splitlines() if line.strip().startswith(scenario.id + " "))
        assert scenario.text_in(language) in row
        assert KIND_LABELS[scenario.kind][language] in row
    assert str(len(shipped)) in listing.splitlines()[-1]


def test_the_list_of_a_few_shows_only_their_settings(shipped: tuple[Scenario, ...]) -> None:
    phone = [s for s in shipped if s.setting == "phone"]
    listing = format_scenario_list(phone, "lt")
    assert "[phone]" in listing and "[front_desk]" not in listing
    assert phone[0].text_in("lt") in listing


# ---- malformed files ----

GOOD = """\
[[line]]
id = "{id}"
setting = "front_desk"
kind = "greeting"
situation.en = "A guest walks up to the desk."
situation.zh = "一位客人走到前台。"
situation.lt = "Prie registratūros prieina svečias."
situation.da = "En gæst kommer hen til receptionen."
text.en = "Good evening, and welcome to the hotel."
text.zh = "晚上好，欢迎光临。"
text.lt = "Labas vakaras, sveiki atvykę į viešbutį."
text.da = "Godaften, og velkommen til hotellet."
targets = {{ smile_onset_max_s = 2.0, eye_contact_at_start = true }}
"""


def write(tmp_path: Path, second: str, name: str = "custom.toml") -> Path:
    """A file with one good scenario and then ``second``."""
    path = tmp_path / name
    path.write_text(GOOD.format(id="good-greeting-01") + "\n" + second, encoding="utf-8")
    return path


def second(replace: str = "", by: str = "", *, id: str = "bad-greeting-02") -> str:
    text = GOOD.format(id=id)
    if replace:
        assert replace in text, replace
        text = text.replace(replace, by)
    return text


def line_of(path: Path, fragment: str) -> int:
    """The last line (1-based) of ``path`` that contains ``fragment``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return max(i + 1 for i, line in enumerate(lines) if fragment in line)


def refused(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenarios([path])
    message = str(caught.value)
    assert str(path) in message
    return message


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, second())
    scenarios = load_scenarios(path)
    assert [s.id for s in scenarios] == ["good-greeting-01", "bad-greeting-02"]
    assert [s.line_number for s in scenarios] == [1, 15]
    assert scenarios[1].targets == {"smile_onset_max_s": 2.0, "eye_contact_at_start": True}
    assert load_scenarios([tmp_path]) == scenarios


def test_inline_translation_tables_load_and_are_located_by_id(tmp_path: Path) -> None:
    inline = (
        "line = [\n"
        '  { id = "inline-greeting-01", setting = "phone", kind = "greeting",'
        ' situation = { en = "A call.", zh = "来电。", lt = "Skambutis.", da = "Et opkald." },'
        ' text = { en = "Hello, thank you for calling.", zh = "您好。", lt = "Sveiki.", da = "Hej." } },\n'
        '  { id = "inline-greeting-02", setting = "phone", kind = "greting",'
        ' situation = { en = "A call.", zh = "来电。", lt = "Skambutis.", da = "Et opkald." },'
        ' text = { en = "Hello, thank you for calling.", zh = "您好。", lt = "Sveiki.", da = "Hej." } },\n'
        "]\n"
    )
    path = tmp_path / "inline.toml"
    path.write_text(inline, encoding="utf-8")
    message = refused(path)
    assert "line 3 " in message
    assert "'inline-greeting-02'" in message and "field 'kind'" in message
    assert "did you mean 'greeting'" in message


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, second('kind = "greeting"', 'kind = "greeting'))
    message = refused(path)
    assert f"line {line_of(path, 'kind = ')}, column" in message
    assert "not valid TOML" in message


def test_a_toml_syntax_error_reports_the_exact_line(tmp_path: Path) -> None:
    path = write(tmp_path, second('setting = "front_desk"', "setting front_desk"))
    message = refused(path)
    assert f"line {line_of(path, 'setting front_desk')}," in message
    assert "not valid TOML" in message


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, second('kind = "greeting"\n', ""))
    message = refused(path)
    assert "line 15 " in message
    assert "'bad-greeting-02'" in message and "field 'kind'" in message and "missing" in message


def test_an_unknown_field_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, second("situation.en", "situaton.en"))
    message = refused(path)
    assert f"line {line_of(path, 'situaton.en')} " in message
    assert "field 'situaton'" in message and "did you mean 'situation'" in message


def test_a_wrong_type_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, second('setting = "front_desk"', "setting = 3"))
    message = refused(path)
    assert f"line {line_of(path, 'setting = 3')} " in message
    assert "'bad-greeting-02'" in message and "field 'setting'" in message and "must be text" in message


def test_translations_that_are_not_a_table_are_refused(tmp_path: Path) -> None:
    block = second()
    block = re.sub(r"text\.en = .*\n(text\.\w\w = .*\n){3}", 'text = "Good evening."\n', block)
    path = write(tmp_path, block)
    message = refused(path)
    assert f"line {line_of(path, 'text = ')} " in message and "field 'text'" in message


def test_an_unknown_setting_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, second('setting = "front_desk"', 'setting = "reception"'))
    message = refused(path)
    row = line_of(path, 'setting = "reception"')
    assert f"line {row} " in message
    assert "field 'setting'" in message and "front_desk, phone, video_call" in message


def test_an_unknown_kind_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, second('kind = "greeting"', 'kind = "complaint"'))
    message = refused(path)
    assert f"line {line_of(path, 'complaint')} " in message
    assert "field 'kind'" in message and "greeting, de_escalation" in message


def test_an_unknown_language_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, second('text.da = "Godaften, og velkommen til hotellet."', 'text.de = "Guten Abend."'))
    message = refused(path)
    assert f"line {line_of(path, 'text.de')} " in message
    assert "field 'text.de'" in message and "unknown language" in message


def test_a_missing_translation_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, second('situation.lt = "Prie registratūros prieina svečias."\n', ""))
    message = refused(path)
    assert "'bad-greeting-02'" in message and "field 'situation.lt'" in message
    assert "translation is missing" in message
    assert re.search(r"line \d+ ", message)


def test_an_empty_translation_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, second('text.lt = "Labas vakaras, sveiki atvykę į viešbutį."', 'text.lt = "  "'))
    message = refused(path)
    assert f"line {line_of(path, 'text.lt = ' + chr(34) + '  ')} " in message
    assert "field 'text.lt'" in message and "empty" in message


def test_an_untranslated_copy_of_the_english_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        second(
            'text.da = "Godaften, og velkommen til hotellet."',
            'text.da = "Good evening, and welcome to the hotel."',
        ),
    )
    message = refused(path)
    assert f"line {line_of(path, 'text.da')} " in message and "field 'text.da'" in message
    assert "not a translation" in message


def test_chinese_without_chinese_characters_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, second('text.zh = "晚上好，欢迎光临。"', 'text.zh = "Wanshang hao."'))
    message = refused(path)
    assert f"line {line_of(path, 'Wanshang')} " in message and "field 'text.zh'" in message


def test_a_bad_id_is_named_by_position(tmp_path: Path) -> None:
    path = write(tmp_path, second(id="Bad Greeting"))
    message = refused(path)
    assert "line 16 " in message
    assert "the 2nd [[line]] table" in message and "field 'id'" in message


def test_a_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    first = write(tmp_path, second(id="shared-greeting-01"), name="a.toml")
    other = tmp_path / "b.toml"
    other.write_text("# another file\n\n" + GOOD.format(id="shared-greeting-01"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios([first, other])
    message = str(caught.value)
    assert f"{other}, line 3 " in message and f"{first}, line 15" in message
    assert "'shared-greeting-01'" in message and "field 'id'" in message and "already used" in message


def test_a_duplicate_id_within_one_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, second(id="good-greeting-01"))
    message = refused(path)
    assert "line 15 " in message and "line 1;" in message and "already used" in message


def test_an_unknown_target_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, second("eye_contact_at_start = true", "eye_contact_at_begin = true"))
    message = refused(path)
    assert f"line {line_of(path, 'eye_contact_at_begin')} " in message
    assert "field 'targets.eye_contact_at_begin'" in message and "did you mean 'eye_contact_at_start'" in message


def test_a_target_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, second("eye_contact_at_start = true", 'eye_contact_at_start = "yes"'))
    message = refused(path)
    assert "field 'targets.eye_contact_at_start'" in message and "true or false" in message
    assert f"line {line_of(path, 'eye_contact_at_start')} " in message


def test_a_number_target_must_be_a_positive_number(tmp_path: Path) -> None:
    path = write(tmp_path, second("smile_onset_max_s = 2.0", "smile_onset_max_s = true"))
    message = refused(path)
    assert "field 'targets.smile_onset_max_s'" in message and "seconds" in message


@pytest.mark.parametrize(
    ("band", "problem"),
    [
        ("[150, 110]", "upside down"),
        ("[120, 120]", "upside down"),
        ("[110]", "two numbers"),
        ('["slow", 150]', "two numbers"),
        ("[0, 150]", "above 0"),
    ],
)
def test_a_bad_pace_band_is_refused(tmp_path: Path, band: str, problem: str) -> None:
    path = write(
        tmp_path,
        second('kind = "greeting"', 'kind = "de_escalation"', id="bad-de-escalation-02").replace(
            "smile_onset_max_s = 2.0, eye_contact_at_start = true", f"pace_wpm_band = {band}"
        ),
    )
    message = refused(path)
    assert "'bad-de-escalation-02'" in message and "field 'targets.pace_wpm_band'" in message and problem in message
    assert f"line {line_of(path, 'pace_wpm_band')} " in message


def test_a_bad_target_in_a_targets_subtable_is_located(tmp_path: Path) -> None:
    block = second(
        "targets = { smile_onset_max_s = 2.0, eye_contact_at_start = true }",
        "[line.targets]\nsmile_onset_max_s = 2.0\neye_contact_at_start = 1",
    )
    path = write(tmp_path, block)
    message = refused(path)
    assert f"line {line_of(path, 'eye_contact_at_start = 1')} " in message
    assert "field 'targets.eye_contact_at_start'" in message


def test_targets_that_are_not_a_table_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, second("targets = { smile_onset_max_s = 2.0, eye_contact_at_start = true }", "targets = 2"))
    message = refused(path)
    assert "field 'targets'" in message and f"line {line_of(path, 'targets = 2')} " in message


def test_a_body_target_on_the_phone_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, second('setting = "front_desk"', 'setting = "phone"'))
    message = refused(path)
    assert "field 'targets.smile_onset_max_s'" in message and "voice only" in message


def test_arms_on_a_video_call_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        second('setting = "front_desk"', 'setting = "video_call"').replace(
            "eye_contact_at_start = true", "arms_open = true"
        ),
    )
    message = refused(path)
    assert "field 'targets.arms_open'" in message and "head and shoulders" in message


def test_a_file_without_lines_or_with_stray_entries_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert "no [[line]] tables" in refused(empty)
    stray = tmp_path / "stray.toml"
    stray.write_text('title = "Hotel"\n\n' + GOOD.format(id="good-greeting-01"), encoding="utf-8")
    message = refused(stray)
    assert "line 1 " in message and "field 'title'" in message and "only [[line]] tables" in message


def test_a_missing_or_unreadable_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    assert "cannot be read" in refused(missing)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(GOOD.format(id="good-greeting-01").replace("æ", "ae").encode("utf-8") + b"# caf\xe9\n")
    message = refused(latin1)
    assert "line 14" in message and "UTF-8" in message
    folder = tmp_path / "no_scenarios_here"
    folder.mkdir()
    with pytest.raises(ScenarioError, match="no .toml files"):
        load_scenarios([folder])


def test_the_target_table_documents_its_units() -> None:
    for spec in TARGETS.values():
        assert spec.form in {"seconds", "decibels", "flag", "band"}
        assert spec.meaning
    assert {"smile_onset_max_s", "eye_contact_at_start", "pace_wpm_band", "loudness_spread_max_db",
            "falling_phrase_ends", "arms_open", "smile_allowed"} == set(TARGETS)  # fmt: skip
