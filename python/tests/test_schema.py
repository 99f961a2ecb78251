"""The JSON Schema editors use (policies/liqsim-policy.schema.json, made by
`liqsim schema policy` from the loader's own tables) against an
independent validator: Debian's python3-jsonschema, on the YAML as an
editor's language server reads it (YAML 1.2: dates and yes/no stay text).

The schema and the loader must agree on which files are valid: every
shipped policy (the three that use `extends:` included) and every
bad-policy fixture under tests/data/bad_policies. The loader's verdict is
its own: liq_policy_load through ctypes (no int128 crosses the boundary).
Where a rule is one JSON Schema cannot state, or one the key tables do
not hold, the fixture is listed in LOADER_ONLY with the reason; a listed
fixture the schema starts rejecting fails the test, so the list stays true.
"""

import ctypes
import glob
import json
import os
import re
import unittest

import jsonschema
import yaml

from liqsim import _native

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BAD = "tests/data/bad_policies"

# Fixture -> why the schema cannot reject it (the loader does).
LOADER_ONLY = {
    # Rules that join two keys, or a key and another file.
    "source_id_undeclared": "a source id must be declared under sources: (a cross-key rule)",
    "source_id_did_you_mean": "a source id must be declared under sources: (a cross-key rule)",
    "tiers_not_ascending": "tiers must ascend by up_to (an order across list items)",
    "tier_without_up_to": "every tier but the last needs up_to (depends on the item's place)",
    "market_listed_twice": "a market symbol may appear once (uniqueness of one key across items)",
    "adl_without_section": "shortfall.order names a stage whose section is missing (cross-key)",
    "insurance_fund_without_section": "shortfall.order names a stage whose section is missing (cross-key)",
    "socialized_without_section": "shortfall.order names a stage whose section is missing (cross-key)",
    "trader_debt_without_debt_section": "shortfall.order names a stage whose section is missing (cross-key)",
    "last_stage_finite_fund": "the last stage must be able to absorb any deficit (cross-key)",
    "no_protection_without_trader_debt": "negative_balance.protection against the stages (cross-key)",
    "protection_with_trader_debt": "negative_balance.protection against the stages (cross-key)",
    "partial_without_fraction": "a partial mode needs its own parameter (cross-key)",
    "interest_rate_and_tiers": "interest takes a rate or tiers, not both (cross-key)",
    "interest_tiers_without_day_count": "tiered interest needs day_count (cross-key)",
    "interest_tiers_not_ascending": "interest tiers must ascend by up_to (an order across list items)",
    "collateral_asset_twice": "a collateral asset may appear once (uniqueness of one key across items)",
    "collateral_ratio_and_tiers": "a collateral asset takes a ratio or tiers, not both (cross-key)",
    "step_model_with_deduction": "a step model's tiers carry no deduction (margin.maintenance.model against the tiers: cross-key)",
    "shortfall_stage_twice": "a stage may appear once in shortfall.order (policy_load.c's rule)",
    "extends_base_error": "the error is in the base policy, another file",
    "extends_cycle": "the cycle runs through other files",
    "extends_missing_base": "the base file does not exist",
    "hooks_file_missing": "the Lua file does not exist",
    "hook_function_missing": "the function is missing from the Lua file",
    "hook_lua_syntax_error": "the error is in the Lua file",
    "hook_lua_main_chunk_error": "the error is in the Lua file",
    "extends_outside": "the base lies outside the policy's directory (a file-system rule)",
    "hooks_file_outside": "the Lua file lies outside the policy's directory (a file-system rule)",
    "hooks_file_dev_zero": "the Lua file lies outside the policy's directory (a file-system rule)",
    # Rules of policy_load.c that JSON Schema could state (minItems,
    # minProperties, anyOf required) but the key tables the schema is
    # generated from do not hold: one copy of each rule, in the loader.
    "sources_empty": "policy_load.c: sources must not be empty (not in the key table)",
    "tiers_empty": "policy_load.c: tiers must not be empty (not in the key table)",
    "shortfall_order_empty": "policy_load.c: shortfall.order must not be empty (not in the key table)",
    "source_without_url_or_title": "policy_load.c: a source needs a url or a title (not in the key table)",
    "hooks_without_file": "policy_load.c: a named hook needs hooks.file (not in the key table)",
    # Rules about the YAML text, which an editor's JSON view no longer has.
    "yaml_alias": "the loader refuses YAML aliases; a YAML reader expands them",
    "yaml_duplicate_key": "a YAML reader keeps the last of two equal keys",
    # The decimal type's own limits: a JSON number has lost the text.
    "decimal_too_many_places": "13 decimal places in a YAML number: JSON keeps no digits",
    "decimal_too_large": "the decimal type's range (2^127 units of 1e-12) is no JSON bound",
    "decimal_float_spelling": ".inf is a YAML float, which JSON cannot hold",
}


