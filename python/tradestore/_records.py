"""__repr__, __eq__ and _asdict for the record classes of tradestore._core."""


def _repr(self):
    parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._fields)
    return f"{type(self).__name__}({parts})"


def _eq(self, other):
    if type(other) is not type(self):
        return NotImplemented
    return all(getattr(self, n) == getattr(other, n) for n in type(self)._fields)


def _asdict(self):
    """The record as a dict of its attributes, in declaration order."""
    return {name: getattr(self, name) for name in type(self)._fields}


def install(module):
    for name in dir(module):
        cls = getattr(module, name)
        if isinstance(cls, type) and hasattr(cls, "_fields"):
            cls.__repr__ = _repr
            cls.__eq__ = _eq
            cls.__hash__ = None
            cls._asdict = _asdict
