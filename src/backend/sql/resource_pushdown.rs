//! Filters on resources of types registered at run time as SQL conditions
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2),
//! [RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)): what the generic storage
//! has indexed becomes a `WHERE` condition with bound parameters (never a filter value in the
//! SQL text), `$1` being the tenant and `$2` the type.
//!
//! * `id eq "…"`: the primary key; exact (`id` is caseExact).
//! * `externalId eq "…"`: the `(tenant, resource_type, external_id, id)` index; exact
//!   (`externalId` is caseExact, RFC 7643 §3.1).
//! * `<attribute> eq "…"` on a singular string attribute the type declares unique
//!   (`uniqueness: server` or `global`, of the core schema or an extension): the values
//!   `scim_resource_unique` holds, folded as stored (lower case unless caseExact). A
//!   candidate condition: the filter engine still decides.
//!
//! These alone, as one term of an `and` (the engine decides the rest), or `or`-ed together;
//! any other filter has no condition and is evaluated by the filter engine on every row read.

use super::pushdown::Condition;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::schema::{AttributeType, ResourceSchema, Uniqueness};

/// The condition selecting every resource of `schema` `filter` can match, and whether it
/// answers the filter exactly; `None`: the filter needs the engine on every row.
pub(crate) fn condition(filter: &Filter, schema: &ResourceSchema) -> Option<(Condition, bool)> {
    let mut params = Vec::new();
    let (sql, exact) = plan(filter, schema, &mut params)?;
    Some((Condition { sql, params }, exact))
}

fn plan(f: &Filter, schema: &ResourceSchema, params: &mut Vec<String>) -> Option<(String, bool)> {
    match f {
        Filter::Compare { .. } => term(f, schema, params),
        Filter::And(terms) => {
            // the first term with a condition selects the candidates
            let exact = terms.len() == 1;
            terms.iter().find_map(|t| {
                let mut p = params.clone();
                let (sql, e) = term(t, schema, &mut p)?;
                *params = p;
                Some((sql, e && exact))
            })
        }
        Filter::Or(terms) => {
            let mut sqls = Vec::with_capacity(terms.len());
            let mut exact = true;
            for t in terms {
                let (sql, e) = plan(t, schema, params)?;
                sqls.push(format!("({sql})"));
                exact &= e;
            }
            Some((sqls.join(" OR "), exact))
        }
        _ => None,
    }
}

/// One `eq` comparison with a string: its SQL and whether it is exact.
fn term(f: &Filter, schema: &ResourceSchema, params: &mut Vec<String>) -> Option<(String, bool)> {
    let Filter::Compare {
        path,
        op: CompareOp::Eq,
        value: CompValue::String(v),
    } = f
    else {
        return None;
    };
    if path.sub_attr.is_some() {
        return None;
    }
    let n = params.len() + 3;
    if path.urn.is_none() && path.name.eq_ignore_ascii_case("id") {
        params.push(v.to_string());
        return Some((format!("id = ${n}"), true));
    }
    if path.urn.is_none() && path.name.eq_ignore_ascii_case("externalId") {
        params.push(v.to_string());
        return Some((format!("external_id = ${n}"), true));
    }
    let (attribute, value) = unique_key(path, v, schema)?;
    params.push(attribute);
    params.push(value);
    Some((
        format!(
            "id IN (SELECT id FROM scim_resource_unique WHERE tenant = $1 AND resource_type = $2 \
             AND attribute = ${n} AND value = ${})",
            n + 1
        ),
        false,
    ))
}

