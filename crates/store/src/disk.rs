//! Free space on the disk under the data directory, and the floor below which Plansift stops
//! taking more: uploads answer `507 insufficient_storage` and the task loops pause, instead of
//! filling the disk to its last byte (where the database itself can no longer commit).

use std::io;
use std::path::{Path, PathBuf};

/// The data directory and the free bytes to keep on its filesystem.
#[derive(Clone, Debug)]
pub struct DiskFloor {
    pub dir: PathBuf,
    /// Below this many free bytes the disk counts as full; 0 turns the check off.
    pub min_free_bytes: u64,
}

impl DiskFloor {
    pub fn new(dir: impl Into<PathBuf>, min_free_bytes: u64) -> DiskFloor {
        DiskFloor {
            dir: dir.into(),
            min_free_bytes,
        }
    }

    /// Free bytes and whether they are below the floor (`None` when the check is off or the
    /// filesystem cannot be asked).
    pub fn check(&self) -> Option<(u64, bool)> {
        if self.min_free_bytes == 0 {
            return None;
        }
        match free_bytes(&self.dir) {
            Ok(free) => Some((free, free < self.min_free_bytes)),
            Err(e) => {
                tracing::warn!(error = %e, dir = %self.dir.display(), "could not read free disk space");
                None
            }
        }
    }

    /// Whether the disk is below its floor now.
    pub fn is_low(&self) -> bool {
        self.check().is_some_and(|(_, low)| low)
    }
}

/// Bytes an unprivileged process may still write on the filesystem holding `path`.
#[cfg(unix)]
pub fn free_bytes(path: &Path) -> io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: `statvfs` fills the zeroed struct it is given and reads the NUL-terminated path.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) } != 0 {
        return Err(io::Error::last_os_error());
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok(stats.f_bavail as u64 * stats.f_frsize as u64)
}

#[cfg(not(unix))]
pub fn free_bytes(_path: &Path) -> io::Result<u64> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_above_the_disk_is_low_and_zero_is_off() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).unwrap() > 0);
        assert!(DiskFloor::new(dir.path(), u64::MAX).is_low());
        assert!(!DiskFloor::new(dir.path(), 1).is_low());
        assert_eq!(DiskFloor::new(dir.path(), 0).check(), None);
    }
}
