"""YAML for people and git: block style, keys in the order given, multi-line text as a
literal block; and a reader that also says on which line each value stands."""

from __future__ import annotations

import yaml


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # the same list twice is written twice
        return True


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: dict) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
        width=100, explicit_start=True,
    )  # fmt: skip


def _lines(node, path: tuple, into: dict) -> None:
    into[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, (*path, key.value), into)
            into[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), into)


def load(text: str) -> tuple[object, dict[tuple, int]]:
    """The data in `text` and the line of each value, by its path of keys and indexes
    (("urls", 0, "url") → 12). A YAML error is yaml.YAMLError, with its mark."""
    data = yaml.safe_load(text)
    lines: dict[tuple, int] = {}
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is not None:
        _lines(node, (), lines)
    return data, lines
