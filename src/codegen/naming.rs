//! The naming rule: how operations, schemas and fields get their Rust names.
//!
//! This module is the only place that decides a name. Everything in it is a
//! pure function of strings, so the same operation or schema gets the same
//! name whichever document it comes from (our `spec/ingestion.json`, or a
//! document Microsoft publishes, which has no `operationId`s and namespaced
//! schema names).
//!
//! # Operations
//!
//! An operation without an `operationId` is named from its HTTP method and
//! its path, verb first, in snake case:
//!
//! * The path is read as segments: literals (`listings`), parameters
//!   (`{listingID}`) and OData functions (`getByInstanceID(instanceID={instanceID})`).
//!   Literal segments are split into words at case changes and, when written
//!   all in lower case (`productavailabilities`), at the words the document
//!   itself uses elsewhere (`product`, `availabilities`).
//! * A literal followed by a parameter names one resource of a collection:
//!   `GET` → `get_`, `PUT`/`PATCH` → `update_`, `DELETE` → `delete_`, with
//!   the collection's singular (`get_listing`).
//! * A plural literal at the end is a collection: `GET` → `list_` (plural),
//!   `POST` → `create_` (singular): `list_products`, `create_submission`.
//! * A singular literal at the end is a single sub-resource: `GET` → `get_`,
//!   `POST`/`PUT` → `set_`, `DELETE` → `delete_` (`get_lead_configuration`).
//!   A bodyless `POST` of a singular literal that follows a parameter is an
//!   action on that resource, and the literal is the verb:
//!   `promote_submission`, `commit_supplemental_content`.
//! * An OData function keeps its own verb and qualifier:
//!   `getByInstanceID(instanceID=…)` → `get_listing_by_instance_id`. A lookup
//!   by an identifier (an argument ending in `ID`) returns one resource
//!   (singular noun); any other lookup returns many, and `get` becomes
//!   `list`: `getByModule(module=…)` → `list_branches_by_module`.
//! * Every resource lives under a product, so the product is not repeated in
//!   the names of its direct children (`get_listing`, not
//!   `get_product_listing`). Deeper resources are prefixed with their owner
//!   (`list_listing_images`, `list_submission_reports`), and so is a
//!   one-word singular sub-resource, which means nothing without its owner
//!   (`get_product_setup`).
//!
//! # Schemas
//!
//! * The namespace goes: `Microsoft.Ingestion.Api.Models.Products.AzureProduct`
//!   → `AzureProduct`. (If two schemas would then share a name, both keep
//!   their area in front: `ListingsFoo`, `PackagesFoo`.)
//! * A generic instance `Wrapper_Arg_` is named for its argument, with a
//!   leading `Base` dropped, followed by the wrapper (`PagedCollection`
//!   becoming `Page`); a word the two share at the seam is written once:
//!   `PagedCollection_…BaseProduct_` → `ProductPage`,
//!   `ScheduleInfo_…PriceSchedule_` → `PriceScheduleInfo`.
//! * Whatever else is not a letter or digit is dropped, and the first letter
//!   is upper case. A name that already follows the rule is left unchanged,
//!   so `spec/ingestion.json` uses these names directly.
//!
//! # Fields
//!
//! A field is the snake case of its wire name, reading an all-caps `ID` run
//! as one word: `externalIDs` → `external_ids`, `currentDraftInstanceID` →
//! `current_draft_instance_id`, `offerMarketingUrlIDentifier` →
//! `offer_marketing_url_identifier`, `@odata.etag` → `odata_etag`.
//!
//! Its length (about 780 lines) is two-fifths unit tests, which stay beside
//! the rule they pin down: each is one name the rule must keep giving.

use std::collections::BTreeSet;

/// Longest method name the rule may produce; longer names are refused.
pub const MAX_METHOD_NAME: usize = 48;

