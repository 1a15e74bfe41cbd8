from django.urls import path

from . import views

app_name = "certification"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("starten/<int:organisation_pk>/", views.start_case, name="start_case"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/dossier/", views.case_file, name="case_file"),
    path("<int:pk>/zelfevaluatie/", views.self_assessment, name="self_assessment"),
    path("<int:pk>/zelfevaluatie/<str:theme_code>/", views.self_assessment, name="self_assessment_theme"),
    path("<int:pk>/antwoorden/<int:criterion_pk>/", views.save_answer, name="save_answer"),
    path("<int:pk>/antwoorden/<int:criterion_pk>/controleren/", views.review_answer, name="review_answer"),
    path("<int:pk>/bewijs/", views.evidence, name="evidence"),
    path("<int:pk>/bewijs/<int:evidence_pk>/verwijderen/", views.remove_evidence, name="remove_evidence"),
    path("bewijs/<int:evidence_pk>/", views.download_evidence, name="download_evidence"),
    path("<int:pk>/verklaring/", views.sign_declaration, name="sign_declaration"),
    path("<int:pk>/indienen/", views.submit, name="submit"),
    path("<int:pk>/intrekken/", views.withdraw, name="withdraw"),
    path("intake/", views.intake_queue, name="intake_queue"),
    path("<int:pk>/intake/", views.intake_decide, name="intake_decide"),
]
