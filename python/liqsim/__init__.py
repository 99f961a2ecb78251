"""liqsim from Python: the liquidation waterfall engine (libliqsim.so)
through ctypes, standard library only.

    >>> import liqsim
    >>> rows = liqsim.compare("default", ["binance-usdm", "deribit"])
    >>> rows[0]["loss"]["total"]            # exact, never a float
    Decimal('1627.5')

evaluate, compare and replay answer what ``liqsim eval|compare|replay
--format json`` prints (docs/output.md, docs/replay.md), as dicts and
lists: every amount (a JSON string holding an exact decimal) is a
decimal.Decimal, counts are ints, names stay str. A run that gives no
answer raises LiqsimError, whose ``diagnostics`` carry file, line,
column and message; warnings on a run that did answer are issued as
LiqsimWarning (warnings module) and also stay in each row's "warnings".

POLICY and SCENARIO arguments are as on the command line: a path to a
file, or the name of a shipped one ("binance-usdm", "default"). A
scenario may also be a dict (the scenario file's keys; Decimals and
strings for amounts) or YAML text. docs/python.md has the details.
"""

import decimal
import json
import os
import re
import warnings

from . import _native
from ._native import LiqsimError

__all__ = ["evaluate", "compare", "replay", "to_frame", "shipped_policies", "LiqsimError",
           "LiqsimWarning"]


class LiqsimWarning(UserWarning):
    """A warning the library attached to a run that did answer (a lint
    finding, an assumed parameter): the text the CLI prints on stderr."""


# ---- where shipped policies and scenarios are ---------------------------

def _data_dirs(what, env):
    """Candidate directories of shipped files, as the CLI looks for them:
    the environment variable, this checkout, then beside the library
    (<prefix>/lib[/<multiarch>]/libliqsim.so.0 -> <prefix>/share/liqsim)."""
    if os.environ.get(env):
        return [os.environ[env]]
    dirs = [os.path.join(_native.REPO, what)]
    lib = _native.LIBRARY_PATH
    if os.path.isabs(lib):
        libdir = os.path.dirname(os.path.realpath(lib))
        for up in ("..", os.path.join("..", "..")):
            dirs.append(os.path.normpath(os.path.join(libdir, up, "share", "liqsim", what)))
    dirs += [os.path.join(p, "share", "liqsim", what) for p in ("/usr/local", "/usr")]
    return dirs


def _data_dir(what, env):
    for d in _data_dirs(what, env):
        if os.path.isdir(d):
            return d
    return None


