"""schema.org JSON-LD for businesses and for the whole catalogue (public pages and open-data export).

Records imported from OpenStreetMap (``source_id`` set) carry the ODbL attribution that their licence
requires; owners' own records do not. Owners who opted out never appear here: callers filter with
``exportable``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from catalog import fields as registry
from catalog.views import AreaView, BusinessView

SCHEMA_CONTEXT = "https://schema.org"
ODBL_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
OSM_CREDIT = "© OpenStreetMap contributors, ODbL 1.0"
OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"

_TYPES = {
    "shop=bakery": "Bakery",
    "shop=pastry": "Bakery",
    "shop=confectionery": "Store",
    "shop=florist": "Florist",
    "shop=bicycle": "BikeStore",
    "amenity=pharmacy": "Pharmacy",
    "healthcare=pharmacy": "Pharmacy",
    "amenity=cafe": "CafeOrCoffeeShop",
    "shop=coffee": "CafeOrCoffeeShop",
    "amenity=restaurant": "Restaurant",
    "amenity=fast_food": "FastFoodRestaurant",
    "amenity=ice_cream": "IceCreamShop",
    "amenity=bar": "BarOrPub",
    "amenity=pub": "BarOrPub",
    "craft=brewery": "Brewery",
    "shop=books": "BookStore",
    "shop=clothes": "ClothingStore",
    "shop=shoes": "ShoeStore",
    "shop=computer": "ComputerStore",
    "shop=electronics": "ElectronicsStore",
    "shop=mobile_phone": "MobilePhoneStore",
    "shop=convenience": "ConvenienceStore",
    "shop=supermarket": "GroceryStore",
    "shop=greengrocer": "GroceryStore",
    "shop=organic": "GroceryStore",
    "shop=deli": "GroceryStore",
    "shop=cheese": "GroceryStore",
    "shop=butcher": "GroceryStore",
    "shop=furniture": "FurnitureStore",
    "shop=garden_centre": "GardenStore",
    "shop=hardware": "HardwareStore",
    "shop=doityourself": "HardwareStore",
    "shop=jewelry": "JewelryStore",
    "shop=alcohol": "LiquorStore",
    "shop=wine": "LiquorStore",
    "shop=music": "MusicStore",
    "shop=pet": "PetStore",
    "shop=sports": "SportingGoodsStore",
    "shop=toys": "ToyStore",
    "shop=tyres": "TireShop",
    "shop=department_store": "DepartmentStore",
    "shop=hairdresser": "HairSalon",
    "shop=beauty": "BeautySalon",
    "shop=tattoo": "TattooParlor",
    "shop=optician": "Optician",
    "shop=car_repair": "AutoRepair",
    "shop=laundry": "DryCleaningOrLaundry",
    "shop=dry_cleaning": "DryCleaningOrLaundry",
    "shop=travel_agency": "TravelAgency",
    "shop=locksmith": "Locksmith",
    "craft=locksmith": "Locksmith",
    "craft=electrician": "Electrician",
    "craft=plumber": "Plumber",
    "amenity=dentist": "Dentist",
    "amenity=doctors": "Physician",
    "amenity=library": "Library",
    "amenity=bank": "BankOrCreditUnion",
    "office=estate_agent": "RealEstateAgent",
    "leisure=fitness_centre": "ExerciseGym",
}

_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_URI = {short: f"https://schema.org/{name}" for short, name in zip(_DAYS, _DAY_NAMES, strict=True)}
_RULE = re.compile(
    r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:\s*-\s*(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
    r"(?:\s*,\s*(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:\s*-\s*(?:Mo|Tu|We|Th|Fr|Sa|Su))?)*)?"
    r"\s*(?P<times>off|closed|\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}(?:\s*,\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})*)$"
)


def schema_type(categories: Iterable[str]) -> str:
    """The most specific schema.org type the OSM categories make obvious, else ``LocalBusiness``."""
    categories = list(categories)
    for category in categories:
        if category in _TYPES:
            return _TYPES[category]
    if any(category.startswith("shop=") for category in categories):
        return "Store"
    return "LocalBusiness"


def page_url(base_url: str, business_id: str) -> str:
    return f"{base_url.rstrip('/')}/b/{business_id}"


def photo_url(base_url: str, business: BusinessView) -> str | None:
    """Where the business's photo can be fetched: its own URL when the owner gave one, else our page's
    ``/photo`` (the web app fetches a Telegram photo through the Bot API); None without a photo."""
    photo = business.photo.strip()
    if not photo:
        return None
    if photo.startswith(("https://", "http://")):
        return photo
    return f"{page_url(base_url, business.id)}/photo"


def osm_url(source_id: str) -> str | None:
    """``node/123`` → the object's page on openstreetmap.org."""
    kind, _, number = source_id.partition("/")
    if kind in ("node", "way", "relation") and number.isdigit():
        return f"https://www.openstreetmap.org/{kind}/{number}"
    return None


