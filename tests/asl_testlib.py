"""Shared runner of the Python test suites: finds the asynclint binary (the
first argument or $ASYNCLINT), runs a module's unittest cases, and prints
the closing line CI reads: "N passed, N failed, N skipped"."""
import os
import shutil
import sys
import tempfile
import unittest


class TempTree(unittest.TestCase):
    """A test case with a fresh temporary directory (self.dir, named with
    PREFIX) and write(name, data) to fill it; removed afterwards."""
    PREFIX = "asl-"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.PREFIX)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path


def run_module(module_name, argv, set_binary):
    """Runs every test of module `module_name`; `set_binary(path)` hands it
    the binary. Returns the process exit status."""
    binary = os.path.abspath(argv[1] if len(argv) > 1
                             else os.environ.get("ASYNCLINT", ""))
    if not os.path.exists(binary):
        print("usage: ASYNCLINT=BINARY %s  (or: %s BINARY)" % (argv[0],
                                                              argv[0]))
        print("0 passed, 1 failed")
        return 2
    set_binary(binary)
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[module_name])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print("%d passed, %d failed, %d skipped"
          % (result.testsRun - failed - skipped, failed, skipped))
    return 1 if failed else 0
