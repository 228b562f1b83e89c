"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import json
import secrets

import pytest
import sqlalchemy as sa

from conference import create_app
from conference.extensions import db
from tests.conftest import _server_url
from tests.test_control_characters import unguarded


@pytest.fixture
def empty_database_url(tmp_path):
    server = _server_url()
    if server is None:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"conference_migrations_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_matches_the_models_and_downgrades_cleanly(empty_database_url):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output

    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "audit_events", "web_sessions", "job_runs"} <= tables
        with db.engine.connect() as conn:
            assert unguarded(conn) == {}, "a table's text lacks its control character trigger"
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_events (at, verb, origin, detail) "
                    "VALUES (CURRENT_TIMESTAMP, 'test.event', 'test', '{}')"
                )
            )
        for statement in ("DELETE FROM audit_events", "UPDATE audit_events SET verb = 'x'"):
            with db.engine.connect() as conn, pytest.raises(sa.exc.DatabaseError):
                conn.exec_driver_sql(statement)
        db.engine.dispose()

        # The check is able to fail: drift the schema and it notices.
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_job_runs_job")
        db.engine.dispose()
    assert runner.invoke(args=["db", "check"]).exit_code != 0
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_job_runs_job ON job_runs (job)")

    downgrade = runner.invoke(args=["db", "downgrade", "base"])
    assert downgrade.exit_code == 0, downgrade.output
    with app.app_context():
        db.engine.dispose()


def test_the_control_character_triggers_go_with_their_revision(empty_database_url):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    # One revision before the one that made the triggers, whatever comes after it.
    for args in (["db", "upgrade"], ["db", "downgrade", "c60b23e6555c-1"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            left = "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%control_characters'"
            function = "SELECT proname FROM pg_proc WHERE proname = 'refuse_control_characters'"
            assert conn.execute(sa.text(function)).all() == []
        else:
            left = "SELECT name FROM sqlite_master WHERE name LIKE '%control_characters%'"
        assert conn.execute(sa.text(left)).all() == []
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert unguarded(conn) == {}
        db.engine.dispose()


#: Paths notifications were stored with before they kept endpoints, and what each becomes.
OLD_LINKS = {
    "/referrals/12": ("referrals.detail", {"referral_id": 12}),
    "/cases/7": ("referrals.case", {"case_id": 7}),
    "/conferences/3/minutes": ("minutes.page", {"conference_id": 3}),
    "/conferences/3": ("conferences.agenda_page", {"conference_id": 3}),
    "/research/3": ("research.conference", {"conference_id": 3}),
    "/actions/": ("actions.index", {}),
    "/voice/": ("voice.index", {}),
    "/somewhere/gone": ("notifications.index", {}),
}


def test_stored_notification_paths_become_endpoints_and_back(empty_database_url):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    before = runner.invoke(args=["db", "upgrade", "cdfcd286e395"])
    assert before.exit_code == 0, before.output
    stamp = {"created_at": "2026-01-05 10:00:00", "updated_at": "2026-01-05 10:00:00"}
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO agencies (id, name, kind, contact_name, contact_email, "
                "contact_phone, is_active, created_at, updated_at) VALUES (1, 'Police', "
                "'police', '', '', '', true, :created_at, :updated_at)"
            ),
            stamp,
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, name, job_title, agency_id, is_active, "
                "failed_login_count, created_at, updated_at) VALUES (1, 'a@example.org', "
                "'A', '', 1, true, 0, :created_at, :updated_at)"
            ),
            stamp,
        )
        for n, link in enumerate(OLD_LINKS):
            conn.execute(
                sa.text(
                    "INSERT INTO notifications (recipient_id, kind, key, reference, link, "
                    "created_at) VALUES (1, 'referral.accepted', :key, '', :link, :created_at)"
                ),
                {"key": f"k{n}", "link": link, "created_at": stamp["created_at"]},
            )
    after = runner.invoke(args=["db", "upgrade"])
    assert after.exit_code == 0, after.output
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT key, endpoint, endpoint_args FROM notifications"))
        converted = {
            key: (endpoint, json.loads(args) if isinstance(args, str) else args)
            for key, endpoint, args in rows
        }
    assert converted == {f"k{n}": target for n, target in enumerate(OLD_LINKS.values())}

    back = runner.invoke(args=["db", "downgrade", "cdfcd286e395"])
    assert back.exit_code == 0, back.output
    with app.app_context(), db.engine.connect() as conn:
        links = dict(conn.execute(sa.text("SELECT key, link FROM notifications")).all())
    expected = {f"k{n}": link for n, link in enumerate(OLD_LINKS)}
    assert links == {**expected, f"k{len(OLD_LINKS) - 1}": "/notifications/"}
    with app.app_context():
        db.engine.dispose()


