//! Writes small Business Central `.app` files for tests: valid ones (a
//! `NAVX` header in front of a zip with `NavxManifest.xml`,
//! `[Content_Types].xml` and one AL file) and broken ones, one per way a
//! file can fail to be an app. No real app is copied: every byte is made
//! here. The bytes depend only on what is asked (fixed times in the zip),
//! so a generated example stays the same from run to run.
//!
//! Include it with `#[path = "support/bc_app.rs"] mod bc_app;` (it needs
//! only `zip` and the standard library).

#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// The manifest's namespace, as the AL compiler writes it.
pub const NAMESPACE: &str = "http://schemas.microsoft.com/navx/2015/manifest";

/// The id of Microsoft's System Application (a dependency every app has).
pub const SYSTEM_APPLICATION: &str = "63ca2fa4-4f03-4f2b-a480-172fef340d3f";

/// One dependency of a [`TestApp`].
#[derive(Clone, Debug)]
pub struct Dependency {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub min_version: String,
}

/// A `.app` to write: its manifest's app and dependencies.
#[derive(Clone, Debug)]
pub struct TestApp {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub version: String,
    pub dependencies: Vec<Dependency>,
}

impl TestApp {
    /// An app with no dependencies.
    pub fn new(id: &str, name: &str, publisher: &str, version: &str) -> TestApp {
        TestApp {
            id: id.into(),
            name: name.into(),
            publisher: publisher.into(),
            version: version.into(),
            dependencies: Vec::new(),
        }
    }

    /// The same app, depending also on `app` (at least its version).
    pub fn depends_on(mut self, app: &TestApp) -> TestApp {
        self.dependencies.push(Dependency {
            id: app.id.clone(),
            name: app.name.clone(),
            publisher: app.publisher.clone(),
            min_version: app.version.clone(),
        });
        self
    }

    /// The same app, depending also on Microsoft's System Application.
    pub fn depends_on_system_application(self) -> TestApp {
        let system = TestApp::new(
            SYSTEM_APPLICATION,
            "System Application",
            "Microsoft",
            "25.0.0.0",
        );
        self.depends_on(&system)
    }

    /// The same app at another version.
    pub fn at_version(mut self, version: &str) -> TestApp {
        self.version = version.into();
        self
    }

    /// `<Publisher>_<Name>_<Version>.app`, as the AL compiler names it.
    pub fn file_name(&self) -> String {
        format!("{}_{}_{}.app", self.publisher, self.name, self.version)
    }

    /// Its `NavxManifest.xml`, shaped like the AL compiler's.
    pub fn manifest_xml(&self) -> String {
        let mut deps = String::new();
        for d in &self.dependencies {
            deps.push_str(&format!(
                "\n    <Dependency Id=\"{}\" Name=\"{}\" Publisher=\"{}\" MinVersion=\"{}\" />",
                escape(&d.id),
                escape(&d.name),
                escape(&d.publisher),
                escape(&d.min_version)
            ));
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Package xmlns=\"{NAMESPACE}\">\n  <App Id=\"{}\" Name=\"{}\" Publisher=\"{}\" Brief=\"\" Description=\"\" Version=\"{}\" CompatibilityId=\"0.0.0.0\" PrivacyStatement=\"\" EULA=\"\" Help=\"\" HelpBaseUrl=\"\" Url=\"\" Logo=\"\" Platform=\"25.0.0.0\" Application=\"25.0.0.0\" Runtime=\"14.0\" Target=\"Cloud\" ShowMyCode=\"False\" />\n  <IdRanges>\n    <IdRange MinObjectId=\"50100\" MaxObjectId=\"50149\" />\n  </IdRanges>\n  <Dependencies>{deps}\n  </Dependencies>\n  <InternalsVisibleTo />\n  <ScreenShots />\n  <SupportedLocales />\n  <Features />\n</Package>\n",
            escape(&self.id),
            escape(&self.name),
            escape(&self.publisher),
            escape(&self.version),
        )
    }

    /// The `.app` file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        navx(&self.zip())
    }

    /// The zip inside the `.app` (what follows the header).
    pub fn zip(&self) -> Vec<u8> {
        let code = format!("codeunit 50100 \"{} Sample\"\n{{\n}}\n", self.name);
        zip_of(&[
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("NavxManifest.xml", self.manifest_xml().as_bytes()),
            ("src/Sample.Codeunit.al", code.as_bytes()),
        ])
    }

    /// Writes it into `dir` under [`TestApp::file_name`]; returns the path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        self.write_as(dir, &self.file_name())
    }

    /// Writes it into `dir` as `name`; returns the path.
    pub fn write_as(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.bytes()).expect("the test app is written");
        path
    }
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"\" /><Default Extension=\"al\" ContentType=\"\" /></Types>";

