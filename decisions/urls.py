from django.urls import path

from . import views

app_name = "decisions"
urlpatterns = [
    path("", views.board_list, name="board_list"),
    path("<int:pk>/", views.decision_detail, name="detail"),
    path("<int:pk>/stemmen/", views.vote, name="vote"),
    path("<int:pk>/bezwaar/", views.lodge_objection, name="lodge_objection"),
    path("belangenverstrengeling/", views.conflicts, name="conflicts"),
    path("bezwaren/", views.objection_list, name="objection_list"),
    path("bezwaren/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("bezwaren/<int:pk>/in-behandeling/", views.review_objection, name="review_objection"),
    path("bezwaren/<int:pk>/beslissen/", views.decide_objection, name="decide_objection"),
    path("certificaten/", views.certificate_list, name="certificate_list"),
    path("certificaten/<int:pk>/", views.certificate_detail, name="certificate_detail"),
]
