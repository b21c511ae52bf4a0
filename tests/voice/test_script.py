"""Tests for kiosk.voice.script: a scripted line becomes words the aligner knows.

English cases use the real US English dictionary that ships with
pocketsphinx (cmudict), so every expectation here is also a check that the
words produced can be aligned. The few tests that need a dictionary to lack a
word pass a small ``pronunciations`` set instead, and say so.
"""

from __future__ import annotations

import pytest

from kiosk.errors import KioskError
from kiosk.voice.script import (
    SUPPORTED_LANGUAGES,
    ScriptError,
    ScriptLine,
    ScriptWord,
    load_english_dictionary,
    prepare_line,
)

EXAMPLE = "Good morning! Your room, 214, is ready — that's $20 for parking."


def said(text: str, **kwargs: object) -> list[tuple[str, str]]:
    """(written, spoken words joined by spaces) for each word of the line."""
    return [(w.written, " ".join(w.spoken)) for w in prepare_line(text, **kwargs).words]


def spoken(text: str, **kwargs: object) -> str:
    """The flat text an aligner gets for the line."""
    return " ".join(prepare_line(text, **kwargs).spoken_words)


def phrase_ends(text: str, **kwargs: object) -> list[str]:
    """The written words that end a phrase."""
    return [w.written for w in prepare_line(text, **kwargs).words if w.phrase_end]


@pytest.fixture(scope="module")
def cmudict() -> frozenset[str]:
    return load_english_dictionary()


# --- the line as a whole ------------------------------------------------------------------------


def test_the_example_line_becomes_written_words_each_said_as_dictionary_words(cmudict):
    line = prepare_line(EXAMPLE)

    assert line.text == EXAMPLE
    assert line.language == "en"
    assert said(EXAMPLE) == [
        ("Good", "good"),
        ("morning", "morning"),
        ("Your", "your"),
        ("room", "room"),
        ("214", "two fourteen"),
        ("is", "is"),
        ("ready", "ready"),
        ("that's", "that's"),
        ("$20", "twenty dollars"),
        ("for", "for"),
        ("parking", "parking"),
    ]
    assert [w.index for w in line.words] == list(range(11))
    assert all(w.checked for w in line.words)
    assert line.unchecked == ()
    assert all(word in cmudict for word in line.spoken_words)


def test_every_spoken_word_of_a_busy_line_is_in_the_dictionary(cmudict):
    line = prepare_line(
        "Hi Mr. O’Neill! Check-in's at 3:30pm, room No. 1205 — it's 15% off, £4.50, e.g. 2 nights & 1st-floor wi-fi."
    )

    assert line.unchecked == ()
    assert all(word in cmudict for word in line.spoken_words)


def test_script_words_and_lines_are_frozen():
    line = prepare_line("Thank you.")

    with pytest.raises(AttributeError):
        line.text = "No."  # type: ignore[misc]
    with pytest.raises(AttributeError):
        line.words[0].written = "Thanks"  # type: ignore[misc]


# --- words --------------------------------------------------------------------------------------


def test_words_are_lowercased_and_stripped_of_surrounding_punctuation():
    assert said('"Welcome," she said: (really) WELCOME!') == [
        ("Welcome", "welcome"),
        ("she", "she"),
        ("said", "said"),
        ("really", "really"),
        ("WELCOME", "welcome"),
    ]


def test_curly_apostrophes_are_read_as_straight_ones():
    assert said("I’m sure we’ll manage") == [("I'm", "i'm"), ("sure", "sure"), ("we'll", "we'll"), ("manage", "manage")]


def test_quotes_are_stripped_but_dictionary_words_with_edge_apostrophes_are_kept(cmudict):
    assert "'til" in cmudict and "guests'" in cmudict
    assert said("'Hello' 'til the guests' coats") == [
        ("Hello", "hello"),
        ("'til", "'til"),
        ("the", "the"),
        ("guests'", "guests'"),
        ("coats", "coats"),
    ]


