"""Ingest FITS header records into the store: jet_store vs the seed's peewee key/value table.

Workload (BENCHMARKS.md): "ingest 100,000 FITS header records into the store", target
>= 20x the seed's throughput. A second row times reading the records back.

Anchor: the seed (kapsiak/Solar_Zooniverse_Processor) kept each FITS file as a row of
``Fits_File`` and its header as one row per card in ``Fits_Header_Elem``, a "union"
column table (type name, format, and one of string/datetime/integer/float filled in).
Its ``extract_fits_data`` walked the header card by card: ask whether this file already
has the key (a SELECT), then ``save()`` a new element (an INSERT), every statement in
its own autocommit transaction, on SQLite with WAL and ``synchronous=0``; then it set
``image_time`` from DATE-OBS and saved the file row again. Reading a header back was
``{x.key: x.value for x in fits_file.fits_keys}``: one query per file. This module
re-creates that model and insert pattern with peewee (our own code, same shape).

Ours: ``jet_store.Store(path).add(frames)`` with :class:`jet_store.FitsFrame` records
(WCS keys in columns, the whole header as one JSON value), one transaction, batched
multi-row INSERTs; read back with ``Store.stream``.

Both sides start from the same parsed headers (what ``sunpy.map.Map(path).meta`` gives:
a dict of card -> value per file) and are timed from there to committed rows, so the
anchor pays for building its model objects and ours for building FitsFrame records.
The anchor manages some 20 records/s here, so 100,000 records would take over an hour per
round; by default it runs on the first 1,000 (``--anchor-records``) and the two are
compared in records/s, which for row-by-row inserts barely depends on the count (each
statement's cost is Python query building; the B-tree depth grows with the log of rows).

Run ``python benchmarks/store_ingest.py --help`` (or ``hatch run bench:store``).
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common, when imported from elsewhere

from _common import (
    Result,
    alternate,
    common_parser,
    file_size,
    human_bytes,
    report,
    skip,
)

#: the workload names of BENCHMARKS.md (at the default size)
WORKLOAD_INGEST = "ingest {n:,} FITS header records into the store"
WORKLOAD_READ = "read {n:,} FITS header records back from the store"
ANCHOR_INGEST = "seed: peewee, one row per header card, SELECT-exists + INSERT per card, autocommit"
ANCHOR_READ = "seed: peewee get_header_as_dict per file (one query per file, one object per card)"
TARGET_RATIO = 20.0

#: records per round; the anchor on a subset unless told otherwise (see module docstring)
DEFAULT_RECORDS = 100_000
DEFAULT_ANCHOR_RECORDS = 1_000
QUICK_RECORDS = 300
QUICK_ANCHOR_RECORDS = 60

#: the seed's SQLite settings (solar/database/database.py): WAL, 64 MB cache, no fsync
SEED_PRAGMAS = {
    "journal_mode": "wal",
    "cache_size": -1 * 64000,
    "foreign_keys": 1,
    "ignore_check_constraints": 0,
    "synchronous": 0,
}
#: the seed stored this strptime format with every header card
SEED_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"

# -- input data: realistic AIA level-1.5 cutout headers ---------------------------------

#: cards that are the same in every file of this benchmark (values as sunpy's Map.meta
#: gives them: str, int, float, bool); per-file cards are filled in by _header()
_AIA_CONSTANT: dict[str, Any] = {
    "SIMPLE": True,
    "BITPIX": -32,
    "NAXIS": 2,
    "EXTEND": True,
    "BLD_VERS": "V5R12X",
    "LVL_NUM": 1.5,
    "TRECSTEP": 1.0,
    "TRECEPOC": "1993.01.01_00:00:00_TAI",
    "TRECROUN": 1,
    "ORIGIN": "SDO/JSOC-SDP",
    "TELESCOP": "SDO/AIA",
    "INSTRUME": "AIA_4",
    "CAMERA": 4,
    "IMG_TYPE": "LIGHT",
    "EXPSDEV": 0.000184,
    "INT_TIME": 2.273438,
    "WAVEUNIT": "angstrom",
    "FID": 0,
    "QUALLEV0": 0,
    "QUALITY": 0,
    "MISSVALS": 0,
    "PERCENTD": 100.0,
    "FLAT_REC": "aia.flatfield[:#7]",
    "CTYPE1": "HPLN-TAN",
    "CUNIT1": "arcsec",
    "CDELT1": 0.599489,
    "CTYPE2": "HPLT-TAN",
    "CUNIT2": "arcsec",
    "CDELT2": 0.599489,
    "CROTA2": 0.0,
    "MPO_REC": "sdo.master_pointing[:#116]",
    "INST_ROT": 0.0,
    "IMSCL_MP": 0.599489,
    "X0_MP": 2052.73,
    "Y0_MP": 2046.47,
    "ASD_REC": "sdo.lev0_asd_0004[:#21349587]",
    "ACS_MODE": "SCIENCE",
    "ACS_ECLP": "NO",
    "ACS_SUNP": "YES",
    "ACS_SAFE": "NO",
    "ACS_CGT": "GT3",
    "DSUN_REF": 149597870691.0,
    "RSUN_REF": 696000000.0,
    "PIXLUNIT": "DN/s",
    "DN_GAIN": 18.0,
    "EFF_AREA": 0.00355,
    "ISPSNAME": "aia.lev0_isp_0011",
    "AECDELAY": 1536,
    "AIFCPS": 10,
    "AIMGTYPE": 0,
    "AIAWVLEN": 7,
    "COMMENT": "FITS (Flexible Image Transport System) format is defined in 'Astronomy and Astrophysics', "
    "volume 376, page 359; bibcode: 2001A&A...376..359H",
    "HISTORY": "aia_prep: 2010-06-22 level 1.0 to 1.5 (registration, rotation, plate scale 0.6 arcsec)",
}

_WAVE_STR = {171: "171_THIN", 193: "193_THIN", 211: "211_THIN", 304: "304_THIN", 335: "335_THIN"}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One downloaded cutout file as a stage sees it before storing: where, what, header."""

    url: str
    job_key: str
    event_id: str
    path: str
    size_bytes: int
    sha256: str
    header: dict[str, Any]


