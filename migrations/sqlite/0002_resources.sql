-- scimitar SQL backend, SQLite: resources of types registered at run time (RFC 7643 §6),
-- e.g. a Device. One row per resource, keyed (tenant, resource_type, id), its body JSON text
-- without id and meta; resource_type is the type's name folded to lower case in Rust.
-- scim_resource_unique holds the values a type declares unique (uniqueness server/global,
-- kept per tenant and type), folded in Rust unless caseExact, so the database refuses a
-- second holder atomically.

CREATE TABLE scim_resources (
    tenant        TEXT    NOT NULL,
    resource_type TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    external_id   TEXT,
    version       INTEGER NOT NULL,
    created       INTEGER NOT NULL,
    modified      INTEGER NOT NULL,
    body          TEXT    NOT NULL,
    PRIMARY KEY (tenant, resource_type, id)
);
CREATE INDEX scim_resources_external_id ON scim_resources (tenant, resource_type, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE scim_resource_unique (
    tenant        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    attribute     TEXT NOT NULL,
    value         TEXT NOT NULL,
    id            TEXT NOT NULL,
    PRIMARY KEY (tenant, resource_type, attribute, value),
    FOREIGN KEY (tenant, resource_type, id)
        REFERENCES scim_resources (tenant, resource_type, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX scim_resource_unique_holder ON scim_resource_unique (tenant, resource_type, id);
