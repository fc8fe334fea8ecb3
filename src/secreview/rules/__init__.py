"""Rules engine: TOML rule packs → one keyword pass + validated regexes → findings.

Public API: ``load_ruleset(dirs)`` (cached per process), ``RulesCheck(ruleset)`` (a Check;
``rules_check(ruleset)`` returns a cached one),
``apply_dismissals(findings, fingerprints)``, ``run_examples(ruleset)`` (rule self-tests).
"""

from __future__ import annotations

from secreview.rules.engine import RulesCheck, apply_dismissals, rules_check
from secreview.rules.loader import load_ruleset
from secreview.rules.model import AllowEntry, Rule, RuleSet
from secreview.rules.selftest import ExampleFailure, run_examples

__all__ = [
    "AllowEntry",
    "ExampleFailure",
    "Rule",
    "RuleSet",
    "RulesCheck",
    "apply_dismissals",
    "load_ruleset",
    "rules_check",
    "run_examples",
]