def make_sources(n: int, seed: int = 20100620) -> list[SourceFile]:
    """``n`` cutout files with realistic, varying AIA level-1.5 headers (~100 cards each).

    Files come in events of 150 frames (a 30 min cutout at 12 s cadence) with the same
    pointing, wavelength and job, as the SSW cutout service delivers them.
    """
    rng = random.Random(seed)
    sources: list[SourceFile] = []
    start = datetime(2010, 6, 1, tzinfo=UTC)
    for i in range(n):
        event_no, frame_no = divmod(i, 150)
        if frame_no == 0:
            event_start = start + timedelta(hours=7 * event_no + rng.random())
            wavelength = rng.choice((304, 304, 171, 193, 211, 335))
            xcen, ycen = rng.uniform(-950, 950), rng.uniform(-950, 950)
            naxis1, naxis2 = rng.choice(((600, 500), (500, 500), (800, 600)))
            job = f"ssw_service_{event_start:%y%m%d_%H%M%S}_{rng.randrange(10**5):05d}"
            event_id = f"ivo://helio-informatics.org/CJ_SSWJet_{event_start:%Y%m%d_%H%M%S}_{event_no}"
        obs = event_start + timedelta(seconds=12 * frame_no + rng.uniform(0, 0.2))
        header = _header(rng, obs, wavelength, xcen, ycen, naxis1, naxis2, fsn=6_000_000 + 8 * i)
        name = f"ssw_cutout_{obs:%Y%m%d_%H%M%S}_aia_{wavelength}_.fts"
        sources.append(
            SourceFile(
                url=f"https://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data/{job}/{name}",
                job_key=job,
                event_id=event_id,
                path=f"jet-hunter-data/fits/{job}/{name}",
                size_bytes=naxis1 * naxis2 * 4 + 2880 * 5,
                sha256=f"{rng.getrandbits(256):064x}",
                header=header,
            )
        )
    return sources


