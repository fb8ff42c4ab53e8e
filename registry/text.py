"""Accent folding for Vietnamese search: 'Bảo mật Đà Nẵng' -> 'bao mat da nang'."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    # đ/Đ are letters of their own, not d plus a combining mark, so NFD leaves them: fold explicitly.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def fold_terms(query: str) -> list[str]:
    return [t for t in fold(query).split(" ") if t]
