"""The public register under /register/ (Dutch URL words like the rest of the product)."""
from django.urls import path, re_path

from . import views

app_name = "register"
urlpatterns = [
    path("", views.register_list, name="list"),
    path("controleren/", views.verify, name="verify"),
    path("open-data.csv", views.open_data_csv, name="open_data_csv"),
    path("open-data.json", views.open_data_json, name="open_data_json"),
    re_path(r"^zegel/(?P<number>[^/]{1,40})\.svg$", views.seal_svg, name="seal"),
    path("klachten/", views.complaint_list, name="complaint_list"),
    path("klachten/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("klachten/<int:pk>/onderzoeken/", views.complaint_investigate, name="complaint_investigate"),
    path("klachten/<int:pk>/afsluiten/", views.complaint_close, name="complaint_close"),
    path("klachten/<int:pk>/buitengewone-audit/", views.complaint_open_case, name="complaint_open_case"),
    re_path(r"^(?P<number>[^/]{1,40})/$", views.holder, name="holder"),
    re_path(r"^(?P<number>[^/]{1,40})/klacht/$", views.complaint, name="complaint"),
    re_path(r"^(?P<number>[^/]{1,40})/klacht/bedankt/$", views.complaint_thanks, name="complaint_thanks"),
    re_path(r"^(?P<number>[^/]{1,40})/certificaat\.pdf$", views.certificate_pdf, name="certificate_pdf"),
]
