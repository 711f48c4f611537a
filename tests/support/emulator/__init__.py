"""Pieces of the Bot API emulator that other tests reuse (Telegram's HTML rules)."""
