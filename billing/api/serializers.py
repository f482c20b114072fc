"""Input shapes of the billing API. Money arrives as text (or a JSON number) and is parsed by the services."""

from rest_framework import serializers

from billing.models import ExtraPrice
from workforce.models import TIER_CHOICES

TIERS = [t for t, _ in TIER_CHOICES]


class PriceIn(serializers.Serializer):
    """A price-book row (task_type + tier) or an extra price (kind); project_id null: the platform row."""

    task_type = serializers.CharField(max_length=20, required=False)
    tier = serializers.ChoiceField(choices=TIERS, required=False)
    kind = serializers.ChoiceField(choices=ExtraPrice.Kind.values, required=False)
    amount = serializers.CharField(max_length=40)
    project_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)

    def validate(self, attrs):
        if "kind" in attrs:
            if "task_type" in attrs or "tier" in attrs:
                raise serializers.ValidationError({"kind": "give kind (an extra price) or task_type and tier"})
            return attrs
        for name in ("task_type", "tier"):
            if name not in attrs:
                raise serializers.ValidationError({name: "this field is required (or give kind for an extra price)"})
        return attrs


class QuoteIn(serializers.Serializer):
    task_type = serializers.CharField(max_length=20)
    tier = serializers.ChoiceField(choices=TIERS, default="crowd")
    items = serializers.IntegerField(min_value=0)
    overlap_mode = serializers.ChoiceField(choices=["fixed", "adaptive"], default="fixed")
    overlap_k = serializers.IntegerField(default=3)
    overlap_min = serializers.IntegerField(default=2)
    overlap_max = serializers.IntegerField(default=5)
    gold_rate = serializers.FloatField(default=0.05)
    expected_prelabel_share = serializers.FloatField(default=0.0)
    expected_adjudication_share = serializers.FloatField(default=0.0)
    measured_overlap = serializers.FloatField(required=False, allow_null=True, default=None)
    prelabel_backend = serializers.ChoiceField(choices=["local", "llm"], default="local")
    project_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class BudgetIn(serializers.Serializer):
    limit = serializers.CharField(max_length=40, allow_null=True)
