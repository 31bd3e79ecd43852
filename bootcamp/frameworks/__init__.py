"""Competency frameworks shipped as data, and the one loader used by migrations and the CLI."""

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

HERE = Path(__file__).parent
DWWM = HERE / "dwwm-rncp37674.json"
CDA = HERE / "cda-rncp37873.json"

# Lightweight tables, so that a migration can load a framework without importing the models.
_programmes = sa.table(
    "programmes",
    sa.column("id", sa.Integer),
    sa.column("rncp_code", sa.String),
    sa.column("title", sa.String),
    sa.column("short_name", sa.String),
    sa.column("level", sa.Integer),
    sa.column("acquired_level", sa.Integer),
)
_blocks = sa.table(
    "blocks",
    sa.column("id", sa.Integer),
    sa.column("programme_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("title", sa.String),
    sa.column("position", sa.Integer),
)
_competencies = sa.table(
    "competencies",
    sa.column("block_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("title", sa.String),
    sa.column("position", sa.Integer),
)


class FrameworkError(ValueError):
    """A framework file that cannot be loaded, with a message for the person who gave it."""


def read_framework(path: Path | str) -> dict[str, Any]:
    """Read and check a framework file (see frameworks/dwwm-rncp37674.json for the format)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameworkError(f"{path}: cannot read the file ({error})") from error
    if not isinstance(data, dict):
        raise FrameworkError(f"{path}: expected a JSON object")
    for key in ("rncp_code", "short_name", "title", "blocks"):
        if not data.get(key):
            raise FrameworkError(f"{path}: missing '{key}'")
    level = data.get("acquired_level", 2)
    if level not in (1, 2, 3):
        raise FrameworkError(f"{path}: 'acquired_level' must be 1, 2 or 3")
    codes: set[str] = set()
    for number, block in enumerate(data["blocks"], start=1):
        if not isinstance(block, dict) or not block.get("code") or not block.get("title"):
            raise FrameworkError(f"{path}: block {number} needs a 'code' and a 'title'")
        if not block.get("competencies"):
            raise FrameworkError(f"{path}: block {block['code']} has no competencies")
        for competency in block["competencies"]:
            if not isinstance(competency, dict) or not competency.get("code") or not competency.get("title"):
                raise FrameworkError(f"{path}: block {block['code']}: each competency needs a 'code' and a 'title'")
            if competency["code"] in codes:
                raise FrameworkError(f"{path}: competency code {competency['code']} appears twice")
            codes.add(competency["code"])
    return data


def insert_framework(connection: sa.Connection, data: dict[str, Any]) -> int:
    """Insert a checked framework; refuse a programme already present. Return its id."""
    exists = connection.execute(sa.select(_programmes.c.id).where(_programmes.c.rncp_code == data["rncp_code"])).first()
    if exists:
        raise FrameworkError(f"the programme {data['rncp_code']} is already loaded")
    programme_id = connection.execute(
        _programmes.insert()
        .values(
            rncp_code=data["rncp_code"],
            title=data["title"],
            short_name=data["short_name"],
            level=data.get("level"),
            acquired_level=data.get("acquired_level", 2),
        )
        .returning(_programmes.c.id)
    ).scalar_one()
    for position, block in enumerate(data["blocks"], start=1):
        block_id = connection.execute(
            _blocks.insert()
            .values(programme_id=programme_id, code=block["code"], title=block["title"], position=position)
            .returning(_blocks.c.id)
        ).scalar_one()
        connection.execute(
            _competencies.insert(),
            [
                {"block_id": block_id, "code": c["code"], "title": c["title"], "position": index}
                for index, c in enumerate(block["competencies"], start=1)
            ],
        )
    return programme_id
