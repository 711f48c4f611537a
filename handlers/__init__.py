"""Adapters between chat platforms, the web or the command line and the transport-neutral core."""