def _header(
    rng: random.Random,
    obs: datetime,
    wavelength: int,
    xcen: float,
    ycen: float,
    naxis1: int,
    naxis2: int,
    fsn: int,
) -> dict[str, Any]:
    dsun = 1.5205e11 + rng.uniform(-2e8, 2e8)
    rsun_obs = 696000000.0 / dsun * 206264.806
    t_obs = obs + timedelta(seconds=1.0)
    header = dict(_AIA_CONSTANT)
    header.update(
        {
            "NAXIS1": naxis1,
            "NAXIS2": naxis2,
            "T_REC": f"{t_obs:%Y-%m-%dT%H:%M:%S}Z",
            "DATE": f"{obs + timedelta(days=2, hours=rng.randrange(24)):%Y-%m-%dT%H:%M:%S}",
            "DATE-OBS": f"{obs:%Y-%m-%dT%H:%M:%S.%f}"[:-4],
            "T_OBS": f"{t_obs:%Y-%m-%dT%H:%M:%S.%f}"[:-4] + "Z",
            "EXPTIME": round(2.0 + rng.uniform(-0.01, 0.01), 6),
            "WAVELNTH": wavelength,
            "WAVE_STR": _WAVE_STR[wavelength],
            "FSN": fsn,
            "ASQFSN": fsn,
            "AIAHFSN": fsn - 1,
            "TOTVALS": naxis1 * naxis2,
            "DATAVALS": naxis1 * naxis2,
            "DATAMIN": round(rng.uniform(-8, 0), 3),
            "DATAMAX": round(rng.uniform(800, 16000), 3),
            "DATAMEDN": round(rng.uniform(10, 60), 3),
            "DATAMEAN": round(rng.uniform(20, 90), 4),
            "DATARMS": round(rng.uniform(20, 200), 4),
            "DATASKEW": round(rng.uniform(2, 12), 4),
            "DATAKURT": round(rng.uniform(10, 300), 4),
            "NSPIKES": rng.randrange(200, 2000),
            "CRPIX1": (naxis1 + 1) / 2,
            "CRPIX2": (naxis2 + 1) / 2,
            "CRVAL1": round(xcen + rng.uniform(-0.3, 0.3), 4),
            "CRVAL2": round(ycen + rng.uniform(-0.3, 0.3), 4),
            "XCEN": round(xcen, 4),
            "YCEN": round(ycen, 4),
            "R_SUN": rsun_obs / 0.599489,
            "RSUN_LF": round(rsun_obs / 0.6 + rng.uniform(-1, 1), 3),
            "X0_LF": round(2048.0 + rng.uniform(-4, 4), 3),
            "Y0_LF": round(2048.0 + rng.uniform(-4, 4), 3),
            "SAT_Y0": round(rng.uniform(-10, 10), 4),
            "SAT_Z0": round(rng.uniform(-10, 10), 4),
            "ORB_REC": f"sdo.fds_orbit_vectors[{obs:%Y.%m.%d_%H:%M}:00_UTC]",
            "DSUN_OBS": dsun,
            "RSUN_OBS": rsun_obs,
            "GAEX_OBS": rng.uniform(-4.2e7, 4.2e7),
            "GAEY_OBS": rng.uniform(-4.2e7, 4.2e7),
            "GAEZ_OBS": rng.uniform(-4.2e7, 4.2e7),
            "CRLN_OBS": rng.uniform(0, 360),
            "CRLT_OBS": rng.uniform(-7.25, 7.25),
            "CAR_ROT": 2097 + obs.month,
            "HGLN_OBS": 0.0,
            "HGLT_OBS": rng.uniform(-7.25, 7.25),
            "TEMPCCD": round(rng.uniform(-68, -66), 2),
            "ISPPKTIM": f"{obs - timedelta(seconds=0.6):%Y-%m-%dT%H:%M:%S.%f}"[:-4] + "Z",
            "AIMGOTS": 1_656_000_000 + int(obs.timestamp()) % 10**8,
            "AIMGOTSS": rng.randrange(65536),
            "AIMGFSN": rng.randrange(2, 8),
        }
    )
    return header


def frame_from_source(src: SourceFile) -> Any:
    """The :class:`jet_store.FitsFrame` of a downloaded file: WCS keys pulled out of the header."""
    from jet_store import FitsFrame, FrameState

    h = src.header
    obs = datetime.fromisoformat(h["DATE-OBS"]).replace(tzinfo=UTC)
    return FitsFrame(
        url=src.url,
        job_key=src.job_key,
        event_id=src.event_id,
        path=src.path,
        state=FrameState.DOWNLOADED,
        size_bytes=src.size_bytes,
        sha256=src.sha256,
        obs_time=obs,
        wavelength=float(h["WAVELNTH"]),
        exptime=h["EXPTIME"],
        naxis1=h["NAXIS1"],
        naxis2=h["NAXIS2"],
        ctype1=h["CTYPE1"],
        ctype2=h["CTYPE2"],
        cunit1=h["CUNIT1"],
        cunit2=h["CUNIT2"],
        crpix1=h["CRPIX1"],
        crpix2=h["CRPIX2"],
        crval1=h["CRVAL1"],
        crval2=h["CRVAL2"],
        cdelt1=h["CDELT1"],
        cdelt2=h["CDELT2"],
        crota2=h["CROTA2"],
        dsun_obs=h["DSUN_OBS"],
        hgln_obs=h["HGLN_OBS"],
        hglt_obs=h["HGLT_OBS"],
        rsun_obs=h["RSUN_OBS"],
        header=h,
    )


