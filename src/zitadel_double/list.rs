//! `zitadel.user.v2.UserService/ListUsers`: the `SearchQuery` oneof with and/or/not nesting
//! (≤ 20 levels), the metadata key/value filters (v4.1+, tied to the same metadata row when
//! ANDed at one level), sorting, offset/limit paging (default 100, max 1000), and the
//! eventual consistency of the users projection (RELEASED.md §3, §4; API.md §2.2).

use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ZitadelVersion;
use super::state::{Kind, State, UserRec};
use super::wire::{Code, ConnectError, de_u64, decode, decode_bytes, put, timestamp};

/// `ListQuery` / `PaginationRequest{offset, limit, asc}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Pagination {
    #[serde(default, deserialize_with = "de_u64")]
    offset: u64,
    #[serde(default)]
    limit: u32,
    #[serde(default)]
    asc: bool,
}

impl Pagination {
    /// `(offset, limit, asc)` with Zitadel's `SystemDefaults`: limit 0 → 100, > 1000 → error.
    pub(crate) fn resolve(p: Option<&Pagination>) -> Result<(usize, usize, bool), ConnectError> {
        let p = p.map_or((0, 0, false), |p| (p.offset, p.limit, p.asc));
        let limit = match p.1 {
            0 => 100,
            l if l > 1000 => {
                return Err(ConnectError::zitadel(
                    Code::InvalidArgument,
                    "QUERY-4M0fs",
                    "Limit exceeded",
                ));
            }
            l => l as usize,
        };
        Ok((usize::try_from(p.0).unwrap_or(usize::MAX), limit, p.2))
    }
}

