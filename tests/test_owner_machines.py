"""The owners' declared machines: the committed diagrams are the ones the tables generate, every
``accept`` goes only where its row says, and what is derived from the listing flow's table."""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any, cast

import pytest

from catalog import fields
from concierge.owners import diagrams, flow, listing, machine, router, steps
from concierge.owners.machine import END


@pytest.mark.parametrize("path", sorted(diagrams.generated()), ids=lambda path: path.name)
def test_the_committed_diagram_is_the_generated_one(path: object) -> None:
    wanted = diagrams.generated()[path]  # type: ignore[index]
    assert path.read_text(encoding="utf-8") == wanted, "run: python -m concierge.owners.diagrams"  # type: ignore[attr-defined]


def test_the_diagram_script_says_when_a_diagram_is_out_of_date() -> None:
    assert diagrams.main(["--check"]) == 0


@pytest.mark.parametrize("table", [flow.MACHINE, router.MODES], ids=["flow", "modes"])
def test_every_state_is_declared_and_reachable(table: machine.Machine) -> None:
    machine.check(table)
    broken = dataclass_replace_target(table)
    with pytest.raises(ValueError, match="undeclared state"):
        machine.check(broken)


def dataclass_replace_target(table: machine.Machine) -> machine.Machine:
    """The table with one arrow pointing at a state it does not have."""
    first, *rest = table.states
    wrong = machine.State(first.name, first.prompt, first.accept, (*first.to, "nowhere"))
    return machine.Machine(table.title, (wrong, *rest), table.start)


def named_targets(function: Any, seen: set[str] | None = None) -> set[str]:
    """The states an accept function names in ``Step("...")``, its own module's helpers included."""
    seen = set() if seen is None else seen
    seen.add(function.__name__)
    module = inspect.getmodule(function)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id == "Step" and node.args and isinstance(node.args[0], ast.Constant):
            found.add(node.args[0].value)
        helper = getattr(module, node.func.id, None)
        if (
            inspect.isfunction(helper)
            and helper.__module__ == function.__module__
            and helper.__name__ not in seen
        ):
            found |= named_targets(helper, seen)
    return found


def goes_onward(function: Any) -> bool:
    return "onward()" in inspect.getsource(function)


@pytest.mark.parametrize("state", flow.STEPS, ids=lambda state: state.name)
def test_every_accept_moves_only_along_its_declared_transitions(state: machine.State) -> None:
    assert state.accept is not None and state.prompt is not None
    assert named_targets(state.accept) <= set(state.to), state.name
    if goes_onward(state.accept):
        assert state.to, f"{state.name} goes on but declares nowhere to go"


def test_a_move_off_the_table_is_refused() -> None:
    running = flow.Flow(cast(Any, None), {**flow.new_flow("en"), "state": "pickup"})
    with pytest.raises(machine.UndeclaredTransition):
        flow.move(running, "photo")
    flow.move(running, "delivery")
    assert running.data["state"] == "delivery" and running.data["history"] == ["pickup"]


def test_what_the_listing_table_derives() -> None:
    assert flow.PARTS == (
        "name",
        "category",
        "location",
        "hours",
        "products",
        "story",
        "photo",
        "contact",
        "delivery",
        "payment",
        "access",
    )
    assert flow.CLEARABLE == {
        "story_who": "story_who",
        "story_how": "story_how",
        "story_why": "story_why",
        "photo": "photo",
        "contact_phone": "phone",
        "contact_website": "website",
        "payment": "payment",
        "wheelchair": "wheelchair",
    }
    assert flow.GROUP_FIELDS["location"] == ("lat", "lon", "address")
    assert flow.GROUP_FIELDS["payment"] == ("payment",) and flow.GROUP_FIELDS["access"] == ("wheelchair",)
    assert flow.GROUP_FIELDS["products"] == ()
    assert flow.ENTRY["story"] == "story_who" and flow.ENTRY["access"] == "wheelchair"
    assert ("delivery", "payment") in flow.TRANSITIONS and ("wheelchair", "preview") in flow.TRANSITIONS
    assert ("preview", "wheelchair") in flow.TRANSITIONS and ("payment", "preview") in flow.TRANSITIONS
    assert ("delivery", "preview") not in set(flow.MACHINE.declared()), "a jump, not a row's arrow"


def test_the_owner_card_offers_an_edit_of_every_part() -> None:
    assert listing.EDIT_GROUPS == flow.PARTS


def test_each_step_fills_fields_of_its_own_part() -> None:
    for state in flow.STEPS:
        if state.fields:
            assert state.group is not None
            assert set(state.fields) <= {field.name for field in fields.in_group(state.group)}, state.name


def test_the_generic_steps_have_translated_questions_and_labels() -> None:
    from concierge.i18n import translator

    for field in (fields.BY_NAME["payment"], fields.BY_NAME["wheelchair"]):
        for lang in ("nl", "de", "fr"):
            t = translator(lang)
            for msgid in (field.question, field.label, *field.choice_labels):
                assert t(msgid) != msgid, (lang, msgid)


@pytest.mark.parametrize(
    ("stored", "mode"),
    [
        (None, END),
        ({"mode": "create", "state": "name"}, "listing"),
        ({"mode": "edit", "state": "photo", "paused": True}, "paused"),
        ({"mode": "input", "input": "closure"}, "closure"),
        ({"mode": "input", "input": "evidence", "claim": "x"}, "evidence"),
        ({"mode": "moderate", "action": "ask", "item": 3}, "moderate"),
    ],
)
def test_a_stored_step_is_a_state_of_the_modes_table(stored: dict[str, Any] | None, mode: str) -> None:
    assert steps.mode_of(stored) == mode
    assert mode in router.MODES.names


def test_the_modes_table_declares_how_steps_end() -> None:
    assert router.MODES.allows("closure", "closure"), "an unreadable date is asked again"
    assert router.MODES.allows("claim", "evidence") and not router.MODES.allows("claim", END)
    assert router.MODES.allows(END, "code") and not router.MODES.allows("code", "code")
    assert set(router.MODES.names) >= steps.QUESTIONS_LEAVE_INPUTS
