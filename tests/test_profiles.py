"""Practice profiles: the words, the date format and the equality rows a MARAC's pages use.

The UK profile is the install's default and changes nothing; the demo's Riverton High-Risk Team
chose the US-style profile, so its pages say "high-risk team" and "advocate", and write dates
month first. A broken profile file stops the app at start-up, naming the file and the problem.
"""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask

from conference import create_app
from conference.accounts.models import Marac, User
from conference.config import ConfigError
from conference.db import utcnow
from conference.demo.seed import DEMO_DOMAIN, seed_demo
from conference.extensions import db
from conference.profiles import PROFILES_DIR, profile_for
from conference.referrals.choices import Ethnicity, Gender, Sexuality
from conference.referrals.models import Case, Referral
from conference.reports import figures
from tests import factories
from tests.conftest import sign_in

UK = (PROFILES_DIR / "uk.toml").read_text()


def _start(folder: Path, **settings: object) -> None:
    create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "PROFILES_DIR": str(folder)}
        | settings,
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("[words]", "[wording]"), r"has no \[words\] table"),
        (
            lambda t: t.replace('advocate = "IDVA"', 'advocate = ""'),
            r"\[words\] needs a non-empty text 'advocate'",
        ),
        (lambda t: t + '\n[words]\nchair = "Chair"\n', r"not valid TOML"),
        (
            lambda t: t.replace('agency = "agency"', 'agency = "agency"\nchair = "Chair"'),
            r"\[words\] has 'chair', which no page uses",
        ),
        (
            lambda t: t.replace('default_risk_tool = "dash-24"', 'default_risk_tool = "dash-9"'),
            r"default_risk_tool 'dash-9' is not one of the risk tools \(dash-24",
        ),
        (
            lambda t: t.replace('"day month year"', '"year month day"'),
            r"date_format 'year month day' must be one of",
        ),
        (
            lambda t: t.replace('"aged_16_17"]', '"aged_16_17", "religion"]'),
            r"\[data_return\] equality rows must be different ones of .*, not 'religion'",
        ),
        (
            lambda t: t.replace('"male", ', '"male", "male", '),
            r"\[data_return\] equality rows must be different",
        ),
        (lambda t: t.replace('id = "uk"\n', ""), r"the file needs a non-empty text 'id'"),
        (
            lambda t: t.replace("per_10000 = 45.0", "per_10000 = 45.0\nreligion = 3.0"),
            r"\[data_return.national\] has 'religion': figures are named repeat",
        ),
        (
            lambda t: t.replace("male = 6.5", "male = 106.5"),
            r"\[data_return.national\] 'male' is a share in per cent: 100 at most",
        ),
        (
            lambda t: t.replace("repeat = 32.0", 'repeat = "32%"'),
            r"\[data_return.national\] needs 'repeat' as a number of 0 or more",
        ),
        (
            lambda t: t.replace('recommended_label = "SafeLives recommendation"', ""),
            r"\[data_return.national\] needs a non-empty text 'recommended_label'",
        ),
        (
            lambda t: t.replace('label = "National, year to June 2023"', ""),
            r"\[data_return.national\] needs a non-empty text 'label'",
        ),
    ],
)
def test_a_broken_profile_stops_the_app_naming_the_file_and_the_problem(tmp_path, change, problem):
    (tmp_path / "uk.toml").write_text(change(UK))
    with pytest.raises(ConfigError, match=rf"Practice profile refused: uk\.toml: {problem}"):
        _start(tmp_path)


def test_two_files_with_one_id_and_an_empty_folder_are_refused(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    with pytest.raises(ConfigError, match=r"profiles: no practice profile files \(\*\.toml\)"):
        _start(folder)
    (folder / "uk.toml").write_text(UK)
    (folder / "uk2.toml").write_text(UK)
    with pytest.raises(ConfigError, match="uk2.toml: another file already defines the profile"):
        _start(folder)


def test_the_install_must_choose_a_profile_that_exists():
    with pytest.raises(ConfigError, match="PRACTICE_PROFILE 'fr' is not one of the profiles"):
        _start(PROFILES_DIR, PRACTICE_PROFILE="fr")


def test_each_profile_writes_dates_its_own_way(app: Flask):
    day = date(2026, 11, 21)
    assert profile_for(None).format_date(day) == "21 November 2026"
    us = Marac(name="x", code="XX", profile_id="us")
    assert profile_for(us).format_date(day) == "November 21, 2026"
    assert profile_for(Marac(name="y", code="YY", profile_id="gone")).id == "uk"


def _seed() -> None:
    seed_demo(now=utcnow())


def _user(local: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == f"{local}@{DEMO_DOMAIN}"))


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


MONTH = "(January|February|March|April|May|June|July|August|September|October|November|December)"
US_DATE = re.compile(rf"\b{MONTH} \d{{1,2}}, \d{{4}}\b")
UK_DATE = re.compile(rf"\b\d{{1,2}} {MONTH} \d{{4}}\b")


