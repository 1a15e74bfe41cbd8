"""get_FOO_display through organisations.choices.ChoiceLabels: the same labels as Django's, in the
language of the moment, without translating every choice on every call."""
from django.utils import translation

from certification.models import Case
from organisations.models import Organisation, Sector


def test_the_label_follows_the_active_language():
    case = Case(state=Case.State.SUBMITTED)
    with translation.override("en"):
        english = case.get_state_display()
    with translation.override("nl"):
        dutch = case.get_state_display()
    assert english == "Submitted" and dutch == "Ingediend"


def test_the_same_labels_as_django_gives():
    for value, label in Sector.choices:
        assert Organisation(sector=value).get_sector_display() == str(label)


def test_an_unknown_value_is_shown_as_it_is():
    assert Organisation(sector="onbekend").get_sector_display() == "onbekend"
    assert Case(state="").get_state_display() == ""


def test_it_translates_only_the_label_shown(monkeypatch):
    calls = []
    real = translation._trans.gettext

    def counting(message):
        calls.append(message)
        return real(message)

    Organisation(sector=Sector.values[0]).get_sector_display()  # the labels are kept from here on
    monkeypatch.setattr(translation._trans, "gettext", counting)
    for _ in range(10):
        Organisation(sector=Sector.values[0]).get_sector_display()
    # One translation per call (Django's own translates every sector's label on every call).
    assert len(calls) == 10 and len(Sector.choices) > 1
