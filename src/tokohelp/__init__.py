"""tokohelp: an unofficial terminal help-center client for Tokopedia shoppers and sellers."""

__version__ = "0.1.0"
