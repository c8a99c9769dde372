//! The store conformance suite of `statecraft-runtime`, on SQLite, one fresh database per case.

use statecraft_local::SqliteStore;
use std::ops::Deref;

/// A store in a temporary directory that lives as long as the store.
struct Fixture {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Deref for Fixture {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

fn fresh() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path()).expect("open store");
    Fixture { store, _dir: dir }
}

statecraft_runtime::store_conformance!(fresh());