/// `text` escaped for an XML attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A zip of `entries`, deflated, with fixed times and permissions.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .system(zip::System::Unix);
    for (name, bytes) in entries {
        zip.start_file(*name, options).expect("a zip entry");
        zip.write_all(bytes).expect("a zip entry's content");
    }
    zip.finish().expect("the zip").into_inner()
}

/// `content` behind a 40-byte NAVX header (format version 2).
pub fn navx(content: &[u8]) -> Vec<u8> {
    navx_with(40, 2, content.len() as u64, content)
}

/// `content` behind a NAVX header with the given fields.
pub fn navx_with(header_size: u32, format: u32, length: u64, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(40 + content.len());
    out.extend_from_slice(b"NAVX");
    out.extend_from_slice(&header_size.to_le_bytes());
    out.extend_from_slice(&format.to_le_bytes());
    // The package GUID: any will do; a fixed one keeps the bytes stable.
    out.extend_from_slice(&[
        0x1b, 0x9c, 0x2a, 0x3f, 0x4e, 0x0d, 0x5a, 0x4f, 0x8b, 0x6c, 0x7d, 0x8e, 0x9f, 0x0a, 0x1b,
        0x2c,
    ]);
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(b"NAVX");
    out.extend_from_slice(content);
    out
}

/// The ways a file can fail to be an app, one each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broken {
    /// A plain zip (an Azure Application package, say): no NAVX header.
    PlainZip,
    /// Not even a zip: a text file.
    Text,
    /// The first 30 bytes of a valid app.
    Truncated,
    /// A header that gives 48 as its size.
    HeaderSize,
    /// A header of format version 3.
    FormatTooNew,
    /// A header whose content length goes past the end of the file.
    ContentPastEnd,
    /// A runtime package (encrypted content).
    RuntimePackage,
    /// Garbage after a valid header.
    NotAZip,
    /// A zip without `NavxManifest.xml`.
    NoManifest,
    /// A manifest that is not XML.
    UnreadableManifest,
    /// A manifest whose `App` has no `Version`.
    NoVersion,
    /// A manifest whose `App` has `Version="1.2.0"`.
    BadVersion,
}

impl Broken {
    /// Every kind.
    pub const ALL: [Broken; 12] = [
        Broken::PlainZip,
        Broken::Text,
        Broken::Truncated,
        Broken::HeaderSize,
        Broken::FormatTooNew,
        Broken::ContentPastEnd,
        Broken::RuntimePackage,
        Broken::NotAZip,
        Broken::NoManifest,
        Broken::UnreadableManifest,
        Broken::NoVersion,
        Broken::BadVersion,
    ];

    /// The file's bytes.
    pub fn bytes(self) -> Vec<u8> {
        let app = TestApp::new(
            "3f2a9c1b-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
            "Broken",
            "Contoso",
            "1.0.0.0",
        );
        let zip = app.zip();
        match self {
            Broken::PlainZip => zip_of(&[
                ("mainTemplate.json", b"{}"),
                ("createUiDefinition.json", b"{}"),
            ]),
            Broken::Text => b"this is not an app\n".to_vec(),
            Broken::Truncated => app.bytes()[..30].to_vec(),
            Broken::HeaderSize => navx_with(48, 2, zip.len() as u64, &zip),
            Broken::FormatTooNew => navx_with(40, 3, zip.len() as u64, &zip),
            Broken::ContentPastEnd => navx_with(40, 2, zip.len() as u64 + 100, &zip),
            Broken::RuntimePackage => navx(b".NEA\x01\x02\x03 encrypted content"),
            Broken::NotAZip => navx(b"not a zip archive at all"),
            Broken::NoManifest => navx(&zip_of(&[(
                "[Content_Types].xml",
                CONTENT_TYPES.as_bytes(),
            )])),
            Broken::UnreadableManifest => navx(&zip_of(&[(
                "NavxManifest.xml",
                b"<Package>\n  <App Id=\"x\">\n</Package>",
            )])),
            Broken::NoVersion => {
                let xml = app.manifest_xml().replace(" Version=\"1.0.0.0\"", "");
                navx(&zip_of(&[("NavxManifest.xml", xml.as_bytes())]))
            }
            Broken::BadVersion => app.at_version("1.2.0").bytes(),
        }
    }

    /// Writes it into `dir` as `name`; returns the path.
    pub fn write_as(self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.bytes()).expect("the broken app is written");
        path
    }
}
