"""A scripted Asker (like gh's prompter stub): answers given up front, every question recorded.

An answer may be a string (typed), an exception instance (raised: EOFError, KeyboardInterrupt),
or, for ``edit``, bytes written by a pretend editor into a real temp file.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokohelp.tickets.editor import Edited


@dataclass
class ScriptedAsker:
    """Pops one scripted answer per question; fails the test when the script runs out."""

    answers: list[Any] = field(default_factory=list)
    interactive: bool = True
    asked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    offered: list[list[str]] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    offer_answers: list[Any] = field(default_factory=list)  # empty: "file it anyway"

    def _next(self, question: str) -> Any:
        self.asked.append(question)
        assert self.answers, f"unexpected question: {question}"
        answer = self.answers.pop(0)
        if callable(answer):  # a side effect while the user "types", then its answer
            answer = answer()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def text(self, prompt: str, default: str = "") -> str:
        return self._next(prompt) or default

    def choose(self, prompt: str, choices: list) -> str:
        return self._next(prompt)

    def offer(self, hits: list) -> bool:
        self.offered.append([h.slug for h in hits])
        if not self.offer_answers:
            return True
        answer = self.offer_answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def edit(self, template: str) -> Edited:
        self.templates.append(template)
        raw = self._next("edit")
        fd, name = tempfile.mkstemp(prefix="scripted-edit-")
        with open(fd, "wb") as handle:
            handle.write(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
        return Edited(Path(name).read_bytes(), Path(name))

    def warn(self, message: str) -> None:
        self.warnings.append(message)
