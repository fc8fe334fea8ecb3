"""secreview — 政府信息公开保密审查 (confidentiality review before publication)."""

__version__ = "0.1.0"
