//! The profile's open, keyed database connections, kept for the life of the unlocked
//! profile.
//!
//! Opening the encrypted store means keying SQLCipher and checking the migrations;
//! doing that for every call of the app (as it did before the store was encrypted) is
//! waste, and a connection per call also means key material copied into SQLite again
//! and again. [`Profile::store`](crate::Profile::store) hands out a connection from this
//! pool instead and takes it back when the guard drops. A sync holds one for its whole
//! run while the UI's commands use another (WAL lets them read and write side by side).
//! Locking the profile empties the pool: SQLCipher wipes its copy of the key when a
//! connection closes, and guards still out are not taken back.
//!
//! A guard that wrote also counts the changes waiting to be sent into `keys.json`
//! (readable while locked): whatever wrote — the app, the CLI, a sync — a login as
//! another user on a locked device then knows not to discard them.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::store::Store;

/// Most connections kept open (the app uses two at once: the UI and a sync).
const KEEP: usize = 3;

#[derive(Default)]
struct Free {
    /// Bumped whenever the keys go: connections of an older generation are closed.
    generation: u64,
    stores: Vec<Store>,
}

/// Idle keyed connections of one profile, shared by its clones.
#[derive(Default, Clone)]
pub(crate) struct StorePool(Arc<Mutex<Free>>);

impl StorePool {
    /// An idle connection and the generation to give it back under; `None` when a new
    /// one must be opened.
    pub(crate) fn take(&self) -> (Option<Store>, u64) {
        match self.0.lock() {
            Ok(mut f) => (f.stores.pop(), f.generation),
            Err(_) => (None, u64::MAX),
        }
    }

    /// Wraps a connection so that it comes back here when dropped.
    pub(crate) fn guard(&self, store: Store, generation: u64, keys_file: PathBuf) -> StoreGuard {
        let changes = store.conn().total_changes();
        StoreGuard { store: Some(store), pool: self.clone(), generation, changes, keys_file }
    }

    /// Closes every idle connection; connections still in use are closed when dropped.
    pub(crate) fn close_all(&self) {
        let closing = match self.0.lock() {
            Ok(mut f) => {
                f.generation += 1;
                std::mem::take(&mut f.stores)
            }
            Err(_) => Vec::new(),
        };
        drop(closing);
    }
}

/// A connection to the profile's store, back to the pool on drop.
pub struct StoreGuard {
    store: Option<Store>,
    pool: StorePool,
    generation: u64,
    /// The connection's change counter when taken: a write moves it.
    changes: u64,
    keys_file: PathBuf,
}

impl Deref for StoreGuard {
    type Target = Store;
    fn deref(&self) -> &Store {
        // Only `drop` takes it out.
        self.store.as_ref().unwrap_or_else(|| unreachable!("store taken before drop"))
    }
}

impl DerefMut for StoreGuard {
    fn deref_mut(&mut self) -> &mut Store {
        self.store.as_mut().unwrap_or_else(|| unreachable!("store taken before drop"))
    }
}

impl Drop for StoreGuard {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else { return };
        if store.conn().total_changes() != self.changes
            && let Ok(n) = store.unsynced_changes()
            && let Err(e) = crate::vault::note_unsynced_in(&self.keys_file, n)
        {
            tracing::warn!(error = %e, "counting the changes waiting to be sent");
        }
        // A connection left inside a transaction (a panic mid-way) is not reused.
        if !store.conn().is_autocommit() {
            return;
        }
        if let Ok(mut f) = self.pool.0.lock()
            && f.generation == self.generation
            && f.stores.len() < KEEP
        {
            f.stores.push(store);
        }
    }
}