def test_a_high_risk_team_s_pages_use_its_profile_s_words_and_dates(app: Flask, cached_world):
    cached_world("demo", _seed)
    team = db.session.scalar(sa.select(Marac).where(Marac.code == "RV"))
    assert (team.profile_id, team.timezone) == ("us", "America/Chicago")
    derek = db.session.scalar(sa.select(Referral).where(Referral.victim_given_name == "Derek"))
    lucia = db.session.scalar(sa.select(Referral).where(Referral.victim_given_name == "Lucia"))
    client = sign_in(app.test_client(), _user("riverton"))

    case = _text(client.get(f"/cases/{derek.case_id}"))
    assert "Victim advocate" in case and "Advocate (IDVA)" not in case
    assert US_DATE.search(case) and not UK_DATE.search(case)

    waiting = _text(client.get(f"/referrals/{lucia.id}"))
    assert "earlier high-risk team referral" in waiting or "high-risk team" in waiting
    assert US_DATE.search(waiting) and not UK_DATE.search(waiting)

    # The pages outside any one record speak as the team's, the coordinator's one MARAC.
    new = _text(client.get("/referrals/new"))
    assert "high-risk team" in new
    assert "MARAC" not in new.replace(app.config["APP_NAME"], ""), "the install's name only"


def test_a_marac_on_the_uk_profile_reads_as_before(app: Flask, cached_world):
    cached_world("demo", _seed)
    northbridge = db.session.scalar(sa.select(Marac).where(Marac.code == "NB"))
    assert northbridge.profile_id is None and profile_for(northbridge).id == "uk"
    case_id = db.session.scalar(
        sa.select(Case.id).where(Case.marac_id == northbridge.id, Case.advocate_id.is_not(None))
    )
    client = sign_in(app.test_client(), _user("coordinator"))
    case = _text(client.get(f"/cases/{case_id}"))
    assert "Advocate (IDVA)" in case and "Victim advocate" not in case
    assert UK_DATE.search(case) and not US_DATE.search(case)
    new = _text(client.get("/referrals/new"))
    assert "high-risk team" not in new and "MARAC" in new


def test_the_data_return_counts_the_equality_rows_of_the_marac_s_profile(app: Flask):
    man = SimpleNamespace(
        ethnicity=Ethnicity.WHITE,
        sexuality=Sexuality.HETEROSEXUAL,
        is_trans=None,
        disability=None,
        gender=Gender.MALE,
        is_aged_16_17=False,
        has_dob=True,
    )
    us = profile_for(Marac(name="z", code="ZZ", profile_id="us")).equality
    table = figures._equality_table([man], us, None)  # type: ignore[list-item]
    assert [row["label"] for row in table.rows] == [
        "Black, Asian or minoritised",
        "Disabled",
        "Male",
        "LGBT+",
    ]
    assert table.rows[2]["count"] == 1
    uk_profile = profile_for(None)
    uk = figures._equality_table([man], uk_profile.equality, uk_profile.national)  # type: ignore[list-item]
    assert [row["label"] for row in uk.rows][-1] == "Aged 16 or 17"
    assert uk.has_column("national") and not table.has_column("national")


def test_a_high_risk_team_s_figures_stand_alone_without_england_and_wales_comparisons(
    app: Flask, cached_world
):
    """A US-style team has no national dataset: its data return and steering figures show its
    own figures, with no England and Wales column, marker or recommended volume."""
    cached_world("demo", _seed)
    team = db.session.scalar(sa.select(Marac).where(Marac.code == "RV"))
    client = sign_in(app.test_client(), _user("riverton"))
    for url in (
        f"/reports/return?marac={team.id}",
        f"/reports/return/print?marac={team.id}",
        f"/reports/steering?marac={team.id}",
    ):
        page = _text(client.get(url))
        assert "How the high-risk team is working" in page or "steering" in url, url
        for word in ("National, year to June", "SafeLives", "England", "recommended", "MARAC"):
            assert word not in page.replace(app.config["APP_NAME"], ""), (url, word)

    northbridge = db.session.scalar(sa.select(Marac).where(Marac.code == "NB"))
    uk = _text(
        sign_in(app.test_client(), _user("coordinator")).get(
            f"/reports/return?marac={northbridge.id}"
        )
    )
    assert "National, year to June 2023" in uk and "SafeLives recommendation" in uk


def test_an_administrator_chooses_a_marac_s_profile(app: Flask, cached_world):
    cached_world("demo", _seed)
    admin = sign_in(app.test_client(), _user("admin"))
    eastmoor = db.session.scalar(sa.select(Marac).where(Marac.code == "EM"))
    form = admin.get(f"/admin/maracs/{eastmoor.id}/edit").text
    assert "Practice profile" in form and "High-risk team (United States)" in form


def _boxes(page: str, name: str) -> list[str]:
    """The labels of a date's three boxes, in the order the page shows them."""
    return re.findall(rf'for="{re.escape(name)}-(day|month|year)"', page)


