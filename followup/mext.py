"""Reading MEXT's list of universities (学校コード, 設置区分) into plain records.

Two formats are understood (see /work/shared/data/SOURCES.md §universities_jp; copies of both
real samples ship in ``followup/data/``):

* CSV ``id,school_code,name,type,region,source`` with type national/public/private;
* JSON list of ``{name, name_eng, type (国立/公立/私立), mext_code, ...}`` (大学一覧).

When both are given, the CSV is the registry (it is the newer list) and the JSON adds the
English names of the schools it also lists.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CSV = DATA_DIR / "mext_school_codes_universities_F1.csv"
DEFAULT_JSON = DATA_DIR / "mext_daigaku_ichiran_r4__projection.json"


def read_csv(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    records = []
    for row in reader:
        records.append({
            "code": (row.get("school_code") or row.get("学校コード") or "").strip(),
            "name_ja": (row.get("name") or row.get("学校名") or "").strip(),
            "type": (row.get("type") or row.get("設置区分") or "").strip(),
        })
    return records


def read_json(text: str) -> list[dict]:
    return [
        {"code": (r.get("mext_code") or "").strip(), "name_ja": (r.get("name") or "").strip(),
         "name_en": (r.get("name_eng") or "").strip(), "type": (r.get("type") or "").strip()}
        for r in json.loads(text)
    ]


def read_path(path: Path | str) -> list[dict]:
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    return read_json(text) if path.suffix.lower() == ".json" else read_csv(text)


def _same_name(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).strip() == unicodedata.normalize("NFKC", b).strip()


def merge(registry: list[dict], names: list[dict]) -> list[dict]:
    """The registry with English names from ``names`` where the school is the same.

    A school code can outlive a name (了德寺大学 became ＳＢＣ東京医療大学 with the same code),
    so an English name is taken only when the Japanese names agree.
    """
    by_code = {r["code"]: r for r in names if r.get("code")}
    merged = []
    for r in registry:
        other = by_code.get(r["code"])
        name_en = r.get("name_en") or ""
        if not name_en and other and _same_name(other["name_ja"], r["name_ja"]):
            name_en = other.get("name_en", "")
        merged.append({**r, "name_en": name_en})
    return merged


def default_records() -> list[dict]:
    return merge(read_path(DEFAULT_CSV), read_path(DEFAULT_JSON))
