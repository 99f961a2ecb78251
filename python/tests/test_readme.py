"""The README's Python example (the block after "<!-- python-example")
runs as written, and prints what the README says it prints: a doctest
of the exact text, so the README cannot drift from the package."""

import doctest
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ReadmeExample(unittest.TestCase):
    def test_the_readme_python_example_runs_and_prints_what_it_shows(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        m = re.search(r"<!-- python-example[^\n]*-->\n```python\n(.*?)```", readme, re.S)
        self.assertIsNotNone(m, "README.md has no python-example block")
        test = doctest.DocTestParser().get_doctest(m.group(1), {}, "README.md python example",
                                                   "README.md", readme[:m.start()].count("\n") + 2)
        self.assertGreater(len(test.examples), 5)
        runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.NORMALIZE_WHITESPACE)
        os.chdir(ROOT)
        try:
            import pandas  # noqa: F401  (the example shows a DataFrame)
        except ImportError:
            self.skipTest("pandas is not installed (Debian: python3-pandas)")
        runner.run(test)
        self.assertEqual(runner.failures, 0, "the README's Python example does not print what "
                                             "it shows (the doctest output above says where)")


if __name__ == "__main__":
    unittest.main()
