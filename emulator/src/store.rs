//! State: the entities, and their durable copy in the data directory.
//!
//! With a data directory every acknowledged change is appended to `state.log`
//! (one JSON line per changed entity) and the file is synced before the answer
//! goes out. A `MARKER` file names the format and its version; a directory
//! without it, or with another one, is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::{new_etag, new_id};
use crate::model::Meta;
use crate::Error;

/// The format this emulator writes; anything else is refused.
const FORMAT: &str = "partner-center-emulator-state";
const VERSION: u64 = 1;
const MARKER: &str = "MARKER";
const LOG: &str = "state.log";

/// What an entity is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
pub enum Kind {
    Product,
    Setup,
    Branch,
    Listing,
    Asset,
    Image,
    Video,
    Property,
    ProductAvailability,
    FeatureAvailability,
    Package,
    PackageConfiguration,
    Variant,
    Submission,
    LeadConfiguration,
    SupplementalContent,
    CosellAsset,
    CosellListing,
    ResellerConfiguration,
}

/// One stored resource.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entity {
    pub id: String,
    pub kind: Kind,
    /// The product it belongs to (none for products).
    pub product: Option<String>,
    /// The owning resource (a listing for images, videos and assets).
    pub parent: Option<String>,
    /// The draft instance it is the content of.
    pub instance: Option<String>,
    /// The plan it belongs to.
    pub variant: Option<String>,
    /// Creation order.
    pub seq: u64,
    pub etag: String,
    /// Fields as the service spells them, without `id` and `@odata.etag`.
    pub body: Map<String, Value>,
    /// What the emulator keeps for itself (timers, blob names, outcomes).
    #[serde(default)]
    pub meta: Meta,
}

impl Entity {
    /// A new entity with a fresh GUID and etag.
    pub fn new(kind: Kind, product: Option<&str>, body: Map<String, Value>) -> Entity {
        Entity {
            id: new_id(),
            kind,
            product: product.map(str::to_string),
            parent: None,
            instance: None,
            variant: None,
            seq: 0,
            etag: new_etag(),
            body,
            meta: Meta::default(),
        }
    }
    /// A string field of the body.
    pub fn body_str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }
}

/// One line of the log.
#[derive(Serialize, Deserialize)]
enum Record {
    #[serde(rename = "put")]
    Put(Box<Entity>),
    #[serde(rename = "del")]
    Del(String),
}

/// The marker file's content.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Marker {
    pub format: String,
    pub version: u64,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Hex of the key that signs tokens and SAS URLs.
    pub key: String,
}

