"""Every notice a workflow can send has its wording in notify/templates.py.

`render` refuses a template it has no wording for (`UnknownTemplate`), so a name a workflow sends and the
templates lack would stop that case's notices. This test reads the workflows' source, finds every
`Notice(template=...)` they build and works out each name it can hold: a literal, an f-string such as
`f"decision_{decision}"` over the values its callers pass, a name assigned or looped over, or the
`template` field of a step (the advice request's `ChaseStep`). A form it cannot follow fails the test,
naming the line, so a new way of naming a template cannot slip past it.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

from notify.templates import TEMPLATES

WORKFLOWS = Path(__file__).resolve().parents[3] / "workflows"


class Unresolved(Exception):
    pass


@dataclass(frozen=True)
class Place:
    """A node and the function it is in."""

    file: Path
    function: ast.FunctionDef | ast.AsyncFunctionDef | None

    def where(self, node: ast.AST) -> str:
        return f"{self.file.relative_to(WORKFLOWS.parent)}:{getattr(node, 'lineno', '?')}"


class Source:
    """The workflows' modules, parsed, with every call and every function by name."""

    def __init__(self) -> None:
        self.calls: list[tuple[ast.Call, Place]] = []
        self.functions: dict[str, list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, Path]]] = {}
        self.fields: dict[str, list[str]] = {}  # class -> its annotated fields, in order
        self._following: set[int] = set()
        for file in sorted(WORKFLOWS.rglob("*.py")):
            tree = ast.parse(file.read_text(), str(file))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(node.name, []).append((node, file))
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Call):
                            self.calls.append((inner, Place(file, node)))
                elif isinstance(node, ast.ClassDef):
                    self.fields[node.name] = [
                        s.target.id
                        for s in node.body
                        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                    ]
            for node in tree.body:  # calls outside any function
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and not _inside_function(tree, inner):
                        self.calls.append((inner, Place(file, None)))

    def calls_to(self, name: str) -> list[tuple[ast.Call, Place]]:
        return [(call, place) for call, place in self.calls if _called(call) == name]

    def values(self, node: ast.expr, place: Place) -> set[str]:
        """Every string `node` can be, at `place` (nothing more from a node already being followed: a
        template passed on through `Notice.template` and back must not loop)."""
        if id(node) in self._following:
            return set()
        self._following.add(id(node))
        try:
            return self._values(node, place)
        finally:
            self._following.discard(id(node))

    def _values(self, node: ast.expr, place: Place) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.values(node.body, place) | self.values(node.orelse, place)
        if isinstance(node, ast.JoinedStr):
            parts: list[set[str]] = []
            for part in node.values:
                if isinstance(part, ast.FormattedValue) and not part.format_spec and part.conversion == -1:
                    parts.append(self.values(part.value, place))
                else:
                    parts.append(self.values(part, place))
            return {"".join(chosen) for chosen in itertools.product(*parts)}
        if isinstance(node, ast.Name) and place.function is not None:
            return self._name(node, place)
        if isinstance(node, ast.Attribute):
            return self._field(node.attr, place, node)
        raise Unresolved(f"{place.where(node)}: cannot tell which template {ast.unparse(node)!r} names")

    def _name(self, node: ast.Name, place: Place) -> set[str]:
        function = place.function
        assert function is not None
        parameters = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        keyword_only = [a.arg for a in function.args.kwonlyargs]
        if node.id in parameters or node.id in keyword_only:
            return self._arguments(function, node.id, parameters)
        found: set[str] = set()
        for inner in ast.walk(function):
            if isinstance(inner, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in inner.targets
            ):
                found |= self.values(inner.value, place)
            elif isinstance(inner, ast.For | ast.AsyncFor) and isinstance(inner.target, ast.Tuple):
                names = [t.id if isinstance(t, ast.Name) else "" for t in inner.target.elts]
                if node.id in names and isinstance(inner.iter, ast.Call):
                    found |= self._returned(_called(inner.iter), names.index(node.id), place, inner)
        if not found:
            raise Unresolved(f"{place.where(node)}: cannot tell which template {node.id!r} names")
        return found

    def _arguments(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, parameters: list[str]
    ) -> set[str]:
        """What the callers of `function` pass as its parameter `name`."""
        index = parameters.index(name) if name in parameters else None
        if index is not None and parameters[:1] == ["self"]:
            index -= 1
        found: set[str] = set()
        for call, place in self.calls_to(function.name):
            given = [k.value for k in call.keywords if k.arg == name]
            if not given and index is not None and index < len(call.args):
                given = [call.args[index]]
            for argument in given:
                found |= self.values(argument, place)
        if not found:
            raise Unresolved(f"no caller of {function.name} passes {name!r}")
        return found

    def _returned(self, function_name: str, index: int, place: Place, node: ast.AST) -> set[str]:
        """The `index`th item of the tuples `function_name` collects with `.append((...))`."""
        found: set[str] = set()
        for function, file in self.functions.get(function_name, []):
            for inner in ast.walk(function):
                if (
                    isinstance(inner, ast.Call)
                    and _called(inner) == "append"
                    and inner.args
                    and isinstance(inner.args[0], ast.Tuple)
                ):
                    found |= self.values(inner.args[0].elts[index], Place(file, function))
        if not found:
            raise Unresolved(f"{place.where(node)}: cannot tell which templates {function_name}() gives")
        return found

    def _field(self, field: str, place: Place, node: ast.AST) -> set[str]:
        """Every value given to the field `field` of any class that has one, where it is built."""
        found: set[str] = set()
        for cls, fields in self.fields.items():
            if field not in fields:
                continue
            for call, at in self.calls_to(cls):
                given = [k.value for k in call.keywords if k.arg == field]
                if not given and fields.index(field) < len(call.args):
                    given = [call.args[fields.index(field)]]
                for argument in given:
                    found |= self.values(argument, at)
        if not found:
            raise Unresolved(f"{place.where(node)}: cannot tell which templates .{field} holds")
        return found


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _inside_function(tree: ast.Module, target: ast.AST) -> bool:
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and target in set(ast.walk(node))
        for node in ast.walk(tree)
    )


def sendable() -> set[str]:
    """Every template name a workflow can put into a `Notice`."""
    source = Source()
    names: set[str] = set()
    built = source.calls_to("Notice")
    assert built, "no Notice(...) found under workflows/: has the record been renamed?"
    for call, place in built:
        template = [k.value for k in call.keywords if k.arg == "template"]
        assert template, f"{place.where(call)}: a Notice built without template=..."
        names |= source.values(template[0], place)
    return names


def test_the_scan_finds_the_templates_named_every_way() -> None:
    names = sendable()

    assert {"request_received", "advice_request"} <= names  # literals
    assert {"deadline_breached", "deadline_escalated"} <= names  # from DeadlineWatch.due_now
    assert {"advice_reminder", "advice_overdue", "advice_escalated"} <= names  # the ChaseStep field
    assert {"decision_refuse_assess", "decision_not_issue", "decision_cease"} <= names  # f-strings
    assert "decision_refuse_reassess" in names  # a conditional


@pytest.mark.parametrize("template", sorted(sendable()))
def test_every_template_a_workflow_can_send_has_its_wording(template: str) -> None:
    assert template in TEMPLATES, f"workflows/ can send {template!r}; add its wording to notify/templates.py"


def test_a_form_the_scan_cannot_follow_fails() -> None:
    source = Source()
    call = ast.parse("Notice(template=pick())").body[0].value  # type: ignore[attr-defined]
    with pytest.raises(Unresolved, match="cannot tell which template"):
        source.values(call.keywords[0].value, Place(WORKFLOWS / "x.py", None))
