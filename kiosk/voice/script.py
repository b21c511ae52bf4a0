"""The scripted line, normalised into the words a forced aligner can look for.

A trainee reads a line such as ``"Good morning! Your room, 214, is ready —
that's $20 for parking."``. Before pocketsphinx can align it to the audio,
every token has to become words of its pronunciation dictionary:
``214`` -> ``two fourteen``, ``$20`` -> ``twenty dollars``. :func:`prepare_line`
does that and keeps, for each word as written, the dictionary words it is
said as, so an alignment can be mapped back onto the line the trainee saw.

English rules (``language="en"``):

* Numbers are spelled with ``num2words``; its hyphens and commas are split
  off, and the ``and`` inside a number is dropped (US usage, as in the
  en-us acoustic model: ``101`` -> ``one hundred one``).
* Money is said as units ``and`` subunits: ``$4.50`` -> ``four dollars and
  fifty cents``, ``£1.01`` -> ``one pound and one penny``, ``€0.99`` ->
  ``ninety nine cents``; whole amounts have no subunit (``$20.00`` ->
  ``twenty dollars``).
* ``15%`` -> ``fifteen percent``; ``4.05`` -> ``four point zero five``.
* Times: ``3:30`` -> ``three thirty``, ``3:05`` -> ``three oh five``,
  ``3:00`` -> ``three o'clock`` (``fifteen hundred`` after 12);
  ``9am``, ``9 a.m.``, ``9 AM`` -> ``nine a. m.``: letters are said by their
  cmudict letter-name entries ``a.``, ``m.``, ``p.`` (``a`` alone is the
  article, pronounced AH first).
* Ordinals ``1st``, ``22nd``; years: a bare four-digit number from 1900 to
  2099 is said in pairs (``2025`` -> ``twenty twenty five``, ``1905`` ->
  ``nineteen oh five``, ``2005`` -> ``two thousand five``).
* Codes: a three- or four-digit number right after one of
  :data:`NUMBER_NOUNS` (``room``, ``gate``, ``No.``, ...; a comma or colon
  between them is allowed) or written ``#214`` is said in digit groups:
  ``214`` -> ``two fourteen``, ``1205`` -> ``twelve oh five``, ``200`` ->
  ``two hundred``; five or more digits there, or any number written with a
  leading zero, is said digit by digit with ``oh`` for ``0``.
* Abbreviations from :data:`ABBREVIATIONS` (``Mr.`` -> ``mister``, ``e.g.``
  -> ``for example``); ``St.`` is ``street`` after a capitalised word
  in mid-sentence (``on Main St.``) and ``saint`` otherwise (``St. Mary's``,
  ``Visit St. Ives``); ``No.`` is ``number`` only before
  a number; ``&`` -> ``and``, ``@`` -> ``at``, ``+`` -> ``plus``.
* Words are looked up lowercase, with curly apostrophes as ``'``. Contractions
  and possessives are kept when the dictionary has them (cmudict has nearly
  all: ``i'm``, ``don't``, ``that's``, ``y'all``, ``customer's``); otherwise
  :data:`CONTRACTIONS` or the regular endings (``'ll`` -> ``will``, ``n't``
  -> ``not``, ...) expand them, and a possessive ``x's`` becomes ``xs`` if
  the dictionary has that (same sound) or else plain ``x``.
* A hyphenated or slashed word is kept whole if the dictionary has it
  (``wi-fi``), else said piece by piece (``check-in``, ``24-hour``).
* An all-capital word of two to five letters that the dictionary lacks is
  spelled out (``QR`` -> ``q. r.``); ``ID`` is always spelled.
* A British spelling the dictionary lacks is tried in its US form
  (``litres`` -> ``liters``, ``organise`` -> ``organize``).
* A regular derivation of a dictionary word (``aligner``, ``upgrading``,
  ``rebooked``) is a dictionary word: the dictionary is
  :class:`~kiosk.voice.dictionary.EnglishLexicon`.
* Composition: a word of five or more letters that the dictionary lacks is
  said as two or three dictionary words that concatenate to it exactly
  (``checkin`` -> ``check in``). Each piece has at least three letters or is
  one of the common two-letter words in :data:`SHORT_PIECES`. Fewest pieces
  win, then the split whose shortest piece is longest, then the longest
  first piece.
* Anything else is unchecked: ``spoken == ()`` and ``checked is False``; the
  aligner skips it.

Other languages (``da``, ``lt``, ``zh``) have no alignment dictionary here:
words are split on whitespace (Chinese: every CJK character is a word, runs
of Latin letters and digits stay together) and are all unchecked, unless the
caller passes ``pronunciations``, in which case a word is checked when its
lowercase form is in them (no number or abbreviation expansion).

``phrase_end`` is set when ``. , ; : ! ? — – …``, a spaced hyphen used as a
dash, Chinese punctuation ``，。！？；：、``, or the end of the line follows a
word. The dot of an abbreviation (``a.m.``, ``etc.``) ends a phrase only
when the next word starts with a capital letter; that of a title (``Mr.``,
``Dr.``, ``St.``, ``No.``) never does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from num2words import num2words

from kiosk.errors import ScriptError
from kiosk.voice.dictionary import EnglishLexicon, english_pronunciations

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "da", "lt", "zh")
"""Primary language subtags :func:`prepare_line` accepts."""

PHRASE_PUNCTUATION = frozenset(".,;:!?—–…，。！？；：、．｡")
"""Characters that end a phrase when they follow a word."""

NUMBER_NOUNS = frozenset(
    {
        "room", "suite", "flat", "gate", "platform", "extension", "ext", "desk",
        "table", "order", "number", "no", "apartment", "apt", "unit", "flight",
    }
)  # fmt: skip
"""Words after which a three- or four-digit number is a code said in digit groups."""

ABBREVIATIONS: Mapping[str, tuple[str, ...]] = {
    "mr": ("mister",),
    "mrs": ("missus",),
    "dr": ("doctor",),
    "prof": ("professor",),
    "jr": ("junior",),
    "sr": ("senior",),
    "e.g": ("for", "example"),
    "eg": ("for", "example"),
    "i.e": ("that", "is"),
    "etc": ("et", "cetera"),
    "vs": ("versus",),
    "approx": ("approximately",),
    "dept": ("department",),
    "ext": ("extension",),
    "tel": ("telephone",),
    "ave": ("avenue",),
    "rd": ("road",),
    "blvd": ("boulevard",),
    "apt": ("apartment",),
    "appt": ("appointment",),
    "hrs": ("hours",),
    "mins": ("minutes",),
    "pls": ("please",),
    "thx": ("thanks",),
}
"""Abbreviations (lowercase, final dot removed) and the words said for them."""

TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "no"})
"""Abbreviations whose dot never ends a phrase: a name or number follows."""

CONTRACTIONS: Mapping[str, tuple[str, ...]] = {
    "shan't": ("shall", "not"),
    "won't": ("will", "not"),
    "can't": ("can", "not"),
    "ain't": ("is", "not"),
    "y'all": ("you", "all"),
    "ya'll": ("you", "all"),
    "ma'am": ("madam",),
    "let's": ("let", "us"),
    "o'clock": ("of", "the", "clock"),
}
"""Contractions whose expansion is not regular; used only when the dictionary lacks them."""

SHORT_PIECES = frozenset(
    {"an", "as", "at", "be", "by", "do", "go", "he", "in", "is", "it", "me", "my",
     "no", "of", "on", "or", "so", "to", "up", "us", "we"}
)  # fmt: skip
"""The two-letter dictionary words a composition may use as a piece."""

_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("n't", "not"),
    ("'ll", "will"),
    ("'ve", "have"),
    ("'re", "are"),
    ("'d", "would"),
    ("'m", "am"),
)
_CURRENCIES: Mapping[str, tuple[str, str, str, str]] = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}
_BRITISH_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), american)
    for pattern, american in (
        (r"tre(s?)$", r"ter\1"),
        (r"our", "or"),
        (r"is(e|es|ed|ing|ation|ations)$", r"iz\1"),
        (r"ys(e|es|ed|ing)$", r"yz\1"),
        (r"ogue$", "og"),
        (r"ell(ed|ing|er|ers)$", r"el\1"),
    )
)
_SYMBOLS: Mapping[str, str] = {"&": "and", "@": "at", "+": "plus"}
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_CJK_PUNCTUATION = "，。！？；：、"

_INT = r"\d{1,3}(?:,\d{3})+|\d+"
_CURRENCY_RE = re.compile(rf"([$£€])({_INT})(?:\.(\d{{1,2}}))?")
_PERCENT_RE = re.compile(rf"({_INT}|\d+\.\d+)%")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?:([ap])\.?m\.?)?", re.IGNORECASE)
_HOUR_RE = re.compile(r"(\d{1,2})([ap])\.?m\.?", re.IGNORECASE)
_ORDINAL_RE = re.compile(r"(\d+)(st|nd|rd|th)", re.IGNORECASE)
_GROUPED_RE = re.compile(r"\d{1,3}(?:,\d{3})+")
_DECIMAL_RE = re.compile(r"(\d+)\.(\d+)")
_HASH_RE = re.compile(r"#(\d+)")
_INITIALISM_RE = re.compile(r"(?:[a-z]\.)+[a-z]")
_MIXED_RE = re.compile(r"\d+|[^\W\d_]+")
_DOMAIN_RE = re.compile(r"\.(?:com|org|net|edu|gov|io|co|uk|eu|dk|lt|cn|info)$")


@dataclass(frozen=True)
class ScriptWord:
    """One word of the line as the trainee sees it, and what they say for it.

    Attributes:
        index: Position in the line as written, 0-based.
        written: The token as written, surrounding punctuation stripped
            (``"214"``, ``"that's"``, ``"$20"``, ``"a.m."``).
        spoken: The lowercase dictionary words it is said as, in order
            (``("two", "fourteen")``); ``()`` when unknown.
        checked: Whether the aligner can look for it; ``False`` exactly when
            ``spoken`` is empty.
        phrase_end: Whether phrase punctuation or the end of the line follows.
    """

    index: int
    written: str
    spoken: tuple[str, ...]
    checked: bool
    phrase_end: bool

    def __post_init__(self) -> None:
        if not isinstance(self.index, int) or isinstance(self.index, bool) or self.index < 0:
            raise ScriptError(f"A script word's index must be a whole number of 0 or more; got {self.index!r}.")
        if not isinstance(self.written, str) or not self.written:
            raise ScriptError(f"A script word must have written text; got {self.written!r}.")
        if not isinstance(self.spoken, tuple) or not all(isinstance(w, str) and w for w in self.spoken):
            raise ScriptError(f"A script word's spoken form must be a tuple of words; got {self.spoken!r}.")
        if self.checked != bool(self.spoken):
            raise ScriptError(
                f"Script word {self.written!r}: checked={self.checked!r} does not match spoken={self.spoken!r}; "
                "a word is checked exactly when it has spoken words."
            )


@dataclass(frozen=True)
class ScriptLine:
    """A scripted line, split into words, with the flat word list an aligner needs.

    Attributes:
        text: The line as given.
        language: Its primary language subtag, one of :data:`SUPPORTED_LANGUAGES`.
        words: Its words as written, ``words[i].index == i``.
    """

    text: str
    language: str
    words: tuple[ScriptWord, ...]

    def __post_init__(self) -> None:
        if self.language not in SUPPORTED_LANGUAGES:
            raise ScriptError(_unsupported(self.language))
        for position, word in enumerate(self.words):
            if not isinstance(word, ScriptWord) or word.index != position:
                raise ScriptError(
                    f"Word {position} of a script line must be a ScriptWord with index {position}; got {word!r}."
                )

    @cached_property
    def spoken_owners(self) -> tuple[int, ...]:
        """For each entry of :attr:`spoken_words`, the index of the :class:`ScriptWord` it belongs to."""
        return tuple(word.index for word in self.words if word.checked for _ in word.spoken)

    @property
    def spoken_words(self) -> tuple[str, ...]:
        """The dictionary words of the checked words, in order: the text to align."""
        return tuple(spoken for word in self.words if word.checked for spoken in word.spoken)

    @property
    def unchecked(self) -> tuple[ScriptWord, ...]:
        """The words the aligner cannot look for."""
        return tuple(word for word in self.words if not word.checked)

    def word_of_spoken(self, i: int) -> int:
        """The :attr:`ScriptWord.index` that spoken word ``i`` (of :attr:`spoken_words`) belongs to.

        Raises:
            IndexError: ``i`` is not a position in :attr:`spoken_words`.
        """
        owners = self.spoken_owners
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(owners):
            raise IndexError(f"Spoken word index must be from 0 to {len(owners) - 1}; got {i!r}.")
        return owners[i]

    def spoken_range(self, index: int) -> range:
        """The positions in :attr:`spoken_words` of word ``index``; empty for an unchecked word.

        Raises:
            IndexError: ``index`` is not a position in :attr:`words`.
        """
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self.words):
            raise IndexError(f"Word index must be from 0 to {len(self.words) - 1}; got {index!r}.")
        start = sum(len(word.spoken) for word in self.words[:index] if word.checked)
        word = self.words[index]
        return range(start, start + (len(word.spoken) if word.checked else 0))


def load_english_dictionary() -> EnglishLexicon:
    """The words of pocketsphinx's US English dictionary (``cmudict-en-us.dict``),
    and their regular derivations (:class:`~kiosk.voice.dictionary.EnglishLexicon`).

    Alternative pronunciations (``read(2)``) count as their word. Read once per
    process.

    Raises:
        ScriptError: pocketsphinx or its dictionary file is not installed.
    """
    return english_pronunciations()


def prepare_line(
    text: str,
    *,
    language: str = "en",
    pronunciations: Mapping[str, object] | Container[str] | None = None,
) -> ScriptLine:
    """Split a scripted line into words and say each as dictionary words.

    Args:
        text: The line the trainee reads.
        language: ``"en"``, ``"da"``, ``"lt"`` or ``"zh"``; a region subtag is
            ignored (``"en-GB"`` is ``"en"``).
        pronunciations: The words the aligner knows, lowercase (any container:
            a set, or a mapping from word to pronunciation). Defaults to
            :func:`load_english_dictionary` for English and to none otherwise.

    Returns:
        The line with one :class:`ScriptWord` per written word.

    Raises:
        ScriptError: the line is not text, is empty or has no words; the
            language is not supported; ``pronunciations`` is not a container.
    """
    if not isinstance(text, str):
        raise ScriptError(f"The line must be text; got {type(text).__name__} {text!r}.")
    if not text.strip():
        raise ScriptError(f"The line is empty: {text!r}; give the words the trainee should say.")
    lang = _language(language)
    if pronunciations is not None and (
        isinstance(pronunciations, (str, bytes)) or not isinstance(pronunciations, Container)
    ):
        raise ScriptError(
            "pronunciations must be a set or mapping of lowercase words, or None; "
            f"got {type(pronunciations).__name__} {pronunciations!r:.60}."
        )
    if pronunciations is None and lang == "en":
        pronunciations = load_english_dictionary()
    tokens = _zh_tokens(text) if lang == "zh" else _tokens(text.translate(_APOSTROPHES))
    if not tokens:
        raise ScriptError(f"The line has no words to say: {text!r}; give the words the trainee should say.")
    if lang == "en":
        assert pronunciations is not None
        words = _english_words(tokens, pronunciations)
    else:
        words = tuple(
            _word(i, tok.core, _plain_lookup(tok.core, pronunciations), tok.phrase_end) for i, tok in enumerate(tokens)
        )
    return ScriptLine(text=text, language=lang, words=words)


# --- validation ---------------------------------------------------------------------------------


def _unsupported(language: object) -> str:
    return f"Language {language!r} is not supported; use one of: {', '.join(SUPPORTED_LANGUAGES)}."


def _language(language: object) -> str:
    if not isinstance(language, str):
        raise ScriptError(_unsupported(language))
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    if primary not in SUPPORTED_LANGUAGES:
        raise ScriptError(_unsupported(language))
    return primary


# --- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    core: str  # the token with surrounding punctuation stripped
    lead_apostrophe: bool = False  # an apostrophe stood right before core
    trail_apostrophe: bool = False  # an apostrophe stood right after core
    trail: str = ""  # punctuation glued after core, apostrophe excluded
    broken: bool = False  # a dash, a punctuation mark on its own, or the end of the line follows

    @property
    def phrase_end(self) -> bool:
        return self.broken or bool(set(self.trail) & PHRASE_PUNCTUATION)

    def after_dot(self) -> _Token:
        """The token as if the dot right after it were part of it (an abbreviation's dot)."""
        return replace(self, trail=self.trail[1:] if self.trail.startswith(".") else self.trail)

    def break_after(self) -> _Token:
        return replace(self, broken=True)


def _tokens(text: str) -> list[_Token]:
    """Whitespace tokens with punctuation peeled off; dashes and ellipses separate tokens."""
    text = re.sub(r"(-{2,}|\.{3,}|[—–…" + _CJK_PUNCTUATION + "])", r" \1 ", text)
    # A comma, colon or the like glued to the next word ("Hi,Tom") separates; not in "1,200" or "3:30".
    text = re.sub(r"(?<!\d)([,:])(?=\S)|([,:])(?!\d)(?=\S)|([;!?])(?=\S)", r"\1\2\3 ", text)
    tokens: list[_Token] = []
    for chunk in text.split():
        if chunk in _SYMBOLS:
            tokens.append(_Token(chunk))
            continue
        start = 0
        while start < len(chunk) and not (chunk[start].isalnum() or chunk[start] in "$£€#"):
            start += 1
        end = len(chunk)
        while end > start and not (chunk[end - 1].isalnum() or chunk[end - 1] == "%"):
            end -= 1
        core = chunk[start:end]
        if not any(ch.isalnum() for ch in core):
            # Punctuation on its own (a dash, "..."): it ends the phrase of the word before it.
            if tokens and set(chunk) & (PHRASE_PUNCTUATION | {"-"}):
                tokens[-1] = tokens[-1].break_after()
            continue
        lead, trail = chunk[:start], chunk[end:]
        tokens.append(_Token(core, lead.endswith("'"), trail.startswith("'"), trail.lstrip("'")))
    if tokens:
        tokens[-1] = tokens[-1].break_after()
    return tokens


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
        or 0x3040 <= code <= 0x30FF  # kana
        or 0xAC00 <= code <= 0xD7AF  # hangul
    )


