//! Where schedules remember how far they got: one cursor per trigger (the last slot handled),
//! so a restart knows which slots it missed. [`FileLedger`] keeps them in a JSON file in the
//! data directory, replaced atomically (write, fsync, rename); [`MemoryLedger`] is for tests.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Per-trigger cursors.
pub trait Ledger: Send + Sync {
    fn cursor(&self, trigger: &str) -> Option<DateTime<Utc>>;
    /// Records that every slot up to `at` has been handled; durable when it returns `Ok`.
    fn set_cursor(&self, trigger: &str, at: DateTime<Utc>) -> Result<(), String>;
}

/// Cursors in memory.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    cursors: Mutex<BTreeMap<String, DateTime<Utc>>>,
}

impl Ledger for MemoryLedger {
    fn cursor(&self, trigger: &str) -> Option<DateTime<Utc>> {
        self.cursors.lock().unwrap_or_else(|e| e.into_inner()).get(trigger).copied()
    }

    fn set_cursor(&self, trigger: &str, at: DateTime<Utc>) -> Result<(), String> {
        self.cursors.lock().unwrap_or_else(|e| e.into_inner()).insert(trigger.to_string(), at);
        Ok(())
    }
}

/// Cursors in a JSON file (`{"trigger": "2026-03-01T12:00:00Z", ...}`).
#[derive(Debug)]
pub struct FileLedger {
    path: PathBuf,
    cursors: Mutex<BTreeMap<String, DateTime<Utc>>>,
}

impl FileLedger {
    /// Opens (or starts) the ledger at `path`.
    pub fn open(path: &Path) -> Result<FileLedger, String> {
        let cursors = match std::fs::read_to_string(path) {
            Ok(text) => {
                let raw: BTreeMap<String, String> = serde_json::from_str(&text)
                    .map_err(|e| format!("{} is not a trigger ledger: {e}", path.display()))?;
                let mut cursors = BTreeMap::new();
                for (k, v) in raw {
                    let at = DateTime::parse_from_rfc3339(&v)
                        .map_err(|e| format!("{}: {k}: {v:?} is not a time: {e}", path.display()))?;
                    cursors.insert(k, at.with_timezone(&Utc));
                }
                cursors
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(FileLedger { path: path.to_path_buf(), cursors: Mutex::new(cursors) })
    }

    fn write(&self, cursors: &BTreeMap<String, DateTime<Utc>>) -> std::io::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp)?;
        let raw: BTreeMap<&String, String> = cursors.iter().map(|(k, v)| (k, v.to_rfc3339())).collect();
        f.write_all(&serde_json::to_vec_pretty(&raw).unwrap_or_default())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            // The rename is durable once the directory is; not every platform can fsync one.
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Ledger for FileLedger {
    fn cursor(&self, trigger: &str) -> Option<DateTime<Utc>> {
        self.cursors.lock().unwrap_or_else(|e| e.into_inner()).get(trigger).copied()
    }

    fn set_cursor(&self, trigger: &str, at: DateTime<Utc>) -> Result<(), String> {
        let mut cursors = self.cursors.lock().unwrap_or_else(|e| e.into_inner());
        cursors.insert(trigger.to_string(), at);
        self.write(&cursors).map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}
