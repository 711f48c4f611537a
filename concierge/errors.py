"""Errors whose message is fit to show a person as it is (one line, no traceback)."""


class UserError(Exception):
    """Bad input from the person running a command: a file, a URL, coordinates, an id."""