def test_hyphenated_words_stay_whole_when_the_dictionary_has_them_else_split(cmudict):
    assert "wi-fi" in cmudict and "check-in" not in cmudict

    assert said("wi-fi check-in 24-hour") == [
        ("wi-fi", "wi-fi"),
        ("check-in", "check in"),
        ("24-hour", "twenty four hour"),
    ]


def test_contractions_in_the_dictionary_are_kept(cmudict):
    kept = ["i'm", "don't", "we'll", "that's", "y'all", "you're", "can't", "won't", "it's", "let's"]
    assert all(word in cmudict for word in kept)

    assert spoken(" ".join(kept)) == " ".join(kept)


def test_contractions_the_dictionary_lacks_are_expanded(cmudict):
    assert "shan't" not in cmudict and "here'll" not in cmudict

    assert said("Shan't we? Here'll do.") == [
        ("Shan't", "shall not"),
        ("we", "we"),
        ("Here'll", "here will"),
        ("do", "do"),
    ]


def test_regular_contraction_endings_expand_when_the_dictionary_lacks_the_whole():
    words = {"you", "will", "have", "not", "could", "they", "are", "would", "i", "am"}

    assert spoken("you'll you've couldn't they're they'd I'm", pronunciations=words) == (
        "you will you have could not they are they would i am"
    )


def test_a_possessive_in_the_dictionary_is_kept(cmudict):
    assert "customer's" in cmudict

    assert said("the customer's bag")[1] == ("customer's", "customer's")


def test_a_missing_possessive_is_said_as_the_plural_which_sounds_the_same():
    words = {"the", "customers", "customer", "bag"}

    assert said("the customer's bag", pronunciations=words)[1] == ("customer's", "customers")


def test_a_possessive_without_plural_falls_back_to_the_bare_word():
    assert said("Dashwood's key", pronunciations={"dashwood", "key"})[0] == ("Dashwood's", "dashwood")


def test_a_possessive_is_said_as_the_derived_plural_when_cmudict_lacks_both(cmudict):
    assert "dashwoods" not in set(iter(cmudict))

    assert said("Dashwood's key")[0] == ("Dashwood's", "dashwoods")
    assert cmudict["dashwoods"] == (cmudict["dashwood"][0] + " Z",)


def test_missing_words_are_composed_of_dictionary_words(cmudict):
    assert "checkin" not in cmudict and "signup" not in cmudict

    assert said("checkin signup") == [("checkin", "check in"), ("signup", "sign up")]


def test_composition_prefers_fewest_pieces_then_the_most_even_split():
    words = {"front", "desk", "fro", "ntdesk", "frontd", "esk"}

    assert said("frontdesk", pronunciations=words) == [("frontdesk", "front desk")]
    assert said("checkinnow", pronunciations={"check", "in", "now"}) == [("checkinnow", "check in now")]


def test_composition_uses_no_single_letters_and_only_common_two_letter_words():
    # "a" is a word, but too short to be a piece; "zz" is not a common two-letter word.
    assert said("ahotel", pronunciations={"a", "hotel"}) == [("ahotel", "")]
    assert said("hotelzz", pronunciations={"hotel", "zz"}) == [("hotelzz", "")]
    # Four pieces are too many.
    assert said("onetwothreefour", pronunciations={"one", "two", "three", "four"}) == [("onetwothreefour", "")]


