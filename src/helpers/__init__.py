"""Small clients, big profit: the importable helpers that every notebook calls."""

__version__ = "0.1.0"