def _zh_tokens(text: str) -> list[_Token]:
    """Each CJK character is a token; a run of letters and digits is one token."""
    tokens: list[_Token] = []
    run: list[str] = []

    def close_run() -> None:
        if run and any(ch.isalnum() for ch in run):
            tokens.append(_Token("".join(run)))
        run.clear()

    for position, ch in enumerate(text):
        following = text[position + 1] if position + 1 < len(text) else ""
        if _is_cjk(ch):
            close_run()
            tokens.append(_Token(ch))
        elif ch.isalnum() or (ch in "$£€#" and not run) or (ch == "%" and run):
            run.append(ch)
        elif run and ch in "'.-:," and following.isalnum() and not _is_cjk(following):
            run.append(ch)  # 3.5, Wi-Fi, 3:30, 1,200
        else:
            close_run()
            if tokens and (ch in PHRASE_PUNCTUATION or ch == "-"):
                tokens[-1] = tokens[-1].break_after()
    close_run()
    if tokens:
        tokens[-1] = tokens[-1].break_after()
    return tokens


def _word(index: int, written: str, spoken: tuple[str, ...] | None, phrase_end: bool) -> ScriptWord:
    spoken = spoken or ()
    return ScriptWord(index=index, written=written, spoken=spoken, checked=bool(spoken), phrase_end=phrase_end)