def test_regular_derivations_of_dictionary_words_are_checked_with_the_stems_sounds(cmudict):
    # Not in cmudict: each is a dictionary word plus a regular ending.
    from kiosk.voice.dictionary import english_pronunciations

    line = prepare_line("The aligner checks rebookings, voicemails and concierges.")
    assert line.unchecked == ()
    sounds = english_pronunciations()
    assert not {"aligner", "rebookings", "voicemails", "concierges"} & set(iter(sounds))  # cmudict lacks them
    assert sounds["aligner"] == (sounds["align"][0] + " ER",)
    assert sounds["rebookings"] == (sounds["rebook"][0] + " IH NG Z",)
    assert sounds["voicemails"] == (sounds["voicemail"][0] + " Z",)  # after a voiced sound
    assert sounds["concierges"] == (sounds["concierge"][0] + " IH Z",)  # after a sibilant
    # A stem shorter than three letters does not make a word: "ox" is in cmudict, "oxing" is no derivation.
    assert "ox" in set(iter(sounds)) and "oxing" not in sounds
    # Of two derivations the longer stem wins: coder + s, not cod + ers; dote + d, not dot + ed.
    assert sounds["coders"] == (sounds["coder"][0] + " Z",)
    assert sounds["doted"] == (sounds["dote"][0] + " IH D",)


def test_words_that_cannot_be_found_or_composed_are_unchecked():
    line = prepare_line("Welcome to xyzzyq plonkwort.")

    assert [w.written for w in line.unchecked] == ["xyzzyq", "plonkwort"]
    assert all(w.spoken == () and not w.checked for w in line.unchecked)
    assert line.spoken_words == ("welcome", "to")


def test_british_spellings_fall_back_to_us_ones(cmudict):
    assert "litres" not in cmudict and "organise" not in cmudict

    assert said("litres organise") == [("litres", "liters"), ("organise", "organize")]


def test_accented_letters_fall_back_to_plain_ones():
    assert said("café")[0] == ("café", "cafe")


def test_acronyms_the_dictionary_lacks_are_spelled_by_letter_name(cmudict):
    assert "qr" not in cmudict

    assert said("QR code, photo ID, VIP") == [
        ("QR", "q. r."),
        ("code", "code"),
        ("photo", "photo"),
        ("ID", "i. d."),
        ("VIP", "vip"),
    ]


def test_symbols_are_said_as_words():
    assert spoken("Bed & breakfast @ home + parking") == "bed and breakfast at home plus parking"
    assert said("B&B help@hotel.com")[0:2] == [("B&B", "b. and b."), ("help@hotel.com", "help at hotel dot com")]


def test_common_abbreviations_are_expanded():
    assert spoken("Mr. Smith, Mrs. Jones, Dr. Patel, e.g. towels, i.e. soap, etc.") == (
        "mister smith missus jones doctor patel for example towels that is soap et cetera"
    )
    assert [w.written for w in prepare_line("Mr. Smith e.g. now").words] == ["Mr.", "Smith", "e.g.", "now"]


def test_st_is_a_street_after_a_name_and_a_saint_before_one():
    assert spoken("We are on Main St. by St. Mary's") == "we are on main street by saint mary's"
    assert spoken("Visit St. Ives") == "visit saint ives"


def test_no_means_number_only_before_a_number():
    assert spoken("No, thanks") == "no thanks"
    assert spoken("Table No. 12") == "table number twelve"


def test_a_custom_dictionary_leaves_words_it_lacks_unchecked():
    line = prepare_line("Good morning, 3 guests", pronunciations={"good": "G UH D", "morning": "M AO R N IH NG"})

    assert line.spoken_words == ("good", "morning")
    assert [(w.written, w.spoken) for w in line.unchecked] == [("3", ()), ("guests", ())]


def test_letter_names_fall_back_to_plain_letters_when_the_dictionary_has_no_dotted_ones():
    assert spoken("9am", pronunciations={"nine", "a", "m"}) == "nine a m"


# --- numbers ------------------------------------------------------------------------------------


def test_cardinals_are_spelled_without_hyphens_commas_or_and():
    assert said("3 21 101 1,200 1000000") == [
        ("3", "three"),
        ("21", "twenty one"),
        ("101", "one hundred one"),
        ("1,200", "one thousand two hundred"),
        ("1000000", "one million"),
    ]


