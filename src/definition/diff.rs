//! Comparing what a definition wants with what the service has: the fields
//! each module's draft should hold, and the changes that make it so.
//!
//! Everything here is pure: it works on resources already read.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::changes::{Action, Change, Resource};
use super::format::{
    Audience, Contact, OfferAvailability, OfferListing, PlanAvailability, PlanListing, Properties,
    Reseller, TechnicalConfiguration,
};

/// One field of a draft resource the definition sets: its name in the
/// definition, its key in the service's JSON, and the value it should have.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub name: String,
    pub key: &'static str,
    pub value: Value,
    /// The value is a set: order does not matter.
    pub unordered: bool,
    /// How a value of the field is shown, when the service's shape is not
    /// the definition's.
    pub shown: Option<fn(&Value) -> Value>,
}

fn field(name: &str, key: &'static str, value: impl Serialize) -> Field {
    Field {
        name: name.to_string(),
        key,
        value: serde_json::to_value(value).unwrap_or(Value::Null),
        unordered: false,
        shown: None,
    }
}

fn push<T: Serialize>(out: &mut Vec<Field>, name: &str, key: &'static str, value: &Option<T>) {
    if let Some(v) = value {
        out.push(field(name, key, v));
    }
}

fn audiences(list: &[Audience]) -> Value {
    Value::Array(
        list.iter()
            .map(|a| {
                let mut m = Map::new();
                m.insert("id".into(), json!(a.id));
                if let Some(d) = &a.description {
                    m.insert("description".into(), json!(d));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

fn contact(kind: &str, c: &Contact) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    for (key, value) in [
        ("name", &c.name),
        ("email", &c.email),
        ("phone", &c.phone),
        ("uri", &c.url),
    ] {
        if let Some(v) = value {
            m.insert(key.into(), json!(v));
        }
    }
    Value::Object(m)
}

/// The fields of the offer's listing.
pub(crate) fn offer_listing_fields(l: &OfferListing) -> Vec<Field> {
    let mut out = Vec::new();
    push(&mut out, "title", "title", &l.title);
    push(&mut out, "summary", "summary", &l.summary);
    push(
        &mut out,
        "short_description",
        "shortDescription",
        &l.short_description,
    );
    push(&mut out, "description", "description", &l.description);
    push(&mut out, "keywords", "keywords", &l.keywords);
    if let Some(links) = &l.links {
        let value: Vec<Value> = links
            .iter()
            .map(
                |link| json!({"type": "Documentation", "displayText": link.title, "uri": link.uri}),
            )
            .collect();
        out.push(field("links", "listingUris", value));
    }
    if let Some(c) = &l.contacts {
        let mut value = Vec::new();
        for (kind, who) in [
            ("CustomerSupport", &c.support),
            ("Engineering", &c.engineering),
            ("ChannelManager", &c.channel_manager),
        ] {
            if let Some(who) = who {
                value.push(contact(kind, who));
            }
        }
        out.push(field("contacts", "listingContacts", value));
    }
    out
}

/// The fields of a plan's listing.
pub(crate) fn plan_listing_fields(l: &PlanListing) -> Vec<Field> {
    let mut out = Vec::new();
    push(&mut out, "title", "title", &l.title);
    push(&mut out, "summary", "summary", &l.summary);
    push(&mut out, "description", "description", &l.description);
    out
}

/// The fields of the offer's properties.
pub(crate) fn property_fields(p: &Properties) -> Vec<Field> {
    let mut out = Vec::new();
    push(&mut out, "categories", "categories", &p.categories);
    if let Some(last) = out.last_mut() {
        last.unordered = true;
    }
    if let Some(i) = &p.industries {
        let mut f = field("industries", "industries", i);
        f.unordered = true;
        out.push(f);
    }
    push(&mut out, "app_version", "appVersion", &p.app_version);
    push(&mut out, "terms_of_use", "termsOfUse", &p.terms_of_use);
    push(
        &mut out,
        "standard_contract",
        "useEnterpriseContract",
        &p.standard_contract,
    );
    out
}

/// The fields of the offer's availability.
pub(crate) fn offer_availability_fields(a: &OfferAvailability) -> Vec<Field> {
    let mut out = Vec::new();
    if let Some(list) = &a.preview_audience {
        out.push(field(
            "preview_audience",
            "subscriptionAudiences",
            audiences(list),
        ));
    }
    out
}

/// The fields of the reseller configuration.
pub(crate) fn reseller_fields(r: &Reseller) -> Vec<Field> {
    let mut out = vec![field(
        "channel",
        "resellerChannelState",
        r.channel.service_name(),
    )];
    if let Some(ids) = &r.tenant_ids {
        let mut f = field("tenant_ids", "tenantIds", ids);
        f.unordered = true;
        out.push(f);
    }
    out
}

/// The fields of a plan's availability.
pub(crate) fn plan_availability_fields(a: &PlanAvailability) -> Vec<Field> {
    let mut out = Vec::new();
    if let Some(markets) = &a.markets {
        let states: Vec<Value> = markets
            .iter()
            .map(|m| json!({"marketCode": m, "state": "Enabled"}))
            .collect();
        let mut f = field("markets", "marketStates", states);
        f.unordered = true;
        f.shown = Some(enabled_markets);
        out.push(f);
    }
    if let Some(v) = a.visibility {
        let name = match v {
            super::format::Visibility::Public => "Public",
            super::format::Visibility::Private => "Private",
        };
        out.push(field("visibility", "visibility", name));
    }
    push(&mut out, "hidden", "isHidden", &a.hidden);
    if let Some(list) = &a.private_audience {
        out.push(field(
            "private_audience",
            "tenantAudiences",
            audiences(list),
        ));
    }
    if let Some(prices) = &a.prices {
        let schedules: Vec<Value> = prices
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let cadence = match p.per {
                    super::format::BillingPeriod::Month => "Month",
                    super::format::BillingPeriod::Year => "Year",
                };
                json!({
                    "isBaseSchedule": i == 0,
                    "marketCodes": p.markets,
                    "schedules": [{
                        "pricingModel": "Recurring",
                        "retailPrice": {"openPrice": p.amount, "currencyCode": p.currency},
                        "priceCadence": {"type": cadence, "value": 1},
                    }],
                })
            })
            .collect();
        let mut f = field("prices", "priceSchedules", schedules);
        f.shown = Some(prices_shown);
        out.push(f);
    }
    out
}

/// The fields of a plan's technical configuration, but its package (which
/// is compared by content).
pub(crate) fn technical_fields(t: &TechnicalConfiguration) -> Vec<Field> {
    let mut out = vec![field("version", "version", &t.version)];
    push(&mut out, "tenant_id", "publicAzureTenantID", &t.tenant_id);
    if let Some(list) = &t.authorizations {
        let value: Vec<Value> = list
            .iter()
            .map(|a| json!({"principalID": a.principal_id, "roleDefinitionID": a.role_definition_id}))
            .collect();
        out.push(field("authorizations", "publicAzureAuthorizations", value));
    }
    if let Some(mode) = t.deployment_mode {
        out.push(field(
            "deployment_mode",
            "deploymentMode",
            mode.service_name(),
        ));
    }
    push(&mut out, "jit_access", "allowJitAccess", &t.jit_access);
    out
}

/// `marketStates` shown as the definition writes them: the enabled codes.
fn enabled_markets(v: &Value) -> Value {
    let codes: Vec<Value> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| member(m, "state").and_then(Value::as_str) == Some("Enabled"))
        .filter_map(|m| member(m, "marketCode").cloned())
        .collect();
    Value::Array(codes)
}

/// `priceSchedules` shown as the definition writes them.
fn prices_shown(v: &Value) -> Value {
    let prices: Vec<Value> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let schedule = member(p, "schedules")
                .and_then(Value::as_array)
                .and_then(|s| s.first())
                .cloned()
                .unwrap_or(Value::Null);
            let price = member(&schedule, "retailPrice").cloned().unwrap_or(Value::Null);
            let cadence = member(&schedule, "priceCadence").cloned().unwrap_or(Value::Null);
            json!({
                "markets": member(p, "marketCodes"),
                "currency": member(&price, "currencyCode"),
                "amount": member(&price, "openPrice"),
                "per": member(&cadence, "type").and_then(Value::as_str).map(str::to_ascii_lowercase),
            })
        })
        .collect();
    Value::Array(prices)
}

