"""One module per ``concierge`` command: ``add_arguments(parser)`` and ``run(args) -> int``."""
