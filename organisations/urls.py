from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("nieuw/", views.organisation_create, name="create"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/bewerken/", views.organisation_edit, name="edit"),
    path("<int:pk>/uitnodigen/", views.invite, name="invite"),
    path("<int:pk>/uitnodigingen/<int:invitation_pk>/intrekken/", views.revoke_invitation, name="revoke_invitation"),
    path("<int:pk>/leden/<int:membership_pk>/rol/", views.change_role, name="change_role"),
    path("<int:pk>/leden/<int:membership_pk>/verwijderen/", views.remove_member, name="remove_member"),
    path("<int:pk>/locaties/", views.add_location, name="add_location"),
    path("<int:pk>/locaties/<int:location_pk>/verwijderen/", views.remove_location, name="remove_location"),
    path("uitnodiging/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
