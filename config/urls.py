from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from certification import views as certification_views

urlpatterns = [
    path("", certification_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("organisations.urls_accounts")),
    path("organisaties/", include("organisations.urls")),
    path("aanvragen/", include("certification.urls")),
    path("audits/", include("audits.urls")),
    path("register/", include("register.urls")),
    path("besluiten/", include("decisions.urls")),
    path("planning/", include("cycle.urls")),
    path("beheer/", admin.site.urls),
    path("admin/", RedirectView.as_view(url="/beheer/", permanent=False)),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