def exportable(business: BusinessView) -> bool:
    """Published, and the owner did not opt out of public pages and open data."""
    return business.status == "published" and not business.opt_out


def _expand_days(spec: str) -> list[str]:
    days: list[str] = []
    for part in spec.split(","):
        start, _, end = (piece.strip() for piece in part.partition("-"))
        if not end:
            days.append(start)
            continue
        i, j = _DAYS.index(start), _DAYS.index(end)
        span = range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]
        days.extend(_DAYS[k] for k in span)
    return list(dict.fromkeys(days))


def _hhmm(text: str) -> str:
    hours, minutes = text.strip().split(":")
    return f"{int(hours):02d}:{minutes}"


def opening_hours_spans(expression: str) -> list[tuple[list[str], str, str]] | None:
    """``[(["Mo", ...], "09:00", "18:00"), ...]`` for the common OSM forms, ``None`` when it cannot say.

    Understands ``24/7``, day lists and ranges (``Mo-Fr``, ``Mo,We``, ``Fr-Mo``), several time spans
    per rule, ``off``, and later rules overriding earlier days as OSM's syntax does. Anything else
    (public holidays, months, week numbers, comments) makes the whole expression unknown rather than
    half-right.
    """
    expression = " ".join(expression.split())
    if not expression:
        return None
    if expression == "24/7":
        return [(list(_DAYS), "00:00", "23:59")]
    per_day: dict[str, list[tuple[str, str]]] = {}
    for rule in filter(None, (part.strip() for part in expression.split(";"))):
        match = _RULE.match(rule)
        if not match:
            return None
        days = _expand_days(match["days"]) if match["days"] else list(_DAYS)
        times = match["times"]
        spans: list[tuple[str, str]] = []
        if times not in ("off", "closed"):
            for span in times.split(","):
                opens, closes = (_hhmm(piece) for piece in span.split("-"))
                if not ("00:00" <= opens <= "24:00" and "00:00" <= closes <= "24:00"):
                    return None
                spans.append((opens, "23:59" if closes == "24:00" else closes))
        for day in days:
            per_day[day] = spans
    grouped: dict[tuple[str, str], list[str]] = {}
    for day in _DAYS:
        for span in per_day.get(day, []):
            grouped.setdefault(span, []).append(day)
    return [(days, opens, closes) for (opens, closes), days in grouped.items()]


def opening_hours_specification(expression: str) -> list[dict[str, Any]]:
    spans = opening_hours_spans(expression) or []
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [_DAY_URI[day] for day in days],
            "opens": opens,
            "closes": closes,
        }
        for days, opens, closes in spans
    ]


def _special_hours(special: dict[str, str]) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    for day, hours in sorted(special.items()):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            continue
        spec: dict[str, Any] = {"@type": "OpeningHoursSpecification", "validFrom": day, "validThrough": day}
        match = re.fullmatch(r"\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*", str(hours))
        if match:
            spec["opens"], spec["closes"] = _hhmm(match[1]), _hhmm(match[2])
        else:
            spec["opens"] = spec["closes"] = "00:00"
        specs.append(spec)
    return specs


def story_text(business: BusinessView) -> str:
    return " ".join(
        " ".join(part.split())
        for part in (business.story_who, business.story_how, business.story_why)
        if part.strip()
    )


POSTAL_CODES = {
    "NL": r"\d{4} ?[A-Z]{2}",
    "BE": r"\d{4}",
    "LU": r"(?:L-)?\d{4}",
    "CH": r"\d{4}",
    "AT": r"\d{4}",
    "DK": r"\d{4}",
    "NO": r"\d{4}",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "FI": r"\d{5}",
    "ES": r"\d{5}",
    "IT": r"\d{5}",
    "SE": r"\d{3} ?\d{2}",
}
"""Postal code forms per country (ISO 3166-1 alpha-2), for splitting an address as people write it."""


