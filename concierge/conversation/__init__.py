"""The residents' side of the conversation core and what every feature shares.

The engine (:class:`concierge.routing.Conversation`) dispatches through per-feature routers
(:mod:`concierge.conversation.routes`); the residents' router is :mod:`residents`, over ``commands``
(slash commands), ``questions`` (free text, More, Not what I meant), ``buttons`` (their button
presses), ``rounds`` (shopping lists), ``stories`` (Story and Map views), ``location`` and ``inline``;
``privacy`` is a router of its own; ``context`` (the :class:`Turn`) and ``render`` (safe HTML) serve
every feature.
"""

from __future__ import annotations

from concierge.conversation.commands import bot_commands

__all__ = ["bot_commands"]
