"""The one list of a listing's fields, and what each surface does with each.

Views, ownership (what an owner may edit, what waits for a moderator), the owner's export and the CSV
columns, the public API with its OpenAPI schema, JSON-LD, the story card and the owners' guided flow all
iterate :data:`FIELDS` instead of keeping a list of their own, so adding a field is one entry here plus
the code that is truly specific to it (how it is asked, how it is shown).

A field's ``name`` is its attribute on :class:`catalog.models.Business` and
:class:`catalog.views.BusinessView`, its key in exports and the API, and its CSV column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text",
    "long_text",
    "link",
    "phone",
    "bool",
    "choice",
    "choices",
    "tags",
    "float",
    "date",
    "hours",
    "days",
]
"""How a value is typed: ``choice`` is one of :attr:`Field.choices` (or "" when unknown), ``choices`` a
list of them (empty when unknown), ``tags`` a list of OSM ``key=value`` strings, ``hours`` an OSM
``opening_hours`` expression, ``days`` a ``{"YYYY-MM-DD": hours}`` mapping."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    group: str | None = None
    """The part of the owners' guided flow (and of the preview's "change" menu) that asks for it;
    None when the flow does not ask for it."""
    editable: bool = True
    """An owner may change it."""
    reviewed: bool = False
    """Once a listing is published, an owner's change waits for a moderator (residents read it verbatim)."""
    public: bool = True
    """Shown to residents: the API, the widget, the story card and the public page."""
    exported: bool = True
    """In the owner's export (catalogue JSON) and as a CSV column."""
    clearable: bool = False
    """Optional: an owner may empty it in an edit (Skip keeps what is there)."""
    choices: tuple[str, ...] = ()
    jsonld: str | None = None
    """The schema.org property it feeds, when one fits."""
    osm: tuple[str, ...] = ()
    """OpenStreetMap keys it is read from on import (prefix keys end with ``:``)."""
    label: str = ""
    """The English msgid of its name where people see it (translated with gettext)."""


PAYMENT_METHODS = ("cash", "card", "contactless")
"""Ways to pay, as OSM's ``payment:*`` keys group them: cash; any card (debit, credit, maestro…);
contactless (phone or card tapped)."""
WHEELCHAIR = ("yes", "limited", "no")
"""OSM ``wheelchair=*``: step-free and usable; partly (a small step, narrow door); not accessible."""
DELIVERY = ("bike", "post", "none")
CASH_KEYS = ("cash", "coins", "notes")
CARD_KEYS = (
    "cards",
    "debit_cards",
    "credit_cards",
    "maestro",
    "visa",
    "visa_debit",
    "visa_electron",
    "mastercard",
    "american_express",
    "v_pay",
    "girocard",
    "bancontact",
    "carte_bleue",
    "cb",
    "diners_club",
    "jcb",
)
"""OSM ``payment:*`` keys that mean coins or notes, and those that mean some kind of bank or credit card
(taginfo's most used ``payment:*`` card keys)."""

FIELDS: tuple[Field, ...] = (
    Field("name", "text", group="name", reviewed=True, jsonld="name", osm=("name",), label="Name"),
    Field("categories", "tags", group="category", reviewed=True, label="Category"),
    Field("lat", "float", group="location", reviewed=True, label="Location"),
    Field("lon", "float", group="location", reviewed=True, label="Location"),
    Field("address", "text", group="location", reviewed=True, jsonld="address", label="Address"),
    Field(
        "opening_hours",
        "hours",
        group="hours",
        jsonld="openingHoursSpecification",
        osm=("opening_hours",),
        label="Opening hours",
    ),
    Field(
        "phone",
        "phone",
        group="contact",
        reviewed=True,
        clearable=True,
        jsonld="telephone",
        osm=("phone", "contact:phone"),
        label="Phone",
    ),
    Field(
        "website",
        "link",
        group="contact",
        reviewed=True,
        clearable=True,
        jsonld="url",
        osm=("website", "contact:website"),
        label="Website",
    ),
    Field("languages", "tags", editable=True, label="Languages"),
    Field("independent", "bool", editable=False, label="Independent"),
    Field("pickup", "bool", group="delivery", label="Pickup"),
    Field("delivery", "choice", group="delivery", choices=DELIVERY, label="Delivery"),
    Field(
        "payment",
        "choices",
        group="payment",
        clearable=True,
        choices=PAYMENT_METHODS,
        jsonld="paymentAccepted",
        osm=("payment:",),
        label="Payment",
    ),
    Field(
        "wheelchair",
        "choice",
        group="access",
        clearable=True,
        choices=WHEELCHAIR,
        jsonld="amenityFeature",
        osm=("wheelchair",),
        label="Wheelchair access",
    ),
    Field("story_who", "long_text", group="story", reviewed=True, clearable=True, label="Who"),
    Field("story_how", "long_text", group="story", reviewed=True, clearable=True, label="How"),
    Field("story_why", "long_text", group="story", reviewed=True, clearable=True, label="Why"),
    Field("story_language", "choice", choices=("nl", "en", "de", "fr"), label="Story language"),
    Field("photo", "link", group="photo", reviewed=True, clearable=True, jsonld="image", label="Photo"),
    Field("closed_from", "date", label="Closed from"),
    Field("closed_until", "date", label="Closed until"),
    Field("special_hours", "days", label="Special hours"),
)

BY_NAME = {field.name: field for field in FIELDS}


def editable() -> frozenset[str]:
    return frozenset(field.name for field in FIELDS if field.editable)


def reviewed() -> frozenset[str]:
    return frozenset(field.name for field in FIELDS if field.reviewed)


def of_kind(*kinds: Kind) -> frozenset[str]:
    return frozenset(field.name for field in FIELDS if field.kind in kinds)


def in_group(group: str) -> tuple[Field, ...]:
    return tuple(field for field in FIELDS if field.group == group)


def groups() -> Iterator[str]:
    """The flow's parts in the order their first field is listed."""
    seen: set[str] = set()
    for field in FIELDS:
        if field.group is not None and field.group not in seen:
            seen.add(field.group)
            yield field.group


def from_osm_tags(tags: dict[str, str]) -> dict[str, object]:
    """The payment methods and wheelchair access that OSM tags state; keys absent when the tags are silent."""
    found: dict[str, object] = {}
    said = {key.removeprefix("payment:"): value for key, value in tags.items() if key.startswith("payment:")}
    methods = []
    if any(said.get(key) == "yes" for key in CASH_KEYS):
        methods.append("cash")
    if any(said.get(key) == "yes" for key in CARD_KEYS):
        methods.append("card")
    if said.get("contactless") == "yes":
        methods.append("contactless")
    if methods:
        found["payment"] = methods
    if tags.get("wheelchair") in WHEELCHAIR:
        found["wheelchair"] = tags["wheelchair"]
    return found
