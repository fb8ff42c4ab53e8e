from .roles import user_roles


def roles(request):
    return {"user_roles": user_roles(getattr(request, "user", None))}


def certification_body(request):
    """The certification body's one name: in the page's language, and both for the bilingual header."""
    from django.conf import settings
    from django.utils.translation import get_language

    vi, en = settings.CERTIFICATION_BODY_NAME_VI, settings.CERTIFICATION_BODY_NAME_EN
    return {"body_name": en if (get_language() or "vi").startswith("en") else vi, "body_name_vi": vi,
            "body_name_en": en}
