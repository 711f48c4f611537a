"""Every text the bot or the web shows exists in nl, en, de and fr, with the same placeholders."""

from __future__ import annotations

import ast
import string

import pytest
from babel.messages.pofile import read_po

from tests.support import paths

ROOT = paths.ROOT
LOCALES = ROOT / "locales"
LANGUAGES = ("nl", "en", "de", "fr")
SOURCES = ("concierge", "handlers")


def _po_names() -> list[str]:
    return sorted({path.name for path in LOCALES.glob("*/LC_MESSAGES/*.po")})


def _messages(lang: str, name: str) -> dict[str, str]:
    path = LOCALES / lang / "LC_MESSAGES" / name
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {str(message.id): str(message.string or "") for message in catalog if message.id}


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _all_msgids() -> set[str]:
    return {msgid for name in _po_names() for lang in LANGUAGES for msgid in _messages(lang, name)}


@pytest.mark.parametrize("name", _po_names())
def test_every_message_is_translated_in_all_four_languages(name: str) -> None:
    catalogues = {lang: _messages(lang, name) for lang in LANGUAGES}
    msgids = set().union(*catalogues.values())
    assert msgids, f"{name} has no messages"
    problems = []
    for msgid in sorted(msgids):
        for lang in LANGUAGES:
            translation = catalogues[lang].get(msgid, "")
            if not translation.strip():
                problems.append(f"{lang}/{name}: no translation for {msgid!r}")
            elif _placeholders(translation) != _placeholders(msgid):
                problems.append(f"{lang}/{name}: placeholders differ in {translation!r} for {msgid!r}")
    assert not problems, "\n".join(problems)


def _translated_literals() -> list[tuple[str, str]]:
    """``(where, msgid)`` for every ``t("...")`` / ``_("...")`` call with a literal first argument."""
    found = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr
                    if isinstance(func, ast.Attribute)
                    else ""
                )
                first = node.args[0]
                if name in {"t", "_"} and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", first.value))
    return found


def test_every_translated_literal_in_the_code_has_a_msgid() -> None:
    literals = _translated_literals()
    assert len(literals) > 20, "the scan finds the conversation's texts"
    known = _all_msgids()
    missing = [f"{where}: {msgid!r}" for where, msgid in literals if msgid not in known]
    assert not missing, "msgids missing from every .po file:\n" + "\n".join(missing)


def test_the_conversation_catalogue_covers_its_own_code() -> None:
    literals = {
        msgid
        for where, msgid in _translated_literals()
        if where.startswith(("concierge/conversation", "handlers/terminal"))
    }
    own = _messages("nl", "concierge.po")
    assert literals and literals <= set(own)
    assert all(own[msgid] != msgid for msgid in literals if len(msgid) > 12), "Dutch texts are really Dutch"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_message_kept_in_several_files_reads_the_same_in_each(lang: str) -> None:
    """A language's files are merged into one catalogue (concierge.i18n), where the first file wins:
    a msgid translated differently in two files would show one of them by file order, not by intent."""
    seen: dict[str, dict[str, str]] = {}
    for name in _po_names():
        for msgid, text in _messages(lang, name).items():
            seen.setdefault(msgid, {})[name] = text
    differing = {msgid: texts for msgid, texts in seen.items() if len(set(texts.values())) > 1}
    assert differing == {}
