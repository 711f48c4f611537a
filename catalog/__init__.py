"""The geo-aware catalogue: models, migrations, taxonomy, geo, search index, import and export.

Depends only on the standard library, SQLAlchemy and rapidfuzz; never on a chat platform.
"""