def test_ordinals_are_spelled():
    assert spoken("1st 2nd 3rd 22nd 11th") == "first second third twenty second eleventh"


def test_dollars_are_said_as_dollars_and_cents():
    assert said("$20 $1 $4.50 $4.5 $1.01 $0.99 $20.00 $1,200") == [
        ("$20", "twenty dollars"),
        ("$1", "one dollar"),
        ("$4.50", "four dollars and fifty cents"),
        ("$4.5", "four dollars and fifty cents"),
        ("$1.01", "one dollar and one cent"),
        ("$0.99", "ninety nine cents"),
        ("$20.00", "twenty dollars"),
        ("$1,200", "one thousand two hundred dollars"),
    ]


def test_pounds_and_euros_are_said_like_dollars():
    assert spoken("£5 £1 £4.50 £0.01 €1 €2.25") == (
        "five pounds one pound four pounds and fifty pence one penny one euro two euros and twenty five cents"
    )


def test_percentages_are_said_with_percent():
    assert said("15% 2.5%") == [("15%", "fifteen percent"), ("2.5%", "two point five percent")]


def test_decimals_are_said_digit_by_digit_after_the_point():
    assert spoken("4.05") == "four point zero five"


def test_times_are_said_as_hour_and_minutes():
    assert said("3:30 3:05 3:00 15:00 12:45") == [
        ("3:30", "three thirty"),
        ("3:05", "three oh five"),
        ("3:00", "three o'clock"),
        ("15:00", "fifteen hundred"),
        ("12:45", "twelve forty five"),
    ]


def test_am_and_pm_are_said_as_cmudict_letter_names(cmudict):
    # cmudict's "a" is the article (AH first); "a." is the letter name (EY).
    assert all(letter in cmudict for letter in ("a.", "m.", "p."))

    assert said("9am 9 a.m. 9 AM 9:30pm 10 PM") == [
        ("9am", "nine a. m."),
        ("9", "nine"),
        ("a.m.", "a. m."),
        ("9", "nine"),
        ("AM", "a. m."),
        ("9:30pm", "nine thirty p. m."),
        ("10", "ten"),
        ("PM", "p. m."),
    ]


def test_am_is_a_verb_when_no_number_comes_before_it():
    assert spoken("I am here") == "i am here"


def test_years_from_1900_to_2099_are_said_in_pairs():
    assert said("1905 1999 2005 2025 1850 2100") == [
        ("1905", "nineteen oh five"),
        ("1999", "nineteen ninety nine"),
        ("2005", "two thousand five"),
        ("2025", "twenty twenty five"),
        ("1850", "one thousand eight hundred fifty"),
        ("2100", "two thousand one hundred"),
    ]


def test_room_numbers_are_said_in_digit_groups():
    assert spoken("room 214") == "room two fourteen"
    assert spoken("Gate 1205") == "gate twelve oh five"
    assert spoken("suite 200") == "suite two hundred"
    assert spoken("platform 1200") == "platform twelve hundred"
    assert spoken("extension 2025") == "extension twenty twenty five"
    assert spoken("ext. 205") == "extension two oh five"
    assert spoken("Your room: 1000") == "your room one thousand"


def test_room_numbers_may_follow_a_comma_but_not_a_full_stop():
    assert spoken("Your room, 214, is ready") == "your room two fourteen is ready"
    assert spoken("Enjoy the room. 214 guests agree") == "enjoy the room two hundred fourteen guests agree"


def test_a_number_without_a_noun_before_it_is_a_cardinal():
    assert spoken("214 guests") == "two hundred fourteen guests"


def test_a_hash_before_a_number_is_said_as_number_and_digit_groups():
    assert said("#214")[0] == ("#214", "number two fourteen")


