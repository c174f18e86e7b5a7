"""nnplayground: small MLPs trained live with JAX on the server, drawn in the browser."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nnplayground")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+unknown"
