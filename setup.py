"""Compiles the translation catalogues when the package is built, so that the bot does not
compile them at every start (bot/i18n.py reads the .mo named after its .po's content, and
compiles in memory where there is none: a source checkout). The rest is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    """build_py, then each copied .po's .mo beside it."""

    def run(self) -> None:
        super().run()
        i18n = _i18n()
        for po_file in Path(self.build_lib, "bot", "locales").glob("*/LC_MESSAGES/*.po"):
            source = po_file.read_bytes()
            locale = po_file.parent.parent.name
            (po_file.parent / i18n.compiled_name(source)).write_bytes(i18n.compile_catalogue(source, locale))


def _i18n():
    """bot/i18n.py by itself (it imports only the standard library, and Babel when compiling): the
    build has none of the bot's other dependencies."""
    spec = importlib.util.spec_from_file_location("pingan_i18n", Path(__file__).parent / "bot" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


setup(cmdclass={"build_py": BuildWithCatalogues})