def test_a_practice_that_writes_the_month_first_types_dates_month_first(app: Flask, client_as):
    """A US-style team's advocate sees the month box first and a month-first example; what she
    types is read as she typed it, kept as day, month and year, and shown back month first. A
    MARAC on the UK profile keeps the day first."""
    team = factories.make_marac(profile_id="us")
    advocate = client_as("advocate", marac=team)
    started = advocate.post("/referrals/new")
    referral = db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()
    page = advocate.get(started.headers["Location"]).text
    assert _boxes(page, "dob") == ["month", "day", "year"]

    sent = {
        "given_name": "Dana",
        "family_name": "Reyes",
        "dob_kind": "exact",
        "gender": "female",
        "is_trans": "no",
        "ethnicity": "white",
        "disability": "no",
        "sexuality": "heterosexual",
    }
    saved = advocate.post(
        f"/referrals/{referral.id}/steps/victim",
        data={**sent, "dob": ["11", "27", "1990"], "action": "save"},
    )
    assert saved.status_code in (200, 303), saved.status_code
    db.session.refresh(referral)
    assert referral.draft["victim"]["dob"] == ["27", "11", "1990"], "kept day first"
    again = advocate.get(f"/referrals/{referral.id}/steps/victim").text
    month, day = (
        re.search(rf'id="dob-{box}"[^>]*value="(\d+)"', again)
        or re.search(rf'value="(\d+)"[^>]*id="dob-{box}"', again)
        for box in ("month", "day")
    )
    assert month and day and (month.group(1), day.group(1)) == ("11", "27")

    # A date that is not real is refused with an example in the order of the boxes.
    refused = advocate.post(
        f"/referrals/{referral.id}/steps/victim",
        data={**sent, "dob": ["27", "11", "1990"], "action": "continue"},
    )
    assert refused.status_code == 422 and "must be a real date" in refused.text

    uk = client_as("advocate")
    uk.post("/referrals/new")
    uk_referral = db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()
    assert _boxes(uk.get(f"/referrals/{uk_referral.id}/steps/victim").text, "dob") == [
        "day",
        "month",
        "year",
    ]


def test_an_install_on_the_us_profile_speaks_of_high_risk_teams_in_its_administration(own_app):
    """The install's own pages (administration, a marac chooser) use the install's profile:
    an install that chose the US-style profile never says MARAC there."""
    app = own_app(PRACTICE_PROFILE="us")
    team = factories.make_marac(name="Lakeview Team", code="LV")
    admin = factories.make_user("admin")
    user = factories.make_user("advocate", marac=team)
    client = sign_in(app.test_client(), admin)
    pages = {
        "new team": _text(client.get("/admin/maracs/new")),
        "new agency": _text(client.get("/admin/agencies/new")),
        "user": _text(client.get(f"/admin/users/{user.id}")),
    }
    assert "Save high-risk team" in pages["new team"]
    assert "High-risk teams it sits on" in pages["new agency"]
    assert "Victim advocate" in pages["user"]
    refused = client.post(
        "/admin/maracs/new", data={"name": "Lakeview Team", "code": "LX", "timezone": "UTC"}
    )
    assert "A high-risk team with this name already exists" in _text_of(refused)
    pages["home"] = _text(client.get("/"))
    for name, page in pages.items():
        # The UK profile is offered by its own name ("MARAC (England and Wales)").
        words = page.replace(app.config["APP_NAME"], "").replace("MARAC (England and Wales)", "")
        assert "MARAC" not in words and "IDVA" not in words, name


def _text_of(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_times_are_shown_in_the_zone_of_the_marac_in_view(app: Flask):
    """A US team's pages give times in its own zone; a page about a UK MARAC, or about none,
    in UK time."""
    from datetime import UTC, datetime

    noon = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    template = app.jinja_env.from_string("{{ when | datetime }} / {{ when | time }}")
    chicago = Marac(name="c", code="CC", profile_id="us", timezone="America/Chicago")
    london = Marac(name="l", code="LL", timezone="Europe/London")
    with app.test_request_context():
        assert template.render(when=noon, marac=chicago) == "July 1, 2026, 7:00am / 7:00am"
        assert template.render(when=noon, marac=london) == "1 July 2026, 1:00pm / 1:00pm"
        assert template.render(when=noon) == "1 July 2026, 1:00pm / 1:00pm"


def test_every_date_of_the_referral_steps_is_turned_into_the_order_kept(monkeypatch):
    """Sent month first, each step's date (the checklist's, made per tool, included) is kept
    day first; nothing else is touched."""
    from werkzeug.datastructures import MultiDict

    from conference.referrals import forms

    monkeypatch.setattr(forms, "month_first", lambda: True)
    sent = MultiDict(
        [
            *[("completed_on", v) for v in ("3", "27", "2026")],
            *[("perpetrators-0-dob", v) for v in ("11", "2", "1979")],
            *[("q-1", v) for v in ("a", "b", "c")],
        ]
    )
    kept = forms.as_kept(sent)
    assert kept.getlist("completed_on") == ["27", "3", "2026"]
    assert kept.getlist("perpetrators-0-dob") == ["2", "11", "1979"]
    assert kept.getlist("q-1") == ["a", "b", "c"]
