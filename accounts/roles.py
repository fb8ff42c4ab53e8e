"""Roles are Django groups; these few functions are the only place that answers 'may this user...'."""

from django.contrib.auth.models import Group, Permission

from .choices import Role

# Model permissions each role's group carries (used by the admin and by has_perm checks).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.VENDOR: [
        "registry.view_vendor", "registry.add_product", "registry.change_product", "registry.view_product",
        "registry.add_productversion", "registry.view_productversion",
        "certification.add_application", "certification.view_application", "certification.add_artifact",
    ],
    Role.EVALUATOR: [
        "certification.view_application", "certification.change_caseresult", "certification.view_caseresult",
        "certification.add_conflictdeclaration",
    ],
    Role.CERTIFIER: ["certification.view_application", "certification.view_caseresult"],
    Role.STAFF: [
        "registry.view_vendor", "registry.change_vendor", "registry.view_product", "registry.view_certificate",
        "registry.change_certificate", "registry.view_scheme", "registry.change_scheme", "registry.add_scheme",
        "registry.view_requirement", "registry.change_requirement", "registry.add_requirement",
        "registry.view_certificateevent", "certification.view_application", "certification.view_applicationevent",
        "certification.view_artifact", "certification.view_caseresult", "certification.view_checkrun",
        "certification.view_assignment", "certification.view_conflictdeclaration", "accounts.view_user",
        "certification.view_caseresultversion", "certification.view_advisory", "certification.view_finding",
        "certification.view_sbomcomponent", "registry.view_vendorchangerequest", "registry.view_mvnattestation",
        "trust.view_auditentry", "accounts.view_apitoken",
    ],
    Role.PROCUREMENT: ["registry.view_certificate"],
}


def roles_ensure() -> None:
    """Create the role groups and give each exactly its permissions; idempotent. Three queries when every
    group is already as it should be (the usual case: it runs after every migrate and flush, and before
    any role is given)."""
    codenames = {perm.split(".")[1] for perms in ROLE_PERMISSIONS.values() for perm in perms}
    found: dict[str, set[int]] = {}
    for pk, app_label, codename in Permission.objects.filter(codename__in=codenames).values_list(
            "pk", "content_type__app_label", "codename"):
        found.setdefault(f"{app_label}.{codename}", set()).add(pk)
    groups = {group.name: group for group in Group.objects.filter(name__in=list(ROLE_PERMISSIONS))}
    held: dict[int, set[int]] = {}
    for group_id, permission_id in Group.permissions.through.objects.filter(
            group_id__in=[group.pk for group in groups.values()]).values_list("group_id", "permission_id"):
        held.setdefault(group_id, set()).add(permission_id)
    for role, perms in ROLE_PERMISSIONS.items():
        wanted = set().union(*(found.get(perm, set()) for perm in perms))
        group = groups.get(role)
        if group is None:
            group, _ = Group.objects.get_or_create(name=role)
        elif held.get(group.pk, set()) == wanted:
            continue
        group.permissions.set(wanted)


def user_roles(user) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_cache = cached
    return cached


def user_has_role(user, role: str) -> bool:
    return role in user_roles(user)


def user_role_add(user, role: str) -> None:
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; expected one of {', '.join(Role.values)}.")
    roles_ensure() if not Group.objects.filter(name=role).exists() else None
    user.groups.add(Group.objects.get(name=role))
    user._role_cache = None
