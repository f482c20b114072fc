"""Seed a demo: platform admin, a client with owner/manager/viewer, vendors with annotators of every tier.

Idempotent: running it again changes nothing and prints the same logins.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from billing.services import seed_default_prices
from projects.demo import seed_demo_projects
from projects.demo_activity import simulate_demo_activity
from tenants.selectors import get_client
from tenants.services import add_member, provision_client
from workforce.models import TIER_CROWD, TIER_EXPERT, TIER_TRAINED, Vendor
from workforce.services import add_vendor_manager, enroll_annotator, ensure_vendor
from workforce.services.pay import seed_default_rates

User = get_user_model()
DEMO_PASSWORD = "labelhub-demo-pass"
DEMO_SLUG = "demo"


class Command(BaseCommand):
    help = "Create the demo tenant, users and workforce (idempotent)."

    def handle(self, *args, **options):
        logins = seed_people()
        client = get_client(slug=DEMO_SLUG)
        seed_demo_projects(client, self.stdout)
        simulate_demo_activity(client, self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Logins (password for all: {DEMO_PASSWORD}):"))
        for role, email in logins:
            self.stdout.write(f"  {role:<22} {email}")


@transaction.atomic
def seed_people() -> list[tuple[str, str]]:
    logins: list[tuple[str, str]] = []
    admin = User.objects.filter(email="admin@labelhub.test").first()
    if admin is None:
        admin = User.objects.create_user(
            username="admin@labelhub.test", email="admin@labelhub.test", password=DEMO_PASSWORD
        )
    admin.is_platform_admin = admin.is_staff = admin.is_superuser = True
    admin.save()
    logins.append(("platform admin", admin.email))

    client = get_client(slug=DEMO_SLUG)
    if client is None:
        client = provision_client(
            name="Demo Co", slug=DEMO_SLUG, owner_email="owner@demo.test", owner_password=DEMO_PASSWORD
        ).client
    logins.append(("client owner (demo)", "owner@demo.test"))
    for role in ("manager", "viewer"):
        email = f"{role}@demo.test"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            username=email, email=email, password=DEMO_PASSWORD
        )
        add_member(client=client, user=user, role=role)
        logins.append((f"client {role} (demo)", email))

    crowd = ensure_vendor(name="LabelHub Crowd", kind=Vendor.KIND_PLATFORM)
    team = ensure_vendor(name="Acme Annotation Services", kind=Vendor.KIND_MANAGED)
    for vendor, tier, n in [(crowd, TIER_CROWD, 3), (team, TIER_TRAINED, 2), (team, TIER_EXPERT, 1)]:
        for i in range(1, n + 1):
            email = f"{tier}{i}@{'crowd' if vendor is crowd else 'acme-annotation'}.test"
            enroll_annotator(
                email=email, vendor=vendor, tier=tier, password=DEMO_PASSWORD, is_reviewer=tier == TIER_EXPERT
            )
            logins.append((f"annotator ({tier})", email))
    add_vendor_manager(email="manager@acme-annotation.test", vendor=team, password=DEMO_PASSWORD)
    logins.append(("vendor manager", "manager@acme-annotation.test"))
    add_vendor_manager(email="manager@crowd.test", vendor=crowd, password=DEMO_PASSWORD)
    logins.append(("vendor manager (crowd)", "manager@crowd.test"))
    seed_default_rates()
    seed_default_prices()  # before the simulated work: its final labels and pre-labels are billed at these
    return logins
