"""Issue 8: two sign-ups with the same e-mail address or the same KvK number at the same moment
(3 of 5 answered 500). On PostgreSQL, each in its own thread, connection and transaction: exactly
one organisation and one account are made, the other sign-up gets the clear answer (the same KvK:
"already registered" on the field; the same address: the neutral "check your mailbox" answer, the
mailbox is told)."""
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from organisations import services
from organisations.models import Membership, Organisation, User

from ..integration.test_postgres_concurrency import postgres, run_at_the_same_time  # noqa: F401 - fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]

PASSWORD = "een-lang-wachtwoord-42"


def sign_up(email, kvk):
    return lambda: services.register_organisation(email=email, full_name="Nieuw", password=PASSWORD,
                                                  organisation_name=f"Nieuw {kvk}", kvk_number=kvk, sector="webshop")


def test_the_same_kvk_number_at_the_same_moment_registers_once(postgres):  # noqa: F811
    results = run_at_the_same_time(sign_up("een@example.test", "87654321"), sign_up("twee@example.test", "87654321"))

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ValidationError), repr(error)
    with translation.override("en"):
        assert error.message_dict == {"kvk_number": [
            "This KvK number is already registered. Ask the admin of your organisation to invite you."]}
    assert Organisation.objects.filter(kvk_number="87654321").count() == 1
    # the losing sign-up left no account behind (one transaction)
    winner = next(value for kind, value in results if kind == "ok")
    assert list(User.objects.values_list("email", flat=True)) == [winner.user.email]


def test_the_same_address_at_the_same_moment_makes_one_account(postgres):  # noqa: F811
    results = run_at_the_same_time(sign_up("zelfde@example.test", "87654321"),
                                   sign_up("zelfde@example.test", "87654322"))

    assert [kind for kind, _ in results] == ["ok", "ok"], results  # the same neutral answer for both
    signups = [value for _, value in results]
    assert sorted(s.existing_account for s in signups) == [False, True]
    assert User.objects.filter(email="zelfde@example.test").count() == 1
    assert Organisation.objects.filter(kvk_number__in=["87654321", "87654322"]).count() == 1
    assert Membership.objects.filter(user__email="zelfde@example.test").count() == 1
