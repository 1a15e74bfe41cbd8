from . import permissions


def roles(request):
    user = request.user
    return {
        "is_secretariat": permissions.is_secretariat(user),
        "is_board_member": permissions.is_board_member(user),
        "is_auditor": permissions.is_auditor(user),
        "is_objection_committee": permissions.is_objection_committee(user),
    }
