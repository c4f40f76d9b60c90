//! The change set: every difference between a definition and the
//! service, each about one typed [`Resource`], in the order `apply` deals
//! with them.

use std::fmt;

/// What a change is about: the offer itself, one of the offer's modules, a
/// plan (by the plan id the definition gives it) or one of a plan's
/// modules. Shown (and serialized) as the words `plan` prints:
/// `offer listing`, `plan standard technical configuration`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resource {
    /// The offer (its creation).
    Offer,
    /// The offer's listing, with its logos and screenshots.
    OfferListing,
    /// The offer's properties.
    OfferProperties,
    /// The offer's availability.
    OfferAvailability,
    /// The offer's reseller configuration.
    OfferReseller,
    /// A plan (its creation, name or deletion).
    Plan(String),
    /// A plan's listing.
    PlanListing(String),
    /// A plan's availability.
    PlanAvailability(String),
    /// A plan's technical configuration, with its package.
    PlanTechnicalConfiguration(String),
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Offer => f.write_str("offer"),
            Resource::OfferListing => f.write_str("offer listing"),
            Resource::OfferProperties => f.write_str("offer properties"),
            Resource::OfferAvailability => f.write_str("offer availability"),
            Resource::OfferReseller => f.write_str("offer reseller configuration"),
            Resource::Plan(id) => write!(f, "plan {id}"),
            Resource::PlanListing(id) => write!(f, "plan {id} listing"),
            Resource::PlanAvailability(id) => write!(f, "plan {id} availability"),
            Resource::PlanTechnicalConfiguration(id) => {
                write!(f, "plan {id} technical configuration")
            }
        }
    }
}

impl serde::Serialize for Resource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// A resource that does not exist yet is created.
    Create,
    /// A field of an existing resource is set.
    Update,
    /// A file is uploaded (its content is new to the service).
    Upload,
    /// A file already uploaded (by an earlier, interrupted `apply`) is put
    /// to use without uploading it again.
    Reuse,
    /// A resource is deleted (`prune` only, or an image replaced by another).
    Delete,
}

impl Action {
    fn sign(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Upload => "↑",
            Action::Reuse => "=",
            Action::Delete => "-",
        }
    }
}

/// One difference between the definition and the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What is done.
    pub action: Action,
    /// What the change is about: the offer, one of its modules, a plan or
    /// one of a plan's modules.
    pub resource: Resource,
    /// The field, in the definition's words (`title`, `logos.large`,
    /// `package`), when the change is about one field.
    pub field: Option<String>,
    /// The value on the service (`None`: there is none).
    pub old: Option<String>,
    /// The value the definition wants (`None`: removed).
    pub new: Option<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.action.sign(), self.resource)?;
        if let Some(field) = &self.field {
            write!(f, " {field}")?;
        }
        match (&self.old, &self.new) {
            (Some(old), Some(new)) => write!(f, ": {old} → {new}"),
            (None, Some(new)) => write!(f, ": {new}"),
            (Some(old), None) => write!(f, ": {old}"),
            (None, None) => Ok(()),
        }
    }
}

/// Every difference between a definition and the service, in the order
/// `apply` deals with them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// The offer.
    pub offer_id: String,
    /// The differences.
    pub changes: Vec<Change>,
    /// What differs but `apply` cannot change (an offer's name, a plan's
    /// kind), and other things worth knowing.
    pub notes: Vec<String>,
}

impl ChangeSet {
    /// Whether the service already matches the definition.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many changes there are.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// The changes to `resource`.
    pub fn on<'a>(&'a self, resource: &Resource) -> impl Iterator<Item = &'a Change> + 'a {
        let resource = resource.clone();
        self.changes.iter().filter(move |c| c.resource == resource)
    }

    /// Whether any field of `resource` is set (an [`Action::Update`]): the
    /// draft must be edited.
    pub fn updates(&self, resource: &Resource) -> bool {
        self.on(resource).any(|c| c.action == Action::Update)
    }

    /// The fields of `resource` that are set, in the definition's words,
    /// separated by commas.
    pub fn updated_fields(&self, resource: &Resource) -> String {
        self.on(resource)
            .filter(|c| c.action == Action::Update)
            .filter_map(|c| c.field.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ChangeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            write!(f, "offer {}: no changes", self.offer_id)?;
        } else {
            let n = self.changes.len();
            write!(
                f,
                "offer {}: {n} change{}",
                self.offer_id,
                if n == 1 { "" } else { "s" }
            )?;
            for c in &self.changes {
                write!(f, "\n  {c}")?;
            }
        }
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: Action, resource: Resource, field: &str) -> Change {
        Change {
            action,
            resource,
            field: Some(field.into()),
            old: None,
            new: Some("x".into()),
        }
    }

    #[test]
    fn changes_are_found_by_their_resource_not_by_its_words() {
        let plan = |id: &str| Resource::PlanListing(id.into());
        let set = ChangeSet {
            offer_id: "o".into(),
            changes: vec![
                change(Action::Update, plan("a"), "title"),
                change(Action::Update, plan("a"), "summary"),
                change(Action::Upload, Resource::OfferListing, "logos.large"),
                change(Action::Update, plan("b"), "title"),
            ],
            notes: vec![],
        };
        assert!(set.updates(&plan("a")));
        assert_eq!(set.updated_fields(&plan("a")), "title, summary");
        // An upload is not a field edit of the listing.
        assert!(!set.updates(&Resource::OfferListing));
        assert_eq!(set.on(&Resource::OfferListing).count(), 1);
        assert!(!set.updates(&Resource::PlanAvailability("a".into())));
        assert_eq!(
            Resource::PlanTechnicalConfiguration("std".into()).to_string(),
            "plan std technical configuration"
        );
        assert_eq!(
            serde_json::to_value(Resource::OfferReseller).unwrap(),
            "offer reseller configuration"
        );
    }
}
