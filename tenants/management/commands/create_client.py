from django.core.management.base import BaseCommand, CommandError

from labelhub.errors import DomainError
from tenants.services import provision_client


class Command(BaseCommand):
    help = "Create a client company (tenant schema, path /t/<slug>/) with its owner user."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", default=None, help="generated and printed when omitted")

    def handle(self, *args, name: str, slug: str, owner_email: str, owner_password: str | None, **options):
        try:
            result = provision_client(name=name, slug=slug, owner_email=owner_email, owner_password=owner_password)
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}") from None
        self.stdout.write(f"created tenant {result.client.slug} (schema {result.client.schema_name}) at /t/{slug}/")
        if result.generated_password:
            self.stdout.write(f"owner {result.owner.email} password: {result.generated_password}")