/// Splits an identifier into lower-case words at case changes, digits and
/// punctuation. An all-caps run is one word (`getByInstanceID` → get, by,
/// instance, id); a plural acronym keeps its `s` (`IDs` → ids); an `ID` run
/// that continues in lower case starts that word (`IDentifier` → identifier).
pub fn split_words(ident: &str) -> Vec<String> {
    let chars: Vec<char> = ident.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphanumeric() {
            flush(&mut words, &mut current);
            i += 1;
            continue;
        }
        if c.is_ascii_uppercase() {
            // Collect the whole upper-case run.
            let start = i;
            while i < chars.len() && chars[i].is_ascii_uppercase() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let next_lower = i < chars.len() && chars[i].is_ascii_lowercase();
            let lower_len = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_lowercase())
                .count();
            flush(&mut words, &mut current);
            if run.len() == 1 {
                current.push(c.to_ascii_lowercase());
            } else if next_lower && lower_len == 1 && chars[i] == 's' {
                // `IDs`: a plural acronym.
                words.push(format!("{}s", run.to_ascii_lowercase()));
                i += 1;
            } else if next_lower && run == "ID" {
                // `IDentifier`: the service's spelling of `Identifier`.
                current.push_str("id");
            } else if next_lower {
                // `HTTPServer`: the last capital starts the next word.
                let (head, tail) = run.split_at(run.len() - 1);
                let after_digit = start > 0 && chars[start - 1].is_ascii_digit();
                if let Some(last) = words.last_mut().filter(|_| after_digit) {
                    // `S2SOutbound`: capitals right after digits end that word.
                    last.push_str(&head.to_ascii_lowercase());
                } else {
                    words.push(head.to_ascii_lowercase());
                }
                current.push_str(&tail.to_ascii_lowercase());
            } else {
                words.push(run.to_ascii_lowercase());
            }
            continue;
        }
        if c.is_ascii_digit() {
            // Digits stay with the word they follow (`Dynamics365`).
            current.push(c);
            i += 1;
            continue;
        }
        current.push(c);
        i += 1;
    }
    flush(&mut words, &mut current);
    words
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// Joins words in snake case.
pub fn snake(words: &[String]) -> String {
    words.join("_")
}

/// Joins words in Pascal case.
pub fn pascal(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Whether a lower-case English word is a plural.
pub fn is_plural(word: &str) -> bool {
    word.len() > 2
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
}

/// The singular of a lower-case English word (unchanged when not plural).
pub fn singular(word: &str) -> String {
    if !is_plural(word) {
        return word.to_string();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["ches", "shes", "sses", "xes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_string();
        }
    }
    word[..word.len() - 1].to_string()
}

/// The words a document uses, for splitting lower-case compounds such as
/// `workflowdetails`. Only words of three or more letters count.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    words: BTreeSet<String>,
}

impl Vocabulary {
    /// Collects the words of every key and string value that looks like an
    /// identifier (schema names, property names, tags, path segments, enum
    /// values) in a JSON document.
    pub fn from_document(doc: &serde_json::Value) -> Self {
        let mut vocabulary = Vocabulary::default();
        vocabulary.collect(doc);
        vocabulary
    }

    /// Adds the words of one identifier, if it has more than one: a
    /// one-word identifier may itself be a lower-case compound
    /// (`workflowdetails` in a path) and would then never be split.
    pub fn add_identifier(&mut self, ident: &str) {
        let words = split_words(ident);
        if words.len() < 2 {
            return;
        }
        for word in words {
            if word.len() >= 3 && word.chars().all(|c| c.is_ascii_lowercase()) {
                self.words.insert(word);
            }
        }
    }

