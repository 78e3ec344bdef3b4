from __future__ import annotations

import hashlib

import pytest

from controller.office.blobs import BlobCorrupted, BlobStore


def test_put_get_idempotent(tmp_path):
    store = BlobStore(tmp_path)
    sha = store.put(b"hello")
    assert sha == hashlib.sha256(b"hello").hexdigest()
    assert store.put(b"hello") == sha
    assert store.get(sha) == b"hello"
    assert store.path(sha).parent.name == sha[:2]
    assert not [p for p in store.path(sha).parent.iterdir() if p.name.startswith(".tmp")]


def test_missing_and_corrupted(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(FileNotFoundError):
        store.get("0" * 64)
    sha = store.put(b"document")
    store.path(sha).write_bytes(b"tampered")
    with pytest.raises(BlobCorrupted):
        store.get(sha)


def test_path_refuses_traversal(tmp_path):
    store = BlobStore(tmp_path)
    for bad in ["../../etc/passwd", "A" * 64, "0" * 63]:
        with pytest.raises(ValueError):
            store.path(bad)
