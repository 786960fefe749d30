"""Sources (file, folder, zip) and detection of files no importer knows."""

import zipfile

import pytest

from shequn.importers import ImporterError, detect, import_paths
from shequn.importers.source import Source


def test_single_file_source(tmp_path):
    f = tmp_path / "chat.txt"
    f.write_bytes(b"hello")
    src = Source(f)
    assert src.is_single_file
    assert src.names() == ["chat.txt"]
    assert src.label == str(f)
    assert src.head("chat.txt", 2) == b"he"


def test_folder_source_lists_files_and_skips_hidden(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.json").write_text("{}")
    (tmp_path / ".DS_Store").write_text("")
    (tmp_path / "b.txt").write_text("b")
    # Files of a folder come before its subfolders' files, each level sorted.
    assert Source(tmp_path).names() == ["b.txt", "a/x.json"]


def test_zip_source_reads_members(tmp_path):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("_chat.txt", "hi")
        zf.writestr("__MACOSX/._chat.txt", "junk")
    src = Source(z)
    assert src.names() == ["_chat.txt"]
    assert src.read_bytes("_chat.txt") == b"hi"
    assert src.display("_chat.txt") == f"{z}!_chat.txt"


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ImporterError, match="no such file"):
        Source(tmp_path / "nope.json")


def test_unknown_file_is_named_in_the_error(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("just some notes\nnothing like a chat\n", encoding="utf-8")
    with pytest.raises(ImporterError) as info:
        detect(str(f))
    assert str(f) in str(info.value)
    assert "not a chat export" in str(info.value)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ImporterError, match="empty"):
        detect(str(tmp_path))


def test_import_paths_reports_every_bad_path(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01\x02")
    report = import_paths([str(bad), str(tmp_path / "missing.json")])
    assert [e.path for e in report.errors] == [str(bad), str(tmp_path / "missing.json")]
    assert report.canonical.messages.height == 0
