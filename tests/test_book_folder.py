"""``p3 book --html DIR`` never deletes a folder p3 did not make (issue: data loss)."""

from __future__ import annotations

from p3lib.cli import main
from p3lib.store.atomic import MARKER


def test_book_refuses_a_folder_with_the_users_files(tmp_path, capsys):
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thesis.txt").write_text("years of work")
    (tmp_path / "run" / "notebooks").mkdir(parents=True)
    status = main(["book", "--out", str(tmp_path / "run"), "--html", str(documents)])
    assert status == 1
    message = capsys.readouterr().err
    assert "not made by p3" in message and str(documents) in message
    assert [p.name for p in documents.iterdir()] == ["thesis.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Documents", "run"]
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["notebooks"]


def test_book_refuses_a_file_and_a_missing_run_without_leaving_anything(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert main(["book", "--out", str(tmp_path / "run"), "--html", str(target)]) == 1
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    assert main(["book", "--out", str(tmp_path / "typo"), "--html", str(tmp_path / "h")]) == 1
    assert "not the output folder of a p3 run" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_folder_marked_by_p3_may_be_replaced(tmp_path):
    from p3lib.store.atomic import check_replaceable

    book = tmp_path / "html"
    book.mkdir()
    (book / "index.html").write_text("old book")
    (book / MARKER).write_text("made by p3")
    check_replaceable(book)
