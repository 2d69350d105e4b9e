"""briefbot: cited, extractive briefings from a team's documents."""

__version__ = "0.1.0"