# -- ours --------------------------------------------------------------------------------


def ours_ingest(db_path: Path, sources: Sequence[SourceFile]) -> None:
    """Build FitsFrame records and add them to a jet_store database in one call."""
    from jet_store import Store

    store = Store(db_path)
    try:
        store.add([frame_from_source(src) for src in sources])
    finally:
        store.close()


def ours_read(db_path: Path) -> int:
    """Stream every frame back as FitsFrame records (header dicts included); return the count."""
    from jet_store import FitsFrame, Store

    store = Store(db_path, create=False)
    try:
        return sum(1 for _ in store.stream(FitsFrame))
    finally:
        store.close()


# -- the anchor: the seed's peewee model and insert pattern ---------------------------------


class SeedDatabase:
    """The seed's two tables on one SQLite file, as peewee models bound to it.

    ``FitsFile`` mirrors the seed's ``File_Model`` + ``Fits_File`` columns (the foreign
    keys to events and service requests are left out: they were null for files
    inserted this way and cost nothing); ``HeaderElem`` mirrors ``UnionCol`` +
    ``Fits_Header_Elem``.
    """

    def __init__(self, path: Path) -> None:
        import peewee as pw

        self.db = pw.SqliteDatabase(str(path), pragmas=SEED_PRAGMAS)

        class BaseModel(pw.Model):
            class Meta:
                database = self.db

        class FitsFile(BaseModel):
            file_path = pw.CharField(default="NA", unique=True)
            file_name = pw.CharField(default="NA")
            file_hash = pw.CharField(default="NA")
            sol_standard = pw.CharField(null=True)
            server_file_name = pw.CharField(null=True)
            server_full_path = pw.CharField(unique=True, null=True)
            ssw_cutout_id = pw.CharField(null=True)
            image_time = pw.DateTimeField(default=None, null=True)

        class HeaderElem(BaseModel):
            fits_file = pw.ForeignKeyField(FitsFile, backref="fits_keys")
            key = pw.CharField(default="NA")
            field_type = pw.CharField(column_name="type")
            subtype = pw.CharField(null=True, column_name="subtype")
            format = pw.CharField(null=True, column_name="format")
            value_string = pw.CharField(null=True, column_name="string")
            value_datetime = pw.DateTimeField(null=True, column_name="datetime")
            value_int = pw.IntegerField(null=True, column_name="integer")
            value_float = pw.FloatField(null=True, column_name="float")

            def set_value(self, value: Any) -> None:
                # the seed's UnionCol.value setter: dispatch on the class name. It had no
                # branch for bool, so boolean cards lost their value; here they go to the
                # integer column (same cost) so both sides keep the same information
                type_name = type(value).__name__
                self.field_type = type_name
                if type_name in ("int", "bool"):
                    self.value_int = value
                elif type_name == "float":
                    self.value_float = value
                elif type_name == "datetime":
                    self.value_datetime = value
                elif type_name == "str":
                    self.value_string = value

            def get_value(self) -> Any:
                # the seed's UnionCol.value getter
                if self.field_type == "int":
                    return self.value_int
                if self.field_type == "bool":
                    return None if self.value_int is None else bool(self.value_int)
                if self.field_type == "float":
                    return self.value_float
                if self.field_type == "datetime":
                    return self.value_datetime
                return self.value_string

        self.FitsFile = FitsFile
        self.HeaderElem = HeaderElem
        self.db.connect()
        self.db.create_tables([FitsFile, HeaderElem])

    def close(self) -> None:
        """Close the connection (SQLite folds the WAL back into the file)."""
        self.db.close()


