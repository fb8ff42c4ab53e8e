"""Template helpers for bilingual records and status display."""

from django import template
from django.utils.translation import get_language

register = template.Library()

# A symbol beside each status word, so the status never relies on colour alone.
STATUS_ICONS = {
    "active": "✓",
    "suspended": "!",
    "revoked": "✕",
    "expired": "⌛",
    "not_found": "?",
}


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


@register.filter
def localized(obj, base: str):
    """`product|localized:"description"` -> description_en in English (when filled), else description_vi.

    Falls back to the bare field (`name`) for records whose Vietnamese field has no suffix.
    """
    if obj is None:
        return ""
    order = [f"{base}_en", f"{base}_vi", base] if _english() else [f"{base}_vi", base, f"{base}_en"]
    for name in order:
        value = getattr(obj, name, None)
        if value:
            return value
    return ""


@register.filter
def vendor_name(vendor):
    """A vendor's English name in English when it has one; its legal (Vietnamese) name otherwise."""
    if vendor is None:
        return ""
    if _english() and getattr(vendor, "name_en", ""):
        return vendor.name_en
    return vendor.legal_name


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(str(status), "•")


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination keeping the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"



# Sortable columns ---------------------------------------------------------------------------------

@register.filter
def next_sort(current: str, column: str) -> str:
    """The ordering a column header links to: this column ascending, or descending when it already is."""
    base = column.lstrip("-")
    if current == base:
        return f"-{base}"
    if current == f"-{base}":
        return base
    return column


@register.simple_tag
def sort_state(current: str, column: str) -> str:
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


@register.simple_tag
def sort_arrow(current: str, column: str) -> str:
    if current == column:
        return " ▲"
    if current == f"-{column}":
        return " ▼"
    return ""


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` for dictionaries keyed by a variable."""
    if not hasattr(mapping, "get"):
        return ""
    return mapping.get(key, "")