def test_codes_with_a_leading_zero_or_five_digits_are_said_digit_by_digit():
    assert spoken("flat 0214") == "flat oh two one four"
    assert spoken("order 120345") == "order one two oh three four five"
    assert spoken("007") == "oh oh seven"


def test_letters_and_digits_in_one_token_are_said_in_turn():
    assert said("4G 20p") == [("4G", "four g."), ("20p", "twenty p.")]


# --- phrases ------------------------------------------------------------------------------------


def test_phrase_end_follows_punctuation_dashes_and_the_end_of_the_line():
    assert phrase_ends(EXAMPLE) == ["morning", "room", "214", "ready", "parking"]
    assert phrase_ends("one; two: three! four? five... six–seven -- eight - nine") == [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
    ]


def test_a_dash_glued_to_words_still_separates_them():
    assert said("ready—that's it") == [("ready", "ready"), ("that's", "that's"), ("it", "it")]
    assert phrase_ends("ready—that's it") == ["ready", "it"]


def test_internal_punctuation_does_not_end_a_phrase():
    assert phrase_ends("at 3:30 pay $4.50 for 1,200 wi-fi minutes") == ["minutes"]


def test_abbreviation_dots_end_a_phrase_only_before_a_capital():
    assert phrase_ends("Open 9 a.m. until late") == ["late"]
    assert phrase_ends("Open at 9 a.m. See you then") == ["a.m.", "then"]
    assert phrase_ends("Towels, soap etc. are here") == ["Towels", "here"]


def test_title_dots_never_end_a_phrase():
    assert phrase_ends("Ask Mr. Smith or Dr. Patel") == ["Patel"]


# --- mapping back -------------------------------------------------------------------------------


def test_spoken_words_map_back_to_the_written_words():
    line = prepare_line("Room 214 costs $20, xyzzyq.")

    assert line.spoken_words == ("room", "two", "fourteen", "costs", "twenty", "dollars")
    assert line.spoken_owners == (0, 1, 1, 2, 3, 3)
    assert [line.word_of_spoken(i) for i in range(6)] == [0, 1, 1, 2, 3, 3]
    assert line.words[line.word_of_spoken(5)].written == "$20"
    assert line.spoken_range(1) == range(1, 3)
    assert line.spoken_range(3) == range(4, 6)
    assert line.spoken_range(4) == range(6, 6)  # xyzzyq: unchecked, nothing to align
    assert [line.words[i].written for i in range(len(line.words)) if not line.spoken_range(i)] == ["xyzzyq"]


def test_unchecked_words_are_left_out_of_the_spoken_words_without_shifting_the_mapping():
    line = prepare_line("xyzzyq room 214")

    assert line.spoken_words == ("room", "two", "fourteen")
    assert [line.word_of_spoken(i) for i in range(3)] == [1, 2, 2]


@pytest.mark.parametrize("bad", [-1, 6, 1.0, True])
def test_word_of_spoken_refuses_an_index_outside_the_spoken_words(bad):
    line = prepare_line("Room 214 costs $20")

    with pytest.raises(IndexError, match=r"from 0 to 5; got"):
        line.word_of_spoken(bad)


def test_spoken_range_refuses_an_index_outside_the_words():
    with pytest.raises(IndexError, match=r"from 0 to 1; got 2"):
        prepare_line("Thank you").spoken_range(2)


# --- other languages ----------------------------------------------------------------------------


def test_chinese_is_split_into_characters_with_latin_and_digit_runs_kept_whole():
    line = prepare_line("您好，我住在214房间。Wi-Fi密码是hotel2025！", language="zh")

    assert [w.written for w in line.words] == [
        "您", "好", "我", "住", "在", "214", "房", "间", "Wi-Fi", "密", "码", "是", "hotel2025",
    ]  # fmt: skip
    assert all(w.spoken == () and not w.checked for w in line.words)
    assert line.spoken_words == ()


