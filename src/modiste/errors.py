"""User-facing errors.

A `ModisteError` is a mistake the user can fix (bad path, bad flag, missing file). The CLI prints
its message as one line, without a stack trace, and exits with status 2. Messages name the problem
and the fix, e.g. "data folder 'x' is empty: point --data at a folder of .jpg/.png/.webp images".
"""


class ModisteError(Exception):
    """An error caused by user input, reported as one line naming the problem and the fix."""
