"""The billing tick: one self-rescheduling chain that reports usage and suspends overdue tenants."""

import pytest

from billing import actors
from labelhub.redis import get_redis

pytestmark = pytest.mark.django_db


def test_one_tick_chain_runs_whoever_starts_it(monkeypatch):
    get_redis().delete("labelhub:billing-tick")
    ran, scheduled = [], []
    monkeypatch.setattr(actors.report_usage_actor, "fn", lambda: ran.append("report"))
    monkeypatch.setattr(actors.suspend_overdue_actor, "fn", lambda: ran.append("suspend"))
    monkeypatch.setattr(actors.billing_tick, "send_with_options", lambda **kw: scheduled.append(kw))
    actors.billing_tick.fn()
    actors.billing_tick.fn()  # a second worker starting meanwhile: no second chain
    assert ran == ["report", "suspend"] and scheduled == [{"delay": actors.TICK_SECONDS * 1000}]
    get_redis().delete("labelhub:billing-tick")
