from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("register/", views.register, name="register"),
    path("register/nieuw/", views.auditor_edit, name="auditor_add"),
    path("register/<int:pk>/", views.auditor_edit, name="auditor_edit"),
    path("plannen/<int:case_pk>/", views.plan, name="plan"),
    path("correcties/te-laat/", views.overdue, name="overdue"),
    path("werklijst/", views.worklist, name="worklist"),
    path("toewijzing/<int:assignment_pk>/verklaring/", views.declaration, name="declaration"),
    path("<int:pk>/", views.audit_detail, name="audit_detail"),
    path("<int:pk>/verplaatsen/", views.replan, name="replan"),
    path("<int:pk>/annuleren/", views.cancel, name="cancel"),
    path("<int:pk>/toewijzen/", views.assign, name="assign"),
    path("<int:pk>/toewijzingen/<int:assignment_pk>/verwijderen/", views.unassign, name="unassign"),
    path("<int:pk>/starten/", views.start, name="start"),
    path("<int:pk>/werkruimte/", views.workspace, name="workspace"),
    path("<int:pk>/werkruimte/<str:theme_code>/", views.workspace, name="workspace_theme"),
    path("<int:pk>/bevindingen/<int:criterion_pk>/", views.save_finding, name="save_finding"),
    path("<int:pk>/bewijsverzoek/", views.ask_evidence, name="ask_evidence"),
    path("<int:pk>/rapport/", views.report, name="report"),
    path("correcties/<int:action_pk>/beoordelen/", views.verify_correction, name="verify_correction"),
    path("correcties/<int:action_pk>/termijn/", views.change_deadline, name="change_deadline"),
    path("correcties/<int:action_pk>/beantwoorden/", views.answer_correction, name="answer_correction"),
    path("aanvraag/<int:case_pk>/bevindingen/", views.case_findings, name="case_findings"),
]
