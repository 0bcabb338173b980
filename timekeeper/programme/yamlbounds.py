"""Limits on a YAML text checked before any YAML library sees it.

The loader promises that no document nests deeper than `MAX_DEPTH`, whatever the
YAML library does. Block collections are bounded by the builder as their events
arrive, but flow collections (`[[[[...`) are not: a scanner looks ahead for
possible simple keys, so a library with a nesting limit of its own (libyaml's is
1000, since PyYAML 6.0.3) fails on its own terms before the builder sees depth 65,
and one without a limit spends memory on the whole line first.

So this module scans the text itself, for flow brackets only, with just enough of
YAML's lexical rules that brackets inside quotes, comments, plain scalars
(`a[b`) and block scalars (`notes: |`) are not counted. It errs on the side of
*not* counting: a bracket it cannot tell apart is left to the builder.
"""

from __future__ import annotations

from timekeeper.programme.locations import Mark

MAX_DEPTH = 64

_OPENERS = "[{"
_CLOSERS = "]}"
_BLOCK_INDICATORS = "|>"


def too_deep(text: str, limit: int = MAX_DEPTH) -> Mark | None:
    """The (line, column) of the first flow bracket that opens level `limit + 1`, if any."""
    return _Scan(text, limit).run()


class _Scan:
    """One left-to-right pass; `value_start` says whether a node may begin here."""

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        self.depth = 0
        self.line = 0
        self.line_start = 0
        self.i = 0

    def run(self) -> Mark | None:
        text = self.text
        value_start = True
        while self.i < len(text):
            char = text[self.i]
            if char == "\n":
                self._newline()
                value_start = True
                continue
            if char in " \t\r":
                self.i += 1
                continue
            if char == "#" and self._after_space():
                self._skip_to_eol()
                continue
            if value_start and char in "\"'":
                self._skip_quoted(char)
                value_start = False
                continue
            if value_start and char in _OPENERS:
                self.depth += 1
                if self.depth > self.limit:
                    return (self.line, self.i - self.line_start)
                self.i += 1
                continue
            if self.depth and char in _CLOSERS:
                self.depth -= 1
                self.i += 1
                value_start = False
                continue
            if self.depth and char == ",":
                self.i += 1
                value_start = True
                continue
            if char in "-?:" and self._indicator():
                self.i += 1
                value_start = True
                continue
            block = value_start and not self.depth and char in _BLOCK_INDICATORS
            if block and self._skip_block_scalar():
                continue
            value_start = False
            self._skip_plain()
        return None

    def _newline(self) -> None:
        self.i += 1
        self.line += 1
        self.line_start = self.i

    def _after_space(self) -> bool:
        return self.i == self.line_start or self.text[self.i - 1] in " \t"

    def _indicator(self) -> bool:
        """`-`, `?` or `:` followed by white space (or, `:` in flow, by a flow character)."""
        nxt = self.text[self.i + 1 : self.i + 2]
        if nxt in ("", " ", "\t", "\n", "\r"):
            return True
        return self.text[self.i] == ":" and self.depth > 0 and nxt in ",[]{}"

    def _skip_to_eol(self) -> None:
        end = self.text.find("\n", self.i)
        self.i = len(self.text) if end < 0 else end

    def _skip_quoted(self, quote: str) -> None:
        """Past the closing quote; line breaks inside are counted."""
        text = self.text
        self.i += 1
        while self.i < len(text):
            char = text[self.i]
            if char == "\n":
                self._newline()
                continue
            if quote == '"' and char == "\\":
                self.i += 2
                continue
            if char == quote:
                if quote == "'" and text[self.i + 1 : self.i + 2] == "'":
                    self.i += 2
                    continue
                self.i += 1
                return
            self.i += 1

    def _skip_plain(self) -> None:
        """Past one plain-scalar word (at least one character): up to white space or a flow
        character."""
        text = self.text
        self.i += 1
        while self.i < len(text):
            char = text[self.i]
            if char in " \t\r\n":
                return
            if self.depth and char in ",[]{}":
                return
            if char == ":" and self._indicator():
                return
            self.i += 1

    def _skip_block_scalar(self) -> bool:
        """A `|` or `>` header: skip its content lines (those indented more than this line)."""
        text = self.text
        j = self.i + 1
        while j < len(text) and text[j] in "+-0123456789":
            j += 1
        rest_end = text.find("\n", j)
        rest = text[j : len(text) if rest_end < 0 else rest_end].strip()
        if rest and not rest.startswith("#"):
            return False
        parent = _indent(text, self.line_start)
        self.i = len(text) if rest_end < 0 else rest_end
        while self.i < len(text):
            self._newline()
            end = text.find("\n", self.i)
            content = text[self.i : len(text) if end < 0 else end]
            if content.strip() and _indent(text, self.i) <= parent:
                return True
            self.i = len(text) if end < 0 else end
        return True


def _indent(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] == " ":
        end += 1
    return end - start
