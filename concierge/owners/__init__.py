"""Owners keep their own listing by chat: the guided creation flow (one table of steps in
``flow.py``, drawn in ``flow.mmd``; the router's single-answer steps in ``modes.mmd``), editing, co-owners and invites, claims, partners, data export
and deletion, freshness nudges and the weekly summary. :func:`concierge.owners.router.route` is the one
entry point the conversation calls.
"""
