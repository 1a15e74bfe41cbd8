"""The norm (DESIGN section 3): the Meetlat as version 1, immutability of published versions,
drafting and publishing the next version."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from certification import services
from certification.models import Case, Criterion, ImmutableVersionError, Scheme, SchemeVersion, Theme
from records.models import LogEntry

from .. import factories

# seeds/README.md: the 2024 workshop numbering of the 24 criteria in 6 themes.
MEETLAT_CODES = {
    "1": ["1.1", "1.2"],
    "2": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8"],
    "3": ["3.1", "3.2", "3.3"],
    "4": ["4.1", "4.2", "4.3", "4.4"],
    "5": ["5.1", "5.2", "5.3"],
    "6": ["6.1", "6.2", "6.3", "6.4"],
}
THEME_TITLES = {"1": "Visie", "2": "Beleid", "3": "Proces", "4": "Contact", "5": "Oplossing", "6": "Ondersteuning"}


@pytest.fixture
def v1(db):
    return SchemeVersion.objects.get(scheme__slug="warm-incasseren", number=1)


# --------------------------------------------------------------------------- version 1


def test_meetlat_version_1_is_the_published_current_version(v1):
    assert v1.state == SchemeVersion.State.PUBLISHED
    assert v1.published_at is not None
    assert services.current_version() == v1
    assert not v1.is_editable


def test_meetlat_has_24_criteria_in_6_themes_numbered_as_in_the_workshop(v1):
    themes = list(v1.themes.order_by("position"))
    assert [t.code for t in themes] == list(MEETLAT_CODES)
    assert {t.code: t.title for t in themes} == THEME_TITLES
    assert v1.criteria.count() == 24
    for theme in themes:
        assert list(theme.criteria.order_by("position").values_list("code", flat=True)) == MEETLAT_CODES[theme.code]
    # the position order of the criteria is the numbering order
    assert list(v1.criteria.order_by("position").values_list("code", flat=True)) == [
        code for codes in MEETLAT_CODES.values() for code in codes
    ]


def test_every_meetlat_criterion_has_a_dutch_title_and_three_level_descriptions(v1):
    for criterion in v1.criteria.all():
        assert criterion.title.strip(), criterion.code
        assert criterion.level_1.strip(), criterion.code
        assert criterion.level_5_5.strip(), criterion.code
        assert criterion.level_8.strip(), criterion.code
        assert len({criterion.level_1, criterion.level_5_5, criterion.level_8}) == 3, criterion.code


@pytest.mark.parametrize("code,title", [
    ("1.1", "Schuldvraag"),
    ("2.2", "Kosten voor de klant"),
    ("3.2", "Incasso-overdracht"),
    ("4.3", "Communicatie (gesprek)"),
    ("5.2", "Betalingsregelingen"),
    ("6.4", "Rapportages"),
])
def test_meetlat_criteria_carry_the_titles_of_the_source(v1, code, title):
    assert v1.criteria.get(code=code).title == title


def test_version_1_has_the_foundations_default_rules(v1):
    assert (v1.min_verified_score, v1.certificate_validity_months, v1.surveillance_interval_months,
            v1.recertification_lead_months, v1.major_correction_months, v1.minor_correction_months,
            v1.objection_term_weeks, v1.cooldown_months, v1.board_quorum, v1.min_reviewers) == (
        5.5, 24, 12, 6, 3, 6, 6, 12, 2, 2)


# --------------------------------------------------------------------------- immutability


def test_criterion_of_a_published_version_cannot_be_changed(v1):
    criterion = v1.criteria.get(code="1.1")
    criterion.title = "Iets anders"
    with pytest.raises(ImmutableVersionError):
        criterion.save()
    assert Criterion.objects.get(pk=criterion.pk).title == "Schuldvraag"


def test_theme_of_a_published_version_cannot_be_changed(v1):
    theme = v1.themes.get(code="1")
    theme.title = "Missie"
    with pytest.raises(ImmutableVersionError):
        theme.save()
    assert Theme.objects.get(pk=theme.pk).title == "Visie"


def test_criterion_and_theme_of_a_published_version_cannot_be_deleted(v1):
    with pytest.raises(ImmutableVersionError):
        v1.criteria.get(code="6.4").delete()
    with pytest.raises(ImmutableVersionError):
        v1.themes.get(code="6").delete()
    assert v1.criteria.count() == 24 and v1.themes.count() == 6


def test_no_criterion_or_theme_can_be_added_to_a_published_version(v1):
    theme = v1.themes.get(code="6")
    with pytest.raises(ImmutableVersionError):
        Criterion.objects.create(version=v1, theme=theme, code="6.5", title="Nieuw", level_1="a", level_5_5="b",
                                 level_8="c")
    with pytest.raises(ImmutableVersionError):
        Theme.objects.create(version=v1, code="7", title="Werkgeverschap")
    assert v1.criteria.count() == 24 and v1.themes.count() == 6


def test_a_retired_version_is_immutable_too(v1):
    SchemeVersion.objects.filter(pk=v1.pk).update(state=SchemeVersion.State.RETIRED)
    criterion = v1.criteria.get(code="2.1")
    criterion.guidance = "Nieuwe toelichting"
    with pytest.raises(ImmutableVersionError):
        criterion.save()


# --------------------------------------------------------------------------- draft_next_version


def test_secretariat_drafts_the_next_version_as_a_full_copy(v1, secretariat):
    # Set up a published version with non-default rules (content can only change while a draft).
    SchemeVersion.objects.filter(pk=v1.pk).update(state=SchemeVersion.State.DRAFT)
    SchemeVersion.objects.filter(pk=v1.pk).update(cooldown_months=9, min_reviewers=3, board_quorum=3)
    Criterion.objects.filter(version=v1, code="3.1").update(guidance="Procesbeschrijving", is_critical=True)
    SchemeVersion.objects.filter(pk=v1.pk).update(state=SchemeVersion.State.PUBLISHED)
    v1.refresh_from_db()
    draft = services.draft_next_version(version=v1, actor=secretariat)
    draft = SchemeVersion.objects.get(pk=draft.pk)
    assert (draft.number, draft.state, draft.derived_from_id, draft.scheme_id) == (
        2, SchemeVersion.State.DRAFT, v1.pk, v1.scheme_id)
    assert draft.published_at is None
    assert (draft.cooldown_months, draft.min_reviewers, draft.board_quorum, draft.min_verified_score) == (
        9, 3, 3, v1.min_verified_score)

    def content(version):
        return [(c.theme.code, c.theme.title, c.code, c.title, c.level_1, c.level_5_5, c.level_8, c.guidance,
                 c.is_critical, c.position)
                for c in version.criteria.select_related("theme").order_by("position")]

    assert content(draft) == content(v1)
    assert all(c.theme.version_id == draft.pk for c in draft.criteria.select_related("theme"))
    assert draft.themes.count() == 6
    assert v1.criteria.count() == 24  # the original is untouched
    row = LogEntry.objects.for_object(draft).get(action="certification.version.drafted")
    assert row.actor == secretariat and row.data == {"copied_from": v1.pk}


def test_the_draft_can_be_edited(v1, secretariat):
    draft = services.draft_next_version(version=v1, actor=secretariat)
    criterion = draft.criteria.get(code="1.1")
    criterion.title = "Schuldvraag en schaamte"
    criterion.save()
    draft.criteria.get(code="6.4").delete()
    theme = Theme.objects.create(version=draft, code="7", title="Warm werkgeverschap", module="werkgever")
    Criterion.objects.create(version=draft, theme=theme, code="7.1", title="Geldzorgen medewerkers",
                             level_1="a", level_5_5="b", level_8="c")
    assert draft.criteria.get(code="1.1").title == "Schuldvraag en schaamte"
    assert sorted(draft.criteria.values_list("code", flat=True))[-2:] == ["6.3", "7.1"]
    assert v1.criteria.get(code="1.1").title == "Schuldvraag"


@pytest.mark.parametrize("persona", ["applicant_admin", "board_member", "auditor"])
def test_only_the_secretariat_drafts_a_version(request, v1, persona):
    with pytest.raises(PermissionDenied):
        services.draft_next_version(version=v1, actor=request.getfixturevalue(persona))
    assert SchemeVersion.objects.count() == 1


def test_drafting_twice_returns_the_same_draft(v1, secretariat):
    first = services.draft_next_version(version=v1, actor=secretariat)
    second = services.draft_next_version(version=v1, actor=secretariat)
    assert second.pk == first.pk
    assert SchemeVersion.objects.count() == 2
    assert first.criteria.count() == 24
    assert LogEntry.objects.filter(action="certification.version.drafted").count() == 1


# --------------------------------------------------------------------------- publish_version


def test_secretariat_publishes_a_draft_and_new_cases_use_it(v1, secretariat, organisation, applicant_admin,
                                                            other_organisation, other_admin):
    old_case = factories.start_case(other_organisation, other_admin)
    draft = services.draft_next_version(version=v1, actor=secretariat)
    published = services.publish_version(version=draft, actor=secretariat)
    published = SchemeVersion.objects.get(pk=published.pk)
    assert published.state == SchemeVersion.State.PUBLISHED
    assert published.published_at is not None
    assert services.current_version() == published
    row = LogEntry.objects.for_object(published).get(action="certification.version.published")
    assert (row.actor, row.from_state, row.to_state) == (secretariat, "draft", "published")
    # a published version is immutable; cases stay pinned to the version they started under
    with pytest.raises(ImmutableVersionError):
        published.criteria.first().save()
    assert Case.objects.get(pk=old_case.pk).scheme_version == v1
    assert services.start_case(organisation=organisation, actor=applicant_admin).scheme_version == published


def test_publishing_twice_changes_nothing_more(v1, secretariat):
    draft = services.draft_next_version(version=v1, actor=secretariat)
    first = services.publish_version(version=draft, actor=secretariat)
    published_at = SchemeVersion.objects.get(pk=first.pk).published_at
    services.publish_version(version=draft, actor=secretariat)
    assert SchemeVersion.objects.get(pk=first.pk).published_at == published_at
    assert LogEntry.objects.filter(action="certification.version.published").count() == 1


def test_a_draft_without_criteria_cannot_be_published(v1, secretariat):
    empty = SchemeVersion.objects.create(scheme=v1.scheme, number=7, title="Leeg")
    with override("en"), pytest.raises(ValidationError, match="Only a draft version with criteria can be published"):
        services.publish_version(version=empty, actor=secretariat)
    assert SchemeVersion.objects.get(pk=empty.pk).state == SchemeVersion.State.DRAFT
    assert services.current_version() == v1


def test_a_retired_version_cannot_be_published_again(v1, secretariat):
    SchemeVersion.objects.filter(pk=v1.pk).update(state=SchemeVersion.State.RETIRED)
    with pytest.raises(ValidationError):
        services.publish_version(version=v1, actor=secretariat)
    assert SchemeVersion.objects.get(pk=v1.pk).state == SchemeVersion.State.RETIRED


@pytest.mark.parametrize("persona", ["applicant_admin", "board_member", "auditor"])
def test_only_the_secretariat_publishes(request, v1, secretariat, persona):
    draft = services.draft_next_version(version=v1, actor=secretariat)
    with pytest.raises(PermissionDenied):
        services.publish_version(version=draft, actor=request.getfixturevalue(persona))
    assert SchemeVersion.objects.get(pk=draft.pk).state == SchemeVersion.State.DRAFT


def test_there_is_one_scheme_for_the_quality_mark(v1):
    assert list(Scheme.objects.values_list("slug", flat=True)) == ["warm-incasseren"]


def test_bulk_changes_to_published_content_are_refused(v1):
    with pytest.raises(ImmutableVersionError):
        Criterion.objects.filter(version=v1).update(title="Anders")
    with pytest.raises(ImmutableVersionError):
        Criterion.objects.filter(version=v1, code="1.1").delete()
    assert v1.criteria.filter(title="Anders").count() == 0
    assert v1.criteria.count() == 24


def test_rules_of_a_published_version_cannot_be_changed(v1):
    v1.cooldown_months = 1
    with pytest.raises(ImmutableVersionError):
        v1.save()
    with pytest.raises(ImmutableVersionError):
        SchemeVersion.objects.get(pk=v1.pk).delete()
    assert SchemeVersion.objects.get(pk=v1.pk).cooldown_months == 12


def test_publishing_a_new_version_retires_the_old_one(v1, secretariat):
    draft = services.draft_next_version(version=v1, actor=secretariat)
    services.publish_version(version=draft, actor=secretariat)
    v1.refresh_from_db()
    assert v1.state == SchemeVersion.State.RETIRED and v1.retired_at is not None
    assert services.current_version() == SchemeVersion.objects.get(pk=draft.pk)