def _plain_lookup(core: str, pronunciations: Container[str] | None) -> tuple[str, ...] | None:
    if pronunciations is None:
        return None
    word = core.lower()
    return (word,) if word in pronunciations else None


# --- English ------------------------------------------------------------------------------------


def _english_words(tokens: list[_Token], d: Container[str]) -> tuple[ScriptWord, ...]:
    words: list[ScriptWord] = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        before_prev = tokens[i - 2] if i > 1 else None
        written, spoken, owns_dot = _say_token(tok, prev, before_prev, nxt, d)
        phrase_end = tok.phrase_end
        if owns_dot:
            written += "."
            title = tok.core.lower() in TITLES and spoken != ("street",)
            phrase_end = tok.after_dot().phrase_end or (not title and nxt is not None and nxt.core[:1].isupper())
        if spoken is not None and not all(w in d for w in spoken):
            spoken = None
        words.append(_word(i, written, spoken, phrase_end))
    return tuple(words)


def _say_token(
    tok: _Token, prev: _Token | None, before_prev: _Token | None, nxt: _Token | None, d: Container[str]
) -> tuple[str, tuple[str, ...] | None, bool]:
    """(written, spoken words or None, whether the dot right after the token belongs to it)."""
    core = tok.core
    lower = core.lower()
    dotted = tok.trail.startswith(".")

    if core in _SYMBOLS:
        return core, (_SYMBOLS[core],), False
    # a.m. / p.m. anywhere; am / pm only right after a number.
    if lower in ("a.m", "p.m") or (
        lower in ("am", "pm") and prev is not None and not prev.phrase_end and prev.core[:1].isdigit()
    ):
        return core, _letters(lower.replace(".", ""), d), dotted
    # Abbreviations whose meaning depends on the neighbours.
    if (
        lower == "no"
        and nxt is not None
        and not tok.after_dot().phrase_end
        and (nxt.core[:1].isdigit() or nxt.core[:1] == "#")
    ):
        return core, ("number",), dotted
    if lower == "st":
        return core, (_street_or_saint(tok, prev, before_prev, nxt),), dotted
    if lower in ABBREVIATIONS:
        return core, ABBREVIATIONS[lower], dotted
    if _INITIALISM_RE.fullmatch(lower):
        return core, _letters(lower.replace(".", ""), d), dotted
    number = _say_number(core, prev, d)
    if number is not None:
        return core, number, False
    written, spoken = _say_word(tok, d)
    return written, spoken, False


