"""Migration operations shared by the apps' migrations."""

from __future__ import annotations

from django.db import migrations


class AddIndexOnPostgres(migrations.AddIndex):
    """An index that exists on PostgreSQL only (GIN: full-text, trigram); SQLite
    (make run) keeps the state but gets no index (its search uses icontains)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
