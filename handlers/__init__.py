"""Adapters between chat platforms or the web and the transport-neutral conversation core."""
