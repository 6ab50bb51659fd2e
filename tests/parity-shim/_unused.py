"""Shared by the test-only stubs: a module that imports but fails loudly the moment anything in it is used."""


def unused_module(name, why):
    def __getattr__(attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise RuntimeError(f"test-only stub: {name}.{attribute} was used, but {name} is stubbed because {why}")

    return __getattr__