/// A text comparison with a `TEXT_QUERY_METHOD_*` / `TEXT_FILTER_METHOD_*` method.
pub(crate) fn text_matches(
    value: &str,
    operand: &str,
    method: Option<&str>,
    prefix: &str,
) -> Result<bool, ConnectError> {
    let method = method.unwrap_or("EQUALS");
    let method = method.strip_prefix(prefix).unwrap_or(method);
    let (method, ignore_case) = match method.strip_suffix("_IGNORE_CASE") {
        Some(m) => (m, true),
        None => (method, false),
    };
    let (v, o) = if ignore_case {
        (value.to_lowercase(), operand.to_lowercase())
    } else {
        (value.to_owned(), operand.to_owned())
    };
    Ok(match method {
        "EQUALS" => v == o,
        "STARTS_WITH" => v.starts_with(&o),
        "CONTAINS" => v.contains(&o),
        "ENDS_WITH" => v.ends_with(&o),
        _ => {
            return Err(ConnectError::invalid(format!(
                "proto: invalid value for enum field method: {prefix}{method}"
            )));
        }
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListUsersRequest {
    query: Option<Pagination>,
    sorting_column: Option<String>,
    #[serde(default)]
    queries: Vec<SearchQuery>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TextQuery {
    #[serde(
        default,
        alias = "userName",
        alias = "firstName",
        alias = "lastName",
        alias = "nickName",
        alias = "displayName",
        alias = "emailAddress",
        alias = "number",
        alias = "loginName"
    )]
    value: String,
    method: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum SearchQuery {
    UserNameQuery(TextQuery),
    FirstNameQuery(TextQuery),
    LastNameQuery(TextQuery),
    NickNameQuery(TextQuery),
    DisplayNameQuery(TextQuery),
    EmailQuery(TextQuery),
    PhoneQuery(TextQuery),
    LoginNameQuery(TextQuery),
    StateQuery {
        state: String,
    },
    TypeQuery {
        r#type: String,
    },
    InUserIdsQuery {
        #[serde(default, rename = "userIds")]
        user_ids: Vec<String>,
    },
    InUserEmailsQuery {
        #[serde(default, rename = "userEmails")]
        user_emails: Vec<String>,
    },
    OrganizationIdQuery {
        #[serde(default, rename = "organizationId")]
        organization_id: String,
    },
    OrQuery {
        #[serde(default)]
        queries: Vec<SearchQuery>,
    },
    AndQuery {
        #[serde(default)]
        queries: Vec<SearchQuery>,
    },
    NotQuery {
        query: Box<SearchQuery>,
    },
    MetadataKeyFilter {
        #[serde(default)]
        key: String,
        method: Option<String>,
    },
    MetadataValueFilter {
        #[serde(default)]
        value: String,
        method: Option<String>,
    },
}

/// Checks nesting depth and that the metadata filters exist on this version.
fn validate(q: &SearchQuery, depth: usize, version: ZitadelVersion) -> Result<(), ConnectError> {
    if depth > 20 {
        return Err(ConnectError::zitadel(
            Code::InvalidArgument,
            "USER-zsQ97",
            "Too many nesting levels",
        ));
    }
    match q {
        SearchQuery::MetadataKeyFilter { .. } | SearchQuery::MetadataValueFilter { .. }
            if version < ZitadelVersion::V4_1 =>
        {
            let name = if matches!(q, SearchQuery::MetadataKeyFilter { .. }) {
                "metadataKeyFilter"
            } else {
                "metadataValueFilter"
            };
            Err(ConnectError::invalid(format!(
                "proto: unknown field \"{name}\" in zitadel.user.v2.SearchQuery"
            )))
        }
        SearchQuery::MetadataValueFilter { value, .. } => {
            if decode_bytes("value", value)?.len() > 200 {
                return Err(ConnectError::invalid(
                    "invalid MetadataValueFilter.Value: value length must be at most 200 bytes",
                ));
            }
            Ok(())
        }
        SearchQuery::OrQuery { queries } | SearchQuery::AndQuery { queries } => queries
            .iter()
            .try_for_each(|q| validate(q, depth + 1, version)),
        SearchQuery::NotQuery { query } => validate(query, depth + 1, version),
        _ => Ok(()),
    }
}

/// A conjunction: every non-metadata query holds, and one metadata row matches every
/// metadata filter of this level (Zitadel's LEFT JOIN user_metadata + per-row WHERE).
fn all(u: &UserRec, queries: &[SearchQuery]) -> Result<bool, ConnectError> {
    let mut meta_filters = Vec::new();
    for q in queries {
        match q {
            SearchQuery::MetadataKeyFilter { .. } | SearchQuery::MetadataValueFilter { .. } => {
                meta_filters.push(q);
            }
            other => {
                if !matches(u, other)? {
                    return Ok(false);
                }
            }
        }
    }
    if meta_filters.is_empty() {
        return Ok(true);
    }
    for (key, meta) in &u.metadata {
        let mut row = true;
        for f in &meta_filters {
            row &= meta_row(key, &meta.value, f)?;
        }
        if row {
            return Ok(true);
        }
    }
    Ok(false)
}

fn meta_row(key: &str, value: &[u8], f: &SearchQuery) -> Result<bool, ConnectError> {
    match f {
        SearchQuery::MetadataKeyFilter { key: k, method } => {
            text_matches(key, k, method.as_deref(), "TEXT_FILTER_METHOD_")
        }
        SearchQuery::MetadataValueFilter { value: v, method } => {
            let operand = decode_bytes("value", v)?;
            match method.as_deref().unwrap_or("BYTE_FILTER_METHOD_EQUALS") {
                "BYTE_FILTER_METHOD_EQUALS" => Ok(value == operand.as_slice()),
                "BYTE_FILTER_METHOD_NOT_EQUALS" => Ok(value != operand.as_slice()),
                m => Err(ConnectError::invalid(format!(
                    "proto: invalid value for enum field method: {m}"
                ))),
            }
        }
        _ => Ok(false),
    }
}

fn matches(u: &UserRec, q: &SearchQuery) -> Result<bool, ConnectError> {
    let human = match &u.kind {
        Kind::Human(h) => Some(h),
        Kind::Machine { .. } => None,
    };
    let text = |field: Option<&str>, t: &TextQuery| match field {
        Some(f) => text_matches(f, &t.value, t.method.as_deref(), "TEXT_QUERY_METHOD_"),
        None => Ok(false),
    };
    Ok(match q {
        SearchQuery::UserNameQuery(t) => text(Some(&u.username), t)?,
        SearchQuery::LoginNameQuery(t) => text(Some(&u.username), t)?,
        SearchQuery::FirstNameQuery(t) => text(human.map(|h| h.given.as_str()), t)?,
        SearchQuery::LastNameQuery(t) => text(human.map(|h| h.family.as_str()), t)?,
        SearchQuery::NickNameQuery(t) => text(human.map(|h| h.nick.as_str()), t)?,
        SearchQuery::DisplayNameQuery(t) => text(human.map(|h| h.display.as_str()), t)?,
        SearchQuery::EmailQuery(t) => text(human.map(|h| h.email.as_str()), t)?,
        SearchQuery::PhoneQuery(t) => text(human.map(|h| h.phone.as_str()), t)?,
        SearchQuery::StateQuery { state } => u.state.name() == state,
        SearchQuery::TypeQuery { r#type } => match r#type.as_str() {
            "TYPE_HUMAN" => human.is_some(),
            "TYPE_MACHINE" => human.is_none(),
            "TYPE_UNSPECIFIED" => true,
            other => {
                return Err(ConnectError::invalid(format!(
                    "proto: invalid value for enum field type: {other}"
                )));
            }
        },
        SearchQuery::InUserIdsQuery { user_ids } => user_ids.contains(&u.id),
        SearchQuery::InUserEmailsQuery { user_emails } => {
            human.is_some_and(|h| user_emails.iter().any(|e| e.eq_ignore_ascii_case(&h.email)))
        }
        SearchQuery::OrganizationIdQuery { organization_id } => u.org == *organization_id,
        SearchQuery::OrQuery { queries } => {
            let mut any = false;
            for q in queries {
                any |= all(u, std::slice::from_ref(q))?;
            }
            any
        }
        SearchQuery::AndQuery { queries } => all(u, queries)?,
        SearchQuery::NotQuery { query } => !all(u, std::slice::from_ref(query))?,
        SearchQuery::MetadataKeyFilter { .. } | SearchQuery::MetadataValueFilter { .. } => {
            all(u, std::slice::from_ref(q))?
        }
    })
}

fn sort_key(u: &UserRec, column: &str) -> String {
    let human = match &u.kind {
        Kind::Human(h) => Some(h),
        Kind::Machine { .. } => None,
    };
    let field = |f: fn(&super::state::Human) -> &str| human.map(f).unwrap_or("").to_lowercase();
    match column {
        "USER_FIELD_NAME_USER_NAME" => u.username.to_lowercase(),
        "USER_FIELD_NAME_FIRST_NAME" => field(|h| &h.given),
        "USER_FIELD_NAME_LAST_NAME" => field(|h| &h.family),
        "USER_FIELD_NAME_NICK_NAME" => field(|h| &h.nick),
        "USER_FIELD_NAME_DISPLAY_NAME" => field(|h| &h.display),
        "USER_FIELD_NAME_EMAIL" => field(|h| &h.email),
        "USER_FIELD_NAME_STATE" => u.state.name().to_owned(),
        "USER_FIELD_NAME_TYPE" => human.map_or("2", |_| "1").to_owned(),
        "USER_FIELD_NAME_CREATION_DATE" => timestamp(u.created),
        _ => format!("{:0>20}", u.id),
    }
}

const COLUMNS: [&str; 10] = [
    "USER_FIELD_NAME_UNSPECIFIED",
    "USER_FIELD_NAME_USER_NAME",
    "USER_FIELD_NAME_FIRST_NAME",
    "USER_FIELD_NAME_LAST_NAME",
    "USER_FIELD_NAME_NICK_NAME",
    "USER_FIELD_NAME_DISPLAY_NAME",
    "USER_FIELD_NAME_EMAIL",
    "USER_FIELD_NAME_STATE",
    "USER_FIELD_NAME_TYPE",
    "USER_FIELD_NAME_CREATION_DATE",
];

/// `ListUsers` → `{details{totalResult, timestamp}, sortingColumn?, result[]}` over the
/// (possibly lagging) users projection.
pub(crate) fn list_users(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: ListUsersRequest = decode("zitadel.user.v2.ListUsersRequest", body)?;
    for q in &req.queries {
        validate(q, 1, state.version)?;
    }
    let column = req
        .sorting_column
        .unwrap_or_else(|| "USER_FIELD_NAME_UNSPECIFIED".to_owned());
    if !COLUMNS.contains(&column.as_str()) {
        return Err(ConnectError::invalid(format!(
            "proto: invalid value for enum field sortingColumn: {column}"
        )));
    }
    let (offset, limit, asc) = Pagination::resolve(req.query.as_ref())?;
    let mut hits: Vec<(String, &UserRec)> = Vec::new();
    for u in state.listed_users() {
        if all(u, &req.queries)? {
            hits.push((sort_key(u, &column), u));
        }
    }
    hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    if !asc {
        hits.reverse();
    }
    let total = hits.len();
    let result: Vec<Value> = hits
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, u)| u.to_json())
        .collect();
    let mut out = json!({"details": {"timestamp": timestamp(Utc::now())}});
    if total > 0 {
        put(
            &mut out,
            &["details", "totalResult"],
            json!(total.to_string()),
        );
    }
    if column != "USER_FIELD_NAME_UNSPECIFIED" {
        put(&mut out, &["sortingColumn"], json!(column));
    }
    if !result.is_empty() {
        put(&mut out, &["result"], json!(result));
    }
    Ok(out)
}
