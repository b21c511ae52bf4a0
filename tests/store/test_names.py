"""Names compared the same way on SQLite and PostgreSQL, length-checked, old clashes kept apart by migration 0003."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from store_fixtures import postgres_fixture, url_fixture  # noqa: F401 - fixtures: each test on both databases
from store_workers import record

from kiosk.store import NAME_MAX_CHARS, Store, StoreNameError, name_key, name_matches, search_key


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("Åse Ødegård", "åse ødegård"),
        ("ÉLODIE", "élodie"),
        ("Žydrūnas", "ŽYDRŪNAS"),
        ("Ana  Maria", " ana maria "),
        ("Ｊｏｈａｎ", "johan"),  # full-width letters (NFKC)
        ("Straße", "STRASSE"),  # case folding, not lower()
        ("Åse", "A\u030ase"),  # Å precomposed and as A + combining ring
    ],
)
def test_the_same_name_written_differently_is_one_trainee_with_one_code(url, first, again) -> None:
    with Store(url) as store:
        one = store.save_take(record("t1", first, 1))
        two = store.save_take(record("t2", again, 2))
        assert one.trainee_code == two.trainee_code
        assert len(store.trainees()) == 1 and store.trainees()[0].name == " ".join(first.split())
        found = store.find_trainee(again.upper())
        assert found is not None and found.code == one.trainee_code
        assert {t.trainee for t in store.takes()} == {store.trainees()[0].name}


def test_different_names_stay_different_trainees(url) -> None:
    with Store(url) as store:
        codes = {store.save_take(record(f"t{i}", name, i)).trainee_code for i, name in enumerate(["Åse", "Ase", "Asé"])}
        assert len(codes) == 3


def test_names_too_long_for_the_database_are_refused_with_the_limit(url) -> None:
    longest = "Ž" * NAME_MAX_CHARS  # 80 characters, 160 bytes in UTF-8: fits the PostgreSQL column
    with Store(url) as store:
        assert store.save_take(record("t1", longest, 1)).trainee_code
        with pytest.raises(StoreNameError, match=f"at most {NAME_MAX_CHARS} characters \\(this one has 121\\)"):
            store.save_take(record("t2", "x" * 121, 2))
        with pytest.raises(StoreNameError, match="at most"):
            store.create_workshop("W" * 81)
        with pytest.raises(StoreNameError, match="at most"):
            store.create_workshop("Monday", ["Ana", "y" * 81])
        with pytest.raises(StoreNameError, match="control characters"):
            store.add_trainee("Ana\x00Bo")
        assert [t.uid for t in store.takes()] == ["t1"] and store.workshops() == []


def _database_of_schema_0002(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from kiosk.store.store import MIGRATIONS

    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        for code, name, day in (("ASE234", "Åse", 1), ("ASE567", "åse", 2), ("ASE789", "ÅSE ", 3), ("BOB234", "Bo", 4)):
            connection.execute(
                text("INSERT INTO trainees (name, code, created_at) VALUES (:name, :code, :created)"),
                {"name": name, "code": code, "created": f"2026-01-0{day} 10:00:00"},
            )
    engine.dispose()


def test_migration_0003_keeps_trainees_whose_names_clash_apart_and_sends_new_takes_to_the_oldest(url) -> None:
    # SQLite kept "Åse", "åse" and "ÅSE" as three trainees: the upgrade merges nothing.
    _database_of_schema_0002(url)
    with Store(url) as store:
        assert sorted(t.code for t in store.trainees()) == ["ASE234", "ASE567", "ASE789", "BOB234"]
        assert [t.code for t in store.name_clashes()] == ["ASE567", "ASE789"]
        assert store.find_trainee("åse").code == "ASE234"  # the oldest
        assert store.save_take(record("new", "ÅSE", 1)).trainee_code == "ASE234"
        for code in ("ASE567", "ASE789"):  # the others are still found by their code
            assert store.find_trainee(code).code == code
        with store.engine.connect() as connection:
            keys = dict(connection.exec_driver_sql("SELECT code, name_key FROM trainees").all())
        assert keys["ASE234"] == name_key("Åse") == "åse" and keys["BOB234"] == "bo"
        assert keys["ASE567"] == "åse\x1fASE567"


def test_two_kiosks_adding_the_same_new_names_at_once_make_one_trainee_of_each(url) -> None:
    import subprocess
    import sys
    from pathlib import Path

    workers = Path(__file__).resolve().parent / "store_workers.py"
    with Store(url):
        pass  # the schema first: this test races on the trainee, not the migration
    racers = [
        subprocess.Popen([sys.executable, str(workers), "same-names", url, who, "Žaneta Šimkutė"]) for who in ("a", "b")
    ]
    assert [r.wait(timeout=240) for r in racers] == [0, 0]
    with Store(url) as store:
        takes = store.takes()
        assert len(store.trainees()) == 20 and len(takes) == 2 * 20
        assert all(sum(t.trainee_code == code for t in takes) == 2 for code in {t.trainee_code for t in takes})


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("ana", "Ana Silva"),  # the first name, any case
        ("SILVA", "Ana Silva"),  # any part
        ("ase", "Åse Ødegård"),  # accents stripped
        ("odegard", "Åse Ødegård"),  # ø has no accent to strip: it is typed as o
        ("zydrunas", "Žydrūnas"),
        ("élodie", "Elodie Martin"),  # an accent typed and none stored
        ("ana  silva", "Ana Silva"),
        ("", "Bo"),  # an empty search finds everyone
    ],
)
def test_the_trainer_s_search_forgives_case_accents_and_finds_any_part(typed, name) -> None:
    assert name_matches(typed, name)


def test_the_trainer_s_search_is_not_fuzzy() -> None:
    assert search_key("Åse  Ødegård") == "ase odegard"
    assert not name_matches("anna", "Ana Silva") and not name_matches("silvia", "Ana Silva")


def test_the_trainer_finds_trainees_by_part_of_the_name_or_their_code(url) -> None:
    with Store(url) as store:
        codes = {
            n: store.save_take(record(f"t{i}", n, i)).trainee_code
            for i, n in enumerate(["Ana Silva", "Åse Ødegård", "Bo"])
        }
        assert [t.name for t in store.search_trainees("ana")] == ["Ana Silva"]
        assert [t.name for t in store.search_trainees("ase")] == ["Åse Ødegård"]
        assert [t.name for t in store.search_trainees(codes["Bo"].lower())] == ["Bo"]
        assert len(store.search_trainees(" ")) == 3
