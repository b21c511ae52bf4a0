"""The English pronunciation dictionary, read once per process.

pocketsphinx ships the CMU dictionary (``cmudict-en-us.dict``) with its US
English acoustic model. The line is normalised against its words
(``script``) and aligned with its pronunciations (``alignment``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from kiosk.errors import ScriptError

_VARIANT = re.compile(r"\(\d+\)$")


@cache
def english_pronunciations() -> Mapping[str, tuple[str, ...]]:
    """Each dictionary word -> its pronunciations (phone strings, the first
    the most common). Read once per process.

    Raises:
        ScriptError: pocketsphinx or its dictionary file is not installed.
    """
    try:
        import pocketsphinx
    except ImportError as err:
        raise ScriptError(
            f"The English dictionary needs pocketsphinx, which is not installed ({err}); install it."
        ) from err
    path = Path(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ScriptError(f"The English dictionary {path} cannot be read ({err}); reinstall pocketsphinx.") from err
    table: dict[str, list[str]] = {}
    for line in lines:
        parts = line.split(maxsplit=1)
        if len(parts) == 2:
            table.setdefault(_VARIANT.sub("", parts[0]), []).append(parts[1].strip())
    return {word: tuple(phones) for word, phones in table.items()}
