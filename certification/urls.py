from django.urls import path

from . import views

app_name = "certification"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("starten/<id:organisation_pk>/", views.start_case, name="start_case"),
    path("<id:pk>/", views.case_detail, name="case_detail"),
    path("<id:pk>/dossier/", views.case_file, name="case_file"),
    path("<id:pk>/zelfevaluatie/", views.self_assessment, name="self_assessment"),
    path("<id:pk>/zelfevaluatie/<str:theme_code>/", views.self_assessment, name="self_assessment_theme"),
    path("<id:pk>/antwoorden/<id:criterion_pk>/", views.save_answer, name="save_answer"),
    path("<id:pk>/antwoorden/<id:criterion_pk>/controleren/", views.review_answer, name="review_answer"),
    path("<id:pk>/bewijs/", views.evidence, name="evidence"),
    path("<id:pk>/bewijs/<id:evidence_pk>/verwijderen/", views.remove_evidence, name="remove_evidence"),
    path("bewijs/<id:evidence_pk>/", views.download_evidence, name="download_evidence"),
    path("<id:pk>/verklaring/", views.sign_declaration, name="sign_declaration"),
    path("<id:pk>/indienen/", views.submit, name="submit"),
    path("<id:pk>/intrekken/", views.withdraw, name="withdraw"),
    path("intake/", views.intake_queue, name="intake_queue"),
    path("<id:pk>/intake/", views.intake_decide, name="intake_decide"),
]
