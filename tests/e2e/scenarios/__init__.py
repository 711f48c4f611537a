"""One scenario suite, written as user scripts, run unchanged over aiogram, python-telegram-bot and the
terminal chat (see ``drivers.py``)."""
