"""Importers: catalogue JSON, Overpass JSON, GeoJSON and CSV into the catalogue, idempotently.

Each format module turns a file into neutral :class:`~catalog.importers.records.Record` objects plus
counted skip reasons; :mod:`~catalog.importers.store` writes them in one transaction, keyed by business
id or OpenStreetMap id, so re-importing updates in place and never duplicates.
"""

from catalog.importers.importer import FORMATS, ImportSummary, import_file
from catalog.importers.records import ImportFileError

__all__ = ["FORMATS", "ImportFileError", "ImportSummary", "import_file"]
