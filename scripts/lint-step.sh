#!/bin/sh
# Checks that every sqlite3_step result is checked (docs/architecture.md, "Errors"), in the program's
# sources (lib/ and the domain modules, server/, cli/):
#   1. a call of sqlite3_step(), db_step_row() or db_step_done() whose result is discarded
#      (a statement of its own, or cast to void);
#   2. a row loop (while or for) stepping in its condition must keep the step's result in a variable
#      (`while ((rc = db_step_row(st)) > 0)`) and read that variable after the loop, so that a loop
#      that ended on an error says so instead of returning a short list.
# Prints FILE:LINE: message for each finding; exits 1 on any.
# Usage: scripts/lint-step.sh [FILE...]   (default: every .c file of the program)
set -eu
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'EOF'
import glob, re, sys

DIRS = ["lib", "accounts", "courses", "assessment", "certificates", "training", "reports", "server", "cli"]
STEP = re.compile(r"\b(sqlite3_step|db_step_row|db_step_done)\s*\(")


def strip(src):
    """Blanks comments, string and character literals (newlines kept, so offsets and lines stay)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", src[i + 1 : j - 1]) + c if j - i >= 2 else src[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def match_close(s, i, open_c, close_c):
    """Index just past the bracket matching the one at s[i]."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == open_c:
            depth += 1
        elif s[j] == close_c:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(s)


def enclosing_loop(s, at):
    """(index of the loop condition's '(') when the call at `at` is inside a while/for condition."""
    depth = 0
    i = at - 1
    while i >= 0:
        c = s[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                m = re.search(r"\b(while|for)\s*$", s[:i])
                if m:
                    return i
            else:
                depth -= 1
        elif c in ";{}" and depth == 0:
            return None
        i -= 1
    return None


def statement_start(s, at):
    i = at - 1
    while i >= 0 and s[i] not in ";{}":
        i -= 1
    return i + 1


def loop_end(s, cond_open):
    """Index just past the loop's body."""
    j = match_close(s, cond_open, "(", ")")
    k = j
    while k < len(s) and s[k].isspace():
        k += 1
    if k < len(s) and s[k] == "{":
        return match_close(s, k, "{", "}")
    # A single statement (possibly an if/else or a nested block): up to its ';' at depth 0.
    depth = 0
    while k < len(s):
        if s[k] in "({":
            depth += 1
        elif s[k] in ")}":
            depth -= 1
            if depth < 0:
                return k
            if depth == 0 and s[k] == "}":
                return k + 1
        elif s[k] == ";" and depth == 0:
            return k + 1
        k += 1
    return k


def function_end(s, at):
    """The end of the function holding `at`: the next '}' in column 0."""
    m = re.compile(r"^\}", re.M).search(s, at)
    return m.start() if m else len(s)


def check(path):
    src = open(path, encoding="utf-8").read()
    s = strip(src)
    found = []
    for m in STEP.finditer(s):
        at = m.start()
        line = s.count("\n", 0, at) + 1
        before = s[statement_start(s, at) : at]
        # The definitions and declarations of the helpers themselves.
        if re.search(r"\b(int|static)\s*$", before) or re.match(r"\s*int\s", before):
            continue
        if re.fullmatch(r"\s*(\(\s*void\s*\)\s*)?", before):
            found.append((line, f"the result of {m.group(1)}() is discarded: check it"))
            continue
        cond = enclosing_loop(s, at)
        if cond is None:
            continue
        # The result kept in a variable, or through a pointer or a member (*rc, p->rc).
        var = re.search(r"\(\s*(\*?\s*\w+(?:(?:->|\.)\w+)*)\s*=\s*$", s[cond:at])
        if not var:
            found.append((line, f"a row loop on {m.group(1)}() must keep the result "
                          f"(`while ((rc = {m.group(1)}(st)) ...)`) and check it after the loop"))
            continue
        name = re.sub(r"\s+", "", var.group(1))
        end = loop_end(s, cond)
        rest = s[end : function_end(s, end)]
        # A read of the variable after the loop (a new assignment does not count).
        reads = [r for r in re.finditer(r"(?<![\w>.])%s\b" % re.escape(name).replace(r"\*", r"\*\s*"), rest)
                 if not re.match(r"\s*=[^=]", rest[r.end():])]
        if not reads:
            found.append((line, f"the row loop on {m.group(1)}() never checks '{name}' after the loop: "
                          f"a loop that ended on an error must say so"))
    return [(path, line, msg) for line, msg in found]


files = sys.argv[1:] or sorted(f for d in DIRS for f in glob.glob(f"{d}/*.c"))
findings = [f for path in files for f in check(path)]
for path, line, msg in findings:
    print(f"{path}:{line}: {msg}")
if findings:
    print(f"lint-step: {len(findings)} unchecked sqlite3_step result(s)", file=sys.stderr)
    sys.exit(1)
print(f"lint-step: ok ({len(files)} files)")
EOF
