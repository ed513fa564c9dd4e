"""policylint: check container image references against a YAML policy."""

__version__ = "0.1.0"