def split_address(text: str, country: str) -> dict[str, str]:
    """``"Lindenstraat 12, 3512 AB Utrecht"`` → street, postal code and locality (PostalAddress fields).

    The part holding the country's postal code gives the code and, after it, the locality; what comes
    before is the street. Without a recognisable code the first part is the street and a last part the
    locality. Nothing is invented: unknown fields are left out.
    """
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        return {}
    pattern = POSTAL_CODES.get(country.upper())
    if pattern:
        for index, part in enumerate(parts):
            match = re.fullmatch(rf"(?P<before>.*?)\b(?P<code>{pattern})\b\s*(?P<after>.*)", part)
            if match is None:
                continue
            street = ", ".join([*parts[:index], match["before"].strip()]).strip(" ,")
            fields = {"streetAddress": street, "postalCode": match["code"], "addressLocality": match["after"]}
            if not fields["addressLocality"] and index + 1 < len(parts):
                fields["addressLocality"] = parts[index + 1]
            return {key: value.strip() for key, value in fields.items() if value.strip()}
    fields = {"streetAddress": parts[0]}
    if len(parts) > 1:
        fields["addressLocality"] = parts[-1]
    return fields


def _address(business: BusinessView, area: AreaView | None) -> dict[str, Any] | None:
    if not business.address and area is None:
        return None
    address: dict[str, Any] = {"@type": "PostalAddress"}
    if area is not None:
        if area.city:
            address["addressLocality"] = area.city
        if area.country:
            address["addressCountry"] = area.country
    if business.address:
        address.update(split_address(business.address, area.country if area else ""))
    return address


_CONNECTORS = {"and", "en", "und", "et", "&"}
_PARTICLES = {"van", "de", "der", "den", "ter", "ten", "von", "zu", "le", "la", "du", "des", "di", "da", "'t"}


def founders(story_who: str) -> list[str]:
    """The names a "who" line starts with: "Anna and Piet Visser, bakers since 1998." → Anna Visser,
    Piet Visser; "Bo, florist." → Bo. Empty when the line does not start with a name ("We are two
    sisters…"), so no founder is claimed from a sentence."""
    lead = re.split(r"[,.;:!?()\u2013\u2014]| - ", " ".join(story_who.split()), maxsplit=1)[0].strip()
    words = lead.split()
    if not words or len(words) > 7:
        return []
    people: list[list[str]] = [[]]
    for word in words:
        if word.lower() in _CONNECTORS:
            people.append([])
        elif word[0].isupper() or (word.lower() in _PARTICLES and people[-1]):
            people[-1].append(word)
        else:
            return []
    if any(not person or not person[0][0].isupper() for person in people):
        return []
    family = people[-1][1:]
    return [" ".join(person + family if len(person) == 1 and family else person) for person in people]


def _offer_catalog(business: BusinessView) -> dict[str, Any] | None:
    if not business.products:
        return None
    return {
        "@type": "OfferCatalog",
        "name": business.name,
        "itemListElement": [
            {
                "@type": "Offer",
                "itemOffered": {"@type": "Service" if p.kind == "service" else "Product", "name": p.name},
                **({"availability": "https://schema.org/SoldOut"} if p.sold_out else {}),
            }
            for p in business.products
        ],
    }


PAYMENT_NAMES = {"cash": "Cash", "card": "Debit or credit card", "contactless": "Contactless payment"}


def _payment_accepted(methods: tuple[str, ...]) -> str | None:
    """schema.org ``paymentAccepted`` is free text ("Cash, Credit Card"): the known methods, joined."""
    return ", ".join(PAYMENT_NAMES[m] for m in methods if m in PAYMENT_NAMES) or None


def _wheelchair_feature(access: str) -> list[dict[str, Any]] | None:
    """``amenityFeature`` as Google and schema.org describe it: a LocationFeatureSpecification named
    "Wheelchair accessible" whose value is true or false; OSM's "limited" (a small step, a narrow
    door) is not fully accessible, so false, and it says so."""
    if access not in ("yes", "limited", "no"):
        return None
    feature: dict[str, Any] = {
        "@type": "LocationFeatureSpecification",
        "name": "Wheelchair accessible",
        "value": access == "yes",
    }
    if access == "limited":
        feature["description"] = "Partly accessible (for example a small step or a narrow door)"
    return [feature]


FIELD_PROPERTIES: dict[str, Any] = {
    "paymentAccepted": _payment_accepted,
    "amenityFeature": _wheelchair_feature,
}
"""How a registry field's value becomes its schema.org property, for fields without a node of their own
above (:attr:`catalog.fields.Field.jsonld`)."""


