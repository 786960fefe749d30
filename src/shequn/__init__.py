"""shequn (社群): community-operations platform."""

__version__ = "0.1.0"
