"""Readable labels for log action codes. Each app registers the labels of its own codes (from
its ``AppConfig.ready()``), so the records app never needs to know the domain apps.

    from records import labels
    labels.register("certification", {"certification.case.submitted": _("Application submitted")})
"""
from collections.abc import Mapping

from django.utils.functional import Promise

_LABELS: dict[str, Promise | str] = {}


class UnknownActionError(ValueError):
    """A log row for an action code that no app registered a label for."""


def register(app_label: str, labels: Mapping[str, Promise | str]) -> None:
    """Register ``labels`` (code -> lazily translated label). An app registers only codes in its
    own name space (``<app_label>.…``); registering a code twice with another label is a mistake."""
    for code, label in labels.items():
        if not code.startswith(f"{app_label}."):
            raise ValueError(f"{app_label} cannot register {code!r}: its codes start with {app_label!r}.")
        if code in _LABELS and str(_LABELS[code]) != str(label):
            raise ValueError(f"{code!r} is already registered with another label.")
        _LABELS[code] = label


def label_for(code: str) -> Promise | str | None:
    return _LABELS.get(code)


def is_registered(code: str) -> bool:
    return code in _LABELS


def registered() -> dict[str, Promise | str]:
    return dict(_LABELS)
