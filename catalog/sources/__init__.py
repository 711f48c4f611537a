"""Scripts that rebuild the bundled data files from their pinned upstream packages.

Each module runs as ``python -m catalog.sources.<name>`` and writes its files in place, so anyone can
check that the data in the repository is what the pinned upstream version gives.
"""