def _street_or_saint(tok: _Token, prev: _Token | None, before_prev: _Token | None, nxt: _Token | None) -> str:
    """St. after a name mid-sentence is a street (Main St.), before a name a saint (St. Mary's)."""
    if prev is None or prev.phrase_end or not prev.core[:1].isupper():
        return "saint"
    sentence_start = before_prev is None or before_prev.phrase_end
    before_name = nxt is not None and nxt.core[:1].isupper() and not tok.after_dot().phrase_end
    return "saint" if sentence_start and before_name else "street"


def _letters(letters: str, d: Container[str]) -> tuple[str, ...]:
    """Letter names: cmudict's ``a.`` entries, falling back to plain ``a``."""
    return tuple(f"{ch}." if f"{ch}." in d else ch for ch in letters.lower())


# --- numbers ------------------------------------------------------------------------------------


def _spell(text: str) -> tuple[str, ...]:
    """num2words output -> dictionary words: split hyphens and commas, drop the ``and`` inside numbers."""
    return tuple(w for w in re.split(r"[^a-z']+", text.lower()) if w and w != "and")


def _cardinal(n: int) -> tuple[str, ...]:
    return _spell(num2words(n))


def _digits(digits: str) -> tuple[str, ...]:
    return tuple("oh" if ch == "0" else _cardinal(int(ch))[0] for ch in digits)


