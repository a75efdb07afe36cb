"""Accord: an open, self-hostable platform for international space cooperation."""

__version__ = "0.1.0"
