"""Owners keep their own listing by chat: the guided creation flow (one explicit state machine,
``flow.py`` with ``flow.mmd`` beside it), editing, co-owners and invites, claims, partners, data export
and deletion, freshness nudges and the weekly summary. :func:`concierge.owners.router.route` is the one
entry point the conversation calls.
"""
