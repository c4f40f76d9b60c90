//! The two kinds of type we render ourselves instead of leaving to typify.
//!
//! * **Open enums** (schemas marked `x-open-enum`): one variant per listed
//!   value plus `Unknown(String)`, so a value the document does not list
//!   deserializes, compares and serializes back byte for byte.
//! * **Tagged unions** (schemas marked `x-tagged-union`): one variant per
//!   member, chosen by the value of the tag property (`resourceType`), plus
//!   `Unknown(Map)` keeping an object of a kind the document does not list.
//!   typify would render these `untagged`, where the first member that
//!   happens to fit wins.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use super::naming;
use super::normalize::{OPEN_ENUM, TAGGED_UNION};

/// A type the generator must not render because we render it.
pub struct OwnType {
    /// The schema (and Rust type) name.
    pub name: String,
    /// Our rendering.
    pub tokens: TokenStream,
    /// Whether it implements `Display` and `FromStr` (open enums do).
    pub is_string: bool,
}

/// Every open enum and tagged union of a normalized document.
pub fn own_types(doc: &Value) -> Vec<OwnType> {
    let Some(schemas) = doc["components"]["schemas"].as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, schema) in schemas {
        let description = schema.get("description").and_then(Value::as_str);
        if schema.get(OPEN_ENUM).and_then(Value::as_bool) == Some(true) {
            let mut seen = BTreeSet::new();
            let values: Vec<String> = schema["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|v| seen.insert(v.to_string()))
                .map(str::to_string)
                .collect();
            out.push(OwnType {
                name: name.clone(),
                tokens: open_enum(name, description, &values),
                is_string: true,
            });
        } else if let Some(tagged) = schema.get(TAGGED_UNION) {
            let property = tagged["property"].as_str().unwrap_or("resourceType");
            let variants: Vec<(String, String)> = tagged["variants"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|pair| {
                    Some((pair[0].as_str()?.to_string(), pair[1].as_str()?.to_string()))
                })
                .collect();
            let shared = shared_fields(schemas, &variants);
            out.push(OwnType {
                name: name.clone(),
                tokens: tagged_union(name, description, property, &variants, &shared),
                is_string: false,
            });
        }
    }
    out
}

/// The properties a tagged union reads the same way whatever its kind, so
/// callers need not match on it (or serialize it) to find them: the
/// resource's id and its etag.
const SHARED_PROPERTIES: [&str; 2] = ["id", "@odata.etag"];

/// One accessor of a tagged union: its method and, per member, the
/// member's field that holds the property.
struct SharedField {
    /// The wire name, as [`SHARED_PROPERTIES`] spells it (matched without
    /// case, as the service's JSON is).
    wire: &'static str,
    method: Ident,
    /// The field in each member, in the order of the variants.
    fields: Vec<Ident>,
}

/// The [`SHARED_PROPERTIES`] every member of a union has as an optional
/// string (so each member's field is an `Option<String>`).
fn shared_fields(
    schemas: &serde_json::Map<String, Value>,
    variants: &[(String, String)],
) -> Vec<SharedField> {
    SHARED_PROPERTIES
        .iter()
        .filter_map(|&wire| {
            let fields = variants
                .iter()
                .map(|(_, member)| {
                    let schema = schemas.get(member)?;
                    let (actual, property) = schema["properties"]
                        .as_object()?
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(wire))?;
                    let required = schema["required"]
                        .as_array()
                        .is_some_and(|r| r.iter().any(|k| k.as_str() == Some(actual)));
                    (property["type"] == "string" && !required)
                        .then(|| ident(&naming::field_name(actual)))
                })
                .collect::<Option<Vec<Ident>>>()?;
            (!fields.is_empty()).then(|| SharedField {
                wire,
                method: ident(&naming::field_name(wire)),
                fields,
            })
        })
        .collect()
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Variant identifiers for wire values: Pascal case, unique, never
/// `Unknown` (which is ours), never starting with a digit.
fn variant_idents(values: &[String]) -> Vec<Ident> {
    let mut used = BTreeSet::from(["Unknown".to_string()]);
    values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let mut name = naming::pascal(&naming::split_words(value));
            if name.is_empty() {
                name = "Empty".into();
            }
            if name.starts_with(|c: char| c.is_ascii_digit()) {
                name = format!("V{name}");
            }
            if name == "Self" || name == "Unknown" {
                // `Unknown` is the catch-all for values the document lacks.
                name = format!("{name}Value");
            }
            while used.contains(&name) {
                name = format!("{name}{i}");
            }
            used.insert(name.clone());
            ident(&name)
        })
        .collect()
}

fn doc_text(description: Option<&str>, fallback: String) -> String {
    match description {
        Some(d) if !d.trim().is_empty() => d.trim().to_string(),
        _ => fallback,
    }
}

