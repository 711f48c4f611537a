"""Importing this module before aiogram leaves aiogram's Telegram types to be built when first used.

aiogram declares its ~300 types with pydantic's ``defer_build``, then ends ``aiogram/types/__init__.py``
by calling ``model_rebuild`` on every one of them with a namespace of them all, which builds them
all at once: about 2 s of CPU and 100 MB on every start, most of what ``concierge run`` took on
aiogram. This runtime sends raw calls and reads the answers as JSON (:mod:`handlers.aiogram_runtime`),
so it needs almost none of them.

While aiogram is imported here, that loop's ``model_rebuild`` builds nothing and keeps the namespace;
once aiogram is imported, each ``aiogram.types`` module gets its names (what its ``TYPE_CHECKING``
imports name). A type, or a method, is then
completed by pydantic on its first use, from its own module, exactly as ``defer_build`` intends; a
test compares every type's schema built this way with aiogram's own (``tests/e2e/test_aiogram_deferred.py``).
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

_TYPES = "aiogram.types."


def _give_names(namespace: dict[str, Any]) -> None:
    """Each imported ``aiogram.types`` module gets the names its annotations refer to."""
    for name, module in list(sys.modules.items()):
        if name.startswith(_TYPES) and module is not None:
            for key, value in namespace.items():
                module.__dict__.setdefault(key, value)


def import_aiogram() -> None:
    """Import aiogram with its types' building deferred; nothing to do once aiogram is imported."""
    if "aiogram.types" in sys.modules:
        return
    eager = BaseModel.__dict__["model_rebuild"]
    kept: dict[str, Any] | None = None

    def model_rebuild(cls: type[BaseModel], **options: Any) -> bool | None:
        nonlocal kept
        namespace = options.get("_types_namespace")
        if namespace is not None and cls.__module__.startswith(_TYPES):
            kept = namespace  # the same namespace of all the types, each time
            return None
        # Anything else is rebuilt as usual, one frame further from its caller.
        options["_parent_namespace_depth"] = options.get("_parent_namespace_depth", 2) + 1
        result: bool | None = eager.__func__(cls, **options)
        return result

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[assignment,method-assign]
    try:
        import aiogram  # noqa: F401
    finally:
        BaseModel.model_rebuild = eager  # type: ignore[method-assign]
    # Only now: given earlier, the names would let each of aiogram's methods build the types it
    # refers to as the method is declared (1.3 s), instead of when it is first called.
    if kept is not None:
        _give_names(kept)


import_aiogram()
