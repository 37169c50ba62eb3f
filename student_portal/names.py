"""Names people see: no invisible characters, and a skeleton to catch names that look alike.

A display name could copy a classmate's or the teacher's name with a zero-width space, a
right-to-left override, a Cyrillic "а" for a Latin "a" or a different case. `clean_name` removes
the invisible and direction-changing characters and normalises (NFKC); `name_skeleton` reduces
a name to what it looks like (in the spirit of Unicode TS #39's skeletons, with a small map of
the common Latin, Cyrillic and Greek look-alikes), so two names that look the same compare
equal.
"""

from __future__ import annotations

import unicodedata

# Categories that show nothing, or change how the text around them is shown: format characters
# (zero-width spaces and joiners, bidi embeddings, overrides and isolates, soft hyphen), other
# controls, private use, unassigned, surrogates, line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"})
# Blank letters and symbols that are not in those categories but show as empty space.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")

# Letters from other scripts that look like a Latin letter (checked before case-folding, so a
# capital and a small letter may map differently, as they look different).
LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "А": "A", "а": "a", "В": "B", "в": "b", "С": "C", "с": "c", "Е": "E", "е": "e",
        "Ё": "E", "ё": "e", "Н": "H", "н": "h", "І": "I", "і": "i", "Ї": "I", "ї": "i",
        "Ј": "J", "ј": "j", "К": "K", "к": "k", "М": "M", "м": "m", "О": "O", "о": "o",
        "Р": "P", "р": "p", "Ѕ": "S", "ѕ": "s", "Т": "T", "т": "t", "Х": "X", "х": "x",
        "У": "Y", "у": "y", "Ү": "Y", "ү": "y", "Ԁ": "d", "ԁ": "d", "Ԛ": "Q", "ԛ": "q",
        "Ԝ": "W", "ԝ": "w", "Һ": "h", "һ": "h", "Ӏ": "l", "ӏ": "l", "Ь": "b", "ь": "b",
        "п": "n",
        # Greek
        "Α": "A", "α": "a", "Β": "B", "β": "b", "Ε": "E", "ε": "e", "Ζ": "Z", "Η": "H",
        "η": "n", "Ι": "I", "ι": "i", "Κ": "K", "κ": "k", "Μ": "M", "Ν": "N", "ν": "v",
        "Ο": "O", "ο": "o", "Ρ": "P", "ρ": "p", "Τ": "T", "τ": "t", "Υ": "Y", "υ": "u",
        "Χ": "X", "χ": "x", "ϲ": "c", "Ϲ": "C", "ϳ": "j", "ω": "w",
        # Latin letters that pass for others
        "ı": "i", "ȷ": "j", "ɡ": "g", "ɑ": "a", "ʏ": "y", "ꞵ": "b",
    }
)  # fmt: skip
# After case-folding: letters and digits that are hard to tell apart in many fonts.
SAME_SHAPE = str.maketrans({"i": "l", "1": "l", "|": "l", "0": "o"})
SAME_SHAPE_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def is_invisible(character: str) -> bool:
    return (
        unicodedata.category(character) in INVISIBLE_CATEGORIES
        or character in BLANK_CHARACTERS
    )


def clean_name(value):
    """NFKC, without invisible or direction-changing characters, single spaces. A form filter."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFKC", value)
    value = "".join(ch for ch in value if not is_invisible(ch))
    return " ".join(value.split())


def name_skeleton(name: str) -> str:
    """What a name looks like: equal for names a reader can't tell apart.

    Case, accents, spaces and punctuation are ignored and look-alike letters mapped to one, so
    "Ms Test", "ms. test", "Ms Tеst" (Cyrillic е) and "MS-TEST" share a skeleton.
    """
    text = clean_name(name).translate(LOOK_ALIKES).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(
        ch
        for ch in text
        if unicodedata.category(ch)[0] not in "MZP"  # marks (accents), spaces, punctuation
    )
    text = text.translate(LOOK_ALIKES).translate(SAME_SHAPE)
    for pair, single in SAME_SHAPE_PAIRS:
        text = text.replace(pair, single)
    return text
