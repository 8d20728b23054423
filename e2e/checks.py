"""What the Python test scripts under tests/ share: named checks that report `ok`/`FAIL` and
count, and `expect`."""
import traceback


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, body):
        try:
            body()
            self.passed += 1
            print(f'ok    {name}', flush=True)
        except Exception:
            self.failed += 1
            print(f'FAIL  {name}', flush=True)
            traceback.print_exc()


def expect(condition, message):
    if not condition:
        raise AssertionError(message)
