"""Rerunnable builders of the bundled data files from well-kept public sources."""
