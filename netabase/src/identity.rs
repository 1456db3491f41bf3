//! The node's identity keypair, kept in its data directory so a restarted node keeps its PeerId.

use std::path::Path;

use libp2p::identity::Keypair;

use crate::errors::{Error, Result};

/// The file, inside the data directory, that holds the identity keypair (protobuf encoding).
pub(crate) const IDENTITY_FILE: &str = "identity.key";

/// Loads the keypair from `dir`, or creates and saves a new Ed25519 one.
pub(crate) fn load_or_create(dir: &Path) -> Result<Keypair> {
    let path = dir.join(IDENTITY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Keypair::from_protobuf_encoding(&bytes).map_err(|err| Error::Identity {
            path,
            reason: err.to_string(),
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let keypair = Keypair::generate_ed25519();
            let bytes = keypair
                .to_protobuf_encoding()
                .map_err(|err| Error::Identity {
                    path: path.clone(),
                    reason: err.to_string(),
                })?;
            write_private(&path, &bytes)?;
            tracing::info!(peer = %keypair.public().to_peer_id(), path = %path.display(), "created a new node identity");
            Ok(keypair)
        }
        Err(err) => Err(err.into()),
    }
}

/// Writes a file readable only by its owner (on Unix), atomically: a crash leaves the old file
/// or the new one, never half of one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|err| Error::Io(err.error))?;
    Ok(())
}
