"""Rules engine: TOML rule packs → one keyword pass + validated regexes → findings.

Public API: ``load_ruleset(dirs)`` (cached per process), ``RulesCheck(ruleset)`` (a Check;
``rules_check(ruleset)`` returns a cached one),
``apply_dismissals(findings, fingerprints)``, ``run_examples(ruleset)`` (rule self-tests).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from secreview.rules.engine import RulesCheck, apply_dismissals, rules_check
    from secreview.rules.loader import load_ruleset
    from secreview.rules.model import AllowEntry, Rule, RuleSet
    from secreview.rules.selftest import ExampleFailure, run_examples

# Imported on first use (PEP 562), so that ``secreview.rules.names`` or ``.model`` do not pull
# in the engine, the validators and the self-test's table helpers: start-up (issue 17).
_WHERE = {
    "RulesCheck": "engine",
    "apply_dismissals": "engine",
    "rules_check": "engine",
    "load_ruleset": "loader",
    "AllowEntry": "model",
    "Rule": "model",
    "RuleSet": "model",
    "ExampleFailure": "selftest",
    "run_examples": "selftest",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


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