def test_second_factor_secrets_are_encrypted_and_decrypted_back(empty_database_url):
    from conference.accounts import two_factor

    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    before = runner.invoke(args=["db", "upgrade", "545aaf4e6a88"])
    assert before.exit_code == 0, before.output
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    stamp = {"created_at": "2026-01-05 10:00:00", "updated_at": "2026-01-05 10:00:00"}
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO agencies (id, name, kind, contact_name, contact_email, "
                "contact_phone, is_active, created_at, updated_at) VALUES (1, 'Police', "
                "'police', '', '', '', true, :created_at, :updated_at)"
            ),
            stamp,
        )
        for user_id, totp_secret in ((1, secret), (2, None)):
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, job_title, agency_id, is_active, "
                    "failed_login_count, totp_secret, created_at, updated_at) VALUES (:id, "
                    ":email, 'A', '', 1, true, 0, :secret, :created_at, :updated_at)"
                ),
                {"id": user_id, "email": f"u{user_id}@example.org", "secret": totp_secret} | stamp,
            )

    def stored(column: str = "totp_secret") -> dict:
        with app.app_context(), db.engine.connect() as conn:
            return dict(conn.execute(sa.text(f"SELECT id, {column} FROM users")).all())

    after = runner.invoke(args=["db", "upgrade"])
    assert after.exit_code == 0, after.output
    sealed = stored("totp_secret_sealed")
    assert sealed[2] is None and secret not in sealed[1]
    with app.app_context():
        assert two_factor.unseal(sealed[1]) == secret

    back = runner.invoke(args=["db", "downgrade", "545aaf4e6a88"])
    assert back.exit_code == 0, back.output
    assert stored() == {1: secret, 2: None}
    with app.app_context():
        db.engine.dispose()


def test_referrals_sent_before_the_lawful_basis_keep_their_consent_with_the_rest_not_recorded(
    empty_database_url,
):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    before = runner.invoke(args=["db", "upgrade", "6525e26559f2"])
    assert before.exit_code == 0, before.output
    stamp = {"at": "2026-01-05 10:00:00"}
    texts = (
        "victim_family_name, victim_aliases, victim_language, victim_address, victim_phone, "
        "contact_notes, who_she_fears, safe_contacts, unsafe_contacts, judgement_reasons, "
        "narrative, key_worker, exploitation_notes"
    )
    blanks = ", ".join("''" for _ in texts.split(","))
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO agencies (id, name, kind, contact_name, contact_email, "
                "contact_phone, is_active, created_at, updated_at) VALUES (1, 'Police', "
                "'police', '', '', '', true, :at, :at)"
            ),
            stamp,
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, name, job_title, agency_id, is_active, "
                "failed_login_count, created_at, updated_at) VALUES (1, 'a@example.org', "
                "'A', '', 1, true, 0, :at, :at)"
            ),
            stamp,
        )
        conn.execute(
            sa.text(
                "INSERT INTO maracs (id, name, code, timezone, requires_two_factor, is_active, "
                "risk_tool_id, created_at, updated_at) VALUES (1, 'M', 'MM', 'Europe/London', "
                "false, true, 'dash-24', :at, :at)"
            ),
            stamp,
        )
        for n, (aware, consent, reason) in enumerate(
            [(True, "given", ""), (False, "not_sought", "Not safe"), (True, None, "")], 1
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO referrals (id, marac_id, referrer_id, agency_id, status, "
                    "risk_tool_id, victim_given_name, needs_interpreter, "
                    "meets_visible_high_risk, meets_professional_judgement, meets_escalation, "
                    "is_repeat, has_possible_match, is_aged_16_17, victim_aware, consent, "
                    f"consent_reason, created_at, updated_at, {texts}) VALUES (:id, 1, 1, 1, "
                    "'draft', 'dash-24', 'V', false, false, false, false, false, false, false, "
                    f":aware, :consent, :reason, :at, :at, {blanks})"
                ),
                {"id": n, "aware": aware, "consent": consent, "reason": reason, **stamp},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO checklist_answers (referral_id, question_id, answer) "
                    "VALUES (:id, 'injury', 'yes')"
                ),
                {"id": n},
            )
    after = runner.invoke(args=["db", "upgrade"])
    assert after.exit_code == 0, after.output
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, consent, without_consent_reason, consent_authorised_by, "
                "consent_authoriser_role FROM referrals ORDER BY id"
            )
        ).all()
    # Whether each was shared with consent is what it said; why and who are not recorded.
    assert [tuple(r) for r in rows] == [
        (1, "given", None, "", ""),
        (2, "not_sought", None, "", ""),
        (3, None, None, "", ""),
    ]
    # Rebuilding the referrals table on SQLite deleted nothing that hangs off a referral.
    with app.app_context(), db.engine.connect() as conn:
        answers = conn.scalar(sa.text("SELECT count(*) FROM checklist_answers"))
    assert answers == 3
    back = runner.invoke(args=["db", "downgrade", "6525e26559f2"])
    assert back.exit_code == 0, back.output
    with app.app_context():
        db.engine.dispose()