/// All entities, and where they are written.
pub struct State {
    pub entities: BTreeMap<String, Entity>,
    pub seq: u64,
    log: Option<(PathBuf, File)>,
    dirty: BTreeSet<String>,
    /// Set when the emulator stopped: nothing more may be written.
    closed: bool,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn refuse(path: &Path, reason: impl Into<String>) -> Error {
    Error::DataDir {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

impl State {
    /// State kept in memory only.
    pub fn in_memory() -> State {
        State {
            entities: BTreeMap::new(),
            seq: 0,
            log: None,
            dirty: BTreeSet::new(),
            closed: false,
        }
    }

    /// Opens (or creates) a data directory. `fresh` is the marker to write
    /// when the directory is new; an existing marker is returned as it is.
    pub fn open(dir: &Path, fresh: Marker) -> Result<(State, Marker), Error> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let marker_path = dir.join(MARKER);
        let marker = if marker_path.exists() {
            let text = std::fs::read_to_string(&marker_path).map_err(io_err(&marker_path))?;
            let m: Marker = serde_json::from_str(&text)
                .map_err(|e| refuse(dir, format!("{MARKER} is not an emulator marker ({e})")))?;
            if m.format != FORMAT {
                return Err(refuse(
                    dir,
                    format!("{MARKER} names format {:?}, not {FORMAT:?}", m.format),
                ));
            }
            if m.version != VERSION {
                return Err(refuse(
                    dir,
                    format!(
                        "state version {} is not the version {VERSION} this emulator reads",
                        m.version
                    ),
                ));
            }
            m
        } else {
            // What a start interrupted before the marker was written leaves behind.
            let ours = |e: &std::fs::DirEntry| {
                let name = e.file_name();
                name == "blobs"
                    || name == "MARKER.tmp"
                    || (name == LOG && e.metadata().is_ok_and(|m| m.len() == 0))
            };
            let foreign = std::fs::read_dir(dir)
                .map_err(io_err(dir))?
                .filter_map(Result::ok)
                .any(|e| !ours(&e));
            if foreign {
                return Err(refuse(
                    dir,
                    format!("it has files but no {MARKER}: not an emulator data directory"),
                ));
            }
            write_synced(&dir.join(LOG), b"")?;
            let mut m = fresh;
            m.format = FORMAT.into();
            m.version = VERSION;
            let tmp = dir.join("MARKER.tmp");
            write_synced(&tmp, &serde_json::to_vec_pretty(&m).unwrap_or_default())?;
            std::fs::rename(&tmp, &marker_path).map_err(io_err(&marker_path))?;
            sync_dir(dir);
            m
        };
        let log_path = dir.join(LOG);
        let mut state = State::in_memory();
        if !log_path.exists() {
            return Err(refuse(
                dir,
                format!("{MARKER} is there but {LOG} is missing"),
            ));
        }
        let file = OpenOptions::new()
            .append(true)
            .open(&log_path)
            .map_err(io_err(&log_path))?;
        // One emulator per directory: a second one would interleave its writes.
        if file.try_lock().is_err() {
            return Err(refuse(dir, "another emulator is using it"));
        }
        state.replay(&log_path, dir)?;
        state.log = Some((log_path, file));
        Ok((state, marker))
    }

    fn replay(&mut self, path: &Path, dir: &Path) -> Result<(), Error> {
        let file = File::open(path).map_err(io_err(path))?;
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        let mut number = 0usize;
        let mut good_len = 0u64;
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line).map_err(io_err(path))?;
            if n == 0 {
                break;
            }
            number += 1;
            let complete = line.last() == Some(&b'\n');
            match serde_json::from_slice::<Record>(&line) {
                Ok(rec) if complete => {
                    self.apply(rec);
                    good_len += n as u64;
                }
                // A last line cut short was never acknowledged: drop it.
                _ if !complete => break,
                Ok(_) => break,
                Err(e) => {
                    return Err(refuse(dir, format!("{LOG} line {number} is damaged ({e})")));
                }
            }
        }
        let len = std::fs::metadata(path).map_err(io_err(path))?.len();
        if len != good_len {
            let f = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_err(path))?;
            f.set_len(good_len).map_err(io_err(path))?;
            f.sync_all().map_err(io_err(path))?;
        }
        Ok(())
    }

    fn apply(&mut self, rec: Record) {
        match rec {
            Record::Put(e) => {
                self.seq = self.seq.max(e.seq);
                self.entities.insert(e.id.clone(), *e);
            }
            Record::Del(id) => {
                self.entities.remove(&id);
            }
        }
    }

    /// Adds or replaces an entity (new ones get the next sequence number).
    pub fn put(&mut self, mut e: Entity) -> Entity {
        if e.seq == 0 {
            self.seq += 1;
            e.seq = self.seq;
        }
        self.dirty.insert(e.id.clone());
        self.entities.insert(e.id.clone(), e.clone());
        e
    }

    /// Removes an entity.
    pub fn delete(&mut self, id: &str) {
        self.entities.remove(id);
        self.dirty.insert(id.to_string());
    }

    /// Writes every change since the last commit and syncs it to disk.
    pub fn commit(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Err(std::io::Error::other("the emulator has stopped"));
        }
        let dirty = std::mem::take(&mut self.dirty);
        let Some((_, file)) = self.log.as_mut() else {
            return Ok(());
        };
        if dirty.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for id in dirty {
            let rec = match self.entities.get(&id) {
                Some(e) => Record::Put(Box::new(e.clone())),
                None => Record::Del(id),
            };
            serde_json::to_writer(&mut buf, &rec).map_err(std::io::Error::other)?;
            buf.push(b'\n');
        }
        file.write_all(&buf)?;
        file.sync_data()
    }

    /// Stops writing and lets go of the data directory.
    pub fn close(&mut self) {
        self.closed = true;
        self.log = None;
    }

    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.entities.get(id)
    }

    /// Entities of a kind, matching a predicate, in creation order.
    pub fn find(&self, kind: Kind, pred: impl Fn(&Entity) -> bool) -> Vec<&Entity> {
        let mut v: Vec<&Entity> = self
            .entities
            .values()
            .filter(|e| e.kind == kind && pred(e))
            .collect();
        v.sort_by_key(|e| e.seq);
        v
    }

    /// Entities of any kind matching a predicate, in creation order.
    pub fn find_any(&self, pred: impl Fn(&Entity) -> bool) -> Vec<&Entity> {
        let mut v: Vec<&Entity> = self.entities.values().filter(|e| pred(e)).collect();
        v.sort_by_key(|e| e.seq);
        v
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.entities.values().filter(|e| e.kind == kind).count()
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = File::create(path).map_err(io_err(path))?;
    f.write_all(bytes).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