    fn collect(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    // Schema names and paths carry dots and slashes; split them.
                    for part in key.split(['.', '/', '_', '{', '}', '(', ')', '=']) {
                        self.add_identifier(part);
                    }
                    self.collect(item);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            serde_json::Value::String(s) if s.len() <= 64 && !s.contains(' ') => {
                for part in s.split(['.', '/', '_', '#']) {
                    self.add_identifier(part);
                }
            }
            _ => {}
        }
    }

    fn knows(&self, piece: &str) -> bool {
        if self.words.contains(piece) {
            return true;
        }
        if is_plural(piece) {
            let one = singular(piece);
            if self.words.contains(&one) {
                return true;
            }
        }
        piece
            .strip_suffix('s')
            .is_some_and(|stem| self.words.contains(stem))
    }

    /// Splits an all-lower-case chunk into the fewest known words; a chunk
    /// that cannot be split entirely into known words stays whole.
    pub fn segment(&self, chunk: &str) -> Vec<String> {
        let n = chunk.len();
        if n == 0 || !chunk.is_ascii() {
            return vec![chunk.to_string()];
        }
        // best[i]: fewest pieces covering chunk[i..], and the end of the first.
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[n] = Some((0, n));
        for start in (0..n).rev() {
            // Prefer the longest first piece among equally short splits.
            for end in (start + 1..=n).rev() {
                if !self.knows(&chunk[start..end]) {
                    continue;
                }
                if let Some((rest, _)) = best[end] {
                    let candidate = rest + 1;
                    if best[start].is_none_or(|(count, _)| candidate < count) {
                        best[start] = Some((candidate, end));
                    }
                }
            }
        }
        match best[0] {
            Some(_) => {
                let mut pieces = Vec::new();
                let mut at = 0;
                while at < n {
                    let Some((_, end)) = best[at] else { break };
                    pieces.push(chunk[at..end].to_string());
                    at = end;
                }
                pieces
            }
            None => vec![chunk.to_string()],
        }
    }

    /// The words of a path literal: case changes first, then known words.
    pub fn literal_words(&self, literal: &str) -> Vec<String> {
        split_words(literal)
            .iter()
            .flat_map(|w| self.segment(w))
            .collect()
    }
}

/// One segment of an operation's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A literal such as `listings`.
    Literal(String),
    /// A parameter such as `{listingID}`.
    Param(String),
    /// An OData function such as `getByModule(module={module})`.
    Function {
        /// The function's name, `getByModule`.
        name: String,
        /// The name of its argument, `module`.
        argument: String,
    },
}

/// Splits a path template into segments.
pub fn parse_path(path: &str) -> Vec<Segment> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if let Some(open) = s.find('(') {
                let name = s[..open].to_string();
                let inside = s[open + 1..].trim_end_matches(')');
                let argument = inside.split('=').next().unwrap_or("").to_string();
                Segment::Function { name, argument }
            } else if s.starts_with('{') && s.ends_with('}') {
                Segment::Param(s[1..s.len() - 1].to_string())
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect()
}

/// The Rust method name of an operation that has no `operationId`.
///
/// `has_body` says whether the operation takes a request body; it tells an
/// action (`POST …/promote`) from the setting of a sub-resource.
pub fn operation_name(method: &str, path: &str, has_body: bool, vocab: &Vocabulary) -> String {
    let method = method.to_ascii_lowercase();
    let segments = parse_path(path);
    let words_of = |literal: &str| vocab.literal_words(literal);
    let mut name: Vec<String> = Vec::new();

    match segments.last() {
        None => name.push(
            if method == "get" {
                "get"
            } else {
                method.as_str()
            }
            .into(),
        ),
        Some(Segment::Function {
            name: function,
            argument,
        }) => {
            let index = segments.len() - 1;
            let function_words = split_words(function);
            let by_identifier = argument.to_ascii_lowercase().ends_with("id");
            let mut verb = function_words.first().cloned().unwrap_or_default();
            if verb == "get" && !by_identifier {
                verb = "list".into();
            }
            name.push(verb);
            if let Some(collection) = previous_literal(&segments, index) {
                name.extend(owner_noun(&segments, collection, false, vocab));
                let mut noun = words_of(literal_at(&segments, collection));
                if by_identifier {
                    singular_last(&mut noun);
                }
                name.extend(noun);
            }
            name.extend(function_words.into_iter().skip(1));
        }
        Some(Segment::Param(_)) => {
            let verb = match method.as_str() {
                "get" => "get",
                "put" | "patch" => "update",
                "delete" => "delete",
                "post" => "create",
                other => other,
            };
            name.push(verb.into());
            name.extend(item_noun(&segments, segments.len() - 1, vocab));
        }
        Some(Segment::Literal(literal)) => {
            let index = segments.len() - 1;
            let mut words = words_of(literal);
            let plural = words.last().is_some_and(|w| is_plural(w));
            let after_param = index > 0 && matches!(segments[index - 1], Segment::Param(_));
            if method == "post" && !has_body && after_param && !plural {
                // An action: the literal is the verb, the resource its object.
                name.extend(words);
                name.extend(item_noun(&segments, index - 1, vocab));
            } else if plural {
                let verb = match method.as_str() {
                    "get" => "list",
                    "post" => "create",
                    "put" | "patch" => "update",
                    other => other,
                };
                name.push(verb.into());
                name.extend(owner_noun(&segments, index, false, vocab));
                if verb != "list" && verb != "delete" {
                    singular_last(&mut words);
                }
                name.extend(words);
            } else {
                let verb = match method.as_str() {
                    "get" => "get",
                    "post" | "put" | "patch" => "set",
                    other => other,
                };
                name.push(verb.into());
                let facet = words.len() == 1;
                name.extend(owner_noun(&segments, index, facet, vocab));
                name.extend(words);
            }
        }
    }
    snake(&name)
}

