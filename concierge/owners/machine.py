"""Declared state machines: one table of states, and what is derived from it.

A guided flow is written as one table (in the style of python-telegram-bot's ``ConversationHandler``
examples): each row names a state, what it says (``prompt``), what it does with an answer (``accept``),
the states it may go to (``to``; the first is where "on to the next" leads) and the part of the flow it
belongs to. The transitions, the parts and their first states, and the Mermaid diagram beside the code are
computed from the table, so they cannot disagree with it; tests compare the committed diagrams with
:func:`mermaid` and check every ``accept`` against the declared transitions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

END = "[*]"
"""Mermaid's start and end marker: in ``to``, the machine is left (the state is cleared)."""


@dataclass(frozen=True, slots=True)
class State:
    name: str
    prompt: Callable[..., Any] | None = None
    accept: Callable[..., Any] | None = None
    to: tuple[str, ...] = ()
    """The states an answer may lead to; the first is the usual next one."""
    group: str | None = None
    """The part of the flow it belongs to (None: not a part of its own)."""
    fields: tuple[str, ...] = ()
    """The fields of :mod:`catalog.fields` it fills."""
    note: str = ""
    """Why it is there, when the name does not say (shown as a comment in the diagram)."""


@dataclass(frozen=True, slots=True)
class Machine:
    title: str
    """The comment lines at the top of the diagram."""
    states: tuple[State, ...]
    start: str
    """The first state; :data:`END` for a machine entered at several states (its row lists them)."""
    extra: tuple[tuple[str, str], ...] = ()
    """Derived transitions that are not written in a row (drawn after a comment)."""
    extra_note: str = ""

    @property
    def by_name(self) -> dict[str, State]:
        return {state.name: state for state in self.states}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(state.name for state in self.states)

    def declared(self) -> Iterator[tuple[str, str]]:
        """The transitions written in the rows, in table order."""
        for state in self.states:
            for target in state.to:
                yield state.name, target

    def moves(self) -> frozenset[tuple[str, str]]:
        """Every allowed move, entering and leaving the machine included."""
        return frozenset((*self.declared(), *self.extra))

    def allows(self, source: str, target: str) -> bool:
        return (source, target) in self.moves()

    def transitions(self) -> frozenset[tuple[str, str]]:
        """Every allowed move between states (leaving the machine excluded)."""
        return frozenset(edge for edge in (*self.declared(), *self.extra) if END not in edge)


def groups(states: Iterable[State]) -> tuple[str, ...]:
    """The parts of a flow in the order of their first state."""
    return tuple(dict.fromkeys(state.group for state in states if state.group is not None))


def entries(states: Iterable[State]) -> dict[str, str]:
    """Each part's first state: where an edit of that part, or a jump to it, starts."""
    found: dict[str, str] = {}
    for state in states:
        if state.group is not None:
            found.setdefault(state.group, state.name)
    return found


def check(machine: Machine) -> None:
    """Every target is a state of the machine (or the end), every state is reachable from the start."""
    names = set(machine.names) | {END}
    for source, target in (*machine.declared(), *machine.extra):
        if source not in names or (target not in names and target != END):
            raise ValueError(f"{machine.title.splitlines()[0]}: undeclared state in {source} -> {target}")
    reached, todo = {machine.start}, [machine.start]
    edges = machine.moves()
    while todo:
        current = todo.pop()
        for source, target in edges:
            if source == current and target not in reached:
                reached.add(target)
                todo.append(target)
    if set(machine.names) - reached:
        raise ValueError(f"unreachable states: {sorted(set(machine.names) - reached)}")


class UndeclaredTransition(RuntimeError):
    """A step tried to go where the diagram has no arrow: a bug, never the person's fault."""


def mermaid(machine: Machine) -> str:
    """The machine as a Mermaid ``stateDiagram-v2``, generated (``python -m concierge.owners.diagrams``)."""
    lines = [f"%% {line}".rstrip() for line in machine.title.strip().splitlines()]
    lines.append("stateDiagram-v2")
    if machine.start != END:
        lines.append(f"    {END} --> {machine.start}")
    for state in machine.states:
        if state.note:
            lines.append(f"    %% {state.name}: {state.note}")
        lines += [f"    {state.name} --> {target}" for target in state.to]
    if machine.extra:
        lines.append(f"    %% {machine.extra_note}")
        lines += [f"    {source} --> {target}" for source, target in machine.extra]
    return "\n".join(lines) + "\n"