def business_jsonld(
    business: BusinessView, area: AreaView | None, base_url: str, bot_username: str
) -> dict[str, Any]:
    """One business as a schema.org LocalBusiness (or a more specific type), with ``@context``.

    Follows Google's LocalBusiness structured-data guidance: ``name`` and a structured ``address``
    (street, postal code, locality, country), ``geo``, ``url`` and ``mainEntityOfPage`` naming our page
    (the page is about this business), ``sameAs`` the shop's own site (and its OpenStreetMap object),
    ``image``, ``telephone``, ``openingHoursSpecification``, ``paymentAccepted`` and wheelchair access
    as an ``amenityFeature`` when known; ``founder`` only with a name read from the owner's "who" line.

    The page's own "Ask the concierge" link carries a business deep link; here ``potentialAction``
    points at the bot itself, since catalog/ does not depend on the conversation's payload format.
    """
    url = page_url(base_url, business.id)
    node: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": schema_type(business.categories),
        "@id": url,
        "url": url,
        "name": business.name,
        "identifier": business.id,
        "geo": {"@type": "GeoCoordinates", "latitude": business.lat, "longitude": business.lon},
        "hasMap": f"https://www.openstreetmap.org/?mlat={business.lat}&mlon={business.lon}#map=18/{business.lat}/{business.lon}",
    }
    story = story_text(business)
    if story:
        node["description"] = story
        if business.story_language:
            node["inLanguage"] = business.story_language
    names = founders(business.story_who)
    if names:
        node["founder"] = [{"@type": "Person", "name": name} for name in names]
    image = photo_url(base_url, business)
    if image:
        node["image"] = image
    address = _address(business, area)
    if address:
        node["address"] = address
    if business.phone:
        node["telephone"] = business.phone
    same_as = [link for link in (business.website, osm_url(business.source_id or "")) if link]
    if same_as:
        node["sameAs"] = same_as
    node["mainEntityOfPage"] = {"@type": "WebPage", "@id": url}
    if business.opening_hours:
        node["openingHours"] = business.opening_hours
        hours = opening_hours_specification(business.opening_hours)
        if hours:
            node["openingHoursSpecification"] = hours
    special = _special_hours(business.special_hours)
    if special:
        node["specialOpeningHoursSpecification"] = special
    catalog = _offer_catalog(business)
    if catalog:
        node["hasOfferCatalog"] = catalog
    if business.languages:
        node["knowsLanguage"] = list(business.languages)
    for field in registry.public():
        if field.jsonld in FIELD_PROPERTIES:
            value = FIELD_PROPERTIES[field.jsonld](getattr(business, field.name))
            if value:
                node[field.jsonld] = value
    if area is not None:
        node["areaServed"] = {
            "@type": "Place",
            "name": f"{area.name}, {area.city}" if area.city else area.name,
        }
    if bot_username:
        node["potentialAction"] = {
            "@type": "AskAction",
            "target": f"https://t.me/{bot_username}",
        }
    if business.source_id:
        node["isBasedOn"] = osm_url(business.source_id) or OSM_COPYRIGHT_URL
        node["license"] = ODBL_URL
        node["creditText"] = OSM_CREDIT
        node["copyrightNotice"] = OSM_CREDIT
    if business.updated_at is not None:
        node["dateModified"] = business.updated_at.isoformat()
    return node


def catalogue_jsonld(
    businesses: Iterable[BusinessView],
    areas: Iterable[AreaView],
    base_url: str,
    bot_username: str,
) -> dict[str, Any]:
    """All exportable businesses as one ``@graph``, led by a Dataset node with licence and attribution."""
    by_area = {area.id: area for area in areas}
    nodes = []
    osm_derived = False
    for business in sorted(businesses, key=lambda b: b.id):
        if not exportable(business):
            continue
        node = business_jsonld(business, by_area.get(business.area_id or ""), base_url, bot_username)
        node.pop("@context")
        osm_derived = osm_derived or bool(business.source_id)
        nodes.append(node)
    base = base_url.rstrip("/")
    dataset: dict[str, Any] = {
        "@type": "Dataset",
        "@id": f"{base}/catalogue.jsonld",
        "name": "Neighbourhood concierge catalogue",
        "description": "Independent neighbourhood businesses: what they sell, where they are, their hours "
        "and their owners' own stories.",
        "url": f"{base}/",
        "hasPart": [{"@id": node["@id"]} for node in nodes],
    }
    if osm_derived:
        dataset["license"] = ODBL_URL
        dataset["creditText"] = (
            f"Includes data {OSM_CREDIT} ({OSM_COPYRIGHT_URL}); records with isBasedOn an "
            "openstreetmap.org object are derived from OpenStreetMap."
        )
    return {"@context": SCHEMA_CONTEXT, "@graph": [dataset, *nodes]}
