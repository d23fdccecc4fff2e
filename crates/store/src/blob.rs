//! Blob stores for attachment bytes (the declaration crate's `BlobStore` port).
//!
//! [`LocalBlobStore`] keeps each blob in a content-addressed directory outside any web root:
//! `<root>/ab/cdef…` where `abcdef…` is the SHA-256 of the content. A blob is streamed to
//! `<root>/tmp/<random>.part` (mode 0600), flushed and fsynced, checked against the expected
//! SHA-256, renamed into place and its directory fsynced; only then does the caller commit the
//! database row. Paths are built from the hash only, never from a user's file name. Reads
//! verify the hash again. [`MemoryBlobStore`] is the fake for tests.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use zhicheng_declaration::ContentAddress;
use zhicheng_declaration::ports::{BlobStore, BlobWriter};
use zhicheng_kernel::StoreError;

fn io(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("blob store: {what}: {e}"))
}

fn address(h: Sha256) -> ContentAddress {
    ContentAddress::from_digest(&h.finalize().into())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| io("blocking task", e))?
}

/// Blobs in a directory (default `data/blobs`).
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> LocalBlobStore {
        LocalBlobStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this address lives.
    pub fn path_of(&self, a: &ContentAddress) -> PathBuf {
        let s = a.as_str();
        self.root.join(&s[..2]).join(&s[2..])
    }
}

/// A blob being written to a temporary file. Dropped without `commit`, the file is removed.
pub struct LocalBlobWriter {
    file: Option<std::fs::File>,
    temp: PathBuf,
    target: LocalBlobStore,
    hasher: Sha256,
    done: bool,
}

fn open_temp(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("fsync directory", e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl BlobStore for LocalBlobStore {
    type Writer = LocalBlobWriter;

    async fn writer(&self) -> Result<LocalBlobWriter, StoreError> {
        let tmp_dir = self.root.join("tmp");
        let temp = tmp_dir.join(format!("{}.part", uuid::Uuid::now_v7().simple()));
        let path = temp.clone();
        let file = blocking(move || {
            std::fs::create_dir_all(&tmp_dir).map_err(|e| io("create directory", e))?;
            open_temp(&path).map_err(|e| io("create temporary file", e))
        })
        .await?;
        Ok(LocalBlobWriter {
            file: Some(file),
            temp,
            target: self.clone(),
            hasher: Sha256::new(),
            done: false,
        })
    }

    async fn get(&self, a: &ContentAddress) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path_of(a);
        let expected = a.clone();
        blocking(move || match std::fs::read(&path) {
            Ok(bytes) => {
                if ContentAddress::of(&bytes) == expected {
                    Ok(Some(bytes))
                } else {
                    Err(io("read", format!("blob {expected} is corrupt")))
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("read", e)),
        })
        .await
    }

    async fn exists(&self, a: &ContentAddress) -> Result<bool, StoreError> {
        let path = self.path_of(a);
        blocking(move || path.try_exists().map_err(|e| io("stat", e))).await
    }
}

impl BlobWriter for LocalBlobWriter {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.hasher.update(chunk);
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io("write", "writer already failed"))?;
        let data = chunk.to_vec();
        let file = blocking(move || {
            file.write_all(&data).map_err(|e| io("write", e))?;
            Ok(file)
        })
        .await?;
        self.file = Some(file);
        Ok(())
    }

    async fn commit(mut self, expected: &ContentAddress) -> Result<(), StoreError> {
        let got = address(std::mem::take(&mut self.hasher));
        if &got != expected {
            return Err(io(
                "commit",
                format!("content hashes to {got}, expected {expected}"),
            ));
        }
        let file = self
            .file
            .take()
            .ok_or_else(|| io("commit", "writer already failed"))?;
        let temp = self.temp.clone();
        let target = self.target.path_of(expected);
        let tmp_dir = self.target.root.join("tmp");
        blocking(move || {
            file.sync_all().map_err(|e| io("fsync", e))?;
            drop(file);
            let dir = target
                .parent()
                .map(Path::to_path_buf)
                .ok_or_else(|| io("commit", "no parent directory"))?;
            std::fs::create_dir_all(&dir).map_err(|e| io("create directory", e))?;
            if target.exists() {
                // Same content already stored: keep the one copy.
                std::fs::remove_file(&temp).map_err(|e| io("remove temporary file", e))?;
            } else {
                std::fs::rename(&temp, &target).map_err(|e| io("rename", e))?;
                sync_dir(&dir)?;
            }
            sync_dir(&tmp_dir)
        })
        .await?;
        self.done = true;
        Ok(())
    }

    async fn abort(mut self) {
        self.file = None;
        let temp = self.temp.clone();
        self.done = true;
        let _ = blocking(move || {
            std::fs::remove_file(&temp).map_err(|e| io("remove temporary file", e))
        })
        .await;
    }
}

impl Drop for LocalBlobWriter {
    fn drop(&mut self) {
        if !self.done {
            self.file = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Blobs in process memory, for tests. Clones share the blobs.
#[derive(Debug, Clone, Default)]
pub struct MemoryBlobStore {
    blobs: Arc<Mutex<HashMap<ContentAddress, Vec<u8>>>>,
}

impl MemoryBlobStore {
    pub fn new() -> MemoryBlobStore {
        MemoryBlobStore::default()
    }

    /// How many blobs are stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ContentAddress, Vec<u8>>> {
        self.blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A blob being written to memory.
pub struct MemoryBlobWriter {
    store: MemoryBlobStore,
    bytes: Vec<u8>,
}

impl BlobStore for MemoryBlobStore {
    type Writer = MemoryBlobWriter;

    async fn writer(&self) -> Result<MemoryBlobWriter, StoreError> {
        Ok(MemoryBlobWriter {
            store: self.clone(),
            bytes: Vec::new(),
        })
    }

    async fn get(&self, a: &ContentAddress) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().get(a).cloned())
    }

    async fn exists(&self, a: &ContentAddress) -> Result<bool, StoreError> {
        Ok(self.lock().contains_key(a))
    }
}

impl BlobWriter for MemoryBlobWriter {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    async fn commit(self, expected: &ContentAddress) -> Result<(), StoreError> {
        let got = ContentAddress::of(&self.bytes);
        if &got != expected {
            return Err(io(
                "commit",
                format!("content hashes to {got}, expected {expected}"),
            ));
        }
        self.store.lock().entry(got).or_insert(self.bytes);
        Ok(())
    }

    async fn abort(self) {}
}