def anchor_ingest(seed_db: SeedDatabase, sources: Sequence[SourceFile]) -> None:
    """The seed's way: a Fits_File row, then per card SELECT-exists + INSERT, then UPDATE.

    Every statement commits on its own (peewee autocommit, as the seed ran it). The one
    liberty taken in the anchor's favour: the file hash goes into the first INSERT
    instead of a separate ``get_hash()`` UPDATE.
    """
    fits_file_model, elem_model = seed_db.FitsFile, seed_db.HeaderElem
    for src in sources:
        name = src.url.rsplit("/", 1)[1]
        fits = fits_file_model(
            sol_standard=src.event_id,
            ssw_cutout_id=src.job_key,
            server_file_name=name,
            server_full_path=src.url,
            file_name=name,
            file_path=src.path,
            file_hash=src.sha256,
        )
        fits.save()
        # sunpy's Map.meta holds a few dicts (keycomments); the seed skipped them
        header = {key: value for key, value in src.header.items() if not isinstance(value, dict)}
        for key in header:
            if not fits.fits_keys.where(elem_model.key == key).exists():
                elem = elem_model(fits_file=fits, key=key)
                elem.format = SEED_TIME_FORMAT
                elem.set_value(header[key])
                elem.save()
            else:  # pragma: no cover - a fresh file has no cards yet; kept for the shape
                elem = fits.fits_keys.where(elem_model.key == key).get()
                elem.format = SEED_TIME_FORMAT
                elem.set_value(header[key])
                elem.save()
        fits.image_time = datetime.strptime(header["DATE-OBS"], SEED_TIME_FORMAT)
        fits.save()


def anchor_read(seed_db: SeedDatabase) -> int:
    """The seed's way of reading headers: every file, then ``get_header_as_dict`` on each."""
    count = 0
    for fits in seed_db.FitsFile.select():
        header = {elem.key: elem.get_value() for elem in fits.fits_keys}
        count += bool(header)
    return count


# -- the run -----------------------------------------------------------------------------


@dataclass
class Sizes:
    """What one run measures on: records per round for each side, timed rounds."""

    records: int
    anchor_records: int
    rounds: int


def _sizes(args: Any) -> Sizes:
    records = args.records if args.records is not None else (QUICK_RECORDS if args.quick else DEFAULT_RECORDS)
    anchor_default = QUICK_ANCHOR_RECORDS if args.quick else DEFAULT_ANCHOR_RECORDS
    anchor = args.anchor_records if args.anchor_records is not None else min(records, anchor_default)
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 3)
    if records < 1 or anchor < 1 or rounds < 1:
        raise SystemExit("--records, --anchor-records and --rounds must be >= 1")
    return Sizes(records=records, anchor_records=min(anchor, records), rounds=rounds)


def _fresh(path: Path) -> Path:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    return path


def _check_round_trip(
    sources: Sequence[SourceFile], ours_db: Path, seed_db: SeedDatabase, n_anchor: int
) -> None:
    # untimed: a benchmark of a store that loses data would be worthless
    from jet_store import FitsFrame, Store

    store = Store(ours_db, create=False)
    try:
        if store.count(FitsFrame) != len(sources):
            raise AssertionError(f"ours stored {store.count(FitsFrame)} frames, not {len(sources)}")
        for src in (sources[0], sources[-1]):
            back = store.get(FitsFrame, src.url)
            if back is None or back != frame_from_source(src):
                raise AssertionError(f"ours did not give back {src.url} unchanged")
    finally:
        store.close()
    files = seed_db.FitsFile
    if files.select().count() != n_anchor:
        raise AssertionError(f"anchor stored {files.select().count()} files, not {n_anchor}")
    first = files.get(files.file_path == sources[0].path)
    back_header = {elem.key: elem.get_value() for elem in first.fits_keys}
    if back_header != sources[0].header:
        raise AssertionError("the anchor did not give back the header unchanged")


