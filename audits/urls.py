from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("register/", views.register, name="register"),
    path("register/nieuw/", views.auditor_edit, name="auditor_add"),
    path("register/<id:pk>/", views.auditor_edit, name="auditor_edit"),
    path("plannen/<id:case_pk>/", views.plan, name="plan"),
    path("correcties/te-laat/", views.overdue, name="overdue"),
    path("werklijst/", views.worklist, name="worklist"),
    path("toewijzing/<id:assignment_pk>/verklaring/", views.declaration, name="declaration"),
    path("<id:pk>/", views.audit_detail, name="audit_detail"),
    path("<id:pk>/verplaatsen/", views.replan, name="replan"),
    path("<id:pk>/annuleren/", views.cancel, name="cancel"),
    path("<id:pk>/toewijzen/", views.assign, name="assign"),
    path("<id:pk>/toewijzingen/<id:assignment_pk>/verwijderen/", views.unassign, name="unassign"),
    path("<id:pk>/starten/", views.start, name="start"),
    path("<id:pk>/werkruimte/", views.workspace, name="workspace"),
    path("<id:pk>/werkruimte/<str:theme_code>/", views.workspace, name="workspace_theme"),
    path("<id:pk>/bevindingen/<id:criterion_pk>/", views.save_finding, name="save_finding"),
    path("<id:pk>/bewijsverzoek/", views.ask_evidence, name="ask_evidence"),
    path("<id:pk>/rapport/", views.report, name="report"),
    path("correcties/<id:action_pk>/beoordelen/", views.verify_correction, name="verify_correction"),
    path("correcties/<id:action_pk>/termijn/", views.change_deadline, name="change_deadline"),
    path("correcties/<id:action_pk>/beantwoorden/", views.answer_correction, name="answer_correction"),
    path("aanvraag/<id:case_pk>/bevindingen/", views.case_findings, name="case_findings"),
]
