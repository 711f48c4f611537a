"""The geo-aware catalogue: models, migrations, taxonomy, geo, search index, import and export.

Depends only on the standard library, SQLAlchemy, rapidfuzz and geopy; never on a chat platform.
"""
