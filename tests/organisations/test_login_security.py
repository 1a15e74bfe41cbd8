from django.urls import reverse

from tests.factories import PASSWORD


def test_login_is_blocked_after_too_many_wrong_passwords(client, settings, applicant_admin):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    url = reverse("login")
    for _ in range(3):
        response = client.post(url, {"username": applicant_admin.email, "password": "wrong"})
    # Locked out now: even the right password is refused, with the lockout page.
    response = client.post(url, {"username": applicant_admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_right_password_after_a_mistake_logs_in(client, settings, applicant_admin):
    settings.AXES_ENABLED = True
    url = reverse("login")
    client.post(url, {"username": applicant_admin.email, "password": "wrong"})
    response = client.post(url, {"username": applicant_admin.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant_admin.pk)
