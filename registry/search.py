"""Search of the public registry: one box for product names, vendors, tax codes, serials and places.

Text is folded in Python (registry.text.fold: accents, đ/Đ, case) and split into words of letters and
digits, both in the stored document and in the query, so "Đà Nẵng", "da nang" and "DA-NANG" are the
same words. The stored `Product.search_document` is those words with a space before and after each,
so a whole word is `LIKE '% word %'` and a word prefix `LIKE '% word%'`. On PostgreSQL the words are
matched through an exact GIN index over the document's words as a tsvector (`'a' & 'b':*`, migration
0007; places through the trigram index of migration 0003); on SQLite the LIKE patterns scan, which is fine
for the embedded default.

Rules, in the order a person would expect them:
* every term must match: all but the last as whole words, the last as a whole word or a word prefix
  (search as you type), never as a fragment inside another word ("ha noi" does not find "kết nối");
* a province name (the 34 of 2025, with or without "Thành phố", with or without diacritics) means the
  place: products of vendors registered there, or naming it;
* a certificate serial matches whatever its case and with or without its dashes;
* when nothing matches exactly, similar words are accepted (trigram word similarity against the list of
  every indexed word, `SearchWord`, PostgreSQL only);
* ranking: exact name or serial, then name prefix, then the query as a phrase, then the rest.
"""

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
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

class DocumentWordsMatch(Func):
    """The product's search document holds these words: `tsquery` in PostgreSQL's syntax over our own folded
    words ('a' & 'b':*). The expression is the one migration 0007 indexes (GIN), so it is one index lookup."""

    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__(F("search_document"), Value(tsquery))

    def as_sql(self, compiler, connection, **extra_context):
        document_sql, document_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        return (f"registry_search_words({document_sql}) @@ ({query_sql})::tsquery",
                [*document_params, *query_params])


FUZZY_MIN_LENGTH = 4  # shorter words are too short to be told apart from a typo: they match as prefixes
FUZZY_WORDS = 8  # similar words tried for one query word, most similar first


def similar_words(parsed: ParsedQuery) -> dict[str, list[str]]:
    """For each query word long enough to carry a typo, the most similar indexed words (pg_trgm word
    similarity at its threshold, 0.6 by default), from the short list of every word, in one query."""
    terms = sorted({t for t in parsed.terms if len(t) >= FUZZY_MIN_LENGTH})
    found: dict[str, list[str]] = {t: [] for t in terms}
    if not terms or connection.vendor != "postgresql":
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.term, w.word FROM unnest(%s::text[]) AS t(term) CROSS JOIN LATERAL ("
            " SELECT word FROM registry_searchword WHERE t.term <%% word"
            " ORDER BY word_similarity(t.term, word) DESC, word LIMIT %s) AS w", [terms, FUZZY_WORDS])
        for term, word in cursor.fetchall():
            found[term].append(word)
    return found


def _tsquery(parsed: ParsedQuery, similar: dict[str, list[str]] | None) -> str | None:
    """The words as a tsquery: every word whole but the last, which may be a prefix; with `similar`, each
    long word is any of its similar words instead. None: a long word has no similar word (nothing matches)."""
    parts = []
    for n, term in enumerate(parsed.terms):
        if similar is not None and len(term) >= FUZZY_MIN_LENGTH:
            alternatives = similar.get(term) or []
            if not alternatives:
                return None
            parts.append("(" + " | ".join(f"'{w}'" for w in alternatives) + ")")
        elif similar is not None or n == len(parsed.terms) - 1:
            parts.append(f"'{term}':*")
        else:
            parts.append(f"'{term}'")
    return " & ".join(parts)


def _word_conditions(parsed: ParsedQuery, *, similar: dict[str, list[str]] | None = None) -> Q | None:
    """The query's words and places as a condition (None: nothing can match)."""
    condition = Q()
    if parsed.terms:
        if connection.vendor == "postgresql":
            tsquery = _tsquery(parsed, similar)
            if tsquery is None:
                return None
            condition &= Q(DocumentWordsMatch(tsquery))
        else:  # the embedded default: LIKE patterns (typo tolerance is PostgreSQL's)
            if similar is not None:
                return None
            for n, term in enumerate(parsed.terms):
                last = n == len(parsed.terms) - 1
                condition &= Q(search_document__contains=f" {term}" if last else f" {term} ")
    for code, phrase in parsed.places:
        condition &= Q(vendor__province=code) | Q(search_document__contains=f" {' '.join(phrase)} ")
    return condition


def _serial_exists():
    from registry.models import Certificate

    return Certificate.objects.annotate(key=serial_key_expression()).filter(product=OuterRef("pk"))


def products_search(qs: QuerySet, query: str, *, fuzzy: bool = False,
                    similar: dict[str, list[str]] | None = None) -> QuerySet:
    """Products matching the query, annotated with `search_rank` (0 best). `fuzzy` accepts similar
    words instead (`similar`: the query's `similar_words`, looked up here when not given; PostgreSQL
    only, on other databases it finds nothing more)."""
    parsed = query_parse(query)
    if parsed.empty:
        return qs
    serial_match = Exists(_serial_exists().filter(key=parsed.serial)) if parsed.serial else None
    if fuzzy:
        if connection.vendor != "postgresql" or not any(len(t) >= FUZZY_MIN_LENGTH for t in parsed.terms):
            return qs.none()
        condition = _word_conditions(parsed, similar=similar if similar is not None else similar_words(parsed))
    else:
        condition = _word_conditions(parsed)
    if condition is None:
        if serial_match is None:
            return qs.none()
        condition = Q(serial_match)
    elif serial_match is not None:
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
        ]
        if len(parsed.terms) != 1 or parsed.places:  # a lone word: every match has it (tier 3 is empty)
            whens.append(When(search_document__contains=f" {parsed.phrase}", then=Value(2)))
    if not whens:
        return Value(3, output_field=IntegerField())
    return Case(*whens, default=Value(3), output_field=IntegerField())


def relevance_order(qs: QuerySet) -> QuerySet:
    if "search_rank" in qs.query.annotations:
        return qs.order_by(F("search_rank").asc(), "name", "pk")
    return qs.order_by("name", "pk")