fn literal_at(segments: &[Segment], index: usize) -> &str {
    match &segments[index] {
        Segment::Literal(l) => l,
        _ => "",
    }
}

fn previous_literal(segments: &[Segment], before: usize) -> Option<usize> {
    (0..before)
        .rev()
        .find(|&i| matches!(segments[i], Segment::Literal(_)))
}

fn singular_last(words: &mut [String]) {
    if let Some(last) = words.last_mut() {
        *last = singular(last);
    }
}

/// The noun of the resource a parameter at `param_index` identifies: the
/// singular of the collection before it, with its owner when it has one.
fn item_noun(segments: &[Segment], param_index: usize, vocab: &Vocabulary) -> Vec<String> {
    let Some(collection) = previous_literal(segments, param_index) else {
        return Vec::new();
    };
    let mut words = owner_noun(segments, collection, false, vocab);
    let mut noun = vocab.literal_words(literal_at(segments, collection));
    singular_last(&mut noun);
    words.extend(noun);
    words
}

/// The owner's noun for a resource whose literal is at `index`: the singular
/// of the collection whose parameter comes last before it. The root
/// collection (the first segment, `products`) is named only for a facet.
fn owner_noun(segments: &[Segment], index: usize, facet: bool, vocab: &Vocabulary) -> Vec<String> {
    let Some(param) = (0..index)
        .rev()
        .find(|&i| matches!(segments[i], Segment::Param(_)))
    else {
        return Vec::new();
    };
    let Some(collection) = previous_literal(segments, param) else {
        return Vec::new();
    };
    if collection == 0 && !facet {
        return Vec::new();
    }
    let mut noun = vocab.literal_words(literal_at(segments, collection));
    singular_last(&mut noun);
    noun
}

/// The Rust method of an operation, from its operationId (`listProducts`
/// and `list_products` both give `list_products`).
pub fn method_name(operation_id: &str) -> String {
    snake(&split_words(operation_id))
}

/// The Pascal-case name progenitor gives an operation's request builder
/// (`list_products` → `ListProducts`), also the prefix of its inline types.
pub fn builder_name(operation_id: &str) -> String {
    pascal(&split_words(operation_id))
}

/// The readable name of a schema (see the module documentation).
pub fn schema_name(original: &str) -> String {
    if let Some((wrapper, argument)) = generic_parts(original) {
        let argument = schema_name(argument);
        let argument = match argument.strip_prefix("Base") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_string(),
            _ => argument,
        };
        let wrapper = match schema_name(wrapper).as_str() {
            "PagedCollection" => "Page".to_string(),
            other => other.to_string(),
        };
        return join_at_seam(&argument, &wrapper);
    }
    let last = original.rsplit('.').next().unwrap_or(original);
    let cleaned: String = last.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut chars = cleaned.chars();
    match chars.next() {
        Some(first) if first.is_ascii_digit() => format!("Schema{cleaned}"),
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => "Schema".to_string(),
    }
}

