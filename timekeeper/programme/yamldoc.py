"""YAML text to plain data plus the line and column of every key and value.

Only the safe YAML parser is used, and the document is built here from its
parse events instead of by PyYAML's constructor, for four reasons:
- every key and value keeps its mark, so errors point at the line the user wrote;
- no tag can construct anything: `!!python/object` and friends are reported, never run;
- times stay as typed: YAML 1.1 reads `15:35` as the number 935 and `2023-11-20`
  as a date, so sexagesimal numbers and timestamps are kept as their text;
- the build is iterative and bounded (nesting depth, alias expansion), so no input
  can exhaust the stack or memory (libyaml's own composer crashes on deep nesting).
The bounds are timekeeper's own, whatever the YAML library's version does: flow
nesting is checked on the text before parsing (`yamlbounds`), block nesting and
alias expansion as the events arrive, and a library's own nesting error is
reported in timekeeper's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from timekeeper.programme.diagnostics import Report
from timekeeper.programme.locations import Locations, Mark, Path
from timekeeper.programme.yamlbounds import MAX_DEPTH, too_deep

MAX_VALUES = 1_000_000
_CORE = "tag:yaml.org,2002:"
_CONTAINER_TAGS = {None, "!", _CORE + "map", _CORE + "seq"}
_SCALAR_TAGS = {_CORE + name for name in ("null", "bool", "int", "float")}
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_DEPTH_MESSAGE = f"the document nests deeper than {MAX_DEPTH} levels"
_CONSTRUCTOR = SafeConstructor()


class _Abort(Exception):
    """The document cannot be built further; the reason is already reported."""


class _Pending:
    """Stands for an anchored container that is still being built (an alias to it recurses)."""


_PENDING = _Pending()
_SKIP = object()  # the key of a pair that is dropped (reported already)
_MERGE = object()  # the `<<` merge key


@dataclass
class _Frame:
    """A mapping or sequence under construction."""

    container: dict[str, Any] | list[Any]
    path: Path | None  # None: the container is discarded (it was an invalid key)
    mark: Mark
    anchor: str | None
    size: int = 1
    key: object = None  # str, _SKIP or _MERGE once a key was read; None while expecting one
    key_mark: Mark = (0, 0)
    merges: list[tuple[dict[str, Any], Mark]] = field(default_factory=list)
    is_key: bool = False  # a list or mapping written where a key belongs: dropped


def compose(text: str, report: Report) -> tuple[Any, Locations] | None:
    """Build the single document in `text`; None when it cannot be built (reported)."""
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        report.error(_mark_at(text, bad.start()), _control_message(bad.group()))
        return None
    deep = too_deep(text)
    if deep is not None:
        report.error(deep, _DEPTH_MESSAGE)
        return None
    builder = _Builder(report)
    try:
        for event in yaml.parse(text, Loader=_PARSER):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):  # a library with a stricter limit than ours
            report.error(_mark(exc.problem_mark), _DEPTH_MESSAGE)
            return None
        report.error(_mark(exc.problem_mark), _syntax_message(exc))
        return None
    except yaml.YAMLError as exc:
        report.error(None, f"invalid YAML: {exc}")
        return None
    except _Abort:
        return None
    return builder.root, builder.locations


def _mark(mark: Any) -> Mark:
    return (mark.line, mark.column) if mark is not None else (0, 0)


def _mark_at(text: str, offset: int) -> Mark:
    line = text.count("\n", 0, offset)
    return (line, offset - (text.rfind("\n", 0, offset) + 1))


def _control_message(char: str) -> str:
    return (
        f"the file contains the control character U+{ord(char):04X}, which YAML does not allow; "
        "expected plain text (is this really a programme file?)"
    )


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's wording, plus where the construct it was parsing began."""
    message = f"invalid YAML: {exc.problem}"
    if exc.context and exc.context_mark is not None:
        message += f" ({exc.context} started at line {exc.context_mark.line + 1})"
    if exc.problem and "tab" in exc.problem.lower():
        message += "; indent with spaces, not tabs"
    return message


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class _Builder:
    """Turns parse events into dicts, lists and scalars, recording marks along the way."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.locations = Locations()
        self.root: Any = None
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.documents = 0
        self.total = 0

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self._document(event)
        elif isinstance(event, yaml.ScalarEvent):
            self._on_scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            self._on_alias(event)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._start(event)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self._end()

    def _document(self, event: yaml.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            self.report.error(
                _mark(event.start_mark),
                "a programme file holds one YAML document; remove this second one (after '---')",
            )
            raise _Abort

    def _count(self, size: int, mark: Mark) -> None:
        self.total += size
        if self.total > MAX_VALUES:
            self.report.error(mark, f"aliases expand the document beyond {MAX_VALUES} values")
            raise _Abort

    def _on_scalar(self, event: yaml.ScalarEvent) -> None:
        mark = _mark(event.start_mark)
        self._count(1, mark)
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.key is None:
            self._read_key(top, event, mark)
            return
        value = self._scalar(event, mark)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self._deliver(value, 1, mark)

    def _scalar(self, event: yaml.ScalarEvent, mark: Mark) -> Any:
        tag, text = event.tag, event.value
        if tag is None and event.implicit[0]:
            return _plain(text, None)
        if tag in (None, "!", _CORE + "str"):
            return text
        if tag in _SCALAR_TAGS:
            return _plain(text, tag)
        self.report.error(
            mark,
            f"YAML tag '{_show_tag(tag)}' is not allowed: a programme holds only text, "
            "numbers, true/false, lists and mappings",
        )
        return text

    def _read_key(self, frame: _Frame, event: yaml.ScalarEvent, mark: Mark) -> None:
        frame.key_mark = mark
        if event.tag is None and event.implicit[0] and event.value == "<<":
            frame.key = _MERGE
            return
        key = event.value
        assert isinstance(frame.container, dict)
        if key in frame.container:
            first = None if frame.path is None else self.locations.key((*frame.path, key))
            where = f" (first given at line {first[0] + 1})" if first else ""
            self.report.error(mark, f"duplicate key '{key}'{where}; keep only one")
            frame.key = _SKIP
            return
        frame.key = key

    def _on_alias(self, event: yaml.AliasEvent) -> None:
        mark = _mark(event.start_mark)
        if self._rejected_as_key(mark):
            return
        found = self.anchors.get(event.anchor) if event.anchor else None
        if found is None:
            self.report.error(
                mark, f"unknown alias '*{event.anchor}': define '&{event.anchor}' first"
            )
            value, size = None, 1
        elif found[0] is _PENDING:
            self.report.error(mark, f"alias '*{event.anchor}' refers to a value that contains it")
            value, size = None, 1
        else:
            value, size = found
        self._count(size, mark)
        self._deliver(value, size, mark)

    def _rejected_as_key(self, mark: Mark) -> bool:
        """A list, mapping or alias where a key belongs: report it and drop the pair."""
        top = self.stack[-1] if self.stack else None
        if top is None or not isinstance(top.container, dict) or top.key is not None:
            return False
        self.report.error(mark, "a key must be plain text, not a list, mapping or alias")
        top.key, top.key_mark = _SKIP, mark
        return True

    def _start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        mark = _mark(event.start_mark)
        self._count(1, mark)
        as_key = self._rejected_as_key(mark)
        if event.tag not in _CONTAINER_TAGS:
            self.report.error(mark, f"YAML tag '{_show_tag(str(event.tag))}' is not allowed here")
        if len(self.stack) >= MAX_DEPTH:
            self.report.error(mark, _DEPTH_MESSAGE)
            raise _Abort
        container: dict[str, Any] | list[Any] = (
            {} if isinstance(event, yaml.MappingStartEvent) else []
        )
        path = None if as_key else self._child_path()
        self.stack.append(_Frame(container, path, mark, event.anchor, is_key=as_key))
        if event.anchor:
            self.anchors[event.anchor] = (_PENDING, 1)

    def _child_path(self) -> Path | None:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.path is None:
            return None
        if isinstance(top.container, list):
            return (*top.path, len(top.container))
        return (*top.path, top.key) if isinstance(top.key, str) else None

    def _end(self) -> None:
        frame = self.stack.pop()
        if isinstance(frame.container, dict):
            self._apply_merges(frame)
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.container, frame.size)
        if frame.is_key:
            return  # dropped (reported); the pair's value comes next and is dropped too
        self._deliver(frame.container, frame.size, frame.mark)

    def _apply_merges(self, frame: _Frame) -> None:
        """YAML merge keys: merged entries fill in what the mapping does not set itself."""
        assert isinstance(frame.container, dict)
        for source, mark in frame.merges:
            for key, value in source.items():
                if key not in frame.container:
                    frame.container[key] = value
                    if frame.path is not None:
                        self.locations.add((*frame.path, key), mark, mark)

    def _deliver(self, value: Any, size: int, mark: Mark) -> None:
        if not self.stack:
            self.root = value
            self.locations.add((), mark)
            return
        top = self.stack[-1]
        top.size += size
        if isinstance(top.container, list):
            if top.path is not None:
                self.locations.add((*top.path, len(top.container)), mark)
            top.container.append(value)
            return
        key, top.key = top.key, None
        if key is _MERGE:
            self._merge(top, value, mark)
        elif isinstance(key, str):
            top.container[key] = value
            if top.path is not None:
                self.locations.add((*top.path, key), mark, top.key_mark)

    def _merge(self, frame: _Frame, value: Any, mark: Mark) -> None:
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            self.report.error(
                mark, "'<<' merges a mapping or a list of mappings (e.g. <<: *defaults)"
            )
            return
        frame.merges.extend((source, frame.key_mark) for source in sources)


def _plain(text: str, tag: str | None) -> Any:
    """A plain scalar as YAML reads it, except that times and dates stay text."""
    tag = tag or str(_RESOLVER.resolve(ScalarNode, text, (True, False)))  # type: ignore[no-untyped-call]
    node = ScalarNode(tag, text)
    try:
        if tag == _CORE + "null":
            return None
        if tag == _CORE + "bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == _CORE + "int" and ":" not in text:
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == _CORE + "float" and ":" not in text:
            return _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, KeyError, TypeError):
        return text
    return text
