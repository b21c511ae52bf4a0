"""Names of trainees and workshops: checked, tidied, and compared the same way on every database.

SQLite's ``lower()`` folds ASCII only, PostgreSQL's follows the server's
locale: the same name could be one trainee on one database and two on the
other. So names are compared here, in Python, by a key (Unicode NFKC,
case-folded, whitespace collapsed) that the store keeps in its own indexed
column, ``trainees.name_key``.
"""

from __future__ import annotations

import unicodedata

#: Longest name of a trainee or a workshop, in characters: well inside the
#: PostgreSQL columns (trainees.name is VARCHAR(120), workshops.name VARCHAR(200)).
NAME_MAX_CHARS = 80
#: Longest comparison key (the ``trainees.name_key`` column is VARCHAR(400));
#: NFKC and case folding can make a key longer than its name.
NAME_KEY_MAX_CHARS = 400
#: Between a key and a code in the key of a trainee whose name another, older,
#: trainee already had when the keys were introduced (migration 0003) or
#: imported. Whitespace, so no key of a typed name can contain it.
DUPLICATE_KEY_SEPARATOR = "\x1f"


class NameProblem(ValueError):
    """A name that cannot be used; ``str()`` is one sentence saying what to do."""


def tidy_name(name: str) -> str:
    """The name as it is kept and shown: Unicode NFC, whitespace collapsed to single spaces."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_key(name: str) -> str:
    """What two names must share to be the same trainee: NFKC, case-folded, whitespace collapsed.

    ``"Åse  Ødegård"``, ``"åse ødegård"`` and ``"ÅSE ØDEGÅRD"`` share a key on
    SQLite and PostgreSQL alike.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def checked_name(name: str, *, what: str = "A trainee's name") -> str:
    """The tidied name, or :class:`NameProblem` if it is empty, too long or has control characters."""
    tidy = tidy_name(name)
    if not tidy:
        raise NameProblem(f"{what} is empty: type a name.")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in tidy):
        raise NameProblem(f"{what} has control characters in it: type it again with letters, digits and spaces.")
    if len(tidy) > NAME_MAX_CHARS or len(name_key(tidy)) > NAME_KEY_MAX_CHARS:
        raise NameProblem(f"{what} can be at most {NAME_MAX_CHARS} characters (this one has {len(tidy)}): shorten it.")
    return tidy


def duplicate_key(key: str, code: str) -> str:
    """The key of a trainee whose name's key another trainee already has: kept apart by its code."""
    return f"{key[: NAME_KEY_MAX_CHARS - len(code) - 1]}{DUPLICATE_KEY_SEPARATOR}{code}"


def normal_code(code: str) -> str:
    """A trainee code as typed (any case, spaces or dashes between its letters) in the form it is stored."""
    return "".join(c for c in code.upper() if c.isalnum())