def _pair(two: str) -> tuple[str, ...]:
    """The second half of a code or time: "05" -> oh five, "14" -> fourteen."""
    return ("oh", *_cardinal(int(two[1]))) if two[0] == "0" else _cardinal(int(two))


def _code(digits: str) -> tuple[str, ...]:
    """A room-style number in digit groups."""
    if len(digits) > 1 and digits[0] == "0" or len(digits) > 4:
        return _digits(digits)
    if len(digits) == 3:
        head, rest = digits[0], digits[1:]
    elif len(digits) == 4:
        head, rest = digits[:2], digits[2:]
    else:
        return _cardinal(int(digits))
    if rest == "00":
        if head[-1] == "0":  # 1000, 2000: one thousand
            return _cardinal(int(digits))
        return (*_cardinal(int(head)), "hundred")
    return (*_cardinal(int(head)), *_pair(rest))


def _integer(digits: str) -> tuple[str, ...]:
    if len(digits) > 1 and digits[0] == "0" or len(digits) > 15:
        return _digits(digits)
    return _cardinal(int(digits))


def _decimal(text: str) -> tuple[str, ...]:
    whole, _, fraction = text.partition(".")
    return (*_cardinal(int(whole.replace(",", ""))), "point", *(_cardinal(int(ch))[0] for ch in fraction))