def _shorten(path):
    """Shipped files under the working directory are named relative to
    it, so messages read "policies/x.yaml:12:3" as the CLI's do."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _input_error(arg, message):
    return LiqsimError([{"severity": "error", "code": "invalid input", "file": str(arg),
                         "line": 0, "col": 0, "message": message,
                         "text": "%s: %s" % (arg, message)}])


def _find(arg, what, env, kind):
    """A file argument: an existing file is that file; a bare name is a
    shipped file; a name that is both is refused, as the CLI refuses it."""
    if isinstance(arg, os.PathLike):
        return os.fspath(arg)
    if not isinstance(arg, str):
        raise TypeError("liqsim: a %s is a path or a shipped name, got %r" % (kind, arg))
    d = _data_dir(what, env)
    shipped = None
    if d and arg and "/" not in arg and arg != "aliases":
        cand = os.path.join(d, arg + ".yaml")
        shipped = _shorten(cand) if os.path.isfile(cand) else None
    if os.path.isfile(arg):
        if shipped:
            raise _input_error(arg, "both a file here and the name of a shipped %s; write ./%s "
                                    "for the file" % (kind, arg))
        return arg
    if shipped:
        return shipped
    raise _input_error(arg, "no such %s file or shipped %s" % (kind, kind))


def _policy(arg):
    return _find(arg, "policies", "LIQSIM_POLICY_DIR", "policy")


def shipped_policies():
    """The names of the shipped policies, sorted (what compare() uses
    when given none)."""
    d = _data_dir("policies", "LIQSIM_POLICY_DIR")
    if not d:
        return []
    return sorted(f[:-5] for f in os.listdir(d)
                  if f.endswith(".yaml") and not f.endswith(".examples.yaml")
                  and f != "aliases.yaml" and not f.startswith("."))


def _exact(o, where="scenario"):
    """o with every Decimal as its text; a float is refused, since it may
    already have rounded (0.1 is not one tenth) before liqsim sees it."""
    if isinstance(o, dict):
        return {k: _exact(v, "%s.%s" % (where, k)) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_exact(v, where) for v in o]
    if isinstance(o, float):
        raise TypeError("liqsim: %s is a float (%r); give amounts as Decimal or str, which are "
                        "exact" % (where, o))
    if isinstance(o, decimal.Decimal):
        return str(o)
    return o


def _scenario(arg):
    """A scenario for the library: a path, or text (a dict is written as
    JSON, which is YAML; text always ends with a newline, which is how
    the library tells text from a path)."""
    if isinstance(arg, dict):
        return json.dumps(_exact(arg)) + "\n"
    if isinstance(arg, str) and "\n" in arg:
        return arg if arg.endswith("\n") else arg + "\n"
    return _find(arg, "scenarios", "LIQSIM_SCENARIO_DIR", "scenario")


# ---- answers as Python values -------------------------------------------

# Keys whose string values are names, never amounts, even when they read
# as numbers (an account id "7", a time "0"). Every other string that is
# a canonical decimal (as liq_dec_format writes: digits, an optional
# fraction, an optional minus) is an amount.
_NAME_KEYS = frozenset(("policy", "scenario", "market", "product", "settlement", "id", "account",
                        "time", "step", "rule", "source", "note", "reason", "type", "status",
                        "from", "to", "receiver", "contract", "mode", "side", "currency"))
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")


def _amounts(o, key=None):
    if isinstance(o, dict):
        return {k: _amounts(v, k) for k, v in o.items()}
    if isinstance(o, list):
        return [_amounts(v, key) for v in o]
    if isinstance(o, str) and key not in _NAME_KEYS and _DECIMAL.match(o):
        return decimal.Decimal(o)
    return o


def _answer(name, *args):
    text, diags = _native.call(name, *args)
    if text is None:
        raise LiqsimError(diags)
    for d in diags:
        if d.get("severity") == "warning":
            warnings.warn(d["text"], LiqsimWarning, stacklevel=3)
    return _amounts(json.loads(text, parse_float=decimal.Decimal))


def _opts(**kw):
    return json.dumps({k: (str(v) if isinstance(v, (decimal.Decimal, int)) and
                           not isinstance(v, bool) else v)
                       for k, v in kw.items() if v is not None and v is not False})


# ---- the verbs -----------------------------------------------------------

def evaluate(policy, scenario, *, explain=False):
    """One scenario under one policy: the dict ``liqsim eval POLICY
    SCENARIO --format json`` prints. explain=True adds the "trace"."""
    return _answer("liq_eval_json", _policy(policy), _scenario(scenario), _opts(explain=explain))


def compare(scenario="default", policies=None, *, explain=False):
    """One scenario under several policies (all shipped ones when None):
    one dict per policy, in order, as ``liqsim compare``. A policy whose
    evaluation fails is a row with status "error" and its reason; a file
    that does not load raises LiqsimError."""
    if policies is None:
        policies = shipped_policies()
    elif isinstance(policies, (str, os.PathLike)):
        policies = [policies]
    paths = json.dumps([_policy(p) for p in policies])
    return _answer("liq_compare_json", _scenario(scenario), paths, _opts(explain=explain))


def replay(book, path, policies, *, slippage=None, insurance_fund=None, events=False,
           fund_series=False, naive=False, check=False, tick_hours=None, benchmark_rate=None):
    """A book of accounts through a mark path under each policy: one
    summary dict per policy, as ``liqsim replay --format json``.
    slippage, insurance_fund, tick_hours and benchmark_rate as the CLI's
    options (a Decimal or decimal text); events=True adds each policy's
    "events" (the NDJSON stream as dicts), fund_series=True its
    "fund_series" (tick, time, balance whenever the fund changes)."""
    if isinstance(policies, (str, os.PathLike)):
        policies = [policies]
    for name, v in (("slippage", slippage), ("insurance_fund", insurance_fund),
                    ("tick_hours", tick_hours), ("benchmark_rate", benchmark_rate)):
        if isinstance(v, float):
            raise TypeError("liqsim: %s must be exact: a Decimal or a string, not a float" % name)
    paths = json.dumps([_policy(p) for p in policies])
    return _answer("liq_replay_json", os.fspath(book), os.fspath(path), paths,
                   _opts(slippage=slippage, insurance_fund=insurance_fund, events=events,
                         fund_series=fund_series, naive=naive, check=check,
                         tick_hours=tick_hours, benchmark_rate=benchmark_rate))


def to_frame(rows):
    """Rows (from compare, or replay's summaries) as a pandas.DataFrame,
    nested keys flattened ("loss.total", "covered_by.adl"); amounts stay
    Decimal (object columns), so nothing is rounded to a float. Needs
    pandas (Debian: python3-pandas)."""
    try:
        import pandas
    except ImportError as e:
        raise ImportError("liqsim.to_frame needs pandas (Debian: apt install python3-pandas)") from e
    if isinstance(rows, dict):
        rows = [rows]
    return pandas.json_normalize(rows, sep=".")
