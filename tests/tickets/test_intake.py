"""Ticket intake in the core, driven by a scripted asker against the real library and store."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from tests.helpers import make_library
from tests.tickets.asker import ScriptedAsker
from tokohelp import config
from tokohelp.errors import AbortedError, BadInputError, NotFoundError, TokohelpError, UsageError
from tokohelp.tickets import filing, intake, recovery, snapshot, text
from tokohelp.tickets.editor import EditInterrupted
from tokohelp.tickets.recovery import KeptError
from tokohelp.tickets.store import Store

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ELF = b"\x7fELF" + b"\0" * (len(PNG) - 4)
OFFERED = "money back refund cancelled order balance"


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKOHELP_ARTICLES", str(make_library(tmp_path / "lib")))


@pytest.fixture
def deps(tmp_path):
    with snapshot.staging() as staging:
        yield filing.intake_deps(config.load_config(), "en", staging, config.data_dir(), Store)


def request(**values) -> intake.IntakeRequest:
    return intake.IntakeRequest(**values)


def drafts() -> list:
    return Store().tickets("draft")


def recovery_files() -> list[Path]:
    folder = recovery.recovery_dir(config.data_dir())
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


# -- values given as options -------------------------------------------------------------


def test_options_only_are_checked_and_normalised(deps):
    asker = ScriptedAsker(interactive=False)
    got = intake.gather(request(subject="  Refund \x1b[31m late\t now ", category="REFUND",
                                message="Where is\x07 my money?", email="Ani@Bücher.de"),
                        asker, deps)
    ticket = got.ticket
    assert (ticket.subject, ticket.category, ticket.body) == ("Refund late now", "refund",
                                                              "Where is my money?")
    assert ticket.email == "Ani@xn--bcher-kva.de" and asker.asked == []


@pytest.mark.parametrize("address", ["a,b@example.com", "<x@example.com>", '"q"@example.com',
                                     "user@", "ünï@example.com", "a b@example.com",
                                     "a..b@example.com", "x@localhost", "evil,a@b.c",
                                     "a@example.com.", "a@10.0.0.1", "x@-bad.com",
                                     f"{'a' * 65}@example.com"])
def test_addresses_no_backend_can_carry_are_refused(address):
    with pytest.raises(UsageError, match="cannot be used as an email address"):
        text.check_email(address)


def test_non_utf8_bytes_in_the_command_line_are_a_clear_error(deps):
    undecodable = b"Refund \xff late".decode("utf-8", "surrogateescape")
    with pytest.raises(BadInputError, match="--subject is not valid UTF-8"):
        intake.gather(request(subject=undecodable, category="refund", message="x"),
                      ScriptedAsker(interactive=False), deps)
    with pytest.raises(BadInputError, match="--message is not valid UTF-8"):
        intake.gather(request(subject="s", category="refund", message=undecodable),
                      ScriptedAsker(interactive=False), deps)


def test_an_endless_stdin_is_refused_at_the_limit_not_read_to_the_end(deps):
    with open("/dev/zero", "rb") as endless, pytest.raises(BadInputError, match="too long"):
        intake.gather(request(subject="s", category="refund", stdin=endless),
                      ScriptedAsker(interactive=False), deps)


def test_missing_values_without_a_terminal_keep_nothing(deps):
    with pytest.raises(UsageError, match="missing --category"):
        intake.gather(request(subject="s", message="body"), ScriptedAsker(interactive=False),
                      deps)
    assert drafts() == [] and recovery_files() == []


# -- asking ------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["pengiriman", "SHIPPING", "2", "Shipping"])
def test_category_by_id_name_in_either_language_or_number(deps, answer):
    asker = ScriptedAsker(["Parcel missing", "nonsense", answer, "", "", "", "It is late."])
    got = intake.gather(request(), asker, deps)
    assert got.ticket.category == "shipping" and got.ticket.body == "It is late."
    assert asker.warnings and "nonsense" in asker.warnings[0]


def test_articles_are_offered_right_after_subject_and_category(deps):
    asker = ScriptedAsker([OFFERED, "refund"], offer_answers=[False])
    with pytest.raises(AbortedError, match="Not filed") as caught:
        intake.gather(request(), asker, deps)
    assert asker.asked == ["Subject", "Category"] and asker.offered == [["money-back"]]
    assert "Nothing was stored" in caught.value.hint
    assert drafts() == [] and recovery_files() == []


def test_declining_after_a_message_was_given_keeps_a_draft(deps):
    asker = ScriptedAsker(offer_answers=[False])
    with pytest.raises(AbortedError) as caught:
        intake.gather(request(subject=OFFERED, category="refund", message="my words"), asker,
                      deps)
    assert "tokohelp ticket edit 1" in caught.value.hint
    assert [d.body for d in drafts()] == ["my words"]


def test_optional_order_email_from_profile_and_attachments(deps, tmp_path, isolated_home):
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    cfg_path = isolated_home / "config" / "config.toml"
    cfg_path.parent.mkdir(parents=True)
    cfg_path.write_text('[profile]\nemail = "ani@example.com"\n')
    with snapshot.staging() as staging:
        deps = filing.intake_deps(config.load_config(), "en", staging, config.data_dir(), Store)
        asker = ScriptedAsker(["INV/1", "", str(tmp_path / "gone.png"), str(shot),
                               "The story."])
        got = intake.gather(request(subject=OFFERED, category="refund"), asker, deps)
        assert [f.name for f in got.files] == ["shot.png"]
        assert got.files[0].path.read_bytes() == PNG and got.files[0].path != shot
    assert (got.ticket.order_id, got.ticket.email) == ("INV/1", "ani@example.com")
    assert "no such file" in asker.warnings[0]
    assert "Attachments: shot.png" in asker.templates[0]


def test_yes_skips_the_offer_and_the_optional_questions(deps):
    asker = ScriptedAsker(["Body."])
    got = intake.gather(request(subject=OFFERED, category="refund", yes=True), asker, deps)
    assert asker.asked == ["edit"] and got.ticket.body == "Body."


def test_a_broken_index_skips_the_offer_and_loses_nothing(deps):
    from tokohelp import catalog

    catalog.search("warm up", "en")
    for db in config.cache_dir().rglob("*.db"):
        db.write_bytes(b"garbage " * 4096)
    asker = ScriptedAsker(["Parcel late", "shipping", "", "", "", "Still waiting."])
    got = intake.gather(request(), asker, deps)
    assert got.ticket.body == "Still waiting."
    assert asker.offered or "going on" in asker.warnings[0]  # rebuilt, or skipped


# -- the editor --------------------------------------------------------------------------


def test_an_empty_message_files_nothing_and_stores_no_draft(deps):
    asker = ScriptedAsker(["# only comments\n\n"])
    with pytest.raises(AbortedError, match="Empty message"):
        intake.gather(request(subject="s", category="refund", yes=True), asker, deps)
    assert drafts() == [] and recovery_files() == []


def test_a_message_that_is_not_utf8_is_kept_with_its_exact_bytes(deps):
    asker = ScriptedAsker([b"Caf\xe9 au lait, no refund.\n"])
    with pytest.raises(KeptError) as caught:
        intake.gather(request(subject="Refund", category="refund", yes=True), asker, deps)
    error = caught.value
    assert error.status == 5 and "not valid UTF-8" in error.message
    [draft] = drafts()
    assert draft.body == "Caf\ufffd au lait, no refund."
    kept_bytes = Path(error.hint.split("exact bytes are kept in ")[1].split(";")[0])
    assert kept_bytes.read_bytes() == b"Caf\xe9 au lait, no refund.\n"
    assert "tokohelp ticket edit 1" in error.hint
    kept_bytes.unlink()


def test_an_attachment_swapped_while_typing_is_not_what_gets_filed(deps, tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)

    def swap_then_type() -> str:
        shot.write_bytes(ELF)  # same size, other content
        return "See the screenshot."

    got = intake.gather(request(subject="s", category="refund", attach=[shot], yes=True),
                        ScriptedAsker([swap_then_type]), deps)
    [attached] = got.files
    assert attached.mime == "image/png" and attached.path.read_bytes() == PNG


def test_a_file_that_changes_while_being_copied_is_refused_before_anything_is_typed(tmp_path):
    from tokohelp.tickets.store import CheckedFile

    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    checked = CheckedFile(shot, "shot.png", "image/png", len(PNG))
    shot.write_bytes(ELF)
    with snapshot.staging() as staging, pytest.raises(BadInputError, match="changed"):
        snapshot.take([checked], staging)


# -- interruptions ------------------------------------------------------------------------


def test_ctrl_c_after_the_subject_keeps_it_in_a_private_recovery_file(deps):
    asker = ScriptedAsker(["Parcel missing", KeyboardInterrupt()])
    with pytest.raises(KeptError) as caught:
        intake.gather(request(order_id="INV/9"), asker, deps)
    assert caught.value.status == 130 and drafts() == []
    [saved] = recovery_files()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert f"tokohelp ticket new --recover {saved}" in caught.value.hint
    back = recovery.read(saved)
    assert (back.subject, back.order_id, back.body) == ("Parcel missing", "INV/9", "")


def test_end_of_input_at_the_offer_keeps_a_draft(deps):
    asker = ScriptedAsker(offer_answers=[EOFError()])
    with pytest.raises(KeptError) as caught:
        intake.gather(request(subject=OFFERED, category="refund", message="words"), asker, deps)
    assert caught.value.status == 8 and [d.body for d in drafts()] == ["words"]


def test_an_interrupted_editor_keeps_its_text_as_a_draft(deps, tmp_path):
    temp = tmp_path / "edit.md"
    temp.write_bytes(b"Half a story\n# comment\n")
    interrupted = EditInterrupted(15, temp, temp.read_bytes(), still_open=False)
    with pytest.raises(KeptError) as caught:
        intake.gather(request(subject="s", category="refund", yes=True),
                      ScriptedAsker([interrupted]), deps)
    assert caught.value.status == 143 and [d.body for d in drafts()] == ["Half a story"]
    assert not temp.exists()  # its text is in the draft and no editor holds it


def test_an_editor_still_open_keeps_its_file_and_says_so(deps, tmp_path):
    temp = tmp_path / "edit.md"
    temp.write_bytes(b"Typed so far\n")
    interrupted = EditInterrupted(1, temp, temp.read_bytes(), still_open=True)
    with pytest.raises(KeptError) as caught:
        intake.gather(request(subject="s", category="refund", yes=True),
                      ScriptedAsker([interrupted]), deps)
    assert caught.value.status == 129 and temp.exists()
    assert f"Your editor still has {temp} open" in caught.value.hint


def test_an_unexpected_failure_after_typing_still_keeps_the_text(deps):
    def crash(query: str, category: str | None) -> list:
        raise AssertionError("boom")  # not even an Exception the offer expects

    deps.suggest = crash
    asker = ScriptedAsker(["Parcel late", "shipping", "", "", "", "My words."])
    got = intake.gather(request(), asker, deps)  # the offer is skipped, with a warning
    assert got.ticket.body == "My words." and "going on" in asker.warnings[0]

    def explode(template: str) -> None:
        raise RuntimeError("bug")

    asker = ScriptedAsker(["Parcel late", "shipping", "", "", ""])
    asker.edit = explode  # type: ignore[method-assign]
    with pytest.raises(KeptError) as caught:
        intake.gather(request(), asker, deps)
    assert caught.value.status == 70 and "internal error: RuntimeError" in caught.value.message
    assert recovery.read(recovery_files()[0]).subject == "Parcel late"


def test_when_nothing_can_be_written_the_text_is_shown(deps, monkeypatch):
    def refuse(*args: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recovery, "write", refuse)
    asker = ScriptedAsker(["Parcel missing", KeyboardInterrupt()])
    with pytest.raises(KeptError) as caught:
        intake.gather(request(), asker, deps)
    assert "here it is:" in caught.value.hint and "Subject: Parcel missing" in caught.value.hint


# -- recovery files ----------------------------------------------------------------------


def test_recover_prefills_and_filing_removes_the_file(deps, tmp_path):
    kept = recovery.keep_recovery(recovery.Partial("Parcel missing", "shipping", "My text.",
                                                   order_id="INV/2"), config.data_dir())
    got = intake.gather(request(recover=kept.path), ScriptedAsker(interactive=False), deps)
    assert (got.ticket.subject, got.ticket.category, got.ticket.body, got.ticket.order_id) == (
        "Parcel missing", "shipping", "My text.", "INV/2")
    filed = filing.file_ticket(got, None, config.load_config(), Store, config.data_dir())
    assert filed.created.ticket.status == "queued" and not kept.path.exists()


def test_recover_on_a_terminal_opens_the_editor_on_the_recovered_text(deps):
    kept = recovery.keep_recovery(recovery.Partial("Subject", "refund", "Started."),
                                  config.data_dir())
    asker = ScriptedAsker(["Started. Finished."])
    got = intake.gather(request(recover=kept.path, yes=True), asker, deps)
    assert asker.templates[0].startswith("Started.") and got.ticket.body == "Started. Finished."


def test_old_rescue_files_and_broken_ones(tmp_path):
    old = tmp_path / "tokohelp-unsaved-x.txt"
    old.write_text("Subject: Refund late\n\nThe body\nwith: a colon\n")
    back = recovery.read(old)
    assert (back.subject, back.body) == ("Refund late", "The body\nwith: a colon")
    with pytest.raises(BadInputError, match="cannot read the recovery file"):
        recovery.read(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes(b"Subject: caf\xe9\n\nx")
    with pytest.raises(BadInputError, match="not valid UTF-8"):
        recovery.read(tmp_path / "latin1.txt")


def test_resolve_category_reports_the_choices():
    choices = filing.category_choices("en", config.load_config())
    with pytest.raises(NotFoundError) as caught:
        intake.resolve_category("99", choices, "--category")
    assert "refund, shipping" in caught.value.hint


def test_kept_error_is_a_tokohelp_error_with_the_original_status():
    error = intake.kept_error(UsageError("bad", "fix it"), recovery.Kept("nothing"))
    assert isinstance(error, TokohelpError) and error.status == 2
    assert error.hint.startswith("fix it\n")


def test_reading_stdin_bytes_from_a_pipe(deps):
    got = intake.gather(request(subject="s", category="refund",
                                stdin=io.BytesIO("\ufeffDana belum masuk.\n".encode())),
                        ScriptedAsker(interactive=False), deps)
    assert got.ticket.body == "Dana belum masuk."
    assert os.environ["TOKOHELP_DATA_DIR"]


def test_weak_matches_are_not_offered(deps):
    asker = ScriptedAsker(["", "", "", "Body."])  # order, e-mail, attachments, message
    got = intake.gather(request(subject="Refund not received", category="refund"), asker, deps)
    assert asker.offered == [] and got.ticket.body == "Body."


def test_an_interruption_while_storing_keeps_a_recovery_file(deps, monkeypatch):
    got = intake.gather(request(subject="s", category="refund", message="words"),
                        ScriptedAsker(interactive=False), deps)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "create", interrupted)
    with pytest.raises(KeptError) as caught:
        filing.file_ticket(got, None, config.load_config(), Store, config.data_dir())
    assert caught.value.status == 130
    assert recovery.read(recovery_files()[0]).body == "words"


def test_a_subject_typed_in_another_encoding_is_asked_again(deps):
    undecodable = b"caf\xe9".decode("utf-8", "surrogateescape")
    asker = ScriptedAsker([undecodable, "Cafe refund", "refund", "", "", "", "Body."])
    got = intake.gather(request(), asker, deps)
    assert got.ticket.subject == "Cafe refund" and "not valid UTF-8" in asker.warnings[0]


def test_the_terminal_asker_asks_again_after_bytes_that_are_not_utf8():
    import pty

    from tokohelp.cli.ticket_asker import TerminalAsker
    from tokohelp.session import Session

    controller, terminal = pty.openpty()  # a real terminal: one line per read
    os.write(controller, b"caf\xe9\nCafe\n")
    with open(terminal, encoding="utf-8", errors="strict") as stdin:
        stderr = io.StringIO()
        asker = TerminalAsker(Session(stdin=stdin, stderr=stderr, stdin_isatty=True))
        assert asker.text("Subject") == "Cafe"
    os.close(controller)
    assert "not valid UTF-8" in stderr.getvalue()
