#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints the SQL of the named statics of a C file as the compiler sees
them (string literals joined after the preprocessor ran), one statement
a line, so that the benchmark explains and times the very statements
the program runs. Usage: sql.py PREPROCESSED.i NAME..."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
for name in sys.argv[2:]:
    m = re.search(r"\b" + re.escape(name) + r"\s*\[\s*\]\s*=\s*((?:\s*\"(?:[^\"\\]|\\.)*\")+)\s*;", text)
    if not m:
        sys.exit("%s: no string %s" % (sys.argv[1], name))
    parts = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(1))
    print("".join(p.encode().decode("unicode_escape") for p in parts))
