from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("nieuw/", views.organisation_create, name="create"),
    path("<id:pk>/", views.organisation_detail, name="detail"),
    path("<id:pk>/bewerken/", views.organisation_edit, name="edit"),
    path("<id:pk>/uitnodigen/", views.invite, name="invite"),
    path("<id:pk>/uitnodigingen/<id:invitation_pk>/intrekken/", views.revoke_invitation, name="revoke_invitation"),
    path("<id:pk>/leden/<id:membership_pk>/rol/", views.change_role, name="change_role"),
    path("<id:pk>/leden/<id:membership_pk>/verwijderen/", views.remove_member, name="remove_member"),
    path("<id:pk>/locaties/", views.add_location, name="add_location"),
    path("<id:pk>/locaties/<id:location_pk>/verwijderen/", views.remove_location, name="remove_location"),
    path("uitnodiging/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
