"""Log in, log out, password reset and sign-up. Unnamespaced: Django's auth views expect it."""
from django.contrib.auth import views as auth_views
from django.urls import path

from config.pagecache import same_for_every_visitor

from . import account_views, two_factor, views
from .forms import EmailAuthenticationForm

urlpatterns = [
    # The busiest page: rendered once per language for anonymous visitors (config/pagecache.py).
    path("inloggen/", same_for_every_visitor(auth_views.LoginView.as_view(
        authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True)), name="login"),
    path("tweestaps/instellen/", two_factor.setup, name="two_factor_setup"),
    path("tweestaps/code/", two_factor.verify_view, name="two_factor_verify"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("aanmelden/", views.signup, name="signup"),
    path("aanmelden/verstuurd/", views.signup_sent, name="signup_sent"),
    path("activeren/<uidb64>/<token>/", views.activate_account, name="activate_account"),
    path("wachtwoord/vergeten/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("wachtwoord/verstuurd/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("wachtwoord/nieuw/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("wachtwoord/klaar/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