class Yaml12Loader(yaml.SafeLoader):
    """YAML as an editor's language server reads it (YAML 1.2 core): no
    timestamps (2026-01-01 stays text), booleans only true/false."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                   re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))


lib = _native.LIB
lib.liq_policy_load.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
lib.liq_policy_load.restype = ctypes.c_void_p
lib.liq_policy_free.argtypes = [ctypes.c_void_p]
lib.liq_diags_free.argtypes = [ctypes.c_void_p]


def loader_accepts(path):
    """Whether liq_policy_load loads the file. Only the verdict is read, so
    the liq_diags it fills is a zeroed block (LIQ_DIAGS_INIT) larger than
    the struct, which may grow without this test knowing its fields."""
    diags = ctypes.create_string_buffer(512)
    p = lib.liq_policy_load(path.encode(), diags)
    lib.liq_policy_free(p)
    lib.liq_diags_free(diags)
    return bool(p)


with open(os.path.join(ROOT, "policies", "liqsim-policy.schema.json")) as f:
    SCHEMA = json.load(f)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_errors(path):
    """The schema's complaints about the file, [] when it validates; a
    file that is not YAML at all is one complaint."""
    try:
        with open(path) as f:
            docs = list(yaml.load_all(f, Loader=Yaml12Loader))
    except yaml.YAMLError as e:
        return ["not YAML: %s" % str(e).splitlines()[0]]
    if len(docs) != 1:
        return ["%d YAML documents" % len(docs)]
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
            for e in VALIDATOR.iter_errors(docs[0])]


def shipped():
    return sorted(p for p in glob.glob("policies/*.yaml")
                  if not p.endswith(".examples.yaml") and not p.endswith("/aliases.yaml"))


class SchemaAgreesWithTheLoader(unittest.TestCase):
    def setUp(self):
        os.chdir(ROOT)

    def test_the_schema_is_a_valid_draft_2020_12_schema(self):
        jsonschema.Draft202012Validator.check_schema(SCHEMA)

    def test_every_shipped_policy_validates(self):
        policies = shipped()
        self.assertGreater(len(policies), 15)
        children = 0
        for p in policies:
            with self.subTest(policy=p):
                self.assertTrue(loader_accepts(p), "the loader refuses a shipped policy")
                self.assertEqual(schema_errors(p), [])
                with open(p) as f:
                    children += bool(re.search(r"^extends:", f.read(), re.M))
        # binance-coinm, bitmex-2020-03-12, bybit-uta-isolated leave out
        # what their base sets.
        self.assertGreaterEqual(children, 3)

    def test_every_bad_fixture_is_refused_by_both_or_listed_loader_only(self):
        fixtures = sorted(glob.glob(BAD + "/*.yaml"))
        self.assertGreater(len(fixtures), 60)
        for path in fixtures:
            name = os.path.basename(path)[:-5]
            with self.subTest(fixture=name):
                self.assertFalse(loader_accepts(path), "the loader accepts a bad-policy fixture")
                errors = schema_errors(path)
                if name in LOADER_ONLY:
                    self.assertEqual(errors, [], "the schema now refuses %s: take it off "
                                                 "LOADER_ONLY" % name)
                else:
                    self.assertNotEqual(errors, [], "the schema accepts %s, which the loader "
                                                    "refuses: make the schema refuse it, or add it "
                                                    "to LOADER_ONLY with the reason" % name)
        missing = set(LOADER_ONLY) - {os.path.basename(p)[:-5] for p in fixtures}
        self.assertEqual(missing, set(), "LOADER_ONLY names fixtures that do not exist")

    def test_the_bases_of_the_extends_fixtures_agree_too(self):
        for path in sorted(glob.glob(BAD + "/bases/*.yaml")):
            name = os.path.basename(path)[:-5]
            with self.subTest(base=name):
                ok = loader_accepts(path)
                if name.startswith("cycle_"):   # valid alone, a cycle together
                    self.assertFalse(ok)
                    self.assertEqual(schema_errors(path), [])
                else:
                    self.assertEqual(schema_errors(path) == [], ok)


class StandardKeywords(unittest.TestCase):
    """What an editor shows: bounds in minimum/maximum and patterns, not
    x- extensions; a child policy needs only what it changes."""

    def setUp(self):
        os.chdir(ROOT)
        with open("policies/binance-usdm.yaml") as f:
            self.policy = yaml.load(f, Loader=Yaml12Loader)

    def valid(self, doc):
        return not list(VALIDATOR.iter_errors(doc))

    def test_no_nonstandard_keyword_is_left(self):
        self.assertNotIn('"x-', json.dumps(SCHEMA))

    def test_a_150_percent_fee_rate_is_refused_as_a_number_and_as_text(self):
        fee = self.policy["liquidation"]["fee"]
        for rate, ok in ((1.5, False), ("1.5", False), (1, True), ("1", True), ("1.000", True),
                         ("0.0125", True), (0.0125, True), (-0.01, False), ("-0.01", False),
                         ("1.5%", False), ("1.0001", False), ("0", True), (".5", True)):
            with self.subTest(rate=rate):
                fee["rate"] = rate
                self.assertEqual(self.valid(self.policy), ok)

    def test_a_positive_value_may_not_be_zero(self):
        tick = self.policy.setdefault("rounding", {})
        for v, ok in (("0", False), (0, False), ("0.000", False), ("0.01", True), (0.01, True),
                      ("1e-2", True), ("-0.01", False)):
            with self.subTest(price_tick=v):
                tick["price_tick"] = v
                self.assertEqual(self.valid(self.policy), ok)

    def test_whole_numbers_have_their_bounds(self):
        for v, ok in ((125, True), (0, False), (10001, False), (12.5, False), ("125", False)):
            with self.subTest(max_leverage=v):
                self.policy["margin"]["max_leverage"] = v
                self.assertEqual(self.valid(self.policy), ok)

    def test_a_child_policy_needs_only_its_name_and_what_it_changes(self):
        child = {"extends": "binance-usdm", "name": "child",
                 "liquidation": {"fee": {"rate": "0.01"}}}
        self.assertTrue(self.valid(child))
        self.assertFalse(self.valid({"extends": "binance-usdm",
                                     "liquidation": {"fee": {"rate": "0.01"}}}))
        # Its values are still checked, and a list it gives is whole.
        self.assertFalse(self.valid(dict(child, liquidation={"fee": {"rate": "1.5"}})))
        self.assertFalse(self.valid(dict(child, margin={"maintenance": {"tiers": [{"up_to": 1}]}})))
        # Without extends, every required key is required at every level.
        whole = dict(self.policy)
        del whole["margin"]["maintenance"]
        self.assertFalse(self.valid(whole))


if __name__ == "__main__":
    unittest.main()
