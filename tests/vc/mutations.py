"""Ways to change one thing in a JSON document, for tests that any single change is caught."""

import copy


def leaves(value, path=()):
    """Every scalar in a JSON value with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def changed(value):
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if value is None:
        return "x"
    return value + "x" if value else "x"


def with_value(document, path, new):
    """A deep copy of `document` with the value at `path` replaced by `new`."""
    result = copy.deepcopy(document)
    target = result
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return result
