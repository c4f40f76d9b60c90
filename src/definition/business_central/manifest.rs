//! `NavxManifest.xml`, the manifest inside a `.app` package: who the app is
//! and what it depends on.
//!
//! ```xml
//! <Package xmlns="http://schemas.microsoft.com/navx/2015/manifest">
//!   <App Id="…" Name="Sample" Publisher="Contoso" Version="1.2.0.0" … />
//!   <Dependencies>
//!     <Dependency Id="…" Name="Library" Publisher="Contoso" MinVersion="1.0.0.0" />
//!   </Dependencies>
//! </Package>
//! ```
//!
//! The AL compiler writes the manifest in the namespace above; elements
//! without a namespace are read too. A dependency names its app by `Id`;
//! manifests of older tools wrote `AppId`, which is read when `Id` is absent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::version::{AppVersion, AppVersionError};

/// The namespace of `NavxManifest.xml`.
pub const MANIFEST_NAMESPACE: &str = "http://schemas.microsoft.com/navx/2015/manifest";

/// The most elements, attributes and texts a manifest may hold: far more
/// than any real one, and a bound on what a hostile file can make us build.
const NODES_LIMIT: u32 = 200_000;

/// The id of a Business Central app (the manifest's `App Id`, a GUID): the
/// identity the service and Business Central know an app by, whatever its
/// name or file. Written in the GUID's usual lower-case hyphenated form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppId(uuid::Uuid);

impl AppId {
    /// The id as a GUID.
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl From<uuid::Uuid> for AppId {
    fn from(id: uuid::Uuid) -> AppId {
        AppId(id)
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A text that is not an [`AppId`] (a GUID).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an app id; an app id is a GUID such as 3f2a9c1b-0d4e-4f5a-8b6c-7d8e9f0a1b2c")]
pub struct AppIdError(String);

impl FromStr for AppId {
    type Err = AppIdError;

    /// Reads a GUID, hyphenated, braced or plain, in either case.
    fn from_str(text: &str) -> Result<AppId, AppIdError> {
        uuid::Uuid::parse_str(text.trim())
            .map(AppId)
            .map_err(|_| AppIdError(text.chars().take(64).collect()))
    }
}

impl Serialize for AppId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AppId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AppId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What `NavxManifest.xml` says about an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppManifest {
    /// The app's id (`App Id`).
    pub id: AppId,
    /// The app's name (`App Name`).
    pub name: String,
    /// Who publishes it (`App Publisher`).
    pub publisher: String,
    /// Its version (`App Version`).
    pub version: AppVersion,
    /// The apps it needs (`Dependencies/Dependency`), in the manifest's order.
    pub dependencies: Vec<AppDependency>,
}

impl AppManifest {
    /// The file name the AL compiler gives this app and the publishing
    /// tools look for: `<Publisher>_<Name>_<Version>.app`, without the
    /// characters a file name cannot hold on Windows.
    pub fn expected_file_name(&self) -> String {
        format!(
            "{}_{}_{}.app",
            file_name_part(&self.publisher),
            file_name_part(&self.name),
            self.version
        )
    }
}

/// `text` without the characters Windows refuses in a file name.
fn file_name_part(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
        })
        .collect()
}

/// One app another app needs (a manifest's `Dependency` element).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppDependency {
    /// The id of the app needed (`Id`, or `AppId` in older manifests).
    pub id: AppId,
    /// Its name (`Name`).
    pub name: String,
    /// Who publishes it (`Publisher`).
    pub publisher: String,
    /// The oldest version that will do (`MinVersion`), when given.
    pub min_version: Option<AppVersion>,
}

impl AppDependency {
    /// Whether Microsoft publishes it (the base and system apps, which every
    /// Business Central environment has and no submission carries).
    pub fn is_microsoft(&self) -> bool {
        self.publisher.trim().eq_ignore_ascii_case("Microsoft")
    }
}

impl fmt::Display for AppDependency {
    /// `"Name" by Publisher (id)`, with the minimum version when known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" by {} ({})", self.name, self.publisher, self.id)?;
        if let Some(v) = &self.min_version {
            write!(f, ", at least {v}")?;
        }
        Ok(())
    }
}

