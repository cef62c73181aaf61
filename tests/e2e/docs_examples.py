"""The Python examples of the pages, run: every ```python block marked
`<!-- doc-test: python -->` in README.md and docs/ is a pytest module, run with the installed
package's plugin and the real client against the shipped fixtures, and must pass whole; every
other ```python block must at least be Python (it is parsed).

    python tests/e2e/docs_examples.py     # from the repository's top, in a client's venv
"""

import ast
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md",
         *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(text):
    """(directive or None, code, line) of each ```python block."""
    lines = text.split("\n")
    found = []
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            previous = lines[index - 1].strip() if index else ""
            match = re.fullmatch(r"<!-- doc-test:\s*(.*?)\s*-->", previous)
            end = index + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            found.append((match.group(1) if match else None, "\n".join(lines[index + 1:end]),
                          index + 2))
            index = end
        index += 1
    return found


def main():
    failures = []
    runnable = []
    for page in PAGES:
        for directive, code, line in blocks(page.read_text()):
            where = f"{page.relative_to(ROOT)}:{line}"
            try:
                ast.parse(code)
            except SyntaxError as error:
                failures.append(f"{where}: not Python: {error}")
                continue
            if directive == "python":
                tests = len(re.findall(r"^def test_", code, re.M))
                if tests == 0:
                    failures.append(f"{where}: marked to run, but defines no test_ function")
                runnable.append((where, code, tests))
    with tempfile.TemporaryDirectory() as folder:
        for number, (where, code, tests) in enumerate(runnable):
            module = pathlib.Path(folder, f"test_doc_{number}.py")
            module.write_text(f"# {where}\n{code}\n")
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
                cwd=folder, capture_output=True, text=True)
            if result.returncode != 0 or f"{tests} passed" not in result.stdout:
                failures.append(f"{where}: the example does not pass:\n{result.stdout[-3000:]}"
                                f"{result.stderr[-1000:]}")
            else:
                print(f"docs: ok: {where} ({tests} test(s))")
    if len(runnable) < 3:
        failures.append(f"only {len(runnable)} Python example(s) are marked to run")
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"docs: {len(runnable)} Python example(s) passed")


if __name__ == "__main__":
    main()
