"""aiogram's types built when first used are the types aiogram builds at import (issue 17).

Each side runs in a fresh process, as a worker would: one imports aiogram as it is, the other through
:mod:`handlers.aiogram_deferred`. Both then print one JSON Schema of every type and method aiogram
declares (a single generation with shared definitions, so the 591 models take seconds, not minutes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.support import paths

SCHEMAS = """
import json, sys, warnings
if sys.argv[1] == "deferred":
    import handlers.aiogram_deferred
import aiogram.methods, aiogram.types
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

built_on_import = aiogram.types.Message.__pydantic_complete__

class Schema(GenerateJsonSchema):
    def handle_invalid_for_json_schema(self, schema, error_info):
        return {"not in JSON Schema": error_info}  # an uploaded file, say

models = [getattr(module, name) for module in (aiogram.types, aiogram.methods) for name in module.__all__]
models = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # aiogram's Default(...) values have no JSON form
    _, schema = models_json_schema([(m, "validation") for m in models], schema_generator=Schema)
update = aiogram.types.Update.model_validate(
    {"update_id": 7, "message": {"message_id": 3, "date": 1700000000, "text": "brood?",
     "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False, "first_name": "Ada"}}}
)
print(json.dumps({
    "built_on_import": built_on_import,
    "models": len(models),
    "schema": schema,
    "message": [type(update.message).__name__, update.message.text, update.message.from_user.first_name],
}))
"""


def _schemas(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SCHEMAS, mode],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_types_built_when_first_used_are_the_types_aiogram_builds() -> None:
    with ThreadPoolExecutor(2) as pool:
        eager, deferred = pool.map(_schemas, ["eager", "deferred"])
    assert eager["built_on_import"] is True
    assert deferred["built_on_import"] is False  # the deferral really happened
    assert isinstance(eager["models"], int) and eager["models"] > 500
    assert deferred["models"] == eager["models"]
    assert deferred["schema"] == eager["schema"]
    assert deferred["message"] == eager["message"] == ["Message", "brood?", "Ada"]