fn open_enum(name: &str, description: Option<&str>, values: &[String]) -> TokenStream {
    let ty = ident(name);
    let variants = variant_idents(values);
    let doc = doc_text(
        description,
        format!("One of the `{name}` values the service uses."),
    );
    let variant_docs = values.iter().map(|v| format!("`{v}`"));
    let listed = values.join(", ");
    let schema_doc = format!("{doc} Known values: {listed}; others are accepted as they are.");
    quote! {
        #[doc = #doc]
        ///
        /// The enum is open: a value this crate does not know becomes
        /// [`Self::Unknown`] and is written back exactly as it came.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #ty {
            #(
                #[doc = #variant_docs]
                #variants,
            )*
            /// A value this version of the crate does not list, kept as sent.
            Unknown(::std::string::String),
        }

        impl #ty {
            /// The values the document lists, in its order.
            pub const KNOWN: &'static [&'static str] = &[#(#values),*];

            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether the value is one the document lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for #ty {
            fn from(value: &str) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #ty {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl ::std::convert::From<&::std::string::String> for #ty {
            fn from(value: &::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::convert::From<&#ty> for #ty {
            fn from(value: &#ty) -> Self {
                value.clone()
            }
        }

        impl ::std::str::FromStr for #ty {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value))
            }
        }

        impl ::schemars::JsonSchema for #ty {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                #name.into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "description": #schema_doc,
                    "examples": [#(#values),*]
                })
            }
        }
    }
}

fn tagged_union(
    name: &str,
    description: Option<&str>,
    property: &str,
    variants: &[(String, String)],
    shared: &[SharedField],
) -> TokenStream {
    let ty = ident(name);
    let tags: Vec<&String> = variants.iter().map(|(tag, _)| tag).collect();
    let members: Vec<Ident> = variants.iter().map(|(_, member)| ident(member)).collect();
    let member_names: Vec<&String> = variants.iter().map(|(_, member)| member).collect();
    let doc = doc_text(
        description,
        format!("Any kind of `{name}`, told apart by `{property}`."),
    );
    let variant_docs = variants
        .iter()
        .map(|(tag, _)| format!("`{property}` is `{tag}`."));
    let expecting = format!("a JSON object with a `{property}` property");
    let accessors = shared.iter().map(|field| {
        let SharedField {
            wire,
            method,
            fields,
        } = field;
        let doc = format!("`{wire}`, whatever the kind.");
        let members = &members;
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> ::std::option::Option<&str> {
                match self {
                    #( Self::#members(value) => value.#fields.as_deref(), )*
                    Self::Unknown(map) => map
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(#wire))
                        .and_then(|(_, value)| value.as_str()),
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        ///
        /// Which variant a JSON object becomes depends only on its
        #[doc = concat!("`", #property, "`;")]
        /// an object of a kind this crate does not know becomes
        /// [`Self::Unknown`] and is written back exactly as it came.
        #[derive(Clone, PartialEq)]
        pub enum #ty {
            #(
                #[doc = #variant_docs]
                #members(#members),
            )*
            /// A kind this version of the crate does not list, kept as sent.
            Unknown(::serde_json::Map<::std::string::String, ::serde_json::Value>),
        }

        impl #ty {
            /// The value of the property that tells the kinds apart.
            pub fn kind(&self) -> ::std::option::Option<&str> {
                match self {
                    #( Self::#members(_) => Some(#tags), )*
                    Self::Unknown(map) => map
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(#property))
                        .and_then(|(_, value)| value.as_str()),
                }
            }

            #( #accessors )*
        }

        // `Debug` by hand: an unknown kind shows no secret it may hold.
        impl ::std::fmt::Debug for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    #( Self::#members(value) => f.debug_tuple(#member_names).field(value).finish(), )*
                    Self::Unknown(map) => f
                        .debug_tuple("Unknown")
                        .field(&crate::sensitive::ShowMap(map))
                        .finish(),
                }
            }
        }

        #(
            impl ::std::convert::From<#members> for #ty {
                fn from(value: #members) -> Self {
                    Self::#members(value)
                }
            }
        )*

        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #( Self::#members(value) => value.serialize(serializer), )*
                    Self::Unknown(map) => map.serialize(serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                use ::serde::de::Error as _;
                let map = <::serde_json::Map<::std::string::String, ::serde_json::Value> as ::serde::Deserialize>::deserialize(deserializer)
                    .map_err(|e| D::Error::custom(format_args!("expected {}: {}", #expecting, e)))?;
                let tag = map
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(#property))
                    .and_then(|(_, value)| value.as_str())
                    .map(str::to_owned);
                match tag.as_deref() {
                    #(
                        Some(#tags) => ::serde_json::from_value(::serde_json::Value::Object(map))
                            .map(Self::#members)
                            .map_err(D::Error::custom),
                    )*
                    _ => Ok(Self::Unknown(map)),
                }
            }
        }

        impl ::schemars::JsonSchema for #ty {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                #name.into()
            }
            fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let members = [#( generator.subschema_for::<#members>() ),*];
                ::schemars::json_schema!({
                    "description": #doc,
                    "oneOf": members
                })
            }
        }
    }
}
