from rest_framework import serializers

from tenants.models import ApiKey, Client
from tenants.scopes import API_KEY_SCOPES


class ProvisionClientIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=63)
    owner_email = serializers.EmailField()
    owner_password = serializers.CharField(required=False, write_only=True, min_length=10)


class ClientOut(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "slug", "schema_name", "is_active", "created_at"]


class ProvisionedClientOut(serializers.Serializer):
    client = ClientOut()
    owner_email = serializers.EmailField(source="owner.email")
    generated_password = serializers.CharField(allow_null=True)
    base_url = serializers.SerializerMethodField()

    def get_base_url(self, obj) -> str:
        return f"/t/{obj.client.slug}/"


class MembershipOut(serializers.Serializer):
    tenant = serializers.CharField(source="client.slug")
    tenant_name = serializers.CharField(source="client.name")
    role = serializers.CharField()


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    is_platform_admin = serializers.BooleanField()
    memberships = MembershipOut(many=True)


class TenantOut(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())


class ApiKeyIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=sorted(API_KEY_SCOPES)), allow_empty=False)


class ApiKeyOut(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]


class IssuedApiKeyOut(ApiKeyOut):
    key = serializers.CharField(help_text="The full key. Shown once: store it now.")

    class Meta(ApiKeyOut.Meta):
        fields = [*ApiKeyOut.Meta.fields, "key"]
