"""The ctypes binding to libliqsim.so: finding the library, calling its
text-in, text-out entry points (include/liqsim.h, "Text in, text out")
and releasing what they return. Nothing here knows what the JSON means;
__init__.py turns it into Python values.

The library is looked for, in order: the file named by LIQSIM_LIBRARY;
a build of this checkout (build/release, then build/test); the system's
libliqsim.so.0 (an install: ldconfig or LD_LIBRARY_PATH).
"""

import ctypes
import json
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(_HERE))


class LiqsimError(Exception):
    """A run that gave no answer: a file that does not load, a hook that
    failed, an overflow. ``diagnostics`` holds every message as a dict
    (severity, code, file, line, col, message, text); ``str()`` is their
    ``text``, the ``file:line:col: message`` lines the CLI prints."""

    def __init__(self, diagnostics):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.get("severity") == "error"]
        lines = [d["text"] for d in (errors or self.diagnostics)]
        super().__init__("\n".join(lines) or "liqsim: the run failed")


def _candidates():
    env = os.environ.get("LIQSIM_LIBRARY")
    if env:
        return [env]
    built = [os.path.join(REPO, "build", b, "libliqsim.so.0") for b in ("release", "test")]
    return [p for p in built if os.path.exists(p)] + ["libliqsim.so.0"]


def _load():
    tried = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        # Returned strings are kept as addresses (c_void_p, not c_char_p)
        # so that they can be handed back to liq_free.
        for name, nargs in (("liq_eval_json", 4), ("liq_compare_json", 4), ("liq_replay_json", 5)):
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_char_p] * (nargs - 1) + [ctypes.POINTER(ctypes.c_void_p)]
            fn.restype = ctypes.c_void_p
        lib.liq_free.argtypes = [ctypes.c_void_p]
        lib.liq_free.restype = None
        return lib, path
    raise ImportError("liqsim: cannot load libliqsim.so.0; tried " + "; ".join(tried) +
                      ". Build it (make) or set LIQSIM_LIBRARY to its path.")


LIB, LIBRARY_PATH = _load()


def _take(ptr):
    """The text at ptr, then released with liq_free; None for NULL."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        LIB.liq_free(ptr)


def _arg(s):
    return None if s is None else s.encode("utf-8")


def call(name, *args):
    """Calls one of the liq_*_json entry points with str arguments.
    Returns (answer text or None, diagnostics as a list of dicts)."""
    diags = ctypes.c_void_p()
    out = getattr(LIB, name)(*[_arg(a) for a in args], ctypes.byref(diags))
    text = _take(out)
    diags_text = _take(diags.value)
    return text, (json.loads(diags_text) if diags_text else [])
