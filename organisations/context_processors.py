from . import permissions


def roles(request):
    # No user when the request was refused before the middleware ran (a bad Host header: 400).
    user = getattr(request, "user", None)
    return {
        "is_secretariat": permissions.is_secretariat(user),
        "is_board_member": permissions.is_board_member(user),
        "is_auditor": permissions.is_auditor(user),
        "is_objection_committee": permissions.is_objection_committee(user),
    }
