"""The core of concierge: query understanding, ranking, the conversation engine, settings and CLI.

Nothing here imports a Telegram framework: adapters in ``handlers/`` translate platform updates
into the neutral events of :mod:`concierge.events` and render the neutral replies back.
"""
