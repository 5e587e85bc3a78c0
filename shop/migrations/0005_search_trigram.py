# Search (shop.search): pg_trgm for typo-tolerant names and SKU prefixes.
#
# pg_trgm is a trusted extension (PostgreSQL 13+): the owner of the database (the
# role that created it, as the test runner's role does for its test database) may
# create it without superuser rights. In production either the application role
# owns the database or an administrator runs `CREATE EXTENSION pg_trgm;` once
# before migrating (docs/deploy.md, "Migrations").

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from securecart.migration_operations import AddIndexOnPostgres


def _trigram(expression):
    return django.contrib.postgres.indexes.OpClass(expression, name="gin_trgm_ops")


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0004_footer_pages"),
    ]

    operations = [
        # CREATE EXTENSION IF NOT EXISTS; a no-op on other databases.
        TrigramExtension(),
        AddIndexOnPostgres(
            model_name="category",
            index=django.contrib.postgres.indexes.GinIndex(
                _trigram("name"), name="category_name_trgm"
            ),
        ),
        AddIndexOnPostgres(
            model_name="product",
            index=django.contrib.postgres.indexes.GinIndex(
                _trigram("name"), name="product_name_trgm"
            ),
        ),
        AddIndexOnPostgres(
            model_name="variant",
            index=django.contrib.postgres.indexes.GinIndex(
                _trigram(django.db.models.functions.text.Upper("sku")),
                name="variant_sku_upper_trgm",
            ),
        ),
    ]
