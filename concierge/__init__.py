"""The core of concierge: query understanding, ranking, the conversation engine and settings.

Nothing here imports ``handlers`` or a Telegram framework: adapters in ``handlers/`` (the runtimes,
the web, the command line) translate platform updates into the neutral events of
:mod:`concierge.events`, render the neutral replies back, and pass in what the core needs of them.
"""
