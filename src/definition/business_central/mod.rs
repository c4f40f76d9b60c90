//! Business Central apps, read and checked offline: the `.app` packages a
//! Dynamics 365 Business Central offer publishes, and the one library
//! package its library apps go up as.
//!
//! * [`AppPackage::read`] reads a `.app` file (the `NAVX` header, the zip
//!   after it, its `NavxManifest.xml`) into an [`AppManifest`]: the app's
//!   [`AppId`], name, publisher, [`AppVersion`] and dependencies, with the
//!   file's SHA-256. Every way a file can fail to be one is an
//!   [`AppPackageError`] naming the file; no input makes it panic.
//! * [`check_app_files`] (or [`check_apps`] over packages already read)
//!   finds what the service or the publishing tools would trip on: a
//!   library app with the main app's id, two library apps with one id, a
//!   pinned `app_version` other than the main app's, a main app not named
//!   `<Publisher>_<Name>_<Version>.app`, and the main app's dependencies
//!   that no library app provides and Microsoft does not publish. Each is an
//!   [`AppFinding`] naming its file.
//! * [`LibraryPackage::build`] makes the library package: one app's `.app`
//!   as it is, or one zip of several whose bytes do not depend on the order
//!   or the times the files were read, so an unchanged set has an unchanged
//!   hash.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use partner_center_ingestion::definition::business_central::{
//!     check_app_files, AppSeverity, AppVersion, LibraryPackage,
//! };
//!
//! let main = Path::new("apps/Contoso_Sample BC App_1.2.0.0.app");
//! let libraries = vec![PathBuf::from("apps/libs/Contoso_Lib_1.0.0.0.app")];
//! let pinned: AppVersion = "1.2.0.0".parse()?;
//! let set = check_app_files(main, &libraries, Some(&pinned));
//! for finding in &set.findings {
//!     eprintln!("{finding}");
//! }
//! if !set.has_errors() {
//!     if let Some(app) = &set.main {
//!         println!("{} {} ({})", app.manifest().name, app.manifest().version, app.short_hash());
//!         let package = LibraryPackage::build(&app.file_name(), &libraries)?;
//!         if let Some(package) = package {
//!             println!("library package {} ({})", package.file_name(), package.short_hash());
//!         }
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod app_package;
mod checks;
mod header;
mod libraries;
mod manifest;
#[cfg(test)]
mod test_apps;
mod version;

pub use app_package::{AppPackage, AppPackageError, MANIFEST_NAME};
pub use checks::{check_app_files, check_apps, AppCheck, AppFinding, AppRole, AppSet, AppSeverity};
pub use header::{NotAnAppProblem, FORMAT_VERSION, HEADER_SIZE};
pub use libraries::{
    library_zip, LibraryPackage, LibraryPackageError, LibraryPackageKind, LIBRARIES_ZIP_SUFFIX,
};
pub use manifest::{AppDependency, AppId, AppIdError, AppManifest, MANIFEST_NAMESPACE};
pub use version::{AppVersion, AppVersionError};
