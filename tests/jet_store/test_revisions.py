"""Opening a store whose schema is current needs no Alembic: the head revision is read from
the migration scripts (and is Alembic's), a database's revision from its version table
(as Alembic reads it), and Alembic is imported only to create, upgrade or refuse."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from jet_store import Store
from jet_store.migrate import alembic_config
from jet_store.revisions import VERSIONS_DIR, head_revision, read_revisions, stored_revision
from jet_store.store import normalise_url


def test_head_and_chain_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [head_revision()]
    chain = read_revisions(path.read_text() for path in VERSIONS_DIR.glob("*.py"))
    assert chain == {rev.revision: rev.down_revision for rev in script.walk_revisions()}


def test_stored_revision_reads_what_alembic_reads(db_url: str) -> None:
    engine = sa.create_engine(normalise_url(db_url))
    cfg = alembic_config()
    seen = []
    for step in ("empty", "0001", "head", "future"):
        with engine.begin() as conn:
            if step == "future":
                conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
            elif step != "empty":
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, step)
        with engine.connect() as conn:
            seen.append((stored_revision(conn), MigrationContext.configure(conn).get_current_revision()))
    engine.dispose()
    assert seen == [(None, None), ("0001", "0001"), (head_revision(),) * 2, ("9999_from_the_future",) * 2]


OPEN = """
import json, sys
from datetime import datetime, timezone
from jet_store import CutoutJob, Store
store = Store(sys.argv[1], upgrade=sys.argv[2] == "upgrade")
alembic = sorted(m for m in sys.modules if m.startswith("alembic"))
t0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)
job = CutoutJob(key=f"ssw:{sys.argv[2]}", backend="ssw", start_time=t0, end_time=t0,
                center_x=0.0, center_y=0.0, fov_x=120.0, fov_y=120.0, wavelengths=(304,))
store.add([job])
assert len(store.claim("cutouts", owner="me", state="new", key=job.key)) == 1
dialects = sorted(n for n in ("sqlite", "postgresql", "mysql") if f"sqlalchemy.dialects.{n}" in sys.modules)
print(json.dumps({"revision": store.revision, "alembic": alembic, "dialects": dialects}))
"""


def _open_in_child(url: str, upgrade: bool = False) -> dict[str, object]:
    cmd = [sys.executable, "-c", textwrap.dedent(OPEN), url, "upgrade" if upgrade else "open"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_opening_a_current_store_imports_no_alembic_nor_other_dialects(db_url: str) -> None:
    engine = sa.create_engine(normalise_url(db_url))
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    upgraded = _open_in_child(db_url, upgrade=True)  # an older schema: Alembic upgrades it
    assert upgraded["revision"] == head_revision() and upgraded["alembic"] != []
    current = _open_in_child(db_url)
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    # and writing to it (records, claims) imports only its own SQL dialect
    assert current == {"revision": head_revision(), "alembic": [], "dialects": [backend]}
    assert Store(db_url).revision == head_revision()
