"""Incremental ingest against a real Chroma in a temp dir, with the fast fake embedder."""

import shutil

import pytest

from assistant.core.errors import DocumentNotFoundError
from assistant.documents.ingest import ingest
from assistant.retrieval.store import ChromaStore
from tests.fixtures.paths import SEED_FILE


@pytest.fixture
def folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED_FILE, docs / "nato.txt")
    (docs / "notes.md").write_text("# Notes\n\nThe harbour bell rings at noon every Sunday.\n" * 3)
    return docs


@pytest.fixture
def store(settings):
    return ChromaStore(settings)


def test_first_ingest_embeds_everything_and_second_nothing(folder, store, fake_embedder, settings):
    first = ingest([folder], store, fake_embedder, settings)
    assert first.files == 2 and first.skipped == 0
    assert first.chunks_embedded == store.count() > 2
    second = ingest([folder], store, fake_embedder, settings)
    assert second.to_dict() | {"seconds": 0} == {
        "files": 2,
        "skipped": 0,
        "chunks_embedded": 0,
        "chunks_unchanged": first.chunks_embedded,
        "chunks_removed": 0,
        "seconds": 0,
    }


def test_changed_file_replaces_only_its_changed_chunks(folder, store, fake_embedder, settings):
    ingest([folder], store, fake_embedder, settings)
    notes_before = store.chunk_ids_of(str(folder / "notes.md"))
    (folder / "notes.md").write_text("The lighthouse keeper retired in 1990.")
    report = ingest([folder], store, fake_embedder, settings)
    notes_after = store.chunk_ids_of(str(folder / "notes.md"))
    assert report.chunks_embedded == len(notes_after) == 1
    assert report.chunks_removed == len(notes_before)
    assert not notes_before & notes_after
    assert store.get(list(notes_after))[0].text == "The lighthouse keeper retired in 1990."


def test_vanished_file_is_removed(folder, store, fake_embedder, settings):
    ingest([folder], store, fake_embedder, settings)
    removed = len(store.chunk_ids_of(str(folder / "notes.md")))
    (folder / "notes.md").unlink()
    report = ingest([folder], store, fake_embedder, settings)
    assert report.chunks_removed == removed and report.files == 1
    assert store.chunk_ids_of(str(folder / "notes.md")) == set()
    assert str(folder / "notes.md") not in store.file_records()


def test_ingesting_another_folder_keeps_the_first(folder, tmp_path, store, fake_embedder, settings):
    ingest([folder], store, fake_embedder, settings)
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("Another document about kites.")
    report = ingest([other], store, fake_embedder, settings)
    assert report.chunks_removed == 0
    assert {record.source for record in store.file_records().values()} == {"nato.txt", "notes.md", "x.txt"}


def test_changed_chunk_size_rebuilds(folder, store, fake_embedder, settings):
    first = ingest([folder], store, fake_embedder, settings)
    smaller = settings.model_copy(update={"chunk_size": 150})
    report = ingest([folder], ChromaStore(smaller), fake_embedder, smaller)
    assert report.chunks_embedded > first.chunks_embedded
    assert report.chunks_unchanged == 0
    assert ChromaStore(smaller).count() == report.chunks_embedded


def test_bad_files_are_skipped_and_counted(folder, store, fake_embedder, settings):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / ".hidden.txt").write_text("not a document")
    report = ingest([folder], store, fake_embedder, settings)
    assert report.files == 2
    assert report.skipped == 4
    assert sorted(path.rsplit("/", 1)[1] for path, _ in report.skipped_files) == [
        "binary.txt",
        "broken.pdf",
        "empty.txt",
        "photo.jpg",
    ]


def test_missing_path_is_an_error_naming_it(tmp_path, store, fake_embedder, settings):
    with pytest.raises(DocumentNotFoundError, match="no_such_folder"):
        ingest([tmp_path / "no_such_folder"], store, fake_embedder, settings)


def test_file_that_became_unreadable_loses_its_chunks(folder, store, fake_embedder, settings):
    ingest([folder], store, fake_embedder, settings)
    (folder / "notes.md").write_bytes(b"")
    report = ingest([folder], store, fake_embedder, settings)
    assert report.skipped == 1 and report.chunks_removed > 0
    assert store.chunk_ids_of(str(folder / "notes.md")) == set()


def test_partial_file_is_completed_by_the_next_run(folder, store, fake_embedder, settings):
    """A run that died after storing some chunks but before the file record is finished next time."""
    ingest([folder], store, fake_embedder, settings)
    path = str(folder / "nato.txt")
    all_ids = store.chunk_ids_of(path)
    store.delete(sorted(all_ids)[: len(all_ids) // 2])
    store.delete_file_record(path)
    report = ingest([folder], store, fake_embedder, settings)
    assert report.chunks_embedded == len(all_ids) - len(all_ids) // 2
    assert store.chunk_ids_of(path) == all_ids


def test_a_store_keeps_working_after_another_client_rebuilt_the_index(folder, store, fake_embedder, settings):
    ingest([folder], store, fake_embedder, settings)
    chunk_ids = store.chunk_ids()
    other = ChromaStore(settings)  # another client of the same index rebuilds it (collections dropped, recreated)
    other.reset()
    ingest([folder], other, fake_embedder, settings)
    assert store.chunk_ids() == chunk_ids and store.count() == len(chunk_ids)
    assert store.nearest(fake_embedder.embed(["harbour"])[0], 1)
