"""The footer's pages, as flat pages staff edit in the admin (Flat pages)."""

from django.conf import settings
from django.db import migrations

PAGES = [
    (
        "/shipping/",
        "Shipping",
        "<p>We ship to addresses in the United States. Orders placed before 2 pm "
        "(Pacific) on a working day leave our warehouse the same day.</p>"
        "<ul><li>Standard (3–5 working days): free over $50, otherwise $5.</li>"
        "<li>Express (1–2 working days): $15.</li></ul>"
        "<p>You get an email with the tracking link as soon as your parcel ships.</p>",
    ),
    (
        "/returns/",
        "Returns",
        "<p>Changed your mind? Send unworn, unused items back within 30 days of "
        "delivery for a full refund to your original payment method.</p>"
        "<p>Start a return from your order page, or contact us with your order "
        "number. Refunds are made within 5 working days of the parcel reaching us. "
        "Faulty items are always returned at our cost.</p>",
    ),
    (
        "/contact/",
        "Contact",
        "<p>Questions about an order, a product or a return? Write to "
        "<a href=\"mailto:help@securecart.example\">help@securecart.example</a> "
        "with your order number; we answer within one working day.</p>"
        "<p>Customer service is open Monday to Friday, 9 am to 5 pm (Pacific).</p>",
    ),
    (
        "/terms/",
        "Terms and conditions",
        "<p>These terms apply to every order placed in this shop. Prices include "
        "the item only; shipping and any tax are shown before you pay. An order is "
        "accepted when we confirm the payment; we may cancel an order that we "
        "cannot fulfil and then refund it in full.</p>"
        "<p>Your statutory rights as a consumer are not affected.</p>",
    ),
]


def create_pages(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    db = schema_editor.connection.alias
    site_id = getattr(settings, "SITE_ID", 1)
    site, _ = Site.objects.using(db).get_or_create(
        pk=site_id, defaults={"domain": "example.com", "name": "SecureCart"}
    )
    for url, title, content in PAGES:
        page, created = FlatPage.objects.using(db).get_or_create(
            url=url, defaults={"title": title, "content": content}
        )
        if created:
            page.sites.add(site)


def remove_pages(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    db = schema_editor.connection.alias
    FlatPage.objects.using(db).filter(url__in=[url for url, _, _ in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0003_image_renditions"),
        ("sites", "0002_alter_domain_unique"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_pages, remove_pages)]
