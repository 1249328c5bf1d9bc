#!/usr/bin/env python3
"""Checks the source tree against docs/ARCHITECTURE.md; exits 1 with one line per breach.

    scripts/check-architecture.py [--sizes-only | --imports-only]

- Imports: every `import M` in Sources/TARGET/ must be listed for TARGET in the document's
  "Allowed imports" table (project modules and system modules alike).
- Sizes: no source file over 300 lines; no function, initializer or closure-bodied property over
  60 lines, except in the files the document lists under "Numerical kernels".
"""
import os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, 'docs', 'ARCHITECTURE.md')
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 60


def section(text, title):
    """The lines of the document's section `## title` (up to the next `##`)."""
    match = re.search(r'^## ' + re.escape(title) + r'\n(.*?)(?=^## |\Z)', text, re.S | re.M)
    if not match:
        sys.exit(f'{DOC}: no section "## {title}"')
    return match.group(1).splitlines()


def allowed_imports(text):
    """{target: set of modules} from the rows `| Target | A, B, C |` of "Allowed imports"."""
    table = {}
    for line in section(text, 'Allowed imports'):
        cells = [c.strip().strip('`') for c in line.strip().strip('|').split('|')]
        if len(cells) >= 2 and cells[0] and not set(cells[0]) <= set('-: ') and cells[0] != 'target':
            table[cells[0]] = {m.strip().strip('`') for m in cells[1].split(',') if m.strip() and m.strip() != '(none)'}
    return table


def kernel_files(text):
    """Paths (relative to the repository) listed as `- path` under "Numerical kernels"."""
    return {m.group(1) for line in section(text, 'Numerical kernels') if (m := re.match(r'- `([^`]+)`', line))}


def swift_files(folder):
    for base, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith('.swift'):
                yield os.path.join(base, name)


def code_only(line):
    """The line without string literals and `//` comments, so braces in them are not counted."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    return line.split('//', 1)[0]


DECLARATION = re.compile(r'^\s*(@\w+(\([^)]*\))?\s+)*((public|private|fileprivate|internal|static|final|override|'
                         r'mutating|nonisolated|convenience|required|class)\s+)*(func\s|init[(<?]|deinit\b|subscript\b)')


def long_functions(path):
    """(line, length) of each declaration whose body runs over MAX_FUNCTION_LINES lines."""
    lines = open(path, encoding='utf-8').read().split('\n')
    found = []
    for start, line in enumerate(lines):
        if not DECLARATION.match(line):
            continue
        depth, opened = 0, False
        for end in range(start, len(lines)):
            code = code_only(lines[end])
            depth += code.count('{') - code.count('}')
            opened = opened or '{' in code
            if opened and depth <= 0:
                break
            if not opened and end > start and code.strip() == '':
                break
        if opened and end - start + 1 > MAX_FUNCTION_LINES:
            found.append((start + 1, end - start + 1))
    return found


def main():
    text = open(DOC, encoding='utf-8').read()
    table, kernels = allowed_imports(text), kernel_files(text)
    check_imports = '--sizes-only' not in sys.argv
    check_sizes = '--imports-only' not in sys.argv
    breaches = []
    sources = os.path.join(ROOT, 'Sources')
    for target in sorted(os.listdir(sources)):
        folder = os.path.join(sources, target)
        if not os.path.isdir(folder) or not any(swift_files(folder)):
            continue
        if check_imports and target not in table:
            breaches.append(f'Sources/{target}: a target missing from the "Allowed imports" table of docs/ARCHITECTURE.md')
            continue
        for path in swift_files(folder):
            relative = os.path.relpath(path, ROOT)
            lines = open(path, encoding='utf-8').read().split('\n')
            if check_imports:
                for number, line in enumerate(lines, 1):
                    match = re.match(r'^\s*(@testable\s+|@_exported\s+)?import\s+(\w+)', line)
                    if match and match.group(2) not in table[target]:
                        breaches.append(f'{relative}:{number}: imports {match.group(2)}, which {target} may not '
                                        f'(allowed: {", ".join(sorted(table[target]))})')
            if check_sizes:
                count = len(lines) - (1 if lines and lines[-1] == '' else 0)
                if count > MAX_FILE_LINES:
                    breaches.append(f'{relative}: {count} lines; split it (at most {MAX_FILE_LINES})')
                if relative not in kernels:
                    for number, length in long_functions(path):
                        breaches.append(f'{relative}:{number}: a function of {length} lines; split it '
                                        f'(at most {MAX_FUNCTION_LINES} outside the numerical kernels)')
    for breach in breaches:
        print(breach)
    if breaches:
        print(f'{len(breaches)} breaches of docs/ARCHITECTURE.md', file=sys.stderr)
        return 1
    print('architecture: imports and sizes follow docs/ARCHITECTURE.md')
    return 0


if __name__ == '__main__':
    sys.exit(main())