def _is_code_context(prev: _Token | None) -> bool:
    """Whether a number follows a noun like "room": "room 214", "Room: 214", "room, 214", "No. 214"."""
    if prev is None:
        return False
    noun = prev.core.lower()
    if noun not in NUMBER_NOUNS:
        return False
    between = prev.after_dot() if noun in ABBREVIATIONS or noun in TITLES else prev
    return not between.broken and set(between.trail) <= {",", ":"}


def _say_number(core: str, prev: _Token | None, d: Container[str]) -> tuple[str, ...] | None:
    """The words for a token that is a number of some kind, or None if it is not one."""
    if not any(ch.isdigit() for ch in core):
        return None
    if match := _CURRENCY_RE.fullmatch(core):
        symbol, whole, fraction = match.groups()
        one, many, sub_one, sub_many = _CURRENCIES[symbol]
        units = int(whole.replace(",", ""))
        subunits = int(fraction.ljust(2, "0")) if fraction else 0
        said: list[str] = []
        if units or not subunits:
            said += [*_cardinal(units), one if units == 1 else many]
        if subunits:
            said += ["and"] if units else []
            said += [*_cardinal(subunits), sub_one if subunits == 1 else sub_many]
        return tuple(said)
    if match := _PERCENT_RE.fullmatch(core):
        amount = match.group(1)
        said_amount = _decimal(amount) if "." in amount else _cardinal(int(amount.replace(",", "")))
        return (*said_amount, "percent")
    if match := _TIME_RE.fullmatch(core):
        hour, minute, half = int(match.group(1)), match.group(2), match.group(3)
        if hour > 23 or int(minute) > 59:
            return None
        said_time = _cardinal(hour)
        if minute != "00":
            said_time += _pair(minute)
        elif not half:
            said_time += ("o'clock",) if hour <= 12 else ("hundred",)
        return said_time + (_letters(half + "m", d) if half else ())
    if match := _HOUR_RE.fullmatch(core):
        hour = int(match.group(1))
        return _cardinal(hour) + _letters(match.group(2) + "m", d) if hour <= 12 else None
    if match := _ORDINAL_RE.fullmatch(core):
        return _spell(num2words(int(match.group(1)), to="ordinal"))
    if match := _HASH_RE.fullmatch(core):
        return ("number", *_code(match.group(1)))
    if _GROUPED_RE.fullmatch(core):
        return _cardinal(int(core.replace(",", "")))
    if _DECIMAL_RE.fullmatch(core):
        return _decimal(core)
    if core.isdigit():
        if _is_code_context(prev) and len(core) >= 3:
            return _code(core)
        if len(core) == 4 and core[0] != "0" and 1900 <= int(core) <= 2099:
            return _spell(num2words(int(core), to="year"))
        return _integer(core)
    return None


