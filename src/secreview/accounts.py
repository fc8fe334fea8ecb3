"""Moved to :mod:`secreview.services.accounts` (issue 16); this name stays for branches in
flight and will be removed once they have merged."""

from secreview.services.accounts import Accounts, Clock, delay_for, iso, parse_iso, reset_notice

__all__ = ["Accounts", "Clock", "delay_for", "iso", "parse_iso", "reset_notice"]