/// The `scim_resource_unique` key of `path eq v`, as [`unique_values`](crate::backend::unique_values)
/// stores it, when `path` is a singular string attribute the type declares unique.
fn unique_key(path: &AttrPath, v: &str, schema: &ResourceSchema) -> Option<(String, String)> {
    let core = schema.core();
    let (attrs, urn) = match &path.urn {
        None => (&core.attributes, None),
        Some(u) if u.eq_ignore_ascii_case(&core.id) => (&core.attributes, None),
        Some(u) => {
            let ext = schema.extensions().find(|e| e.id.eq_ignore_ascii_case(u))?;
            (&ext.attributes, Some(ext.id.as_str()))
        }
    };
    let a = attrs
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(&path.name))?;
    if a.uniqueness == Uniqueness::None || a.multi_valued || a.kind != AttributeType::String {
        return None;
    }
    let name = a.name.to_ascii_lowercase();
    let attribute = match urn {
        Some(u) => format!("{}:{name}", u.to_ascii_lowercase()),
        None => name,
    };
    let value = if a.case_exact {
        v.to_owned()
    } else {
        v.to_lowercase()
    };
    Some((attribute, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, ResourceType, Schema, SchemaRegistry};

    const CORE: &str = "urn:example:scim:schemas:core:1.0:Device";
    const EXT: &str = "urn:example:scim:schemas:extension:asset:1.0:Device";

    fn schema() -> ResourceSchema {
        let mut reg = SchemaRegistry::rfc();
        reg.register_schema(Schema::new(
            CORE,
            "Device",
            "",
            vec![
                Attribute::new("serial", AttributeType::String).uniqueness(Uniqueness::Server),
                Attribute::new("mac", AttributeType::String)
                    .case_exact(true)
                    .uniqueness(Uniqueness::Global),
                Attribute::new("label", AttributeType::String),
                Attribute::new("slot", AttributeType::Integer).uniqueness(Uniqueness::Server),
            ],
        ));
        reg.register_schema(Schema::new(
            EXT,
            "Asset",
            "",
            vec![Attribute::new("tag", AttributeType::String).uniqueness(Uniqueness::Server)],
        ));
        reg.register_resource_type(
            ResourceType::new("Device", "/Devices", "", CORE).with_extension(EXT, false),
        )
        .unwrap();
        (**reg.resource_type("Device").unwrap()).clone()
    }

    fn c(f: &str) -> Option<(Condition, bool)> {
        condition(&Filter::parse(f).unwrap(), &schema())
    }

    #[test]
    fn id_and_external_id_are_exact() {
        let (cond, exact) = c(r#"id eq "AbC""#).unwrap();
        assert_eq!((cond.sql.as_str(), exact), ("id = $3", true));
        assert_eq!(cond.params, ["AbC"]);
        let (cond, exact) = c(r#"externalId eq "x' OR '1'='1""#).unwrap();
        assert_eq!((cond.sql.as_str(), exact), ("external_id = $3", true));
        assert_eq!(cond.params, ["x' OR '1'='1"]);
        let (cond, exact) = c(r#"id eq "a" or externalId eq "b""#).unwrap();
        assert_eq!(cond.sql, "(id = $3) OR (external_id = $4)");
        assert!(exact);
    }

    #[test]
    fn unique_attributes_are_candidates_folded_as_stored() {
        let (cond, exact) = c(r#"SERIAL eq "Ab""#).unwrap();
        assert!(!exact);
        assert!(
            cond.sql.contains("attribute = $3 AND value = $4"),
            "{}",
            cond.sql
        );
        assert_eq!(cond.params, ["serial", "ab"]);
        let (cond, _) = c(r#"mac eq "Ab""#).unwrap();
        assert_eq!(cond.params, ["mac", "Ab"]);
        let (cond, _) = c(&format!(r#"{EXT}:tag eq "T1""#)).unwrap();
        assert_eq!(
            cond.params,
            [format!("{}:tag", EXT.to_ascii_lowercase()), "t1".into()]
        );
        let (cond, exact) = c(r#"label eq "x" and serial eq "s""#).unwrap();
        assert_eq!(cond.params, ["serial", "s"]);
        assert!(!exact);
    }

    #[test]
    fn anything_else_has_no_condition() {
        for f in [
            r#"label eq "x""#,
            r#"serial co "x""#,
            "slot eq 3",
            r#"serial eq "a" or label eq "b""#,
            r#"not (id eq "a")"#,
            r#"id ne "a""#,
        ] {
            assert!(c(f).is_none(), "{f}");
        }
        // an `and` with one indexed term is not exact
        let (_, exact) = c(r#"id eq "a" and label eq "b""#).unwrap();
        assert!(!exact);
    }
}
