//! The master key that seals provider keys: from `VOXHIVE_MASTER_KEY`, a key file, or created
//! (mode 0600) in the data directory on first start; checked against the database before use.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use voxhive_core::crypto::MasterKey;
use voxhive_store::Store;

use crate::config::Config;

/// A plaintext sealed as the database's key check.
const CHECK_PLAINTEXT: &str = "voxhive master key check";

/// Where the key of a configuration comes from.
pub enum KeySource {
    Env,
    File(PathBuf),
}

/// The key file used when no key is given in the environment.
pub fn key_file(config: &Config) -> PathBuf {
    config
        .master_key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("master.key"))
}

/// Reads the configured key, if there is one.
fn read_key(config: &Config) -> anyhow::Result<Option<(MasterKey, KeySource)>> {
    if let Ok(text) = std::env::var("VOXHIVE_MASTER_KEY") {
        let key = MasterKey::parse(&text).map_err(|e| anyhow!("VOXHIVE_MASTER_KEY: {e}"))?;
        return Ok(Some((key, KeySource::Env)));
    }
    let path = key_file(config);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = MasterKey::parse(&text).map_err(|e| anyhow!("the master key file {}: {e}", path.display()))?;
            Ok(Some((key, KeySource::File(path))))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!("cannot read the master key file {}: {e}", path.display())),
    }
}

/// Writes a key file readable by its owner only; refuses to overwrite one.
pub fn write_key_file(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the master key file {}", path.display()))?;
    file.write_all(key.encode().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(())
}

/// The master key of this installation, verified against the database's check value.
/// Nothing is written when the key is wrong or missing for a database that already has secrets.
pub async fn load(config: &Config, store: &Store) -> anyhow::Result<(MasterKey, KeySource)> {
    let check = store.master_key_check().await?;
    let (key, source) = match (read_key(config)?, &check) {
        (Some(found), _) => found,
        (None, Some(_)) => bail!(
            "this database's secrets are sealed with a master key, but none was found: set VOXHIVE_MASTER_KEY or restore the key file {}",
            key_file(config).display()
        ),
        (None, None) => {
            let key = MasterKey::generate();
            let path = key_file(config);
            write_key_file(&path, &key)?;
            tracing::info!(path = %path.display(), "created a new master key file; back it up: without it the stored provider keys cannot be read");
            (key, KeySource::File(path))
        }
    };
    if check.is_none() {
        store.init_master_key_check(&key.seal(CHECK_PLAINTEXT)).await?;
    }
    // Read back: another instance may have bound its key first.
    let check = store
        .master_key_check()
        .await?
        .ok_or_else(|| anyhow!("the master key check vanished"))?;
    if key.open(&check).ok().as_deref() != Some(CHECK_PLAINTEXT) {
        bail!(
            "the master key ({}) does not match the key this database's secrets were sealed with; start VoxHive with the right key. Nothing was changed.",
            match &source {
                KeySource::Env => "VOXHIVE_MASTER_KEY".to_string(),
                KeySource::File(path) => path.display().to_string(),
            }
        );
    }
    Ok((key, source))
}

/// Re-seals every secret under a new key and replaces the key where it came from.
/// With a key file, the new key is written beside it first and renamed over it only after the
/// database committed, so a failure at any point leaves a key that opens the secrets.
pub async fn rotate(config: &Config, store: &Store) -> anyhow::Result<(usize, MasterKey, KeySource)> {
    let (old, source) = load(config, store).await?;
    let new = MasterKey::generate();
    let pending = match &source {
        KeySource::File(path) => {
            let pending = path.with_extension("key.new");
            let _ = std::fs::remove_file(&pending);
            write_key_file(&pending, &new)?;
            Some((pending, path.clone()))
        }
        KeySource::Env => None,
    };
    let count = store
        .reseal_secrets(|sealed| -> anyhow::Result<String> {
            let plain = old
                .open(sealed)
                .map_err(|e| anyhow!("a stored secret cannot be opened: {e}"))?;
            Ok(new.seal(&plain))
        })
        .await?;
    if let Some((pending, path)) = pending {
        std::fs::rename(&pending, &path).with_context(|| {
            format!(
                "the secrets are now sealed with the key in {}; move it to {}",
                pending.display(),
                path.display()
            )
        })?;
    }
    Ok((count, new, source))
}
