"""The tests' own PostgreSQL tooling: a test database dropped on a shared server takes the
roles Primer made for it along (roles are the server's, not the database's)."""

from __future__ import annotations

import psycopg

from devtools.embedded_postgres import PostgresForTests
from tests.support.seeding import machines


def test_dropping_a_test_database_drops_the_roles_primer_made_for_it(
    postgres_server: PostgresForTests, tmp_path
) -> None:
    url = postgres_server.create_database("t_roles_go_with_the_database")
    machines(tmp_path, url)("ada").accounts().register("ada@example.org", "a long password")
    with psycopg.connect(url) as db:
        made = [row[0] for row in db.execute(
            "SELECT primer_account_role(id) FROM users"
            " UNION ALL SELECT primer_role('gate') UNION ALL SELECT primer_role('accounts')"
        )]  # fmt: skip
    assert len(made) == 3

    def existing() -> list[str]:
        with psycopg.connect(postgres_server.admin_url) as admin:
            return [row[0] for row in admin.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (made,))]  # fmt: skip

    assert sorted(existing()) == sorted(made)
    postgres_server.drop_database("t_roles_go_with_the_database")
    assert existing() == []
    postgres_server.drop_database("t_roles_go_with_the_database")  # (gone already: no error)
