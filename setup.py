"""The optional C state tree (metrobloc.state._smt); everything else is declared in pyproject.toml.

optional=True: without a C compiler or libcrypto's headers the install still succeeds, and the node
falls back to the pure-Python tree (metrobloc.state.tree).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "metrobloc.state._smt",
            ["src/metrobloc/state/_smt.c"],
            libraries=["crypto"],
            extra_compile_args=["-O2", "-Wno-deprecated-declarations"],
            optional=True,
        )
    ]
)