# --- words --------------------------------------------------------------------------------------


def _say_word(tok: _Token, d: Container[str]) -> tuple[str, tuple[str, ...] | None]:
    """(written, spoken) for a token that is not a number or abbreviation."""
    core, lower = tok.core, tok.core.lower()
    # Forms with their edge apostrophes first: 'til, goin', guests'.
    if tok.lead_apostrophe and f"'{lower}" in d:
        return f"'{core}", (f"'{lower}",)
    if tok.trail_apostrophe and f"{lower}'" in d:
        return f"{core}'", (f"{lower}'",)
    return core, _say_compound(core, d)


def _say_compound(core: str, d: Container[str]) -> tuple[str, ...] | None:
    lower = core.lower()
    if lower in d and core != "ID":
        return (lower,)
    if re.search(r"[-/@&+.]", lower):
        return _say_pieces(lower, d)
    return _say_simple(core, d)


def _say_pieces(lower: str, d: Container[str]) -> tuple[str, ...] | None:
    """check-in, 24/7, B&B, help@hotel.com: each piece on its own, symbols said."""
    email = "@" in lower or bool(_DOMAIN_RE.search(lower))
    said: list[str] = []
    for piece in re.split(r"([-/@&+.])", lower):
        if not piece or piece in "-/" or (piece == "." and not email):
            continue
        if piece in _SYMBOLS:
            said.append(_SYMBOLS[piece])
        elif piece == ".":
            said.append("dot")
        else:
            words = _say_number(piece, None, d) if piece[:1].isdigit() else None
            words = words or (_letters(piece, d) if len(piece) == 1 else _say_simple(piece, d))
            if not words:
                return None
            said += words
    return tuple(said) or None


