"""How a person (or the system) who acted is named in records that must outlive their account."""


def actor_label(actor) -> str:
    """The e-mail of a signed-in user, else the given label (a check key, a command), else 'system'."""
    email = getattr(actor, "email", "")
    if email:
        return email
    if isinstance(actor, str) and actor:
        return actor
    return "system"
