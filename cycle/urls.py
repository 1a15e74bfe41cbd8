from django.urls import path

from . import views

app_name = "cycle"
urlpatterns = [
    path("", views.planning, name="planning"),
]