/// A value as compared: empty strings, lists and objects and nulls are all
/// "nothing", and so are object members that hold nothing.
fn normal(v: &Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::Array(a) => Value::Array(a.iter().map(normal).collect()),
        Value::Object(o) => {
            let m: Map<String, Value> = o
                .iter()
                .map(|(k, v)| (k.clone(), normal(v)))
                .filter(|(_, v)| !v.is_null())
                .collect();
            if m.is_empty() {
                Value::Null
            } else {
                Value::Object(m)
            }
        }
        other => other.clone(),
    }
}

fn compared(v: &Value, unordered: bool) -> Value {
    let mut n = normal(v);
    if unordered {
        if let Value::Array(a) = &mut n {
            a.sort_by_key(|x| x.to_string());
        }
    }
    n
}

/// How a value is shown in a plan: strings quoted, long values cut.
pub(crate) fn show(v: &Value) -> String {
    if normal(v).is_null() {
        return "(none)".to_string();
    }
    let text = v.to_string();
    const MAX: usize = 160;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The member `key` of a resource's JSON (matched case-insensitively, as
/// the service matches names).
fn member<'a>(resource: &'a Value, key: &str) -> Option<&'a Value> {
    let o = resource.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The changes that make `current` (the resource's JSON; `None` when it
/// does not exist yet) hold `fields`.
pub(crate) fn diff_fields(
    resource: &Resource,
    fields: &[Field],
    current: Option<&Value>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for f in fields {
        let old = current
            .and_then(|c| member(c, f.key))
            .cloned()
            .unwrap_or(Value::Null);
        if compared(&old, f.unordered) != compared(&f.value, f.unordered) {
            let shown = |v: &Value| match f.shown {
                Some(project) if !normal(v).is_null() => show(&project(v)),
                _ => show(v),
            };
            out.push(Change {
                action: Action::Update,
                resource: resource.clone(),
                field: Some(f.name.clone()),
                old: Some(shown(&old)),
                new: Some(shown(&f.value)),
            });
        }
    }
    out
}

/// Sets `fields` on a typed resource (through its JSON, so fields the type
/// does not know are kept). A value the resource's type cannot hold (the
/// service's document says a field is a number, the definition gave text)
/// is an error naming the fields, and the resource is left as it was.
pub(crate) fn set_fields<T: Serialize + DeserializeOwned>(
    resource: &mut T,
    fields: &[Field],
) -> Result<(), FieldsRefused> {
    let refused = |reason: String| FieldsRefused {
        fields: fields.iter().map(|f| f.name.clone()).collect(),
        reason,
    };
    let map = match serde_json::to_value(&*resource) {
        Ok(Value::Object(map)) => map,
        Ok(other) => {
            return Err(refused(format!(
                "the draft is not a JSON object but {other}"
            )))
        }
        Err(e) => return Err(refused(e.to_string())),
    };
    let mut map = map;
    for f in fields {
        // Replace the member whatever case the service spelt it in.
        let existing: Vec<String> = map
            .keys()
            .filter(|k| k.eq_ignore_ascii_case(f.key))
            .cloned()
            .collect();
        for k in existing {
            map.remove(&k);
        }
        map.insert(f.key.to_string(), f.value.clone());
    }
    *resource = serde_path_to_error::deserialize(Value::Object(map))
        .map_err(|e| refused(format!("at `{}`: {}", e.path(), e.inner())))?;
    Ok(())
}

/// Fields of a definition that the service's resource type cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the draft cannot take the definition's {}: {reason}", fields.join(", "))]
pub(crate) struct FieldsRefused {
    /// The fields set, in the definition's words.
    pub fields: Vec<String>,
    /// What the resource's type said.
    pub reason: String,
}

impl FieldsRefused {
    /// The refusal as `plan` and `apply` report it, naming `resource`.
    pub(crate) fn about(&self, resource: &Resource) -> String {
        format!("{resource}: {self}; check the definition")
    }
}

/// A resource's JSON, for comparing.
pub(crate) fn as_json<T: Serialize>(resource: &T) -> Value {
    serde_json::to_value(resource).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::AzureListing;

    #[test]
    fn only_fields_that_differ_are_changes() {
        let listing = OfferListing {
            title: Some("New".into()),
            summary: Some("Same".into()),
            keywords: Some(vec![]),
            ..Default::default()
        };
        let current = AzureListing {
            title: Some("Old".into()),
            summary: Some("Same".into()),
            ..Default::default()
        };
        let changes = diff_fields(
            &Resource::OfferListing,
            &offer_listing_fields(&listing),
            Some(&as_json(&current)),
        );
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            changes[0].to_string(),
            "~ offer listing title: \"Old\" → \"New\""
        );
    }

    #[test]
    fn setting_fields_makes_them_equal_and_keeps_the_rest() {
        let listing = OfferListing {
            title: Some("New".into()),
            links: Some(vec![super::super::format::Link {
                title: "Docs".into(),
                uri: "https://contoso.example/docs".into(),
            }]),
            ..Default::default()
        };
        let fields = offer_listing_fields(&listing);
        let mut current = AzureListing {
            title: Some("Old".into()),
            publisher_name: Some("Contoso".into()),
            ..Default::default()
        };
        set_fields(&mut current, &fields).unwrap();
        assert!(diff_fields(&Resource::OfferListing, &fields, Some(&as_json(&current))).is_empty());
        assert_eq!(current.publisher_name.as_deref(), Some("Contoso"));
    }

    #[test]
    fn sets_compare_without_order() {
        let a = PlanAvailability {
            markets: Some(vec!["us".into(), "gb".into()]),
            ..Default::default()
        };
        let current = json!({"marketStates": [
            {"marketCode": "gb", "state": "Enabled"},
            {"marketCode": "us", "state": "Enabled"}
        ]});
        assert!(diff_fields(
            &Resource::PlanAvailability("p".into()),
            &plan_availability_fields(&a),
            Some(&current)
        )
        .is_empty());
        let changes = diff_fields(
            &Resource::PlanAvailability("p".into()),
            &plan_availability_fields(&a),
            Some(&json!({})),
        );
        assert_eq!(changes[0].new.as_deref(), Some(r#"["us","gb"]"#));
    }

    #[test]
    fn properties_and_technical_settings_compare_by_their_service_names() {
        use crate::types::{AzureProperty, PackageConfiguration};
        let p = Properties {
            categories: Some(vec!["security".into(), "analytics".into()]),
            app_version: Some("2.0".into()),
            standard_contract: Some(true),
            ..Default::default()
        };
        let mut current = AzureProperty {
            categories: vec!["analytics".into()],
            app_version: Some("1.0".into()),
            ..Default::default()
        };
        let changes = diff_fields(
            &Resource::OfferProperties,
            &property_fields(&p),
            Some(&as_json(&current)),
        );
        let names: Vec<_> = changes.iter().filter_map(|c| c.field.as_deref()).collect();
        assert_eq!(names, ["categories", "app_version", "standard_contract"]);
        set_fields(&mut current, &property_fields(&p)).unwrap();
        assert_eq!(current.use_enterprise_contract, Some(true));
        assert!(diff_fields(
            &Resource::OfferProperties,
            &property_fields(&p),
            Some(&as_json(&current))
        )
        .is_empty());

        let t: TechnicalConfiguration = serde_json::from_value(json!({
            "package": "app.zip", "version": "1.0.0", "deployment_mode": "complete",
            "authorizations": [{"principal_id": "p", "role_definition_id": "r"}]
        }))
        .unwrap();
        let mut config: PackageConfiguration = serde_json::from_value(json!({
            "resourceType": "AzureManagedApplicationPackageConfiguration", "id": "c", "version": "0.9"
        }))
        .unwrap();
        assert_eq!(
            diff_fields(
                &Resource::PlanTechnicalConfiguration("t".into()),
                &technical_fields(&t),
                Some(&as_json(&config))
            )
            .len(),
            3
        );
        set_fields(&mut config, &technical_fields(&t)).unwrap();
        assert!(diff_fields(
            &Resource::PlanTechnicalConfiguration("t".into()),
            &technical_fields(&t),
            Some(&as_json(&config))
        )
        .is_empty());
        assert_eq!(as_json(&config)["deploymentMode"], "Complete");
    }

    #[test]
    fn a_value_the_resource_cannot_hold_is_an_error_and_changes_nothing() {
        let mut current = AzureListing {
            title: Some("Old".into()),
            ..Default::default()
        };
        let fields = [field("title", "title", json!({"not": "text"}))];
        let e = set_fields(&mut current, &fields).unwrap_err();
        assert_eq!(e.fields, ["title"]);
        assert!(e.to_string().contains("`title`"), "{e}");
        assert_eq!(current.title.as_deref(), Some("Old"));
    }
}
