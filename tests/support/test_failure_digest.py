"""scripts/failure_digest.py on a real ctest run: a tiny CMake project with a test that passes, one
that fails saying why, one expected to fail (WILL_FAIL, so ctest counts it as passed) and one that
times out. The digest must name exactly the failing and the timed-out tests, with the failing
test's reason and the end of its output."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGEST = os.path.join(ROOT, "scripts", "failure_digest.py")

PROJECT = """cmake_minimum_required(VERSION 3.16)
project(digest_check NONE)
enable_testing()
add_test(NAME passes COMMAND sh -c "echo all good")
add_test(NAME fails COMMAND sh -c "echo starting; echo 'FAIL: the lamp never got lamp-on'; \
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo line $i; done; exit 1")
add_test(NAME expected_to_fail COMMAND sh -c "echo 'error: static assertion failed'; exit 1")
set_tests_properties(expected_to_fail PROPERTIES WILL_FAIL TRUE)
add_test(NAME times_out COMMAND sleep 30)
set_tests_properties(times_out PROPERTIES TIMEOUT 1)
"""


class FailureDigest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="soket-digest-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        with open(os.path.join(self.dir, "CMakeLists.txt"), "w") as f:
            f.write(PROJECT)
        self.build = os.path.join(self.dir, "build")
        subprocess.run(["cmake", "-S", self.dir, "-B", self.build], check=True,
                       capture_output=True)
        run = subprocess.run(["ctest", "--test-dir", self.build], capture_output=True, text=True)
        self.assertNotEqual(run.returncode, 0, run.stdout)

    def digest(self, *dirs):
        run = subprocess.run([sys.executable, DIGEST, *dirs], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout

    def test_names_only_the_real_failures_with_their_reasons(self):
        out = self.digest(self.build)
        self.assertIn(f"==== failed in {self.build}: fails ====", out)
        self.assertIn(f"==== failed in {self.build}: times_out ====", out)
        self.assertNotIn("expected_to_fail", out)
        self.assertNotIn(": passes ====", out)
        self.assertIn("  FAIL: the lamp never got lamp-on", out)
        self.assertIn("  line 20", out)
        self.assertNotIn("  line 5\n", out.split("the end of its output")[1])
        self.assertIn("== 2 failed test(s) in all ==", out)
        # The last lines alone say what failed and why.
        tail = out.rstrip("\n").splitlines()[-3:]
        self.assertEqual(tail, ["== failed: build fails: FAIL: the lamp never got lamp-on",
                                "== failed: build times_out: (no output recorded: it timed out "
                                "silently, or did not run)",
                                "== 2 failed test(s) in all =="])

    def test_a_missing_build_directory_is_no_failure(self):
        out = self.digest(os.path.join(self.dir, "never-built"), self.build)
        self.assertIn("== 2 failed test(s) in all ==", out)


if __name__ == "__main__":
    unittest.main()