/// The area of a namespaced schema name (`…Models.Listings.Foo` → `Listings`).
pub fn schema_area(original: &str) -> String {
    let base = generic_parts(original).map_or(original, |(w, _)| w);
    let mut parts = base.rsplit('.');
    parts.next();
    schema_name(parts.next().unwrap_or(""))
}

/// `Wrapper_Arg_` → (`Wrapper`, `Arg`).
fn generic_parts(name: &str) -> Option<(&str, &str)> {
    let inner = name.strip_suffix('_')?;
    let (wrapper, argument) = inner.split_once('_')?;
    if wrapper.is_empty() || argument.is_empty() {
        return None;
    }
    Some((wrapper, argument))
}

/// Joins two Pascal-case names, writing a word they share at the seam once.
fn join_at_seam(left: &str, right: &str) -> String {
    let left_words = split_words(left);
    let right_words = split_words(right);
    if let (Some(last), Some(first)) = (left_words.last(), right_words.first()) {
        if last == first {
            let trimmed = &left[..left.len() - last.len()];
            return format!("{trimmed}{right}");
        }
    }
    format!("{left}{right}")
}

/// The Rust field name of a wire property name.
pub fn field_name(wire: &str) -> String {
    let words = split_words(wire);
    let name = snake(&words);
    match name.as_str() {
        "" => "value".into(),
        // Keywords cannot be field names without `r#`; typify's rule applies.
        "type" | "ref" | "match" | "mod" | "move" | "self" | "super" | "use" | "where" | "impl"
        | "fn" | "enum" | "struct" | "trait" | "loop" | "box" => format!("{name}_"),
        n if n.starts_with(|c: char| c.is_ascii_digit()) => format!("_{n}"),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        let mut v = Vocabulary::default();
        for w in [
            "WorkflowDetail",
            "LeadConfiguration",
            "productAvailabilities",
            "PackageConfiguration",
            "FeatureAvailability",
            "SupplementalContent",
            "SubmissionCreationRequest",
            "AzureListing",
            "AzureProductSetup",
            "isAutoPromote",
            "ValidationItem",
            "CertificationReport",
            "workflowdetails",
        ] {
            v.add_identifier(w);
        }
        v
    }

    #[test]
    fn words_of_identifiers() {
        assert_eq!(
            split_words("getByInstanceID"),
            ["get", "by", "instance", "id"]
        );
        assert_eq!(split_words("externalIDs"), ["external", "ids"]);
        assert_eq!(
            split_words("offerMarketingUrlIDentifier"),
            ["offer", "marketing", "url", "identifier"]
        );
        assert_eq!(split_words("@odata.etag"), ["odata", "etag"]);
        assert_eq!(split_words("HTTPServer"), ["http", "server"]);
        assert_eq!(split_words("Dynamics365Foo"), ["dynamics365", "foo"]);
        assert_eq!(split_words("ID"), ["id"]);
        assert_eq!(
            split_words("requireS2SOutboundAccess"),
            ["require", "s2s", "outbound", "access"]
        );
    }

    #[test]
    fn plurals() {
        assert_eq!(singular("properties"), "property");
        assert_eq!(singular("branches"), "branch");
        assert_eq!(singular("videos"), "video");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("setup"), "setup");
        assert!(!is_plural("status"));
        assert!(is_plural("details"));
    }

    #[test]
    fn lower_case_compounds_split_at_known_words() {
        let v = vocab();
        assert_eq!(v.segment("workflowdetails"), ["workflow", "details"]);
        assert_eq!(
            v.segment("productavailabilities"),
            ["product", "availabilities"]
        );
        assert_eq!(v.segment("leadconfiguration"), ["lead", "configuration"]);
        assert_eq!(v.segment("submissions"), ["submissions"]);
        assert_eq!(v.segment("zzzunknown"), ["zzzunknown"]);
    }

    #[test]
    fn operation_names_follow_the_rule() {
        let v = vocab();
        let cases = [
            ("get", "/products", false, "list_products"),
            ("post", "/products", true, "create_product"),
            ("get", "/products/{productID}", false, "get_product"),
            ("delete", "/products/{productID}", false, "delete_product"),
            (
                "get",
                "/products/{productID}/setup",
                false,
                "get_product_setup",
            ),
            (
                "post",
                "/products/{productID}/setup",
                true,
                "set_product_setup",
            ),
            (
                "get",
                "/products/{productID}/branches/getByModule(module={module})",
                false,
                "list_branches_by_module",
            ),
            (
                "get",
                "/products/{productID}/listings/getByInstanceID(instanceID={instanceID})",
                false,
                "get_listing_by_instance_id",
            ),
            (
                "post",
                "/products/{productID}/listings/createWithInstanceID(instanceID={instanceID})",
                true,
                "create_listing_with_instance_id",
            ),
            (
                "get",
                "/products/{productID}/productavailabilities",
                false,
                "list_product_availabilities",
            ),
            (
                "put",
                "/products/{productID}/listings/{listingID}/images/{imageID}",
                true,
                "update_listing_image",
            ),
            (
                "get",
                "/products/{productID}/listings/{listingID}/images",
                false,
                "list_listing_images",
            ),
            (
                "post",
                "/products/{productID}/submissions",
                true,
                "create_submission",
            ),
            (
                "post",
                "/products/{productID}/submissions/{submissionID}/promote",
                false,
                "promote_submission",
            ),
            (
                "get",
                "/products/{productID}/submissions/{submissionID}/workflowdetails",
                false,
                "list_submission_workflow_details",
            ),
            (
                "post",
                "/products/{productID}/leadconfiguration",
                true,
                "set_lead_configuration",
            ),
            (
                "post",
                "/products/{productID}/supplementalContents/{instanceID}/commit",
                false,
                "commit_supplemental_content",
            ),
        ];
        for (method, path, body, want) in cases {
            assert_eq!(
                operation_name(method, path, body, &v),
                want,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn schema_names_follow_the_rule() {
        assert_eq!(
            schema_name("Microsoft.Ingestion.Api.Models.Products.AzureProduct"),
            "AzureProduct"
        );
        assert_eq!(
            schema_name(
                "Microsoft.Ingestion.Api.Models.Common.PagedCollection_Microsoft.Ingestion.Api.Models.Products.BaseProduct_"
            ),
            "ProductPage"
        );
        assert_eq!(
            schema_name(
                "Microsoft.Ingestion.Api.Models.Common.PagedCollection_Microsoft.Ingestion.Api.Models.Branches.Branch_"
            ),
            "BranchPage"
        );
        assert_eq!(
            schema_name(
                "Microsoft.Ingestion.Api.Models.Availabilities.ScheduleInfo_Microsoft.Ingestion.Api.Models.Availabilities.PriceSchedule_"
            ),
            "PriceScheduleInfo"
        );
        assert_eq!(
            schema_name("Microsoft.Ingestion.Api.DataModel.Certification.SupplementalContent"),
            "SupplementalContent"
        );
        // Idempotent on names that already follow the rule.
        for readable in [
            "AzureProduct",
            "ProductPage",
            "PriceScheduleInfo",
            "Basement",
        ] {
            assert_eq!(schema_name(readable), readable);
        }
        assert_eq!(
            schema_area("Microsoft.Ingestion.Api.Models.Listings.ListingImage"),
            "Listings"
        );
    }

    #[test]
    fn field_names_follow_the_rule() {
        assert_eq!(field_name("externalIDs"), "external_ids");
        assert_eq!(
            field_name("currentDraftInstanceID"),
            "current_draft_instance_id"
        );
        assert_eq!(field_name("ID"), "id");
        assert_eq!(field_name("@odata.etag"), "odata_etag");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(
            field_name("offerMarketingUrlIDentifier"),
            "offer_marketing_url_identifier"
        );
    }
}
