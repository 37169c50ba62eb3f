"""Line numbers for TOML tables and keys, which `tomllib` does not report.

`TomlMap` reads a file's text line by line and records each table header (`[[item]]`,
`[[item.step.choice]]`, …) and the keys written directly under it. Array-of-tables headers are
matched to the parsed data by position: the third `[[item]]` header is `data["item"][2]`, and an
`[[item.choice]]` header belongs to the `[[item]]` above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(
    r"""^\s*(?P<open>\[\[?)\s*(?P<name>[A-Za-z0-9_.\- ]+?)\s*(?P<close>\]\]?)\s*(?:\#.*)?$"""
)
_KEY = re.compile(
    r"""^\s*(?:"(?P<quoted>[^"]+)"|'(?P<literal>[^']+)'|(?P<bare>[A-Za-z0-9_-]+))\s*="""
)


@dataclass
class TomlTable:
    """One table in the file: where its header is, where its keys are, and its sub-tables."""

    line: int | None
    keys: dict[str, int] = field(default_factory=dict)
    children: dict[str, list[TomlTable]] = field(default_factory=dict)

    def key_line(self, key: str) -> int | None:
        """The line of `key = …` (or of a `[key]` / `[[key]]` sub-table header) in this table,
        else the table's own header line."""
        if key in self.keys:
            return self.keys[key]
        if self.children.get(key):
            return self.children[key][0].line
        return self.line


_MISSING = TomlTable(line=None)


class TomlMap:
    """Finds the lines of tables and keys in a TOML text, offset by `first_line - 1`."""

    def __init__(self, text: str, first_line: int = 1):
        self.root = TomlTable(line=None)
        # The most recent table opened for each dotted name, so `[[item.step.choice]]` finds its
        # `[[item.step]]`.
        latest: dict[str, TomlTable] = {"": self.root}
        current = self.root
        in_multiline_string = False
        for index, raw in enumerate(text.splitlines()):
            line_number = index + first_line
            if in_multiline_string:
                if raw.count('"""') % 2 == 1 or raw.count("'''") % 2 == 1:
                    in_multiline_string = False
                continue
            header = _HEADER.match(raw)
            if header and len(header.group("open")) == len(header.group("close")):
                name = ".".join(part.strip() for part in header.group("name").split("."))
                parent_name, _, last = name.rpartition(".")
                parent = latest.get(parent_name)
                if parent is None:  # [item.x.choice.y] with no [item] header: implicit tables
                    parent = self.root
                    parts = parent_name.split(".")
                    for depth in range(len(parts)):
                        prefix = ".".join(parts[: depth + 1])
                        if prefix not in latest:
                            implicit = TomlTable(line=line_number)
                            parent.children.setdefault(parts[depth], []).append(implicit)
                            latest[prefix] = implicit
                        parent = latest[prefix]
                table = TomlTable(line=line_number)
                parent.children.setdefault(last, []).append(table)
                latest[name] = table
                # A new parent invalidates the previous parent's children.
                for other in [other for other in latest if other.startswith(name + ".")]:
                    del latest[other]
                current = table
                continue
            key = _KEY.match(raw)
            if key:
                name = key.group("quoted") or key.group("literal") or key.group("bare")
                current.keys.setdefault(name, line_number)
                if raw.count('"""') % 2 == 1 or raw.count("'''") % 2 == 1:
                    in_multiline_string = True

    def table(self, *path: str | int) -> TomlTable:
        """The table at a path like ("item", 2, "step", 0); a line-less table if not found."""
        table = self.root
        iterator = iter(path)
        for name in iterator:
            index = next(iterator, 0)
            tables = table.children.get(str(name), [])
            if not isinstance(index, int) or index >= len(tables):
                return TomlTable(line=table.line)
            table = tables[index]
        return table


class DottedLines:
    """Lines of dotted tables like `[item.x.choice.y]` and of the keys under them, by path: for
    translation files, keyed by ids, which never write the parent `[item]` header."""

    def __init__(self, text: str):
        self.tables: dict[tuple[str, ...], int] = {}
        self.keys: dict[tuple[str, ...], int] = {}
        current: tuple[str, ...] = ()
        for number, raw in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(raw)
            if header and len(header.group("open")) == len(header.group("close")):
                current = tuple(part.strip() for part in header.group("name").split("."))
                self.tables.setdefault(current, number)
                continue
            key = _KEY.match(raw)
            if key:
                name = key.group("quoted") or key.group("literal") or key.group("bare")
                self.keys.setdefault((*current, name), number)

    def line(self, *path: str) -> int | None:
        """The line of the table or key at `path`, else of the nearest table above it."""
        for end in range(len(path), 0, -1):
            found = self.tables.get(path[:end]) or self.keys.get(path[:end])
            if found:
                return found
        return None
