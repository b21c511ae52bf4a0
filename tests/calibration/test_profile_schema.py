"""The profile is parsed once, every key is documented where it is declared, and one mechanism checks them all.

The wrong-value cases are generated from the declarations themselves
(:func:`kiosk.calibration.schema.keys_of`), so a key added tomorrow is
documented and checked by these tests without a new one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import fields
from pathlib import Path

import pytest

import kiosk.calibration.profile as profile_module
from kiosk.calibration import (
    BODY_CUES_SCORED,
    CUES_BY_SETTING,
    PROFILE_DIR,
    SETTINGS,
    VOICE_CUES,
    Profile,
    load_framing_calibration,
    load_live_calibration,
    load_media_limits,
    load_profile,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
)
from kiosk.calibration.schema import (
    Band,
    Choice,
    Derived,
    Key,
    Number,
    Range,
    Spec,
    Table,
    TablesBy,
    Text,
    keys_of,
    spec_of,
    tables_of,
)
from kiosk.errors import CalibrationError
from kiosk.vocabulary import Cue, Language, Setting

DEFAULT_TEXT = (PROFILE_DIR / "default.toml").read_text(encoding="utf-8")
KEYS = list(keys_of(Profile))


def with_value(table: str, key: str, literal: str) -> str:
    """The default profile's text with ``key`` of ``[table]`` set to the TOML ``literal``."""
    lines = DEFAULT_TEXT.splitlines()
    start = lines.index(f"[{table}]")
    for i in range(start + 1, len(lines)):
        assert not lines[i].startswith("["), f"no {key} in [{table}]"
        if lines[i].split("=")[0].strip() == key:
            lines[i] = f"{key} = {literal}"
            return "\n".join(lines) + "\n"
    raise AssertionError(f"no {key} in [{table}]")


