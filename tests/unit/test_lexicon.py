"""The product lexicon: breadth, four languages everywhere, valid references and OSM-style tags."""

from __future__ import annotations

import re

from concierge.lexicon import load_lexicon, read_documents

TAG = re.compile(r"^[a-z_:]+=[a-z0-9_;:.-]+$")
LANGS = ("en", "nl", "de", "fr")


def test_the_lexicon_is_broad() -> None:
    documents = read_documents()
    concepts = [c for d in documents if d["domain"] != "values" for c in d["concepts"]]
    terms = sum(len(c["terms"][lang]) for c in concepts for lang in LANGS)
    shop_types = {
        t
        for c in concepts
        for t in c["tags"]
        if t.split("=")[0] in {"shop", "amenity", "craft", "office", "healthcare", "leisure", "tourism"}
    }
    assert terms >= 1500
    assert len(shop_types) >= 120


def test_every_concept_speaks_four_languages_and_points_at_real_things() -> None:
    for document in read_documents():
        ids = {c["id"] for c in document["concepts"]}
        assert len(ids) == len(document["concepts"]), document["domain"]
        for concept in document["concepts"]:
            for lang in LANGS:
                assert concept["terms"].get(lang), (concept["id"], lang)
                assert all(t == t.strip().lower() and t for t in concept["terms"][lang]), concept["id"]
            assert concept.get("family", concept["id"]) in ids, concept["id"]
            for tag in (*concept.get("tags", ()), *concept.get("also", ())):
                assert TAG.match(tag), (concept["id"], tag)


def test_families_have_no_loops() -> None:
    lexicon = load_lexicon()
    for concept_id in lexicon.concepts:
        assert concept_id not in lexicon.ancestors(concept_id)


def test_terms_are_indexed_by_folded_and_lemma_forms() -> None:
    lexicon = load_lexicon()
    assert lexicon.lookup("croissants") and lexicon.lookup("croissant")
    assert {h.concept for h in lexicon.lookup("havermelk")} == {h.concept for h in lexicon.lookup("oat milk")}
    assert lexicon.lookup("sauerteigbrot")