def test_dates_of_birth_sent_before_their_kinds_are_kept_exact_and_ages_keep_their_day(
    empty_database_url,
):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    before = runner.invoke(args=["db", "upgrade", "0cf5f0698932"])
    assert before.exit_code == 0, before.output
    stamp = {"at": "2026-01-05 10:00:00"}
    texts = (
        "victim_family_name, victim_aliases, victim_language, victim_address, victim_phone, "
        "contact_notes, who_she_fears, safe_contacts, unsafe_contacts, judgement_reasons, "
        "consent_reason, narrative, key_worker, exploitation_notes"
    )
    blanks = ", ".join("''" for _ in texts.split(","))
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO agencies (id, name, kind, contact_name, contact_email, "
                "contact_phone, is_active, created_at, updated_at) VALUES (1, 'Police', "
                "'police', '', '', '', true, :at, :at)"
            ),
            stamp,
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, name, job_title, agency_id, is_active, "
                "failed_login_count, created_at, updated_at) VALUES (1, 'a@example.org', "
                "'A', '', 1, true, 0, :at, :at)"
            ),
            stamp,
        )
        conn.execute(
            sa.text(
                "INSERT INTO maracs (id, name, code, timezone, requires_two_factor, is_active, "
                "risk_tool_id, created_at, updated_at) VALUES (1, 'M', 'MM', 'Europe/London', "
                "false, true, 'dash-24', :at, :at)"
            ),
            stamp,
        )
        for n, dob in enumerate(["1990-03-14", None], 1):
            conn.execute(
                sa.text(
                    "INSERT INTO referrals (id, marac_id, referrer_id, agency_id, status, "
                    "risk_tool_id, victim_given_name, victim_dob, referred_on, submitted_at, "
                    "needs_interpreter, meets_visible_high_risk, meets_professional_judgement, "
                    "meets_escalation, is_repeat, has_possible_match, is_aged_16_17, "
                    f"created_at, updated_at, {texts}) VALUES (:id, 1, 1, 1, 'submitted', "
                    "'dash-24', 'V', :dob, '2026-01-05', :at, false, false, false, false, "
                    f"false, false, false, :at, :at, {blanks})"
                ),
                {"id": n, "dob": dob, **stamp},
            )
        for n, (dob, age) in enumerate([("1984-01-01", None), (None, 40), (None, None)], 1):
            conn.execute(
                sa.text(
                    "INSERT INTO referral_perpetrators (id, referral_id, position, given_name, "
                    "family_name, aliases, address, relationship, dob, approximate_age) "
                    "VALUES (:id, 1, :id, 'P', '', '', '', 'partner', :dob, :age)"
                ),
                {"id": n, "dob": dob, "age": age},
            )
    after = runner.invoke(args=["db", "upgrade"])
    assert after.exit_code == 0, after.output
    with app.app_context(), db.engine.connect() as conn:
        victims = conn.execute(
            sa.text(
                "SELECT id, victim_dob, victim_dob_kind, victim_born_from, victim_born_to "
                "FROM referrals ORDER BY id"
            )
        ).all()
        men = conn.execute(
            sa.text(
                "SELECT id, dob, approximate_age, dob_kind, born_from, born_to, age_on "
                "FROM referral_perpetrators ORDER BY id"
            )
        ).all()

    def iso(value):
        return None if value is None else str(value)[:10]

    assert [tuple(iso(v) if i else v for i, v in enumerate(r)) for r in victims] == [
        (1, "1990-03-14", "exact", "1990-03-14", "1990-03-14"),
        (2, None, None, None, None),
    ]
    assert [
        (
            r.id,
            iso(r.dob),
            r.approximate_age,
            r.dob_kind,
            iso(r.born_from),
            iso(r.born_to),
            iso(r.age_on),
        )
        for r in men
    ] == [
        (1, "1984-01-01", None, "exact", "1984-01-01", "1984-01-01", None),
        # About 40 on 5 January 2026: 39 to 41 that day.
        (2, None, 40, "age", "1984-01-06", "1987-01-05", "2026-01-05"),
        (3, None, None, None, None, None, None),
    ]
    back = runner.invoke(args=["db", "downgrade", "0cf5f0698932"])
    assert back.exit_code == 0, back.output
    with app.app_context():
        db.engine.dispose()