def edited(*edits: str) -> str:
    """The default profile's text with each (old, new) pair of ``edits`` replaced once."""
    text = DEFAULT_TEXT
    for old, new in zip(edits[0::2], edits[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def refusal(tmp_path: Path, text: str, name: str = "custom.toml") -> tuple[Path, str]:
    """The file written from ``text`` and the message it is refused with."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalibrationError) as err:
        load_profile(path)
    return path, str(err.value)


# -- Read once ------------------------------------------------------------------------------


def test_the_file_is_parsed_once_for_every_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[Path] = []
    real = profile_module.read_profile

    def counted(name_or_path: str | Path = "default") -> dict[str, object]:
        reads.append(Path(name_or_path))
        return real(name_or_path)

    monkeypatch.setattr(profile_module, "read_profile", counted)
    path = tmp_path / "site.toml"
    path.write_text(DEFAULT_TEXT, encoding="utf-8")
    for load in (
        load_vision_calibration,
        load_voice_calibration,
        load_scoring_profile,
        load_live_calibration,
        load_framing_calibration,
        load_media_limits,
        load_profile,
    ):
        load(path)
        load(str(path))
    assert reads == [path.resolve()]


def test_a_name_and_its_path_are_one_profile() -> None:
    assert load_profile("default") is load_profile(PROFILE_DIR / "default.toml")
    assert load_vision_calibration() is load_profile().vision
    assert load_framing_calibration().thresholds is load_profile().vision.framing


def test_an_unknown_profile_name_lists_the_known_ones() -> None:
    with pytest.raises(CalibrationError, match=r"'no-such-site' not found at .*; known profiles: .*default"):
        load_profile("no-such-site")


# -- Documented where declared -------------------------------------------------------------------


def test_every_field_of_every_table_is_documented_with_its_unit_and_range() -> None:
    tables = list(tables_of(Profile))
    assert len(tables) > 20  # every section and sub-table, reached from Profile
    for cls in tables:
        doc = cls.__doc__ or ""
        summary, _, attributes = doc.partition("\n\nAttributes:\n")
        assert summary.strip() and attributes, cls.__name__
        for f in fields(cls):
            spec = spec_of(f)
            where = f"{cls.__name__}.{f.name}"
            assert len(spec.doc) > 10, where
            if isinstance(spec, Number | Band | Derived):
                assert spec.unit, where
            if isinstance(spec, Number):
                assert isinstance(spec.check, Range) and spec.must, where
            if isinstance(spec, Derived):
                assert spec.source and spec.needs, where
            assert f"    {f.name}: {spec.doc.rstrip('.')}" in attributes, where


def test_the_generated_attributes_say_unit_and_range() -> None:
    doc = load_voice_calibration().activity.__doc__ or ""
    assert "    min_pause_s: A pause is a silence at least this long" in doc
    assert "(seconds; a positive number)." in doc


def test_every_declared_key_is_in_the_default_profile_and_every_key_there_is_declared() -> None:
    import tomllib

    def leaves(table: dict[str, object], where: str = "") -> Iterator[tuple[str, str]]:
        for key, value in table.items():
            if isinstance(value, dict):
                yield from leaves(value, f"{where}.{key}" if where else key)
            else:
                yield where, key

    assert {(k.table, k.name) for k in KEYS} == set(leaves(tomllib.loads(DEFAULT_TEXT)))


# -- One check, messages from the declarations --------------------------------------------------


def _literal(value: float) -> str:
    return f"{value:g}"


def wrong_values(spec: Spec) -> list[tuple[str, str]]:
    """TOML literals ``spec`` refuses, each with the words its message must hold."""
    if isinstance(spec, Text):
        return [("3", f"must be {spec.must}, got 3")]
    if isinstance(spec, Choice):
        return [("3", f"must be {spec.must}, got 3"), ('"sideways"', f"must be {spec.must}, got 'sideways'")]
    if isinstance(spec, Band):
        return [
            ("[1.0]", f"must be {spec.must}, got [1.0]"),
            ('"wide"', f"must be {spec.must}, got 'wide'"),
            ("[2.0, 1.0]", "[2.0, 1.0] is upside down; write it as [low, high]"),
        ]
    assert isinstance(spec, Number), spec
    check, must = spec.check, spec.must
    cases = [('"ten"', f"= 'ten' is not a number; it must be {must}"), ("true", "= True is not a number")]
    out_of_range: list[float] = [math.nan]
    if check.low is not None:
        out_of_range.append(check.low if check.low_open else check.low - 1)
    if check.high is not None:
        out_of_range.append(check.high if check.high_open else check.high + 1)
    if check.whole:
        out_of_range.append((check.low or 0) + 1.5)
    cases += [(_literal(v), f"must be {must}, got {_literal(v)}") for v in out_of_range]
    return cases


@pytest.mark.parametrize("key", KEYS, ids=[f"{k.table}.{k.name}" for k in KEYS])
def test_a_wrong_value_anywhere_is_refused_naming_file_table_key_and_what_it_must_be(tmp_path: Path, key: Key) -> None:
    for n, (literal, words) in enumerate(wrong_values(key.spec)):
        path, message = refusal(tmp_path, with_value(key.table, key.name, literal), f"wrong-{n}.toml")
        assert str(path) in message
        assert f"[{key.table}] {key.name} {words}" in message, (literal, message)


@pytest.mark.parametrize("key", KEYS, ids=[f"{k.table}.{k.name}" for k in KEYS])
def test_a_missing_key_anywhere_is_named(tmp_path: Path, key: Key) -> None:
    text = with_value(key.table, key.name, "0").replace(f"\n{key.name} = 0\n", "\n", 1)
    if isinstance(key.spec, Text):  # optional: the default is used
        (tmp_path / "custom.toml").write_text(text, encoding="utf-8")
        table: object = load_profile(tmp_path / "custom.toml")
        for part in key.table.split("."):
            table = table[next(k for k in table if k == part)] if isinstance(table, Mapping) else getattr(table, part)
        default = next(f.default for f in fields(type(table)) if f.name == key.name)  # type: ignore[arg-type]
        assert getattr(table, key.name) == default
        return
    _, message = refusal(tmp_path, text)
    assert f"[{key.table}] has no {key.name}; add it" in message
    assert f"[{key.table}] {key.name} must be {key.spec.must}, got None" in message  # type: ignore[attr-defined]


def test_several_problems_are_listed_together(tmp_path: Path) -> None:
    path, message = refusal(
        tmp_path, edited("min_pause_s = 0.25", "min_pause_s = -1", "max_pixels = 50000000", "max_pixels = 0")
    )
    assert message.startswith(f"Calibration profile {path} has 2 problems; fix each:\n")
    assert "- [voice.activity] min_pause_s must be a positive number, got -1." in message
    assert "- [media] max_pixels must be a positive whole number, got 0." in message


# -- Unknown keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "min_pause_s = 0.25",
            "min_pause_ss = 0.25",
            "[voice.activity] has unknown keys ['min_pause_ss'] (a typo? min_pause_ss -> min_pause_s); known keys: "
            "peak_quantile, min_pause_s,",
        ),
        ("[vision.smile]", "[vision.smiles]", "[vision] has unknown keys ['smiles'] (a typo? smiles -> smile)"),
        ("[media]", "[medias]", "the file has unknown keys ['medias'] (a typo? medias -> media); known keys: vision,"),
        (
            "[scoring.phone.pace]",
            "[scoring.phone.eye_contact]",
            "[scoring.phone] has unknown cues ['eye_contact']; known for this setting: "
            "pace, pace_characters, pace_syllables,",
        ),
        (
            "[scoring.front_desk.eye_contact]\n",
            "[scoring.front_desk.eye_contact]\ncolour = 1\n",
            "unknown keys ['colour']",
        ),
        # Taken from elsewhere: a copy here would be ignored.
        ("window_s = 1.0\n", "window_s = 1.0\nmin_lens_share = 0.5\n", "[framing] has unknown keys ['min_lens_share']"),
        ("off_for_s = 2.0\n", "off_for_s = 2.0\nof_for_s = 2.0\n", "[live] has unknown keys ['of_for_s']"),
    ],
)
def test_an_unknown_key_is_refused_with_the_known_ones(tmp_path: Path, old: str, new: str, words: str) -> None:
    path, message = refusal(tmp_path, edited(old, new))
    assert str(path) in message
    assert words in message, message


def test_the_profile_table_is_optional(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace('[profile]\nname = "default"\n', "").replace("description = ", "# description = ", 1)
    path = tmp_path / "bare.toml"
    path.write_text(text, encoding="utf-8")
    assert load_profile(path).profile.name == ""
    assert load_profile().profile.name == "default"


# -- Rules between keys, declared on their table ------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "words"),
    [
        (("pitch_floor_hz = 75.0", "pitch_floor_hz = 500.0"), "[voice] pitch_floor_hz (500.0) must be below"),
        (
            ("excellent = 85.0", "excellent = 60.0"),
            "[scoring] needs excellent >= good >= fair, got {'excellent': 60.0,",
        ),
        (("fair = 50.0", "fair = 75.0"), "[scoring] needs excellent >= good >= fair"),
        (("repeat_gap_s = 15.0", "repeat_gap_s = 4.0"), "[live] needs show_for_s <= min_gap_s <= repeat_gap_s, got"),
        (
            ("level_window_s = 0.1", "level_window_s = 5.0"),
            "[live.voice] level_window_s (5.0) must be at most window_s",
        ),
        (
            ("min_speech_for_rate_s = 1.5", "min_speech_for_rate_s = 4.5"),
            "[live.voice] min_speech_for_rate_s (4.5) must be at most window_s (4.0).",
        ),
        (
            ("band = [0.6, 0.95]", "band = [0.95, 0.6]"),
            "[scoring.video_call.eye_contact] band [0.95, 0.6] is upside down",
        ),
        (("max_camera_pitch_deg = 14.0", "max_camera_pitch_deg = 90"), "must be degrees between 0 and 90, got 90"),
        (
            ("min_face_height_share = 0.15", "min_face_height_share = 0.7"),
            "[vision.framing] min_face_height_share (0.7) must be below max_face_height_share (0.65).",
        ),
        (("too_quiet_dbfs = -40.0", "too_quiet_dbfs = -5.0"), "[voice.tone] too_quiet_dbfs (-5.0) must be below"),
        (("wide_beam = 1e-80", "wide_beam = 1e-40"), "[voice.alignment] wide_beam (1e-40) must be at most beam"),
    ],
)
def test_a_broken_rule_between_keys_is_refused(tmp_path: Path, edits: tuple[str, str], words: str) -> None:
    path, message = refusal(tmp_path, edited(*edits))
    assert message.startswith(f"Calibration profile {path}: ")
    assert words in message, message


def test_a_broken_table_does_not_also_break_what_is_derived_from_it(tmp_path: Path) -> None:
    # [framing] takes the lens target from the scoring bands: one problem, said once.
    _, message = refusal(tmp_path, edited("band = [0.6, 0.95]", "band = [0.6]"))
    assert message.count("band") == 1, message


# -- Targets in the vocabulary's terms ----------------------------------------------------------


def test_the_targets_are_keyed_by_setting_and_cue_in_report_order() -> None:
    targets = load_scoring_profile().targets
    assert list(targets) == list(Setting)
    assert all(type(setting) is Setting for setting in targets)
    for setting, cues in targets.items():
        assert tuple(cues) == Cue.scored_in_setting(setting)
        assert all(type(cue) is Cue for cue in cues)
    assert load_scoring_profile().target("phone", "pace") is targets[Setting.PHONE][Cue.PACE]


def test_the_targets_cannot_be_changed_in_place() -> None:
    profile = load_scoring_profile()
    with pytest.raises(TypeError):
        profile.targets[Setting.PHONE][Cue.PACE] = profile.targets[Setting.PHONE][Cue.LOUDNESS]  # type: ignore[index]
    with pytest.raises(TypeError):
        del profile.targets[Setting.PHONE]  # type: ignore[attr-defined]


def test_the_old_lists_of_settings_and_cues_come_from_the_vocabulary() -> None:
    assert SETTINGS == tuple(Setting)
    assert set(VOICE_CUES) | set(BODY_CUES_SCORED) == set(Cue)
    assert CUES_BY_SETTING["phone"] == VOICE_CUES
    for setting in Setting:
        assert CUES_BY_SETTING[setting] == Cue.scored_in_setting(setting)


def test_a_tables_by_field_lists_every_key_it_expects() -> None:
    scoring_keys = [k for k in KEYS if k.table.startswith("scoring.")]
    # band, tolerance, weight of every cue in every setting; words per English word of every language
    expected = sum(len(Cue.scored_in_setting(s)) for s in Setting) * 3 + len(Language)
    assert len(scoring_keys) == expected
    assert isinstance(spec_of(next(f for f in fields(Profile) if f.name == "scoring")), Table)
    assert any(isinstance(spec_of(f), TablesBy) for f in fields(load_scoring_profile()))