def test_chinese_punctuation_ends_phrases():
    assert phrase_ends("请稍等，谢谢；好的：是、对！好？行。", language="zh") == [
        "等", "谢", "的", "是", "对", "好", "行",
    ]  # fmt: skip


def test_danish_and_lithuanian_are_split_on_whitespace_and_left_unchecked():
    danish = prepare_line("God morgen! Dit værelse, 214, er klar.", language="da")
    lithuanian = prepare_line("Labas rytas! Jūsų kambarys paruoštas.", language="lt")

    assert [w.written for w in danish.words] == ["God", "morgen", "Dit", "værelse", "214", "er", "klar"]
    assert [w.written for w in danish.words if w.phrase_end] == ["morgen", "værelse", "214", "klar"]
    assert [w.written for w in lithuanian.words] == ["Labas", "rytas", "Jūsų", "kambarys", "paruoštas"]
    assert danish.unchecked == danish.words and lithuanian.unchecked == lithuanian.words


def test_other_languages_are_checked_against_pronunciations_when_given():
    line = prepare_line("God morgen, 214", language="da", pronunciations={"god", "morgen"})

    assert line.spoken_words == ("god", "morgen")
    assert [w.written for w in line.unchecked] == ["214"]


def test_a_region_subtag_is_accepted_and_dropped():
    assert prepare_line("Hello", language="en-GB").language == "en"
    assert prepare_line("你好", language="zh_CN").language == "zh"


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_line_is_refused(text):
    with pytest.raises(ScriptError, match=r"^The line is empty: "):
        prepare_line(text)


def test_a_line_of_punctuation_only_is_refused():
    with pytest.raises(ScriptError, match=r"has no words to say: '— \.\.\. !'"):
        prepare_line("— ... !")


@pytest.mark.parametrize("language", ["fr", "english", "", 7])
def test_an_unsupported_language_is_refused_naming_the_supported_ones(language):
    with pytest.raises(ScriptError, match=rf"Language {language!r} is not supported; use one of: en, da, lt, zh\."):
        prepare_line("Bonjour", language=language)
    assert SUPPORTED_LANGUAGES == ("en", "da", "lt", "zh")


def test_text_must_be_a_string():
    with pytest.raises(ScriptError, match=r"must be text; got bytes b'hello'"):
        prepare_line(b"hello")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["good morning", 42])
def test_pronunciations_must_be_a_container_of_words(bad):
    with pytest.raises(ScriptError, match=rf"pronunciations must be .*; got {type(bad).__name__}"):
        prepare_line("Good morning", pronunciations=bad)  # type: ignore[arg-type]


def test_the_options_are_keyword_only():
    with pytest.raises(TypeError):
        prepare_line("Hello", "en")  # type: ignore[misc]


def test_script_error_is_a_kiosk_error():
    assert issubclass(ScriptError, KioskError)


def test_a_word_is_checked_exactly_when_it_has_spoken_words():
    with pytest.raises(ScriptError, match=r"checked=True does not match spoken=\(\)"):
        ScriptWord(index=0, written="xyzzyq", spoken=(), checked=True, phrase_end=True)
    with pytest.raises(ScriptError, match=r"index must be .*; got -1"):
        ScriptWord(index=-1, written="hi", spoken=("hi",), checked=True, phrase_end=True)


def test_a_line_needs_its_words_in_order():
    word = ScriptWord(index=1, written="hi", spoken=("hi",), checked=True, phrase_end=True)

    with pytest.raises(ScriptError, match=r"Word 0 of a script line must be a ScriptWord with index 0"):
        ScriptLine(text="hi", language="en", words=(word,))


# --- the dictionary -----------------------------------------------------------------------------


def test_the_english_dictionary_is_read_once_with_variants_folded_in(cmudict):
    assert load_english_dictionary() is cmudict
    assert len(cmudict) > 100_000
    assert "read" in cmudict and "read(2)" not in cmudict
    assert not any(word.endswith(")") for word in cmudict)
