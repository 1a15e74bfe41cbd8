"""Demo data for trying the product: run once or many times, it only adds what is missing."""
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from audits import rules as audit_rules
from audits import services as audit_services
from audits.models import Auditor, CertificationBody, Classification
from certification import services
from certification.models import Criterion
from certification.services import AnswerInput
from decisions import services as decision_services
from decisions.models import Decision, Outcome
from organisations import roles
from organisations import services as org_services
from organisations.actors import SystemActor
from organisations.models import Membership, Organisation, Sector, User

PASSWORD = "Warm-Demo-2026"
DEMO = SystemActor("demo")  # hands out the foundation roles, in the log under this name

FOUNDATION = [
    ("secretariaat@warmincasseren.test", "Sanne de Vries", [roles.SECRETARIAT], True),
    ("bestuur1@warmincasseren.test", "Pieter Bakker", [roles.BOARD], False),
    ("bestuur2@warmincasseren.test", "Fatima El Amrani", [roles.BOARD], False),
    ("bezwaar@warmincasseren.test", "Joost Mulder", [roles.OBJECTION_COMMITTEE], False),
]
BODIES = [
    ("Keurmerk Certificering B.V.", [
        ("auditor1@keurcert.test", "Anouk Visser", []),
        ("auditor2@keurcert.test", "Bram Jansen", [Sector.ENERGY, Sector.WATER, Sector.HOUSING]),
    ]),
    ("Audit Partners Nederland", [
        ("auditor3@auditpartners.test", "Chantal Smit", [Sector.BANK, Sector.INSURER, Sector.HEALTH_INSURER]),
    ]),
]
# name, kvk, sector, admin, member, what to do with the case
ORGANISATIONS = [
    ("Webwinkel Zonnig", "10000001", Sector.WEBSHOP, "admin@zonnig.test", "collega@zonnig.test", "partial"),
    ("Energie Noord", "10000002", Sector.ENERGY, "admin@energienoord.test", "collega@energienoord.test", "submitted"),
    ("Waterbedrijf Delta", "10000003", Sector.WATER, "admin@delta.test", "collega@delta.test", "returned"),
    ("Woonstichting Thuis", "10000004", Sector.HOUSING, "admin@thuis.test", "collega@thuis.test", "admitted"),
    ("Gemeente Rivierstad", "10000005", Sector.GOVERNMENT, "admin@rivierstad.test", "collega@rivierstad.test", "not_admitted"),
    ("Zorgverzekeraar Samen", "10000006", Sector.HEALTH_INSURER, "admin@samen.test", "collega@samen.test",
     "corrective_actions"),
    # The decision journey (issue 10). Incasso Eerlijk is the first certificate of the year.
    ("Incasso Eerlijk", "10000007", Sector.COLLECTION_AGENCY, "admin@eerlijk.test", "collega@eerlijk.test",
     "certified"),
    ("Bank Voorbeeld", "10000008", Sector.BANK, "admin@voorbeeld.test", "collega@voorbeeld.test", "awaiting_decision"),
    ("Verzekeraar Plus", "10000009", Sector.INSURER, "admin@plus.test", "collega@plus.test", "refused"),
    ("Woonbedrijf Oost", "10000010", Sector.HOUSING, "admin@oost.test", "collega@oost.test", "suspended_objection"),
]
DECISION_PLANS = ("certified", "awaiting_decision", "refused", "suspended_objection")
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _user(email, name, staff=False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, full_name=name, is_staff=staff)
    return user


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print a demo login for every role."

    def handle(self, *args, **options):
        # Demo e-mails are not worth printing; they stay visible in the outbox (admin).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self.load()
        self.print_logins()

    @transaction.atomic
    def load(self):
        secretariat = None
        for email, name, groups, staff in FOUNDATION:
            user = _user(email, name, staff)
            org_services.change_foundation_roles(user=user, roles=groups, actor=DEMO)
            secretariat = secretariat or user
        for body_name, auditors in BODIES:
            body, _ = CertificationBody.objects.get_or_create(name=body_name)
            for email, name, sectors in auditors:
                user = _user(email, name)
                org_services.change_foundation_roles(user=user, roles=[roles.AUDITORS], actor=DEMO)
                Auditor.objects.get_or_create(user=user, defaults={
                    "body": body, "qualified_from": date(2025, 1, 1), "qualified_until": date(2028, 12, 31),
                    "sectors": [str(s) for s in sectors],
                })
        for name, kvk, sector, admin_email, member_email, plan in ORGANISATIONS:
            if Organisation.objects.filter(kvk_number=kvk).exists():
                continue
            signup = org_services.register_organisation(
                email=admin_email, full_name=f"Admin {name}", password=PASSWORD,
                organisation_name=name, kvk_number=kvk, sector=sector,
            )
            # As if the admin used the link in the sign-up e-mail.
            admin = org_services.activate_signup(user=signup.user, actor=DEMO)
            organisation = signup.organisation
            org_services.add_location(organisation=organisation, actor=admin, name="Hoofdkantoor",
                                      address="Stationsplein 1", city="Utrecht", is_head_office=True)
            member = None
            if member_email:
                _invitation, token = org_services.invite_member(
                    organisation=organisation, actor=admin, email=member_email, role=Membership.Role.MEMBER)
                member = org_services.accept_invitation(
                    token=token, full_name=f"Collega {name}", password=PASSWORD).user
            if plan != "none":
                self._case(organisation, admin, member, secretariat, plan)

    def _case(self, organisation, admin, member, secretariat, plan):
        case = services.start_case(organisation=organisation, actor=admin)
        criteria = list(Criterion.objects.filter(version=case.scheme_version).order_by("position"))
        if plan == "partial":
            criteria = criteria[:17]
        for i, criterion in enumerate(criteria):
            writer, reviewer = (admin, member) if i % 2 == 0 else (member, admin)
            services.save_answer(case=case, criterion=criterion, actor=writer, data=AnswerInput(
                current_score=Decimal("5.5") + Decimal(i % 4) / 2, ambition_score=Decimal("8"),
                explanation="Wij werken met een vast stappenplan en bellen klanten met een achterstand zelf op.",
            ))
            if plan != "partial" or i < 10:
                services.review_answer(answer=case.answers.get(criterion=criterion), actor=reviewer)
        services.upload_evidence(
            case=case, actor=admin, criteria=criteria[:3], description="Incassobeleid 2026",
            uploaded_file=SimpleUploadedFile("incassobeleid.pdf", DEMO_PDF, content_type="application/pdf"),
        )
        if plan == "partial":
            return
        services.sign_declaration(case=case, actor=admin, function="Directeur")
        services.submit_case(case=case, actor=admin)
        if plan == "returned":
            services.return_case_for_completion(
                case=case, actor=secretariat,
                remarks="Voeg bij 2.2 (Kosten voor de klant) uw actuele tarieventabel toe.")
        elif plan == "admitted":
            services.admit_case(case=case, actor=secretariat)
            self._audit(case, secretariat, "auditor2@keurcert.test", ["auditor1@keurcert.test"], finish=False)
        elif plan == "corrective_actions":
            services.admit_case(case=case, actor=secretariat)
            self._audit(case, secretariat, "auditor3@auditpartners.test", [], finish=True)
        elif plan in DECISION_PLANS:
            services.admit_case(case=case, actor=secretariat)
            lead = {Sector.BANK: "auditor3@auditpartners.test", Sector.INSURER: "auditor3@auditpartners.test",
                    Sector.HOUSING: "auditor2@keurcert.test"}.get(organisation.sector, "auditor1@keurcert.test")
            self._clean_audit(case, secretariat, lead, below_minimum=plan == "refused")
            self._decide(case, secretariat, admin, plan)
        elif plan == "not_admitted":
            services.not_admit_case(
                case=case, actor=secretariat,
                reason="De organisatie int niet zelf bij consumenten; het keurmerk is niet van toepassing.")

    def _audit(self, case, secretariat, lead_email, co_emails, *, finish: bool):
        """Plan an audit; with ``finish`` also run it and submit a report with two non-conformities."""
        lead = Auditor.objects.get(user__email=lead_email)
        co = list(Auditor.objects.filter(user__email__in=co_emails))
        first_day = timezone.localdate() + timedelta(days=35)
        if first_day.isoweekday() > 5:  # not in the weekend
            first_day += timedelta(days=8 - first_day.isoweekday())
        audit = audit_services.plan_audit(
            case=case, actor=secretariat, lead=lead, co_auditors=co, first_day=first_day, last_day=None,
            locations=audit_rules.propose_locations(case.organisation),
        )
        for assignment in audit.assignments.select_related("auditor__user"):
            audit_services.declare_independence(assignment=assignment, actor=assignment.auditor.user)
        if not finish:
            return
        # The demo runs the audit as on its first day (it cannot start before).
        audit_services.start_audit(audit=audit, actor=lead.user, today=audit.first_day)
        evidence = list(case.evidence.all())
        for criterion in Criterion.objects.filter(version=case.scheme_version).order_by("position"):
            classification = {"2.2": Classification.MAJOR, "4.4": Classification.MINOR}.get(
                criterion.code, Classification.CONFORM)
            audit_services.record_finding(
                audit=audit, actor=lead.user, criterion=criterion,
                verified_score=Decimal("4") if classification == Classification.MAJOR else Decimal("6"),
                classification=classification, evidence=evidence[:1] if criterion.code == "1.1" else [],
                examined="Beleidsdocumenten ingezien en twee medewerkers klantcontact gesproken.",
            )
        audit_services.submit_report(
            audit=audit, actor=lead.user, advice="conditional",
            summary="Goede basis. De kosten voor de klant en de brieven moeten beter.",
            interviews="2 medewerkers klantcontact, 1 teamleider",
        )

    def _clean_audit(self, case, secretariat, lead_email, *, below_minimum: bool):
        """Plan, run and report an audit without non-conformities: the case goes to the board. With
        ``below_minimum`` one criterion scores below the minimum (a negative recommendation)."""
        lead = Auditor.objects.get(user__email=lead_email)
        first_day = timezone.localdate() + timedelta(days=35)
        if first_day.isoweekday() > 5:
            first_day += timedelta(days=8 - first_day.isoweekday())
        audit = audit_services.plan_audit(case=case, actor=secretariat, lead=lead, co_auditors=[],
                                          first_day=first_day, last_day=None,
                                          locations=audit_rules.propose_locations(case.organisation))
        for assignment in audit.assignments.select_related("auditor__user"):
            audit_services.declare_independence(assignment=assignment, actor=assignment.auditor.user)
        audit_services.start_audit(audit=audit, actor=lead.user, today=audit.first_day)
        for criterion in Criterion.objects.filter(version=case.scheme_version).order_by("position"):
            low = below_minimum and criterion.code == "2.2"
            audit_services.record_finding(
                audit=audit, actor=lead.user, criterion=criterion, verified_score=Decimal("4" if low else "7"),
                classification=Classification.OBSERVATION if low else Classification.CONFORM, evidence=[],
                examined="Beleid, tien dossiers en de brieven aan klanten bekeken; twee medewerkers gesproken.",
            )
        audit_services.submit_report(
            audit=audit, actor=lead.user, advice="negative" if below_minimum else "positive",
            summary="De kosten voor de klant liggen te hoog." if below_minimum else
            "Een zorgvuldige, mensgerichte werkwijze die in de dossiers terug te zien is.",
            interviews="2 medewerkers klantcontact, 1 teamleider",
        )

    def _decide(self, case, secretariat, admin, plan):
        """The board's votes (bestuur1, bestuur2) and what follows, as people would do them."""
        board = [User.objects.get(email=e) for e in ("bestuur1@warmincasseren.test", "bestuur2@warmincasseren.test")]
        decision = Decision.objects.get(case=case, state=Decision.State.OPEN)
        if plan == "refused":
            for member in board:
                decision_services.cast_vote(decision=decision, actor=member, outcome=Outcome.REFUSE,
                                            motivation="De kosten voor de klant (2.2) liggen onder de norm.")
            return
        first = "Het dossier is op orde en de auditor adviseert positief."
        decision_services.cast_vote(decision=decision, actor=board[0], outcome=Outcome.GRANT, motivation=first)
        if plan == "awaiting_decision":
            return  # bestuur2's vote is missing
        decision_services.cast_vote(decision=decision, actor=board[1], outcome=Outcome.GRANT, motivation="Eens.")
        if plan == "suspended_objection":
            certificate = case.certificate
            proposal = decision_services.propose(
                certificate=certificate, kind=Decision.Kind.SUSPEND, actor=secretariat, public_reason="norm_not_met",
                reason="Drie gegronde klachten over huisbezoeken zonder afspraak.")
            for member in board:
                decision_services.cast_vote(decision=proposal, actor=member, outcome=Outcome.SUSPEND,
                                            motivation="De klachten zijn gegrond; herstel is nodig.")
            decision_services.lodge_objection(
                decision=Decision.objects.get(pk=proposal.pk), actor=admin,
                grounds="De huisbezoeken waren afgesproken; wij sturen de belverslagen mee.")

    def print_logins(self):
        w = self.stdout.write
        w("")
        w(self.style.SUCCESS(f"Demo logins (password for all: {PASSWORD})"))
        rows = [
            ("secretariat", "secretariaat@warmincasseren.test"),
            ("board member", "bestuur1@warmincasseren.test, bestuur2@warmincasseren.test"),
            ("objection committee", "bezwaar@warmincasseren.test"),
            ("auditor", "auditor1@keurcert.test, auditor2@keurcert.test, auditor3@auditpartners.test"),
        ]
        for name, _kvk, _sector, admin_email, member_email, plan in ORGANISATIONS:
            rows.append((f"applicant admin ({name}, {plan})", admin_email))
            if member_email:
                rows.append((f"applicant member ({name})", member_email))
        for role, emails in rows:
            w(f"  {role:<50} {emails}")
        w("")
