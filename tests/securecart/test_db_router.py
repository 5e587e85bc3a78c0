"""The primary/replica router against the real streaming replica (127.0.0.1:5433).

The views below are this module's own URLconf: a catalog read, a catalog write and
the real cart services of shop/, so that what is asserted is routing, not page
caching. Replica lag is made real by pausing WAL replay on the standby.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connections, router, transaction
from django.http import HttpRequest, JsonResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path

from securecart import db_routers, health
from securecart.db_routers import routing_context
from securecart.replica import PIN_COOKIE
from shop.models import Category
from shop.selectors import cart_get_for_request
from shop.services import cart_get_or_create_for_request, cart_line_add
from tests.factories.shop import CategoryFactory, VariantFactory
from tests.services import free_port, wait_until


# --- views of this module's URLconf -------------------------------------------
def catalog_view(request: HttpRequest) -> JsonResponse:
    slugs = list(Category.objects.order_by("slug").values_list("slug", flat=True))
    return JsonResponse({"slugs": slugs})


def category_add_view(request: HttpRequest) -> JsonResponse:
    slug = request.POST["slug"]
    Category.objects.create(name=slug.title(), slug=slug)
    return catalog_view(request)  # read back in the same request


def cart_view(request: HttpRequest) -> JsonResponse:
    cart = cart_get_for_request(request)
    lines = (
        {} if cart is None else {ln.variant.sku: ln.quantity for ln in cart.lines.all()}
    )
    return JsonResponse({"lines": lines})


def cart_add_view(request: HttpRequest) -> JsonResponse:
    cart = cart_get_or_create_for_request(request)
    cart_line_add(cart=cart, sku=request.POST["sku"], quantity=int(request.POST["qty"]))
    return cart_view(request)


urlpatterns = [
    path("catalog/", catalog_view),
    path("catalog/add/", category_add_view),
    path("cart/", cart_view),
    path("cart/add/", cart_add_view),
    path("readyz", health.readyz),
]

pytestmark = [pytest.mark.urls(__name__)]
REPLICA_DB = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


# --- fixtures -------------------------------------------------------------------
@pytest.fixture
def replica_routing(settings) -> Iterator[None]:
    """Switch routing on (the test settings keep it off for the rest of the suite)."""
    settings.REPLICA_ROUTING_ENABLED = True
    settings.REPLICA_PIN_SECONDS = 30
    db_routers.reset_replica_health()
    yield
    db_routers.reset_replica_health()


def _raw_replica() -> psycopg.Connection:
    params = connections["replica"].get_connection_params()
    return psycopg.connect(**params, autocommit=True)


@contextlib.contextmanager
def replay_paused() -> Iterator[None]:
    """Pause WAL replay on the standby; always resume (others share the standby)."""
    with _raw_replica() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        try:
            wait_until(
                lambda: (
                    conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0]
                    == "paused"
                ),
                10,
                message="WAL replay to pause",
            )
            yield
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")


def replica_has(slug: str) -> bool:
    return Category.objects.using("replica").filter(slug=slug).exists()


def queries_on(captured: CaptureQueriesContext, table: str) -> int:
    return sum(table in query["sql"] for query in captured.captured_queries)


@pytest.fixture
def dead_replica(settings) -> Iterator[str]:
    """A replica alias at a closed port: a stopped replica, without stopping ours."""
    alias = "replica_down"
    conf = {**connections["replica"].settings_dict}
    conf["PORT"] = str(free_port())
    conf["OPTIONS"] = {k: v for k, v in conf["OPTIONS"].items() if k != "pool"}
    connections.settings[alias] = conf
    yield alias
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


# --- routing decisions ------------------------------------------------------------
@pytest.mark.replica
@REPLICA_DB
def test_reads_route_to_the_primary_in_transactions_tasks_and_outside_requests(
    settings, replica_routing
):
    # outside any request or opted-in task: the primary
    assert Category.objects.all().db == "default"
    with routing_context():
        # a request's plain read: the replica
        assert Category.objects.all().db == "replica"
        with transaction.atomic():
            assert Category.objects.all().db == "default"
        assert Category.objects.all().db == "replica"
    with routing_context() as state:
        # a row lock is a write intent: primary, and the context stays pinned
        assert Category.objects.select_for_update().db == "default"
        assert state.pinned
        assert Category.objects.all().db == "default"
    # the test settings' default: routing off, no opinion
    settings.REPLICA_ROUTING_ENABLED = False
    with routing_context():
        assert db_routers.PrimaryReplicaRouter().db_for_read(Category) is None
        assert Category.objects.all().db == "default"
    # writes and migrations: the primary only
    assert router.db_for_write(Category) == "default"
    assert router.allow_migrate("replica", "shop", model_name="category") is False
    assert router.allow_migrate("default", "shop", model_name="category") is True


@pytest.mark.replica
def test_celery_tasks_read_the_primary_unless_they_opt_in(replica_routing):
    from securecart.celery import app

    @app.task(name="tests.db_router.reads_from")
    def reads_from() -> str:
        return Category.objects.all().db

    @app.task(name="tests.db_router.reads_from_replica", replica_reads=True)
    def reads_from_replica() -> str:
        return Category.objects.all().db

    # run eagerly inside a request's routing context, as an eager task would be
    with routing_context():
        assert reads_from.apply().result == "default"
        assert reads_from_replica.apply().result == "replica"
        assert Category.objects.all().db == "replica"  # the request's state is back


# --- against the real standby ---------------------------------------------------------
@pytest.mark.replica
@REPLICA_DB
def test_anonymous_catalog_reads_hit_the_replica_and_log_why(
    client, replica_routing, caplog
):
    # given a category that has reached the standby
    CategoryFactory(slug="lamps")
    wait_until(lambda: replica_has("lamps"), 10, message="replication")
    # when an anonymous shopper browses
    caplog.set_level(logging.DEBUG, logger="securecart.db_routers")
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/catalog/")
    # then the catalog came from the replica, the primary saw no catalog query
    assert response.json() == {"slugs": ["lamps"]}
    assert queries_on(on_replica, "shop_category") == 1
    assert queries_on(on_primary, "shop_category") == 0
    assert PIN_COOKIE not in response.cookies
    assert any(
        "read shop.Category -> replica (chose replica among healthy replica)"
        in record.getMessage()
        for record in caplog.records
    )


@pytest.mark.replica
@REPLICA_DB
def test_a_write_pins_the_request_and_the_next_one_to_the_primary(
    client, replica_routing
):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        # when a staff member adds a category, the same request reads it back
        response = client.post("/catalog/add/", {"slug": "desks"})
        assert response.json() == {"slugs": ["desks"]}
        assert response.cookies[PIN_COOKIE]["max-age"] == 30
        # and so does their next request, within the pin window
        assert client.get("/catalog/").json() == {"slugs": ["desks"]}
    assert queries_on(on_replica, "shop_category") == 0


@pytest.mark.django_db
@pytest.mark.parametrize("routing, replicas", [(False, ["replica"]), (True, [])])
def test_a_write_signs_no_pin_cookie_where_reads_never_go_to_a_replica(
    client, settings, routing, replicas
):
    # given routing switched off, or on with no replica configured
    settings.REPLICA_ROUTING_ENABLED = routing
    settings.REPLICA_DATABASES = replicas
    # when a write is answered
    response = client.post("/catalog/add/", {"slug": "lamps"})
    # then it is, without a cookie pinning the client to a primary it reads anyway
    assert response.json() == {"slugs": ["lamps"]}
    assert PIN_COOKIE not in response.cookies


@pytest.mark.replica
@REPLICA_DB
def test_shopper_sees_own_cart_change_while_replica_lags_others_read_the_replica(
    client, replica_routing
):
    from django.test import Client

    variant = VariantFactory(sku="LAMP-1", stock_on_hand=5)
    wait_until(
        lambda: replica_has(variant.product.category.slug), 10, message="replication"
    )
    other = Client()
    with replay_paused():
        # given the standby no longer replays what the primary commits
        CategoryFactory(slug="new-arrivals")
        # when a shopper puts a lamp in the cart
        added = client.post("/cart/add/", {"sku": "LAMP-1", "qty": "2"})
        # then that request and the shopper's next ones see it (they read the primary)
        assert added.status_code == 200
        assert added.json() == {"lines": {"LAMP-1": 2}}
        assert client.get("/cart/").json() == {"lines": {"LAMP-1": 2}}
        assert "new-arrivals" in client.get("/catalog/").json()["slugs"]
        # while another shopper's catalog read is served by the (stale) replica
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            stale = other.get("/catalog/").json()["slugs"]
        assert "new-arrivals" not in stale
        assert queries_on(on_replica, "shop_category") == 1
    wait_until(
        lambda: "new-arrivals" in other.get("/catalog/").json()["slugs"],
        10,
        message="the replica to catch up after resume",
    )


@pytest.mark.replica
@REPLICA_DB
def test_pin_expires_after_the_window(client, replica_routing, settings):
    client.post("/catalog/add/", {"slug": "rugs"})
    wait_until(lambda: replica_has("rugs"), 10, message="replication")

    def read_from_replica() -> bool:
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            client.get("/catalog/")
        return queries_on(on_replica, "shop_category") == 1

    # pinned while the cookie's signed timestamp is younger than the window (30 s)
    assert not read_from_replica()
    # with a 1 s window the same cookie ages out and reads go back to the replica
    settings.REPLICA_PIN_SECONDS = 1
    wait_until(read_from_replica, 5, message="the pin to expire")


@pytest.mark.replica
@REPLICA_DB
def test_stopped_replica_pages_come_from_the_primary_and_readyz_degrades(
    client, replica_routing, settings, dead_replica, caplog
):
    CategoryFactory(slug="chairs")
    settings.REPLICA_DATABASES = [dead_replica]
    caplog.set_level(logging.WARNING, logger="securecart.db_routers")
    with CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get("/catalog/")
    assert response.status_code == 200
    assert response.json() == {"slugs": ["chairs"]}
    assert queries_on(on_primary, "shop_category") == 1
    assert any("no healthy read replica" in r.getMessage() for r in caplog.records)
    ready = client.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200, body
    assert body["checks"][f"database:{dead_replica}"]["status"] == "degraded"
    assert "OperationalError" in body["checks"][f"database:{dead_replica}"]["detail"]


@pytest.mark.replica
@REPLICA_DB
def test_reads_skip_a_stopped_replica_for_a_healthy_one(
    client, replica_routing, settings, dead_replica
):
    CategoryFactory(slug="sofas")
    wait_until(lambda: replica_has("sofas"), 10, message="replication")
    settings.REPLICA_DATABASES = [dead_replica, "replica"]
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        for _ in range(5):
            assert client.get("/catalog/").json() == {"slugs": ["sofas"]}
    assert queries_on(on_replica, "shop_category") == 5


@pytest.fixture
def replica_gone() -> Iterator[str]:
    """Point the real "replica" alias at a closed port for one test, then restore it."""
    conn = connections["replica"]
    conn.close()
    saved_port, saved_options = (
        conn.settings_dict["PORT"],
        conn.settings_dict["OPTIONS"],
    )
    conn.settings_dict["PORT"] = str(free_port())
    conn.settings_dict["OPTIONS"] = {
        k: v for k, v in saved_options.items() if k != "pool"
    }
    try:
        yield "replica"
    finally:
        conn.close()
        conn.settings_dict["PORT"], conn.settings_dict["OPTIONS"] = (
            saved_port,
            saved_options,
        )


@pytest.mark.replica
@REPLICA_DB
def test_replica_failing_mid_request_is_retried_on_the_primary(
    client, replica_routing, replica_gone
):
    # given a replica still believed healthy (its cached verdict is recent) that died
    CategoryFactory(slug="beds")
    db_routers._verdicts[replica_gone] = db_routers.Verdict(True, "stale", 1e12)
    # when a shopper browses, then the page is served from the primary, not a 500
    response = client.get("/catalog/")
    assert response.status_code == 200
    assert response.json() == {"slugs": ["beds"]}
    assert db_routers.replica_verdict(replica_gone).healthy is False
