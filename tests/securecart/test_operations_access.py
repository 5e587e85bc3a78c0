"""Operations data needs a named permission, not just the staff flag; metrics
labels stay bounded whatever method names a client invents."""

import pytest
from django.contrib.auth.models import Group
from prometheus_client import generate_latest

from orders.groups import ORDER_MANAGERS, order_managers_group_ensure
from securecart.observability import metrics
from shop.permissions import CATALOG_MANAGERS, catalog_managers_group_ensure
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/dashboard/"


def _bare_staff():
    return UserFactory(is_staff=True)


def test_staff_without_the_permission_sees_neither_dashboard_nor_metrics(client):
    client.force_login(_bare_staff())

    assert client.get(DASHBOARD).status_code == 403
    assert client.get("/metrics").status_code == 403
    index = client.get("/admin/").content.decode()
    assert DASHBOARD not in index


@pytest.mark.parametrize("group", [ORDER_MANAGERS, CATALOG_MANAGERS])
def test_the_managers_groups_carry_the_permission(client, group):
    order_managers_group_ensure()
    catalog_managers_group_ensure()
    staff = _bare_staff()
    staff.groups.add(Group.objects.get(name=group))
    client.force_login(staff)

    assert client.get(DASHBOARD).status_code == 200
    assert client.get("/metrics").status_code == 200
    assert DASHBOARD in client.get("/admin/").content.decode()


def test_invented_http_methods_share_one_metrics_label(client):
    for n in range(5):
        client.generic(f"X{n}PROBE", "/search/")

    text = generate_latest(metrics.REGISTRY).decode()

    assert 'method="X0PROBE"' not in text
    assert 'method="other"' in text
