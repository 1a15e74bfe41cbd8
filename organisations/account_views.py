"""Password reset with rate limits, and a reset that also lifts a login lockout.

Behind the README's TLS proxy django-axes sees the visitor's own address (``security.client_ip``),
so wrong passwords from someone else do not lock the real owner out. If they are locked out all
the same, choosing a new password through the e-mailed link proves they control the mailbox and
lifts the lockout for their address at once.
"""
import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect

from . import ratelimit
from .forms import PasswordResetRequestForm
from .security import client_ip

logger = logging.getLogger(__name__)
HOUR = 60 * 60


class PasswordResetView(auth_views.PasswordResetView):
    """At most ``PASSWORD_RESET_PER_ADDRESS`` e-mails per address and ``PASSWORD_RESET_PER_CLIENT``
    requests per visitor's address in an hour. Over the limit the answer is the same page as
    always ("if we know your address, you get an e-mail"): it tells nobody whether the address
    has an account, nor that a limit was reached."""

    form_class = PasswordResetRequestForm

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        per_client = ratelimit.hit("password-reset-client", client_ip(self.request),
                                   limit=settings.PASSWORD_RESET_PER_CLIENT, period=HOUR)
        per_address = per_client and ratelimit.hit("password-reset-address", email,
                                                   limit=settings.PASSWORD_RESET_PER_ADDRESS, period=HOUR)
        if per_client and per_address:
            return super().form_valid(form)
        logger.warning("Password reset refused: rate limit reached (%s)",
                       "address" if per_client else "client")
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # The link came to their mailbox: the owner is back, the lockout goes.
        axes_reset(username=form.user.email.lower())
        return response
