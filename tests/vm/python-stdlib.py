# SPDX-License-Identifier: MIT
"""Which files of the standard library the given Python scripts load.

usage: /usr/bin/python3 -I -S -B python-stdlib.py SCRIPT...

Runs each SCRIPT as __main__ with --help (the examples parse their options
with argparse and exit before connecting to anything), then imports site as
the interpreter's own start would, and prints one path a line, relative to
the standard library's directory, of every module then loaded from it (the
.py sources and lib-dynload's extension modules).  mkinitramfs.sh copies
exactly these into the test VM, so that the image grows by the interpreter
and what the examples use, not by all of the standard library.  A module
imported only later, while serving, is not seen here: the VM test then fails
with its ImportError, which names it.
"""
import os
import sys

STDLIB = os.path.dirname(os.__file__)


def run_with_help(script):
    script = os.path.abspath(script)
    sys.argv = [script, "--help"]
    sys.path.insert(0, os.path.dirname(script))
    with open(script, encoding="utf-8") as f:
        code = compile(f.read(), script, "exec")
    try:
        exec(code, {"__name__": "__main__", "__file__": script})
    except SystemExit:
        pass


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: python-stdlib.py SCRIPT...")
    scripts = sys.argv[1:]
    stdout = sys.stdout
    # The scripts' help text is not the list.
    sys.stdout = open(os.devnull, "w", encoding="utf-8")
    for script in scripts:
        run_with_help(script)
    __import__("site")  # -S: imported, not run; the start imports it
    sys.stdout = stdout
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and path.startswith(STDLIB + os.sep):
            files.add(os.path.relpath(path, STDLIB))
    # The interpreter finds its prefix by this file, imported or frozen.
    files.add("os.py")
    print("\n".join(sorted(files)))


if __name__ == "__main__":
    main()