def run(args: Any) -> list[Result]:
    """Measure ingest and read-back; return the two result rows (not yet saved)."""
    sizes = _sizes(args)
    verbose = not args.quiet
    if verbose:
        print(
            f"store_ingest: ours {sizes.records:,} records, anchor {sizes.anchor_records:,}, "
            f"{sizes.rounds} rounds each, alternating",
            file=sys.stderr,
        )
    sources = make_sources(sizes.records)
    anchor_sources = sources[: sizes.anchor_records]
    work = Path(tempfile.mkdtemp(prefix="jet-bench-store-", dir=args.tmp_dir))
    ours_db, anchor_db = work / "ours.db", work / "seed.db"
    seed_holder: list[SeedDatabase] = []
    try:

        def prepare_anchor(_round: int) -> Callable[[], object]:
            for old in seed_holder:
                old.close()
            seed_holder.clear()
            # creating the tables is setup, as is Store() creating its schema below
            seed_holder.append(SeedDatabase(_fresh(anchor_db)))
            return lambda: anchor_ingest(seed_holder[0], anchor_sources)

        def prepare_ours(_round: int) -> Callable[[], object]:
            from jet_store import Store

            Store(_fresh(ours_db)).close()
            return lambda: ours_ingest(ours_db, sources)

        ingest = alternate(prepare_anchor, prepare_ours, sizes.rounds, label="ingest", verbose=verbose)
        seed_db = seed_holder[0]
        _check_round_trip(sources, ours_db, seed_db, sizes.anchor_records)
        seed_db.close()
        anchor_bytes, ours_bytes = file_size(anchor_db), file_size(ours_db)
        seed_db = SeedDatabase(anchor_db)

        def prepare_anchor_read(_round: int) -> Callable[[], object]:
            return lambda: anchor_read(seed_db)

        def prepare_ours_read(_round: int) -> Callable[[], object]:
            return lambda: ours_read(ours_db)

        read = alternate(prepare_anchor_read, prepare_ours_read, sizes.rounds, label="read", verbose=verbose)
        seed_db.close()
    finally:
        for old in seed_holder:
            old.close()
        if args.keep:
            print(f"databases kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    cards = sum(len(s.header) for s in sources) / len(sources)
    extra = {
        "records": sizes.records,
        "anchor_records": sizes.anchor_records,
        "cards_per_header": round(cards, 1),
        "anchor_db_bytes": anchor_bytes,
        "ours_db_bytes": ours_bytes,
        "anchor_bytes_per_record": anchor_bytes / sizes.anchor_records,
        "ours_bytes_per_record": ours_bytes / sizes.records,
    }
    size_note = (
        f"db size {human_bytes(ours_bytes / sizes.records)}/record ours vs "
        f"{human_bytes(anchor_bytes / sizes.anchor_records)}/record anchor"
    )
    subset = (
        f"anchor on the first {sizes.anchor_records:,} records, compared in records/s "
        if sizes.anchor_records < sizes.records
        else ""
    )
    common = {
        "unit": "records",
        "anchor_count": sizes.anchor_records,
        "ours_count": sizes.records,
        "extra": extra,
        "quick": bool(args.quick),
        "benchmark": "store_ingest.py",
    }
    return [
        Result.from_timings(
            *ingest,
            workload=WORKLOAD_INGEST.format(n=sizes.records),
            anchor=ANCHOR_INGEST,
            target=f">= {TARGET_RATIO:g}x",
            target_ratio=TARGET_RATIO,
            note=(
                f"AIA lev1.5 headers of ~{cards:.0f} cards, SQLite files; "
                + (f"{subset}(row by row, its rate barely depends on the count); " if subset else "")
                + f"{size_note}; ours = build FitsFrame records + one Store.add call"
            ),
            **common,
        ),
        Result.from_timings(
            *read,
            workload=WORKLOAD_READ.format(n=sizes.records),
            anchor=ANCHOR_READ,
            target="(none set)",
            note=(
                (f"{subset}(one query per file); " if subset else "")
                + "ours = Store.stream(FitsFrame), header dicts included"
            ),
            **common,
        ),
    ]


def build_parser() -> Any:
    """The command line: the common options plus sizes."""
    parser = common_parser(__doc__.split("\n", 1)[0] if __doc__ else "store ingest benchmark")
    parser.add_argument(
        "--records", type=int, default=None, help=f"records ours ingests (default {DEFAULT_RECORDS:,})"
    )
    parser.add_argument(
        "--anchor-records",
        type=int,
        default=None,
        help=f"records the anchor ingests (default min(records, {DEFAULT_ANCHOR_RECORDS:,}))",
    )
    parser.add_argument(
        "--tmp-dir", type=Path, default=None, help="where the databases go (default: system temp)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases of the last round")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, append its rows to the results, print them as a markdown table."""
    args = build_parser().parse_args(argv)
    try:
        import peewee  # noqa: F401 - only to skip cleanly without the anchor
    except ImportError:
        skip("peewee (the anchor) is not installed: run it with `hatch run bench:store`")
    return report(run(args), args.results_dir)


if __name__ == "__main__":
    raise SystemExit(main())
