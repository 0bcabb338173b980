"""Where each key and value of the YAML document sits, by its path in the data.

Pydantic reports an error at a location such as `("slots", 2, "duration")`;
this table turns that path back into the line and column the user typed.
"""

from __future__ import annotations

Path = tuple[str | int, ...]
Mark = tuple[int, int]  # 0-based (line, column), as YAML marks are


class Locations:
    """Marks of every key and value, looked up by path with a fallback to the nearest parent."""

    def __init__(self) -> None:
        self._values: dict[Path, Mark] = {}
        self._keys: dict[Path, Mark] = {}

    def add(self, path: Path, value: Mark, key: Mark | None = None) -> None:
        self._values.setdefault(path, value)
        if key is not None:
            self._keys.setdefault(path, key)

    def value(self, path: Path) -> Mark | None:
        """Where the value at `path` starts (or its nearest known parent)."""
        for end in range(len(path), -1, -1):
            mark = self._values.get(path[:end])
            if mark is not None:
                return mark
        return None

    def key(self, path: Path) -> Mark | None:
        """Where the key naming `path` is written; the value's mark when there is no key."""
        return self._keys.get(path) or self.value(path)

    def has(self, path: Path) -> bool:
        return path in self._values
