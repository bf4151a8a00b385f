"""Objects named by a string, as Keras' ``get`` functions take them."""


def make_by_name(name, factories, kind):
    """``factories[name.lower()]()``; ValueError listing the valid names of ``kind``."""
    factory = factories.get(name.lower())
    if factory is None:
        raise ValueError(f"unknown {kind} {name!r}; valid names: {', '.join(sorted(factories))}")
    return factory()