def _say_simple(core: str, d: Container[str]) -> tuple[str, ...] | None:
    """One word without separators: dictionary, contraction, acronym, mixed, composition."""
    lower = core.lower()
    if core == "ID":
        return _letters("id", d)
    if lower in d:
        return (lower,)
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(ch))
    if plain != lower and plain in d:  # café -> cafe
        return (plain,)
    if "'" in lower:
        return _contraction(lower, d)
    if core.isalpha() and core.isupper() and 2 <= len(core) <= 5 and core.isascii():
        return _letters(core, d)
    if any(ch.isdigit() for ch in lower) and any(ch.isalpha() for ch in lower):
        return _mixed(lower, d)
    for british, american in _BRITISH_SPELLINGS:
        us = british.sub(american, lower)
        if us != lower and us in d:  # litres -> liters
            return (us,)
    return _compose(lower, d)


def _contraction(lower: str, d: Container[str]) -> tuple[str, ...] | None:
    if lower in CONTRACTIONS:
        return CONTRACTIONS[lower]
    if lower.endswith("'s"):
        base = lower[:-2]
        if base + "s" in d:  # customer's sounds as customers
            return (base + "s",)
        return _say_simple(base, d) if base and "'" not in base else None
    for suffix, word in _SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            stem = _say_simple(lower[: -len(suffix)], d)
            return (*stem, word) if stem else None
    return None


def _mixed(lower: str, d: Container[str]) -> tuple[str, ...] | None:
    """4g, 20p, a4: digit runs as numbers, letter runs as words or letter names."""
    said: list[str] = []
    for run in _MIXED_RE.findall(lower):
        if run.isdigit():
            said += _integer(run)
        elif len(run) > 1 and run in d:
            said.append(run)
        elif len(run) <= 3:
            said += _letters(run, d)
        else:
            return None
    return tuple(said)


def _compose(lower: str, d: Container[str]) -> tuple[str, ...] | None:
    """Two or three dictionary words that concatenate to ``lower`` (see the module docstring)."""
    if len(lower) < 5 or not lower.isalpha():
        return None

    def piece(text: str) -> bool:
        return (len(text) >= 3 or text in SHORT_PIECES) and text in d

    best: tuple[tuple[int, int, int], tuple[str, ...]] | None = None

    def offer(parts: tuple[str, ...]) -> None:
        nonlocal best
        rank = (-len(parts), min(len(p) for p in parts), len(parts[0]))
        if best is None or rank > best[0]:
            best = (rank, parts)

    n = len(lower)
    for i in range(2, n - 1):
        first = lower[:i]
        if not piece(first):
            continue
        if piece(lower[i:]):
            offer((first, lower[i:]))
        if best is not None and len(best[1]) == 2:
            continue
        for j in range(i + 2, n - 1):
            if piece(lower[i:j]) and piece(lower[j:]):
                offer((first, lower[i:j], lower[j:]))
    return best[1] if best else None
