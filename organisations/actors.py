"""Actors that are not people: the demo loader, a management command, a scheduled job.

Services take the actor explicitly (STYLE "State machines"), so such work runs through the same
services as people's, and the log names it: ``log_action`` stores no user and the actor's name.
"""


class SystemActor:
    is_system = True
    is_authenticated = False
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, name: str):
        self.name = name

    def get_full_name(self) -> str:
        return f"Systeem ({self.name})"

    def get_username(self) -> str:
        return self.get_full_name()

    def __str__(self) -> str:
        return self.get_full_name()

    def __repr__(self) -> str:
        return f"SystemActor({self.name!r})"
