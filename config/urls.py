from django.conf import settings
from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from certification import views as certification_views

from .converters import IdConverter
from .pagecache import same_for_every_visitor

register_converter(IdConverter, "id")

urlpatterns = [
    # The home page is the same for every anonymous visitor: one rendered copy per language.
    path("", same_for_every_visitor(certification_views.home), name="home"),
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

# The product's own error pages, in the normal layout and the user's language (config/errors.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
if settings.BENCH:
    from demo.bench.views import bare

    urlpatterns += [path("bench/bare/", bare, name="bench_bare")]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