/// Why a manifest could not be read; [`super::AppPackageError`] adds the file.
#[derive(Debug)]
pub(super) enum ManifestProblem {
    /// Not XML, or not the manifest's shape; the text says where and why.
    Unreadable(String),
    /// An element lacks an attribute it must have.
    MissingAttribute {
        element: &'static str,
        attribute: &'static str,
        line: u32,
    },
    /// An id that is not a GUID.
    InvalidId {
        element: &'static str,
        attribute: &'static str,
        line: u32,
        source: AppIdError,
    },
    /// A version that is not four numbers.
    InvalidVersion {
        element: &'static str,
        attribute: &'static str,
        line: u32,
        source: AppVersionError,
    },
}

/// Reads the manifest from its bytes (UTF-8, or UTF-16 with a byte-order mark).
pub(super) fn parse(bytes: &[u8]) -> Result<AppManifest, ManifestProblem> {
    let text = decode(bytes)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, options)
        .map_err(|e| ManifestProblem::Unreadable(format!("it is not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if !is(root, "Package") {
        return Err(ManifestProblem::Unreadable(format!(
            "its root element is <{}>, not <Package> in the namespace {MANIFEST_NAMESPACE}",
            root.tag_name().name()
        )));
    }
    let mut apps = root.children().filter(|n| is(*n, "App"));
    let app = apps.next().ok_or_else(|| {
        ManifestProblem::Unreadable("it has no <App> element under <Package>".into())
    })?;
    if apps.next().is_some() {
        return Err(ManifestProblem::Unreadable(
            "it has more than one <App> element under <Package>".into(),
        ));
    }
    let line = |node: roxmltree::Node| doc.text_pos_at(node.range().start).row;
    let reader = Attributes {
        node: app,
        element: "App",
        line: line(app),
    };
    let id = reader.id(&["Id"])?;
    let name = reader.text("Name")?;
    let publisher = reader.text("Publisher")?;
    let version = reader.version("Version")?;
    let mut dependencies = Vec::new();
    for list in root.children().filter(|n| is(*n, "Dependencies")) {
        for dep in list.children().filter(|n| is(*n, "Dependency")) {
            let reader = Attributes {
                node: dep,
                element: "Dependency",
                line: line(dep),
            };
            dependencies.push(AppDependency {
                id: reader.id(&["Id", "AppId"])?,
                name: reader.text("Name")?,
                publisher: reader.text("Publisher")?,
                min_version: match dep.attribute("MinVersion") {
                    Some(_) => Some(reader.version("MinVersion")?),
                    None => None,
                },
            });
        }
    }
    Ok(AppManifest {
        id,
        name,
        publisher,
        version,
        dependencies,
    })
}

/// The manifest's text: UTF-8 (its byte-order mark dropped), or UTF-16 with one.
fn decode(bytes: &[u8]) -> Result<String, ManifestProblem> {
    let utf16 = |bytes: &[u8], little: bool| {
        let units = bytes.chunks_exact(2).map(|pair| {
            let pair = [pair[0], pair[1]];
            if little {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| ManifestProblem::Unreadable("it is not valid UTF-16 text".into()))
    };
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8(rest.to_vec())
            .map_err(|e| ManifestProblem::Unreadable(format!("it is not UTF-8 text ({e})")));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return utf16(rest, false);
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|e| ManifestProblem::Unreadable(format!("it is not UTF-8 text ({e})")))
}

/// Whether `node` is the manifest element `local` (in the manifest's
/// namespace, or in none).
fn is(node: roxmltree::Node, local: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == local
        && node
            .tag_name()
            .namespace()
            .is_none_or(|ns| ns == MANIFEST_NAMESPACE)
}

/// Reads one element's attributes, naming the element and its line in errors.
struct Attributes<'a, 'input> {
    node: roxmltree::Node<'a, 'input>,
    element: &'static str,
    line: u32,
}

impl Attributes<'_, '_> {
    fn raw(&self, attribute: &'static str) -> Result<&str, ManifestProblem> {
        self.node
            .attribute(attribute)
            .ok_or(ManifestProblem::MissingAttribute {
                element: self.element,
                attribute,
                line: self.line,
            })
    }

    fn text(&self, attribute: &'static str) -> Result<String, ManifestProblem> {
        let value = self.raw(attribute)?.trim();
        if value.is_empty() {
            return Err(ManifestProblem::MissingAttribute {
                element: self.element,
                attribute,
                line: self.line,
            });
        }
        Ok(value.to_string())
    }

    /// The first of `names` present, read as an id.
    fn id(&self, names: &[&'static str]) -> Result<AppId, ManifestProblem> {
        let Some((attribute, value)) = names
            .iter()
            .find_map(|n| self.node.attribute(*n).map(|v| (*n, v)))
        else {
            return Err(ManifestProblem::MissingAttribute {
                element: self.element,
                attribute: names.first().copied().unwrap_or("Id"),
                line: self.line,
            });
        };
        value.parse().map_err(|source| ManifestProblem::InvalidId {
            element: self.element,
            attribute,
            line: self.line,
            source,
        })
    }

    fn version(&self, attribute: &'static str) -> Result<AppVersion, ManifestProblem> {
        self.raw(attribute)?
            .trim()
            .parse()
            .map_err(|source| ManifestProblem::InvalidVersion {
                element: self.element,
                attribute,
                line: self.line,
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c1b-0d4e-4f5a-8b6c-7d8e9f0a1b2c";
    const DEP: &str = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

    fn manifest(app: &str, rest: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="{MANIFEST_NAMESPACE}">
  <App {app} />
  {rest}
</Package>"#
        )
    }

    fn good_app() -> String {
        format!(
            r#"Id="{ID}" Name="Sample &amp; Co" Publisher="Contoso" Version="1.2.0.0" Brief="" Target="Cloud""#
        )
    }

    #[test]
    fn a_real_shaped_manifest_is_read() {
        let text = manifest(
            &good_app(),
            &format!(
                r#"<IdRanges><IdRange MinObjectId="50100" MaxObjectId="50149" /></IdRanges>
  <Dependencies>
    <Dependency Id="{DEP}" Name="Library" Publisher="Contoso" MinVersion="1.0.0.0" />
    <Dependency AppId="63ca2fa4-4f03-4f2b-a480-172fef340d3f" Name="System Application" Publisher="Microsoft" />
  </Dependencies>
  <InternalsVisibleTo />"#
            ),
        );
        let m = parse(text.as_bytes()).expect("reads");
        assert_eq!(m.id.to_string(), ID);
        assert_eq!(m.name, "Sample & Co");
        assert_eq!(m.publisher, "Contoso");
        assert_eq!(m.version, AppVersion::new(1, 2, 0, 0));
        assert_eq!(m.dependencies.len(), 2);
        assert_eq!(m.dependencies[0].id.to_string(), DEP);
        assert_eq!(
            m.dependencies[0].min_version,
            Some(AppVersion::new(1, 0, 0, 0))
        );
        assert!(!m.dependencies[0].is_microsoft());
        assert_eq!(m.dependencies[1].name, "System Application");
        assert_eq!(m.dependencies[1].min_version, None);
        assert!(m.dependencies[1].is_microsoft());
        assert_eq!(m.expected_file_name(), "Contoso_Sample & Co_1.2.0.0.app");
    }

    #[test]
    fn byte_order_marks_and_utf16_are_read() {
        let text = manifest(&good_app(), "");
        let mut utf8 = b"\xef\xbb\xbf".to_vec();
        utf8.extend_from_slice(text.as_bytes());
        assert_eq!(parse(&utf8).expect("utf-8 bom").name, "Sample & Co");
        let mut le = vec![0xff, 0xfe];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(parse(&le).expect("utf-16le").publisher, "Contoso");
        let mut be = vec![0xfe, 0xff];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(parse(&be).expect("utf-16be").version.to_string(), "1.2.0.0");
    }

    #[test]
    fn a_manifest_without_the_namespace_is_read() {
        let text = format!(r#"<Package><App {} /></Package>"#, good_app());
        assert_eq!(parse(text.as_bytes()).expect("reads").publisher, "Contoso");
    }

    fn problem(text: &str) -> ManifestProblem {
        match parse(text.as_bytes()) {
            Ok(m) => panic!("read {m:?} from {text}"),
            Err(p) => p,
        }
    }

    #[test]
    fn each_attribute_the_app_needs_is_named_when_missing() {
        for attribute in ["Id", "Name", "Publisher", "Version"] {
            let app: String = good_app()
                .split("\" ")
                .filter(|pair| !pair.starts_with(&format!("{attribute}=")))
                .collect::<Vec<_>>()
                .join("\" ");
            match problem(&manifest(&app, "")) {
                ManifestProblem::MissingAttribute {
                    element,
                    attribute: named,
                    line,
                } => {
                    assert_eq!((element, named, line), ("App", attribute, 3));
                }
                other => panic!("{attribute}: {other:?}"),
            }
        }
        assert!(matches!(
            problem(&manifest(
                &format!(r#"Id="{ID}" Name="  " Publisher="P" Version="1.0.0.0""#),
                ""
            )),
            ManifestProblem::MissingAttribute {
                attribute: "Name",
                ..
            }
        ));
    }

    #[test]
    fn a_bad_version_or_id_is_named() {
        let app = format!(r#"Id="{ID}" Name="N" Publisher="P" Version="1.2.0""#);
        match problem(&manifest(&app, "")) {
            ManifestProblem::InvalidVersion {
                element,
                attribute,
                source,
                ..
            } => {
                assert_eq!((element, attribute), ("App", "Version"));
                assert!(source.to_string().contains("fewer than four parts"));
            }
            other => panic!("{other:?}"),
        }
        let app = r#"Id="not-a-guid" Name="N" Publisher="P" Version="1.2.0.0""#;
        assert!(matches!(
            problem(&manifest(app, "")),
            ManifestProblem::InvalidId {
                element: "App",
                attribute: "Id",
                ..
            }
        ));
        let deps = format!(
            r#"<Dependencies><Dependency Id="{DEP}" Name="L" Publisher="P" MinVersion="x" /></Dependencies>"#
        );
        assert!(matches!(
            problem(&manifest(&good_app(), &deps)),
            ManifestProblem::InvalidVersion {
                element: "Dependency",
                attribute: "MinVersion",
                ..
            }
        ));
        let deps = r#"<Dependencies><Dependency Name="L" Publisher="P" /></Dependencies>"#;
        assert!(matches!(
            problem(&manifest(&good_app(), deps)),
            ManifestProblem::MissingAttribute {
                element: "Dependency",
                attribute: "Id",
                ..
            }
        ));
    }

    #[test]
    fn a_manifest_of_another_shape_is_unreadable() {
        for (text, says) in [
            ("", "not well-formed"),
            ("<Package", "not well-formed"),
            ("<Other />", "root element is <Other>"),
            (
                &format!(
                    r#"<Package xmlns="urn:else"><App {} /></Package>"#,
                    good_app()
                ),
                "root element",
            ),
            ("<Package />", "no <App>"),
            (
                &format!("<Package><App {0} /><App {0} /></Package>", good_app()),
                "more than one",
            ),
            (
                "<!DOCTYPE x [<!ENTITY a 'b'>]><Package />",
                "not well-formed",
            ),
        ] {
            match problem(text) {
                ManifestProblem::Unreadable(message) => {
                    assert!(message.contains(says), "{text:?}: {message}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert!(
            matches!(problem_bytes(b"\xff\xff<Package/>"), ManifestProblem::Unreadable(m) if m.contains("UTF-8"))
        );
        assert!(
            matches!(problem_bytes(b"\xff\xfe\x00\xd8"), ManifestProblem::Unreadable(m) if m.contains("UTF-16"))
        );
    }

    fn problem_bytes(bytes: &[u8]) -> ManifestProblem {
        match parse(bytes) {
            Ok(m) => panic!("read {m:?}"),
            Err(p) => p,
        }
    }

    #[test]
    fn app_ids_read_the_usual_forms_and_write_one() {
        let upper: AppId = ID.to_uppercase().parse().expect("upper case");
        let braced: AppId = format!("{{{ID}}}").parse().expect("braces");
        assert_eq!(upper, braced);
        assert_eq!(upper.to_string(), ID);
        let e = "nope".parse::<AppId>().expect_err("not a guid");
        assert!(e.to_string().contains("`nope` is not an app id"));
        let json = serde_json::to_string(&upper).expect("serializes");
        assert_eq!(json, format!("\"{ID}\""));
        assert_eq!(serde_json::from_str::<AppId>(&json).expect("reads"), upper);
    }

    #[test]
    fn file_name_parts_drop_what_windows_refuses() {
        let m = AppManifest {
            id: ID.parse().expect("id"),
            name: "A/B: \"C\"?".into(),
            publisher: "Fabrikam, Inc.".into(),
            version: AppVersion::new(2, 0, 1, 0),
            dependencies: Vec::new(),
        };
        assert_eq!(m.expected_file_name(), "Fabrikam, Inc._AB C_2.0.1.0.app");
    }
}
