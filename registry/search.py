"""Search of the public registry: one box for product names, vendors, tax codes, serials and places.

Text is folded in Python (registry.text.fold: accents, đ/Đ, case) and split into words of letters and
digits, both in the stored document and in the query, so "Đà Nẵng", "da nang" and "DA-NANG" are the
same words. The stored `Product.search_document` is those words with a space before and after each,
so a whole word is `LIKE '% word %'` and a word prefix `LIKE '% word%'`: on PostgreSQL a trigram GIN
index answers both (migration 0003), on SQLite they scan, which is fine for the embedded default.

Rules, in the order a person would expect them:
* every term must match: all but the last as whole words, the last as a whole word or a word prefix
  (search as you type), never as a fragment inside another word ("ha noi" does not find "kết nối");
* a province name (the 34 of 2025, with or without "Thành phố", with or without diacritics) means the
  place: products of vendors registered there, or naming it;
* a certificate serial matches whatever its case and with or without its dashes;
* when nothing matches exactly, similar words are accepted (trigram word similarity, PostgreSQL only);
* ranking: exact name or serial, then name prefix, then the query as a phrase, then the rest.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Replace, Upper

from registry.choices import Province
from registry.text import fold

SEARCH_MAX_LENGTH = 200  # characters of a query; longer is refused with a clear message
SEARCH_MAX_TERMS = 8  # words of a query that are used; the rest are ignored (and said so)

_NON_WORD = re.compile(r"[^0-9a-z]+")


def words(text: str) -> list[str]:
    """Folded words of letters and digits: 'Tường lửa (Đà Nẵng)' -> ['tuong', 'lua', 'da', 'nang']."""
    return [w for w in _NON_WORD.split(fold(text or "")) if w]


def document(*parts: str) -> str:
    """The stored search text: every word padded by spaces, so whole words and prefixes are LIKE patterns."""
    found = [w for part in parts if part for w in words(part)]
    return f" {' '.join(found)} " if found else ""


def name_key(text: str) -> str:
    """A name as compared for 'exact name' ranking."""
    return " ".join(words(text))


_NOT_SERIAL = re.compile(r"[^0-9A-Z]")


def serial_key(text: str) -> str:
    """A serial as compared: upper case, letters and digits only ('vn-csp-2025-00001' -> 'VNCSP202500001')."""
    text = text or ""
    if not text.isascii():  # the fast path is for the 10,000-serial bulk check; folding is for the rest
        text = fold(text)
    return _NOT_SERIAL.sub("", text.upper())


def serial_key_expression():
    """The same key computed by the database, matching the functional index on certificates."""
    return Upper(Replace("serial", Value("-"), Value("")))


# Places ------------------------------------------------------------------------------------------

def _province_phrases() -> list[tuple[tuple[str, ...], str]]:
    phrases: dict[tuple[str, ...], str] = {}
    for code, label in Province.choices:
        full = tuple(words(label))
        phrases[full] = code
        if full[:2] == ("thanh", "pho"):
            phrases[full[2:]] = code
            phrases[("tp", *full[2:])] = code
    aliases = {"tp hcm": "79", "hcm": "79", "sai gon": "79", "tphcm": "79", "hn": "01"}
    for alias, code in aliases.items():
        phrases.setdefault(tuple(alias.split()), code)
    # longest first, so "thanh pho ha noi" wins over "ha noi"
    return sorted(phrases.items(), key=lambda item: -len(item[0]))


PROVINCE_PHRASES = _province_phrases()


# Parsing -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...] = ()
    places: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (province code, the words that named it)
    serial: str = ""  # the whole query as a serial key, when it could be one
    phrase: str = ""  # every word of the query, for ranking
    truncated: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.terms or self.places or self.serial)


def query_parse(query: str) -> ParsedQuery:
    """Split a query into word terms, places and a possible serial (callers bound its length first)."""
    all_words = words(query)
    truncated = len(all_words) > SEARCH_MAX_TERMS
    found = all_words[:SEARCH_MAX_TERMS]
    places, terms, i = [], [], 0
    while i < len(found):
        for phrase, code in PROVINCE_PHRASES:
            if tuple(found[i:i + len(phrase)]) == phrase and (len(phrase) > 1 or len(found) == 1 or
                                                              phrase[0] in ("hcm", "tphcm", "hue")):
                places.append((code, phrase))
                i += len(phrase)
                break
        else:
            terms.append(found[i])
            i += 1
    key = serial_key(query)
    serial = key if len(key) >= 6 and any(c.isdigit() for c in key) and len(key) <= 40 else ""
    return ParsedQuery(terms=tuple(terms), places=tuple(places), serial=serial, phrase=" ".join(found),
                       truncated=truncated)


# Filtering and ranking ---------------------------------------------------------------------------

def _word_conditions(parsed: ParsedQuery, *, fuzzy: bool = False) -> Q:
    condition = Q()
    for n, term in enumerate(parsed.terms):
        last = n == len(parsed.terms) - 1
        if fuzzy and len(term) > 3:
            # a word like this one (trigram word similarity at pg_trgm's threshold, 0.6 by default)
            condition &= Q(search_document__trigram_word_similar=term)
        else:
            condition &= Q(search_document__contains=f" {term}" if last or fuzzy else f" {term} ")
    for code, phrase in parsed.places:
        condition &= Q(vendor__province=code) | Q(search_document__contains=f" {' '.join(phrase)} ")
    return condition


def _serial_exists():
    from registry.models import Certificate

    return Certificate.objects.annotate(key=serial_key_expression()).filter(product=OuterRef("pk"))


def products_search(qs: QuerySet, query: str, *, fuzzy: bool = False) -> QuerySet:
    """Products matching the query, annotated with `search_rank` (0 best). `fuzzy` accepts similar
    words instead (PostgreSQL's trigram word similarity; on other databases it finds nothing more)."""
    parsed = query_parse(query)
    if parsed.empty:
        return qs
    serial_match = Exists(_serial_exists().filter(key=parsed.serial)) if parsed.serial else None
    if fuzzy:
        if connection.vendor != "postgresql" or not any(len(t) > 3 for t in parsed.terms):
            return qs.none()
        condition = _word_conditions(parsed, fuzzy=True)
    else:
        condition = _word_conditions(parsed)
    if serial_match is not None:
        condition = condition | Q(serial_match)
    qs = qs.filter(condition)
    return qs.annotate(search_rank=_rank(parsed, serial_match))


def _rank(parsed: ParsedQuery, serial_match):
    whens = []
    if serial_match is not None:
        whens.append(When(serial_match, then=Value(0)))
    if parsed.phrase:
        whens += [
            When(Q(search_name=parsed.phrase) | Q(search_name_en=parsed.phrase), then=Value(0)),
            When(Q(search_name__startswith=parsed.phrase + " ") | Q(search_name_en__startswith=parsed.phrase + " "),
                 then=Value(1)),
            When(search_document__contains=f" {parsed.phrase}", then=Value(2)),
        ]
    if not whens:
        return Value(3, output_field=IntegerField())
    return Case(*whens, default=Value(3), output_field=IntegerField())


def count_capped(qs: QuerySet) -> tuple[int, bool]:
    """(count, exact): counts at most SEARCH_COUNT_CAP + 1 rows (SELECT COUNT(*) FROM (... LIMIT cap + 1))."""
    cap = settings.SEARCH_COUNT_CAP
    n = qs.order_by()[: cap + 1].count()
    return (cap, False) if n > cap else (n, True)


def relevance_order(qs: QuerySet) -> QuerySet:
    if "search_rank" in qs.query.annotations:
        return qs.order_by(F("search_rank").asc(), "name", "pk")
    return qs.order_by("name", "pk")
