"""The Python package (python/liqsim) over libliqsim.so.

Its promise: the same answers as the CLI, with every amount an exact
decimal.Decimal, and errors as exceptions that carry the diagnostics. So
the answers are checked against the built CLI's --format json (LIQSIM_CLI,
run from the project root), never against numbers copied from the package
itself; the accounting invariants are checked in Decimal arithmetic.

Run by ctest with Debian's /usr/bin/python3 (see CMakeLists.txt):
LIQSIM_LIBRARY names the built libliqsim.so.0, LIQSIM_CLI the built CLI.
"""

import decimal
import json
import os
import subprocess
import tempfile
import unittest
import warnings

import liqsim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("LIQSIM_CLI", os.path.join(ROOT, "build", "release", "liqsim"))
BOOK = "scenarios/btc-2020-03-12/book.csv"
PATH = "scenarios/btc-2020-03-12/path.csv"
BAD = "tests/data/bad_policies/rate_above_one.yaml"


def cli_json(*args, ok_codes=(0,)):
    """What `liqsim ARGS --format json` prints, parsed with every number
    as text (the comparison is of exact strings)."""
    r = subprocess.run([CLI, *args, "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode not in ok_codes:
        raise AssertionError("liqsim %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr))
    return json.loads(r.stdout)


def as_text(o):
    """The package's answer with its Decimals written back as the JSON
    strings they came from (canonical text: str(Decimal) of what the
    library printed gives it back unchanged)."""
    if isinstance(o, dict):
        return {k: as_text(v) for k, v in o.items()}
    if isinstance(o, list):
        return [as_text(v) for v in o]
    if isinstance(o, decimal.Decimal):
        return str(o)
    return o


def walk(o, key=None):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from walk(v, k)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v, key)
    else:
        yield key, o


class SameAnswersAsTheCli(unittest.TestCase):
    def setUp(self):
        os.chdir(ROOT)

    def test_compare_of_every_shipped_policy_is_what_liqsim_compare_prints(self):
        rows = liqsim.compare("default")
        want = cli_json("compare", "default")
        self.assertEqual(len(rows), len(liqsim.shipped_policies()))
        self.assertEqual(as_text(rows), want)

    def test_evaluate_is_what_liqsim_eval_prints_with_explain(self):
        got = liqsim.evaluate("deribit", "default", explain=True)
        self.assertEqual(as_text(got), cli_json("eval", "deribit", "default", "--explain"))
        self.assertTrue(got["trace"])

    def test_replay_is_what_liqsim_replay_prints(self):
        got = liqsim.replay(BOOK, PATH, ["binance-usdm", "kraken-spot-margin"],
                            slippage=decimal.Decimal("0.02"), insurance_fund="250000")
        want = cli_json("replay", "--book", BOOK, "--path", PATH, "--slippage", "0.02",
                        "--insurance-fund", "250000", "binance-usdm", "kraken-spot-margin")
        self.assertEqual(as_text(got), want)

    def test_replay_charges_interest_as_liqsim_replay_with_tick_hours(self):
        got = liqsim.replay(BOOK, PATH, ["kraken-spot-margin"], slippage="0.02",
                            tick_hours=decimal.Decimal("4"))
        want = cli_json("replay", "--book", BOOK, "--path", PATH, "--slippage", "0.02",
                        "--tick-hours", "4", "kraken-spot-margin")
        self.assertEqual(as_text(got), want)
        self.assertIn("interest_paid", got[0])

    def test_a_scenario_dict_evaluates_as_the_file_it_spells(self):
        as_dict = {"name": "default",
                   "account": {"collateral": decimal.Decimal("1000"), "mode": "isolated"},
                   "position": {"market": "BTCUSDT", "contract": "linear", "side": "long",
                                "size": "0.2", "entry_price": "50000", "leverage": 10},
                   "market": {"mark_path": ["50000", "47500", "42500"],
                              "liquidation_fill": {"slippage": "0.02"}}}
        self.assertEqual(liqsim.evaluate("binance-usdm", as_dict),
                         liqsim.evaluate("binance-usdm", "scenarios/default.yaml"))


class AmountsAreExactDecimals(unittest.TestCase):
    def setUp(self):
        os.chdir(ROOT)
        self.rows = liqsim.compare("default")

    def test_no_float_anywhere_and_every_amount_a_decimal(self):
        for row in self.rows:
            for key, v in walk(row):
                self.assertNotIsInstance(v, float, key)
            ok = row["status"] == "ok"
            for key in ("initial_margin", "collateral", "deficit", "final_balance", "trader_lost"):
                self.assertIsInstance(row[key], decimal.Decimal if ok else type(None), key)

    def test_names_stay_text_even_where_they_read_as_numbers(self):
        summary = liqsim.replay(BOOK, PATH, ["binance-usdm"], events=True)[0]
        # The first liquidation (accounts refused at the open come first).
        first = next(e for e in summary["events"] if e["type"] == "liquidation")
        self.assertIsInstance(first["account"], str)
        self.assertIsInstance(first["time"], str)
        self.assertIsInstance(first["fill"], decimal.Decimal)
        self.assertIsInstance(summary["liquidations"], int)

    def test_the_contract_invariants_hold_in_decimal_arithmetic(self):
        # CONTRACT.md: loss.total - collateral == deficit when positive, and
        # covered_by sums to deficit exactly.
        checked = 0
        for row in self.rows:
            if row["status"] != "ok":
                continue
            beyond = row["loss"]["total"] - row["collateral"]
            self.assertEqual(row["deficit"], max(beyond, decimal.Decimal(0)), row["policy"])
            self.assertEqual(sum(row["covered_by"].values()), row["deficit"], row["policy"])
            checked += 1
        self.assertGreater(checked, 10)


class ErrorsCarryTheDiagnostics(unittest.TestCase):
    def setUp(self):
        os.chdir(ROOT)

    def expected_message(self, path):
        with open(path) as f:
            first = f.readline()
        self.assertTrue(first.startswith("# expect: "))
        return first[len("# expect: "):].rstrip("\n")

    def test_a_policy_that_does_not_load_raises_with_file_line_col(self):
        with self.assertRaises(liqsim.LiqsimError) as cm:
            liqsim.evaluate(BAD, "default")
        e = cm.exception
        self.assertEqual(str(e), self.expected_message(BAD))
        d = e.diagnostics[0]
        self.assertEqual((d["severity"], d["code"], d["file"]), ("error", "invalid input", BAD))
        self.assertEqual((d["line"], d["col"]), (15, 16))
        self.assertIn("expected a decimal between 0 and 1", d["message"])

    def test_compare_raises_when_one_file_does_not_load(self):
        with self.assertRaises(liqsim.LiqsimError) as cm:
            liqsim.compare("default", ["binance-usdm", BAD])
        self.assertEqual(str(cm.exception), self.expected_message(BAD))

    def test_a_failing_evaluation_is_an_error_row_not_an_exception(self):
        rows = liqsim.compare("default", ["binance-usdm", "tests/data/cli/hook-boom.yaml"])
        self.assertEqual([r["status"] for r in rows], ["ok", "error"])
        self.assertEqual(rows[1]["reason"],
                         "tests/data/cli/hook-boom.lua:3: hook maintenance_margin: boom")
        self.assertIsNone(rows[1]["loss"])

    def test_an_unknown_name_is_refused_as_the_cli_refuses_it(self):
        with self.assertRaises(liqsim.LiqsimError) as cm:
            liqsim.evaluate("no-such-venue", "default")
        self.assertEqual(str(cm.exception), "no-such-venue: no such policy file or shipped policy")
        with self.assertRaises(liqsim.LiqsimError) as cm:
            liqsim.evaluate("binance-usdm", "no-such-scenario")
        self.assertEqual(str(cm.exception),
                         "no-such-scenario: no such scenario file or shipped scenario")

    def test_a_name_that_is_also_a_file_here_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            os.chdir(d)
            with open("binance-usdm", "w") as f:
                f.write("x: 1\n")
            with self.assertRaises(liqsim.LiqsimError) as cm:
                liqsim.evaluate("binance-usdm", os.path.join(ROOT, "scenarios", "default.yaml"))
            os.chdir(ROOT)
        self.assertEqual(str(cm.exception), "binance-usdm: both a file here and the name of a "
                                            "shipped policy; write ./binance-usdm for the file")

    def test_a_scenario_text_error_points_into_the_text(self):
        with self.assertRaises(liqsim.LiqsimError) as cm:
            liqsim.evaluate("binance-usdm", "name: t\naccount: [1, 2]\n")
        self.assertTrue(str(cm.exception).startswith(
            "<scenario>:2:10: account: expected a mapping of keys, got a list"), str(cm.exception))

    def test_a_float_amount_is_refused_before_it_can_round(self):
        with self.assertRaises(TypeError):
            liqsim.replay(BOOK, PATH, ["binance-usdm"], slippage=0.02)
        with self.assertRaises(TypeError):
            liqsim.evaluate("binance-usdm", {"name": "f", "account": {"collateral": 1000.5}})

    def test_a_warning_of_a_run_that_answered_is_a_liqsim_warning(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            row = liqsim.evaluate("python/tests/data/hooks-file-unused.yaml", "default")
        self.assertEqual(row["status"], "ok")
        texts = [str(w.message) for w in caught if issubclass(w.category, liqsim.LiqsimWarning)]
        self.assertEqual(texts, ["python/tests/data/hooks-file-unused.yaml:22:9: warning: "
                                 "hooks.file: no hook names a function in this file"])


class Frames(unittest.TestCase):
    def setUp(self):
        os.chdir(ROOT)

    def test_to_frame_flattens_rows_and_keeps_decimals(self):
        try:
            import pandas  # noqa: F401
        except ImportError:
            with self.assertRaisesRegex(ImportError, "needs pandas"):
                liqsim.to_frame([])
            self.skipTest("pandas is not installed: checked the message instead")
        rows = liqsim.compare("default", ["binance-usdm", "deribit"])
        df = liqsim.to_frame(rows)
        self.assertEqual(list(df["policy"]), ["binance-usdm", "deribit"])
        self.assertEqual(list(df["loss.total"]), [r["loss"]["total"] for r in rows])
        self.assertIsInstance(df["covered_by.insurance_fund"][0], decimal.Decimal)


if __name__ == "__main__":
    unittest.main()
