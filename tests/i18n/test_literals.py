"""No English sentence reaches a reader without the catalogue.

Every message and hint of a tokohelp error, and every problem passed to a config
``fail(key, problem)``, is built with ``_()`` where it is raised; a bare literal (or an
f-string with words in it) would stay English under ``--lang id``.  This scan finds them
in the source, so a new one fails here instead of in front of a reader.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tokohelp import errors

SRC = Path(__file__).resolve().parents[2] / "src" / "tokohelp"
ERRORS = {cls.__name__ for cls in vars(errors).values()
          if isinstance(cls, type) and issubclass(cls, errors.TokohelpError)}
WORD = re.compile(r"[A-Za-z]{2,}")


def _wordy(node: ast.AST) -> bool:
    """A string literal, or an f-string whose literal parts hold a word."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and WORD.search(str(part.value))
                   for part in node.values)
    return False


def _texts(call: ast.Call) -> list[ast.AST]:
    """The arguments of ``call`` a reader sees: an error's message and hint, a problem."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name in ERRORS:
        return call.args[:2] + [k.value for k in call.keywords if k.arg in ("message", "hint")]
    if name == "fail":
        return call.args[1:2]
    return []


def bare_literals() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                found += [f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(text)[:70]}"
                          for text in _texts(node) if _wordy(text)]
    return found


def test_every_error_message_and_hint_goes_through_the_catalogue():
    assert bare_literals() == []


def test_the_scan_sees_a_bare_literal():
    tree = ast.parse('raise BadInputError(f"{path}: no such file", _("Check it."))\n'
                     'fail("key", "must be set")\nfail("key", _("must be set"))\n')
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert sum(_wordy(text) for call in calls for text in _texts(call)) == 2
